"""Issue 14, item by item: bad input in one line, half-made state that resume recovers, absurd
sizes named up front. (The generated corpus of bad inputs is test_bad_input_corpus.py; every
parameter at its bounds is test_parameter_fuzz.py; the page's items are test_app_safety.py.)"""

from __future__ import annotations

import json
import sqlite3
import sys
from pathlib import Path

import pandas as pd
import pytest

from mentorsim.cli.main import main
from mentorsim.errors import InputError, read_toml
from mentorsim.executors import LocalExecutor, SerialExecutor
from mentorsim.experiments.experiment import load_experiment
from mentorsim.experiments.store import STORE_FILE, RunStore
from mentorsim.experiments.sweep import run_sweep
from mentorsim.scenario import load_scenario

ROOT = Path(__file__).resolve().parents[1]
SS2020 = str(ROOT / "scenarios" / "ss2020.toml")
TESTS = Path(__file__).resolve().parent


def _err_line(capsys) -> str:
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1, err
    return err[0]


# --- files ------------------------------------------------------------------------------------

def test_a_utf8_byte_order_mark_is_accepted_in_toml_as_in_csv(tmp_path):
    path = tmp_path / "s.toml"
    path.write_bytes("\ufeff[visits]\ninterval_weeks = 4\n".encode())
    assert load_scenario(path).params["visits.interval_weeks"] == 4


def test_an_empty_scenario_file_is_refused_not_run_as_the_defaults(tmp_path, capsys):
    (tmp_path / "s.toml").write_text("# nothing here\n")
    assert main(["run", str(tmp_path / "s.toml"), "--replicates", "1"]) == 2
    assert "empty" in _err_line(capsys)


@pytest.mark.parametrize("text", ["a = " + "[" * 5000 + "]" * 5000, "a = " + "{b = " * 3000 + "1" + "}" * 3000])
def test_deeply_nested_toml_is_one_line(tmp_path, text):
    (tmp_path / "d.toml").write_text(text + "\n")
    with pytest.raises(InputError, match="nested"):
        read_toml(tmp_path / "d.toml")


def test_an_unreadable_file_is_one_line(tmp_path, monkeypatch, capsys):
    (tmp_path / "s.toml").write_text("[visits]\ninterval_weeks = 4\n")
    real = Path.read_bytes

    def denied(self):  # chmod 0 does not stop root, so the refusal is simulated
        if self.name == "s.toml":
            raise PermissionError(13, "Permission denied", str(self))
        return real(self)
    monkeypatch.setattr(Path, "read_bytes", denied)
    assert main(["run", str(tmp_path / "s.toml")]) == 2
    assert "Permission denied" in _err_line(capsys)


def test_a_quoted_number_is_refused_alike_in_a_scenario_and_an_experiment(tmp_path):
    (tmp_path / "s.toml").write_text('[visits]\ninterval_weeks = "9"\n')
    with pytest.raises(InputError, match="not a string"):
        load_scenario(tmp_path / "s.toml")
    (tmp_path / "e.toml").write_text('[experiment]\noutputs = ["mentor_days"]\n[fixed]\n'
                                     '"visits.interval_weeks" = "9"\n[design]\nmethod = "grid"\n'
                                     '[parameters]\n"visits.days" = { values = [1, 2] }\n')
    with pytest.raises(InputError, match="not a string"):
        load_experiment(tmp_path / "e.toml")


# --- flags ------------------------------------------------------------------------------------

@pytest.mark.parametrize("cmd", [["run", SS2020], ["compare", SS2020], ["cea", SS2020], ["report", SS2020],
                                 ["plan-pool", "--facilities", "2", "--visit-interval-weeks", "9"]])
def test_a_negative_seed_names_the_flag(cmd, capsys):
    assert main([*cmd, "--seed", "-1"]) == 2
    line = _err_line(capsys)
    assert "--seed" in line and "[0, 4294967295]" in line


def test_plan_pool_blames_years_not_the_local_share_it_was_not_given(capsys):
    assert main(["plan-pool", "--facilities", "1", "--visit-interval-weeks", "1", "--years", "0.0834"]) == 2
    line = _err_line(capsys)
    assert line.startswith("mentorsim: error: --years") and "--local-share 0" in line


