"""Calibration: targets and configuration validation, the distance, parameter recovery, resume.

The quick tests use a small configuration (5 + 5 facilities, 12-month programme, no follow-up)
so that ABC-SMC runs in seconds; the full-size recovery study is marked slow.
"""

from __future__ import annotations

import math
import re
import tomllib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mentorsim.calibration.abc import (
    FAR,
    RmsZDistance,
    Simulator,
    generations_table,
    posterior_frame,
    rms_z,
    run_calibration,
    simulator_for,
    summarise_posterior,
    weighted_quantile,
)
from mentorsim.calibration.config import Target, load_config, proportion_se
from mentorsim.calibration.measures import outputs_of
from mentorsim.cli.main import main
from mentorsim.errors import InputError
from mentorsim.parameters import calibrated
from mentorsim.parameters.model_table import MODEL_PARAMS, PARAMS_BY_NAME
from mentorsim.runner import simulate

ROOT = Path(__file__).resolve().parents[1]
CONFIG = ROOT / "calibration" / "ss2020.toml"
SMALL_SCENARIO = """
[scenario]
name = "small"
[programme]
months = 13
survey_month = 12
[followup]
months = 0
[facilities]
intervention = 5
comparison = 5
"""
#: Known parameter values the quick recovery test must find again.
TRUTH = {"learning.visit_tacit_rate": 0.15, "learning.secular_rate": 0.008, "survey.leniency": 2.0}
RECOVERY_OUTPUTS = {  # target name -> (output, SE used for the synthetic target)
    "composite_month12": ("composite_month12_pct", 1.5),
    "comparison_month12": ("comparison_composite_month12_pct", 1.5),
    "did_safety": ("did_safety_pp", 2.0),
    "positive": ("survey_positive_pct", 2.0),
    "great_extent": ("survey_great_extent_pct", 2.0),
}


def _write_small(tmp: Path, truth=TRUTH, population=50, generations=5, replicates=1, workers=1,
                 extra_cal: str = "", targets: dict | None = None) -> Path:
    """A quick calibration whose targets are the model's own outputs at ``truth``."""
    (tmp / "small.toml").write_text(SMALL_SCENARIO)
    if targets is None:
        cfg0 = _config_text(truth, population, generations, replicates, workers, extra_cal)
        (tmp / "cal.toml").write_text(cfg0)
        (tmp / "targets.toml").write_text(_targets_text({k: (o, se, 50.0) for k, (o, se) in RECOVERY_OUTPUTS.items()}))
        cfg = load_config(tmp / "cal.toml")
        sim = simulator_for(cfg)
        at_truth = sim(truth)
        targets = {k: (o, se, at_truth[k]) for k, (o, se) in RECOVERY_OUTPUTS.items()}
    (tmp / "targets.toml").write_text(_targets_text(targets))
    (tmp / "cal.toml").write_text(_config_text(truth, population, generations, replicates, workers, extra_cal))
    return tmp / "cal.toml"


def _targets_text(targets: dict) -> str:
    out = []
    for name, (output, se, value) in targets.items():
        out.append(f'[targets.{name}]\noutput = "{output}"\nvalue = {value!r}\nse = {se}\n'
                   f'se_from = "synthetic"\nsource = "Assumption"\ndescription = "synthetic"\n')
    return "\n".join(out)


def _config_text(truth, population, generations, replicates, workers, extra_cal) -> str:
    lines = ['[calibration]', 'scenario = "small.toml"', 'targets = "targets.toml"', 'seed = 7',
             f'replicates = {replicates}', f'population = {population}', f'generations = {generations}',
             'min_epsilon = 0.0', 'min_acceptance_rate = 0.01', 'budget_evaluations = 100000',
             'budget_minutes = 30', f'workers = {workers}', 'predictive_draws = 10', 'quantile = 0.3', extra_cal, '']
    for name in truth:
        lines += [f'[parameters."{name}"]', 'prior = "uniform"', '']
    return "\n".join(lines)


# --- targets and configuration -------------------------------------------------------------------

def test_proportion_se_known_values():
    assert proportion_se(100.0, 25) == pytest.approx(100 * math.sqrt((27 / 29) * (2 / 29) / 29), rel=1e-12)
    assert proportion_se(100.0, 25) == pytest.approx(4.71, abs=0.01)
    assert proportion_se(75.0, 25) == pytest.approx(8.38, abs=0.01)
    # large n: close to the Wald standard error
    assert proportion_se(40.0, 100000) == pytest.approx(100 * math.sqrt(0.4 * 0.6 / 100000), rel=1e-3)


