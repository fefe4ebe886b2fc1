"""Value of information: known answers for EVPI and regression EVPPI (linear-Gaussian cases)."""

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from mentorsim.economics import voi


def normal_evpi(mu: float, sd: float) -> float:
    """E[max(X, 0)] - max(E X, 0) for X ~ N(mu, sd^2): the EVPI of two strategies, INB = X."""
    return sd * norm.pdf(mu / sd) + mu * norm.cdf(mu / sd) - max(mu, 0.0)


def linear_sample(seed: int, n: int = 2000, mu: float = -0.5, b=(2.0, 1.0, 0.5, 0.0), noise: float = 1.0):
    """Two strategies; at wtp 1 the incremental NMB of B is mu + sum b_k t_k + noise, t_k ~ N(0, 1)."""
    rng = np.random.default_rng(seed)
    t = rng.normal(size=(len(b), n))
    eps = rng.normal(size=n)
    inb = mu + np.asarray(b) @ t + noise * eps
    frame = pd.DataFrame({"cost.A": 100.0, "effect.A": 3.0, "cost.B": 100.0 + 1.0, "effect.B": 3.0 + 1.0 + inb})
    for k in range(len(b)):
        frame[f"t{k + 1}"] = t[k]
    return voi.sample_from_frame(frame), t, mu


def oracle(values: np.ndarray) -> float:
    """EVPPI on this sample with the true conditional mean (no regression error)."""
    return float(np.maximum(values, 0).mean() - max(values.mean(), 0))


def test_evpi_two_normal_strategies_known_answer():
    s, _, mu = linear_sample(1, n=200000)
    assert voi.evpi(s, 1.0) == pytest.approx(normal_evpi(mu, np.sqrt(4 + 1 + 0.25 + 1)), rel=0.02)


def test_evpi_is_zero_when_one_strategy_always_wins():
    rng = np.random.default_rng(2)
    f = pd.DataFrame({"cost.A": rng.uniform(0, 1, 100), "effect.A": 0.0, "cost.B": 5.0, "effect.B": 0.0,
                      "p": rng.normal(size=100)})
    s = voi.sample_from_frame(f)
    assert voi.evpi(s, 1000.0) == 0.0
    assert voi.evppi(s, ["p"], [1000.0]).evppi[0] == pytest.approx(0.0, abs=1e-12)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_single_parameter_evppi_matches_closed_form(seed):
    # Regression EVPPI has its own estimation error: at n = 5000, over 12 seeds, sd 0.012 for t1
    # (EVPPI ~0.57) and 0.019 for t2 (EVPPI ~0.20); a correctly specified linear regression has the
    # same sd 0.018 for t2. So 0.07 is ~3.5 sd of the worse case.
    s, t, mu = linear_sample(seed, n=5000)
    for k, b in ((0, 2.0), (1, 1.0)):
        r = voi.evppi(s, [f"t{k + 1}"], [1.0], seed=seed)
        assert r.method == "spline"
        assert r.evppi[0] == pytest.approx(oracle(mu + b * t[k]), abs=0.07)
        assert r.evppi[0] == pytest.approx(normal_evpi(mu, b), abs=0.09)  # plus the sampling error
        assert r.low[0] <= r.evppi[0] <= r.high[0]
        assert r.clear(0)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_unrelated_parameter_has_evppi_near_zero(seed):
    s, _, _ = linear_sample(seed)
    r = voi.evppi(s, ["t4"], [1.0], seed=seed)
    assert r.evppi[0] < 0.02 * voi.evpi(s, 1.0)
    assert not r.clear(0)


@pytest.mark.parametrize("seed", [1, pytest.param(2, marks=pytest.mark.slow),
                                  pytest.param(3, marks=pytest.mark.slow)])
