"""Experiments draw the calibrated parameters they do not vary from the posterior (issue 12).

Checked: the option's validation (one line, did-you-mean); which parameters are drawn; draws
are joint (whole posterior rows: the posterior's strongest correlation is kept, and lost with
independent "ranges" draws); reproducible from the seed alone; the same on resume as in one go;
"fixed" gives exactly what runner.evaluate gives on the design point (today's results) for the
shipped grid experiments; a design varying calibrated parameters is announced on stderr and in
the manifest.
"""

from __future__ import annotations

import json
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from mentorsim.economics.psa import load_posterior
from mentorsim.errors import InputError
from mentorsim.executors import SerialExecutor
from mentorsim.experiments.designs import build_design, calibrated_draws
from mentorsim.experiments.experiment import (
    POSTERIOR_ROW,
    calibration_notice,
    experiment_from_dict,
    load_experiment,
)
from mentorsim.experiments.sweep import chunked, run_sweep
from mentorsim.parameters.model_table import PARAMS_BY_NAME
from mentorsim.runner import evaluate
from mentorsim.scenario import default_scenario

ROOT = Path(__file__).resolve().parents[1]
EXPERIMENTS = ROOT / "experiments"
CALIBRATED = [n for n, p in PARAMS_BY_NAME.items() if p.tag == "calibrated"]
#: Tiny model runs: two facilities an arm, a 14-month programme (the survey month) and 2 months after.
TINY = {"facilities.intervention": 2, "facilities.comparison": 2, "programme.months": 14, "followup.months": 2}


def exp_dict(calibrated=None, method="grid", params=None, replicates=2, seed=5, fixed=None) -> dict:
    design = {"method": method} | ({"calibrated": calibrated} if calibrated is not None else {})
    if method == "lhs":
        design["n"] = 2
    return {"experiment": {"seed": seed, "replicates": replicates, "outputs": ["composite_month12_pct"]},
            "fixed": dict(TINY) | (fixed or {}), "design": design,
            "parameters": params or {"visits.interval_weeks": {"values": [4, 9]}}}


def make(tmp_path: Path, **kw):
    path = tmp_path / "exp.toml"
    return experiment_from_dict(exp_dict(**kw), str(path), base_dir=tmp_path)


# -- the option ---------------------------------------------------------------------------------
def test_default_is_posterior_for_the_model_and_fixed_for_a_callable(tmp_path):
    exp = make(tmp_path)
    assert exp.calibrated == "posterior"
    assert set(exp.drawn) == set(CALIBRATED) and exp.drawn  # the model has calibrated parameters
    ishigami = load_experiment(EXPERIMENTS / "ishigami_check.toml")
    assert ishigami.calibrated == "fixed" and ishigami.drawn == ()


def test_bad_option_value_is_one_line_with_a_suggestion(tmp_path):
    with pytest.raises(InputError) as err:
        make(tmp_path, calibrated="posterier")
    msg = str(err.value)
    assert "\n" not in msg
    assert "design.calibrated" in msg and "'posterier'" in msg
    assert "allowed: posterior, ranges, fixed" in msg and "did you mean posterior?" in msg
    with pytest.raises(InputError, match="design.calibrated"):
        make(tmp_path, calibrated=3)


def test_a_callable_takes_fixed_only():
    data = {"experiment": {"outputs": ["y"], "target": "mentorsim.experiments.testfunctions:ishigami"},
            "design": {"method": "lhs", "n": 4, "calibrated": "posterior"},
            "parameters": {"x1": {"low": 0, "high": 1}}}
    with pytest.raises(InputError, match="applies to the model only"):
        experiment_from_dict(data, "c.toml")


def test_drawn_leaves_out_what_the_design_varies_or_the_file_fixes(tmp_path):
    exp = make(tmp_path, params={"learning.trust_rate": {"values": [0.1, 0.2]}},
               fixed={"learning.secular_rate": 0.01})
    assert "learning.trust_rate" not in exp.drawn and "learning.secular_rate" not in exp.drawn
    assert set(exp.drawn) == set(CALIBRATED) - {"learning.trust_rate", "learning.secular_rate"}
    assert exp.calibrated_varied == ("learning.trust_rate",)
    assert make(tmp_path, calibrated="fixed").drawn == ()


