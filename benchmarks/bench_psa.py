"""Time per PSA draw (all strategies of the policy comparison plus the comparator), serial and
with worker processes, and the time of one economic evaluation of a run.

    PYTHONPATH=src python benchmarks/bench_psa.py [--draws 12] [--workers 2]

Prints figures; asserts nothing (speed is measured here, never in tests).
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import time

from mentorsim.economics.evaluation import comparator_params, evaluate_run
from mentorsim.economics.psa import Strategy, run_psa
from mentorsim.runner import simulate
from mentorsim.scenario import load_scenario

SCENARIOS = ("ss2020", "ss2020_weekly_echo", "in_person_only", "virtual_only", "local_mentors")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=12)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    scen = [load_scenario(f"scenarios/{n}.toml") for n in SCENARIOS]
    p = dict(scen[0].params)
    out, comp = simulate(p, 1, 0), simulate(comparator_params(p), 1, 0)  # warm-up (numba cache)
    t = time.perf_counter()
    for r in range(5):
        out = simulate(p, 1, r)
    sim = (time.perf_counter() - t) / 5
    t = time.perf_counter()
    for _ in range(5):
        evaluate_run(p, 1, 0, comparator=comp, out=out)
    ev = (time.perf_counter() - t) / 5
    print(f"one simulation (ss2020, 41 months): {sim * 1000:.0f} ms; "
          f"its economic evaluation: {ev * 1000:.0f} ms")
    strategies = [Strategy.from_scenario(s) for s in scen]
    for workers in (1, args.workers):
        t, cpu = time.perf_counter(), time.process_time()
        run_psa(strategies, args.draws, seed=1, workers=workers, progress=False)
        dt = time.perf_counter() - t
        cpu_note = f", {(time.process_time() - cpu) / args.draws:.3f} s CPU a draw" if workers == 1 else ""
        print(f"PSA {args.draws} draws x {len(strategies) + 1} strategies, workers={workers}: "
              f"{dt:.1f} s total, {dt / args.draws:.3f} s per draw{cpu_note}")
    print(f"control: pure Python on {args.workers} processes ran {parallel_control(args.workers):.2f}x "
          "as fast as serially (what the machine's load leaves for the workers)")


def _burn(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


def parallel_control(workers: int, n: int = 4_000_000) -> float:
    """Speed-up of ``workers`` processes over one on pure-Python work, now."""
    t = time.perf_counter()
    for _ in range(workers):
        _burn(n)
    serial = time.perf_counter() - t
    with cf.ProcessPoolExecutor(workers) as ex:
        t = time.perf_counter()
        list(ex.map(_burn, [n] * workers))
        return serial / (time.perf_counter() - t)


if __name__ == "__main__":
    main()
