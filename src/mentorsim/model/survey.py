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


def signals(model, idx: np.ndarray) -> np.ndarray:
    """[item, respondent] the signal each item of ITEMS (in its order) reads, for respondents
    ``idx`` (:func:`_signals`, compiled: numpy's operations in numpy's order, so the same floats
    as the array expressions, tests/test_survey_answers.py)."""
    p, pr = model.p, model.providers
    desired = float(p["survey.desired_contact_days"])
    # checklist-weighted coaching days, relative to the desired days on the clinical track (a
    # matrix product: numpy's, whose BLAS may fuse multiply-adds, so it stays numpy's)
    w = TRACK_DOMAINS[:, CHECKLIST]
    checklist_dose = pr.coached_days[idx] @ w / (w[0] * desired)
    z = np.empty((len(ITEMS), len(idx)))
    _signals(idx, pr.skill, pr.skill_at_entry, pr.confidence, pr.confidence_at_entry, pr.coached_days, pr.trust,
             pr.echo_sessions, pr.echo_offered, pr.whatsapp_weeks, pr.tenure_weeks, pr.facility,
             model.record.current_composite(model.week), model.record.composite_at(0), checklist_dose, desired, z)
    return z


@kernel
def _clip01(x):
    """``np.clip(x, 0, 1)`` of a float, as numpy's clip takes it (max, then min; a zero's sign
    as numpy leaves it)."""
    x = x if x > 0.0 else 0.0
    return x if x < 1.0 else 1.0


@kernel
def _at_least(x, floor):
    """``np.maximum(x, floor)`` of two floats (not NaN): ``x`` unless ``floor`` is larger."""
    return x if x >= floor else floor


@kernel
def _relative(now, entry):
    """Relative gain from ``entry`` toward 1, in [0, 1]."""
    return _clip01((now - entry) / _at_least(1.0 - entry, 1e-9))


@kernel
def _signals(idx, skill, skill_at_entry, confidence, confidence_at_entry, coached_days, trust, echo_sessions,
             echo_offered, whatsapp_weeks, tenure_weeks, facility, comp_now, comp0, checklist_dose, desired, z):
    """The signals of :func:`signals` into ``z`` [item, respondent], one respondent (post
    ``idx[k]``) at a time, in ITEMS order: relative gains (skill by domain, confidence, the
    facility's composite), coaching doses by track (days / ``desired``) and in all, trust, ECHO
    attendance and the share of weeks active on WhatsApp."""
    for k in range(idx.shape[0]):
        i = idx[k]
        r0 = _relative(skill[i, 0], skill_at_entry[i, 0])
        r1 = _relative(skill[i, 1], skill_at_entry[i, 1])
        r2 = _relative(skill[i, 2], skill_at_entry[i, 2])
        r3 = _relative(skill[i, 3], skill_at_entry[i, 3])
        rel = (r0, r1, r2, r3)
        gain = (((r0 + r1) + r2) + r3) / 4.0  # numpy's mean over the domains: the sum in order, / 4
        dose_all = _clip01(((coached_days[i, 0] + coached_days[i, 1]) + coached_days[i, 2]) / desired)
        t = trust[i]
        echo = echo_sessions[i] / _at_least(echo_offered[i], 1.0)
        wa = _clip01(whatsapp_weeks[i] / _at_least(tenure_weeks[i], 1.0))
        f = facility[i]
        z[0, k] = 0.5 * (t + gain)  # positive
        z[1, k] = 0.5 * (t + dose_all)  # satisfied
        z[2, k] = t if t >= gain else gain  # support_continuing
        z[3, k] = gain  # changed_practice
        z[4, k] = _relative(comp_now[f], comp0[f])  # facility_changes
        z[5, k] = _relative(confidence[i], confidence_at_entry[i])  # great_confidence
        z[6, k] = rel[CHECKLIST]  # great_ssc
        z[7, k] = 0.5 * (echo + wa)  # great_consultations
        z[8, k] = rel[TEAMWORK]  # great_teamwork
        z[9, k] = rel[CLINICAL]  # great_clinical
        z[10, k] = _clip01(coached_days[i, 0] / desired)  # received_clinical
        z[11, k] = _clip01(checklist_dose[k])  # received_ssc
        z[12, k] = _clip01(coached_days[i, 1] / desired)  # received_data
        z[13, k] = t  # trait_interpersonal
        z[14, k] = z[10, k]  # trait_role_model: the clinical dose
        z[15, k] = t  # trait_courtesy


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
    z = signals(model, idx)  # [item, respondent]
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
