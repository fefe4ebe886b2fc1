"""Mesa, EMA Workbench, SALib and pandas users run mentorsim as they expect (issue 13)."""

from __future__ import annotations

import gc
import json
import math
import pickle
import subprocess
import sys
import weakref
from pathlib import Path

import mesa
import numpy as np
import pytest

from mentorsim import InputError, MentorshipModel, evaluate, load_scenario, run, simulate, weekly
from mentorsim.model import model as kernel
from mentorsim.parameters.interop import ALIASES, design_point, ema_parameters, salib_problem
from mentorsim.parameters.model_table import PARAMS, PARAMS_BY_NAME, defaults
from mentorsim.results import OUTCOME_DOCS
from mentorsim.scenario import scenario_from_dict

SRC = Path(__file__).resolve().parents[1] / "src"


# --- Mesa -------------------------------------------------------------------------------------

def test_batch_run_with_dotted_names_returns_one_row_per_run_with_the_summary():
    runs = mesa.batch_run(MentorshipModel, parameters={"visits.interval_weeks": [4, 13], "seed": [1, 2]},
                          max_steps=10_000, display_progress=False)
    assert len(runs) == 4
    for r in runs:
        expected = evaluate(load_scenario("ss2020"), seed=r["seed"], visits__interval_weeks=r["visits.interval_weeks"])
        assert {k: r[k] for k in OUTCOME_DOCS} == pytest.approx(expected, nan_ok=True, rel=0, abs=0)
        assert r["week"] == 178 and set(OUTCOME_DOCS) <= set(r)


def test_run_model_stops_at_the_end_and_gives_the_same_run_as_simulate():
    model = MentorshipModel()  # the programme as run, seed 1
    model.run_model()
    assert not model.running and model.week == model.time.total_weeks == model.steps
    ref = simulate(load_scenario("ss2020").params, seed=1, replicate=0)
    out = model.output()
    for key in ref.fac:
        np.testing.assert_array_equal(out.fac[key], ref.fac[key])
    np.testing.assert_array_equal(out.visit_array, ref.visit_array)  # mentor ids included
    assert out.mentor_rows == ref.mentor_rows
    with pytest.raises(RuntimeError, match="the run has ended"):
        model.step()


def test_datacollector_series_match_the_run_summary():
    model = MentorshipModel(seed=2).run()
    df = model.datacollector.get_model_vars_dataframe()
    assert len(df) == model.time.total_weeks and list(df["week"]) == list(range(1, 179))
    assert df["composite_month12_pct"].iloc[:-1].isna().all()  # known only at the end
    month12 = df.loc[df["week"] == 52, "composite_pct"].iloc[0]  # month_row(12) == 52
    assert month12 == pytest.approx(df["composite_month12_pct"].iloc[-1], abs=1e-9)
    fac = model.datacollector.get_agenttype_vars_dataframe(kernel.Facility)
    assert len(fac) == model.time.total_weeks * model.facilities.n
    assert {"arm", "composite_pct", "visits"} <= set(fac.columns)


def test_every_agent_is_registered_from_the_start():
    model = MentorshipModel(seed=1)
    types = {cls.__name__: len(s) for cls, s in model.agents_by_type.items()}
    assert types["Provider"] == model.providers.n and types["Facility"] == model.facilities.n
    assert types["Mentor"] == len(model.pool.all) and len(model.agents) == sum(types.values())
    ids = [a.unique_id for a in model.agents]
    assert len(set(ids)) == len(ids)


def test_keyword_construction_aliases_rng_and_validation():
    a = MentorshipModel(visits__interval_weeks=4, seed=3)
    b = MentorshipModel(**{"visits.interval_weeks": 4}, rng=3)
    c = MentorshipModel({"visits.interval_weeks": 4}, 3, scenario="ss2020")
    assert a.p == b.p == c.p and a.p["visits.interval_weeks"] == 4 and a.seed_value == b.seed_value == 3
    with pytest.raises(InputError, match="did you mean visits.interval_weeks"):
        MentorshipModel(**{"visits.interval_week": 4})
    with pytest.raises(InputError, match="not both"):
        MentorshipModel(seed=1, rng=2)


def test_thirty_runs_leave_no_model_in_mesas_registry():
    refs = []
    for seed in range(30):
        mesa.batch_run(MentorshipModel, parameters={"seed": seed, "followup.months": 0},
                       max_steps=10_000, display_progress=False)
        m = MentorshipModel(seed=seed, followup__months=0)
        for _ in range(3):  # built and dropped before its end (as a page reset does)
            m.step()
        refs.append(weakref.ref(m))
        del m
    gc.collect()
    assert not any(isinstance(k, kernel.MentorshipModel) for k in mesa.Agent._ids)
    assert len(kernel.AGENT_IDS) == len(kernel.PROVIDER_IDS) == 0
    assert all(r() is None for r in refs)  # nothing else keeps them either


# --- processes and pickling ------------------------------------------------------------------

