"""Why SSIs averted (and so INMB at zero case fatality) is not monotone in ssi.relative_risk_full:
the log-linear risk falls steeply in the comparator too, whose SSC use and practice also rise
(national roll-out, secular trend). Without those, it is monotone (benchmarks/ssi_rr_monotone.py)."""

import itertools

import numpy as np

from mentorsim import load_scenario
from mentorsim.economics.evaluation import comparator_params, evaluate_run
from mentorsim.model.facility_outcomes import ssi_risk
from mentorsim.runner import simulate


def test_risk_difference_between_two_exposures_peaks_at_the_known_relative_risk():
    """risk0 (R^a - R^b), a < b the exposures' shares of the way to full, is largest at
    R* = (a / b)^(1 / (b - a)) and falls on either side: an interior peak, not noise."""
    x0, a, b = 0.1, 0.3, 0.8
    xa, xb = x0 + a * (1 - x0), x0 + b * (1 - x0)
    r_star = (a / b) ** (1 / (b - a))
    grid = np.linspace(0.005, 0.995, 199)
    diff = [ssi_risk(0.1, xa, x0, r) - ssi_risk(0.1, xb, x0, r) for r in grid]
    assert abs(grid[int(np.argmax(diff))] - r_star) < 0.01
    # when the comparator does not move (a = 0) the difference only grows as R falls
    diff0 = [ssi_risk(0.1, x0, x0, r) - ssi_risk(0.1, xb, x0, r) for r in grid]
    assert (np.diff(diff0) < 0).all()


def _averted(rr, sets):
    sc = load_scenario("scenarios/ss2020.toml", sets=[f"ssi.relative_risk_full={rr}", *sets])
    p = sc.params
    out = []
    for r in range(3):
        rec = evaluate_run(p, 1, r, comparator=simulate(comparator_params(p), 1, r), out=simulate(p, 1, r)).record
        out.append(rec["ssi_averted"])
    return float(np.mean(out))


def test_ssi_averted_monotone_when_the_comparator_does_not_improve():
    still = ["ssc.rollout_rate=0", "learning.secular_rate=0"]
    averted = [_averted(rr, still) for rr in (0.02, 0.1, 0.265, 0.65, 1.0)]
    assert all(x > y for x, y in itertools.pairwise(averted)), averted
    assert averted[-1] == 0.0


def test_ssi_averted_peaks_inside_the_range_with_the_comparator_improving():
    """The economics session's finding, reproduced: with the defaults (roll-out and secular trend
    in both arms) RR 0.02 averts fewer SSIs than RR 0.265."""
    assert _averted(0.265, []) > _averted(0.02, [])
