"""Sensitivity machinery against functions with known indices (Ishigami, Sobol G)."""

from __future__ import annotations

import numpy as np
import pytest

from mentorsim.errors import InputError
from mentorsim.executors import SerialExecutor
from mentorsim.experiments import sensitivity, testfunctions
from mentorsim.experiments.designs import build_design
from mentorsim.experiments.experiment import experiment_from_dict
from mentorsim.experiments.store import RunStore
from mentorsim.experiments.sweep import run_sweep

PI = np.pi


def swept(tmp_path, target, params, method, seed=3, outputs=("y",), **options):
    exp = experiment_from_dict({
        "experiment": {"seed": seed, "replicates": 1, "outputs": list(outputs), "target": target},
        "design": {"method": method, **options}, "parameters": params}, str(tmp_path / "exp.toml"))
    run_sweep(exp, tmp_path / method, SerialExecutor(), progress=False, export=False)
    with RunStore.open(tmp_path / method / "runs.sqlite") as s:
        frame = s.frame()
    return exp, build_design(exp), frame


ISHIGAMI = {f"x{i}": {"low": -PI, "high": PI} for i in (1, 2, 3)}
SOBOL_G = {f"x{i + 1}": {"low": 0.0, "high": 1.0} for i in range(len(testfunctions.SOBOL_G_A))}


def test_sobol_indices_of_ishigami_match_the_analytic_values(tmp_path):
    exp, design, frame = swept(tmp_path, "mentorsim.experiments.testfunctions:ishigami", ISHIGAMI, "sobol", n=2048)
    res = sensitivity.analyze(exp, design, frame)
    true = testfunctions.ishigami_indices()
    assert res.index("y", "S1").to_numpy() == pytest.approx(true["S1"], abs=0.04)
    assert res.index("y", "ST").to_numpy() == pytest.approx(true["ST"], abs=0.04)
    s2, _c2 = res.second_order["y"]
    assert s2[0, 2] == pytest.approx(true["S13"], abs=0.06)
    assert abs(s2[0, 1]) < 0.06 and abs(s2[1, 2]) < 0.06
    # the intervals are honest: each covers the truth, and they are not absurdly wide
    conf = res.conf("y", "ST").to_numpy()
    assert np.all(np.abs(res.index("y", "ST").to_numpy() - true["ST"]) <= conf + 0.01)
    assert np.all(conf < 0.1)


def test_sobol_indices_of_sobol_g_match_the_analytic_values(tmp_path):
    exp, design, frame = swept(tmp_path, "mentorsim.experiments.testfunctions:sobol_g", SOBOL_G, "sobol", n=1024,
                               second_order=False)
    res = sensitivity.analyze(exp, design, frame)
    true = testfunctions.sobol_g_indices()
    assert res.index("y", "S1").to_numpy() == pytest.approx(true["S1"], abs=0.04)
    assert res.index("y", "ST").to_numpy() == pytest.approx(true["ST"], abs=0.04)
    assert not res.second_order


def test_morris_ranks_sobol_g_inputs_by_importance(tmp_path):
    exp, design, frame = swept(tmp_path, "mentorsim.experiments.testfunctions:sobol_g", SOBOL_G, "morris", trajectories=60)
    res = sensitivity.analyze(exp, design, frame)
    mu = res.index("y", "mu_star").to_numpy()
    assert mu[0] > mu[1] > mu[2] > mu[3] > max(mu[4:])  # smaller a, larger effect
    assert max(mu[4:]) < 0.05 * mu[0]
    assert set(res.table["index"]) >= {"mu_star", "mu", "sigma"}


def test_fast_of_ishigami_matches_and_leaves_the_global_generator_alone(tmp_path):
    exp, design, frame = swept(tmp_path, "mentorsim.experiments.testfunctions:ishigami", ISHIGAMI, "fast", n=2000)
    before = np.random.get_state()[1].copy()  # noqa: NPY002 - the global state is what is checked
    res = sensitivity.analyze(exp, design, frame)
    assert np.array_equal(np.random.get_state()[1], before)  # noqa: NPY002
    true = testfunctions.ishigami_indices()
    assert res.index("y", "S1").to_numpy() == pytest.approx(true["S1"], abs=0.04)
    assert res.index("y", "ST").to_numpy() == pytest.approx(true["ST"], abs=0.06)


def test_lhs_first_order_of_ishigami(tmp_path):
    exp, design, frame = swept(tmp_path, "mentorsim.experiments.testfunctions:ishigami", ISHIGAMI, "lhs", n=3000)
    res = sensitivity.analyze(exp, design, frame)
    assert res.index("y", "S1").to_numpy() == pytest.approx(testfunctions.ishigami_indices()["S1"], abs=0.05)