@pytest.mark.parametrize("method", ["forkserver", None])
def test_importing_mentorsim_keeps_the_start_method(method):
    code = ("import multiprocessing as mp\n"
            f"{f'mp.set_start_method({method!r})' if method else ''}\n"
            "import mentorsim\nfrom mentorsim import MentorshipModel, evaluate\n"
            "import mentorsim.experiments.sweep\nMentorshipModel(seed=1)\n"
            "print(mp.get_start_method(allow_none=True))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env={"PYTHONPATH": str(SRC), "PATH": ""}).stdout.split()[-1]
    assert out == str(method)


def test_scenarios_params_and_results_pickle():
    sc = load_scenario("ss2020", sets=["visits.interval_weeks=4"])
    back = pickle.loads(pickle.dumps(sc))
    assert back == sc and dict(back.overrides) == dict(sc.overrides)
    assert back.overrides["visits.interval_weeks"] == 4
    with pytest.raises(TypeError):
        back.params["visits.days"] = 3  # still read-only
    res = run(sc, seed=1, replicates=1)
    again = pickle.loads(pickle.dumps(res))
    assert again.summary()["composite_month12_pct"] == res.summary()["composite_month12_pct"]


# --- evaluate --------------------------------------------------------------------------------

def _file_message(key, value) -> str:
    section, name = key.split(".")
    with pytest.raises(InputError) as exc:
        scenario_from_dict({section: {name: value}}, "f.toml")
    return str(exc.value).replace("f.toml: ", "")


@pytest.mark.parametrize(("key", "value"), [
    ("visits.interval_week", 4), ("visits.interval_weeks", -3), ("visits.interval_weeks", 4.5),
    ("visits.days", 2.5), ("echo.enabled", "False"), ("echo.enabled", 1), ("visits.days", "2"),
    ("facilities.leadership_mean", math.nan), ("visits.days", 20)])
def test_evaluate_refuses_what_a_scenario_file_refuses_with_the_same_message(key, value):
    with pytest.raises(InputError) as exc:
        evaluate({key: value}, seed=1, replicate=0)
    assert str(exc.value) == "evaluate(): " + _file_message(key, value)
    assert key in str(exc.value)


def test_evaluate_takes_partial_mappings_numpy_scalars_and_aliases():
    ref = evaluate({"visits.interval_weeks": 4}, seed=1, replicate=0)
    assert evaluate({"visits.interval_weeks": np.int64(4)}, seed=np.int64(1), replicate=0) == ref
    assert evaluate(visits__interval_weeks=4, seed=1) == ref
    assert evaluate({"visits.interval_weeks": 4.0}, seed=1) == ref
    assert evaluate({"echo.enabled": np.bool_(True)}, seed=1) == evaluate(seed=1)
    full = defaults() | {"visits.interval_weeks": 4}  # what a partial mapping is filled from
    assert evaluate(full, seed=1) == ref


def test_evaluate_errors_nan_turns_a_bad_point_into_nan_outcomes():
    out = evaluate({"visits.interval_weeks": 0}, seed=1, errors="nan")
    assert set(out) == set(OUTCOME_DOCS) and all(math.isnan(v) for v in out.values())
    with pytest.raises(InputError, match="errors"):
        evaluate(seed=1, errors="ignore")


def test_weekly_series_are_in_the_summarys_units():
    out = evaluate(seed=1)
    df = weekly(seed=1)
    arm = df[df["arm"] == "intervention"].set_index("week")
    assert arm.loc[0, "composite_pct"] == pytest.approx(out["composite_baseline_pct"], abs=1e-9)
    assert arm.loc[52, "composite_pct"] == pytest.approx(out["composite_month12_pct"], abs=1e-9)
    assert arm.loc[52, "skill_clinical"] == pytest.approx(out["skill_clinical_month12"], abs=1e-12)


# --- the parameter table, SALib and EMA --------------------------------------------------------

def test_every_parameter_has_a_type_and_an_identifier_alias():
    for p in PARAMS:
        assert p.type in ("int", "float", "bool", "choice") and isinstance(p.default, p.kind)
        assert p.alias.isidentifier() and ALIASES[p.alias] == p.name
    assert PARAMS_BY_NAME["visits.interval_weeks"].type == "int"
    assert PARAMS_BY_NAME["echo.enabled"].type == "bool"
    assert PARAMS_BY_NAME["facilities.beds"].type == "float"


def test_params_json_carries_type_and_alias():
    out = subprocess.run([sys.executable, "-m", "mentorsim", "params", "--format", "json"], capture_output=True,
                         text=True, check=True, env={"PYTHONPATH": str(SRC), "PATH": ""}).stdout
    rows = {r["name"]: r for r in json.loads(out)}
    assert rows["visits.interval_weeks"]["type"] == "int"
    assert rows["visits.interval_weeks"]["alias"] == "visits__interval_weeks"
    assert len(rows) == len(PARAMS) and all({"type", "alias", "unit", "low", "high"} <= set(r) for r in rows.values())


def test_salib_and_ema_helpers_read_the_table():
    sp = salib_problem(["visits.interval_weeks", "facilities.leadership_mean"], bounds={"visits.interval_weeks": (4, 13)})
    assert sp["bounds"] == [[4.0, 13.0], [0.0, 1.0]]
    assert design_point(sp["names"], [6.6, 0.3]) == {"visits.interval_weeks": 7, "facilities.leadership_mean": 0.3}
    ema = ema_parameters(["visits.interval_weeks", "echo.enabled", "mentors.unavailable_prob"])
    assert [type(u).__name__ for u in ema] == ["IntegerParameter", "BooleanParameter", "RealParameter"]
    assert [u.name for u in ema] == ["visits__interval_weeks", "echo__enabled", "mentors__unavailable_prob"]
    with pytest.raises(InputError, match="did you mean"):
        salib_problem(["visits.interval_week"])
