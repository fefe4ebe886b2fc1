"""Scenario files: every shipped one loads; every kind of bad input gives one clear line and
exit code 2, with no traceback."""

import subprocess
import sys

import pytest
from conftest import ROOT, SCENARIOS

from mentorsim.cli.main import main
from mentorsim.errors import InputError
from mentorsim.parameters.model_table import PARAMS, defaults
from mentorsim.scenario import load_scenario

SHIPPED = ("ss2020", "ss2020_weekly_echo", "in_person_only", "virtual_only", "local_mentors", "no_mentorship")


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenarios_load(name):
    sc = load_scenario(SCENARIOS / f"{name}.toml")
    assert sc.name == name and sc.description
    assert set(sc.params) == {p.name for p in PARAMS}


def test_scenarios_differ_as_described():
    weekly = load_scenario(SCENARIOS / "ss2020_weekly_echo.toml").params
    assert weekly["echo.interval_weeks"] == 1
    assert load_scenario(SCENARIOS / "in_person_only.toml").params["echo.enabled"] is False
    assert load_scenario(SCENARIOS / "virtual_only.toml").params["visits.enabled"] is False
    assert load_scenario(SCENARIOS / "local_mentors.toml").params["mentors.handover_month"] == 0
    nm = load_scenario(SCENARIOS / "no_mentorship.toml").params
    assert not (nm["visits.enabled"] or nm["echo.enabled"] or nm["whatsapp.enabled"])


BAD = {
    "unknown_key": ("[visits]\ninterval_week = 4\n", "visits.interval_week", "interval_weeks"),
    "unknown_section": ("[visit]\ninterval_weeks = 4\n", "visit", "allowed"),
    "wrong_type": ('[visits]\ninterval_weeks = "often"\n', "visits.interval_weeks", "number"),
    "bool_type": ("[echo]\nenabled = 3\n", "echo.enabled", "true or false"),
    "not_whole": ("[visits]\ninterval_weeks = 4.5\n", "visits.interval_weeks", "whole number"),
    "out_of_range": ("[visits]\ninterval_weeks = 200\n", "visits.interval_weeks", "[1, 52]"),
    "negative": ("[staff]\nannual_attrition = -0.1\n", "staff.annual_attrition", "[0, 0.5]"),
    "impossible": ("[visits]\ndays = 10\n[mentors]\navailable_days_per_month = 6\n", "visits.days",
                   "exceed"),
    "tracks": ("[visits]\ntrack_clinical_share = 0.8\ntrack_data_share = 0.5\n", "track", "at most 1"),
    "survey_late": ("[programme]\nmonths = 12\n", "programme.survey_month", "within the programme"),
    "malformed": ("[visits\ninterval_weeks = 4\n", "", "not valid TOML"),
    "nested": ("[visits.more]\nx = 1\n", "visits.more", "nested"),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_bad_scenarios_give_one_line(tmp_path, capsys, case):
    text, key, allowed = BAD[case]
    path = tmp_path / f"{case}.toml"
    path.write_text(text)
    with pytest.raises(InputError):
        load_scenario(path)
    code = main(["run", str(path), "--replicates", "1"])
    err = capsys.readouterr().err.strip()
    assert code == 2
    assert len(err.splitlines()) == 1, err
    assert str(path) in err and key in err and allowed in err, err


def test_missing_file_and_bad_set(tmp_path, capsys):
    assert main(["run", str(tmp_path / "nope.toml")]) == 2
    assert "no such scenario file" in capsys.readouterr().err
    assert main(["run", str(SCENARIOS / "ss2020.toml"), "--set", "visits.interval_weeks=0"]) == 2
    err = capsys.readouterr().err
    assert "--set" in err and "visits.interval_weeks" in err
    assert main(["run", str(SCENARIOS / "ss2020.toml"), "--set", "novalue"]) == 2
    assert main(["run", str(SCENARIOS / "ss2020.toml"), "--replicates", "0"]) == 2


def test_bad_input_exit_code_without_traceback(tmp_path):
    path = tmp_path / "bad.toml"
    path.write_text("[echo]\ninterval_weeks = 0\n")
    proc = subprocess.run([sys.executable, "-m", "mentorsim", "run", str(path)], capture_output=True,
                          text=True, cwd=ROOT)
    assert proc.returncode == 2
    assert "Traceback" not in proc.stderr
    assert proc.stderr.strip().count("\n") == 0 and "echo.interval_weeks" in proc.stderr


def test_set_overrides_apply():
    sc = load_scenario(SCENARIOS / "ss2020.toml", ["visits.interval_weeks=4", "echo.enabled=false"])
    assert sc.params["visits.interval_weeks"] == 4 and sc.params["echo.enabled"] is False
    assert defaults()["visits.interval_weeks"] == 9  # the table itself is untouched


def test_the_shipped_no_mentorship_scenario_is_the_economic_comparator():
    # one definition of "no mentorship": the scenario file users run is what the economics compare against
    from mentorsim.economics.evaluation import is_comparator
    assert is_comparator(load_scenario(SCENARIOS / "no_mentorship.toml").params)
