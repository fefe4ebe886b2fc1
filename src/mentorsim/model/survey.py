"""The mentee survey, emulated at month 14 (five-point answers, 82% response).

Who: intervention staff in post for at least ``survey.min_tenure_months``; each responds with
chance ``survey.response_rate``.

How an answer arises (an ordinal measurement model): each item reads one signal x in [0, 1]
from the mentee's own experience in the model (below). The latent answer is

    z = leniency + signal_weight x (x - 0.5) + noise x Logistic(0, 1)

and the five-point answer counts how many of CUTPOINTS z exceeds (1 = strongly disagree /
not at all ... 5 = strongly agree / to a great extent). "Agree" items count answers 4-5;
"great extent" items count answers of 5. Leniency stands for social desirability bias, which
the study names as a limitation.

Signals: relative gain in a domain = (skill now - skill on entry) / (1 - skill on entry);
dose = coaching days (on the relevant track) / ``survey.desired_contact_days``, capped at 1;
trust in the mentors; engagement = share of ECHO sessions attended and of weeks active on
WhatsApp.
"""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np

from mentorsim.model.blocks import run_calls, threads
from mentorsim.model.jit import kernel
from mentorsim.model.pcg import advance, jumped, random, words
from mentorsim.model.people import CHECKLIST, CLINICAL, TEAMWORK
from mentorsim.model.visits import TRACK_DOMAINS

CUTPOINTS = np.array([-3.0, -1.5, 0.0, 1.5])

#: item -> (kind, description). Kind "agree" counts answers 4-5, "great" counts 5.
ITEMS = {
    "positive": ("agree", "experienced mentorship as positive"),
    "satisfied": ("agree", "satisfied with mentorship"),
    "support_continuing": ("agree", "support continuing mentorship"),
    "changed_practice": ("agree", "changed own practice"),
    "facility_changes": ("agree", "facility made positive changes"),
    "great_confidence": ("great", "difference to a great extent: confidence"),
    "great_ssc": ("great", "difference to a great extent: SSC use"),
    "great_consultations": ("great", "difference to a great extent: asking for case consultations"),
    "great_teamwork": ("great", "difference to a great extent: teamwork and communication"),
    "great_clinical": ("great", "difference to a great extent: clinical skills"),
    "received_clinical": ("great", "received to a great extent: clinical skills"),
    "received_ssc": ("great", "received to a great extent: SSC implementation"),
    "received_data": ("great", "received to a great extent: data use"),
    "trait_interpersonal": ("great", "mentor exhibited to a great extent: interpersonal skills"),
    "trait_role_model": ("great", "mentor exhibited to a great extent: role modelling"),
    "trait_courtesy": ("great", "mentor exhibited to a great extent: courtesy and respect"),
}
FIVE_AREAS = ("great_confidence", "great_ssc", "great_consultations", "great_teamwork", "great_clinical")


def signals(model, idx: np.ndarray) -> dict[str, np.ndarray]:
    """The signal each item reads, for respondents ``idx``."""
    p, pr = model.p, model.providers
    entry = pr.skill_at_entry[idx]
    rel = np.clip((pr.skill[idx] - entry) / np.maximum(1.0 - entry, 1e-9), 0.0, 1.0)
    conf0 = pr.confidence_at_entry[idx]
    rel_conf = np.clip((pr.confidence[idx] - conf0) / np.maximum(1.0 - conf0, 1e-9), 0.0, 1.0)
    desired = p["survey.desired_contact_days"]
    dose = np.clip(pr.coached_days[idx] / desired, 0.0, 1.0)  # by track
    dose_all = np.clip(pr.coached_days[idx].sum(axis=1) / desired, 0.0, 1.0)
    trust = pr.trust[idx]
    echo = pr.echo_sessions[idx] / np.maximum(pr.echo_offered[idx], 1.0)
    wa = np.clip(pr.whatsapp_weeks[idx] / np.maximum(pr.tenure_weeks[idx], 1.0), 0.0, 1.0)
    comp_now = model.record.current_composite(model.week)
    comp0 = model.record.composite_at(0)
    fac_gain = np.clip((comp_now - comp0) / np.maximum(1.0 - comp0, 1e-9), 0, 1)[pr.facility[idx]]
    gain = rel.mean(axis=1)
    # checklist-weighted coaching days, relative to the desired days on the clinical track
    w = TRACK_DOMAINS[:, CHECKLIST]
    checklist_dose = np.clip(pr.coached_days[idx] @ w / (w[0] * desired), 0.0, 1.0)
    return {
        "positive": 0.5 * (trust + gain),
        "satisfied": 0.5 * (trust + dose_all),
        "support_continuing": np.maximum(trust, gain),
        "changed_practice": gain,
        "facility_changes": fac_gain,
        "great_confidence": rel_conf,
        "great_ssc": rel[:, CHECKLIST],
        "great_consultations": 0.5 * (echo + wa),
        "great_teamwork": rel[:, TEAMWORK],
        "great_clinical": rel[:, CLINICAL],
        "received_clinical": dose[:, 0],
        "received_ssc": checklist_dose,
        "received_data": dose[:, 1],
        "trait_interpersonal": trust,
        "trait_role_model": dose[:, 0],
        "trait_courtesy": trust,
    }


