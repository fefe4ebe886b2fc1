"""Weekly Poisson counts looked up in a table built once (draws.poisson_table, poisson_lookups)
equal poisson_inv's walk for every mean and uniform: at the guide's cell edges, in cells that
hold their count and cells walked from, in the far tail (where the look-up hands over to the
walk), at poisson_inv's special cases, and outside [0, 1)."""

import math

import numpy as np

from mentorsim.model.draws import POISSON_CELLS, poisson_inv, poisson_lookups, poisson_table
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
    table = poisson_table(lams)
    cdf, start, guide, _ = table
    u = _uniforms()
    out = np.empty(len(lams))
    past_the_table = walked = held = 0
    for x in u:  # every mean at once, with the same uniform
        poisson_lookups(table, lams, np.full(len(lams), x), out, 0, len(lams))
        for f, lam in enumerate(lams):
            assert out[f] == poisson_inv(lam, x), (lam, x)
    for f, lam in enumerate(lams):
        end = start[f] + np.argmax(cdf[start[f]:] == 2.0)  # the 2.0 that ends the mean's values
        last = cdf[end - 1] if end > start[f] else -1.0
        for x in u:
            if 0.0 <= x < 1.0 and 0.0 < lam <= 500.0:
                past_the_table += bool(x > last)
                cell = guide[f, int(x * POISSON_CELLS)]
                held += bool(cell >= 0)
                walked += bool(cell < 0 and x <= last)
    assert min(past_the_table, walked, held) > 0  # every path of the look-up is exercised


def test_table_layout():
    """Each mean's run of values starts where ``start`` says, rises and ends in 2.0; each cell
    holds the first value at or above its lower edge, as a count if that value is also at or
    above its upper edge."""
    lams = np.array([20.1, 0.0, 9.3, 600.0, 39.0])
    cdf, start, guide, means = poisson_table(lams)
    np.testing.assert_array_equal(means, lams)
    for f, lam in enumerate(lams):
        size = int(np.argmax(cdf[start[f]:] == 2.0))
        values = cdf[start[f]:start[f] + size]
        assert (size > lam) == (0.0 < lam <= 500.0)
        assert np.all(np.diff(values) >= 0.0)
        if size:
            assert values[0] == math.exp(-lam)
        for c in range(POISSON_CELLS):
            g = int(guide[f, c])
            k = g if g >= 0 else -g - 1
            assert k == size or values[k] >= c / POISSON_CELLS
            assert k == 0 or values[k - 1] < c / POISSON_CELLS
            assert (g >= 0) == (k < size and values[k] >= (c + 1) / POISSON_CELLS)


def test_lookups_cover_only_their_range():
    lams = np.array([20.0, 5.0, 40.0, 11.0])
    table = poisson_table(lams)
    u = np.array([0.3, 0.9, 0.5, 0.01])
    out = np.full(4, -1.0)
    poisson_lookups(table, lams, u, out, 1, 3)
    assert out[0] == -1.0 and out[3] == -1.0
    assert out[1] == poisson_inv(5.0, 0.9) and out[2] == poisson_inv(40.0, 0.5)


def test_a_changed_mean_is_walked():
    """A mean changed after its table was built draws the changed mean's counts."""
    lams = np.array([20.0, 5.0])
    table = poisson_table(lams)
    changed = np.array([20.0, 60.0])
    out = np.empty(2)
    for x in (0.1, 0.5, 0.97):
        poisson_lookups(table, changed, np.full(2, x), out, 0, 2)
        assert out[0] == poisson_inv(20.0, x) and out[1] == poisson_inv(60.0, x)
    assert poisson_inv(60.0, 0.5) != poisson_inv(5.0, 0.5)


def test_operations_table_is_kept_by_means():
    means = np.array([12.5, 30.25, 8.0])
    first = operations_table(means)
    assert operations_table(means.copy()) is first
    other = operations_table(means * 2.0)
    assert other is not first and not np.array_equal(other[0], first[0])