def test_shipped_configuration_loads_with_published_uncertainties():
    cfg = load_config(CONFIG)
    t = {x.name: x for x in cfg.targets}
    assert t["did_safety"].se == pytest.approx((33.7 - 7.2) / (2 * 1.96), abs=0.01)
    assert t["did_teamwork"].se == pytest.approx((60.8 - 5.7) / (2 * 1.96), abs=0.01)
    assert t["survey_positive"].se == pytest.approx(proportion_se(96, 25))
    assert t["ssc_use_december2018"].se == pytest.approx(math.hypot(proportion_se(98, 40), 5.0))
    assert all(x.se > 0 for x in cfg.targets)
    assert 6 <= len(cfg.priors) <= 12
    for p in cfg.priors:  # uniform on the declared ranges
        declared = next(q for q in MODEL_PARAMS if q.name == p.name)
        assert (p.low, p.high) == (declared.low, declared.high)
    # check targets rest on cited parameters that are not calibrated
    assert {x.name for x in cfg.targets if x.role == "check"} >= {"composite_baseline", "mortality"}


def test_dropping_followup_leaves_every_target_output_unchanged():
    cfg = load_config(CONFIG)
    outputs = sorted({t.output for t in cfg.targets})
    with_fu = dict(cfg.scenario.params) | {"followup.months": 24}
    a = outputs_of(simulate(with_fu, seed=3, replicate=0), outputs)
    b = outputs_of(simulate(dict(cfg.scenario.params), seed=3, replicate=0), outputs)
    assert a == b


BAD_CONFIGS = [
    ("calibration", "unknown_key = 1", "calibration.unknown_key"),
    ("calibration", "replicates = 0", "calibration.replicates"),
    ("calibration", 'distance = "euclid"', "calibration.distance"),
    ("calibration", "quantile = 1.5", "calibration.quantile"),
    ("calibration", 'point = "mode"', "calibration.point"),
    ("param", '[parameters."learning.no_such"]\nprior = "uniform"', "learning.no_such"),
    ("param", '[parameters."visits.enabled"]\nprior = "uniform"', "visits.enabled"),
    ("param", '[parameters."learning.peer_rate"]\nlow = 0.05', "why"),
    ("param", '[parameters."learning.peer_rate"]\nlow = 0.1\nhigh = 0.05\nwhy = "x"', "learning.peer_rate"),
    ("param", '[parameters."learning.peer_rate"]\nprior = "normal"', "prior"),
    ("fixed", '"learning.no_such" = 1', "learning.no_such"),
    ("fixed", '"learning.visit_tacit_rate" = 0.1', "learning.visit_tacit_rate"),
]