def survey(model, week: int) -> None:
    """Run the survey if this is the survey week; store item shares on the record."""
    if week + 1 != model.survey_week:
        return
    if not model.programme_runs:  # nobody to ask about a mentorship that never happened
        model.record.survey_result = {"invited": 0, "respondents": 0} | {k: float("nan") for k in ITEMS}
        return
    p, pr, fa = model.p, model.providers, model.facilities
    rng = model.streams["survey"]
    eligible = (pr.filled & fa.intervention[pr.facility]
                & (pr.tenure_weeks >= p["survey.min_tenure_months"] * model.time.wpm))
    u = rng.random(pr.n)
    idx = np.flatnonzero(eligible & (u < p["survey.response_rate"]))
    result = {"invited": int(eligible.sum()), "respondents": len(idx)}
    if len(idx) == 0:
        model.record.survey_result = result | {k: float("nan") for k in ITEMS}
        return
    sig = signals(model, idx)
    z = np.stack([sig[item] for item in ITEMS])  # [item, respondent]
    hits = answers_above_cutpoints(z, rng, p["survey.noise"], p["survey.signal_weight"], p["survey.leniency"])
    result |= {item: 100.0 * float(int(hit) / len(idx)) for item, hit in zip(ITEMS, hits)}
    model.record.survey_result = result


#: Respondents from which the answers are worked out on several threads (assumption, as
#: blocks.PARALLEL_MIN_POSTS: at ~6 ns an answer, below that the 16 items take under 2 ms;
#: 16 x 72,000 measured 7.1 ms on one thread, docs/BENCHMARKS.md).
PARALLEL_MIN_RESPONDENTS = 20_000


def answers_above_cutpoints(z: np.ndarray, rng: np.random.Generator, noise: float, signal_weight: float,
                            leniency: float) -> np.ndarray:
    """For each item (row of ``z`` [item, respondent], the signals), how many respondents'
    latent answer ``leniency + signal_weight x (signal - 0.5) + noise x Logistic(0, 1)``
    exceeds the item's cutpoint (_ITEM_CUTPOINT). The logistic draws are ``rng.logistic(0, 1,
    z.shape)``'s numbers, drawn in compiled code from the same stream (pcg.py; each a uniform U
    turned into log(U / (1 - U)) as numpy does), which moves on past them as numpy's would;
    the sums are numpy's operations in numpy's order, so the counts are those of the array
    expression, without its [item, respondent] temporaries. A large survey is shared over
    threads by items, each drawing its items' numbers from where the stream would be then
    (pcg.jumped): the same numbers on any number of threads."""
    state = words(rng)
    n_items, n = z.shape
    hits = np.zeros(n_items, dtype=np.int64)
    n_threads = min(threads(), n_items) if n >= PARALLEL_MIN_RESPONDENTS else 1
    bounds = np.linspace(0, n_items, n_threads + 1).astype(int)
    calls = [(z, state, int(a) * n, int(a), int(b), noise, signal_weight, leniency, _ITEM_CUTPOINT, hits)
             for a, b in pairwise(bounds)]
    if not any(run_calls(_answers, calls)):
        advance(state, n_items * n)
        return hits
    # a uniform of exactly 0 (numpy draws again then, which moves every later draw): once in
    # ~10^16 draws; do it again from the start, in one pass, drawing as numpy does
    _answers(z, state, -1, 0, n_items, noise, signal_weight, leniency, _ITEM_CUTPOINT, hits)
    return hits


@kernel
def _answers(z, state, offset, j_lo, j_hi, noise, signal_weight, leniency, cutpoint, hits):
    """Items ``j_lo``..``j_hi - 1`` of :func:`answers_above_cutpoints` into ``hits``, their draws
    from the stream ``state`` (pcg.words) ``offset`` draws on (a copy: the caller moves the
    stream on), or, if ``offset`` < 0, from ``state`` itself (which moves on), drawing again
    after a uniform of 0 as numpy does. Returns True if a uniform of 0 was met with ``offset``
    >= 0 (the counts are then not numpy's)."""
    s = jumped(state, offset) if offset >= 0 else state
    for j in range(j_lo, j_hi):
        count = 0
        for r in range(z.shape[1]):
            u = random(s)
            while u <= 0.0:
                if offset >= 0:
                    return True
                u = random(s)
            e = 0.0 + 1.0 * math.log(u / (1.0 - u))  # Generator.logistic(0.0, 1.0): loc + scale x log(U / (1 - U))
            x = (z[j, r] - 0.5) * signal_weight + leniency + e * noise
            if x > cutpoint[j]:
                count += 1
        hits[j] = count
    return False


#: The cutpoint an item's answer counts above, in ITEMS order: the answer is 1 + the number of
#: cutpoints z exceeds, so answer >= 4 <=> z > CUTPOINTS[2] ("agree") and answer == 5 <=> z >
#: CUTPOINTS[3] ("great").
_ITEM_CUTPOINT = np.array([CUTPOINTS[2] if kind == "agree" else CUTPOINTS[3] for kind, _ in ITEMS.values()])
