"""Health effects of a strategy against a comparator run with the same seed and replicate.

Effects are counted at the intervention facilities over the programme and the follow-up, as the
difference between the comparator run (by default ``no_mentorship`` in the same setting, see
``economics.comparator_params``) and the strategy's run. The two runs share common random
numbers, so the facilities, staff turnover and operations are the same and the difference is the
programme's. Expected counts (``ssi_expected``, ``deaths_expected``: risk x operations) are used
rather than the binomial draws, to keep draw noise out of the comparison.

Per facility and week (``comp`` the comparator, ``s`` the strategy):

  SSIs averted       comp.ssi_expected - s.ssi_expected
  deaths averted     comp.deaths_expected - s.deaths_expected
  YLL averted        deaths averted x [c x YLL(caesarean) + (1 - c) x YLL(other)]
                     YLL(type) = discounted_years(life expectancy - mean age of the type)
                     c = caesarean share of the SSI-attributable deaths (the only deaths the
                     programme changes) = cs x r_cs / (cs x r_cs + other x r_o), with cs, other the
                     week's caesareans and other operations and r the baseline SSI risks
  YLD averted        SSIs averted x [severe share x dw_severe x severe days
                                     + (1 - severe share) x dw_moderate x moderate days] / 365.25
  DALYs averted      YLL averted + YLD averted
  composite gained   100 x (s.composite - comp.composite) / (52/12): percentage-point months

Totals are discounted by programme year (discounting.py) at ``economics.discount_rate_effects``.
The quality effect, composite point-months, sums over facilities: 10 facilities 5 points better
for 12 months is 600 point-months.

``versus_comparison_arm`` gives the within-run alternative for the composite: the intervention
arm's gain over baseline minus the comparison arm's (difference-in-differences, per facility).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from mentorsim.economics.costs import RunStack
from mentorsim.economics.discounting import (
    discounted_sums,
    discounted_years,
    facility_sums,
    run_factors,
    weighted_sums,
)
from mentorsim.results import RunOutput
from mentorsim.timeline import WEEKS_PER_MONTH

DAYS_PER_YEAR = 365.25

#: Effect measures for the cost-effectiveness analysis: key -> (label, unit).
MEASURES: dict[str, tuple[str, str]] = {
    "dalys_averted": ("DALYs averted", "DALY"),
    "composite_point_months": ("Composite adherence gained", "point-month"),
}


def yll_per_death(p: Mapping, kind: str) -> float:
    """Discounted years of life lost by one death of a patient of ``kind`` (caesarean|other)."""
    key = "economics.age_caesarean_years" if kind == "caesarean" else "economics.age_other_surgery_years"
    age = p[key]
    return discounted_years(p["economics.life_expectancy_years"] - age, p["economics.discount_rate_effects"])


def yld_per_ssi(p: Mapping) -> float:
    """Years lived with disability by one SSI (weights x durations, severe and moderate)."""
    severe = p["economics.ssi_severe_share"]
    return (severe * p["economics.dw_infection_severe"] * p["economics.ssi_duration_severe_days"]
            + (1 - severe) * p["economics.dw_infection_moderate"] * p["economics.ssi_duration_moderate_days"]
            ) / DAYS_PER_YEAR


def _caesarean_share(caesareans: np.ndarray, operations: np.ndarray, n: int, risk_caesarean,
                     risk_other) -> np.ndarray:
    """[..., weeks, n] share of the week's SSI risk that falls on caesareans, from one run's
    arrays or runs stacked (the risks: numbers, or arrays that broadcast, one per run)."""
    cs = caesareans[..., 1:, :n]
    other = operations[..., 1:, :n] - cs
    a = cs * risk_caesarean
    b = other * risk_other
    tot = a + b
    return np.divide(a, tot, out=np.full_like(tot, 0.5), where=tot > 0)


def caesarean_share_of_ssi(out: RunOutput, p: Mapping) -> np.ndarray:
    """[weeks, facilities] share of the week's SSI risk that falls on caesareans."""
    return _caesarean_share(out.fac["caesareans"], out.fac["operations"], out.n_intervention,
                            p["ssi.risk_caesarean"], p["ssi.risk_other"])


@dataclass
class Effects:
    """Weekly effects at the intervention facilities ([weeks, facilities], undiscounted), and the
    strategy's and comparator's expected counts."""

    weekly: dict[str, np.ndarray]
    counts: dict[str, float]
    programme_weeks: int
    followup_weeks: int

    @property
    def n_weeks(self) -> int:
        return self.programme_weeks + self.followup_weeks

    def total(self, key: str, rate: float = 0.0, weeks: slice = slice(None)) -> float:
        """Sum of an effect over facilities and ``weeks``, discounted at ``rate`` a year."""
        return float(discounted_sums(self.weekly[key][None], rate, weeks)[0])


