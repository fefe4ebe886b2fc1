"""The order of updates inside one weekly step, written once.

Each week ``w`` the model runs, in this order:

 1. turnover        people leave posts; vacancies are filled by untrained new hires
 2. workload        this week's operations; each provider's chance of being busy
 3. mentor_pool     regional mentors are trained, paired, handed over, lost and replaced
                    (a mentee may become a mentor); mentor days accrue
 4. visits          in-person visits due this week: side-by-side coaching (tacit skill),
                    debriefs (knowledge, leadership engagement), trust
 5. telementoring   an ECHO session, if due: explicit knowledge in the session's topic
 6. whatsapp        group activity: knowledge, cross-facility exchange, consultations
 7. practice        explicit knowledge turns into practised skill where time allows
 8. peer_diffusion  skills spread inside each team, scaled by its culture
 9. secular_trend   both arms' floors drift upward (other programmes, constant; the national
                    SSC roll-out, at its own pace) until learning.secular_end_month
10. decay           gains above the floor decay, slowed by contact and leadership
11. outcomes        composite indicator, SSC adoption (roll-out in both arms, programme push
                    in the intervention arm), operations, SSIs, deaths
12. relationships   resistance from trust; confidence; teamwork culture follows practice;
                    teamwork receptivity follows culture and, where culture is weak, safety practice
13. snapshot        provider means by arm, facility context, mentor pool
14. survey          the mentee survey, in the survey week only

The modalities (4-6) act on the intervention arm only; everything else acts on both arms.
Steps 7-13 touch every provider every week and run as one compiled call
(:func:`weekly_dynamics`) that goes facility by facility, making two passes over the
facility's posts while they are in cache: (a) practice, gathering the team means peer diffusion
needs; (b) per post, peer diffusion, the secular trend, decay, and the provider part of
relationships, in that order, then step 13's tally of the post as it now is
(``recording.tally_post``: the theatre team's practice for the outcomes and the sums for the
snapshot, kept in registers and written once a facility). The facility-level parts (outcomes,
team culture) follow. The results are identical to running the steps one by one over all
facilities (tests/test_dynamics_equivalence.py): no step reads another facility's state, and
relationships change nothing the outcomes read. The per-post rules live in learning.py; a post's
four domains are updated together, which the SLP vectorizer turns into vector operations
(jit.vector_kernel). Large models run the facilities in blocks on several threads (blocks.py).
Week ``w`` is recorded in row ``w + 1``; row 0 is the baseline.
"""

from __future__ import annotations

import bisect
import math
from collections import namedtuple
from collections.abc import Sequence

import numpy as np

from mentorsim.model import survey, telementoring, visits, whatsapp, workforce
from mentorsim.model.blocks import run_calls, threads
from mentorsim.model.facility_outcomes import OUTCOME_COEF, facility_outcomes, outcome_coefficients
from mentorsim.model.jit import vector_kernel
from mentorsim.model.kernel_args import batch_list, run_list
from mentorsim.model.learning import (
    confidence_toward,
    culture_follows_practice,
    decayed,
    peer_rates,
    peer_secular_decay,
    practice,
    resistance_from_trust,
    secular_baseline,
    secular_rate_at,
    update_keep_factors,
)
from mentorsim.model.pcg import fill
from mentorsim.model.people import CHECKLIST
from mentorsim.model.recording import (
    ARM_SUM_COLUMNS,
    record_arms,
    tally_arguments,
    tally_end,
    tally_post,
    tally_start,
)

