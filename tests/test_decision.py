"""Decision analysis with known answers: NMB arithmetic, the tornado's order and switch value on a
toy model, deterministic-vs-probabilistic attribution, ICER intervals and the verdict."""

import math

import numpy as np
import pandas as pd
import pytest

from mentorsim.economics import decision, oneway
from mentorsim.economics.psa import PSAResult
from mentorsim.scenario import load_scenario


def table(cost, effect):
    return pd.DataFrame({"strategy": ["no_mentorship", "A"], "cost": [0.0, cost], "effect": [0.0, effect]})


def test_nmb_arithmetic():
    t = table(5000.0, 10.0)
    assert oneway.inmb(t, "A", 600.0) == pytest.approx(600 * 10 - 5000)
    assert oneway.icer(t, "A") == pytest.approx(500.0)
    assert oneway.winner(t, 400.0) == "no_mentorship" and oneway.winner(t, 600.0) == "A"
    assert math.isnan(oneway.icer(table(5000.0, -1.0), "A"))


def toy(scs):
    """Effect 100 x (1 - rr) DALYs; cost 40,000 + 1,000 x bed-day price; nothing else matters."""
    p = scs[0].params
    return table(40000.0 + 1000.0 * p["costs.bed_day_usd"], 100.0 * (1.0 - p["ssi.relative_risk_full"]))


def test_tornado_order_and_switch_value_on_a_toy_model():
    sc = [load_scenario("scenarios/ss2020.toml")]
    names = ["costs.bed_day_usd", "economics.age_caesarean_years", "ssi.relative_risk_full"]
    wtp = 1000.0
    t = oneway.one_way(sc, names, 1, 1, wtp, focal="A", evaluate=toy)
    assert t["parameter"].tolist() == ["ssi.relative_risk_full", "costs.bed_day_usd",
                                       "economics.age_caesarean_years"]
    # rr over [0.02, 1]: INMB = 1000 x 100 x (1 - rr) - 55,000 -> swing 98,000
    assert t.loc[0, "swing"] == pytest.approx(1000 * 100 * 0.98)
    assert t.loc[1, "swing"] == pytest.approx(1000 * 35)  # bed-day price over [5, 40]
    assert t.loc[2, "swing"] == 0.0
    # INMB = 0 at rr = 1 - 55,000 / 100,000 = 0.45 (linear, so interpolation is exact)
    assert t.loc[0, "switch_value"] == pytest.approx(0.45)
    assert t.loc[0, "winner_low"] == "A" and t.loc[0, "winner_high"] == "no_mentorship"
    grid = oneway.two_way(sc, "ssi.relative_risk_full", "costs.bed_day_usd", 1, 1, wtp, focal="A", evaluate=toy,
                          points=3)
    assert len(grid) == 9 and grid["inmb"].max() == pytest.approx(1000 * 100 * 0.98 - 45000)


def test_every_setting_evaluated_at_once_gives_the_same_tables():
    """one_way, two_way and scenario_analyses hand their settings to ``evaluate_all`` in one list
    (as cea --workers does, to worker processes): evaluated in reverse order and put back, the
    tables are those of evaluating them one at a time, and each setting ticks once."""
    sc = [load_scenario("scenarios/ss2020.toml")]
    names = ["costs.bed_day_usd", "economics.age_caesarean_years", "ssi.relative_risk_full"]
    ticks = []

    def at_once(jobs, tick):
        out = [toy(scs) for scs in reversed(jobs)][::-1]
        ticks.extend(1 for _ in jobs)
        return out

    settings = [("g", "cheap beds", {"costs.bed_day_usd": 5.0}), ("g", "no such value", {"ssi.relative_risk_full": 7.0}),
                ("g", "strong effect", {"ssi.relative_risk_full": 0.2})]
    one = oneway.one_way(sc, names, 1, 1, 1000.0, focal="A", evaluate=toy)
    assert one.equals(oneway.one_way(sc, names, 1, 1, 1000.0, focal="A", evaluate=toy, evaluate_all=at_once))
    assert len(ticks) == 2 * len(names)
    grid = oneway.two_way(sc, names[2], names[0], 1, 1, 1000.0, focal="A", evaluate=toy, points=3)
    assert grid.equals(oneway.two_way(sc, names[2], names[0], 1, 1, 1000.0, focal="A", evaluate=toy, points=3,
                                      evaluate_all=at_once))
    scen = oneway.scenario_analyses(sc, 1, 1, [1000.0], settings=settings, focal="A", evaluate=toy)
    assert scen.equals(oneway.scenario_analyses(sc, 1, 1, [1000.0], settings=settings, focal="A", evaluate=toy,
                                                evaluate_all=at_once))
    assert scen["note"].tolist()[1] != "" and scen["note"].tolist()[0] == scen["note"].tolist()[2] == ""


