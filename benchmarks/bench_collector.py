"""What Python's cyclic garbage collector costs a run through the batch path (figures printed; no
assertions): ``runner.simulate_each`` of RUNS replicates of ``scenarios/ss2020.toml`` (set-up,
batched weeks, RunOutput) after a warm-up of 32, CPU a run (``time.thread_time``) and the
collector's time a run by generation (``gc.callbacks``), with the number of collections.

A model that sits in a reference cycle is freed only by the collector: its arrays then stay
allocated while the next models are built, and what outlives a collection goes on to full
collections (150-300 ms each with numba loaded). See model/weak.py and docs/BENCHMARKS.md.

    MENTORSIM_THREADS=1 PYTHONPATH=src python benchmarks/bench_collector.py [--runs 1600]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if not os.environ.get("PYTHONPATH"):  # else the package comes from there (to time another checkout)
    sys.path.insert(0, str(ROOT / "src"))

from mentorsim.runner import simulate_each  # noqa: E402
from mentorsim.scenario import load_scenario  # noqa: E402


def collector_cost(runs: int) -> dict:
    """CPU ms a run, and the collector's ms a run and collections by generation, over ``runs``."""
    p = dict(load_scenario(ROOT / "scenarios" / "ss2020.toml").params)
    list(simulate_each([(p, 1, r) for r in range(32)]))  # warm-up: compiled kernels loaded
    spent, count, started = [0.0, 0.0, 0.0], [0, 0, 0], [0.0]

    def timer(phase, info):
        if phase == "start":
            started[0] = time.perf_counter()
        else:
            spent[info["generation"]] += time.perf_counter() - started[0]
            count[info["generation"]] += 1

    gc.callbacks.append(timer)
    try:
        t = time.thread_time()
        for out in simulate_each([(p, 1, r) for r in range(runs)]):
            out.fingerprint()
        cpu = time.thread_time() - t
    finally:
        gc.callbacks.remove(timer)
    return {"cpu_ms": 1000 * cpu / runs, "gc_ms": [1000 * s / runs for s in spent], "collections": count}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=1600)
    a = ap.parse_args(argv)
    r = collector_cost(a.runs)
    print(f"ss2020, {a.runs} runs through runner.simulate_each: {r['cpu_ms']:.2f} ms CPU a run; the collector a run: "
          + ", ".join(f"generation {g} {r['gc_ms'][g]:.3f} ms ({r['collections'][g]} collections)" for g in range(3)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