#: The coefficient record of steps 7-12: each field, with the parameter it comes from (see
#: :func:`coefficients`; the kernels read them by name, e.g. ``k.lam_skill``). The outcome
#: fields (facility_outcomes.OUTCOME_COEF) follow.
COEF_FIELDS = {
    "practice_rate": "learning.knowledge_to_skill_rate",
    "practice_block": "workload.practice_block",
    "peer_rate": "learning.peer_rate",
    "secular_rate": "learning.secular_rate",
    "secular_ceiling": "learning.secular_ceiling",
    "lam_skill": "learning.skill_half_life_months (decay rate per week, ln 2 / half-life)",
    "lam_knowledge": "learning.knowledge_half_life_months (decay rate per week, ln 2 / half-life)",
    "protect_contact": "learning.reinforcement_protection",
    "protect_lead": "learning.leadership_sustain",
    "confidence_rate": "learning.confidence_rate",
    "culture_rate": "learning.culture_growth_rate",
    "culture_floor": "learning.culture_floor",
    "secular_end_week": "learning.secular_end_month (in weeks)",
    "culture_full": "learning.teamwork_receptivity_full",
    "skill_primes": "learning.skill_primes_knowledge",
    "secular_share": "learning.secular_ssc_share",
    "safety_first": "learning.safety_first_level",
} | OUTCOME_COEF
#: A numpy record type with one float64 field per COEF_FIELDS entry (numba reads fields by name).
COEF_DTYPE = np.dtype([(name, np.float64) for name in COEF_FIELDS])


def coefficients(p, wpm: float) -> np.ndarray:
    """Parameters of steps 7-12 as a one-element COEF_DTYPE array (units as in the table; rates
    and decay per week); kernels take ``coef`` and read ``coef[0].name``."""
    values = {
        "practice_rate": p["learning.knowledge_to_skill_rate"], "practice_block": p["workload.practice_block"],
        "peer_rate": p["learning.peer_rate"], "secular_rate": p["learning.secular_rate"],
        "secular_ceiling": p["learning.secular_ceiling"],
        "lam_skill": math.log(2.0) / (p["learning.skill_half_life_months"] * wpm),
        "lam_knowledge": math.log(2.0) / (p["learning.knowledge_half_life_months"] * wpm),
        "protect_contact": p["learning.reinforcement_protection"],
        "protect_lead": p["learning.leadership_sustain"], "confidence_rate": p["learning.confidence_rate"],
        "culture_rate": p["learning.culture_growth_rate"], "culture_floor": p["learning.culture_floor"],
        "secular_end_week": p["learning.secular_end_month"] * wpm,
        "culture_full": p["learning.teamwork_receptivity_full"],
        "skill_primes": p["learning.skill_primes_knowledge"],
        "secular_share": p["learning.secular_ssc_share"], "safety_first": p["learning.safety_first_level"],
    } | outcome_coefficients(p)
    coef = np.zeros(1, dtype=COEF_DTYPE)
    for name in COEF_FIELDS:
        coef[name] = float(values[name])
    return coef


