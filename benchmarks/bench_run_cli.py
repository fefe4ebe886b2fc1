"""Marginal cost of a replicate through ``mentorsim run`` (CPU and wall time of the whole
command, with and without --out): (time at N2 replicates - time at N1) / (N2 - N1), median of
``--repeats`` alternating pairs. Prints figures; asserts nothing.

    PYTHONPATH=src python benchmarks/bench_run_cli.py [--small 10] [--large 60] [--repeats 3]
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


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--small", type=int, default=10)
    ap.add_argument("--large", type=int, default=60)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args()
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
