"""``mentorsim plan-pool`` end to end: wall and CPU time of the whole command (issues 15-16: 200
facilities, a visit every 9 weeks, under 10 s on this 2-core machine).

Runs the command ``--repeat`` times as a child process (imports, workers and printing included)
and prints each run's wall time, its CPU time (user + system of the command and its workers,
from the operating system's accounting of finished children) and the medians, with the load
average before and after (the machine is shared: a load above the free cores slows the wall
time, not the CPU time). The last run's JSON is written to ``--json`` if given, to compare
results before and after a change.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_plan_pool.py [--repeat 3] [--workers 2]
        [--facilities 200] [--interval 9] [--json out.json] [-- extra plan-pool options]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time


def one_run(cmd: list[str], env: dict) -> tuple[float, float, str]:
    """(wall seconds, CPU seconds, stdout) of one run of ``cmd``."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, done.stdout


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--facilities", type=int, default=200)
    ap.add_argument("--interval", type=int, default=9)
    ap.add_argument("--json", default=None, help="write the last run's JSON here")
    ap.add_argument("extra", nargs="*", help="more plan-pool options (after --)")
    args = ap.parse_args(argv)
    cmd = [sys.executable, "-m", "mentorsim", "plan-pool", "--facilities", str(args.facilities),
           "--visit-interval-weeks", str(args.interval), "--workers", str(args.workers),
           "--format", "json", *args.extra]
    env = dict(os.environ)
    print(" ".join(cmd[1:]))
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    walls, cpus, out = [], [], ""
    for i in range(args.repeat):
        wall, cpu, out = one_run(cmd, env)
        walls.append(wall)
        cpus.append(cpu)
        print(f"  run {i + 1}: {wall:6.2f} s wall, {cpu:6.2f} s CPU")
    print(f"median: {statistics.median(walls):.2f} s wall, {statistics.median(cpus):.2f} s CPU "
          f"(load average after: {os.getloadavg()[0]:.2f})")
    if args.json:
        with open(args.json, "w") as fh:
            fh.write(out)


if __name__ == "__main__":
    main()
