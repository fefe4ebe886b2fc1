"""Exact inverse-CDF samplers for use inside kernels.

Counts (operations, caesareans, SSIs, deaths) are drawn by inversion from uniforms taken from
the run's streams. Inversion is exact and monotone: with the same uniform, a higher risk never
gives fewer events, so scenarios compared with common random numbers differ only where their
risks differ.
"""

import math

from mentorsim.model.jit import kernel


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
