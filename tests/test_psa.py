"""PSA: distributions on declared ranges, reproducible draws, common random numbers, CEAC in
[0, 1] summing to 1, CEAF and EVPI with known answers, serial = parallel."""

import numpy as np
import pandas as pd
import pytest

from mentorsim.economics.psa import (
    PSAResult,
    Strategy,
    beta_shape,
    draw_parameters,
    load_posterior,
    pert_shape,
    psa_parameter_names,
    quantile,
    run_psa,
)
from mentorsim.parameters.cost_table import ANALYSIS_CHOICES
from mentorsim.parameters.model_table import PARAMS_BY_NAME
from mentorsim.scenario import load_scenario


def test_pert_shape_by_hand():
    p = PARAMS_BY_NAME["costs.bed_day_usd"]  # 15 on [5, 40]
    a, b = pert_shape(p)
    assert a == pytest.approx(1 + 4 * 10 / 35) and b == pytest.approx(1 + 4 * 25 / 35)
    centre = PARAMS_BY_NAME["economics.ssi_severe_share"]  # range [0, 1]
    assert pert_shape(centre, 0.5) == (3.0, 3.0)
    assert pert_shape(centre, 0.0) == (1.0, 5.0)
    assert quantile(centre, 0.5, "pert", 0.5) == pytest.approx(0.5)
    assert quantile(centre, 0.5, "triangular", 0.5) == pytest.approx(0.5)


@pytest.mark.parametrize("dist", ["pert", "triangular"])
def test_quantiles_stay_in_range_and_increase(dist):
    for name in psa_parameter_names("default"):
        p = PARAMS_BY_NAME[name]
        xs = [quantile(p, u, dist) for u in (0.0, 0.01, 0.5, 0.99, 1.0)]
        assert all(p.low <= x <= p.high for x in xs), name
        assert xs == sorted(xs), name


def test_pert_mean_matches_formula():
    p = PARAMS_BY_NAME["costs.bed_day_usd"]
    u = (np.arange(20000) + 0.5) / 20000
    mean = np.mean([quantile(p, x, "pert") for x in u[::20]])
    assert mean == pytest.approx((5 + 4 * 15 + 40) / 6, rel=0.01)


def test_default_distribution_mean_equals_the_base_case():
    """The PSA's mean input is the deterministic default for every drawn parameter (the beta's
    mean by construction; integers within rounding), and the case fatality example of the
    docstring: beta(1, 9) on [0, 0.1], mean 0.01, where PERT's mean is 0.023."""
    u = (np.arange(4000) + 0.5) / 4000
    for name in psa_parameter_names("default"):
        p = PARAMS_BY_NAME[name]
        mean = np.mean([quantile(p, x) for x in u])
        tol = 0.5 if p.kind is int else 0.005 * (p.high - p.low)
        assert abs(mean - p.default) <= tol, (name, mean, p.default)
    cf = PARAMS_BY_NAME["ssi.case_fatality_other"]
    assert beta_shape(cf) == pytest.approx((1.0, 9.0))
    assert np.mean([quantile(cf, x, "pert") for x in u]) == pytest.approx((0 + 4 * 0.01 + 0.1) / 6, abs=5e-4)


def test_beta_quantiles_stay_in_range_and_increase():
    for name in psa_parameter_names("default"):
        p = PARAMS_BY_NAME[name]
        xs = [quantile(p, u, "beta") for u in (0.0, 0.01, 0.5, 0.99, 1.0)]
        assert all(p.low <= x <= p.high for x in xs), name
        assert xs == sorted(xs), name


def test_parameter_scopes():
    costs = psa_parameter_names("costs")
    full = psa_parameter_names("default")
    assert set(costs) < set(full)
    assert all(n.split(".")[0] in ("costs", "economics") for n in costs)
    assert "learning.skill_half_life_months" in full and "ssi.relative_risk_full" in full
    assert not set(ANALYSIS_CHOICES) & set(full)
    assert all(PARAMS_BY_NAME[n].kind is not bool for n in full)


def test_draws_are_reproducible_and_independent_of_order():
    names = psa_parameter_names("default")
    a = draw_parameters(7, 3, names)
    assert a == draw_parameters(7, 3, names)
    assert a != draw_parameters(7, 4, names)
    assert a != draw_parameters(8, 3, names)


def test_posterior_rows_by_weight(tmp_path):
    path = tmp_path / "posterior.csv"
    pd.DataFrame({"learning.visit_tacit_rate": [0.05, 0.2], "weight": [0.0, 1.0]}).to_csv(path, index=False)
    post = load_posterior(path)
    for d in range(5):
        v = draw_parameters(1, d, ["costs.bed_day_usd"], posterior=post)
        assert v["learning.visit_tacit_rate"] == 0.2 and v["posterior_row"] == 1
    bad = tmp_path / "bad.csv"
    pd.DataFrame({"not.a_param": [1.0], "weight": [1.0]}).to_csv(bad, index=False)
    from mentorsim.errors import InputError
    with pytest.raises(InputError):
        load_posterior(bad)


