"""Health effects against the comparator: zero against itself, hand-computed DALY inputs,
directions of effect."""

import math

import numpy as np
import pytest

from mentorsim.economics.evaluation import comparator_params, evaluate_run, is_comparator
from mentorsim.economics.health_effects import caesarean_share_of_ssi, effects, yld_per_ssi, yll_per_death
from mentorsim.runner import simulate
from mentorsim.scenario import load_scenario

SS2020 = dict(load_scenario("scenarios/ss2020.toml").params)


@pytest.fixture(scope="module")
def runs():
    return simulate(SS2020, 1, 0), simulate(comparator_params(SS2020), 1, 0)


def test_daly_inputs_by_hand():
    p = SS2020
    assert yll_per_death(p, "caesarean") == pytest.approx((1 - 1.03 ** -39) / math.log(1.03))
    assert yll_per_death(p, "other") == pytest.approx((1 - 1.03 ** -30) / math.log(1.03))
    assert yld_per_ssi(p) == pytest.approx((0.3 * 0.133 * 28 + 0.7 * 0.051 * 14) / 365.25)
    undiscounted = dict(p) | {"economics.discount_rate_effects": 0.0}
    assert yll_per_death(undiscounted, "caesarean") == pytest.approx(65 - 26)


def test_comparator_against_itself_is_zero(runs):
    _, comp = runs
    e = effects(comp, comp, comparator_params(SS2020))
    for k, v in e.weekly.items():
        assert np.all(v == 0), k


def test_effects_add_up_and_point_the_right_way(runs):
    out, comp = runs
    e = effects(out, comp, SS2020)
    assert np.allclose(e.weekly["dalys_averted"], e.weekly["yll_averted"] + e.weekly["yld_averted"])
    assert e.total("ssi_averted") > 0
    assert e.total("deaths_averted") > 0  # SSI case fatality
    assert e.total("composite_point_months") > 0
    assert e.total("dalys_averted", 0.03) < e.total("dalys_averted", 0.0)
    # hand: YLD = SSIs averted x YLD per SSI (undiscounted)
    assert e.total("yld_averted") == pytest.approx(e.total("ssi_averted") * yld_per_ssi(SS2020))
    # the caesarean share of SSI risk lies in [0, 1]
    c = caesarean_share_of_ssi(out, SS2020)
    assert c.min() >= 0 and c.max() <= 1
    # both runs share operations (common random numbers)
    assert e.counts["operations"] == e.counts["comparator_operations"]


def test_evaluate_run_record(runs):
    out, comp = runs
    rec = evaluate_run(SS2020, 1, 0, comparator=comp, out=out).record
    assert rec["cost_net_usd"] == pytest.approx(rec["cost_programme_usd"] - rec["savings_ssi_usd"])
    assert rec["dalys_averted"] == pytest.approx(rec["yll_averted"] + rec["yld_averted"])
    assert sum(v for k, v in rec.items() if k.startswith("item_")) == pytest.approx(rec["cost_programme_usd"])
    modalities = sum(v for k, v in rec.items() if k.startswith("modality_"))
    assert modalities == pytest.approx(rec["cost_programme_usd"])
    assert rec["cost_programme_phase_usd"] + rec["cost_followup_usd"] == pytest.approx(
        rec["cost_programme_undiscounted_usd"])
    assert is_comparator(comparator_params(SS2020)) and not is_comparator(SS2020)
