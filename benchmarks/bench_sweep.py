"""Sweep throughput: the Sobol analysis of 12 parameters with N = 1024 and second-order indices
(1024 x (2 x 12 + 2) = 26,624 runs of the model; experiments/sobol_uncertain.toml at n = 1024).

Prints, for a subset of the design's runs (the first RUNS in run order, default 400):
- the model's own time per run (``runner.evaluate``, warm, in this process);
- where a run's CPU time goes (checking the design point, building the model, its weeks, the
  RunOutput, the outcomes) and the CPU per run of a worker's whole path (``sweep.run_chunk``:
  batches of ``runner.batch_size()`` runs on one thread, only the experiment's outputs);
- the runner's overhead per run: everything a serial sweep does besides the model (checking the
  design point, seeding, storing the row in SQLite, the progress bar), as a share of the run;
- runs per second with the local executor at 1 and 2 worker processes, and the parallel
  efficiency ``rate(2) / (2 x rate(1))``;
- the time the full 26,624 runs would take at the 2-worker rate (an extrapolation, labelled so),
  or, with ``--full``, the measured time of the whole analysis (sweep + SALib).
Optionally (``--dask``) the same subset on a local Dask cluster of 2 workers on 127.0.0.1.

    PYTHONPATH=src python benchmarks/bench_sweep.py [--runs 400] [--full] [--dask]
    PYTHONPATH=src python benchmarks/bench_sweep.py --batch-scan   # CPU a run by batch size
    PYTHONPATH=src python benchmarks/bench_sweep.py --export       # what follows the runs, full size
    PYTHONPATH=src python benchmarks/bench_sweep.py --outside      # everything but the model, full size
    PYTHONPATH=src python benchmarks/bench_sweep.py --timeline     # the whole analysis, by phase

``--outside`` runs ``mentorsim sensitivity`` on the full design (in this process, 2 workers) with
the model replaced in the workers by a no-op (outputs made from the run id): what is left is
what the analysis costs besides the model, at full size. It prints the imports (a fresh
interpreter), the sweep machinery (wall; the parent's CPU a run while the runs come in: receiving
chunks, storing rows, progress; the workers' CPU a run outside the model), the tail of the runs
(how long before the end each worker got its last chunk back) and what follows the runs (the
sweep's exports, the SALib analysis, the plots) as wall and CPU.

CPU figures are ``time.thread_time`` in this process and ``getrusage(RUSAGE_CHILDREN)`` of the
workers: on a machine shared with other jobs they move far less than wall-clock rates.
"""

from __future__ import annotations

import argparse
import os
import platform
import resource
import sqlite3
import statistics
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mentorsim.executors import DaskExecutor, LocalExecutor, SerialExecutor  # noqa: E402
from mentorsim.experiments.designs import build_design  # noqa: E402
from mentorsim.experiments.experiment import experiment_from_dict  # noqa: E402
from mentorsim.experiments.sweep import run_sweep  # noqa: E402

EXPERIMENT = ROOT / "experiments" / "sobol_uncertain.toml"
N = 1024
BUDGET_S = 600.0


def experiment(n: int = N):
    data = tomllib.loads(EXPERIMENT.read_text())
    data["design"]["n"] = n
    return experiment_from_dict(data, str(EXPERIMENT), base_dir=EXPERIMENT.parent)


def model_time(exp, design, k: int) -> float:
    """Mean seconds of runner.evaluate at the first k design points (warm)."""
    from mentorsim.runner import evaluate
    from mentorsim.scenario import default_scenario
    base = default_scenario().with_params(dict(exp.base_overrides))
    params = [base.with_params(design.point(i)).params for i in range(k)]
    evaluate(params[0], seed=exp.seed, replicate=0)  # warm: numba cache, imports
    t = time.perf_counter()
    for p in params:
        evaluate(p, seed=exp.seed, replicate=0)
    return (time.perf_counter() - t) / k


