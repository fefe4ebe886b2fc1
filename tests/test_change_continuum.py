"""Seed 003's change continuum (issue 11): higher performers improved safety practice AND
teamwork and communication; lower performers prioritised safety practice and began on culture
change much later.

What the model shows (benchmarks/change_continuum.py, docs/ODD.md Evaluation): the higher
performers' 12-month teamwork gain is larger relative to their safety gain than the lower
performers' (teamwork learning needs team culture), and their teamwork reaches half its 12-month
gain earlier, because a team of weak culture takes up teamwork only as its safety practice comes
toward ``learning.safety_first_level`` x (1 - culture) (learning.teamwork_readiness). Without that
readiness the higher performers' teamwork is not earlier.
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
NO_CULTURE = {"learning.culture_floor": 1.0, "learning.teamwork_receptivity_full": 1.0,
              "learning.safety_first_level": 0.0}
NO_READINESS = {"learning.safety_first_level": 0.0}


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


def results(updates, s) -> Results:
    p = params_with(updates, "ss2020")
    return Results(scenario=default_scenario(), seed=s, runs=[simulate(p, seed=s, replicate=r)
                                                              for r in range(REPLICATES)])


def ratio_gaps(updates=None) -> np.ndarray:
    """Per seed: higher minus lower performers' 12-month teamwork/safety gain ratio, from the
    summary's positive_deviance block (seed 003's grouping by composite gain)."""
    gaps = []
    for s in SEEDS:
        cc = results(updates, s).summary()["positive_deviance"]["change_continuum"]
        gaps.append(cc["higher_performers"]["teamwork_safety_gain_ratio"]
                    - cc["lower_performers"]["teamwork_safety_gain_ratio"])
    return np.array(gaps)


def teamwork_half_gaps(updates=None) -> np.ndarray:
    """Per seed: lower minus higher performers' mean month at which teamwork reached half its
    12-month gain, the groups being the top and bottom 3 of the 10 intervention facilities by
    context (set before the programme, so not selected on the outcome; seed 003's grouping by
    12-month gain selects on noise too: benchmarks/change_continuum.py reports both)."""
    gaps = []
    for s in SEEDS:
        facs = sorted(results(updates, s).facility_summary(), key=lambda f: f["context"], reverse=True)
        half = np.array([f["teamwork_half_gain_month"] for f in facs], dtype=float)
        gaps.append(np.nanmean(half[-3:]) - np.nanmean(half[:3]))
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


def test_lower_performers_take_up_teamwork_later_through_safety_first_readiness():
    """Seed 003: lower performers 'began considering organisational cultural changes much later'.
    Over 8 seeds, the higher performers' teamwork reaches half its 12-month gain earlier than the
    lower performers' ... and that comes from the readiness rule: without it (paired, same seeds)
    the gap is smaller and the higher performers are not significantly earlier (at the calibrated
    defaults the lower performers are then slightly earlier, about -0.1 months)."""
    gaps = teamwork_half_gaps()
    assert gaps.mean() > 2 * se(gaps), gaps
    without = teamwork_half_gaps(NO_READINESS)
    assert (gaps - without).mean() > 2 * se(gaps - without), (gaps, without)
    assert without.mean() < 2 * se(without), without


def test_teamwork_readiness_known_answers():
    from mentorsim.model.learning import teamwork_readiness

    assert teamwork_readiness(0.2, 0.1, 0.1, 0.0) == 1.0  # level 0: always ready
    assert teamwork_readiness(1.0, 0.0, 0.0, 0.5) == 1.0  # full culture needs no safety first
    # culture 0.5 needs safety 0.25; from a base of 0.1, safety 0.175 is half way there
    assert teamwork_readiness(0.5, 0.175, 0.1, 0.5) == pytest.approx(0.5)
    assert teamwork_readiness(0.5, 0.1, 0.1, 0.5) == 0.0  # no safety progress yet
    assert teamwork_readiness(0.5, 0.3, 0.1, 0.5) == 1.0  # safety established
    assert teamwork_readiness(0.5, 0.05, 0.3, 0.5) == 1.0  # practice without the programme is already there
    # a weaker culture needs more safety progress for the same readiness
    assert teamwork_readiness(0.2, 0.2, 0.1, 0.5) < teamwork_readiness(0.6, 0.2, 0.1, 0.5)
