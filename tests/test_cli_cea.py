"""The cea and icers commands end to end: tables, JSON, files, bad input as one line and exit 2."""

import json

import pytest

from mentorsim.cli.main import main


def write(tmp_path, text, name="s.csv"):
    path = tmp_path / name
    path.write_text(text)
    return path


GOOD = "strategy,cost,effect\nA,0,0\nB,100,10\nC,150,11\nD,300,20\nE,200,5\n"


def test_icers_table(tmp_path, capsys):
    assert main(["icers", str(write(tmp_path, GOOD))]) == 0
    out = capsys.readouterr().out
    lines = {ln.split()[0]: ln for ln in out.splitlines() if ln[:1] in "ABCDE" and ln.split()[0] in "ABCDE"}
    assert "extendedly dominated" in lines["C"] and "dominated" in lines["E"]
    assert "frontier" in lines["D"] and lines["D"].split()[-1] == "20"


def test_icers_json_and_wtp(tmp_path, capsys):
    assert main(["icers", str(write(tmp_path, GOOD)), "--format", "json", "--wtp", "15", "25"]) == 0
    data = json.loads(capsys.readouterr().out)
    st = {r["strategy"]: r for r in data["strategies"]}
    assert st["B"]["icer"] == 10 and st["A"]["icer"] is None and st["C"]["status"] == "extendedly dominated"
    assert [r["best"] for r in data["net_monetary_benefit"]] == ["B", "D"]


@pytest.mark.parametrize("text,needle", [
    ("strategy,cost\nA,1\n", "missing column 'effect'"),
    ("strategy,cost,effect\nA,1,2\nB,abc,3\n", "row 2 (B) cost = 'abc': must be a number"),
    ("strategy,cost,effect\nA,1,2\nA,3,4\n", "appears twice"),
    ("", "empty file"),
    ("strategy,cost,effect\n", "no strategies"),
    ("strategy,cost,effect\nA,,2\n", "must be a number"),
])
def test_icers_bad_csv(tmp_path, capsys, text, needle):
    assert main(["icers", str(write(tmp_path, text))]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1 and "Traceback" not in err
    assert "s.csv" in err


def test_icers_missing_file(tmp_path, capsys):
    assert main(["icers", str(tmp_path / "nope.csv")]) == 2
    assert "no such file" in capsys.readouterr().err


SHORT = ["--set", "followup.months=12", "--set", "facilities.comparison=2"]


def test_cea_end_to_end(tmp_path, capsys):
    out = tmp_path / "cea"
    code = main(["cea", "scenarios/ss2020.toml", "scenarios/virtual_only.toml", "--replicates", "2",
                 "--seed", "3", "--psa", "2", "--workers", "1", "--sensitivity-replicates", "0",
                 "--out", str(out), *SHORT])
    assert code == 0
    text = capsys.readouterr().out
    assert "USD, 2018 prices" in text and "no_mentorship" in text and "1 x GDP per capita" in text
    for f in ("cea.json", "cea.md", "icers_dalys_averted.csv", "costs_by_item.csv",
              "costs_by_facility_month.csv", "retention.csv", "mentor_pool_by_month.csv", "psa_draws.csv",
              "ceac.csv", "ce_plane.png", "ceac.png", "cost_breakdown.png", "retained_gain.png",
              "mentor_pool.png", "manifest.json"):
        assert (out / f).is_file(), f
    report = json.loads((out / "cea.json").read_text())
    assert report["currency"] == "USD, 2018 prices" and report["metadata"]["seed"] == 3
    assert len(report["wtp_usd_per_daly"]) >= 3
    assert {r["strategy"] for r in report["strategies"]} == {"no_mentorship", "ss2020", "virtual_only"}
    for row in report["psa"]["by_wtp"]:
        assert sum(row[s] for s in report["psa"]["strategies"]) == pytest.approx(1.0)
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] is True


def test_cea_shows_deterministic_and_probabilistic_with_the_reason(tmp_path, capsys):
    """`cea --psa` prints the verdict, both results side by side, the agreement per wtp and a
    'Why:' line; --out adds the CHEERS checklist to cea.md."""
    out = tmp_path / "cea"
    code = main(["cea", "scenarios/ss2020.toml", "--replicates", "2", "--seed", "3", "--psa", "4",
                 "--workers", "1", "--sensitivity-replicates", "0", "--out", str(out), *SHORT])
    assert code == 0
    text = capsys.readouterr().out
    assert text.startswith("Verdict: ss2020 costs")
    assert "Deterministic (base case) and probabilistic (PSA mean) results side by side" in text
    assert "DALYs averted, base case" in text and "DALYs averted, PSA mean" in text
    assert "\nWhy: " in text
    report = json.loads((out / "cea.json").read_text())
    cmp_ = report["deterministic_vs_probabilistic"]
    assert {r["strategy"] for r in cmp_["strategies"]} == {"no_mentorship", "ss2020"}
    assert report["psa"]["posterior_used"] is True  # the posterior is the default
    assert set(report["verdict"]["probability"]) == {"0.34", "0.5", "1.0"}
    md = (out / "cea.md").read_text()
    assert "## CHEERS 2022 checklist" in md and "Currency and price year: USD, 2018 prices" in md


@pytest.mark.slow
def test_cea_sensitivity_outputs(tmp_path, capsys):
    out = tmp_path / "cea"
    code = main(["cea", "scenarios/ss2020.toml", "--replicates", "2", "--seed", "3", "--psa", "30",
                 "--workers", "1", "--sensitivity-replicates", "1", "--out", str(out), *SHORT])
    assert code == 0
    for f in ("oneway_nmb.csv", "tornado.png", "twoway_nmb.csv", "twoway_nmb.png", "scenario_analyses.csv",
              "evppi.csv", "evppi.png", "icers_psa.csv", "sensitivity.md"):
        assert (out / f).is_file(), f
    text = capsys.readouterr().out
    assert "One-way sensitivity of ss2020" in text and "Scenario analyses" in text
    assert "ssi.relative_risk_full" in (out / "oneway_nmb.csv").read_text()


def test_cea_json_without_out(capsys):
    assert main(["cea", "scenarios/in_person_only.toml", "--replicates", "1", "--format", "json",
                 "--wtp", "0.34x", "1000", *SHORT]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["wtp_usd_per_daly"] == pytest.approx([344.08, 1000.0])
    assert data["icers"]["dalys_averted"][0]["strategy"] == "no_mentorship"


@pytest.mark.parametrize("args,needle", [
    (["--wtp", "cheap"], "--wtp"),
    (["--wtp", "-5"], "non-negative"),
    (["--psa", "-1"], "--psa"),
    (["--replicates", "0"], "--replicates"),
])
def test_cea_bad_options(capsys, args, needle):
    assert main(["cea", "scenarios/ss2020.toml", *args]) == 2
    err = capsys.readouterr().err.strip()
    assert needle in err and len(err.splitlines()) == 1


def test_default_wtp_follows_the_opportunity_cost_parameter():
    from mentorsim.cli.cea import parse_wtp
    assert parse_wtp(None, 1000.0, 0.34) == pytest.approx([340.0, 500.0, 1000.0, 3000.0])
    assert parse_wtp(None, 1000.0, 0.2) == pytest.approx([200.0, 500.0, 1000.0, 3000.0])
    assert parse_wtp(["2x", "750"], 1000.0, 0.34) == pytest.approx([750.0, 2000.0])
