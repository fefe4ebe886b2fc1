"""Steps 7-13 at national scale in the weeks of a real run (figures printed; no assertions).

A national model (bench_core.national: 4,400 facilities, ~95,000 posts, 8 blocks) runs WEEKS
weeks after its first; steps 7-13 (``loop.dynamics``) are timed inside the model's week plan, so
the other steps run between them as in any run (and evict what the kernel reads). Prints the
median wall and process CPU time (all threads) of steps 7-13 a week, and the whole run's
provider-weeks per second of wall time and per CPU-second. Uses only names that main also has,
so the same script measures another checkout: ``--src /work/main/src``.

    PYTHONPATH=src python benchmarks/bench_national_week.py [--threads 1] [--weeks 60] [--src DIR]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, default=1, help="MENTORSIM_THREADS for the run")
    ap.add_argument("--weeks", type=int, default=60)
    ap.add_argument("--facilities", type=int, default=4400)
    ap.add_argument("--src", type=Path, default=ROOT / "src",
                    help="the src directory of the checkout to measure (its benchmarks/ beside it)")
    a = ap.parse_args(argv)
    os.environ["MENTORSIM_THREADS"] = str(a.threads)
    sys.path.insert(0, str(a.src))
    sys.path.insert(0, str(a.src.parent / "benchmarks"))  # that checkout's bench_core (it puts its src first)
    from bench_core import national

    from mentorsim.model import loop
    from mentorsim.model.model import MentorshipModel

    wall: list[float] = []
    cpu: list[float] = []

    def timed(model, week):
        t, c = time.perf_counter(), time.process_time()
        loop.dynamics(model, week)
        wall.append(time.perf_counter() - t)
        cpu.append(time.process_time() - c)

    # before the model is built: its week plan is taken from STEP_ORDER at set-up
    loop.STEP_ORDER = tuple((n, timed if n == "practice .. snapshot" else f) for n, f in loop.STEP_ORDER)
    m = MentorshipModel(national(a.facilities), seed=1)
    m.step()  # week 0 loads the compiled kernels
    wall.clear()
    cpu.clear()
    t0, c0 = time.perf_counter(), time.process_time()
    for _ in range(a.weeks):
        m.step()
    whole_wall, whole_cpu = time.perf_counter() - t0, time.process_time() - c0
    n = m.providers.n
    import mentorsim

    print(f"{Path(mentorsim.__file__).parents[2].name}: {n:,} posts, {len(m.blocks)} blocks, threads={a.threads}: steps 7-13 median wall "
          f"{1e3 * statistics.median(wall):.2f} ms, CPU {1e3 * statistics.median(cpu):.2f} ms a week; whole weeks "
          f"2-{a.weeks + 1}: {n * a.weeks / whole_wall / 1e6:.1f} M provider-weeks/s wall, "
          f"{n * a.weeks / whole_cpu / 1e6:.1f} M per CPU-second")
    return 0


if __name__ == "__main__":
    sys.exit(main())