def parts(exp, design, k: int) -> None:
    """CPU per run of each part of a sweep run, one run at a time as ``runner.evaluate`` does it,
    then of a worker's whole path (``sweep.run_chunk``) on one thread."""
    from mentorsim.experiments import sweep
    from mentorsim.model import model as kernel
    from mentorsim.results import RunOutput, run_outcomes
    job = sweep.make_job(exp, "bench")
    base = sweep._base(job)
    names = ("check the design point (Scenario.with_params)", "build the model (set-up)",
             "run its weeks", "RunOutput.from_model", "run_outcomes (all 65)", "release the model")
    cpu = dict.fromkeys(names, 0.0)
    for i in range(k + 5):
        t = [time.thread_time()]
        sc = base.with_params(design.point(i), source="bench")
        t.append(time.thread_time())
        m = kernel.MentorshipModel(sc.params, seed=exp.seed, replicate=0)
        t.append(time.thread_time())
        m.run()
        t.append(time.thread_time())
        out = RunOutput.from_model(m)
        t.append(time.thread_time())
        run_outcomes(out)
        t.append(time.thread_time())
        m.release()
        t.append(time.thread_time())
        if i >= 5:  # warm
            for name, a, b in zip(names, t, t[1:]):
                cpu[name] += b - a
    total = sum(cpu.values())
    print(f"where a run's CPU goes, one at a time ({k} runs, thread CPU): {1000 * total / k:.2f} ms a run")
    for name, v in cpu.items():
        print(f"  {name:48s} {1000 * v / k:6.3f} ms  {100 * v / total:5.1f}%")
    try:  # (this script also measures versions from before run_outcomes took names)
        run_outcomes(out, exp.outputs)
        t = time.thread_time()
        for _ in range(200):
            run_outcomes(out, exp.outputs)
        print(f"  (run_outcomes of the experiment's {len(exp.outputs)} outputs only: "
              f"{1000 * (time.thread_time() - t) / 200:.3f} ms)")
    except TypeError:
        pass
    chunk = next(iter(sweep.chunked(exp, design, list(range(k)), 1, k)))
    previous = os.environ.get("MENTORSIM_THREADS")
    os.environ["MENTORSIM_THREADS"] = "1"  # as in a worker process (executors.process_pool)
    try:
        from mentorsim import runner
        size = runner.batch_size() if hasattr(runner, "batch_size") else 1
        sweep.run_chunk(job, chunk[:4])  # warm
        chunked_cpu, alone_cpu = [], []
        for _ in range(3):  # alternated, in this process: the chunk path against one run at a time
            t = time.thread_time()
            records = sweep.run_chunk(job, chunk)
            chunked_cpu.append(1000 * (time.thread_time() - t) / k)
            t = time.thread_time()
            for _, point, replicate, values in chunk:
                sweep.run_one(job, point, replicate, values)  # check, runner.evaluate: all outcomes
            alone_cpu.append(1000 * (time.thread_time() - t) / k)
    finally:
        if previous is None:
            del os.environ["MENTORSIM_THREADS"]
        else:
            os.environ["MENTORSIM_THREADS"] = previous
    assert all(r.status == "done" for r in records)
    print(f"a worker's whole path, one thread, {k} runs, alternated 3 times: sweep.run_chunk (batches of {size}) "
          f"{statistics.median(chunked_cpu):.2f} ms CPU a run ({', '.join(f'{x:.2f}' for x in chunked_cpu)}); "
          f"one run at a time (sweep.run_one: check + runner.evaluate) {statistics.median(alone_cpu):.2f} ms "
          f"({', '.join(f'{x:.2f}' for x in alone_cpu)})")