def synthetic(nmb_cost, effects, strategies=("A", "B", "C")):
    """A PSAResult from hand-made [draws, strategies] costs and effects."""
    rows = []
    for d in range(len(nmb_cost)):
        for k, s in enumerate(strategies):
            rows.append({"draw": d, "strategy": s, "cost_net_usd": nmb_cost[d][k],
                         "dalys_averted": effects[d][k]})
    return PSAResult(pd.DataFrame(rows), pd.DataFrame({"draw": range(len(nmb_cost))}), 1, "default", "pert",
                     list(strategies), "A")


def test_ceac_known_answer_and_sums_to_one():
    # 4 draws; A is the comparator (0, 0). At wtp 10: NMB B = 10 e - c, C likewise.
    cost = [[0, 50, 100], [0, 50, 100], [0, 50, 100], [0, 200, 100]]
    eff = [[0, 10, 20], [0, 10, 5], [0, 2, 5], [0, 10, 20]]
    r = synthetic(cost, eff)
    ceac = r.ceac([0, 10, 100])
    # wtp 0: A always best (costs nothing)
    assert list(ceac.loc[0.0]) == [1.0, 0.0, 0.0]
    # wtp 10: draw0 NMB (0, 50, 100) -> C; draw1 (0, 50, -50) -> B; draw2 (0, -30, -50) -> A;
    # draw3 (0, -100, 100) -> C
    assert list(ceac.loc[10.0]) == [0.25, 0.25, 0.5]
    assert np.allclose(ceac.sum(axis=1), 1.0)
    assert ((ceac >= 0) & (ceac <= 1)).all().all()
    # EVPI at 10: E[max] = (100 + 50 + 0 + 100)/4 = 62.5; max E = C: (100 - 50 - 50 + 100)/4 = 25
    assert r.evpi([10]).iloc[0] == pytest.approx(62.5 - 25.0)
    f = r.ceaf([10]).iloc[0]
    assert f["optimal"] == "C" and f["probability"] == pytest.approx(0.5)
    assert f["expected_nmb"] == pytest.approx(25)
    # CE plane against the comparator
    plane = r.ce_plane()
    assert plane[plane["strategy"] == "A"]["inc_cost"].eq(0).all()


def test_ceac_splits_ties():
    r = synthetic([[0, 0, 0]], [[0, 0, 0]])
    assert list(r.ceac([5]).loc[5.0]) == pytest.approx([1 / 3] * 3)
    assert r.evpi([5]).iloc[0] == 0.0


def test_evpi_zero_when_one_strategy_always_wins():
    r = synthetic([[0, 10, 500], [0, 20, 600]], [[0, 5, 1], [0, 6, 2]])
    assert r.evpi([100]).iloc[0] == pytest.approx(0.0)
    assert list(r.ceac([100]).loc[100.0]) == [0.0, 1.0, 0.0]


SHORT = ["followup.months=6", "programme.months=8", "programme.survey_month=6",
         "mentors.handover_month=4", "facilities.comparison=2"]


def _strategies():
    names = ("ss2020", "virtual_only")
    return [Strategy.from_scenario(load_scenario(f"scenarios/{n}.toml", SHORT)) for n in names]


def test_psa_runs_with_common_random_numbers():
    res = run_psa(_strategies(), 3, seed=5, workers=1, progress=False)
    assert res.strategies == ["no_mentorship", "ss2020", "virtual_only"]
    assert res.n_draws == 3 and len(res.records) == 9
    # the same drawn values for every strategy of a draw (none of them fixes these)
    assert res.parameters["costs.bed_day_usd"].nunique() == 3
    # comparator: zero cost and effect in every draw
    comp = res.records[res.records["strategy"] == "no_mentorship"]
    assert (comp["cost_net_usd"] == 0).all() and (comp["dalys_averted"] == 0).all()
    # operations are common random numbers across strategies within a draw
    ops = res.records.pivot(index="draw", columns="strategy", values="operations")
    assert (ops.nunique(axis=1) == 1).all()
    ceac = res.ceac([0, 500, 1012, 5000])
    assert np.allclose(ceac.sum(axis=1), 1.0)
    again = run_psa(_strategies(), 3, seed=5, workers=1, progress=False)
    pd.testing.assert_frame_equal(res.records, again.records)


def test_fixed_parameters_are_not_drawn():
    from mentorsim.economics.psa import _apply
    sc = load_scenario("scenarios/ss2020.toml", ["costs.bed_day_usd=33", "learning.peer_rate=0.05"])
    s = Strategy.from_scenario(sc)
    assert {"costs.bed_day_usd", "learning.peer_rate"} <= s.fixed
    drawn = draw_parameters(3, 0, psa_parameter_names("default"))
    applied = _apply(s, drawn)
    assert applied["costs.bed_day_usd"] == 33.0 and applied["learning.peer_rate"] == 0.05
    km = "costs.vehicle_usd_per_km"
    assert applied[km] == drawn[km] != s.params[km]
    # analysis choices keep the scenario's value
    assert applied["economics.discount_rate_costs"] == s.params["economics.discount_rate_costs"]


@pytest.mark.slow
def test_parallel_equals_serial():
    serial = run_psa(_strategies(), 4, seed=11, workers=1, progress=False)
    parallel = run_psa(_strategies(), 4, seed=11, workers=2, progress=False)
    pd.testing.assert_frame_equal(serial.records, parallel.records)
    pd.testing.assert_frame_equal(serial.parameters, parallel.parameters)