def test_means_on_worker_processes_equal_means_here():
    """pool_evaluate_all: the strategy tables computed in worker processes are this process's."""
    from mentorsim.executors import process_pool

    scs = [load_scenario("scenarios/ss2020.toml").with_params({"followup.months": 0}, source="test", text=False)]
    here = [oneway.means(scs, 3, 2)]
    with process_pool(2) as pool:
        there = oneway.pool_evaluate_all(pool, 3, 2)([scs], None)
    assert len(there) == 1 and there[0].equals(here[0])


def fake_psa(inc_cost, inc_effect, params=None):
    n = len(inc_cost)
    rows = []
    for d in range(n):
        rows.append({"draw": d, "strategy": "no_mentorship", "cost_net_usd": 0.0, "dalys_averted": 0.0})
        rows.append({"draw": d, "strategy": "A", "cost_net_usd": float(inc_cost[d]),
                     "dalys_averted": float(inc_effect[d])})
    pars = pd.DataFrame({"draw": range(n)} | (params or {}))
    return PSAResult(pd.DataFrame(rows), pars, 1, "default", "beta", ["no_mentorship", "A"], "no_mentorship")


def test_icer_summary_and_verdict_known_answers():
    e = np.full(100, 10.0)
    c = np.concatenate([np.full(30, 2000.0), np.full(70, 8000.0)])  # ICER 200 or 800
    psa = fake_psa(c, e)
    s = decision.icer_summary(psa, [500.0]).iloc[0]
    assert s["icer"] == pytest.approx(c.mean() / 10) and s["p_ce_500"] == pytest.approx(0.3)
    assert s["icer_low"] == pytest.approx(200) and s["icer_high"] == pytest.approx(800)
    v = decision.verdict(psa, "A", 1000.0)
    assert v["probability"] == {0.34: pytest.approx(0.3), 0.5: pytest.approx(0.3), 1.0: 1.0}  # ICER 200 < 340
    assert "very likely to be worth it at 1x" in v["sentence"] and "100 draws" in v["sentence"]
    assert "unlikely at 0.34x" in v["sentence"]  # 30%


def test_compare_names_the_parameter_whose_draws_leave_the_base_case():
    """Effect = 20 x x; base case x = 0.5 (effect 10, ICER 600 -> no mentorship at 500); the draws
    of x average 0.7 (effect 14, ICER 429 -> A): the disagreement is explained by x."""
    rng = np.random.default_rng(4)
    x = rng.uniform(0.4, 1.0, 400)
    noise = rng.uniform(0, 1, 400)
    psa = fake_psa(np.full(400, 6000.0), 20 * x, {"ssi.relative_risk_full": x, "costs.bed_day_usd": noise})
    det = table(6000.0, 10.0)
    out = decision.compare(det, psa, [500.0], base_params={"ssi.relative_risk_full": 0.5, "costs.bed_day_usd": 0.5})
    row = out["by_wtp"][0]
    assert row["deterministic"] == "no_mentorship" and row["probabilistic"] == "A" and not row["agree"]
    why = out["explanations"][0]
    assert "ssi.relative_risk_full (base 0.5" in why and "costs.bed_day_usd" not in why
    top = out["drivers"]["500"][0]
    # INMB shift = 500 x 20 x (mean(x) - 0.5): all of it linear in x
    assert top["contribution"] == pytest.approx(500 * 20 * (x.mean() - 0.5), rel=1e-3)


def test_compare_agrees_when_base_case_is_the_mean():
    x = np.linspace(0.3, 0.7, 101)
    psa = fake_psa(np.full(101, 6000.0), 20 * x, {"ssi.relative_risk_full": x})
    out = decision.compare(table(6000.0, 10.0), psa, [300.0, 1000.0], base_params={"ssi.relative_risk_full": 0.5})
    assert all(r["agree"] for r in out["by_wtp"])
    assert out["explanations"][0].startswith("The deterministic and probabilistic analyses choose the same")


def test_replicate_interval_is_seed_noise_only():
    p, lo, hi = decision.replicate_interval([100, 100, 100], [1, 1, 1])
    assert (p, lo, hi) == (100, 100, 100)
    p, lo, hi = decision.replicate_interval([90, 110, 100, 105], [1, 1, 1, 1], seed=2)
    assert lo < p < hi and lo >= 90 and hi <= 110


@pytest.mark.parametrize("p, words", [(0.95, "very likely"), (0.7, "likely"), (0.5, "about as likely as not"),
                                      (0.26, "unlikely"), (0.09, "very unlikely")])
def test_verdict_words_follow_the_calibrated_probability_scale(p, words):
    # 26% of draws cost-effective was once called "as likely as not"
    from mentorsim.economics.decision import _likely
    assert _likely(p) == words
