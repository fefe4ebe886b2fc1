"""Sweeps: identical results whatever executes them, failures recorded, dead workers retried,
and a sweep killed with SIGKILL finished by --resume with every run stored exactly once."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from mentorsim.errors import InputError
from mentorsim.executors import LocalExecutor, SerialExecutor
from mentorsim.experiments.experiment import load_experiment
from mentorsim.experiments.sweep import run_sweep

ROOT = Path(__file__).resolve().parents[1]
TESTS = Path(__file__).resolve().parent
PI = 3.141592653589793


def callable_experiment(tmp_path: Path, target="noisy", method="lhs", n=30, replicates=2, seed=4,
                        name="exp.toml") -> Path:
    design = f'method = "{method}"\n' + (f"n = {n}\n" if method != "grid" else "")
    params = "\n".join(f"x{i} = {{ low = {-PI}, high = {PI} }}" for i in (1, 2, 3))
    path = tmp_path / name
    path.write_text(f"""
[experiment]
seed = {seed}
replicates = {replicates}
outputs = ["y", "noise"]
target = "sweep_targets:{target}"
[design]
{design}
[parameters]
{params}
""")
    return path


def results(out: Path) -> pd.DataFrame:
    with sqlite3.connect(out / "runs.sqlite") as conn:
        return pd.read_sql_query('SELECT run_id, point, replicate, seed, status, "x1", "x2", "x3", y, noise '
                                 "FROM runs ORDER BY run_id", conn)


def model_experiment(tmp_path: Path) -> Path:
    path = tmp_path / "model.toml"
    path.write_text(f"""
[experiment]
seed = 11
replicates = 2
outputs = ["composite_month12_pct", "visits_missed", "mentor_days"]
base = "{ROOT / 'scenarios' / 'ss2020.toml'}"
[fixed]
"followup.months" = 0
"facilities.comparison" = 2
[design]
method = "grid"
[parameters]
"visits.interval_weeks" = {{ values = [4, 13] }}
"visits.days" = {{ values = [1, 6] }}
""")
    return path


def test_model_sweep_is_identical_serial_and_local_and_invalid_points_are_recorded(tmp_path):
    exp = load_experiment(model_experiment(tmp_path))
    a = run_sweep(exp, tmp_path / "serial", SerialExecutor(), progress=False)
    with LocalExecutor(2) as ex:
        b = run_sweep(exp, tmp_path / "local", ex, progress=False)
    assert a.total == b.total == 8
    ra, rb = results_model(tmp_path / "serial"), results_model(tmp_path / "local")
    pd.testing.assert_frame_equal(ra, rb)
    # each run equals a direct call of runner.evaluate with the experiment seed and its replicate
    from mentorsim.experiments.designs import calibrated_draws
    from mentorsim.experiments.experiment import POSTERIOR_ROW
    from mentorsim.runner import evaluate
    from mentorsim.scenario import default_scenario
    row = ra.iloc[5]
    drawn = {k: v for k, v in calibrated_draws(exp, [1])[1].items() if k != POSTERIOR_ROW}  # replicate 1's draw
    sc = default_scenario().with_params(dict(exp.base_overrides) | drawn
                                        | {"visits.interval_weeks": 13, "visits.days": 1})
    direct = evaluate(sc.params, seed=11, replicate=1)
    assert (row["visits.interval_weeks"], row["visits.days"], row["replicate"]) == (13, 1, 1)
    assert row["composite_month12_pct"] == direct["composite_month12_pct"]
    assert row["mentor_days"] == direct["mentor_days"]


def test_invalid_design_point_is_recorded_failed_and_the_sweep_goes_on(tmp_path):
    path = tmp_path / "bad_points.toml"
    path.write_text("""
