"""Experiments on the batch path (issue 16): sweeps, the PSA and calibration run the model in
batches and compute only the outcomes they use, with exactly the results of one run at a time
and of all outcomes; the per-point summary of a sweep equals its per-point definition."""

from __future__ import annotations

import math
import os

import numpy as np
import pandas as pd
import pytest
from conftest import params_with

from mentorsim import runner
from mentorsim.executors import process_pool, worker_threads
from mentorsim.experiments import sweep
from mentorsim.experiments.designs import build_design
from mentorsim.experiments.experiment import experiment_from_dict
from mentorsim.experiments.store import RunRecord, RunStore
from mentorsim.results import OUTCOME_DOCS, OUTCOME_GROUPS, interval, run_outcomes
from mentorsim.runner import BATCH_RUNS, batch_size, evaluate, simulate, simulate_batch


def _same(a: dict, b: dict) -> bool:
    """Same keys in the same order and the same floats bit for bit (NaN equal to NaN)."""
    return list(a) == list(b) and all(np.float64(a[k]).tobytes() == np.float64(b[k]).tobytes() for k in a)


@pytest.fixture(scope="module")
def outs():
    return [simulate(params_with(scenario="ss2020"), 1, 0), simulate(params_with(scenario="local_mentors"), 2, 1),
            simulate(params_with({"followup.months": 0}, scenario="virtual_only"), 3, 0)]


def test_outcome_groups_cover_every_outcome_once_in_the_order_of_all(outs):
    names = [n for _, group in OUTCOME_GROUPS for n in group]
    assert sorted(names) == sorted(OUTCOME_DOCS) and len(names) == len(set(names))
    assert list(run_outcomes(outs[0])) == names


def test_some_outcomes_are_the_same_floats_as_all(outs):
    rng = np.random.default_rng(4)
    for out in outs:
        full = run_outcomes(out)
        assert any(math.isnan(v) for v in full.values()) or out is not outs[2]  # NaNs compared too
        for name in full:
            assert _same(run_outcomes(out, [name]), {name: full[name]}), name
        for _ in range(10):
            names = list(rng.choice(list(full), size=int(rng.integers(1, 12)), replace=False))
            assert _same(run_outcomes(out, names), {n: full[n] for n in names})


def test_an_unknown_outcome_is_refused(outs):
    with pytest.raises(KeyError, match="composite_month13_pct"):
        run_outcomes(outs[0], ["composite_month12_pct", "composite_month13_pct"])


def test_sub_batches_give_the_runs_alone():
    points = [(params_with(scenario="ss2020"), 1, r) for r in range(3)] + [
        (params_with({"followup.months": 2}, scenario="in_person_only"), 5, 0),
        (params_with(scenario="no_mentorship"), 1, 2)]
    alone = [simulate(*p).fingerprint() for p in points]
    for batch in (1, 2, 4, None):
        assert [o.fingerprint() for o in simulate_batch(points, batch=batch)] == alone, batch
    with pytest.raises(ValueError, match="at least 1"):
        simulate_batch(points, batch=0)


def test_batch_size_does_not_follow_the_threads(monkeypatch):
    """A batch of small models stays on one thread (loop.run_batch), so its size is the same."""
    for n in ("1", "2"):
        monkeypatch.setenv("MENTORSIM_THREADS", n)
        assert batch_size() == BATCH_RUNS


def _env(name):
    return os.environ.get(name)