@vector_kernel
def weekly_dynamics(row, u_outcomes, f_lo, f_hi, arm_sums, record, coef, skill, skill_floor, knowledge,
                    knowledge_floor, busy, reinforced, resistance0, recept, leadership, teamwork_culture,
                    learning_orientation, current_baseline, operations_week, caesarean_share, ssc, ssc_push,
                    outcome_table, keep, keep_leadership, workload, workload_all, leadership_all,
                    culture_all, team, checklist, tally_posts, series):
    """Steps 7-13 for facilities ``f_lo``..``f_hi - 1`` and their posts, in place (a block; see
    blocks.py). ``arm_sums`` [2, ARM_SUM_COLUMNS] gathers this block's posts for the snapshot's
    arm means, written here if ``record`` (the only block) and otherwise by :class:`Dynamics`
    once every block is done. ``team`` [n_fac, 4] and ``checklist`` [n_fac] are scratch (set by the tally).
    ``tally_posts`` and ``series`` are recording.tally_arguments; ``coef`` the run's coefficient
    record (:func:`coefficients`)."""
    k = coef[0]
    confidence, resistance, trust, filled, theatre, first_post, n_int = tally_posts[2:]
    fs = slice(f_lo, f_hi)  # this block's facilities, for the facility-level steps
    arm_sums[:] = 0.0
    update_keep_factors(keep[fs], keep_leadership[fs], leadership[fs], k.lam_skill, k.lam_knowledge,
                        k.protect_contact, k.protect_lead)
    secular_rate = secular_rate_at(k.secular_rate, row, k.secular_end_week, k.secular_share, k.ssc_rollout)
    ceiling, confidence_rate = k.secular_ceiling, k.confidence_rate
    secular_baseline(current_baseline[fs], secular_rate, ceiling)
    staff_present = series[0][row]
    for f in range(f_lo, f_hi):  # facility by facility: its posts stay in cache through the passes
        lo, hi = first_post[f], first_post[f + 1]
        # (a) step 7, and the team means step 8 moves people toward
        m0, m1, m2, m3 = practice(skill, skill_floor, knowledge, knowledge_floor, busy, filled, lo, hi, recept[f],
                                  k.practice_rate, k.practice_block, k.skill_primes)
        peer = peer_rates(teamwork_culture[f], learning_orientation[f], k.peer_rate)
        keep_skill0, keep_knowledge0, keep_skill1, keep_knowledge1 = keep[f, 0, 0], keep[f, 0, 1], keep[f, 1, 0], keep[f, 1, 1]
        # (b) steps 8-10 and the provider part of 12, post by post (a post's four domains read,
        # updated and written together), then step 13's tally, which also gathers the theatre
        # team's practice step 11 needs
        arm = 0 if f < n_int else 1
        acc = tally_start(f, arm_sums[arm], staff_present)
        for i in range(lo, hi):
            peer_rate = peer if filled[i] else 0.0
            if reinforced[i]:
                keep_skill, keep_knowledge = keep_skill1, keep_knowledge1
            else:
                keep_skill, keep_knowledge = keep_skill0, keep_knowledge0
            s0, s1, s2, s3 = skill[i, 0], skill[i, 1], skill[i, 2], skill[i, 3]
            f0, f1, f2, f3 = skill_floor[i, 0], skill_floor[i, 1], skill_floor[i, 2], skill_floor[i, 3]
            k0, k1, k2, k3 = knowledge[i, 0], knowledge[i, 1], knowledge[i, 2], knowledge[i, 3]
            g0, g1 = knowledge_floor[i, 0], knowledge_floor[i, 1]
            g2, g3 = knowledge_floor[i, 2], knowledge_floor[i, 3]
            s0, f0 = peer_secular_decay(s0, f0, m0, peer_rate, secular_rate, ceiling, keep_skill)
            s1, f1 = peer_secular_decay(s1, f1, m1, peer_rate, secular_rate, ceiling, keep_skill)
            s2, f2 = peer_secular_decay(s2, f2, m2, peer_rate, secular_rate, ceiling, keep_skill)
            s3, f3 = peer_secular_decay(s3, f3, m3, peer_rate, secular_rate, ceiling, keep_skill)
            skill[i, 0], skill[i, 1], skill[i, 2], skill[i, 3] = s0, s1, s2, s3
            skill_floor[i, 0], skill_floor[i, 1], skill_floor[i, 2], skill_floor[i, 3] = f0, f1, f2, f3
            k0, k1 = decayed(k0, g0, keep_knowledge), decayed(k1, g1, keep_knowledge)
            k2, k3 = decayed(k2, g2, keep_knowledge), decayed(k3, g3, keep_knowledge)
            knowledge[i, 0], knowledge[i, 1], knowledge[i, 2], knowledge[i, 3] = k0, k1, k2, k3
            total = 0.0 + s0 + s1 + s2 + s3  # summed in domain order from 0, as the step defines it
            reinforced[i] = False
            res = resistance_from_trust(resistance0[i], trust[i])
            conf = confidence_toward(confidence[i], total / 4.0, confidence_rate)
            resistance[i], confidence[i] = res, conf
            # step 13's tally of the post as it now is (recording.tally_facility's parts)
            acc = tally_post(acc, filled[i], theatre[i], s0, s1, s2, s3, (s0, s1, s2, s3)[CHECKLIST],
                             (k0, k1, k2, k3)[CHECKLIST], k0, k1, k2, k3, conf, res, trust[i])
        tally_end(acc, f, arm_sums[arm], staff_present, team, checklist)
    facility_outcomes(team[fs], checklist[fs], operations_week[fs], caesarean_share[fs], u_outcomes[fs],
                      ssc[fs], ssc_push[fs], k, outcome_table[row, fs])
    culture_follows_practice(teamwork_culture[fs], team[fs], current_baseline[fs], k.culture_rate, k.culture_floor,
                             k.culture_full, k.safety_first, recept[fs])
    workload_all[row, fs] = workload[fs]  # the facility context this week
    leadership_all[row, fs] = leadership[fs]
    culture_all[row, fs] = teamwork_culture[fs]
    if record:
        record_arms(row, arm_sums, *series[1:])