def batch_scan(exp, design, sizes=(1, 2, 4, 8, 16, 32), k: int = 96, repeats: int = 3) -> None:
    """CPU a run of ``runner.simulate_batch`` at each batch size over the first k design points,
    alternated, on one thread and then with the default threads (what ``runner.batch_size`` is
    chosen from)."""
    from mentorsim import runner
    from mentorsim.experiments import sweep
    base = sweep._base(sweep.make_job(exp, "bench"))
    params = [base.with_params(design.point(i), source="bench").params for i in range(k)]
    runner.simulate_batch([(params[0], exp.seed, 0), (params[1], exp.seed, 0)])  # warm
    previous = os.environ.get("MENTORSIM_THREADS")
    try:
        for threads in ("1", previous or ""):
            if threads:
                os.environ["MENTORSIM_THREADS"] = threads
            else:
                os.environ.pop("MENTORSIM_THREADS", None)
            cpu: dict[int, list[float]] = {b: [] for b in sizes}
            for _ in range(repeats):
                for b in sizes:
                    t = time.process_time()  # all threads of this process
                    for lo in range(0, k, b):
                        runner.simulate_batch([(p, exp.seed, 0) for p in params[lo:lo + b]], batch=b)
                    cpu[b].append(1000 * (time.process_time() - t) / k)
            label = f"MENTORSIM_THREADS={threads}" if threads else "default threads"
            print(f"simulate_batch by batch size, {label}, {k} design points, median of {repeats} (CPU a run, "
                  "all threads): " + ", ".join(f"{b}: {statistics.median(v):.2f} ms" for b, v in cpu.items()))
    finally:
        if previous is None:
            os.environ.pop("MENTORSIM_THREADS", None)
        else:
            os.environ["MENTORSIM_THREADS"] = previous


def export_phases(exp, design) -> None:
    """Wall time of what follows the runs of the full design, on a store of its 26,624 runs with
    random outputs (the phases do not depend on the values): reading the store, the SALib
    analysis, the per-point summary and the exports with their plot."""
    import numpy as np

    from mentorsim.experiments import sensitivity, sweep
    from mentorsim.experiments.designs import experiment_posterior
    from mentorsim.experiments.store import RunRecord
    rng = np.random.default_rng(0)
    with tempfile.TemporaryDirectory() as d:
        out = Path(d)
        store = sweep.open_store(exp, design, out, False, experiment_posterior(exp))
        try:
            runs = [run for chunk in sweep.chunked(exp, design, list(range(design.n_points)), 2) for run in chunk]
            store.record([RunRecord(run_id=r, point=p, replicate=rep, seed=exp.seed, params=v,
                                    outputs={o: float(rng.normal()) for o in exp.outputs}, elapsed_s=0.01)
                          for r, p, rep, v in runs])
            times = {}
            t = time.perf_counter()
            frame = store.frame()
            times["read the store"] = time.perf_counter() - t
            t = time.perf_counter()
            sensitivity.analyze(exp, design, frame)
            times["SALib analysis (3 outputs, bootstrap)"] = time.perf_counter() - t
            t = time.perf_counter()
            sweep.point_summary(exp, design, store.typed_frame(sweep.export_columns(exp)))
            times["per-point summary (points.csv)"] = time.perf_counter() - t
            t = time.perf_counter()
            sweep.export_sweep(exp, design, store, out)
            times["the whole export (runs.csv, Parquet, points.csv, plot)"] = time.perf_counter() - t
        finally:
            store.close()
    print(f"after the runs, {design.n_points} points (wall): "
          + "; ".join(f"{k} {v:.2f} s" for k, v in times.items()))


class _MapTimed:
    """An executor whose ``map`` (the runs coming in: receiving, storing, progress) is timed in
    parent CPU; the rest of a sweep (design, store, export) is its fixed set-up."""

    def __init__(self, executor):
        self.executor, self.map_cpu = executor, 0.0
        self.label, self.workers = executor.label, executor.workers

    def map(self, *args, **kwargs):
        t = time.process_time()
        try:
            return self.executor.map(*args, **kwargs)
        finally:
            self.map_cpu += time.process_time() - t


