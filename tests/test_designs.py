"""Designs: sizes, contents, bounds, whole numbers, and determinism in the experiment seed."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from mentorsim.experiments.designs import build_design, design_hash, design_size
from mentorsim.experiments.experiment import experiment_from_dict


def exp_of(method: str, params: dict, seed: int = 1, **options):
    return experiment_from_dict({
        "experiment": {"outputs": ["composite_month12_pct"], "seed": seed, "replicates": 2},
        "design": {"method": method, **options}, "parameters": params}, "test.toml")


def test_full_grid_is_the_product_first_parameter_slowest():
    exp = exp_of("grid", {"visits.interval_weeks": {"values": [4, 9, 13]}, "echo.enabled": {"values": [True, False]}})
    d = build_design(exp)
    got = [tuple(p.values()) for p in d.points()]
    assert got == list(itertools.product([4, 9, 13], [True, False]))
    assert isinstance(d.point(0)["visits.interval_weeks"], int) and d.point(0)["echo.enabled"] is True


def test_grid_with_zips_instead_of_crossing():
    exp = exp_of("grid", {"mentors.local_share": {"values": [0.0, 0.5, 1.0]},
                          "followup.local_visit_interval_weeks": {"values": [0, 13, 13], "with": "mentors.local_share"},
                          "visits.days": {"values": [1, 2]}})
    d = build_design(exp)
    assert d.n_points == design_size(exp) == 6
    pairs = {(p["mentors.local_share"], p["followup.local_visit_interval_weeks"]) for p in d.points()}
    assert pairs == {(0.0, 0), (0.5, 13), (1.0, 13)}


@pytest.mark.parametrize("method,options,size", [
    ("lhs", {"n": 50}, 50),
    ("sobol", {"n": 64}, 64 * (2 * 3 + 2)),
    ("sobol", {"n": 64, "second_order": False}, 64 * (3 + 2)),
    ("morris", {"trajectories": 10}, 10 * 4),
    ("fast", {"n": 100}, 100 * 3),
])
def test_sampler_sizes_bounds_and_whole_numbers(method, options, size):
    params = {"learning.trust_rate": {"low": 0.05, "high": 0.3}, "visits.days": {"low": 1, "high": 4},
              "learning.peer_rate": {}}
    exp = exp_of(method, params, **options)
    d = build_design(exp)
    assert d.n_points == size == design_size(exp)
    v = d.values
    assert v[:, 0].min() >= 0.05 and v[:, 0].max() <= 0.3
    assert set(np.unique(v[:, 1])) <= {1.0, 2.0, 3.0, 4.0}
    assert v[:, 2].min() >= 0.0 and v[:, 2].max() <= 0.2
    assert all(isinstance(p["visits.days"], int) for p in d.points()[:5])


def test_whole_numbers_are_equally_likely_in_lhs():
    exp = exp_of("lhs", {"visits.days": {"low": 1, "high": 4}, "learning.peer_rate": {}}, n=4000)
    counts = np.bincount(build_design(exp).values[:, 0].astype(int))[1:]
    assert len(counts) == 4 and counts.min() > 0.9 * 1000 and counts.max() < 1.1 * 1000


def test_same_seed_same_design_other_seed_other_design():
    params = {"learning.trust_rate": {}, "learning.peer_rate": {}}
    for method, opts in (("lhs", {"n": 20}), ("sobol", {"n": 16}), ("morris", {"trajectories": 4}),
                         ("fast", {"n": 70})):
        a = build_design(exp_of(method, params, seed=1, **opts))
        b = build_design(exp_of(method, params, seed=1, **opts))
        c = build_design(exp_of(method, params, seed=2, **opts))
        assert np.array_equal(a.values, b.values), method
        assert not np.array_equal(a.values, c.values), method


def test_design_hash_follows_what_is_computed_not_the_labels():
    params = {"learning.trust_rate": {}, "learning.peer_rate": {}}
    a = exp_of("lhs", params, n=20)
    h = design_hash(a, build_design(a))
    b = experiment_from_dict({"experiment": {"outputs": ["composite_month12_pct"], "seed": 1, "replicates": 2,
                                             "name": "other", "description": "renamed"},
                              "design": {"method": "lhs", "n": 20}, "parameters": params}, "elsewhere.toml")
    assert design_hash(b, build_design(b)) == h
    c = exp_of("lhs", params, n=21)
    assert design_hash(c, build_design(c)) != h