#: weekly_dynamics's arguments after ``row``, by name: RunArrays holds one run's, so a batch of
#: runs can be handed to the compiled code at once (see dynamics_runs).
RUN_FIELDS = ("u_outcomes", "f_lo", "f_hi", "arm_sums", "record", "coef", "skill", "skill_floor", "knowledge",
              "knowledge_floor", "busy", "reinforced", "resistance0", "recept", "leadership", "teamwork_culture",
              "learning_orientation", "current_baseline", "operations_week", "caesarean_share", "ssc", "ssc_push",
              "outcome_table", "keep", "keep_leadership", "workload", "workload_all", "leadership_all",
              "culture_all", "team", "checklist", "tally_posts", "series")
RunArrays = namedtuple("RunArrays", RUN_FIELDS)


class Dynamics:
    """Steps 7-13 for one model: the arguments of weekly_dynamics for each of the model's blocks,
    gathered once (all arrays are updated in place, so the same references serve every week)."""

    def __init__(self, model):
        pr, fa, rec = model.providers, model.facilities, model.record
        self.blocks = model.blocks
        self.arm_sums = np.zeros((len(self.blocks), 2, ARM_SUM_COLUMNS))
        # SSC use by facility (advanced by facility_outcomes) and this week's programme push
        self.ssc = np.full(fa.n, float(model.p["ssc.baseline_use"]))
        self.ssc_push = np.zeros(fa.n)
        self.mentored = np.asarray(fa.intervention, dtype=float) * float(model.programme_runs)
        tally_posts, self.series = tally_arguments(pr, fa, rec)
        arrays = (model.coef, pr.skill, pr.skill_floor, pr.knowledge, pr.knowledge_floor, pr.busy,
                  pr.reinforced, pr.resistance0, model.recept, fa.leadership, fa.teamwork_culture,
                  fa.learning_orientation, fa.current_baseline, fa.operations_week, fa.caesarean_share,
                  self.ssc, self.ssc_push, rec.outcome_table, np.empty((fa.n, 2, 2)), np.full(fa.n, np.nan), fa.workload,
                  rec.fac["workload"], rec.fac["leadership"], rec.fac["teamwork_culture"],
                  np.zeros((fa.n, 4)), np.zeros(fa.n), tally_posts, self.series)
        single = len(self.blocks) == 1  # then the kernel records the arm means itself
        self.block_args = [(lo, hi, self.arm_sums[k], single, *arrays)
                           for k, (lo, hi) in enumerate(self.blocks)]
        #: this week's uniforms for the outcomes (filled by prepare_dynamics), and their stream
        self.u_outcomes = np.empty((fa.n, 5))
        self.ops_stream = model.streams["operations"]
        self.programme_weeks = model.time.programme_weeks
        self.push_on: bool | None = None  # whether ssc_push holds the programme's push (None: not set yet)
        # a model of one block runs its weeks through the batch kernel, as a batch of one: a
        # typed list is handed to compiled code in under 1 us, 33 separate arrays in about 3 us
        self.runs = None
        if single:
            run = DynamicsRun(self.run_arrays(), self.mentored, self.programme_weeks, model.rng_states["operations"])
            self.runs = run_list(run)

    def week(self, row: int, u_outcomes: np.ndarray) -> None:
        """Steps 7-13 of the week recorded in ``row`` for a model of facility blocks (after
        :func:`prepare_dynamics`)."""
        run_calls(weekly_dynamics, [(row, u_outcomes, *args) for args in self.block_args])
        # the snapshot's arm means, from the blocks' sums added in block order
        record_arms(row, self.arm_sums.sum(axis=0), *self.series[1:])

    def run_arrays(self) -> RunArrays:
        """This model's weekly_dynamics arguments (one block only) as a RunArrays, reading this
        week's uniforms from ``u_outcomes``."""
        if len(self.block_args) != 1:
            raise ValueError("only a model of one block can run in a batch")
        return RunArrays(self.u_outcomes, *self.block_args[0])