@pytest.mark.parametrize("preset", [None, "3"])
def test_pool_workers_share_the_cores_unless_told(monkeypatch, preset):
    if preset is None:
        monkeypatch.delenv("MENTORSIM_THREADS", raising=False)
    else:
        monkeypatch.setenv("MENTORSIM_THREADS", preset)
    with process_pool(2) as pool:
        seen = pool.submit(_env, "MENTORSIM_THREADS").result()
    assert seen == (preset or str(worker_threads(2)))
    assert worker_threads(2) == max(1, len(os.sched_getaffinity(0)) // 2)


def _model_experiment(replicates=3, n=4):
    return experiment_from_dict({
        "experiment": {"seed": 9, "replicates": replicates, "outputs": ["composite_month12_pct", "mentor_days",
                                                                        "composite_retained_24m_pct"]},
        "fixed": {"followup.months": 3, "facilities.comparison": 2},
        "design": {"method": "lhs", "n": n},
        "parameters": {"learning.visit_tacit_rate": {}, "visits.interval_weeks": {"low": 4, "high": 13}}},
        "test")


def _chunk(exp):
    design = build_design(exp)
    return next(iter(sweep.chunked(exp, design, list(range(design.n_points * exp.replicates)), 1, 10_000)))


def _expected(exp, run):
    _, _, replicate, values = run
    sc = sweep._base(sweep.make_job(exp, "t")).with_params(values)
    return evaluate(sc.params, seed=exp.seed, replicate=replicate)


@pytest.mark.parametrize("size", [1, 3, 16])
def test_a_chunk_in_batches_gives_each_run_as_evaluate_does(monkeypatch, size):
    exp = _model_experiment()
    chunk = _chunk(exp)
    monkeypatch.setattr(runner, "batch_size", lambda: size)  # runner.batches reads it
    records = sweep.run_chunk(sweep.make_job(exp, "t"), chunk)
    assert [r.run_id for r in records] == [run[0] for run in chunk]
    for rec, run in zip(records, chunk):
        want = _expected(exp, run)
        assert rec.status == "done" and rec.elapsed_s > 0
        assert _same(rec.outputs, {o: want[o] for o in exp.outputs})


def test_a_run_that_fails_in_a_batch_fails_alone(monkeypatch):
    exp = _model_experiment(replicates=2, n=3)
    chunk = _chunk(exp)
    bad = chunk[3]

    def batch(points, batch=None):
        raise RuntimeError("a batch that breaks")

    def one(params, seed, replicate):
        if replicate == bad[2] and params["learning.visit_tacit_rate"] == bad[3]["learning.visit_tacit_rate"]:
            raise FloatingPointError("this run breaks")
        return simulate(params, seed, replicate)

    monkeypatch.setattr(runner, "simulate_batch", batch)  # what runner.batches calls
    monkeypatch.setattr(sweep, "simulate", one)
    records = sweep.run_chunk(sweep.make_job(exp, "t"), chunk)
    failed = [r for r in records if r.status == "failed"]
    assert [r.run_id for r in failed] == [bad[0]] and failed[0].error == "FloatingPointError: this run breaks"
    for rec, run in zip(records, chunk):
        if rec.status == "done":
            assert _same(rec.outputs, {o: _expected(exp, run)[o] for o in exp.outputs})


def test_a_batch_whose_outcomes_raise_gives_them_run_by_run(monkeypatch):
    """sweep.run_model_runs computes a batch's outcomes at once (results.batch_outcomes); if that
    raises it falls back to each run's run_outcomes, with the same floats."""
    exp = _model_experiment()
    chunk = _chunk(exp)
    batched = sweep.run_chunk(sweep.make_job(exp, "t"), chunk)

    def broken(outs, names):
        raise ValueError("a batch's outcomes that break")

    monkeypatch.setattr(sweep, "batch_outcomes", broken)
    alone = sweep.run_chunk(sweep.make_job(exp, "t"), chunk)
    assert [r.status for r in batched] == [r.status for r in alone] == ["done"] * len(chunk)
    for a, b, run in zip(batched, alone, chunk):
        assert _same(a.outputs, b.outputs)
        assert _same(a.outputs, {o: _expected(exp, run)[o] for o in exp.outputs})


def _point_summary_by_definition(exp, design, frame):
    """The per-point definition: each point's runs done, in stored order, through interval()."""
    rows = []
    done = frame[frame["status"] == "done"]
    for i in range(design.n_points):
        g = done[done["point"] == i]
        row = {"point": i} | design.point(i) | {"runs_done": len(g)}
        for o in exp.outputs:
            m, lo, hi = interval(g[o].to_numpy(dtype=float)) if len(g) else (np.nan,) * 3
            row |= {o: m, f"{o}_low": lo, f"{o}_high": hi}
        rows.append(row)
    return pd.DataFrame(rows)


@pytest.mark.parametrize("replicates", [1, 3])
def test_point_summary_is_its_definition(tmp_path, replicates):
    exp = experiment_from_dict({
        "experiment": {"seed": 2, "replicates": replicates, "outputs": ["composite_month12_pct", "mentor_days"]},
        "design": {"method": "grid"},
        "parameters": {"learning.visit_tacit_rate": {"values": [0.05, 0.1, 0.2]},  # a float,
                       "visits.interval_weeks": {"values": [4, 8, 13]},  # a whole number and a switch
                       "whatsapp.enabled": {"values": [True, False]}}},
        "test")
    design = build_design(exp)
    rng = np.random.default_rng(replicates)
    store = RunStore.create(tmp_path / "runs.sqlite", list(exp.names), exp.outputs, {})
    records = []
    for run_id in range(design.n_points * exp.replicates):
        point, rep = divmod(run_id, exp.replicates)
        if point == 7:
            continue  # a point with no run stored
        y = {"composite_month12_pct": float(rng.normal(50, 10)), "mentor_days": float(rng.integers(0, 9))}
        if run_id % 5 == 1:
            y["composite_month12_pct"] = float("nan")  # no value
        status = "failed" if run_id % 7 == 3 else "done"
        records.append(RunRecord(run_id=run_id, point=point, replicate=rep, seed=2, params=design.point(point),
                                 outputs=y if status == "done" else {}, status=status))
    store.record(records[::-1])  # stored out of order: the frame is read in run id order
    frame = store.frame()
    store.close()
    got = sweep.point_summary(exp, design, frame)
    want = _point_summary_by_definition(exp, design, frame)
    pd.testing.assert_frame_equal(got, want, check_exact=True)
    assert got.to_csv(index=False) == want.to_csv(index=False)


@pytest.mark.parametrize("distribution", ["beta", "pert", "triangular"])
def test_psa_quantiles_at_once_are_the_quantiles_one_at_a_time(distribution):
    from mentorsim.economics.psa import psa_parameter_names, quantile, quantiles
    from mentorsim.parameters.model_table import PARAMS_BY_NAME
    params = [PARAMS_BY_NAME[n] for n in psa_parameter_names("default")]
    rng = np.random.default_rng(8)
    for k in range(40):
        u = rng.random(len(params))
        if k == 0:
            u[:4] = [0.0, 1e-300, 0.5, 1 - 1e-16]
        got = quantiles(params, u, distribution)
        want = [quantile(p, float(x), distribution) for p, x in zip(params, u)]
        assert [type(x) for x in got] == [type(x) for x in want]
        assert np.array(got, dtype=float).tobytes() == np.array(want, dtype=float).tobytes()


def test_a_psa_draw_in_batches_is_the_draw_one_run_at_a_time(monkeypatch):
    from mentorsim.economics import psa
    from mentorsim.economics.evaluation import ComparatorCache, evaluate_run, is_comparator
    from mentorsim.randomness import replicate_seed
    from mentorsim.scenario import load_scenario
    strategies = [psa.Strategy.from_scenario(load_scenario(n)) for n in ("ss2020", "ss2020_weekly_echo",
                                                                          "no_mentorship", "local_mentors")]
    names = psa.psa_parameter_names("default")
    from mentorsim import runner
    monkeypatch.setattr(runner, "batch_size", lambda: 3)  # simulate_batch's default reads it
    calls = []
    original = runner._simulate_together
    monkeypatch.setattr(runner, "_simulate_together", lambda points, posts: calls.append(len(points))
                        or original(points, posts))
    draw, drawn, records = psa._run_draw((4, 2, strategies, names, "beta", None))
    seed = replicate_seed(4, 2)
    cache = ComparatorCache()
    for s, rec in zip(strategies, records):  # the definition: each strategy and its comparator alone
        p = psa._apply(s, drawn)
        comp = cache.get(p, seed, 0)
        ev = evaluate_run(p, seed, 0, comparator=comp, out=comp if is_comparator(p) else None)
        assert (draw, rec["draw"], rec["strategy"]) == (2, 2, s.name)
        assert _same({k: v for k, v in rec.items() if k not in ("draw", "strategy")}, ev.record)
    assert len(calls) > 1 and max(calls) == 3  # the draw's runs went 3 at a time