def outside_the_model(workers: int = 2, model: bool = False, n_base: int = N) -> None:
    """``mentorsim sensitivity`` of the full design with the model a no-op in the workers: what
    the analysis costs besides the model, by phase (see the module docstring). ``model``: with
    the model (``--timeline``: the whole analysis, its phases timed the same way). ``n_base``: the
    design's N (``--n``; 1024, the experiment's, by default)."""
    import contextlib
    import io
    import math
    import re
    import subprocess

    from mentorsim import executors
    from mentorsim.cli.main import main as cli
    from mentorsim.experiments import sweep

    env = os.environ | {"PYTHONPATH": str(ROOT / "src")}
    code = ("import time; t = time.perf_counter(); import mentorsim.cli.main, mentorsim.experiments.sweep, "
            "mentorsim.experiments.sensitivity; print(time.perf_counter() - t)")
    imports = [float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True,
                                    check=True).stdout) for _ in range(2)]

    def no_model(job, chunk, records):  # (forked workers inherit it)
        for rec, (run_id, *_) in zip(records, chunk):
            rec.outputs = {o: math.sin(run_id * (k + 1.3)) for k, o in enumerate(job.outputs)}
            rec.elapsed_s = 0.0

    marks: dict[str, tuple[float, float, float]] = {}  # wall, parent CPU, children CPU
    arrivals: list[tuple[float, str]] = []

    def mark(name):
        ch = resource.getrusage(resource.RUSAGE_CHILDREN)
        marks[name] = (time.perf_counter(), time.process_time(), ch.ru_utime + ch.ru_stime)

    real_map, real_close, real_models = executors.LocalExecutor.map, executors.LocalExecutor.close, sweep.run_model_runs

    def timed_map(self, fn, job, chunks, on_result, on_lost, *a, **k):
        def arrived(chunk, records):
            arrivals.append((time.perf_counter(), records[0].worker if records else ""))
            on_result(chunk, records)
        mark("runs start")
        try:
            return real_map(self, fn, job, chunks, arrived, on_lost, *a, **k)
        finally:
            mark("runs end")

    def timed_close(self):
        real_close(self)
        if "runs end" in marks and "workers gone" not in marks:
            mark("workers gone")

    text = re.sub(r'(?m)^base = .*$', f'base = "{(ROOT / "scenarios" / "ss2020.toml").as_posix()}"',
                  EXPERIMENT.read_text())
    text = re.sub(r'(?m)^n = \d+$', f"n = {n_base}", text)
    executors.LocalExecutor.map, executors.LocalExecutor.close = timed_map, timed_close
    if not model:
        sweep.run_model_runs = no_model
    try:
        with tempfile.TemporaryDirectory() as d:
            path = Path(d) / "sobol_uncertain.toml"
            path.write_text(text)
            mark("start")
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                code = cli(["sensitivity", str(path), "--workers", str(workers), "--out", str(Path(d) / "out")])
            mark("end")
            assert code == 0, f"mentorsim sensitivity exited {code}"
            assert (Path(d) / "out" / "manifest.json").exists() and (Path(d) / "out" / "sensitivity" / "manifest.json").exists()
    finally:
        executors.LocalExecutor.map, executors.LocalExecutor.close = real_map, real_close
        sweep.run_model_runs = real_models

    def span(a, b, i):
        return marks[b][i] - marks[a][i]

    n = n_base * (2 * 12 + 2)
    last = {}
    for t, worker in arrivals:
        last[worker] = t
    idle = sorted(marks["runs end"][0] - t for t in last.values())
    print(f"{'the whole analysis' if model else 'everything but the model'}, `mentorsim sensitivity` of {n} runs, "
          f"{workers} workers{'' if model else ', the model a no-op'} (wall s; CPU s; load average now "
          f"{os.getloadavg()[0]:.2f}):")
    print(f"  imports (fresh interpreter, twice): {imports[0]:.2f}, {imports[1]:.2f} s")
    print(f"  start (experiment, design, store, workers): {span('start', 'runs start', 0):.2f} s")
    print(f"  the runs: {span('runs start', 'runs end', 0):.2f} s; parent CPU {1000 * span('runs start', 'runs end', 1) / n:.4f}"
          f" ms a run (receiving {len(arrivals)} chunks, storing, progress); workers CPU "
          f"{1000 * span('runs start', 'workers gone', 2) / n:.4f} ms a run{'' if model else ' (no model)'}")
    print(f"  after the runs (exports, analysis, plots): {span('runs end', 'end', 0):.2f} s wall; CPU: parent "
          f"{span('runs end', 'end', 1):.2f} s, helper processes {span('workers gone', 'end', 2):.2f} s")
    print(f"  in all: {span('start', 'end', 0):.2f} s + imports; (the tail: workers' last chunks "
          f"back {', '.join(f'{x:.3f}' for x in idle)} s before the runs' end)")