def test_groups_match_closed_form_and_bound_their_members(seed):
    s, t, mu = linear_sample(seed, n=1500)
    ev = voi.evpi(s, 1.0)
    pair = voi.evppi(s, ["t1", "t2"], [1.0], seed=seed)
    assert pair.method == "tensor"
    assert pair.evppi[0] == pytest.approx(oracle(mu + 2 * t[0] + t[1]), abs=0.04)
    triple = voi.evppi(s, ["t1", "t2", "t3"], [1.0], seed=seed, gp_max_fit=300)
    assert triple.method == "gp"
    assert triple.evppi[0] == pytest.approx(oracle(mu + 2 * t[0] + t[1] + 0.5 * t[2]), abs=0.05)
    singles = [voi.evppi(s, [f"t{k}"], [1.0], seed=seed).evppi[0] for k in (1, 2, 3, 4)]
    # true values: singles 0.57, 0.20, 0.07, 0; pair 0.66; triple 0.69. Each estimate carries a
    # regression error of sd ~0.02 (see above), so "group >= member" is checked up to 0.05.
    assert max(singles) <= pair.evppi[0] + 0.05
    assert pair.evppi[0] <= triple.evppi[0] + 0.05
    assert max(singles) < triple.evppi[0]
    for v in singles + [pair.evppi[0], triple.evppi[0]]:
        assert v <= ev + 1e-9


def test_evppi_over_wtp_uses_costs_and_effects():
    """Cost depends on c, effect on e: at wtp 0 only c matters, at a large wtp only e."""
    rng = np.random.default_rng(5)
    n = 1500
    c, e = rng.normal(size=(2, n))
    f = pd.DataFrame({"cost.A": 0.0, "effect.A": 0.0, "cost.B": 10 * c + rng.normal(size=n),
                      "effect.B": e + 0.1 * rng.normal(size=n), "c": c, "e": e})
    s = voi.sample_from_frame(f)
    res = voi.analyse(s, [0.0, 1000.0], bootstrap=50)
    assert res["evppi"]["c"]["values"]["0"]["evppi"] == pytest.approx(normal_evpi(0, 10), rel=0.1)
    assert res["evppi"]["e"]["values"]["0"]["evppi"] < 0.05 * res["evpi"]["0"]
    assert res["evppi"]["e"]["values"]["1000"]["evppi"] == pytest.approx(normal_evpi(0, 1000), rel=0.1)
    assert res["evppi"]["c"]["values"]["1000"]["evppi"] < 0.05 * res["evpi"]["1000"]


def test_population_scaling():
    assert voi.annuity_factor(1, 0.03) == 1.0
    assert voi.annuity_factor(3, 0.0) == 3.0
    assert voi.annuity_factor(2, 0.05) == pytest.approx(1 + 1 / 1.05)
    assert voi.population_value(10.0, 20, 2, 0.05) == pytest.approx(10 * 20 * (1 + 1 / 1.05))
    s, _, _ = linear_sample(1, n=300)
    res = voi.analyse(s, [1.0], groups=[("t1",)], bootstrap=0,
                      population={"units_per_year": 5, "years": 10, "discount_rate": 0.03})
    f = voi.annuity_factor(10, 0.03) * 5
    assert res["population"]["evpi"]["1"] == pytest.approx(res["evpi"]["1"] * f)
    assert res["population"]["evppi"]["t1"]["1"] == pytest.approx(res["evppi"]["t1"]["values"]["1"]["evppi"] * f)


def test_evppi_table_from_long_psa_records():
    s, t, _ = linear_sample(4, n=400)
    records = pd.concat([pd.DataFrame({"draw": range(s.n), "strategy": name, "cost_net_usd": s.costs[:, j],
                                       "dalys_averted": s.effects[:, j]}) for j, name in enumerate(s.strategies)])
    params = pd.DataFrame({"draw": range(s.n), "t1": t[0], "t2": t[1], "const": 1.0, "posterior_row": 0})
    table = voi.evppi_table(records, params, [1.0, 2.0], bootstrap=20)
    assert set(table["name"]) == {"t1", "t2"}  # constants and the posterior row index are not parameters
    assert list(table.columns[:4]) == ["name", "method", "wtp", "evppi"]
    first = table[table["wtp"] == 1.0].iloc[0]
    assert first["name"] == "t1" and first["evppi"] <= first["evpi"]


def test_plot_evppi_writes_png(tmp_path):
    s, _t, _ = linear_sample(4, n=300)
    res = voi.analyse(s, [1.0, 3.0], bootstrap=20)
    rows = [{"name": n, "wtp": float(w), "evpi": res["evpi"][w], **v} for n, d in res["evppi"].items()
            for w, v in d["values"].items()]
    path = voi.plot_evppi(pd.DataFrame(rows), tmp_path / "evppi.png", money="USD")
    assert path.stat().st_size > 5000
