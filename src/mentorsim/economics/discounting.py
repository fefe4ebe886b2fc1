"""Discounting of costs and effects, with formulas simple enough to check by hand.

Time runs in model weeks; week ``w`` falls in month ``m = floor(w / (52/12))`` of the run
(month 0 is the programme's first). Costs and effects are discounted by programme year, the
usual annual convention of cost-effectiveness analyses:

    factor(m) = (1 + r) ** -floor(m / 12)

so everything in months 0-11 counts in full, months 12-23 are divided by (1 + r), months 24-35
by (1 + r)^2, and so on. Example at r = 3%: US$100 spent in month 13 counts 100 / 1.03 = 97.09.

Years of life lost by a death are themselves a stream of future years, discounted continuously
at the same rate:

    discounted_years(L, r) = (1 - (1 + r) ** -L) / ln(1 + r)      (= L when r = 0)

Example: 39 years at 3% give (1 - 1.03^-39) / ln 1.03 = 23.15 discounted years.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from mentorsim.timeline import WEEKS_PER_MONTH


def month_of_week(weeks) -> np.ndarray:
    """Month index (0-based) of each model week."""
    return np.floor(np.asarray(weeks, dtype=float) / WEEKS_PER_MONTH).astype(int)


def factor_for_month(month, rate: float) -> np.ndarray:
    """Discount factor of a month: ``(1 + rate) ** -floor(month / 12)``."""
    year = np.floor(np.asarray(month, dtype=float) / 12.0)
    return (1.0 + rate) ** -year


@functools.lru_cache(maxsize=64)
def weekly_factors(n_weeks: int, rate: float) -> np.ndarray:
    """[n_weeks] discount factor of each model week (by its month's programme year). Remembered
    (every run of a scenario asks for the same few), so read-only."""
    f = factor_for_month(month_of_week(np.arange(n_weeks)), rate)
    f.flags.writeable = False
    return f


def run_factors(n_weeks: int, rates) -> np.ndarray:
    """[n_weeks] factors (``weekly_factors``) for one rate, or [runs, n_weeks] for an array of
    each run's rate (each distinct rate worked out once)."""
    if np.ndim(rates) == 0:
        return weekly_factors(n_weeks, float(rates))
    distinct, of = np.unique(np.asarray(rates, dtype=float), return_inverse=True)
    return np.stack([weekly_factors(n_weeks, float(r)) for r in distinct])[of.ravel()]


def discounted_sums(x: np.ndarray, rates, weeks: slice = slice(None)) -> np.ndarray:
    """[runs] totals of ``x`` [runs, weeks, facilities] over facilities, then over ``weeks``
    weighted by each week's discount factor at ``rates`` a year (one rate, or each run's):
    ``weighted_sums(x.sum(axis=2), rates, weeks)``.

    The sums are numpy's pairwise sums along the last axis (facilities, then weeks), so a run's
    total is the same float whether it is summed alone (``x[None]``) or among many runs, and
    summing over facilities first, once, then over any window of weeks gives the same floats
    as summing the window.

    >>> round(float(discounted_sums(np.ones((1, 60, 2)), 0.03)[0]), 4)  # 2 x (52 + 8 / 1.03)
    119.534
    """
    return weighted_sums(x.sum(axis=2), run_factors(x.shape[1], rates), weeks)


def weighted_sums(weekly: np.ndarray, factors: np.ndarray, weeks: slice = slice(None)) -> np.ndarray:
    """[runs] sums of ``weekly`` [runs, weeks] over ``weeks``, each week weighted by its discount
    factor (``factors``: [weeks], or [runs, weeks], from ``run_factors``)."""
    return (weekly[:, weeks] * factors[..., weeks]).sum(axis=1)


def discounted_years(years, rate: float):
    """Present value of ``years`` life years starting now, discounted continuously at ``rate``."""
    years = np.maximum(np.asarray(years, dtype=float), 0.0)
    if rate <= 0:
        return years if years.ndim else float(years)
    out = (1.0 - (1.0 + rate) ** -years) / math.log1p(rate)
    return out if out.ndim else float(out)