def prepare_dynamics(model, week: int) -> np.ndarray:
    """Draw week ``week``'s outcome uniforms (into the model's buffer) and set the programme push
    (written only in the weeks it changes: on in the programme, off after); the uniforms."""
    d = model.dynamics
    u = d.ops_stream.random(out=d.u_outcomes)  # the same numbers as .random(u.shape)
    on = week < d.programme_weeks
    if on is not d.push_on:
        d.ssc_push[:] = d.mentored if on else 0.0
        d.push_on = on
    return u


def dynamics(model, week: int) -> None:
    """Steps 7-13 (one compiled call per block)."""
    d = model.dynamics
    if d.runs is not None:  # one block: a batch of one
        dynamics_runs(week, d.runs, 0, 1)
    else:
        d.week(week + 1, prepare_dynamics(model, week))
    _record_pool(model, week)


#: What one run's steps 7-13 read (a model of one block; see :func:`dynamics_runs`): the
#: arguments of weekly_dynamics (RunArrays), each facility's programme push while the programme
#: runs, and its weeks; the outcomes' uniforms come from the ``operations`` stream, whose state
#: (pcg.words) is ``rng``.
DynamicsRun = namedtuple("DynamicsRun", ("arrays", "mentored", "programme_weeks", "rng"))


@vector_kernel
def dynamics_runs(week, runs, lo, hi):
    """Steps 7-13 of week ``week`` for runs ``lo``..``hi - 1`` of ``runs`` (a typed list of
    DynamicsRun), each as :func:`dynamics` runs it (:func:`dynamics_run`)."""
    for j in range(lo, hi):
        dynamics_run(week, runs[j])


@vector_kernel
def dynamics_run(week, r):
    """Steps 7-13 of week ``week`` for one run ``r`` (a DynamicsRun): the outcomes' uniforms
    drawn here from the run's own ``operations`` stream (pcg.fill: numpy's numbers), the
    programme push set, then weekly_dynamics."""
    a = r.arrays
    u = a.u_outcomes
    fill(r.rng, u)
    push = week < r.programme_weeks
    for f in range(a.ssc_push.shape[0]):
        a.ssc_push[f] = r.mentored[f] if push else 0.0
    weekly_dynamics(week + 1, u, a.f_lo, a.f_hi, a.arm_sums, a.record, a.coef, a.skill, a.skill_floor,
                    a.knowledge, a.knowledge_floor, a.busy, a.reinforced, a.resistance0, a.recept,
                    a.leadership, a.teamwork_culture, a.learning_orientation, a.current_baseline,
                    a.operations_week, a.caesarean_share, a.ssc, a.ssc_push, a.outcome_table, a.keep,
                    a.keep_leadership, a.workload, a.workload_all, a.leadership_all, a.culture_all, a.team,
                    a.checklist, a.tally_posts, a.series)


#: Runs per compiled call when a batch's steps are spread over threads (any value gives the
#: same results: the runs are independent).
RUNS_PER_CALL = 4
#: Posts in a batch from which its calls are spread over threads (assumption, as
#: blocks.PARALLEL_MIN_POSTS for one model's blocks): a step of a smaller batch takes tens of
#: microseconds, less than handing it to a thread costs (ss2020, batches of 16: 5.0 ms a run on
#: one thread, 6.7 ms spread over 2 threads in calls of 8; docs/BENCHMARKS.md).
SPREAD_MIN_POSTS = 20_000


