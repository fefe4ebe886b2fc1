"""What the frozen baseline holds: a few scenarios' key outcomes, averaged over replicates.

Used by tests/test_baseline.py (compare) and tests/baseline/update.py (regenerate)."""

from __future__ import annotations

import numpy as np
from conftest import params_with

from mentorsim.runner import evaluate

SCENARIOS = ("ss2020", "virtual_only", "local_mentors", "no_mentorship")
SEED = 20180601
REPLICATES = 4
KEYS = ("composite_baseline_pct", "composite_month12_pct", "composite_end_pct", "composite_followup24_pct",
        "did_safety_pp", "did_teamwork_pp", "ssc_use_month12_pct", "ssi_rate_end_pct", "echo_attendance_pct",
        "visits_done", "mentor_days", "staff_turnover", "survey_positive_pct", "survey_great_extent_pct",
        "skill_clinical_month12", "knowledge_data_use_month12", "operations", "ssi", "deaths")


def compute(name: str) -> dict[str, float | None]:
    p = params_with(scenario=name)
    runs = [evaluate(p, seed=SEED, replicate=r) for r in range(REPLICATES)]
    out = {}
    for k in KEYS:
        v = np.array([r[k] for r in runs], dtype=float)
        out[k] = None if np.isnan(v).any() else float(v.mean())
    return out
