"""The sweep, sensitivity and plan-pool commands as a person uses them: exit codes, one-line
errors, what is printed and what is written."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

from mentorsim.cli.main import main

PI = 3.141592653589793


def ishigami_file(tmp_path: Path, method="sobol", extra="n = 64") -> Path:
    p = tmp_path / "ish.toml"
    p.write_text(f"""
[experiment]
name = "ish"
seed = 2
outputs = ["y"]
target = "mentorsim.experiments.testfunctions:ishigami"
[design]
method = "{method}"
{extra}
[parameters]
x1 = {{ low = {-PI}, high = {PI} }}
x2 = {{ low = {-PI}, high = {PI} }}
x3 = {{ low = {-PI}, high = {PI} }}
""")
    return p


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "Traceback" not in err
    return err


@pytest.mark.parametrize("text,words", [
    ('[experiment]\noutputs = ["y"]\n[design]\nmethod = "grid"\n[parameters]\n"visits.dayz" = { values = [1] }\n',
     "parameters.visits.dayz: unknown parameter"),
    ('[experiment]\noutputs = ["y"]\n[design]\nmethod = "grid"\n[parameters]\n"visits.days" = { values = [1] }\n',
     "experiment.outputs = 'y': unknown output"),
    ('[experiment]\noutputs = ["mentor_days"]\n[design]\nmethod = "lhs"\nn = 5\n[parameters]\n'
     '"visits.days" = { low = 0, high = 3 }\n', "parameters.visits.days.low = 0.0: outside the parameter's declared range"),
])
def test_bad_experiment_file_exit_2_one_line(tmp_path, capsys, text, words):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    for command in ("sweep", "sensitivity"):
        assert main([command, str(path), "--out", str(tmp_path / "o")]) == 2
        err = one_error_line(capsys)
        assert str(path) in err and words in err, err
    assert not (tmp_path / "o").exists()


def test_bad_options_exit_2(tmp_path, capsys):
    path = ishigami_file(tmp_path)
    assert main(["sweep", str(path), "--workers", "0"]) == 2
    assert "--workers" in one_error_line(capsys)
    assert main(["sweep", str(path), "--workers", "2", "--scheduler", "tcp://127.0.0.1:9"]) == 2
    assert "not both" in one_error_line(capsys)
    assert main(["sweep", str(tmp_path / "none.toml")]) == 2
    assert "no such experiment file" in one_error_line(capsys)


def test_sweep_then_resume_then_refuse_without_resume(tmp_path, capsys):
    path = ishigami_file(tmp_path, "lhs", "n = 12")
    out = tmp_path / "out"
    assert main(["sweep", str(path), "--out", str(out), "--workers", "1"]) == 0
    printed = capsys.readouterr().out
    assert "ish: 12 of 12 runs done, 0 failed (12 run now" in printed
    for f in ("runs.sqlite", "runs.csv", "runs.parquet", "points.csv", "ish.png", "manifest.json"):
        assert (out / f).exists(), f
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["metadata"]["seed"] == 2 and manifest["metadata"]["runs_done"] == 12
    assert len(pd.read_csv(out / "runs.csv")) == 12
    assert main(["sweep", str(path), "--out", str(out)]) == 2
    assert "add --resume" in one_error_line(capsys)
    assert main(["sweep", str(path), "--out", str(out), "--resume", "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["ran_now"] == 0 and payload["already_stored"] == 12 and payload["complete"]


def test_sensitivity_command_prints_and_writes_indices(tmp_path, capsys):
    path = ishigami_file(tmp_path)
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--out", str(out), "--workers", "2"]) == 0
    printed = capsys.readouterr().out
    assert "S1 (first order)" in printed and "largest interactions (S2): x1 x x3" in printed
    sens = out / "sensitivity"
    for f in ("indices.csv", "indices.json", "indices.png", "second_order.png", "second_order.csv", "manifest.json"):
        assert (sens / f).exists(), f
    data = json.loads((sens / "indices.json").read_text())
    assert set(data["indices"]["y"]) == {"S1", "ST", "S2"}
    # a second call reuses the stored sweep
    assert main(["sensitivity", str(path), "--out", str(out), "--workers", "1", "--format", "json"]) == 0
    assert json.loads(capsys.readouterr().out)["indices"]["y"]["ST"]["x2"] == data["indices"]["y"]["ST"]["x2"]


def test_sensitivity_of_a_grid_is_refused(tmp_path, capsys):
    p = tmp_path / "g.toml"
    p.write_text('[experiment]\noutputs = ["y"]\ntarget = "mentorsim.experiments.testfunctions:ishigami"\n'
                 '[design]\nmethod = "grid"\n[parameters]\nx1 = { values = [0, 1] }\n')
    assert main(["sensitivity", str(p)]) == 2
    assert "design.method = 'grid'" in one_error_line(capsys)


def test_plan_pool_prints_a_recommendation_and_writes_a_plot(tmp_path, capsys):
    out = tmp_path / "plan"
    assert main(["plan-pool", "--facilities", "10", "--visit-interval-weeks", "9", "--local-share", "0.5",
                 "--years", "1.5", "--replicates", "4", "--target", "0.75", "--workers", "1",
                 "--out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "Mentor days needed a year" in printed and "Cost a year: US$" in printed
    assert "Recommended:" in printed or "NOT reached" in printed
    assert "ward_nursing     local" in printed
    plan = json.loads((out / "plan.json").read_text())
    assert plan["curve"] and (out / "coverage.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "manifest.json").exists()


@pytest.mark.parametrize("args,words", [
    (["--facilities", "0", "--visit-interval-weeks", "9"], "--facilities"),
    (["--facilities", "10", "--visit-interval-weeks", "99"], "--visit-interval-weeks"),
    (["--facilities", "10", "--visit-interval-weeks", "9", "--local-share", "1.5"], "--local-share"),
    (["--facilities", "10", "--visit-interval-weeks", "9", "--target", "0"], "--target"),
    (["--facilities", "10", "--visit-interval-weeks", "9", "--years", "0.5"], "mentors.handover_month"),
    (["--facilities", "10", "--visit-interval-weeks", "9", "--set", "visits.dayz=2"], "visits.dayz"),
    (["--visit-interval-weeks", "9"], "--facilities"),
])
def test_plan_pool_bad_input_exit_2(capsys, args, words):
    assert main(["plan-pool", *args]) == 2
    assert words in one_error_line(capsys)