def _record_pool(model, week: int) -> None:
    """After steps 7-13: the pool's counts, recorded when they changed (Recorder.pool_counts)."""
    if model.pool.changed:
        model.record.pool_counts(model.pool, week)


def batch_steps() -> dict[str, tuple]:
    """The steps of STEP_ORDER a batch runs in compiled code: step name -> (the batch kernel
    ``kernel(week, runs, lo, hi)``, the model's typed list of one run it walks
    (kernel_args.run_list), what then follows for each model a Python step acted on this week, or
    None). Each kernel is what the step's process calls for a model of one block, as a batch of
    one, so a run gives the same result in a batch or alone. The others (the mentor pool and
    the survey: Python, in the weeks they act) run model by model. A follow-up reads only what a
    Python step changed (``_record_pool``: the pool's counts, which only the pool's update
    changes), so it is called for the models a Python step acted on in the week."""
    return {
        "turnover": (workforce.turnover_runs, lambda m: m.workforce.turnover_runs, None),
        "workload": (workforce.workload_runs, lambda m: m.workforce.workload_runs, None),
        "visits": (visits.visits_runs, lambda m: m.visit_runs, None),
        "telementoring": (telementoring.echo_runs, lambda m: m.sessions.runs, None),
        "whatsapp": (whatsapp.whatsapp_runs, lambda m: m.whatsapp_groups.runs, None),
        "practice .. snapshot": (dynamics_runs, lambda m: m.dynamics.runs, _record_pool),
    }


#: The compiled steps of STEP_ORDER in its order, as :func:`span_runs` runs them (each through
#: its batch kernel of :func:`batch_steps`; tests/test_batch.py checks the three agree).
COMPILED_ORDER = ("turnover", "workload", "visits", "telementoring", "whatsapp", "practice .. snapshot")
#: A run's compiled work as a line of slots: slot ``week * SLOTS + k`` is step ``k`` of
#: COMPILED_ORDER in week ``week``; a Python step of STEP_ORDER sits between two slots.
SLOTS = len(COMPILED_ORDER)


@vector_kernel
def span_runs(starts, ends, turnover, workload, visit, echo, groups, steps, sessions, lo, hi):
    """Slots ``starts[j]``..``ends[j] - 1`` (SLOTS) of each run ``j`` in ``lo``..``hi - 1`` of the
    batch: run by run, each taken through its weeks up to its next Python step in one go (its
    state stays in cache, and no Python runs between its weeks), each compiled step through its
    batch kernel (:func:`batch_steps`) on that one run. ``turnover`` .. ``steps`` are the batch's
    typed lists of each step's runs; ``sessions`` [run, week] whether the run holds an ECHO
    session that week (the others' ECHO step would do nothing, and taking its run out of the
    list alone costs ~0.6 us). The runs are independent, so this order gives what week-by-week
    calls over all runs give."""
    for j in range(lo, hi):
        if starts[j] >= ends[j]:
            continue
        # the run's items, each taken out of its list once a span (~0.1-0.7 us each: every
        # array's reference count goes up and down)
        leave, busy, visiting, session, group, step = turnover[j], workload[j], visit[j], echo[j], groups[j], steps[j]
        for slot in range(starts[j], ends[j]):
            week = slot // SLOTS
            k = slot - week * SLOTS
            if k == 0:
                workforce.turnover_run(week, leave)
            elif k == 1:
                workforce.workload_run(week, busy)
            elif k == 2:
                visits.visits_run(week, visiting)
            elif k == 3:
                if sessions[j, week]:
                    telementoring.echo_run(week, session)
            elif k == 4:
                whatsapp.whatsapp_run(week, group)
            else:
                dynamics_run(week, step)


def _pool_next(model) -> float:
    """The first week from which the mentor pool's update has something to do
    (MentorPool.next_event; only the update itself moves it on)."""
    return model.pool.next_event


#: For the Python steps in every week's plan that act only from some week on: that week, for a
#: model (before it, ``process(model, week)`` returns at once, and a batch skips the call). It
#: may change only when the step itself acts: a batch reads it once the step has acted and runs
#: the compiled weeks up to it without asking again.
ACTS = {"mentor_pool": _pool_next}


