"""Sustainability: retention arithmetic, the local pool, cost to sustain; a scenario that keeps
a local pool visiting is distinguishable from one that does not."""

import math

import numpy as np
import pandas as pd
import pytest

from mentorsim.economics import sustainability as sus
from mentorsim.economics.evaluation import evaluate_strategies
from mentorsim.scenario import load_scenario


def test_retention_arithmetic():
    assert sus.retention(20.0, 10.0) == pytest.approx(0.5)
    assert sus.retention(20.0, 25.0) == pytest.approx(1.25)
    assert math.isnan(sus.retention(0.05, 0.04))  # under 0.1 point: nothing to retain
    assert math.isnan(sus.retention(10.0, float("nan")))
    rec = pd.DataFrame({"strategy": ["a", "a"], **{f"gain_{w}_{k}": [10.0, 30.0] if w == "end" else [5.0, 5.0]
                                                  for w in ("end", "f12", "f24") for k in sus.INDICATORS}})
    t = sus.retention_table(rec)
    row = t[t["indicator"] == "composite"].iloc[0]
    assert row["gain_end_pp"] == 20.0 and row["retained_12m"] == pytest.approx(0.25)  # ratio of means


@pytest.fixture(scope="module")
def kept_and_not():
    scen = [load_scenario(f"scenarios/{n}.toml") for n in ("ss2020", "local_mentors")]
    res = evaluate_strategies([(s.name, dict(s.params)) for s in scen], seed=1, replicates=2)
    return {r.name: r for r in res}


def test_local_pool_scenario_is_distinguishable(kept_and_not):
    ss, local = kept_and_not["ss2020"].mean(), kept_and_not["local_mentors"].mean()
    # the local pool keeps visiting in follow-up only where the scenario keeps it
    assert local["followup_local_visits"] > 0 and local["followup_local_mentor_days"] > 0
    assert ss["followup_local_visits"] == 0 and ss["followup_local_mentor_days"] == 0
    assert local["local_active_f24"] > 0
    # sustaining visits costs more a facility-year than sustaining WhatsApp alone
    assert local["sustain_usd_per_facility_year"] > ss["sustain_usd_per_facility_year"] > 0
    assert local["sustain_mentor_time_usd_per_facility_year"] > 0
    assert ss["sustain_mentor_time_usd_per_facility_year"] == 0
    # and more of the end-of-programme gain is still there 24 months on
    rec = pd.concat([kept_and_not[n].records() for n in ("ss2020", "local_mentors")])
    t = sus.retention_table(rec).set_index(["strategy", "indicator"])
    kept = t.loc[("local_mentors", "composite"), "retained_24m"]
    assert kept > t.loc[("ss2020", "composite"), "retained_24m"]
    # ss2020's gain decays after the programme ends
    assert t.loc[("ss2020", "composite"), "retained_24m"] < 1.0


def test_comparator_has_no_gain_and_no_pool(kept_and_not):
    comp = kept_and_not["no_mentorship"]
    m = comp.mean()
    for k in sus.INDICATORS:
        assert m[f"gain_end_{k}"] == 0.0
    assert m["local_trained_total"] == 0 and m["sustain_usd_per_facility_year"] == 0


def test_pool_by_month(kept_and_not):
    pool = kept_and_not["local_mentors"].runs[0].pool
    assert list(pool["month"]) == list(range(len(pool)))
    assert (np.diff(pool["local_trained"]) >= 0).all() and (np.diff(pool["local_lost"]) >= 0).all()
    fu = pool[pool["phase"] == "followup"]
    assert fu["local_visits"].sum() > 0
    assert (pool[pool["phase"] == "programme"]["hub_active"] > 0).all()


def test_short_followup_has_no_24_month_horizon():
    sc = load_scenario("scenarios/ss2020.toml", ["followup.months=12"])
    res = evaluate_strategies([(sc.name, dict(sc.params))], seed=1, replicates=1)
    m = res[1].mean()
    assert math.isfinite(m["gain_f12_composite"]) and math.isnan(m["gain_f24_composite"])
