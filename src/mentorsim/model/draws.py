"""Exact inverse-CDF samplers for use inside kernels.

Counts (operations, caesareans, SSIs, deaths) are drawn by inversion from uniforms taken from
the run's streams. Inversion is exact and monotone: with the same uniform, a higher risk never
gives fewer events, so scenarios compared with common random numbers differ only where their
risks differ.

A Poisson count drawn every week from a mean fixed for the run (a facility's operations) is
looked up in a table of the CDF :func:`poisson_inv` walks, built once (:func:`poisson_table`,
:func:`poisson_lookups`): the same values by the same floating-point operations, so the same
count for every uniform, without the walk.
"""

import math

import numpy as np

from mentorsim.model.jit import kernel

#: Cells of a Poisson table's guide (:func:`poisson_table`): a power of two, so ``u * cells``
#: is exact and its integer part is the cell ``u`` falls in (Chen and Asau's guide table).
#: Most cells hold their count outright, so a look-up reads one cache line (256 cells: 90% of
#: uniforms for a mean of 20; 512 bytes a mean).
POISSON_CELLS = 256
#: The most values a mean's run may hold (its guide's offsets are int16).
POISSON_MAX_VALUES = 32_000


@kernel
def normal_quantile(u):
    """Standard normal quantile by bisection on the error function (for large counts only)."""
    lo, hi = -10.0, 10.0
    for _ in range(60):
        mid = 0.5 * (lo + hi)
        if 0.5 * (1.0 + math.erf(mid / math.sqrt(2.0))) < u:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


@kernel
def poisson_inv(lam, u):
    """Smallest k with P(X <= k) >= u for X ~ Poisson(lam); normal approximation above lam=500."""
    if lam <= 0.0:
        return 0
    if lam > 500.0:
        return max(0, int(math.floor(lam + math.sqrt(lam) * normal_quantile(u) + 0.5)))
    k = 0
    pmf = math.exp(-lam)
    cdf = pmf
    while cdf < u and k < 100000:
        k += 1
        pmf *= lam / k
        cdf += pmf
        if pmf < 1e-300 and k > lam:
            break
    return k


@kernel
def _poisson_cdf(lam, out, at):
    """The CDF values :func:`poisson_inv` walks for mean ``lam`` (0 < lam <= 500), from k = 0,
    written into ``out[at:]`` unless ``out`` is empty; returns how many. They stop before the
    walk's own stop (a term below 1e-300 past the mean, where it returns k whatever the uniform)
    or after the first k past the mean at which the CDF no longer grows, whichever is first."""
    k = 0
    pmf = math.exp(-lam)
    cdf = pmf
    write = out.shape[0] > 0
    if write:
        out[at] = cdf
    m = 1
    while k < 100000:  # poisson_inv's cap
        k += 1
        pmf *= lam / k
        before = cdf
        cdf += pmf
        if pmf < 1e-300 and k > lam:
            break
        if write:
            out[at + m] = cdf
        m += 1
        if cdf == before and k > lam:
            break
    return m


@kernel
def poisson_table(lams):
    """The CDFs :func:`poisson_inv` walks for the means ``lams`` [n], for :func:`poisson_lookups`:
    (``cdf``, ``start``, ``guide``, ``means``). ``cdf`` holds each mean's values from k = 0 (:func:`_poisson_cdf`;
    none for a mean <= 0, > 500 or NaN, poisson_inv's special cases), each run followed by 2.0,
    above any uniform; ``start`` [n] where each run begins. ``guide`` [n, POISSON_CELLS] (int16):
    for cell c, k the offset in the mean's run of its first value >= c / POISSON_CELLS; k itself
    if that value is >= (c + 1) / POISSON_CELLS (every uniform of the cell then draws k), else
    -(k + 1) (the walk starts there). ``means``: a copy of ``lams``, the means the table is
    for. About 0.7 us a mean of 20."""
    n = lams.shape[0]
    sizes = np.zeros(n, dtype=np.int64)
    none = np.empty(0)
    for f in range(n):
        if 0.0 < lams[f] <= 500.0:
            sizes[f] = _poisson_cdf(lams[f], none, 0)
            if sizes[f] > POISSON_MAX_VALUES:
                sizes[f] = 0  # (not for means <= 500) left to poisson_inv
    cdf = np.empty(int(sizes.sum()) + n)
    start = np.empty(n, dtype=np.int64)
    guide = np.empty((n, POISSON_CELLS), dtype=np.int16)
    at = 0
    for f in range(n):
        size = sizes[f]
        if size:
            _poisson_cdf(lams[f], cdf, at)
        cdf[at + size] = 2.0
        start[f] = at
        k = 0
        for c in range(POISSON_CELLS):
            while k < size and cdf[at + k] < c / POISSON_CELLS:
                k += 1
            whole = k < size and cdf[at + k] >= (c + 1) / POISSON_CELLS
            guide[f, c] = k if whole else -(k + 1)
        at += size + 1
    return cdf, start, guide, lams.copy()


@kernel
def poisson_lookups(table, lams, u, out, lo, hi):
    """``out[f] = poisson_inv(lams[f], u[f])`` for f in ``lo``..``hi - 1``, read from
    :func:`poisson_table`'s ``table`` built with ``lams``: the count the guide's cell of ``u[f]``
    holds, or the walk from where it says, below which every value is < u, to the first value
    >= u (the smallest such k). A uniform past the values kept (or outside [0, 1)) is left to
    poisson_inv itself, as is a mean no longer the one the table was built for. One call for many
    counts: the table's arrays are taken once (a call per count, handing them over each time,
    cost ~35 ns a count against ~2 here)."""
    cdf, start, guide, means = table
    for f in range(lo, hi):
        x = u[f]
        if 0.0 <= x < 1.0 and lams[f] == means[f]:
            g = guide[f, int(x * POISSON_CELLS)]
            if g >= 0:
                out[f] = g
                continue
            first = start[f]
            k = first - 1 - np.int64(g)
            while cdf[k] < x:
                k += 1
            if cdf[k] < 2.0:
                out[f] = k - first
                continue
        out[f] = poisson_inv(lams[f], x)


@kernel
def int_power(x, n):
    """X ** n for an integer n >= 0, by repeated squaring (a few multiplications; far cheaper
    than exp(n log x) for the small counts drawn each week)."""
    result = 1.0
    while n > 0:
        if n & 1:
            result *= x
        x *= x
        n >>= 1
    return result


@kernel
def binomial_inv(n, p, u):
    """Smallest k with P(X <= k) >= u for X ~ Binomial(n, p)."""
    if n <= 0 or p <= 0.0:
        return 0
    if p >= 1.0:
        return n
    if p > 0.5:
        return n - binomial_inv(n, 1.0 - p, 1.0 - u)
    q = 1.0 - p
    pmf = int_power(q, n)
    if pmf < 1e-300:  # very large n: normal approximation with continuity correction
        mean, sd = n * p, math.sqrt(n * p * q)
        return min(n, max(0, int(math.floor(mean + sd * normal_quantile(u) + 0.5))))
    cdf = pmf
    k = 0
    ratio = p / q
    while cdf < u and k < n:
        pmf *= (n - k) / (k + 1.0) * ratio
        k += 1
        cdf += pmf
    return k