def test_a_bad_scheduler_address_fails_before_connecting(tmp_path, capsys, monkeypatch):
    import distributed

    def no_connecting(*a, **k):
        raise AssertionError("tried to connect")
    monkeypatch.setattr(distributed, "Client", no_connecting)
    exp = tmp_path / "e.toml"
    exp.write_text('[experiment]\noutputs = ["mentor_days"]\n[design]\nmethod = "grid"\n'
                   '[parameters]\n"visits.days" = { values = [1, 2] }\n')
    assert main(["sweep", str(exp), "--scheduler", "not a url", "--out", str(tmp_path / "o")]) == 2
    assert "--scheduler" in _err_line(capsys)
    assert not (tmp_path / "o").exists()


def test_out_that_cannot_be_written_is_found_before_simulating(tmp_path, capsys, monkeypatch):
    import mentorsim.runner

    def no_simulating(*a, **k):
        raise AssertionError("simulated first")
    monkeypatch.setattr(mentorsim.runner, "compare", no_simulating)
    (tmp_path / "file").write_text("x")
    assert main(["run", SS2020, "--replicates", "1", "--out", str(tmp_path / "file" / "sub")]) == 2
    assert "file" in _err_line(capsys)
    real = Path.write_bytes

    def read_only(self, data):
        if self.name.startswith(".probe-"):
            raise OSError(30, "Read-only file system", str(self))
        return real(self, data)
    monkeypatch.setattr(Path, "write_bytes", read_only)
    (tmp_path / "ro").mkdir()
    assert main(["run", SS2020, "--replicates", "1", "--out", str(tmp_path / "ro")]) == 2
    assert "Read-only file system" in _err_line(capsys)


# --- absurd sizes -----------------------------------------------------------------------------

def _grid(tmp_path, replicates=1, values="[1, 2]", name="e.toml"):
    path = tmp_path / name
    path.write_text(f'[experiment]\nreplicates = {replicates}\noutputs = ["mentor_days"]\n'
                    f'[design]\nmethod = "grid"\n[parameters]\n"visits.days" = {{ values = {values} }}\n')
    return path


def test_absurd_sizes_need_allow_large_and_say_their_cost(tmp_path, capsys):
    from mentorsim.experiments.experiment import check_size
    huge = load_experiment(_grid(tmp_path, replicates=100_000))
    with pytest.raises(InputError, match="allow-large"):
        check_size(huge, allow_large=False)
    assert "200000 runs, about" in check_size(huge, allow_large=True)
    lhs = tmp_path / "lhs.toml"
    lhs.write_text('[experiment]\nreplicates = 1\noutputs = ["mentor_days"]\n[design]\nmethod = "lhs"\n'
                   'n = 10000000\n[parameters]\n"visits.days" = {}\n')
    with pytest.raises(InputError, match=r"10000000 runs, about [\d.]+ (h|days) of one core"):
        check_size(load_experiment(lhs), allow_large=False)
    assert check_size(load_experiment(_grid(tmp_path, name="small.toml")), allow_large=False) == ""
    assert main(["sweep", str(_grid(tmp_path)), "--workers", "4096", "--out", str(tmp_path / "o")]) == 2
    assert "--workers" in _err_line(capsys)
    assert main(["plan-pool", "--facilities", "5000", "--visit-interval-weeks", "1"]) == 2
    assert "--allow-large" in _err_line(capsys)


@pytest.mark.parametrize("cmd", [["sweep", "{e}", "--out", "{d}/o"],
                                 ["plan-pool", "--facilities", "2", "--visit-interval-weeks", "9"]])
def test_more_workers_than_cores_need_allow_large(tmp_path, monkeypatch, capsys, cmd):
    import os

    from mentorsim.cli.common import check_workers
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    argv = [a.replace("{e}", str(_grid(tmp_path))).replace("{d}", str(tmp_path)) for a in cmd]
    assert main([*argv, "--workers", "64"]) == 2
    line = _err_line(capsys)
    assert "--workers = 64" in line and "2 cores" in line and "--allow-large" in line
    check_workers(64, allow_large=True)  # the flag lets it through
    check_workers(2, allow_large=False)


# --- the run store ----------------------------------------------------------------------------

