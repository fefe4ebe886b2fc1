"""``mentorsim voi FILE.csv``: known answers through the command, and bad CSVs (one line, exit 2)."""

import json

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from mentorsim.cli.main import main


def psa_frame(n=800, seed=3):
    """Two strategies; at wtp 1 the incremental NMB of 'echo' is -0.5 + 2 a + b + noise; c unrelated."""
    rng = np.random.default_rng(seed)
    a, b, c, eps = rng.normal(size=(4, n))
    return pd.DataFrame({"draw": range(n), "cost.none": 0.0, "effect.none": 0.0, "cost.echo": 1.0,
                         "effect.echo": 0.5 + 2 * a + b + eps, "a": a, "b": b, "c": c})


def write(tmp_path, frame, name="psa.csv", **kw):
    path = tmp_path / name
    frame.to_csv(path, index=False, **kw)
    return path


def test_json_has_evpi_and_evppi_per_wtp(tmp_path, capsys):
    f = psa_frame()
    assert main(["voi", str(write(tmp_path, f)), "--wtp", "1", "2", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["evpi"]) == {"1", "2"}
    assert set(out["evppi"]) == {"a", "b", "c"}  # draw is an identifier, not a parameter
    inb = -0.5 + 2 * f["a"] + f["b"] + (f["effect.echo"] - 0.5 - 2 * f["a"] - f["b"])
    assert out["evpi"]["1"] == pytest.approx(float(np.maximum(inb, 0).mean() - max(inb.mean(), 0)))
    a = out["evppi"]["a"]["values"]["1"]
    assert a["evppi"] == pytest.approx(2 * norm.pdf(0.25) - 0.5 * norm.cdf(-0.25), abs=0.12)
    assert a["clear"] and not out["evppi"]["c"]["values"]["1"]["clear"]
    assert a["evppi"] <= out["evpi"]["1"]


def test_groups_population_and_table(tmp_path, capsys):
    path = write(tmp_path, psa_frame())
    assert main(["voi", str(path), "--wtp", "1", "--groups", "a+b,c", "--population", "4",
                 "--horizon-years", "5", "--discount", "0", "--format", "json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert set(out["evppi"]) == {"a+b", "c"}
    assert out["evppi"]["a+b"]["method"] == "tensor"
    assert out["population"]["multiplier"] == pytest.approx(20.0)
    assert out["population"]["evpi"]["1"] == pytest.approx(20 * out["evpi"]["1"])
    assert main(["voi", str(path), "--wtp", "1", "--parameters", "a", "--out", str(tmp_path / "o")]) == 0
    text = capsys.readouterr().out
    assert "EVPPI a" in text and "EVPPI b" not in text
    assert (tmp_path / "o" / "evppi.png").stat().st_size > 5000
    assert set(pd.read_csv(tmp_path / "o" / "evppi.csv")["name"]) == {"a"}


def test_bom_is_accepted(tmp_path, capsys):
    path = write(tmp_path, psa_frame(n=60), encoding="utf-8-sig")
    assert main(["voi", str(path), "--wtp", "1", "--parameters", "a"]) == 0



@pytest.mark.parametrize("edit, needle", [
    (lambda f: f.drop(columns=["cost.none", "cost.echo", "effect.none", "effect.echo"]), "no strategies"),
    (lambda f: f.drop(columns=["effect.echo"]), "cost.echo: has no matching column effect.echo"),
    (lambda f: f.drop(columns=["cost.none", "effect.none"]), "only one strategy"),
    (lambda f: f.assign(b=["x"] + list(f["b"][1:])), "row 1 b = 'x': not a number"),
    (lambda f: f.assign(a=[np.nan] + list(f["a"][1:])), "row 1 a: missing or not finite"),
    (lambda f: f.head(10), "10 rows; need at least 30"),
])
def test_bad_csvs_exit_2_in_one_line(tmp_path, capsys, edit, needle):
    path = write(tmp_path, edit(psa_frame()))
    assert main(["voi", str(path), "--wtp", "1"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and needle in err and str(path) in err


@pytest.mark.parametrize("argv, needle", [
    (["--parameters", "aa"], "no parameter column named 'aa'; did you mean a?"),
    (["--groups", "a+bb"], "did you mean b?"),
    (["--groups", "a+,"], "empty group"),
    (["--population", "-3"], "--population = -3.0: must be a positive"),
    (["--population", "3", "--discount", "0.5"], "--discount"),
    (["--horizon-years", "3"], "go with --population"),
    (["--wtp", "abc"], "--wtp = 'abc'"),
])
def test_bad_options_exit_2(tmp_path, capsys, argv, needle):
    path = write(tmp_path, psa_frame(n=60))
    argv = ["voi", str(path)] + (argv if "--wtp" in argv else ["--wtp", "1"] + argv)
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and needle in err


def test_missing_and_empty_files(tmp_path, capsys):
    assert main(["voi", str(tmp_path / "nope.csv"), "--wtp", "1"]) == 2
    assert "no such CSV file" in capsys.readouterr().err
    (tmp_path / "empty.csv").write_text("")
    assert main(["voi", str(tmp_path / "empty.csv"), "--wtp", "1"]) == 2
    assert "empty file" in capsys.readouterr().err