[experiment]
replicates = 1
outputs = ["composite_month12_pct"]
[fixed]
"followup.months" = 0
"programme.months" = 6
"programme.survey_month" = 6
"mentors.local_share" = 0.0
[design]
method = "grid"
[parameters]
"visits.interval_weeks" = { values = [1, 4] }
"visits.days" = { values = [2, 8] }
""")
    exp = load_experiment(path)
    s = run_sweep(exp, tmp_path / "out", SerialExecutor(), progress=False)
    assert (s.done, s.failed, s.complete) == (3, 1, True)
    f = pd.read_csv(tmp_path / "out" / "runs.csv")
    bad = f[f["status"] == "failed"]
    assert list(bad["visits.interval_weeks"]) == [1] and list(bad["visits.days"]) == [8]
    assert "design point 1" in bad["error"].item() and "do not fit" in bad["error"].item()
    assert (tmp_path / "out" / "manifest.json").exists()


def results_model(out: Path) -> pd.DataFrame:
    f = pd.read_csv(out / "runs.csv")
    return f.drop(columns=["worker", "finished_at", "elapsed_s"])


def test_callable_sweep_identical_across_serial_local_and_chunk_sizes(tmp_path):
    exp = load_experiment(callable_experiment(tmp_path))
    run_sweep(exp, tmp_path / "a", SerialExecutor(), progress=False, export=False)
    with LocalExecutor(2) as ex:
        run_sweep(exp, tmp_path / "b", ex, progress=False, chunk_size=3, export=False)
    ra, rb = results(tmp_path / "a"), results(tmp_path / "b")
    assert len(ra) == 60 and (ra["status"] == "done").all()
    pd.testing.assert_frame_equal(ra, rb)
    # seeds reach the target from (experiment seed, replicate) alone: common random numbers
    import numpy as np
    for rep in (0, 1):
        noise = ra.loc[ra["replicate"] == rep, "noise"].to_numpy()
        assert np.allclose(noise, np.random.default_rng([4, rep]).normal())


def test_failing_runs_are_recorded_with_their_error(tmp_path):
    exp = load_experiment(callable_experiment(tmp_path, target="flaky"))
    s = run_sweep(exp, tmp_path / "out", SerialExecutor(), progress=False, export=False)
    f = results(tmp_path / "out")
    expected_fail = f["x1"] > 1.0
    assert s.failed == expected_fail.sum() > 0 and s.done == (~expected_fail).sum() > 0
    assert (f.loc[expected_fail, "status"] == "failed").all()
    with sqlite3.connect(tmp_path / "out" / "runs.sqlite") as conn:
        errors = pd.read_sql_query("SELECT error FROM runs WHERE error IS NOT NULL", conn)["error"]
    assert errors.str.startswith("ValueError: x1 = ").all()
    assert f.loc[expected_fail, "y"].isna().all()


def test_a_dead_worker_has_its_runs_retried(tmp_path, monkeypatch):
    monkeypatch.setenv("MENTORSIM_TEST_MARKER", str(tmp_path))
    exp = load_experiment(callable_experiment(tmp_path, target="die_once"))
    with LocalExecutor(2) as ex:
        s = run_sweep(exp, tmp_path / "out", ex, progress=False, chunk_size=4, export=False)
    assert (tmp_path / "died").exists()  # a worker really was killed
    assert (s.done, s.failed) == (60, 0)
    run_sweep(exp, tmp_path / "ref", SerialExecutor(), progress=False, export=False)
    pd.testing.assert_frame_equal(results(tmp_path / "out"), results(tmp_path / "ref"))
    with sqlite3.connect(tmp_path / "out" / "runs.sqlite") as conn:
        attempts = pd.read_sql_query("SELECT attempts FROM runs", conn)["attempts"]
    assert attempts.max() == 2


def test_a_run_that_always_kills_its_worker_is_given_up_after_three_attempts(tmp_path):
    exp = load_experiment(callable_experiment(tmp_path, target="die_always", n=12, replicates=1))
    with LocalExecutor(2) as ex:
        s = run_sweep(exp, tmp_path / "out", ex, progress=False, chunk_size=3, export=False)
    with sqlite3.connect(tmp_path / "out" / "runs.sqlite") as conn:
        f = pd.read_sql_query('SELECT "x1", status, error, attempts FROM runs', conn)
    killers = f["x1"] > 2.5
    assert killers.any() and s.done + s.failed == 12
    assert (f.loc[killers, "status"] == "failed").all() and (f.loc[~killers, "status"] == "done").all()
    assert f.loc[killers, "error"].str.contains("worker process died").all()
    assert (f.loc[killers, "attempts"] == 3).all()


def test_existing_store_needs_resume_and_the_same_design(tmp_path):
    exp = load_experiment(callable_experiment(tmp_path, n=10, replicates=1))
    run_sweep(exp, tmp_path / "out", SerialExecutor(), progress=False, export=False)
    with pytest.raises(InputError, match="add --resume"):
        run_sweep(exp, tmp_path / "out", SerialExecutor(), progress=False)
    again = run_sweep(exp, tmp_path / "out", SerialExecutor(), resume=True, progress=False, export=False)
    assert (again.ran, again.skipped, again.done) == (0, 10, 10)
    other = load_experiment(callable_experiment(tmp_path, n=11, replicates=1, name="other.toml"))
    with pytest.raises(InputError, match="different design"):
        run_sweep(other, tmp_path / "out", SerialExecutor(), resume=True, progress=False)


def _env():
    return os.environ | {"PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(TESTS)])}


def _stored(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=5) as conn:
            return conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0]
    except sqlite3.Error:
        return 0


def _kill_mid_sweep(cmd, db: Path, at_least: int, whole_group: bool) -> None:
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while _stored(db) < at_least:
        assert proc.poll() is None, "the sweep ended before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.05)
    children = _children(proc.pid)
    if whole_group:
        os.killpg(proc.pid, signal.SIGKILL)
    else:
        os.kill(proc.pid, signal.SIGKILL)  # the coordinator alone: its workers must not live on
    proc.wait()
    deadline = time.monotonic() + 10
    while any(_alive(c) for c in children):
        assert time.monotonic() < deadline, "worker processes outlived the killed sweep"
        time.sleep(0.1)


def _children(pid: int) -> list[int]:
    try:
        return [int(x) for x in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state not in ("Z", "X")


@pytest.mark.parametrize("whole_group", [pytest.param(True, marks=pytest.mark.slow), False],
                         ids=["kill-group", "kill-coordinator"])
def test_resume_after_sigkill_stores_every_run_exactly_once(tmp_path, whole_group):
    path = callable_experiment(tmp_path, target="slow_noisy", n=250, replicates=2)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "mentorsim", "sweep", str(path), "--out", str(out), "--workers", "2",
           "--chunk-size", "4"]
    _kill_mid_sweep(cmd, out / "runs.sqlite", 40, whole_group)
    stored = _stored(out / "runs.sqlite")
    assert 40 <= stored < 500
    assert not (out / "manifest.json").exists()  # a partial sweep never looks complete
    done = subprocess.run(cmd + ["--resume"], env=_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"500 of 500 runs done, 0 failed ({500 - stored} run now" in done.stdout
    got = results(out)
    assert list(got["run_id"]) == list(range(500)) and (got["status"] == "done").all()
    exp = load_experiment(path)
    run_sweep(exp, tmp_path / "ref", SerialExecutor(), progress=False, export=False)
    pd.testing.assert_frame_equal(got, results(tmp_path / "ref"))
    assert (out / "manifest.json").exists()


@pytest.mark.slow
def test_resume_after_repeated_sigkills_at_random_moments(tmp_path):
    import random
    path = callable_experiment(tmp_path, target="slow_noisy", n=300, replicates=2)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "mentorsim", "sweep", str(path), "--out", str(out), "--workers", "2",
           "--chunk-size", "3"]
    rnd = random.Random(5)
    target = 0
    for k in range(5):
        target = min(590, target + rnd.randint(20, 110))
        _kill_mid_sweep(cmd + (["--resume"] if k else []), out / "runs.sqlite", target, whole_group=k % 2 == 0)
    done = subprocess.run(cmd + ["--resume"], env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    exp = load_experiment(path)
    run_sweep(exp, tmp_path / "ref", SerialExecutor(), progress=False, export=False)
    pd.testing.assert_frame_equal(results(out), results(tmp_path / "ref"))


# -- Dask: a local cluster on loopback ---------------------------------------------------------------
@pytest.fixture(scope="module")
def dask_cluster():
    pytest.importorskip("distributed")  # a declared dependency: this only guards a broken install
    from distributed import LocalCluster
    before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join([str(ROOT / "src"), str(TESTS), before or ""])
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None, silence_logs=40)
    yield cluster
    cluster.close()
    if before is None:
        os.environ.pop("PYTHONPATH", None)
    else:
        os.environ["PYTHONPATH"] = before


def test_dask_gives_the_same_results_as_serial_model_and_callable(tmp_path, dask_cluster):
    from mentorsim.executors import DaskExecutor
    exp = load_experiment(callable_experiment(tmp_path, n=20))
    mexp = load_experiment(model_experiment(tmp_path))
    with DaskExecutor(dask_cluster.scheduler_address) as ex:
        assert ex.workers == 2
        run_sweep(exp, tmp_path / "dask", ex, progress=False, chunk_size=3, export=False)
        run_sweep(mexp, tmp_path / "mdask", ex, progress=False, chunk_size=1)
    run_sweep(exp, tmp_path / "serial", SerialExecutor(), progress=False, export=False)
    run_sweep(mexp, tmp_path / "mserial", SerialExecutor(), progress=False)
    pd.testing.assert_frame_equal(results(tmp_path / "dask"), results(tmp_path / "serial"))
    pd.testing.assert_frame_equal(results_model(tmp_path / "mdask"), results_model(tmp_path / "mserial"))


def test_dask_sweep_completes_when_a_worker_is_killed_mid_sweep(tmp_path, dask_cluster):
    from mentorsim.executors import DaskExecutor
    exp = load_experiment(callable_experiment(tmp_path, target="slower_noisy", n=60))
    killed = []
    with DaskExecutor(dask_cluster.scheduler_address) as ex:
        pids = ex.client.run(os.getpid)

        def kill_one(stored):
            if stored >= 12 and not killed:
                pid = sorted(pids.values())[0]
                os.kill(pid, signal.SIGKILL)
                killed.append(pid)

        s = run_sweep(exp, tmp_path / "dask", ex, progress=False, chunk_size=4, on_chunk=kill_one,
                      export=False)
    assert killed and not _alive(killed[0])
    assert (s.done, s.failed) == (120, 0)
    run_sweep(exp, tmp_path / "serial", SerialExecutor(), progress=False, export=False)
    pd.testing.assert_frame_equal(results(tmp_path / "dask"), results(tmp_path / "serial"))


def test_unreachable_scheduler_is_one_line(tmp_path):
    from mentorsim.executors import DaskExecutor
    with pytest.raises(InputError, match="cannot reach a Dask scheduler at tcp://127.0.0.1:9"):
        DaskExecutor("tcp://127.0.0.1:9", timeout=2)


def test_callable_gets_fixed_values_and_a_missing_output_fails_the_run(tmp_path):
    path = tmp_path / "const.toml"
    path.write_text('[experiment]\noutputs = ["y", "keys"]\ntarget = "sweep_targets:with_constant"\n'
                    '[fixed]\nc = 10.0\n[design]\nmethod = "grid"\n[parameters]\nx1 = { values = [1, 2] }\n')
    s = run_sweep(load_experiment(path), tmp_path / "a", SerialExecutor(), progress=False, export=False)
    assert s.done == 2
    with sqlite3.connect(tmp_path / "a" / "runs.sqlite") as conn:
        assert conn.execute("SELECT y, keys FROM runs ORDER BY run_id").fetchall() == [(11.0, 2.0), (12.0, 2.0)]
    path.write_text(path.read_text().replace('"keys"]', '"nothing"]'))
    s = run_sweep(load_experiment(path), tmp_path / "b", SerialExecutor(), progress=False, export=False)
    assert s.failed == 2
    with sqlite3.connect(tmp_path / "b" / "runs.sqlite") as conn:
        err = conn.execute("SELECT error FROM runs").fetchone()[0]
    assert err.startswith("KeyError") and "returned no nothing" in err


def test_sigterm_stops_cleanly_and_resume_finishes(tmp_path):
    path = callable_experiment(tmp_path, target="slow_noisy", n=150, replicates=2)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "mentorsim", "sweep", str(path), "--out", str(out), "--workers", "2",
           "--chunk-size", "4"]
    proc = subprocess.Popen(cmd, env=_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True)
    deadline = time.monotonic() + 60
    while _stored(out / "runs.sqlite") < 20:
        assert proc.poll() is None and time.monotonic() < deadline
        time.sleep(0.05)
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and "--resume" in err and "Traceback" not in err
    stored = _stored(out / "runs.sqlite")
    assert 20 <= stored < 300 and not (out / "manifest.json").exists()
    done = subprocess.run(cmd + ["--resume"], env=_env(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0 and f"({300 - stored} run now" in done.stdout


def test_sweep_command_on_a_dask_scheduler(tmp_path, dask_cluster, capsys):
    from mentorsim.cli.main import main
    path = callable_experiment(tmp_path, n=10, replicates=1)
    assert main(["sweep", str(path), "--scheduler", dask_cluster.scheduler_address, "--out", str(tmp_path / "o")]) == 0
    printed = capsys.readouterr().out
    assert "10 of 10 runs done, 0 failed" in printed and "dask executor, 2 workers" in printed
    run_sweep(load_experiment(path), tmp_path / "ref", SerialExecutor(), progress=False, export=False)
    pd.testing.assert_frame_equal(results(tmp_path / "o"), results(tmp_path / "ref"))


@pytest.mark.parametrize("workers", [1, 2, 3])
def test_chunks_cover_every_run_once_in_whole_batches_shorter_at_the_end(workers):
    from mentorsim.experiments.sweep import MAX_CHUNK, chunk_sizes
    from mentorsim.runner import batch_size
    batch = batch_size()
    for total in (1, 7, 31, 100, 1_664, 26_624, 26_625):
        sizes = list(chunk_sizes(total, workers))
        auto = max(1, min(MAX_CHUNK, -(-total // (16 * workers))))
        assert sum(sizes) == total and min(sizes) >= 1 and max(sizes) <= auto
        if auto > batch:  # shrinking to one batch at the end, every chunk but the last whole batches
            assert all(s % batch == 0 for s in sizes[:-1]) and sizes[-1] <= batch
            assert sizes == sorted(sizes, reverse=True)
            assert sizes.count(sizes[0]) > len(sizes) // 2  # most chunks are full
        else:
            assert sizes[:-1] == [auto] * (len(sizes) - 1)
        assert list(chunk_sizes(total, workers, 5)) == [5] * (total // 5) + ([total % 5] if total % 5 else [])


def test_chunked_gives_each_run_once_in_order(tmp_path):
    from mentorsim.experiments.designs import build_design
    from mentorsim.experiments.sweep import chunked
    exp = load_experiment(callable_experiment(tmp_path, n=300, replicates=3))
    design = build_design(exp)
    ids = list(range(5, design.n_points * exp.replicates))
    chunks = list(chunked(exp, design, ids, 2))
    runs = [run for chunk in chunks for run in chunk]
    assert [r[0] for r in runs] == ids and len(chunks[-1]) < len(chunks[0])
    assert all(r[1:3] == divmod(r[0], 3) and r[3] == design.point(r[1]) for r in runs)


def test_export_is_the_same_whether_the_plot_is_drawn_beside_or_here(tmp_path, monkeypatch):
    """export_sweep draws the plot in a process of its own (executors.in_background) where it
    can; the folder is byte for byte what drawing it here gives (manifest times apart)."""
    import json
    import shutil

    from mentorsim import executors
    from mentorsim.experiments.designs import build_design
    from mentorsim.experiments.store import RunStore
    from mentorsim.experiments.sweep import export_sweep
    exp = load_experiment(callable_experiment(tmp_path, target="flaky"))  # some runs fail
    run_sweep(exp, tmp_path / "stored", SerialExecutor(), progress=False, export=False)
    made = {}
    for label in ("beside", "here"):
        if label == "here":
            monkeypatch.setattr(executors, "usable_cores", lambda: 1)  # no core to spare: drawn here
        out = tmp_path / label
        shutil.copytree(tmp_path / "stored", out)
        with RunStore.open(out / "runs.sqlite") as store:
            export_sweep(exp, build_design(exp), store, out)
        made[label] = {p.name: p.read_bytes() for p in out.iterdir() if p.name not in ("manifest.json", "runs.sqlite")}
        manifest = json.loads((out / "manifest.json").read_text())
        assert manifest["complete"] and sorted(manifest["files"]) == sorted(made[label])
    assert any(name.endswith(".png") for name in made["here"])
    assert made["beside"].keys() == made["here"].keys()
    for name in made["here"]:
        if name != "runs.parquet":  # (its metadata holds the time it was made)
            assert made["beside"][name] == made["here"][name], name
    frames = [pd.read_parquet(tmp_path / label / "runs.parquet") for label in made]
    pd.testing.assert_frame_equal(*frames)


def test_examples_in_the_sweep_docstrings():
    import doctest

    from mentorsim.experiments import sweep
    result = doctest.testmod(sweep)
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize("target,code", [("noisy", 0), ("flaky", 2)])
def test_sensitivity_command_exports_the_sweep_beside_its_analysis(tmp_path, capsys, target, code):
    """`mentorsim sensitivity` writes the sweep's exports while it analyses (sweep.export_folder
    in executors.in_background): the folder is complete whether the analysis succeeds or refuses
    the design for its failed runs (exit 2, one line)."""
    import json

    from mentorsim.cli.main import main
    path = callable_experiment(tmp_path, target=target, method="sobol", n=8, replicates=1)
    out = tmp_path / "out"
    assert main(["sensitivity", str(path), "--out", str(out), "--workers", "2"]) == code
    err = capsys.readouterr().err.strip().splitlines()
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["complete"] and manifest["metadata"]["runs_done"] + manifest["metadata"]["runs_failed"] == 64
    assert sorted(manifest["files"]) == sorted(p.name for p in out.iterdir()
                                               if p.name not in ("manifest.json", "runs.sqlite", "sensitivity"))
    assert len(pd.read_csv(out / "runs.csv")) == 64 and not list(out.glob(".staging-*"))
    if code:
        assert "needs every run of the design done" in err[-1] and not (out / "sensitivity").exists()
    else:
        assert json.loads((out / "sensitivity" / "manifest.json").read_text())["complete"]