# -- the draws ----------------------------------------------------------------------------------
def test_posterior_draws_are_whole_rows_keeping_the_posteriors_correlations(tmp_path):
    post = load_posterior()
    exp = make(tmp_path)
    draws = calibrated_draws(exp, range(4000), post)
    # every draw is one row of the posterior, all its values together
    for d in list(draws.values())[:200]:
        row = post.iloc[d[POSTERIOR_ROW]]
        assert all(d[n] == pytest.approx(float(row[n]), rel=0, abs=0) for n in exp.drawn)
    drawn = pd.DataFrame([{n: d[n] for n in exp.drawn} for d in draws.values()])
    # the posterior's own (weighted) correlations
    w = post["weight"].to_numpy(dtype=float)
    w = w / w.sum()
    x = post[list(exp.drawn)].to_numpy(dtype=float)
    c = (x - w @ x).T @ ((x - w @ x) * w[:, None])
    r_post = c / np.sqrt(np.outer(np.diag(c), np.diag(c)))
    r_drawn = drawn.corr().to_numpy()
    iu = np.triu_indices(len(exp.drawn), 1)
    strongest = np.abs(r_post[iu]).argmax()
    assert abs(r_post[iu][strongest]) > 0.5  # the check needs a correlated pair to mean anything
    assert np.abs(r_drawn[iu] - r_post[iu]).max() < 0.06  # sampling error ~ 1/sqrt(4000) per pair
    # independent draws over the prior ranges lose it: what "ranges" would mix in
    ranged = pd.DataFrame(calibrated_draws(make(tmp_path, calibrated="ranges"), range(4000)).values())
    r_ranged = ranged[list(exp.drawn)].corr().to_numpy()
    assert np.abs(r_ranged[iu]).max() < 0.08
    for n in exp.drawn:
        assert ranged[n].between(PARAMS_BY_NAME[n].low, PARAMS_BY_NAME[n].high).all()


def test_draws_are_reproducible_from_the_seed_and_per_replicate(tmp_path):
    post = load_posterior()
    a = calibrated_draws(make(tmp_path, seed=5), range(6), post)
    assert a == calibrated_draws(make(tmp_path, seed=5), range(6), post)
    # replicate r's draw does not depend on how many replicates there are, or their order
    assert calibrated_draws(make(tmp_path, seed=5), [5, 2], post) == {5: a[5], 2: a[2]}
    b = calibrated_draws(make(tmp_path, seed=6), range(6), post)
    assert [d[POSTERIOR_ROW] for d in a.values()] != [d[POSTERIOR_ROW] for d in b.values()]
    assert len({d[POSTERIOR_ROW] for d in a.values()}) > 1  # replicates differ


def test_a_replicate_shares_its_draw_across_design_points(tmp_path):
    exp = make(tmp_path)
    design = build_design(exp)
    draws = calibrated_draws(exp, range(exp.replicates))
    runs = [run for chunk in chunked(exp, design, range(4), 1, draws=draws) for run in chunk]
    by = {(p, r): v for _, p, r, v in runs}
    assert by[(0, 0)][POSTERIOR_ROW] == by[(1, 0)][POSTERIOR_ROW]
    assert {k: v for k, v in by[(0, 0)].items() if k != "visits.interval_weeks"} == \
        {k: v for k, v in by[(1, 0)].items() if k != "visits.interval_weeks"}
    assert by[(0, 0)]["visits.interval_weeks"] == 4 and by[(1, 0)]["visits.interval_weeks"] == 9


# -- sweeps -------------------------------------------------------------------------------------
def write(tmp_path: Path, data: dict) -> Path:
    lines = []
    for table, body in data.items():
        lines.append(f"[{table}]")
        for k, v in body.items():
            lines.append(f"{json.dumps(k)} = {toml_value(v)}")
    path = tmp_path / "exp.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def toml_value(v) -> str:
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, list):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    return json.dumps(v)


