"""The command line end to end."""

import json
import subprocess
import sys

import numpy as np
from conftest import SCENARIOS

from mentorsim.cli.main import main
from mentorsim.parameters.model_table import PARAMS

REQUIRED = ("composite_baseline_pct", "composite_month12_pct", "ssc_use_month12_pct", "ssi_rate_baseline_pct",
            "ssi_rate_end_pct", "survey_positive_pct", "survey_satisfied_pct",
            "survey_support_continuing_pct", "survey_great_extent_pct", "providers", "mentors", "visits_done",
            "echo_sessions", "echo_attendance_pct")


def test_run_json_has_the_promised_summary(capsys):
    assert main(["run", str(SCENARIOS / "ss2020.toml"), "--replicates", "3", "--seed", "7",
                 "--format", "json"]) == 0
    payload = json.loads(capsys.readouterr().out)
    s = payload["summary"]["ss2020"]
    for key in REQUIRED:
        assert isinstance(s[key], float), key
    assert s["providers"] > 100 and s["mentors"] >= 4 and s["visits_done"] > 0
    fac = s["facilities"]
    assert len(fac) == 10 and {"id", "level", "composite_baseline_pct", "composite_month12_pct"} <= set(fac[0])
    meta = payload["metadata"]
    assert meta["seed"] == 7 and meta["mentorsim_version"] and meta["git_commit"]
    assert meta["scenarios"]["ss2020"]["parameters"]["visits.interval_weeks"] == 9
    lo, hi = s["ci95"]["composite_month12_pct"]
    assert lo <= s["composite_month12_pct"] <= hi


def test_compare_writes_tables_plots_and_manifest(tmp_path, capsys):
    out = tmp_path / "cmp"
    code = main(["compare", str(SCENARIOS / "ss2020.toml"), str(SCENARIOS / "no_mentorship.toml"),
                 "--replicates", "3", "--out", str(out)])
    assert code == 0
    text = capsys.readouterr().out
    assert "ss2020" in text and "no_mentorship" in text and "[" in text
    for name in ("composite.png", "skills.png", "attendance.png", "summary.json", "summary.md",
                 "timeseries.csv", "outcomes_by_replicate.csv", "facilities.csv", "manifest.json"):
        assert (out / name).is_file(), name
    for png in out.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        import matplotlib.image as mpimg
        assert mpimg.imread(png).shape[0] > 100
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and "composite.png" in manifest["files"]
    assert not list(out.glob(".staging-*"))


def test_compare_uses_common_random_numbers(capsys):
    main(["compare", str(SCENARIOS / "ss2020.toml"), str(SCENARIOS / "in_person_only.toml"),
          "--replicates", "2", "--format", "json"])
    s = json.loads(capsys.readouterr().out)["summary"]
    assert s["ss2020"]["comparison_composite_month12_pct"] == s["in_person_only"]["comparison_composite_month12_pct"]
    assert s["ss2020"]["composite_baseline_pct"] == s["in_person_only"]["composite_baseline_pct"]


def test_params_lists_every_parameter(capsys):
    assert main(["params"]) == 0
    out = capsys.readouterr().out
    for p in PARAMS:
        assert p.name in out
    assert main(["params", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert len(rows) == len(PARAMS) and all(r["tag"] in ("cited", "assumption", "calibrated") for r in rows)


def test_console_script_and_unexpected_errors(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "mentorsim", "--version"], capture_output=True, text=True)
    assert proc.returncode == 0 and "mentorsim" in proc.stdout
    proc = subprocess.run([sys.executable, "-m", "mentorsim", "frobnicate"], capture_output=True, text=True)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr


def test_failed_output_never_looks_complete(tmp_path, monkeypatch, capsys):
    from mentorsim import plots

    def broken(*a, **k):
        raise RuntimeError("plotting failed")
    monkeypatch.setattr(plots, "attendance", broken)
    out = tmp_path / "o"
    assert main(["run", str(SCENARIOS / "ss2020.toml"), "--replicates", "1", "--out", str(out)]) == 1
    assert not (out / "manifest.json").exists() and not (out / "summary.json").exists()
    kept = list(out.glob(".incomplete-*"))
    assert kept and (kept[0] / "summary.json").exists()  # what was computed is kept aside
    assert "plotting failed" in capsys.readouterr().err


def test_summary_intervals_contain_replicates():
    from mentorsim import default_scenario, run
    res = run(default_scenario(), seed=2, replicates=6)
    table = res.outcome_table()
    s = res.summary()
    v = table["composite_month12_pct"].to_numpy()
    assert np.isclose(s["composite_month12_pct"], v.mean())
    lo, hi = s["range95"]["composite_month12_pct"]
    assert v.min() - 1e-9 <= lo <= np.median(v) <= hi <= v.max() + 1e-9
    clo, chi = s["ci95"]["composite_month12_pct"]
    assert clo < v.mean() < chi and (chi - clo) < (v.max() - v.min()) * 2
