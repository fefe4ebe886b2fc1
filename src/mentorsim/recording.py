"""What a run records, week by week, in preallocated arrays (turned into tables in results.py).

Row 0 is the state before the first step (baseline); row ``w + 1`` is the state after week
``w``. Facility series are ``[rows, facilities]``; arm series are ``[rows, 2]`` (intervention,
comparison), with a domain axis for skills and knowledge.
"""

from __future__ import annotations

import numpy as np

from ._jit import kernel
from .outcomes import OUTCOME_COLUMNS, baseline_outcomes
from .people import CHECKLIST

FACILITY_SERIES = (
    "composite", "safety", "teamwork", "ssc_use", "operations", "caesareans", "ssi",
    "ssi_expected", "deaths", "deaths_expected", "workload", "leadership", "teamwork_culture",
    "visits", "echo_attended", "echo_eligible", "whatsapp_active", "consultations", "staff_present",
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
        self.pool = {k: np.zeros(rows) for k in POOL_SERIES}
        self.survey_result: dict | None = None

    def echo(self, week: int, attended: np.ndarray, eligible: np.ndarray) -> None:
        self.fac["echo_attended"][week + 1] = attended
        self.fac["echo_eligible"][week + 1] = eligible

    def current_composite(self, week: int) -> np.ndarray:
        """Facility composite recorded for ``week`` (after its outcomes step)."""
        return self.fac["composite"][week + 1]

    def composite_at(self, row: int) -> np.ndarray:
        return self.fac["composite"][row]

    def pool_counts(self, pool, week: int) -> None:
        """Mentor pool counts (read from the pool only when it changed)."""
        row = week + 1
        if pool.changed or row == 0:
            self._pool_now = pool.counts()
            pool.changed = False
        for key, value in self._pool_now.items():
            self.pool[key][row] = value

    def baseline(self, model) -> None:
        """Row 0 of every series (the state before the first week; no operations yet)."""
        pr, fa = model.providers, model.facilities
        self.fac["workload"][0] = fa.workload
        self.fac["leadership"][0] = fa.leadership
        self.fac["teamwork_culture"][0] = fa.teamwork_culture
        team, checklist = tally(0, *tally_arguments(model.providers, fa, self))
        baseline_outcomes(model, team, checklist)
        self.pool_counts(model.pool, -1)


def tally_arguments(pr, fa, rec) -> tuple:
    """The arrays :func:`tally` reads and writes after its row argument (same references all run)."""
    return (pr.skill, pr.knowledge, pr.confidence, pr.resistance, pr.trust, pr.filled, pr.theatre,
            pr.facility, fa.n_intervention, rec.fac["staff_present"], rec.arm_domain["skill"],
            rec.arm_domain["knowledge"], rec.arm["confidence"], rec.arm["resistance"], rec.arm["trust"],
            rec.arm["providers"], rec.arm["vacancies"])


@kernel
def tally(row, skill, knowledge, confidence, resistance, trust, filled, theatre, facility, n_int,
          staff_present_all, skill_all, knowledge_all, conf_all, res_all, trust_all, count_all,
          vacant_all):
    """One pass over the posts: write row ``row`` of the arm series (means over filled posts) and
    the staff present, and return what the outcomes need: the theatre team's mean skill per
    domain [n_fac, 4] (surgical and anaesthesia providers and theatre nurses present) and its
    mean checklist level [n_fac] (mean of checklist skill and knowledge)."""
    n_fac = staff_present_all.shape[1]
    team = np.zeros((n_fac, 4))
    checklist = np.zeros(n_fac)
    in_theatre = np.zeros(n_fac)
    staff_present = staff_present_all[row]
    skill_out = skill_all[row]
    knowledge_out = knowledge_all[row]
    conf_out = conf_all[row]
    res_out = res_all[row]
    trust_out = trust_all[row]
    count_out = count_all[row]
    vacant_out = vacant_all[row]
    for i in range(skill.shape[0]):
        f = facility[i]
        a = 0 if f < n_int else 1
        if not filled[i]:
            vacant_out[a] += 1.0
            continue
        staff_present[f] += 1.0
        count_out[a] += 1.0
        for d in range(4):
            skill_out[a, d] += skill[i, d]
            knowledge_out[a, d] += knowledge[i, d]
        conf_out[a] += confidence[i]
        res_out[a] += resistance[i]
        trust_out[a] += trust[i]
        if theatre[i]:
            in_theatre[f] += 1.0
            for d in range(4):
                team[f, d] += skill[i, d]
            checklist[f] += 0.5 * (skill[i, CHECKLIST] + knowledge[i, CHECKLIST])
    for a in range(2):
        if count_out[a] > 0.0:
            for d in range(4):
                skill_out[a, d] /= count_out[a]
                knowledge_out[a, d] /= count_out[a]
            conf_out[a] /= count_out[a]
            res_out[a] /= count_out[a]
            trust_out[a] /= count_out[a]
    for f in range(n_fac):
        if in_theatre[f] > 0.0:
            for d in range(4):
                team[f, d] /= in_theatre[f]
            checklist[f] /= in_theatre[f]
    return team, checklist
