"""Marginal cost of a replicate through ``mentorsim run`` (CPU and wall time of the whole
command, with and without --out): (time at N2 replicates - time at N1) / (N2 - N1), median of
``--repeats`` alternating pairs. Also, in this process, the replicates of ``runner.compare`` (in
batches, ``runner.simulate_each``) against the same replicates one at a time (``simulate``, as
``compare`` ran them before), alternated ``--repeats`` times. And what a replicate costs outside
the model (``outside_model``): the simulated replicates are kept, and everything ``mentorsim run``
does with them after the runs (outcomes, summaries, the table, --out's files) is timed alone, in
this process, CPU time, best of ``--repeats``; the same code runs against an older source tree
(``PYTHONPATH=/path/to/old/src``) for a before/after table. Prints figures; asserts nothing.

    PYTHONPATH=src python benchmarks/bench_run_cli.py [--small 10] [--large 60] [--repeats 3]
    PYTHONPATH=src python benchmarks/bench_run_cli.py --outside-only [--small 40 --large 200 --repeats 5]
    PYTHONPATH=src python benchmarks/bench_run_cli.py --outside-only --in-process  # + the command in process
    PYTHONPATH=src python benchmarks/bench_run_cli.py --outside-only --scenarios ss2020 no_mentorship ...  # compare
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def one(replicates: int, out: bool) -> tuple[float, float]:
    """(CPU seconds, wall seconds) of one ``mentorsim run ss2020`` in a fresh process."""
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", "mentorsim", "run", "ss2020", "--replicates", str(replicates),
               "--seed", "1"] + (["--out", os.path.join(tmp, "o")] if out else [])
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        wall = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime, wall


def csv_writers(replicates: int, repeats: int) -> None:
    """CPU time a replicate of writing timeseries.csv: pandas' ``to_csv`` against the writer
    ``mentorsim run --out`` uses (``cli.run._csv_in_parts``, same bytes), in this process."""
    import pandas as pd

    from mentorsim.cli.run import _csv_in_parts
    from mentorsim.runner import compare
    from mentorsim.scenario import load_scenario
    frame = pd.concat([r.timeseries() for r in compare([load_scenario("ss2020")], seed=1,
                                                       replicates=replicates)])
    with tempfile.TemporaryDirectory() as tmp:
        times = {"pandas to_csv": [], "cli.run writer": []}
        for _ in range(repeats):
            t = time.process_time()
            frame.to_csv(os.path.join(tmp, "a.csv"), index=False)
            times["pandas to_csv"].append(time.process_time() - t)
            t = time.process_time()
            _csv_in_parts(frame, os.path.join(tmp, "b.csv"), lambda: None)
            times["cli.run writer"].append(time.process_time() - t)
        same = open(os.path.join(tmp, "a.csv"), "rb").read() == open(os.path.join(tmp, "b.csv"), "rb").read()
    print(f"timeseries.csv of {replicates} replicates ({len(frame)} rows x {frame.shape[1]} columns), "
          f"CPU a replicate, median of {repeats}: " + ", ".join(
              f"{k} {statistics.median(v) / replicates * 1000:.1f} ms" for k, v in times.items())
          + f"; same bytes: {same}")


def batched_against_alone(replicates: int, repeats: int) -> None:
    """CPU a replicate of ``runner.compare`` (batched) and of ``simulate`` one at a time, the same
    ``ss2020`` replicates, alternated in this process (thread CPU of both threads: process time)."""
    from mentorsim.results import Results
    from mentorsim.runner import batch_size, compare, simulate
    from mentorsim.scenario import load_scenario
    sc = load_scenario("ss2020")
    compare([sc], seed=1, replicates=2 * batch_size())  # warm: kernels and first calls
    times = {"one at a time": [], "compare (batched)": []}
    for _ in range(repeats):
        t = time.process_time()  # what compare did before: simulate each, then Results (outcomes)
        Results(scenario=sc, seed=1, runs=[simulate(sc.params, seed=1, replicate=r) for r in range(replicates)])
        times["one at a time"].append(time.process_time() - t)
        t = time.process_time()
        compare([sc], seed=1, replicates=replicates)
        times["compare (batched)"].append(time.process_time() - t)
    print(f"ss2020, {replicates} replicates in this process (batch {batch_size()}), CPU a replicate, "
          f"median of {repeats}: " + ", ".join(
              f"{k} {statistics.median(v) / replicates * 1000:.2f} ms "
              f"({', '.join(f'{x / replicates * 1000:.2f}' for x in v)})" for k, v in times.items()))


def outside_model(small: int, large: int, repeats: int, names: tuple[str, ...] = ("ss2020",)) -> None:
    """Marginal CPU a replicate of each step ``mentorsim run ss2020 --replicates N`` (or, with
    several scenario ``names``, ``mentorsim compare NAMES``; a replicate is then one scenario's)
    takes after the runs, (time at ``large`` - time at ``small``) / (large - small): the Results
    (every run's outcomes), the summary, the whole report without and with --out
    (``cli.run.run_and_report`` on fresh Results of runs made once: the simulation replaced by
    taking them), and --out's two largest parts. Best of ``repeats``, CPU time, in this process."""
    import argparse as _argparse
    import contextlib
    import io
    from pathlib import Path

    from mentorsim import runner
    from mentorsim.cli import run as cli_run
    from mentorsim.results import Results
    from mentorsim.scenario import load_scenario
    scs = [load_scenario(name) for name in names]
    made = [res.runs for res in runner.compare(scs, seed=1, replicates=large)]
    n = large

    def fresh(_scenarios=None, seed=1, replicates=None, progress=None):
        return [Results(scenario=sc, seed=seed, runs=runs[:n]) for sc, runs in zip(scs, made)]

    def report(out: bool):
        with tempfile.TemporaryDirectory() as tmp:
            args = _argparse.Namespace(replicates=n, seed=1, out=Path(tmp) / "o" if out else None,
                                       format="table")
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                cli_run.run_and_report(scs, args)

    def csv():
        import pandas as pd
        frame = pd.concat([r.timeseries() for r in fresh()])
        with tempfile.TemporaryDirectory() as tmp:
            t = time.process_time()
            cli_run._csv_in_parts(frame, Path(tmp) / "t.csv", lambda: None)
            return time.process_time() - t

    steps = {"Results (outcomes of every run)": lambda: fresh(),
             "Results + summary()": lambda: [r.summary() for r in fresh()],
             "run report, no --out (Results, summaries, table)": lambda: report(False),
             "run report with --out (all files)": lambda: report(True),
             "  of which Results.timeseries()": lambda: [r.timeseries() for r in fresh()],
             "  of which timeseries.csv writing": csv}

    def best(fn) -> float:
        times = []
        for _ in range(repeats):
            t = time.process_time()
            inner = fn()
            times.append(inner if isinstance(inner, float) else time.process_time() - t)
        return min(times)

    saved = runner.compare
    runner.compare = fresh  # run_and_report imports it from runner when called
    try:
        report(True)  # warm: plotting imports, fonts
        at = {}
        for n in (small, large):  # fresh() reads n
            at[n] = {k: best(fn) for k, fn in steps.items()}
    finally:
        runner.compare = saved
    print(f"outside the model, {' '.join(names)}: marginal CPU ms a replicate of a scenario ({small} -> {large} "
          f"replicates, best of {repeats}; total at {large} in brackets):")
    for k in steps:
        per = (at[large][k] - at[small][k]) / ((large - small) * len(scs)) * 1000
        print(f"  {k:52s} {per:7.3f}   ({at[large][k]:.3f} s)")


def in_process(small: int, large: int, repeats: int) -> None:
    """Marginal CPU a replicate of the whole ``mentorsim run ss2020`` command run in this process
    (``cli.main.main``), without and with --out: (CPU at ``large`` - CPU at ``small``) / (large -
    small), median of ``repeats`` pairs."""
    import contextlib
    import io

    from mentorsim.cli.main import main as cli_main

    def cpu(n: int, out: bool) -> float:
        with tempfile.TemporaryDirectory() as tmp:
            args = ["run", "ss2020", "--replicates", str(n), "--seed", "1"] + (["--out", tmp + "/o"] if out else [])
            t = time.process_time()
            with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
                cli_main(args)
            return time.process_time() - t

    cpu(small, True)  # warm: kernels, plotting imports
    for out in (False, True):
        pairs = [(cpu(large, out) - cpu(small, out)) / (large - small) * 1000 for _ in range(repeats)]
        print(f"mentorsim run ss2020 {'--out' if out else '(no --out)'} in this process: marginal CPU a "
              f"replicate {statistics.median(pairs):.2f} ms (median of {repeats}; "
              f"{', '.join(f'{x:.2f}' for x in pairs)})")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=10)
    ap.add_argument("--large", type=int, default=60)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--outside-only", action="store_true", help="only the steps outside the model")
    ap.add_argument("--scenarios", nargs="+", default=["ss2020"],
                    help="scenarios of outside_model (several: the compare command's report)")
    ap.add_argument("--in-process", action="store_true",
                    help="also the whole command run in this process (cli.main.main), without and with --out")
    args = ap.parse_args()
    outside_model(args.small, args.large, args.repeats, tuple(args.scenarios))
    if args.in_process:
        in_process(args.small, args.large, max(args.repeats, 5))
    if args.outside_only:
        return
    batched_against_alone(args.large, max(args.repeats, 5))
    csv_writers(args.large, args.repeats)
    one(2, False)  # numba cache warm
    span = args.large - args.small
    for out in (False, True):
        cpu, wall = [], []
        for _ in range(args.repeats):
            c1, w1 = one(args.small, out)
            c2, w2 = one(args.large, out)
            cpu.append((c2 - c1) / span * 1000)
            wall.append((w2 - w1) / span * 1000)
        print(f"mentorsim run ss2020 {'--out' if out else '(no --out)'}: marginal per replicate "
              f"{statistics.median(cpu):.1f} ms CPU, {statistics.median(wall):.1f} ms wall "
              f"(median of {args.repeats}; CPU {', '.join(f'{x:.1f}' for x in cpu)})")


if __name__ == "__main__":
    main()