def timed_sweep(exp, executor, runs: int, chunk_size: int | None = None) -> tuple[float, float, int, float]:
    """(wall seconds, seconds inside the model summed over runs, runs, parent CPU seconds while
    the runs came in) of a partial sweep."""
    timed = _MapTimed(executor)
    with tempfile.TemporaryDirectory() as d:
        s = run_sweep(exp, Path(d), timed, progress=False, export=False, max_runs=runs, chunk_size=chunk_size)
        with sqlite3.connect(Path(d) / "runs.sqlite") as conn:
            inner, failed = conn.execute(
                "SELECT SUM(elapsed_s), SUM(status = 'failed') FROM runs").fetchone()
    assert failed == 0, f"{failed} runs failed"
    return s.elapsed_s, inner, s.ran, timed.map_cpu


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=400, help="runs per measurement (default 400)")
    ap.add_argument("--full", action="store_true", help="also run the whole 26,624-run analysis (2 workers)")
    ap.add_argument("--dask", action="store_true", help="also measure a local Dask cluster of 2 workers")
    ap.add_argument("--batch-scan", action="store_true", help="only: CPU a run of simulate_batch by batch size")
    ap.add_argument("--export", action="store_true",
                    help="only: the phases after the runs (analysis, summary, exports) at full size")
    ap.add_argument("--outside", action="store_true",
                    help="only: everything but the model, full size (the model a no-op in the workers)")
    ap.add_argument("--timeline", action="store_true",
                    help="only: the whole full-size analysis with the model, timed by phase as --outside")
    ap.add_argument("--n", type=int, default=N, help=f"with --outside/--timeline: the design's N (default {N})")
    args = ap.parse_args()
    exp = experiment()
    t = time.perf_counter()
    design = build_design(exp)
    t_design = time.perf_counter() - t
    total = design.n_points * exp.replicates
    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, "
          f"load average {os.getloadavg()[0]:.2f}; python {platform.python_version()}")
    print(f"design: Sobol/Saltelli, 12 parameters, N = {N}, second order: {total} runs "
          f"(built in {t_design:.2f} s); measuring the first {args.runs} runs\n")

    if args.batch_scan:
        batch_scan(exp, design)
        return
    if args.export:
        export_phases(exp, design)
        return
    if args.outside or args.timeline:
        outside_the_model(model=args.timeline, n_base=args.n)
        return
    per_run = model_time(exp, design, min(100, args.runs))
    print(f"model alone (runner.evaluate, warm, in-process): {1000 * per_run:.1f} ms a run")
    parts(exp, design, min(200, args.runs))

    wall, inner, n, _ = timed_sweep(exp, SerialExecutor(), args.runs)
    overhead = (wall - inner) / inner
    print(f"serial sweep: {n} runs in {wall:.1f} s = {n / wall:.2f} runs/s; model {1000 * inner / n:.1f} ms a run, "
          f"runner overhead {1000 * (wall - inner) / n:.2f} ms a run = {100 * overhead:.2f}% of the run "
          f"(target < 5%)")

    rates, utilisation = {}, {}
    for w in (1, 2):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        parent = time.process_time()
        with LocalExecutor(w) as ex:
            timed_sweep(exp, ex, 2 * w, chunk_size=1)  # start the workers (fork) before timing
            wall, inner, n, in_map = timed_sweep(exp, ex, args.runs)
        parent = time.process_time() - parent
        after = resource.getrusage(resource.RUSAGE_CHILDREN)  # the workers, now they have ended
        workers_cpu = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        rates[w] = n / wall
        utilisation[w] = inner / (wall * w)
        print(f"local executor, {w} worker{'s' if w > 1 else ''}: {n} runs in {wall:.1f} s = {rates[w]:.2f} runs/s "
              f"(model {1000 * inner / n:.1f} ms a run inside the workers; workers busy in the model "
              f"{100 * utilisation[w]:.0f}% of the wall time); CPU a run: workers {1000 * workers_cpu / (n + 2 * w):.2f} "
              f"ms, parent {1000 * parent / (n + 2 * w):.2f} ms = {1000 * in_map / n:.3f} ms while the runs came in "
              f"(receiving, storing, progress) + {parent - in_map:.2f} s of set-up for the two sweeps (design, "
              "store, pool) spread over the runs")
    eff = rates[2] / (2 * rates[1])
    print(f"parallel efficiency, 2 workers vs 1: {100 * eff:.0f}% (throughput); the model's own time a run went "
          f"from {1000 / rates[1] * utilisation[1]:.0f} to {2000 / rates[2] * utilisation[2]:.0f} ms: "
          "when that rises, the workers are sharing cores with other processes (see the load average)")
    control = experiment_from_dict({
        "experiment": {"outputs": ["y"], "target": "mentorsim.experiments.testfunctions:fixed_work"},
        "design": {"method": "lhs", "n": max(50, args.runs // 2)},
        "parameters": {"x": {"low": 0.0, "high": 1.0}}}, "control")
    crates = {}
    for w in (1, 2):
        with LocalExecutor(w) as ex:
            wall, inner, n, _ = timed_sweep(control, ex, None)
        crates[w] = n / wall
    print(f"control, fixed pure-Python work (no model): {crates[1]:.2f} runs/s with 1 worker, {crates[2]:.2f} with 2 "
          f"= {100 * crates[2] / (2 * crates[1]):.0f}% efficiency: what this machine gives two processes now")

    if args.dask:
        from distributed import LocalCluster
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, silence_logs=40) as cluster:
            with DaskExecutor(cluster.scheduler_address) as ex:
                timed_sweep(exp, ex, 4, chunk_size=1)  # warm the workers
                wall, inner, n, _ = timed_sweep(exp, ex, args.runs)
        print(f"Dask, 2 workers on 127.0.0.1: {n} runs in {wall:.1f} s = {n / wall:.2f} runs/s")

    est = total / rates[2]
    verdict = "within" if est <= BUDGET_S else "OVER"
    ideal = total * per_run / 2
    print(f"\nEXTRAPOLATED from {args.runs} runs: the full {total} runs at {rates[2]:.2f} runs/s (2 workers) "
          f"take {est / 60:.1f} min, {verdict} the 10-minute target. With two free cores and no overhead they "
          f"would take {ideal / 60:.1f} min at {1000 * per_run:.0f} ms a run; the target needs the model at "
          f"{1000 * BUDGET_S * 2 / total:.0f} ms a run or less.")
    if args.full:
        from mentorsim.experiments import sensitivity
        from mentorsim.experiments.store import RunStore
        with tempfile.TemporaryDirectory() as d, LocalExecutor(2) as ex:
            t = time.perf_counter()
            s = run_sweep(exp, Path(d), ex, progress=True, export=False)
            t_sweep = time.perf_counter() - t
            with RunStore.open(Path(d) / "runs.sqlite") as store:
                frame = store.frame()
            t = time.perf_counter()
            sensitivity.analyze(exp, design, frame)
            t_an = time.perf_counter() - t
        print(f"MEASURED full analysis: {s.ran} runs in {t_sweep / 60:.1f} min ({s.ran / t_sweep:.2f} runs/s) "
              f"+ SALib analysis {t_an:.1f} s = {(t_sweep + t_an) / 60:.1f} min")


if __name__ == "__main__":
    main()
