"""What a run records, week by week, in preallocated arrays (turned into tables in results.py).

Row 0 is the state before the first step (baseline); row ``w + 1`` is the state after week
``w``. Facility series are ``[rows, facilities]``; arm series are ``[rows, 2]`` (intervention,
comparison), with a domain axis for skills and knowledge.
"""

from __future__ import annotations

import numpy as np

from mentorsim.model.facility_outcomes import OUTCOME_COLUMNS, baseline_outcomes
from mentorsim.model.jit import kernel
from mentorsim.model.kept import make_room
from mentorsim.model.people import CHECKLIST

FACILITY_SERIES = (
    "composite", "safety", "teamwork", "ssc_use", "operations", "caesareans", "ssi",
    "ssi_expected", "deaths", "deaths_expected", "workload", "leadership", "teamwork_culture",
    "visits", "echo_attended", "echo_eligible", "whatsapp_active", "consultations", "staff_present",
    "ssc_reported", "ssi_risk_caesarean",
)
ARM_DOMAIN_SERIES = ("skill", "knowledge")
ARM_SERIES = ("confidence", "resistance", "trust", "providers", "vacancies")
#: The facility series not in the outcome table (OUTCOME_COLUMNS), in FACILITY_SERIES order.
OWN_FACILITY_SERIES = tuple(k for k in FACILITY_SERIES if k not in OUTCOME_COLUMNS)
POOL_SERIES = ("hub_active", "local_active", "local_paired", "local_lost", "local_trained",
               "mentees_became_mentors")


_UNSEEN = object()
#: Seeds for which a parameter set's row 0 is kept (Recorder.baseline; ~3.6 KB each at ss2020's size).
ROWS0_KEPT = 16
#: The facility series of a model are one block (each a view of it) up to this many bytes
#: (ss2020's: 258 KB), else arrays of their own (see Recorder).
SERIES_BLOCK_MAX_BYTES = 4 << 20


class Recorder:
    """Preallocated weekly series for one run."""

    def __init__(self, n_weeks: int, n_fac: int):
        rows = n_weeks + 1
        self.rows = rows
        # the arm series are one array of each kind, each series a (C-contiguous) view of it: one
        # allocation instead of one a series. So are the facility series of a small model (under
        # SERIES_BLOCK_MAX_BYTES); a large model's are arrays of their own: at national scale one
        # block of them (~90 MB) made the baseline's first writes cost up to ~25 ms more (fresh
        # pages).
        self.outcome_table = np.zeros((rows, n_fac, len(OUTCOME_COLUMNS)))
        fac = None
        if len(OWN_FACILITY_SERIES) * rows * n_fac * 8 <= SERIES_BLOCK_MAX_BYTES:
            fac = np.zeros((len(OWN_FACILITY_SERIES), rows, n_fac))
            self.fac = dict(zip(OWN_FACILITY_SERIES, fac))
        else:
            self.fac = {k: np.zeros((rows, n_fac)) for k in OWN_FACILITY_SERIES}
        self.fac.update(zip(OUTCOME_COLUMNS, self.outcome_table.transpose(2, 0, 1)))  # [:, :, j] views
        arm_domain = np.zeros((len(ARM_DOMAIN_SERIES), rows, 2, 4))
        self.arm_domain = dict(zip(ARM_DOMAIN_SERIES, arm_domain))
        arm = np.zeros((len(ARM_SERIES), rows, 2))
        self.arm = dict(zip(ARM_SERIES, arm))
        self.pool_table = np.zeros((rows, len(POOL_SERIES)))
        self.pool = dict(zip(POOL_SERIES, self.pool_table.T))  # [:, j] views
        #: row 0 of every series, as views of a few blocks (None for a model whose facility
        #: series are not one block): what :meth:`baseline` writes
        self._row0 = None if fac is None else \
            (self.outcome_table[0], fac[:, 0], arm_domain[:, 0], arm[:, 0], self.pool_table[0])
        self._pool_row = -1  # the row of the pool's last change (pool_counts)
        self.survey_result: dict | None = None

    def current_composite(self, week: int) -> np.ndarray:
        """Facility composite recorded for ``week`` (after its outcomes step)."""
        return self.fac["composite"][week + 1]

    def composite_at(self, row: int) -> np.ndarray:
        return self.fac["composite"][row]

    def pool_counts(self, pool, week: int) -> None:
        """Mentor pool counts after ``week`` (-1: the baseline), read from the pool only when it
        changed (a week in which the pool did not change writes nothing): the rows since the
        last change repeat its counts, filled up to here now and by :meth:`fill_pool_to` when
        the series are read, so rows the run has not reached stay 0, as every other series."""
        if pool.changed or week < 0:
            self.fill_pool_to(week)
            counts = pool.counts()
            self.pool_table[week + 1] = [counts[k] for k in POOL_SERIES]
            self._pool_row = week + 1
            pool.changed = False

    def fill_pool_to(self, row: int) -> None:
        """Repeat the pool counts of the last change in every row after it up to ``row``."""
        last = self._pool_row
        if row > last >= 0:
            self.pool_table[last + 1:row + 1] = self.pool_table[last]

    def baseline(self, model, kept: dict | None = None) -> None:
        """Row 0 of every series (the state before the first week; no operations yet).

        ``kept``: row 0 as earlier models of the same parameters made it, by seed (from
        model.derived: the setting, hence row 0, is a function of the seed and the parameters),
        copied if there for ``model``'s seed (~3 us against ~25 us at ss2020's size), else made
        (and kept from the second model of the seed on: the first notes the seed, so runs that
        never repeat one pay no copy; at most ROWS0_KEPT seeds). Only for a model whose series
        are blocks."""
        if kept is None or self._row0 is None:
            self._baseline(model)
            return
        seed = model.seed_value
        made = kept.get(seed, _UNSEEN)
        if made is _UNSEEN:  # the seed's first model: note the seed
            self._baseline(model)
            make_room(kept, ROWS0_KEPT)
            kept[seed] = None
        elif made is None:  # its second: keep a copy
            self._baseline(model)
            kept[seed] = tuple(row.copy() for row in self._row0)
        else:
            for row, values in zip(self._row0, made):
                row[...] = values
            self._pool_row = 0  # as pool_counts(pool, -1) leaves them
            model.pool.changed = False

    def _baseline(self, model) -> None:
        pr, fa = model.providers, model.facilities
        self.fac["workload"][0] = fa.workload
        self.fac["leadership"][0] = fa.leadership
        self.fac["teamwork_culture"][0] = fa.teamwork_culture
        pr_args, series = tally_arguments(pr, fa, self)
        team, checklist = tally(0, *pr_args, *series)
        baseline_outcomes(model, team, checklist)
        self.pool_counts(model.pool, -1)


