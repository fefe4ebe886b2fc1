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

from mentorsim.model.jit import kernel
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
    return weighted_sums(facility_sums(x), run_factors(x.shape[1], rates), weeks)


def weighted_sums(weekly: np.ndarray, factors: np.ndarray, weeks: slice = slice(None)) -> np.ndarray:
    """[..., runs] sums of ``weekly`` [..., runs, weeks] over ``weeks``, each week weighted by its
    discount factor (``factors``: [weeks], or [runs, weeks], from ``run_factors``)."""
    return (weekly[..., weeks] * factors[..., weeks]).sum(axis=-1)


def facility_sums(x: np.ndarray) -> np.ndarray:
    """``x.sum(axis=-1)``, the same floats, about 10x faster on short rows (a week's facilities):
    numpy's own pairwise summation (numpy/_core/src/umath/loops_utils.h.src: eight accumulators
    over blocks of up to 128 numbers, halves above that, added to the identity 0) in one compiled
    pass, where numpy pays a call of its inner loop per row. tests/test_batch_costing.py checks it
    against numpy's sum for every length 0-300 and several larger ones."""
    x = np.asarray(x, dtype=float)
    n = x.shape[-1]
    if n == 0:
        return np.zeros(x.shape[:-1])
    return _row_sums(np.ascontiguousarray(x.reshape(-1, n)), n).reshape(x.shape[:-1])


@kernel
def _pairwise(a, lo, n):
    """The pairwise sum numpy takes of ``a[lo:lo + n]`` (without the identity)."""
    if n < 8:
        res = -0.0
        for i in range(lo, lo + n):
            res += a[i]
        return res
    if n <= 128:
        return _block(a, lo, n)
    n2 = n // 2
    n2 -= n2 % 8
    return _pairwise(a, lo, n2) + _pairwise(a, lo + n2, n - n2)


@kernel
def _block(a, lo, n):
    """The sum numpy takes of 8 <= n <= 128 numbers ``a[lo:lo + n]``: eight running sums, added in pairs."""
    r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
    r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
    m = n - n % 8
    for i in range(lo + 8, lo + m, 8):
        r0 += a[i]
        r1 += a[i + 1]
        r2 += a[i + 2]
        r3 += a[i + 3]
        r4 += a[i + 4]
        r5 += a[i + 5]
        r6 += a[i + 6]
        r7 += a[i + 7]
    res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
    for i in range(lo + m, lo + n):
        res += a[i]
    return res


@kernel
def _row_sums(x, n):
    """[rows] 0 + the pairwise sum of each row of ``x`` [rows, n] (C order), as numpy's add.reduce
    (``_block`` written out in the loop: a call per row cost 2.5x the time)."""
    rows = x.shape[0]
    out = np.empty(rows)
    a = x.ravel()
    m = n - n % 8
    for i in range(rows):
        lo = i * n
        if n < 8:
            res = -0.0
            for k in range(lo, lo + n):
                res += a[k]
        elif n <= 128:
            r0, r1, r2, r3 = a[lo], a[lo + 1], a[lo + 2], a[lo + 3]
            r4, r5, r6, r7 = a[lo + 4], a[lo + 5], a[lo + 6], a[lo + 7]
            for k in range(lo + 8, lo + m, 8):
                r0 += a[k]
                r1 += a[k + 1]
                r2 += a[k + 2]
                r3 += a[k + 3]
                r4 += a[k + 4]
                r5 += a[k + 5]
                r6 += a[k + 6]
                r7 += a[k + 7]
            res = ((r0 + r1) + (r2 + r3)) + ((r4 + r5) + (r6 + r7))
            for k in range(lo + m, lo + n):
                res += a[k]
        else:
            res = _pairwise(a, lo, n)
        out[i] = 0.0 + res
    return out


def discounted_years(years, rate: float):
    """Present value of ``years`` life years starting now, discounted continuously at ``rate``."""
    years = np.maximum(np.asarray(years, dtype=float), 0.0)
    if rate <= 0:
        return years if years.ndim else float(years)
    out = (1.0 - (1.0 + rate) ** -years) / math.log1p(rate)
    return out if out.ndim else float(out)