class _PythonSteps:
    """When each Python step of STEP_ORDER next acts on each model of a batch: the weeks of the
    model's plan that hold it (model.plan), from the week ACTS gives on, if it has a say.
    ``python``: (name, process, compiled steps before it in a week) in STEP_ORDER's order."""

    def __init__(self, models, python):
        self.python = python
        # [model][step] the weeks its plan holds the step (every week for a step in every week's
        # plan); a plan repeats a few tuples of processes, each asked about once
        self.planned = [_weeks_holding(m.plan, [process for _, process, _ in python]) for m in models]

    def next(self, j: int, model, week: int, after: int) -> tuple[int, int] | None:
        """(week, step) of the next Python step to act on model ``j`` at or after ``week``, later
        in STEP_ORDER than step ``after`` in that week (-1: any), or None if none acts again."""
        best = None
        for i, (name, _, _) in enumerate(self.python):
            first = week if i > after else week + 1
            if name in ACTS:
                due = ACTS[name](model)
                if due == math.inf:
                    continue
                first = max(first, math.ceil(due))
            weeks = self.planned[j][i]
            at = _first_at_least(weeks, first)
            if at is not None and (best is None or (at, i) < best):
                best = (at, i)
        return best


def _weeks_holding(plan: list[tuple], processes: list) -> list[Sequence[int]]:
    """For each of ``processes``, the weeks of ``plan`` (model.plan: the processes of each week)
    that hold it, in order. A plan repeats a few tuples: each is asked about once, and the weeks
    are listed only for a process some weeks lack."""
    kinds = {id(week): week for week in plan}
    ids = [id(week) for week in plan]
    out: list[Sequence[int]] = []
    for process in processes:
        holding = {key for key, week in kinds.items() if process in week}
        out.append(range(len(plan)) if len(holding) == len(kinds)
                   else [w for w, key in enumerate(ids) if key in holding])
    return out


def _first_at_least(weeks: Sequence[int], week: int) -> int | None:
    """The first of the sorted ``weeks`` at or after ``week`` (None if none)."""
    k = bisect.bisect_left(weeks, week)
    return weeks[k] if k < len(weeks) else None