def tally_arguments(pr, fa, rec) -> tuple[tuple, tuple]:
    """What :func:`tally` reads (provider arrays, post ranges, arm split) and the recorded series
    it writes (same references all run)."""
    return ((pr.skill, pr.knowledge, pr.confidence, pr.resistance, pr.trust, pr.filled, pr.theatre,
             pr.first_post, fa.n_intervention),
            (rec.fac["staff_present"], rec.arm_domain["skill"], rec.arm_domain["knowledge"],
             rec.arm["confidence"], rec.arm["resistance"], rec.arm["trust"], rec.arm["providers"],
             rec.arm["vacancies"]))


#: Columns of the per-arm sums a tally gathers: filled posts, vacant posts, skill by domain,
#: knowledge by domain, confidence, resistance, trust.
ARM_SUM_COLUMNS = 13


@kernel
def tally(row, skill, knowledge, confidence, resistance, trust, filled, theatre, first_post, n_int,
          staff_present_all, skill_all, knowledge_all, conf_all, res_all, trust_all, count_all,
          vacant_all):
    """One pass over the posts: write row ``row`` of the arm series (means over filled posts) and
    of staff present, and return what the outcomes need (see :func:`tally_facility`)."""
    n_fac = first_post.shape[0] - 1
    team = np.zeros((n_fac, 4))
    checklist = np.zeros(n_fac)
    arm_sums = np.zeros((2, ARM_SUM_COLUMNS))
    for f in range(n_fac):
        tally_facility(f, 0 if f < n_int else 1, first_post[f], first_post[f + 1], skill, knowledge,
                       confidence, resistance, trust, filled, theatre, arm_sums, staff_present_all[row],
                       team, checklist)
    record_arms(row, arm_sums, skill_all, knowledge_all, conf_all, res_all, trust_all, count_all, vacant_all)
    return team, checklist