CALLABLE = ('[experiment]\nseed = 3\nreplicates = 2\noutputs = ["y", "noise"]\ntarget = "sweep_targets:noisy"\n'
            '[design]\nmethod = "lhs"\nn = 6\n[parameters]\nx1 = { low = -1, high = 1 }\n'
            'x2 = { low = -1, high = 1 }\nx3 = { low = -1, high = 1 }\n')


@pytest.fixture
def targets_importable(monkeypatch):
    monkeypatch.syspath_prepend(str(TESTS))


@pytest.mark.parametrize("names", ['x1 = { values = [1, 2] }\nX1 = { values = [1, 2] }',
                                   'RUN_ID = { values = [1, 2] }', '"" = { values = [1, 2] }'])
def test_names_that_clash_in_the_store_are_refused_on_load(tmp_path, names):
    path = tmp_path / "e.toml"
    path.write_text('[experiment]\noutputs = ["y"]\ntarget = "sweep_targets:noisy"\n[design]\nmethod = "grid"\n'
                    f'[parameters]\n{names}\n')
    with pytest.raises(InputError, match="case|reserved|needs a name"):
        load_experiment(path)


def _frame(out: Path) -> pd.DataFrame:
    with sqlite3.connect(out / STORE_FILE) as conn:
        return pd.read_sql_query("SELECT run_id, status, x1, x2, x3, y, noise FROM runs ORDER BY run_id", conn)


def test_store_creation_is_atomic_and_a_half_made_store_is_recovered(tmp_path, monkeypatch, targets_importable):
    path = tmp_path / "e.toml"
    path.write_text(CALLABLE)
    exp = load_experiment(path)
    run_sweep(exp, tmp_path / "ref", SerialExecutor(), progress=False, export=False)

    # killed (here: failing) in the middle of creating the store: nothing half-made is left
    real_connect = sqlite3.connect

    class Dying:
        def __init__(self, conn):
            self.conn = conn

        def __getattr__(self, name):
            return getattr(self.conn, name)

        def __enter__(self):
            return self.conn.__enter__()

        def __exit__(self, *exc):
            return self.conn.__exit__(*exc)

        def executemany(self, *a):
            raise KeyboardInterrupt  # after the tables, before the metadata

    def connect(target, *a, **k):
        conn = real_connect(target, *a, **k)
        return Dying(conn) if ".creating-" in str(target) else conn
    monkeypatch.setattr(sqlite3, "connect", connect)
    with pytest.raises(KeyboardInterrupt):
        run_sweep(exp, tmp_path / "a", SerialExecutor(), progress=False, export=False)
    monkeypatch.setattr(sqlite3, "connect", real_connect)
    assert not (tmp_path / "a" / STORE_FILE).exists() and not list((tmp_path / "a").glob("runs.sqlite*"))
    run_sweep(exp, tmp_path / "a", SerialExecutor(), progress=False, export=False)
    pd.testing.assert_frame_equal(_frame(tmp_path / "a"), _frame(tmp_path / "ref"))

    # a store left without its tables (as earlier versions could, created in several commits):
    # both a plain rerun and --resume finish it
    for resume in (False, True):
        out = tmp_path / f"half-{resume}"
        out.mkdir()
        with real_connect(out / STORE_FILE) as conn:
            conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
        (out / f"{STORE_FILE}.creating-4194305").write_text("junk")  # above any pid: its creator is gone
        run_sweep(exp, out, SerialExecutor(), resume=resume, progress=False, export=False)
        pd.testing.assert_frame_equal(_frame(out), _frame(tmp_path / "ref"))
        assert not list(out.glob("*.creating-*"))


def test_a_full_disk_while_storing_runs_names_the_store(tmp_path):
    from mentorsim.experiments.store import RunRecord
    store = RunStore.create(tmp_path / STORE_FILE, ["x"], ["y"], {})
    store.record([RunRecord(run_id=0, point=0, replicate=0, seed=1, params={"x": 1.0}, outputs={"y": 2.0})])
    store.conn.execute("PRAGMA max_page_count = 1")  # nothing more fits: as a full disk
    big = [RunRecord(run_id=i, point=i, replicate=0, seed=1, params={"x": 1.0}, outputs={"y": 2.0},
                     error="x" * 5000) for i in range(1, 50)]
    with pytest.raises(InputError, match=f"{STORE_FILE}.*cannot store 49 finished runs.*full"):
        store.record(big)
    assert store.ids() == {0}  # whole rows only: the runs stored before are kept
    store.close()


