"""The batch path against one run at a time (figures printed; no assertions).

CPU per `ss2020` replicate (``time.process_time``, all threads) and wall time, for
``runner.simulate_batch`` of B points (advanced ``runner.batch_size()`` at a time, its default),
the same B points all advanced together (``batch=B``), and B calls of ``runner.simulate``,
alternating, median of 3. Set ``MENTORSIM_THREADS=1`` for one core.

    PYTHONPATH=src python benchmarks/bench_batch.py [--batch 4 16 100]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mentorsim.runner import simulate, simulate_batch  # noqa: E402
from mentorsim.scenario import load_scenario  # noqa: E402


def compare(batch: int, repeats: int = 3) -> dict:
    p = load_scenario(ROOT / "scenarios" / "ss2020.toml").params
    simulate_batch([(p, 1, 0), (p, 1, 1)])  # warm-up: compiled kernels loaded
    simulate(p, seed=1)
    out: dict[str, list] = {"batch": [], "together": [], "single": []}
    for _ in range(repeats):
        for mode in out:
            cpu, wall = time.process_time(), time.perf_counter()
            if mode == "batch":
                simulate_batch([(p, 1, r) for r in range(batch)])
            elif mode == "together":
                simulate_batch([(p, 1, r) for r in range(batch)], batch=batch)
            else:
                for r in range(batch):
                    simulate(p, seed=1, replicate=r)
            out[mode].append((1000 * (time.process_time() - cpu) / batch, 1000 * (time.perf_counter() - wall) / batch))
    return {mode: (statistics.median(v[0] for v in vals), statistics.median(v[1] for v in vals))
            for mode, vals in out.items()}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, nargs="+", default=[4, 16, 100])
    a = ap.parse_args(argv)
    for b in a.batch:
        r = compare(b)
        print(f"ss2020, {b} replicates: batch {r['batch'][0]:.2f} ms CPU a replicate ({r['batch'][1]:.2f} wall), "
              f"all {b} advanced together {r['together'][0]:.2f} ms CPU ({r['together'][1]:.2f} wall), "
              f"one at a time {r['single'][0]:.2f} ms CPU ({r['single'][1]:.2f} wall)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