@pytest.mark.parametrize("where,text,key", BAD_CONFIGS)
def test_bad_configuration_is_one_line_exit_2(tmp_path, capsys, where, text, key):
    cfg = _write_small(tmp_path, targets={"a": ("did_safety_pp", 1.0, 20.0)})
    body = cfg.read_text()
    if where == "calibration":
        key_name = text.split("=")[0].strip()
        body = re.sub(rf"(?m)^{key_name} = .*\n", "", body)
        body = body.replace("[calibration]\n", f"[calibration]\n{text}\n", 1)
    elif where == "fixed":
        body = body.replace("\n[parameters.", f"\n[calibration.fixed]\n{text}\n\n[parameters.", 1)
    else:
        body += "\n" + text + "\n"
    cfg.write_text(body)
    assert main(["calibrate", str(cfg), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and key in err and str(cfg) in err
    assert not (tmp_path / "out").exists()


BAD_TARGETS = [
    ('output = "no_such_output"\nvalue = 1\nse = 1\nse_from = "x"', "output"),
    ('output = "did_safety_pp"\nvalue = 1\nse = 1', "se_from"),
    ('output = "did_safety_pp"\nvalue = 1\nse = 1\nn = 5\nse_from = "x"', "exactly one of n"),
    ('output = "did_safety_pp"\nvalue = 1\nse = -1\nse_from = "x"', ".se"),
    ('output = "survey_positive_pct"\nvalue = 120\nn = 25', ".value"),
    ('output = "did_safety_pp"\nvalue = 1\nse = 1\nse_from = "x"\nrole = "maybe"', ".role"),
    ('output = "did_safety_pp"\nvalue = "high"\nse = 1\nse_from = "x"', ".value"),
    ('output = "did_safety_pp"\nvalue = 1\nse = 1\nse_from = "x"\nside = "below"', ".side"),
    ('output = "did_safety_pp"\nvalue = 1\nse = 1\nse_from = "x"\ngroup = "survy"', ".group"),
    ('output = "did_safety_pp"\nvalue = 1\nse = 1\nse_from = "x"\ngroup = "g"\nsource = "IJQHC2021"\n'
     'description = "x"\n[groups.g]\neffective_targets = 2\nwhy = "x"', "groups.g.effective_targets"),
    ('output = "did_safety_pp"\nvalue = 1\nse = 1\nse_from = "x"\ngroup = "g"\nsource = "IJQHC2021"\n'
     'description = "x"\n[groups.g]\neffective_targets = 1', "groups.g"),
]


@pytest.mark.parametrize("body,key", BAD_TARGETS)
def test_bad_targets_are_one_line_exit_2(tmp_path, capsys, body, key):
    cfg = _write_small(tmp_path, targets={"a": ("did_safety_pp", 1.0, 20.0)})
    extra = "" if "source" in body else '\nsource = "IJQHC2021"\ndescription = "x"'
    (tmp_path / "targets.toml").write_text(f"[targets.bad]\n{body}{extra}\n")
    assert main(["calibrate", str(cfg), "--out", str(tmp_path / "out"), "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "targets.toml" in err and key in err


def test_bad_budget_and_missing_files_exit_2(tmp_path, capsys):
    cfg = _write_small(tmp_path, targets={"a": ("did_safety_pp", 1.0, 20.0)})
    assert main(["calibrate", str(cfg), "--budget", "soon", "--quiet"]) == 2
    assert "--budget" in capsys.readouterr().err
    assert main(["calibrate", str(tmp_path / "none.toml")]) == 2
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "broken.toml").write_text("[calibration\n")
    assert main(["calibrate", str(tmp_path / "broken.toml")]) == 2
    assert "not valid TOML" in capsys.readouterr().err


# --- the distance and weighted statistics ----------------------------------------------------------

def _t(name, value, se, role="fit"):
    return Target(name, "did_safety_pp", value, se, se, "", role, "IJQHC2021", "")


def test_rms_z_weights_each_target_by_its_uncertainty():
    targets = [_t("a", 10.0, 2.0), _t("b", 50.0, 10.0), _t("c", 0.0, 1.0, role="check")]
    assert rms_z({"a": 14.0, "b": 50.0}, targets[:2]) == pytest.approx(math.sqrt((2.0 ** 2 + 0) / 2))
    # a miss of 10 points matters five times less where the SE is five times larger
    assert rms_z({"a": 10.0, "b": 60.0}, targets[:2]) == pytest.approx(rms_z({"a": 12.0, "b": 50.0}, targets[:2]))
    assert rms_z({"a": float("nan"), "b": 50.0}, targets[:2]) == FAR
    dist = RmsZDistance(targets)  # check targets stay out of the distance
    assert dist({"a": 10.0, "b": 50.0, "c": 99.0}, {}) == 0.0


def test_simulated_targets_go_to_pyabc_as_one_array():
    """What pyABC stores of a particle is one array in the targets' order (one history row, not
    one a target); read back by name, and histories written one entry a target still read."""
    from mentorsim.calibration.abc import SIMULATED, packed, unpacked
    targets = [_t("a", 10.0, 2.0), _t("b", 50.0, 10.0), _t("c", 0.0, 1.0, role="check")]
    values = {"b": 50.0, "a": 14.0, "c": 99.0}
    p = packed(values, targets)
    assert list(p) == [SIMULATED] and p[SIMULATED].tolist() == [14.0, 50.0, 99.0]
    assert unpacked(p, targets) == values
    assert unpacked(values, targets) == values
    assert RmsZDistance(targets)(p, {}) == RmsZDistance(targets)(values, {}) == pytest.approx(math.sqrt(2.0))


def test_one_sided_pattern_counts_only_a_shortfall():
    t = replace(_t("r", 0.0, 0.33), side="above")
    assert t.z(0.6) == 0.0 and t.z(0.0) == 0.0
    assert t.z(-0.33) == pytest.approx(-1.0)
    assert t.interval95 == (0.0, math.inf)


def test_grouped_targets_share_the_group_weight():
    """Members of a group weigh effective_targets / members each: 12 survey items worth 2 weigh
    like 2 independent targets, however many items the group has."""
    a, b = _t("a", 0.0, 1.0), _t("b", 0.0, 1.0)
    items = [replace(_t(f"s{i}", 0.0, 1.0), group="survey", weight=2 / 12) for i in range(12)]
    sim = {"a": 1.0, "b": 1.0} | {f"s{i}": 3.0 for i in range(12)}
    two = [a, b, replace(_t("c", 0.0, 1.0)), replace(_t("d", 0.0, 1.0))]
    assert rms_z(sim, [a, b, *items]) == pytest.approx(rms_z(sim | {"c": 3.0, "d": 3.0}, two))
    cfg = load_config(CONFIG)
    survey = [t for t in cfg.fit_targets if t.group == "survey"]
    assert len(survey) == 12
    assert sum(t.weight for t in survey) == pytest.approx(2.0)
    assert all(t.weight == 1.0 for t in cfg.fit_targets if t.group is None)
    # the survey is a minority of the distance now (it was 12 of 16 equal weights)
    assert sum(t.weight for t in survey) / sum(t.weight for t in cfg.fit_targets) < 0.3


def test_probit_coordinates_keep_the_uniform_prior_and_round_trip():
    from mentorsim.calibration.abc import ProbitCoordinates
    cfg = load_config(CONFIG)
    c = ProbitCoordinates(cfg.priors)
    values = {p.name: p.low + 0.3 * (p.high - p.low) for p in cfg.priors}
    back = c.values(c.coords(values))
    assert all(back[k] == pytest.approx(v, rel=1e-12, abs=1e-15) for k, v in values.items())
    # a standard normal u maps to a uniform x on [low, high]
    u = np.random.default_rng(3).standard_normal(20000)
    p, first = cfg.priors[0], next(iter(c.coords(values)))
    x = np.array([c.values({k: (ui if k == first else 0.0) for k in c.coords(values)})[p.name] for ui in u])
    assert np.all((x > p.low) & (x < p.high))
    assert np.histogram(x, bins=5, range=(p.low, p.high))[0] / len(x) == pytest.approx(np.full(5, 0.2), abs=0.015)


def test_weighted_quantile_and_summary():
    v = np.array([1.0, 2.0, 3.0, 4.0])
    assert weighted_quantile(v, np.ones(4), 0.5) == pytest.approx(2.5)
    assert weighted_quantile(v, np.array([0, 0, 0, 1.0]), 0.5) == pytest.approx(4.0)
    post = pd.DataFrame({"x": [0.0, 1.0], "weight": [0.25, 0.75]})
    s = summarise_posterior(post, ["x"])["x"]
    assert s["mean"] == pytest.approx(0.75) and s["sd"] == pytest.approx(math.sqrt(0.75 * 0.25))


# --- ABC-SMC: parameter recovery, resume ---------------------------------------------------------

def _covers(post: pd.DataFrame, name: str, value: float, level: float = 0.99) -> bool:
    w = post["weight"].to_numpy()
    lo = weighted_quantile(post[name], w, (1 - level) / 2)
    hi = weighted_quantile(post[name], w, (1 + level) / 2)
    return lo <= value <= hi


def test_parameter_recovery_quick(tmp_path):
    """Targets simulated at known values are found again: the 99% posterior interval covers the
    truth, and the posterior is much narrower than the prior (the data taught it something)."""
    cfg_path = _write_small(tmp_path)
    cfg = load_config(cfg_path)
    state = run_calibration(cfg, tmp_path / "run", progress=False)
    assert len(state.generations) == 5
    eps = state.generations["epsilon"].to_numpy()
    assert np.isinf(eps[0]) and np.all(np.diff(eps[1:]) < 0)  # thresholds shrink
    post = posterior_frame(tmp_path / "run", cfg)
    assert post["weight"].sum() == pytest.approx(1.0)
    for p in cfg.priors:
        assert _covers(post, p.name, TRUTH[p.name]), p.name
        prior_sd = (p.high - p.low) / math.sqrt(12)
        assert summarise_posterior(post, [p.name])[p.name]["sd"] < 0.5 * prior_sd, p.name


class _Interrupting(Simulator):
    """The model, interrupted (as by Ctrl-C) after ``limit`` evaluations."""

    limit = 10**9

    def __call__(self, values):
        if self.counter is not None and self.counter.value >= self.limit:
            raise KeyboardInterrupt
        return super().__call__(values)


def test_interrupted_run_resumes_without_losing_generations(tmp_path, capsys):
    cfg = load_config(_write_small(tmp_path, population=30, generations=3, replicates=1))
    out = tmp_path / "run"
    sim = _Interrupting(cfg.scenario.params, cfg.targets, [cfg.seed])
    sim.limit = 30 + 45  # generation 0 (30) finishes, generation 1 is cut short
    with pytest.raises(KeyboardInterrupt):
        run_calibration(cfg, out, progress=False, simulator=sim)
    before = generations_table(out / "history.db")
    assert len(before) == 1
    kept = posterior_frame(out, cfg, t=0)

    # without --resume an existing history is refused rather than overwritten
    assert main(["calibrate", str(tmp_path / "cal.toml"), "--out", str(out), "--quiet"]) == 2
    assert "--resume" in capsys.readouterr().err

    state = run_calibration(cfg, out, resume=True, progress=False)
    after = state.generations
    assert len(after) == 3
    pd.testing.assert_frame_equal(after.iloc[:1][["t", "epsilon", "samples"]], before[["t", "epsilon", "samples"]])
    pd.testing.assert_frame_equal(posterior_frame(out, cfg, t=0), kept)
    assert [i["resume"] for i in state.invocations] == [False, True]
    assert state.invocations[0]["stop_reason"] == "interrupted"

    # a finished history can be extended further
    more = run_calibration(cfg.with_changes(generations=4), out, resume=True, progress=False)
    assert len(more.generations) == 4 and more.generations["samples"].iloc[:3].tolist() == after["samples"].tolist()


def test_resume_refuses_a_changed_configuration_or_a_missing_history(tmp_path, capsys):
    cfg_path = _write_small(tmp_path, population=20, generations=1, replicates=1)
    out = tmp_path / "run"
    assert main(["calibrate", str(cfg_path), "--out", str(out), "--resume", "--quiet"]) == 2
    assert "no finished generation" in capsys.readouterr().err
    run_calibration(load_config(cfg_path), out, progress=False)
    cfg_path.write_text(cfg_path.read_text().replace("seed = 7", "seed = 8"))
    assert main(["calibrate", str(cfg_path), "--out", str(out), "--resume", "--quiet"]) == 2
    assert "seed" in capsys.readouterr().err


def test_cli_writes_posterior_calibrated_defaults_and_report(tmp_path, capsys, monkeypatch):
    cfg_path = _write_small(tmp_path, population=24, generations=2, replicates=1, workers=2)
    out = tmp_path / "run"
    assert main(["calibrate", str(cfg_path), "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    assert "composite_month12" in printed
    cfg = load_config(cfg_path)
    post = pd.read_csv(out / "posterior.csv")
    assert list(post.columns) == list(cfg.parameter_names) + ["weight"]
    assert len(post) == 24 and post["weight"].sum() == pytest.approx(1.0)
    table = tomllib.loads((out / "calibrated.toml").read_text())
    assert set(table["parameters"]) == set(cfg.parameter_names)
    for name, entry in table["parameters"].items():
        p = cfg.priors[cfg.parameter_names.index(name)]
        lo, hi = entry["posterior_interval95"]
        assert p.low <= lo <= entry["default"] <= hi <= p.high
    assert table["calibration"]["seed"] == 7 and table["calibration"]["generations"] == 2
    # calibrated.py accepts the file: the defaults change and the tags become "calibrated"
    monkeypatch.setattr(calibrated, "load_calibrated", lambda: table)
    applied = {p.name: p for p in calibrated.apply_calibration(MODEL_PARAMS)}
    for name, entry in table["parameters"].items():
        assert applied[name].tag == "calibrated" and applied[name].default == pytest.approx(entry["default"])
    report = (out / "report" / "report.md").read_text()
    for t in cfg.targets:
        assert t.name in report
    for f in ("fit.png", "posteriors.png", "generations.png", "fit.csv", "manifest.json"):
        assert (out / "report" / f).is_file()
    fit = pd.read_csv(out / "report" / "fit.csv")
    assert set(fit["target"]) == {t.name for t in cfg.targets}
    # resuming with no budget rewrites the outputs without sampling
    assert main(["calibrate", str(cfg_path), "--out", str(out), "--resume", "--budget", "0", "--quiet"]) == 0
    assert len(generations_table(out / "history.db")) == 2


def test_installed_calibration_is_consistent():
    """The shipped calibrated defaults and posterior agree with each other and the table."""
    data = ROOT / "src" / "mentorsim" / "data"
    if not (data / "calibrated.toml").is_file():
        pytest.skip("the model has not been calibrated yet (no data/calibrated.toml)")
    table = tomllib.loads((data / "calibrated.toml").read_text())["parameters"]
    post = pd.read_csv(data / "posterior.csv")
    assert list(post.columns) == list(table) + ["weight"]
    assert post["weight"].sum() == pytest.approx(1.0, abs=1e-6)
    for name, entry in table.items():
        p = PARAMS_BY_NAME[name]
        assert p.tag == "calibrated" and p.default == pytest.approx(entry["default"])
        assert post[name].min() <= entry["default"] <= post[name].max()


@pytest.mark.slow
def test_parameter_recovery_full_size(tmp_path):
    """The shipped configuration's parameters and targets, with synthetic targets from known
    values (the shipped calibrated defaults, or the declared defaults): the 95% posterior
    interval covers each truth the targets identify."""
    cfg = load_config(CONFIG)
    truth = {p.name: PARAMS_BY_NAME[p.name].default for p in cfg.priors}
    sim = simulator_for(cfg)
    at_truth = sim(truth)
    targets = tuple(replace(t, value=at_truth[t.name]) if t.side == "two-sided" else t for t in cfg.targets)
    cfg = cfg.with_changes(targets=targets, population=200, generations=6, budget_minutes=20)
    run_calibration(cfg, tmp_path / "run", progress=False)
    post = posterior_frame(tmp_path / "run", cfg)
    missed = [n for n, v in truth.items() if not _covers(post, n, v, level=0.95)]
    # 11 intervals at 95% (pyABC's sampling is not seeded, so each run differs): misses ~
    # Binomial(11, 0.05) for a calibrated posterior, P(>= 2) = 10% (this check once allowed 1
    # and failed that often), P(>= 3) = 1.5%
    assert len(missed) <= 2, missed


def test_input_error_names_file_for_scenario_in_config(tmp_path):
    cfg = _write_small(tmp_path, targets={"a": ("did_safety_pp", 1.0, 20.0)})
    (tmp_path / "small.toml").write_text("[visits]\ninterval_weeks = 0\n")
    with pytest.raises(InputError, match="small.toml: visits.interval_weeks"):
        load_config(cfg)


def test_install_goes_where_the_package_reads():
    """--install writes into the directory parameters.calibrated and the PSA read (it once went to
    src/mentorsim/calibration/data after the re-layout, where nothing read it)."""
    from importlib import resources

    from mentorsim.calibration.abc import load_posterior, package_data_dir
    assert package_data_dir() == Path(str(resources.files("mentorsim").joinpath("data"))).resolve()
    post = load_posterior()
    cfg = load_config(CONFIG)
    assert post is not None and list(post.columns) == list(cfg.parameter_names) + ["weight"]


def test_calibrated_defaults_meet_every_fit_target():
    """With the installed calibrated defaults, every fit target's mean over replicates 0-3 of run
    seed 1 lies in its observed 95% interval (the fit report uses 20 replicates; the largest
    |z| there is 1.6). A model change that moves a target out fails here: recalibrate."""
    from mentorsim.calibration.report import defaults_check
    cfg = load_config(CONFIG)
    check = defaults_check(cfg, {}, replicates=4)
    misses = {}
    for t in cfg.fit_targets:
        mean = float(check[t.name].mean())
        lo, hi = t.interval95
        if not lo <= mean <= hi:
            misses[t.name] = (round(mean, 2), (round(lo, 1), hi))
    assert not misses, misses


def test_gain_context_measure_agrees_with_the_positive_deviance_summary():
    """The calibration's gain-context correlation is the one `run` reports (one replicate)."""
    from mentorsim.calibration.measures import gain_context_correlation
    from mentorsim.results import Results
    cfg = load_config(CONFIG)
    out = simulate(dict(cfg.scenario.params), seed=5, replicate=0)
    summary = Results(cfg.scenario, seed=5, runs=[out]).summary()
    assert gain_context_correlation(out) == pytest.approx(summary["positive_deviance"]["gain_context_correlation"])
