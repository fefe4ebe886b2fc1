"""Sweep throughput: the Sobol analysis of 12 parameters with N = 1024 and second-order indices
(1024 x (2 x 12 + 2) = 26,624 runs of the model; experiments/sobol_uncertain.toml at n = 1024).

Prints, for a subset of the design's runs (the first RUNS in run order, default 400):
- the model's own time per run (``runner.evaluate``, warm, in this process);
- the runner's overhead per run: everything a serial sweep does besides the model (checking the
  design point, seeding, storing the row in SQLite, the progress bar), as a share of the run;
- runs per second with the local executor at 1 and 2 worker processes, and the parallel
  efficiency ``rate(2) / (2 x rate(1))``;
- the time the full 26,624 runs would take at the 2-worker rate (an extrapolation, labelled so),
  or, with ``--full``, the measured time of the whole analysis (sweep + SALib).
Optionally (``--dask``) the same subset on a local Dask cluster of 2 workers on 127.0.0.1.

    PYTHONPATH=src python benchmarks/bench_sweep.py [--runs 400] [--full] [--dask]
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
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


def timed_sweep(exp, executor, runs: int, chunk_size: int | None = None) -> tuple[float, float, int]:
    """(wall seconds, seconds inside the model summed over runs, runs) of a partial sweep."""
    with tempfile.TemporaryDirectory() as d:
        s = run_sweep(exp, Path(d), executor, progress=False, export=False, max_runs=runs, chunk_size=chunk_size)
        with sqlite3.connect(Path(d) / "runs.sqlite") as conn:
            inner, failed = conn.execute(
                "SELECT SUM(elapsed_s), SUM(status = 'failed') FROM runs").fetchone()
    assert failed == 0, f"{failed} runs failed"
    return s.elapsed_s, inner, s.ran


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=400, help="runs per measurement (default 400)")
    ap.add_argument("--full", action="store_true", help="also run the whole 26,624-run analysis (2 workers)")
    ap.add_argument("--dask", action="store_true", help="also measure a local Dask cluster of 2 workers")
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

    per_run = model_time(exp, design, min(100, args.runs))
    print(f"model alone (runner.evaluate, warm, in-process): {1000 * per_run:.1f} ms a run")

    wall, inner, n = timed_sweep(exp, SerialExecutor(), args.runs)
    overhead = (wall - inner) / inner
    print(f"serial sweep: {n} runs in {wall:.1f} s = {n / wall:.2f} runs/s; model {1000 * inner / n:.1f} ms a run, "
          f"runner overhead {1000 * (wall - inner) / n:.2f} ms a run = {100 * overhead:.2f}% of the run "
          f"(target < 5%)")

    rates, utilisation = {}, {}
    for w in (1, 2):
        with LocalExecutor(w) as ex:
            timed_sweep(exp, ex, 2 * w, chunk_size=1)  # start the workers (fork) before timing
            wall, inner, n = timed_sweep(exp, ex, args.runs)
        rates[w] = n / wall
        utilisation[w] = inner / (wall * w)
        print(f"local executor, {w} worker{'s' if w > 1 else ''}: {n} runs in {wall:.1f} s = {rates[w]:.2f} runs/s "
              f"(model {1000 * inner / n:.1f} ms a run inside the workers; workers busy in the model "
              f"{100 * utilisation[w]:.0f}% of the wall time)")
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
            wall, inner, n = timed_sweep(control, ex, None)
        crates[w] = n / wall
    print(f"control, fixed pure-Python work (no model): {crates[1]:.2f} runs/s with 1 worker, {crates[2]:.2f} with 2 "
          f"= {100 * crates[2] / (2 * crates[1]):.0f}% efficiency: what this machine gives two processes now")

    if args.dask:
        from distributed import LocalCluster
        with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                          dashboard_address=None, silence_logs=40) as cluster:
            with DaskExecutor(cluster.scheduler_address) as ex:
                timed_sweep(exp, ex, 4, chunk_size=1)  # warm the workers
                wall, inner, n = timed_sweep(exp, ex, args.runs)
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