@kernel
def tally_facility(f, arm, lo, hi, skill, knowledge, confidence, resistance, trust, filled, theatre,
                   arm_sums, staff_present, team, checklist):
    """Tally facility ``f``'s posts ``lo``..``hi - 1``: add them to ``arm_sums[arm]`` and count
    those present; set ``team[f]`` to the theatre team's mean skill per domain (surgical and
    anaesthesia providers and theatre nurses present) and ``checklist[f]`` to its mean
    checklist level (mean of checklist skill and knowledge); both 0 with no one present.
    (loop.weekly_dynamics makes the same tally inside its pass over the posts, from the same
    three parts: :func:`tally_start`, :func:`tally_post` for each post, :func:`tally_end`.)"""
    acc = tally_start(f, arm_sums[arm], staff_present)
    for i in range(lo, hi):
        acc = tally_post(acc, filled[i], theatre[i], skill[i, 0], skill[i, 1], skill[i, 2], skill[i, 3],
                         skill[i, CHECKLIST], knowledge[i, CHECKLIST], knowledge[i, 0], knowledge[i, 1], knowledge[i, 2], knowledge[i, 3],
                         confidence[i], resistance[i], trust[i])
    tally_end(acc, f, arm_sums[arm], staff_present, team, checklist)


# A facility's tally is gathered in a tuple of locals (registers) through its posts and written
# back once: each sum gets the same additions in the same order as adding into the arrays post
# by post. The tuple: the arm's 13 sums (ARM_SUM_COLUMNS order), staff present, then the
# theatre team's count, skill sums by domain and checklist sum.

@kernel
def tally_start(f, sums, staff_present):
    """The running tally before facility ``f``'s first post: its arm's ``sums`` so far."""
    return (sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6], sums[7], sums[8], sums[9], sums[10],
            sums[11], sums[12], staff_present[f], 0.0, 0.0, 0.0, 0.0, 0.0, 0.0)


@kernel
def tally_post(acc, filled, theatre, s0, s1, s2, s3, checklist_skill, checklist_knowledge, k0, k1, k2, k3, confidence, resistance,
               trust):
    """The running tally after one post (skill ``s0``..``s3``, knowledge ``k0``..``k3``, the
    checklist domain's again in ``checklist_*``; vacant unless ``filled``; in the theatre team if
    ``theatre``)."""
    (n, vacant, sk0, sk1, sk2, sk3, kn0, kn1, kn2, kn3, conf, res, tru, present,
     in_theatre, t0, t1, t2, t3, check) = acc
    if not filled:
        return (n, vacant + 1.0, sk0, sk1, sk2, sk3, kn0, kn1, kn2, kn3, conf, res, tru, present,
                in_theatre, t0, t1, t2, t3, check)
    if theatre:
        in_theatre += 1.0
        t0 += s0
        t1 += s1
        t2 += s2
        t3 += s3
        check += 0.5 * (checklist_skill + checklist_knowledge)
    return (n + 1.0, vacant, sk0 + s0, sk1 + s1, sk2 + s2, sk3 + s3, kn0 + k0, kn1 + k1, kn2 + k2, kn3 + k3,
            conf + confidence, res + resistance, tru + trust, present + 1.0, in_theatre, t0, t1, t2, t3, check)


@kernel
def tally_end(acc, f, sums, staff_present, team, checklist):
    """Write a facility's finished tally: its arm's ``sums``, staff present, ``team[f]`` and
    ``checklist[f]`` (means over the theatre team present; 0 with no one)."""
    (sums[0], sums[1], sums[2], sums[3], sums[4], sums[5], sums[6], sums[7], sums[8], sums[9], sums[10], sums[11],
     sums[12], staff_present[f], in_theatre, t0, t1, t2, t3, check) = acc
    if in_theatre > 0.0:
        t0, t1, t2, t3, check = t0 / in_theatre, t1 / in_theatre, t2 / in_theatre, t3 / in_theatre, check / in_theatre
    team[f, 0], team[f, 1], team[f, 2], team[f, 3] = t0, t1, t2, t3
    checklist[f] = check


@kernel
def record_arms(row, arm_sums, skill_all, knowledge_all, conf_all, res_all, trust_all, count_all,
                vacant_all):
    """Write row ``row`` of the arm series from a tally's ``arm_sums`` (means over filled posts)."""
    for a in range(2):
        sums = arm_sums[a]
        count = sums[0]
        count_all[row, a] = count
        vacant_all[row, a] = sums[1]
        if count > 0.0:
            for d in range(4):
                skill_all[row, a, d] = sums[2 + d] / count
                knowledge_all[row, a, d] = sums[6 + d] / count
            conf_all[row, a] = sums[10] / count
            res_all[row, a] = sums[11] / count
            trust_all[row, a] = sums[12] / count
