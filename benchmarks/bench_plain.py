"""CPU time of one `ss2020` replicate in process without step timers: set-up (building the model)
and the run (``model.run()``), median over RUNS replicates after a warm-up (figures printed; no
assertions). bench_where.py splits a run by step, but its timers add about 1.2 us a step and a
week (two ``time.thread_time`` calls); this gives the run as users get it.

    PYTHONPATH=src python benchmarks/bench_plain.py [--runs 60]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if not os.environ.get("PYTHONPATH"):  # else the package comes from there (to time another checkout)
    sys.path.insert(0, str(ROOT / "src"))

from mentorsim.model.model import MentorshipModel  # noqa: E402
from mentorsim.scenario import load_scenario  # noqa: E402


def plain(runs: int) -> dict[str, float]:
    """Median CPU milliseconds of set-up, run and both, over ``runs`` replicates of ss2020."""
    p = dict(load_scenario(ROOT / "scenarios" / "ss2020.toml").params)
    setup, run = [], []
    for r in range(-1, runs):  # run -1 warms up (compiled kernels loaded)
        t0 = time.thread_time()
        m = MentorshipModel(p, seed=1, replicate=max(r, 0))
        t1 = time.thread_time()
        m.run()
        t2 = time.thread_time()
        if r >= 0:
            setup.append(1000 * (t1 - t0))
            run.append(1000 * (t2 - t1))
    total = [a + b for a, b in zip(setup, run)]
    return {"set-up": statistics.median(setup), "run": statistics.median(run), "total": statistics.median(total)}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=60)
    a = ap.parse_args(argv)
    f = plain(a.runs)
    print(f"ss2020 replicate, CPU ms (median of {a.runs}): set-up {f['set-up']:.2f}, run {f['run']:.2f}, "
          f"total {f['total']:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
