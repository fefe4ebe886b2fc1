"""The page's levers: each maps to a parameter and is checked as the CLI checks --set."""

import subprocess
import sys
from pathlib import Path

import pytest

from mentorsim.errors import InputError
from mentorsim.parameters.model_table import PARAMS_BY_NAME
from mentorsim.policy.levers import (
    LEVERS,
    PARAM_LEVERS,
    auto_name,
    base_scenario,
    check,
    from_query,
    initial_values,
    preset_scenario,
    presets,
    scenario_from_text,
    scenario_toml,
    to_query,
)
from mentorsim.scenario import load_scenario, shipped_scenarios


def test_every_lever_is_a_parameter_or_a_run_setting():
    for lever in LEVERS:
        assert lever.key in PARAMS_BY_NAME or lever.key in ("replicates", "seed")
    for key in ("visits.interval_weeks", "visits.days", "echo.interval_weeks", "echo.enabled",
                "whatsapp.enabled", "followup.whatsapp", "mentors.local_share", "facilities.intervention",
                "followup.months"):
        assert key in PARAM_LEVERS


def test_initial_values_are_ss2020_and_valid():
    values = initial_values()
    base = base_scenario()
    assert values["visits.interval_weeks"] == base.params["visits.interval_weeks"] == 9
    checked = check(values, base)
    assert checked.ok and checked.replicates == 20 and checked.seed == 1
    assert dict(checked.scenario.params) == dict(base.params)


def test_text_values_are_coerced_like_set():
    checked = check(dict(initial_values(), **{"visits.interval_weeks": "4", "mentors.local_share": "0.25"}))
    assert checked.ok
    assert checked.scenario.params["visits.interval_weeks"] == 4
    assert checked.scenario.params["mentors.local_share"] == 0.25


def test_bad_values_give_one_line_messages_beside_their_fields():
    values = dict(initial_values(), **{"visits.days": "abc", "echo.interval_weeks": "40", "replicates": "0",
                                       "seed": "-1", "facilities.intervention": "1000"})
    checked = check(values)
    assert not checked.ok and checked.scenario is None
    assert set(checked.field_errors) == {"visits.days", "echo.interval_weeks", "replicates", "seed",
                                         "facilities.intervention"}
    for key, msg in checked.field_errors.items():
        assert "\n" not in msg and key in msg
    assert "[1, 10]" in checked.field_errors["visits.days"]
    assert "[1, 12]" in checked.field_errors["echo.interval_weeks"]


def test_impossible_combination_is_reported_beside_the_lever_it_names():
    checked = check(dict(initial_values(), **{"visits.days": "10", "visits.interval_weeks": "1"}))
    assert not checked.ok
    assert "do not fit" in checked.field_errors["visits.days"]


def test_combination_naming_a_fixed_parameter_is_a_general_error():
    # local_share > 0 with handover at month 12 needs a programme longer than 12 months: fine here;
    # facilities.intervention=0 is refused by the page before the model's own check
    checked = check(dict(initial_values(), **{"facilities.intervention": "0"}))
    assert "facilities.intervention" in checked.field_errors


# --- presets, save and load, the address ---------------------------------------------------------

ROOT = Path(__file__).resolve().parents[1]


def test_one_preset_per_shipped_scenario_named_as_people_say_it():
    got = {p.key: p.title for p in presets()}
    assert set(got) == set(shipped_scenarios())
    assert got["ss2020"] == "As run (SS2020)" and next(iter(got)) == "ss2020"
    assert got["ss2020_weekly_echo"] == "Weekly ECHO"
    assert got["in_person_only"] == "In-person only"
    assert got["virtual_only"] == "Virtual only (COVID-19)"
    assert got["local_mentors"] == "Local mentors from the start"
    assert got["no_mentorship"] == "No mentorship"
    for p in presets():
        assert "_" not in p.title and p.description