def test_a_store_that_holds_runs_or_is_not_sqlite_is_never_removed(tmp_path):
    (tmp_path / STORE_FILE).write_text("not a database")
    assert not RunStore.remove_stale(tmp_path / STORE_FILE)
    assert (tmp_path / STORE_FILE).read_text() == "not a database"


def test_experiment_targets_are_imported_only_when_the_sweep_runs(tmp_path, monkeypatch):
    marker = tmp_path / "imported"
    (tmp_path / "side_effect_mod.py").write_text(
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('yes')\n"
        "def f(params, seed, replicate):\n    return {{'y': params['x']}}\n".replace("{{", "{").replace("}}", "}"))
    monkeypatch.syspath_prepend(str(tmp_path))
    path = tmp_path / "e.toml"
    path.write_text('[experiment]\noutputs = ["y"]\ntarget = "side_effect_mod:f"\n[design]\nmethod = "grid"\n'
                    '[parameters]\nx = { values = [1, 2] }\n')
    exp = load_experiment(path)
    assert not marker.exists() and "side_effect_mod" not in sys.modules
    run_sweep(exp, tmp_path / "o", SerialExecutor(), progress=False, export=False)
    assert marker.exists()
    missing = tmp_path / "m.toml"
    missing.write_text(path.read_text().replace("side_effect_mod:f", "side_effect_mod:nothing"))
    with pytest.raises(InputError, match="has no nothing"):
        run_sweep(load_experiment(missing), tmp_path / "o2", SerialExecutor(), progress=False, export=False)
    assert not (tmp_path / "o2" / STORE_FILE).exists()
    sys.modules.pop("side_effect_mod", None)


def test_executors_agree_that_a_target_calling_sys_exit_fails_its_runs(tmp_path, targets_importable, capsys):
    path = tmp_path / "e.toml"
    path.write_text('[experiment]\noutputs = ["y"]\ntarget = "sys:exit"\n[design]\nmethod = "grid"\n'
                    '[parameters]\nx = { values = [1, 2] }\n')
    exp = load_experiment(path)
    got = {}
    for label, ex in (("serial", SerialExecutor()), ("local", LocalExecutor(2))):
        with ex:
            s = run_sweep(exp, tmp_path / label, ex, progress=False, export=False)
        got[label] = (s.done, s.failed)
    assert got == {"serial": (0, 2), "local": (0, 2)}
    codes = [main(["sweep", str(path), "--workers", w, "--out", str(tmp_path / f"cli{w}")]) for w in ("1", "2")]
    assert codes[0] == codes[1]


# --- output folders ---------------------------------------------------------------------------

def test_a_failed_rewrite_leaves_no_stale_manifest_and_old_failures_are_cleaned(tmp_path, monkeypatch):
    from mentorsim.output_folder import output_dir
    out = tmp_path / "o"
    with output_dir(out, {"n": 1}) as stage:
        (stage / "a.txt").write_text("old")
    assert json.loads((out / "manifest.json").read_text())["complete"]
    with pytest.raises(InputError) as err, output_dir(out, {"n": 2}) as stage:
        raise OSError(28, "No space left on device", str(stage / "big.csv"))
    assert "big.csv" in str(err.value) and "No space left" in str(err.value)
    assert not (out / "manifest.json").exists()  # the old results do not pass for new ones
    assert len(list(out.glob(".incomplete-*"))) == 1
    with output_dir(out, {"n": 3}) as stage:
        (stage / "a.txt").write_text("new")
    assert not list(out.glob(".incomplete-*")) and not list(out.glob(".staging-*"))
    assert (out / "a.txt").read_text() == "new"


# --- calibration history ----------------------------------------------------------------------

