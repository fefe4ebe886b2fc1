"""Seed 003's change continuum (issue 11): higher performers improved safety practice AND
teamwork and communication; lower performers prioritised safety practice and trailed.

What the model shows (benchmarks/change_continuum.py, docs/ODD.md Evaluation): the higher
performers' 12-month teamwork gain is larger relative to their safety gain than the lower
performers', and only because teamwork learning needs team culture. It does NOT show teamwork
starting later in lower performers (months to half the 12-month gain differ by days), so no
test here claims it does.
"""

import numpy as np
import pytest
from conftest import params_with

from mentorsim.results import Results, change_continuum, half_gain_month, positive_deviance
from mentorsim.runner import simulate
from mentorsim.scenario import default_scenario
from mentorsim.timeline import WEEKS_PER_MONTH

SEEDS = tuple(range(1, 9))  # each seed brings its own facilities
REPLICATES = 2
NO_CULTURE = {"learning.culture_floor": 1.0, "learning.teamwork_receptivity_full": 1.0}


def test_half_gain_month_known_answer():
    rows = np.arange(11, dtype=float)[:, None]
    gain = np.hstack([rows, rows**2, np.zeros_like(rows), -rows])  # linear, convex, flat, falling
    got = half_gain_month(gain, 10)
    assert got[0] == pytest.approx(5 / WEEKS_PER_MONTH)  # 5 of 10 reached at row 5
    # 50 of 100: between rows 7 (49) and 8 (64), 1/15 of the way
    assert got[1] == pytest.approx((7 + 1 / 15) / WEEKS_PER_MONTH)
    assert np.isnan(got[2]) and np.isnan(got[3])


def test_change_continuum_known_answer():
    def fac(i, s, t, hs, ht):
        return {"id": i, "composite_gain_pp": (8 * s + 6 * t) / 14, "composite_baseline_pct": 10.0,
                "safety_gain_pp": s, "teamwork_gain_pp": t,
                "safety_half_gain_month": hs, "teamwork_half_gain_month": ht}
    facs = [fac(0, 40, 60, 5, 5), fac(1, 40, 50, 5, 6), fac(2, 30, 20, 5, 8), fac(3, 20, 10, 4, float("nan"))]
    pdv = positive_deviance(facs, k=2)
    hi, lo = pdv["change_continuum"]["higher_performers"], pdv["change_continuum"]["lower_performers"]
    assert hi["teamwork_safety_gain_ratio"] == pytest.approx(110 / 80)
    assert hi["teamwork_lag_months"] == pytest.approx(0.5)
    assert lo["teamwork_safety_gain_ratio"] == pytest.approx(30 / 50)
    assert lo["teamwork_lag_months"] == pytest.approx(3.0)  # the facility without a half-gain month left out
    assert np.isnan(change_continuum([fac(0, 0, 5, 1, 1)])["teamwork_safety_gain_ratio"])
    # dicts without the columns (older callers): no continuum block, the rest unchanged
    assert "change_continuum" not in positive_deviance([{k: f[k] for k in ("id", "composite_gain_pp",
                                                         "composite_baseline_pct")} for f in facs])


def ratio_gaps(updates=None) -> np.ndarray:
    """Per seed: higher minus lower performers' 12-month teamwork/safety gain ratio, from the
    summary's positive_deviance block (seed 003's grouping by composite gain)."""
    p = params_with(updates, "ss2020")
    gaps = []
    for s in SEEDS:
        res = Results(scenario=default_scenario(), seed=s,
                      runs=[simulate(p, seed=s, replicate=r) for r in range(REPLICATES)])
        cc = res.summary()["positive_deviance"]["change_continuum"]
        gaps.append(cc["higher_performers"]["teamwork_safety_gain_ratio"]
                    - cc["lower_performers"]["teamwork_safety_gain_ratio"])
    return np.array(gaps)


def se(x: np.ndarray) -> float:
    return float(x.std(ddof=1) / np.sqrt(len(x)))


def test_higher_performers_gain_more_teamwork_per_point_of_safety_through_culture():
    gaps = ratio_gaps()
    assert gaps.mean() > 2 * se(gaps), gaps  # higher performers: more teamwork per point of safety
    # ... because teamwork learning needs culture: without that the gap goes (same seeds, paired)
    without = ratio_gaps(NO_CULTURE)
    assert (gaps - without).mean() > 2 * se(gaps - without), (gaps, without)
    assert abs(without.mean()) < 2 * se(without), without