def test_a_preset_gives_its_scenario_as_lever_values():
    for p in presets():
        sc = preset_scenario(p.key)
        checked = check(initial_values(sc), sc)
        assert checked.ok, (p.key, checked.field_errors, checked.general_error)
        assert dict(checked.scenario.params) == dict(sc.params)
    assert initial_values(preset_scenario("ss2020_weekly_echo"))["echo.interval_weeks"] == 1
    with pytest.raises(InputError, match="preset = 'nope'"):
        preset_scenario("nope")


def test_the_run_is_named_by_its_preset_and_what_changed():
    sc = preset_scenario("ss2020")
    assert auto_name(initial_values(sc), sc) == "As run (SS2020)"
    name = auto_name(dict(initial_values(sc), **{"visits.interval_weeks": "4"}), sc)
    assert name == "As run (SS2020), visit interval (weeks) 4"


def _changed_scenario():
    base = preset_scenario("local_mentors")
    values = dict(initial_values(base), **{"visits.interval_weeks": "4", "facilities.intervention": "2",
                                           "followup.months": "3"})
    checked = check(values, base, name="local_v4", title="Local mentors, visits every 4 weeks")
    assert checked.ok
    return checked.scenario


def test_saved_toml_loads_back_to_the_same_scenario():
    sc = _changed_scenario()
    text = scenario_toml(sc, replicates=2, seed=7)
    back = scenario_from_text(text)
    assert dict(back.params) == dict(sc.params)
    assert back.label == "Local mentors, visits every 4 weeks"
    # the non-lever parameters of the preset travel with it
    assert back.params["mentors.handover_month"] == 0 and back.params["followup.local_visit_interval_weeks"] == 13
    assert "--seed 7 --replicates 2" in text


def test_a_bad_uploaded_file_gives_one_line():
    for text, needle in (("[visits\ninterval_weeks = 4", "not valid TOML"),
                         ("[visits]\ninterval_weeks = 400\n", "visits.interval_weeks"),
                         (b"\xff\xfe\x00", "not a text file")):
        with pytest.raises(InputError) as exc:
            scenario_from_text(text, source="mine.toml")
        assert needle in str(exc.value) and "mine.toml" in str(exc.value) and "\n" not in str(exc.value)


def test_saved_toml_runs_in_the_cli(tmp_path):
    sc = _changed_scenario()
    path = tmp_path / "saved.toml"
    path.write_text(scenario_toml(sc, replicates=1, seed=3))
    assert dict(load_scenario(path).params) == dict(sc.params)
    env = {"PYTHONPATH": str(ROOT / "src"), "PATH": "/usr/bin:/bin"}
    out = subprocess.run([sys.executable, "-m", "mentorsim", "run", str(path), "--replicates", "1", "--seed", "3",
                          "--format", "json"], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "composite_month12_pct" in out.stdout


def test_the_address_restores_preset_levers_and_run_settings():
    sc = _changed_scenario()
    query = to_query(sc, "local_mentors", replicates=5, seed=9, name="mine")
    assert query.startswith("preset=local_mentors&") and "visits.interval_weeks=4" in query
    assert "mentors.handover_month" not in query  # the preset's own settings are not repeated
    state = from_query(query)
    assert state.preset == "local_mentors" and state.name == "mine"
    assert state.values["visits.interval_weeks"] == "4" and state.values["replicates"] == "5"
    assert state.values["seed"] == "9"
    again = check(state.values, state.base)
    assert again.ok and dict(again.scenario.params) == dict(sc.params)
    # a parameter that is no lever travels in the address too (a loaded file may set one)
    moved = sc.with_params({"mentors.teams": 2})
    state = from_query(to_query(moved, "local_mentors", 20, 1))
    assert dict(check(state.values, state.base).scenario.params) == dict(moved.params)
    assert from_query("").preset == "ss2020" and from_query(None).values["seed"] == "1"


def test_a_bad_address_names_the_key():
    with pytest.raises(InputError, match="bogus"):
        from_query("preset=ss2020&bogus=1")
    with pytest.raises(InputError, match="preset = 'nope'"):
        from_query("preset=nope")
    with pytest.raises(InputError, match="mentors.teams"):
        from_query("mentors.teams=-3")
