"""Perspective with mentees' time (costs.mentee_time) and the population of the decision
(population EVPI in cea): hand-computed values, directions, the switch, outputs."""

import json

import numpy as np
import pandas as pd
import pytest

from mentorsim.cli.cea import population
from mentorsim.cli.main import main
from mentorsim.economics import cheers, oneway
from mentorsim.economics.costs import (
    MENTEE_CADRES,
    MENTEE_ITEMS,
    MENTEE_PARAMS,
    cost_account,
    day_rate,
    mentee_time,
    mentee_wage_per_hour,
    visit_days,
)
from mentorsim.economics.evaluation import comparator_params, evaluate_run
from mentorsim.economics.psa import psa_parameter_names
from mentorsim.economics.voi import annuity_factor
from mentorsim.parameters.cost_table import ANALYSIS_CHOICES, PERSPECTIVES
from mentorsim.parameters.model_table import PARAMS_BY_NAME
from mentorsim.runner import simulate
from mentorsim.scenario import load_scenario

SS2020 = dict(load_scenario("scenarios/ss2020.toml").params)
SHORT = {"followup.months": 6, "facilities.comparison": 2}


@pytest.fixture(scope="module")
def runs():
    p = SS2020 | SHORT
    return p, simulate(p, 1, 0), simulate(comparator_params(p), 1, 0)


def test_mentee_parameters_are_declared_and_never_change_the_health_system_cost(runs):
    for name in (*MENTEE_PARAMS, "economics.cost_mentee_time", "economics.voi_facilities_per_year",
                 "economics.voi_horizon_years"):
        p = PARAMS_BY_NAME[name]
        assert p.tag == "assumption" and p.low <= p.default <= p.high
    assert PARAMS_BY_NAME["economics.cost_mentee_time"].default is False
    # the perspective and the population are analysis choices: never drawn; mentee prices are
    assert {"economics.cost_mentee_time", "economics.voi_facilities_per_year"} <= set(ANALYSIS_CHOICES)
    assert set(MENTEE_PARAMS) <= set(psa_parameter_names("costs"))
    p, out, comp = runs
    base = cost_account(out, p, comp)
    doubled = cost_account(out, p | {k: PARAMS_BY_NAME[k].high for k in MENTEE_PARAMS}, comp)
    assert doubled.total(0.03) == base.total(0.03)
    assert sum(doubled.mentee_totals().values()) > sum(base.mentee_totals().values()) > 0


def test_mentee_time_by_hand(runs):
    p, out, _ = runs
    n = out.n_intervention
    fac = out.facilities.iloc[:n]
    counts = fac[list(MENTEE_CADRES)].to_numpy(float)
    hourly = np.array([day_rate(p, c) for c in MENTEE_CADRES.values()]) / 8
    wage = counts @ hourly / counts.sum(axis=1)
    assert np.allclose(mentee_wage_per_hour(out, p), wage)
    # visit days from the visit log's lead rows
    log = out.visit_log
    lead = log[(log["role"] == "lead") & (log["facility"] < n)]
    days = visit_days(out)
    for (w, f), g in lead.groupby(["week", "facility"]):
        assert days[w, f] == g["days"].max()
    assert (days > 0).sum() == lead.groupby(["week", "facility"]).ngroups
    t = mentee_time(out, p)
    assert set(t) == set(MENTEE_ITEMS)
    present = out.fac["staff_present"][1:, :n]
    assert t["mentee_coaching"].sum() == pytest.approx((days * present * 2.0 * wage).sum())
    echo_hours = out.fac["echo_attended"][1:, :n] * 80 / 60
    assert t["mentee_echo"].sum() == pytest.approx((echo_hours * wage * 1.0).sum())
    wa_hours = out.fac["whatsapp_active"][1:, :n] * 10 / 60
    assert t["mentee_whatsapp"].sum() == pytest.approx((wa_hours * wage).sum())
    # after hours valued at 0: only the coaching in work hours is left
    zero = mentee_time(out, p | {"costs.after_hours_value_share": 0.0})
    assert zero["mentee_echo"].sum() == 0 and zero["mentee_whatsapp"].sum() == 0
    assert zero["mentee_coaching"].sum() == pytest.approx(t["mentee_coaching"].sum())