def test_a_resumed_sweep_stores_what_one_run_in_one_go_does(tmp_path):
    path = write(tmp_path, exp_dict(replicates=3))
    exp = load_experiment(path)
    whole = run_sweep(exp, tmp_path / "whole", executor=SerialExecutor(), progress=False)
    assert whole.complete
    first = run_sweep(exp, tmp_path / "parts", executor=SerialExecutor(), progress=False, max_runs=2)
    assert not first.complete
    rest = run_sweep(exp, tmp_path / "parts", executor=SerialExecutor(), progress=False, resume=True)
    assert rest.complete and rest.ran == 4
    cols = list(exp.drawn) + [POSTERIOR_ROW, "composite_month12_pct"]
    a = pd.read_csv(tmp_path / "whole" / "runs.csv").sort_values("run_id")
    b = pd.read_csv(tmp_path / "parts" / "runs.csv").sort_values("run_id")
    pd.testing.assert_frame_equal(a[["run_id", *cols]].reset_index(drop=True),
                                  b[["run_id", *cols]].reset_index(drop=True))
    assert a.groupby("replicate")[POSTERIOR_ROW].nunique().eq(1).all()  # one row per replicate
    # the stored draws are what the seed gives, and the runs used them
    draws = calibrated_draws(exp, range(3))
    for _, run in a.iterrows():
        d = draws[int(run["replicate"])]
        assert int(run[POSTERIOR_ROW]) == d[POSTERIOR_ROW]
        assert all(run[n] == pytest.approx(d[n], rel=1e-12) for n in exp.drawn)
    run0 = a.iloc[0]
    values = {"visits.interval_weeks": int(run0["visits.interval_weeks"])} | \
        {k: v for k, v in draws[0].items() if k != POSTERIOR_ROW}
    base = default_scenario().with_params(dict(exp.base_overrides), source="t")
    direct = evaluate(base.with_params(values, source="t"), seed=exp.seed, replicate=0)
    assert run0["composite_month12_pct"] == direct["composite_month12_pct"]
    columns = pd.read_csv(tmp_path / "whole" / "columns.csv", keep_default_na=False).set_index("name")
    assert columns.loc[POSTERIOR_ROW, "type"] == "int"
    assert "posterior" in columns.loc[exp.drawn[0], "description"]
    manifest = json.loads((tmp_path / "whole" / "manifest.json").read_text())["metadata"]
    assert manifest["calibrated"]["mode"] == "posterior"
    assert manifest["calibrated"]["drawn"] == list(exp.drawn)


def test_resume_with_another_mode_is_refused(tmp_path):
    path = write(tmp_path, exp_dict(replicates=2))
    run_sweep(load_experiment(path), tmp_path / "out", executor=SerialExecutor(), progress=False, max_runs=1)
    fixed = write(tmp_path, exp_dict(replicates=2, calibrated="fixed"))
    with pytest.raises(InputError, match="different design"):
        run_sweep(load_experiment(fixed), tmp_path / "out", executor=SerialExecutor(), progress=False,
                  resume=True)


@pytest.mark.parametrize("name", ["visit_x_echo", "local_share", "whatsapp"])
def test_fixed_gives_todays_results_for_the_shipped_grids(tmp_path, name):
    """With calibrated = "fixed" a run is runner.evaluate on the base scenario with the design
    point's values, nothing else: exactly what sweeps computed before the option existed."""
    path = EXPERIMENTS / f"{name}.toml"
    data = tomllib.loads(path.read_text())
    data["design"]["calibrated"] = "fixed"
    data["experiment"]["replicates"] = 1
    exp = experiment_from_dict(data, str(path), base_dir=path.parent)
    assert exp.method == "grid" and exp.drawn == ()
    out = tmp_path / "out"
    run_sweep(exp, out, executor=SerialExecutor(), progress=False)
    runs = pd.read_csv(out / "runs.csv").sort_values("run_id")
    assert POSTERIOR_ROW not in runs.columns and not set(CALIBRATED) & (set(runs.columns) - set(exp.names))
    design = build_design(exp)
    base = default_scenario().with_params(dict(exp.base_overrides), source="t")
    for _, run in runs.iterrows():
        point = int(run["point"])
        want = evaluate(base.with_params(design.point(point), source="t"), seed=exp.seed, replicate=0)
        for o in exp.outputs:
            assert run[o] == want[o] or (np.isnan(run[o]) and np.isnan(want[o]))


# -- the notice -----------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["sobol_uncertain", "morris_screening"])
def test_shipped_designs_varying_calibrated_parameters_say_so(name):
    exp = load_experiment(EXPERIMENTS / f"{name}.toml")
    varied = [n for n in exp.names if n in CALIBRATED]
    assert varied and exp.calibrated_varied == tuple(varied)
    notice = calibration_notice(exp)
    assert "calibrated parameters varied over prior ranges" in notice and "\n" not in notice
    assert all(n in notice for n in varied)


def test_the_notice_appears_when_the_sweep_starts_and_in_the_manifest(tmp_path, capsys):
    path = write(tmp_path, exp_dict(method="lhs", replicates=1,
                                    params={"learning.trust_rate": {}, "visits.interval_weeks": {}}))
    exp = load_experiment(path)
    run_sweep(exp, tmp_path / "out", executor=SerialExecutor(), progress=False)
    err = capsys.readouterr().err
    line = "calibrated parameters varied over prior ranges (independently, not from the posterior): " \
           "learning.trust_rate"
    assert line in err
    manifest = json.loads((tmp_path / "out" / "manifest.json").read_text())["metadata"]
    assert line in manifest["calibrated"]["notice"]
    assert manifest["calibrated"]["varied_by_design"] == ["learning.trust_rate"]
    # a design that varies no calibrated parameter and draws from the posterior says nothing
    assert calibration_notice(make(tmp_path)) == ""
    assert "prior ranges" in calibration_notice(make(tmp_path, calibrated="ranges"))