@pytest.mark.parametrize("how", ["resume", "rerun"])
def test_calibration_killed_in_its_first_generation_is_started_again(tmp_path, how, capsys):
    from test_calibration import _Interrupting, _write_small

    from mentorsim.calibration.abc import generations_table, run_calibration
    from mentorsim.calibration.config import load_config
    cfg_path = _write_small(tmp_path, population=20, generations=2, replicates=1)
    cfg = load_config(cfg_path)
    out = tmp_path / "run"
    sim = _Interrupting(cfg.scenario.params, cfg.targets, [cfg.seed])
    sim.limit = 7  # generation 0 (20 particles) is cut short
    with pytest.raises(KeyboardInterrupt):
        run_calibration(cfg, out, progress=False, simulator=sim)
    assert (out / "history.db").exists() and generations_table(out / "history.db").empty
    argv = ["calibrate", str(cfg_path), "--out", str(out), "--quiet"]
    assert main(argv + (["--resume"] if how == "resume" else [])) == 0, capsys.readouterr().err
    gens = generations_table(out / "history.db")
    assert len(gens) == 2 and list(gens["t"]) == [0, 1]
    run = json.loads((out / "run.json").read_text())
    assert run["invocations"][0]["stop_reason"] == "interrupted" and len(run["invocations"]) == 2


def test_a_history_with_a_finished_generation_is_never_discarded(tmp_path):
    from test_calibration import _write_small

    from mentorsim.calibration.abc import discard_unfinished, generations_table, run_calibration
    from mentorsim.calibration.config import load_config
    cfg = load_config(_write_small(tmp_path, population=20, generations=1, replicates=1))
    run_calibration(cfg, tmp_path / "run", progress=False)
    db = tmp_path / "run" / "history.db"
    assert not discard_unfinished(db) and len(generations_table(db)) == 1
    (tmp_path / "other.db").write_text("not sqlite")
    assert not discard_unfinished(tmp_path / "other.db") and (tmp_path / "other.db").exists()


# --- killed at any moment (subprocesses; slow) ------------------------------------------------

def _env():
    import os
    return dict(os.environ, PYTHONPATH=f"{ROOT / 'src'}:{TESTS}")


@pytest.mark.slow
def test_a_sweep_killed_at_any_moment_from_its_start_finishes_equal(tmp_path):
    """SIGKILL after 0.2 s to 3 s: while importing, creating the store, or running; then alternately
    a plain rerun and --resume, until done. The stored runs equal an uninterrupted sweep's."""
    import os
    import signal
    import subprocess
    import time
    path = tmp_path / "e.toml"
    path.write_text(CALLABLE.replace("noisy", "slow_noisy").replace("n = 6", "n = 60"))
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "mentorsim", "sweep", str(path), "--out", str(out), "--workers", "2",
           "--chunk-size", "2"]
    for k, delay in enumerate((0.2, 0.5, 0.8, 1.2, 2.0, 3.0)):
        proc = subprocess.Popen(cmd + (["--resume"] if k % 2 else []), env=_env(), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, start_new_session=True)
        time.sleep(delay)
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    for extra in ([], ["--resume"]):
        done = subprocess.run(cmd + extra, env=_env(), capture_output=True, text=True, timeout=300)
        if done.returncode == 0:
            break
    assert done.returncode == 0, done.stderr
    sys.path.insert(0, str(TESTS))
    run_sweep(load_experiment(path), tmp_path / "ref", SerialExecutor(), progress=False, export=False)
    pd.testing.assert_frame_equal(_frame(out), _frame(tmp_path / "ref"))
    assert (out / "manifest.json").exists()


@pytest.mark.slow
def test_killed_calibrate_leaves_no_worker_processes(tmp_path):
    import os
    import signal
    import subprocess
    import time

    from test_calibration import _write_small
    cfg_path = _write_small(tmp_path, population=200, generations=3, replicates=1, workers=2)
    proc = subprocess.Popen([sys.executable, "-m", "mentorsim", "calibrate", str(cfg_path), "--out",
                             str(tmp_path / "run"), "--quiet"], env=_env(), stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    children: list[int] = []
    deadline = time.monotonic() + 120
    while len(children) < 2 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.2)
        try:
            children = [int(x) for x in Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()]
        except OSError:
            children = []
    assert len(children) >= 2, "the calibration never started its workers"
    os.kill(proc.pid, signal.SIGKILL)  # the parent alone
    proc.wait()
    deadline = time.monotonic() + 15
    alive = children
    while alive and time.monotonic() < deadline:
        time.sleep(0.2)
        alive = [c for c in children if Path(f"/proc/{c}").exists()
                 and Path(f"/proc/{c}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")]
    assert not alive, "pyABC workers outlived the killed calibrate"