def run_batch(models: Sequence) -> None:
    """Run ``models`` (each of one block, all with the same number of weeks, each from the week
    it has reached) to the end in STEP_ORDER, each run taken through its compiled steps up to the next Python
    step that acts on it in one go (:func:`span_runs`, one compiled call over the batch's runs,
    split over threads by runs), then that step (the mentor pool from its next event, ACTS; the
    survey in its week; model.plan), and so on: a run of ss2020 stops about 5-10 times in its 178
    weeks. Each model ends exactly as ``model.run()`` would leave it (its streams are its own;
    ``week`` and Mesa's ``steps`` are what they would be whenever Python code reads them). A
    step's follow-up (:func:`batch_steps`) runs once the run has passed that step in the week a
    Python step acted on it, before the next Python step does. The compiled calls are spread over
    threads, RUNS_PER_CALL runs a call, only for a batch of at least SPREAD_MIN_POSTS posts."""
    if not models:
        return
    weeks = models[0].time.total_weeks
    if any(m.time.total_weeks != weeks or len(m.blocks) != 1 for m in models):
        raise ValueError("a batch needs models of one block with the same number of weeks")
    n = len(models)
    spread = threads() > 1 and sum(m.providers.n for m in models) >= SPREAD_MIN_POSTS
    spans = [(lo, min(lo + RUNS_PER_CALL, n)) for lo in range(0, n, RUNS_PER_CALL)] if spread else [(0, n)]
    compiled = batch_steps()
    lists = tuple(batch_list([compiled[name][1](m) for m in models]) for name in COMPILED_ORDER)
    sessions = np.zeros((n, weeks), dtype=bool)  # [run, week]: an ECHO session held (telementoring.session_weeks)
    for j, m in enumerate(models):
        sessions[j, sorted(m.sessions.weeks)] = True
    lists = (*lists, sessions)
    follow = [(k, compiled[name][2]) for k, name in enumerate(COMPILED_ORDER) if compiled[name][2] is not None]
    # the Python steps in order, each with how many compiled steps come before it in STEP_ORDER
    python = [(name, process, sum(other in compiled for other, _ in STEP_ORDER[:at]))
              for at, (name, process) in enumerate(STEP_ORDER) if name not in compiled]
    steps = _PythonSteps(models, python)
    steps0 = [m.steps - m.week for m in models]  # Mesa's steps before week 0, as model.run() counts them
    end = weeks * SLOTS
    starts = np.array([m.week * SLOTS for m in models], dtype=np.int64)
    ends = np.empty(n, dtype=np.int64)
    due = [steps.next(j, m, m.week, -1) for j, m in enumerate(models)]  # each run's next Python step: (week, step)
    owed: list[tuple[int, int, int, object]] = []  # follow-ups: (run, slot to pass, week, follow-up)
    while True:
        for j, event in enumerate(due):
            ends[j] = end if event is None else event[0] * SLOTS + python[event[1]][2]
        if len(spans) == 1:
            span_runs(starts, ends, *lists, *spans[0])
        else:
            run_calls(span_runs, [(starts, ends, *lists, lo, hi) for lo, hi in spans])
        starts[:] = ends
        if owed:
            for item in owed:
                if ends[item[0]] >= item[1]:
                    item[3](models[item[0]], item[2])
            owed = [item for item in owed if ends[item[0]] < item[1]]
        if all(event is None for event in due):
            break
        for j, event in enumerate(due):
            if event is None:
                continue
            m = models[j]
            week, i = event
            m.week, m.steps = week, steps0[j] + week + 1  # as model.run() has them here
            python[i][1](m, week)
            for k, after in follow:  # once the run is past step k of this week, if not yet (once a week)
                item = (j, week * SLOTS + k + 1, week, after)
                if starts[j] < item[1] and item not in owed:
                    owed.append(item)
            due[j] = steps.next(j, m, week, i)
    for j, m in enumerate(models):
        m.week, m.steps = weeks, steps0[j] + weeks


def mentor_pool(model, week: int) -> None:
    """Step 3: the pool's weekly update, called only in the weeks it has something to do
    (MentorPool.next_event; update() itself returns at once in the others)."""
    pool = model.pool
    if week >= _pool_next(model):
        pool.update(week, model.streams["mentors"], week < pool.programme_weeks, model.promote_mentee)


STEP_ORDER = (
    ("turnover", workforce.turnover),
    ("workload", workforce.workload),
    ("mentor_pool", mentor_pool),
    ("visits", visits.visits),
    ("telementoring", telementoring.telementoring),
    ("whatsapp", whatsapp.whatsapp),
    ("practice .. snapshot", dynamics),
    ("survey", survey.survey),
)


def week_plan(model) -> list[tuple]:
    """For each week of ``model``'s run, the processes of STEP_ORDER to call, in order: all of
    them but ECHO outside its session weeks (telementoring.session_weeks) and the survey outside
    its week, which would return at once (built once at set-up from STEP_ORDER as it is then)."""
    def plan(echo: bool, survey: bool) -> tuple:
        return tuple(process for name, process in STEP_ORDER
                     if (name != "telementoring" or echo) and (name != "survey" or survey))

    weeks = model.time.total_weeks
    out = [plan(False, False)] * weeks
    with_echo = plan(True, False)
    for week in model.sessions.weeks:
        out[week] = with_echo
    week = model.survey_week - 1
    if 0 <= week < weeks:
        out[week] = plan(week in model.sessions.weeks, True)
    return out


def step(model) -> None:
    """Advance ``model`` by one week, running its week's plan (:func:`week_plan`: STEP_ORDER,
    less the steps with nothing to do that week)."""
    week = model.week
    for process in model.plan[week]:
        process(model, week)
    model.week = week + 1