def test_same_sweep_same_intervals(tmp_path):
    exp, design, frame = swept(tmp_path, "mentorsim.experiments.testfunctions:ishigami", ISHIGAMI, "sobol", n=128)
    a = sensitivity.analyze(exp, design, frame).table
    b = sensitivity.analyze(exp, design, frame).table
    assert a.equals(b)
    assert sensitivity.analysis_seed(exp) != 0


def test_missing_runs_grid_and_outputs_without_values(tmp_path):
    exp, design, frame = swept(tmp_path, "sweep_targets:flaky", ISHIGAMI, "sobol", n=16, outputs=("y", "noise"))
    with pytest.raises(InputError, match=r"needs every run of the design done: 0 missing, \d+ failed"):
        sensitivity.analyze(exp, design, frame)
    with pytest.raises(InputError, match="missing"):
        sensitivity.analyze(exp, design, frame.iloc[:-3].assign(status="done"))
    nan = frame.assign(status="done", y=np.where(frame["x1"] > 2, np.nan, frame["y"]),
                       noise=frame["noise"].fillna(frame["noise"].dropna().iloc[0]))
    res = sensitivity.analyze(exp, design, nan)
    assert "y" in res.skipped and "no value at" in res.skipped["y"]
    assert "noise" in res.skipped and "does not vary" in res.skipped["noise"]  # CRN: one replicate, one noise
    gexp, gdesign, gframe = swept(tmp_path, "mentorsim.experiments.testfunctions:ishigami",
                                  {"x1": {"values": [0.0, 1.0]}}, "grid")
    with pytest.raises(InputError, match="sampled design"):
        sensitivity.analyze(gexp, gdesign, gframe)


def test_plots_are_written(tmp_path):
    exp, design, frame = swept(tmp_path, "mentorsim.experiments.testfunctions:ishigami", ISHIGAMI, "sobol", n=64)
    res = sensitivity.analyze(exp, design, frame)
    a = sensitivity.plot_indices(res, tmp_path / "i.png")
    b = sensitivity.plot_second_order(res, tmp_path / "s2.png")
    for p in (a, b):
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and p.stat().st_size > 5000
    text = sensitivity.text_table(res)
    assert "x1" in text and "largest interactions" in text


@pytest.mark.parametrize("d, second, n", [(12, True, 64), (3, False, 40), (1, True, 16)])
def test_sobol_indices_are_salibs_to_the_last_bit(d, second, n):
    """sobol_indices (SALib's estimators with the bootstrap's shared work done once) gives SALib
    1.6's analyze.sobol floats exactly, and its warnings, on random outputs, outputs with ties,
    and outputs whose A and B rows are constant (SALib's zeros)."""
    import warnings

    from SALib.analyze import sobol
    rng = np.random.default_rng(d)
    problem = {"num_vars": d, "names": [f"x{i}" for i in range(d)], "bounds": [[0.0, 1.0]] * d}
    step = 2 * d + 2 if second else d + 2
    flat_ab = rng.normal(size=n * step)
    flat_ab[0::step] = flat_ab[step - 1::step] = 1.0  # A and B constant: every index's variance is 0
    for y in (rng.normal(size=n * step), np.round(rng.normal(size=n * step)), flat_ab):
        got = {}
        for name, fn in (("salib", lambda y=y: sobol.analyze(problem, y, calc_second_order=second, num_resamples=30,
                                                             conf_level=0.9, seed=5)),
                         ("ours", lambda y=y: sensitivity.sobol_indices(problem, y, second, 30, 0.9, 5))):
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                res = fn()
            got[name] = ({k: np.asarray(res[k]) for k in ("S1", "S1_conf", "ST", "ST_conf", "S2", "S2_conf")
                          if k in res}, len(caught))
        (want, n_warn), (ours, our_warn) = got["salib"], got["ours"]
        assert set(ours) == set(want) and our_warn == n_warn
        for k in want:
            assert ours[k].shape == want[k].shape and ours[k].tobytes() == want[k].tobytes(), k


def test_index_lookups_give_the_tables_rows(tmp_path):
    """SensitivityResult.index/conf (split once and remembered) are the table's rows for that
    output and index, in parameter order, and follow a replaced table."""
    exp, design, frame = swept(tmp_path, "mentorsim.experiments.testfunctions:ishigami", ISHIGAMI, "sobol", n=32)
    res = sensitivity.analyze(exp, design, frame)
    t = res.table
    for idx in ("S1", "ST"):
        rows = t[(t["output"] == "y") & (t["index"] == idx)]
        assert res.index("y", idx).tolist() == rows["value"].tolist()
        assert res.conf("y", idx).tolist() == rows["conf"].tolist()
        assert res.index("y", idx).index.tolist() == list(design.names)
    assert res.index("y", "mu_star").isna().all()  # an index the method does not give
    s1 = t[(t["output"] == "y") & (t["index"] == "S1")]["value"]
    res.table = t.assign(value=t["value"] + 1)
    assert res.index("y", "S1").tolist() == (s1 + 1).tolist()