def test_the_switch_picks_the_cost_and_mentee_time_raises_the_icer(runs):
    p, out, comp = runs
    hs = evaluate_run(p, 1, 0, comparator=comp, out=out).record
    plus = evaluate_run(p | {"economics.cost_mentee_time": True}, 1, 0, comparator=comp, out=out).record
    assert hs["cost_net_usd"] == hs["cost_net_health_system_usd"]
    assert plus["cost_net_usd"] == plus["cost_net_plus_mentee_time_usd"]
    assert plus["cost_net_usd"] == pytest.approx(hs["cost_net_usd"] + hs["mentee_time_usd"])
    assert hs["mentee_time_usd"] == pytest.approx(sum(hs[f"time_{k}_usd"] for k in MENTEE_ITEMS))
    assert plus["dalys_averted"] == hs["dalys_averted"]  # the perspective changes costs only
    # no mentorship: no mentee time
    none = evaluate_run(comparator_params(p), 1, 0, comparator=comp, out=comp).record
    assert none["mentee_time_usd"] == 0.0


def test_mentee_time_follows_the_dose_over_seeds():
    """More visit days and ECHO sessions cost more mentee time (same seeds)."""
    base = SS2020 | SHORT
    more = base | {"visits.days": 4, "echo.interval_weeks": 1}
    for seed in (1, 2, 3):
        a = sum(mentee_time(simulate(base, seed, 0), base)[k].sum() for k in ("mentee_coaching", "mentee_echo"))
        b = sum(mentee_time(simulate(more, seed, 0), more)[k].sum() for k in ("mentee_coaching", "mentee_echo"))
        assert b > a


def test_perspective_row_and_cheers_follow_the_base_case():
    rows = {g: (label, ch) for g, label, ch in oneway.scenario_settings()}
    assert rows["perspective"][1] == {"economics.cost_mentee_time": True}
    rows = {g: ch for g, _, ch in oneway.scenario_settings({"economics.cost_mentee_time": True})}
    assert rows["perspective"] == {"economics.cost_mentee_time": False}
    hs = cheers.checklist().set_index("item").loc[8]
    plus = cheers.checklist({"economics.cost_mentee_time": True}).set_index("item").loc[8]
    assert hs["status"] == "reported"
    assert hs["answer"].startswith("Base case: " + PERSPECTIVES[False])
    assert plus["answer"].startswith("Base case: " + PERSPECTIVES[True])


def test_population_multiplier_by_hand():
    p = SS2020 | {"economics.voi_facilities_per_year": 20.0, "economics.voi_horizon_years": 3.0,
                  "economics.discount_rate_costs": 0.05}
    pop = population(p)
    assert pop["programmes_per_year"] == pytest.approx(2.0)
    assert pop["multiplier"] == pytest.approx(2.0 * (1 + 1 / 1.05 + 1 / 1.05 ** 2))
    assert population(SS2020)["multiplier"] == pytest.approx(annuity_factor(10, 0.03))


def test_cea_names_the_perspective_and_prints_population_evpi(tmp_path, capsys):
    out = tmp_path / "cea"
    code = main(["cea", "scenarios/ss2020.toml", "--replicates", "2", "--seed", "3", "--psa", "4",
                 "--workers", "1", "--sensitivity-replicates", "0", "--out", str(out),
                 "--set", "followup.months=6", "--set", "facilities.comparison=2"])
    assert code == 0
    text = capsys.readouterr().out
    assert "Perspective: " + PERSPECTIVES[False] in text
    assert "EVPI per population" in text and "health_system_plus_mentee_time perspective" in text
    report = json.loads((out / "cea.json").read_text())
    assert report["perspective"]["name"] == "health_system"
    mult = report["population"]["multiplier"]
    for r in report["psa"]["by_wtp"]:
        assert r["evpi_population_usd"] == pytest.approx(r["evpi_usd"] * mult)
    by = pd.read_csv(out / "icers_by_perspective.csv")
    focal = by[by["strategy"] == "ss2020"].set_index("perspective")
    assert focal.loc["health_system_plus_mentee_time", "net_cost"] > focal.loc["health_system", "net_cost"]
    assert "Perspective: " + PERSPECTIVES[False] in (out / "cea.md").read_text()
    evpi = pd.read_csv(out / "evpi.csv")
    assert np.allclose(evpi["evpi_population_usd"], evpi["evpi_usd"] * mult)
