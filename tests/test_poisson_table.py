"""Weekly Poisson counts looked up in a table built once (draws.poisson_table, poisson_lookup)
equal poisson_inv's walk for every mean and uniform: at the guide's cell edges, in the far tail
(where the lookup hands over to the walk), at poisson_inv's special cases, and outside [0, 1)."""

import math

import numpy as np

from mentorsim.model.draws import POISSON_CELLS, poisson_inv, poisson_lookup, poisson_table
from mentorsim.model.workforce import operations_table


def _uniforms() -> np.ndarray:
    edges = np.arange(POISSON_CELLS + 1) / POISSON_CELLS
    below = np.nextafter(edges, -1.0)
    tail = 1.0 - np.array([2.0 ** -53, 2.0 ** -52, 3 * 2.0 ** -53, 1e-15, 1e-12, 1e-9])
    rng = np.random.default_rng(11)
    u = np.concatenate([rng.random(150), edges, below, tail, [0.0, 5e-324, 1e-300, 1.0, 1.5, -0.25, np.nan]])
    return u


def test_lookup_is_the_walk():
    lams = np.concatenate([np.linspace(0.0, 520.0, 131), [5e-324, 1e-12, 0.37, 7.76, 35.8, 499.999, 500.0,
                                                          np.nextafter(500.0, 501.0), -3.0, np.inf, np.nan]])
    cdf, guide = poisson_table(lams)
    u = _uniforms()
    past_the_table = 0
    for f, lam in enumerate(lams):
        last = cdf[guide[f, POISSON_CELLS] - 1] if guide[f, POISSON_CELLS] > guide[f, 0] else -1.0
        for x in u:
            assert poisson_lookup(cdf, guide, f, lam, x) == poisson_inv(lam, x), (lam, x)
            past_the_table += bool(0.0 <= x < 1.0 and x > last and 0.0 < lam <= 500.0)
    assert past_the_table > 0  # the hand-over to the walk is exercised


def test_table_layout():
    """Each mean's run of values starts at its guide's cell 0, rises, ends in 2.0; each cell
    starts at the first value at or above the cell's lower edge."""
    lams = np.array([20.1, 0.0, 9.3, 600.0, 39.0])
    cdf, guide = poisson_table(lams)
    for f, lam in enumerate(lams):
        start, end = guide[f, 0], guide[f, POISSON_CELLS]
        values = cdf[start:end]
        assert cdf[end] == 2.0
        assert (len(values) > lam) == (0.0 < lam <= 500.0)
        assert np.all(np.diff(values) >= 0.0)
        if len(values):
            assert values[0] == math.exp(-lam)
        for c in range(POISSON_CELLS):
            k = guide[f, c]
            assert k == end or cdf[k] >= c / POISSON_CELLS
            assert k == start or cdf[k - 1] < c / POISSON_CELLS


def test_operations_table_is_kept_by_means():
    means = np.array([12.5, 30.25, 8.0])
    first = operations_table(means)
    assert operations_table(means.copy()) is first
    other = operations_table(means * 2.0)
    assert other is not first and not np.array_equal(other[0], first[0])
