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
from dataclasses import dataclass

import numpy as np

from mentorsim.economics.discounting import discounted_years, weekly_factors
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


def caesarean_share_of_ssi(out: RunOutput, p: Mapping) -> np.ndarray:
    """[weeks, facilities] share of the week's SSI risk that falls on caesareans."""
    n = out.n_intervention
    cs = out.fac["caesareans"][1:, :n]
    other = out.fac["operations"][1:, :n] - cs
    a = cs * p["ssi.risk_caesarean"]
    b = other * p["ssi.risk_other"]
    tot = a + b
    return np.divide(a, tot, out=np.full_like(tot, 0.5), where=tot > 0)


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
        f = weekly_factors(self.n_weeks, rate)[weeks]
        return float((self.weekly[key][weeks].sum(axis=1) * f).sum())


def effects(out: RunOutput, comparator: RunOutput, p: Mapping) -> Effects:
    """Effects of the run ``out`` against ``comparator`` (same seed, replicate, setting)."""
    n = out.n_intervention
    if comparator.n_intervention != n or comparator.rows != out.rows:
        raise ValueError("the comparator run must have the same facilities and horizon")
    sl = (slice(1, None), slice(0, n))
    ssi = comparator.fac["ssi_expected"][sl] - out.fac["ssi_expected"][sl]
    deaths = comparator.fac["deaths_expected"][sl] - out.fac["deaths_expected"][sl]
    c = caesarean_share_of_ssi(out, p)
    yll = deaths * (c * yll_per_death(p, "caesarean") + (1 - c) * yll_per_death(p, "other"))
    yld = ssi * yld_per_ssi(p)
    composite = 100.0 * (out.fac["composite"][sl] - comparator.fac["composite"][sl]) / WEEKS_PER_MONTH
    weekly = {"ssi_averted": ssi, "deaths_averted": deaths, "yll_averted": yll, "yld_averted": yld,
              "dalys_averted": yll + yld, "composite_point_months": composite}
    counts = {
        "operations": float(out.fac["operations"][sl].sum()),
        "ssi_expected": float(out.fac["ssi_expected"][sl].sum()),
        "deaths_expected": float(out.fac["deaths_expected"][sl].sum()),
        "comparator_operations": float(comparator.fac["operations"][sl].sum()),
        "comparator_ssi_expected": float(comparator.fac["ssi_expected"][sl].sum()),
        "comparator_deaths_expected": float(comparator.fac["deaths_expected"][sl].sum()),
    }
    return Effects(weekly, counts, out.programme_weeks, out.followup_weeks)


def versus_comparison_arm(out: RunOutput) -> float:
    """Composite point-months gained per intervention facility against the run's own comparison
    arm: sum over weeks of 100 x [(I(t) - I(0)) - (C(t) - C(0))] / (52/12), I and C the arm means.
    NaN when the run has no comparison facilities."""
    i, c = out.arm_mean("composite", 0), out.arm_mean("composite", 1)
    if not np.isfinite(c).all():
        return float("nan")
    did = (i[1:] - i[0]) - (c[1:] - c[0])
    return float(100.0 * did.sum() / WEEKS_PER_MONTH)