@dataclass
class EffectsBatch:
    """The effects of the runs of a ``RunStack``: :class:`Effects`' arrays with a leading run axis
    ([runs, weeks, facilities]) and counts as arrays [runs]."""

    weekly: dict[str, np.ndarray]
    counts: dict[str, np.ndarray]
    programme_weeks: int
    followup_weeks: int
    _sums: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    def effects(self, i: int) -> Effects:
        """Run ``i``'s effects (its arrays are views of the batch's)."""
        return Effects({k: v[i] for k, v in self.weekly.items()}, {k: float(v[i]) for k, v in self.counts.items()},
                       self.programme_weeks, self.followup_weeks)

    def totals(self, rates, weeks: slice = slice(None)) -> dict[str, np.ndarray]:
        """[runs] ``Effects.total`` of every effect and run (``rates``: one, or each run's); the
        effects are summed over facilities once."""
        if "weekly" not in self._sums:
            self._sums["weekly"] = np.stack([facility_sums(v) for v in self.weekly.values()])
        totals = weighted_sums(self._sums["weekly"], run_factors(self.programme_weeks + self.followup_weeks, rates),
                               weeks)
        return dict(zip(self.weekly, totals))

    def total(self, key: str, rates, weeks: slice = slice(None)) -> np.ndarray:
        """[runs] ``Effects.total`` of one effect for every run."""
        return self.totals(rates, weeks)[key]


def effects(out: RunOutput, comparator: RunOutput, p: Mapping) -> Effects:
    """Effects of the run ``out`` against ``comparator`` (same seed, replicate, setting): the
    batch of one of :func:`effects_batch`."""
    if comparator.n_intervention != out.n_intervention or comparator.rows != out.rows:
        raise ValueError("the comparator run must have the same facilities and horizon")
    return effects_batch(RunStack([out], [p]), RunStack([comparator], [p])).effects(0)


def effects_batch(stack: RunStack, comparators: RunStack) -> EffectsBatch:
    """Effects of every run of ``stack`` against its comparator (``comparators``, one per run, same
    seed, replicate and setting), with array operations over the runs; each run's the same
    floats as alone (the counts are numpy's sums over each run's weeks and facilities)."""
    n = stack.n
    if comparators.size != stack.size or comparators.shape[0] != n or comparators.rows != stack.rows:
        raise ValueError("the comparator run must have the same facilities and horizon")

    col = stack.per_run  # a parameter of each run, to broadcast over weeks and facilities

    ssi = comparators.fac("ssi_expected")[:, 1:, :n] - stack.fac("ssi_expected")[:, 1:, :n]
    deaths = comparators.fac("deaths_expected")[:, 1:, :n] - stack.fac("deaths_expected")[:, 1:, :n]
    c = _caesarean_share(stack.fac("caesareans"), stack.fac("operations"), n,
                         col(lambda p: p["ssi.risk_caesarean"]), col(lambda p: p["ssi.risk_other"]))
    yll = deaths * (c * col(lambda p: yll_per_death(p, "caesarean")) + (1 - c) * col(lambda p: yll_per_death(p, "other")))
    yld = ssi * col(yld_per_ssi)
    composite = 100.0 * (stack.fac("composite")[:, 1:, :n] - comparators.fac("composite")[:, 1:, :n]) / WEEKS_PER_MONTH
    weekly = {"ssi_averted": ssi, "deaths_averted": deaths, "yll_averted": yll, "yld_averted": yld,
              "dalys_averted": yll + yld, "composite_point_months": composite}
    counts = {}
    for prefix, runs in (("", stack), ("comparator_", comparators)):
        for key in ("operations", "ssi_expected", "deaths_expected"):
            counts[prefix + key] = _block_sums(runs, key)
    return EffectsBatch(weekly, counts, stack.programme_weeks, stack.followup_weeks)


def _block_sums(runs: RunStack, key: str) -> np.ndarray:
    """[runs] each run's ``fac[key][1:, :n].sum()``, taken run by run on the run's own array:
    numpy sums a whole non-contiguous block through its buffers, in chunks that depend on the
    array's layout and size, so the same float cannot be had from the stacked copy."""
    n = runs.n
    return np.array([out.fac[key][1:, :n].sum() for out in runs.outs], dtype=float)


def _versus_arm(intervention: np.ndarray, comparison: np.ndarray) -> np.ndarray:
    """[runs] ``versus_comparison_arm`` from the arms' mean composite [runs, rows]."""
    did = (intervention[:, 1:] - intervention[:, :1]) - (comparison[:, 1:] - comparison[:, :1])
    value = 100.0 * did.sum(axis=1) / WEEKS_PER_MONTH
    return np.where(np.isfinite(comparison).all(axis=1), value, np.nan)


def versus_comparison_arm(out: RunOutput) -> float:
    """Composite point-months gained per intervention facility against the run's own comparison
    arm: sum over weeks of 100 x [(I(t) - I(0)) - (C(t) - C(0))] / (52/12), I and C the arm means.
    NaN when the run has no comparison facilities."""
    return float(versus_arm_batch(RunStack([out], [{}]))[0])


def versus_arm_batch(stack: RunStack) -> np.ndarray:
    """[runs] ``versus_comparison_arm`` of every run of ``stack``."""
    return _versus_arm(stack.arm_mean("composite", 0), stack.arm_mean("composite", 1))
