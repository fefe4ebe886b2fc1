"""What a run records, week by week, in preallocated arrays (turned into tables in results.py).

Row 0 is the state before the first step (baseline); row ``w + 1`` is the state after week
``w``. Facility series are ``[rows, facilities]``; arm series are ``[rows, 2]`` (intervention,
comparison), with a domain axis for skills and knowledge.
"""

from __future__ import annotations

import numpy as np

from mentorsim.model.facility_outcomes import OUTCOME_COLUMNS, baseline_outcomes
from mentorsim.model.jit import kernel
from mentorsim.model.people import CHECKLIST

FACILITY_SERIES = (
    "composite", "safety", "teamwork", "ssc_use", "operations", "caesareans", "ssi",
    "ssi_expected", "deaths", "deaths_expected", "workload", "leadership", "teamwork_culture",
    "visits", "echo_attended", "echo_eligible", "whatsapp_active", "consultations", "staff_present",
    "ssc_reported", "ssi_risk_caesarean",
)
ARM_DOMAIN_SERIES = ("skill", "knowledge")
ARM_SERIES = ("confidence", "resistance", "trust", "providers", "vacancies")
POOL_SERIES = ("hub_active", "local_active", "local_paired", "local_lost", "local_trained",
               "mentees_became_mentors")


class Recorder:
    """Preallocated weekly series for one run."""

    def __init__(self, n_weeks: int, n_fac: int):
        rows = n_weeks + 1
        self.rows = rows
        self.outcome_table = np.zeros((rows, n_fac, len(OUTCOME_COLUMNS)))
        self.fac = {k: np.zeros((rows, n_fac)) for k in FACILITY_SERIES if k not in OUTCOME_COLUMNS}
        for j, k in enumerate(OUTCOME_COLUMNS):  # views into the outcome table
            self.fac[k] = self.outcome_table[:, :, j]
        self.arm_domain = {k: np.zeros((rows, 2, 4)) for k in ARM_DOMAIN_SERIES}
        self.arm = {k: np.zeros((rows, 2)) for k in ARM_SERIES}
        self.pool_table = np.zeros((rows, len(POOL_SERIES)))
        self.pool = {k: self.pool_table[:, j] for j, k in enumerate(POOL_SERIES)}  # views
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

    def baseline(self, model) -> None:
        """Row 0 of every series (the state before the first week; no operations yet)."""
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
    checklist level (mean of checklist skill and knowledge); both stay 0 with no one present."""
    sums = arm_sums[arm]
    in_theatre = 0.0
    for i in range(lo, hi):
        if not filled[i]:
            sums[1] += 1.0
            continue
        staff_present[f] += 1.0
        sums[0] += 1.0
        for d in range(4):
            sums[2 + d] += skill[i, d]
            sums[6 + d] += knowledge[i, d]
        sums[10] += confidence[i]
        sums[11] += resistance[i]
        sums[12] += trust[i]
        if theatre[i]:
            in_theatre += 1.0
            for d in range(4):
                team[f, d] += skill[i, d]
            checklist[f] += 0.5 * (skill[i, CHECKLIST] + knowledge[i, CHECKLIST])
    if in_theatre > 0.0:
        for d in range(4):
            team[f, d] /= in_theatre
        checklist[f] /= in_theatre


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
