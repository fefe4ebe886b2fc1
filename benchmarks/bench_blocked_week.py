"""The national week's fused blocked steps against STEP_ORDER's, in one process (figures
printed; no assertions).

    PYTHONPATH=src .venv/bin/python benchmarks/bench_blocked_week.py [--threads 1 2] [--reps 30]

A national model (bench_core.national(4400): 95,007 posts in 8 blocks) is stepped a few weeks,
then the same weeks' steps are timed both ways, alternating, with ~160 MB touched before each
(as a real week's other steps leave the caches): steps 5-13 as STEP_ORDER's processes
(telementoring, whatsapp, dynamics: up to four hand-offs to the threads) against
loop.echo_and_means + loop.members_and_dynamics (two), in an ECHO week and in another, and
steps 1-2 (turnover, workload against workforce.blocked_turnover_workload). Medians in ms.
Both ways give the same numbers (tests/test_blocked_week.py); this says which is faster here.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_core import national  # noqa: E402

from mentorsim.model import loop, telementoring, whatsapp, workforce  # noqa: E402
from mentorsim.model.model import MentorshipModel  # noqa: E402


def bench(n_threads: int, reps: int) -> dict[str, tuple[float, float]]:
    """{case: (STEP_ORDER ms, fused ms)} on ``n_threads`` threads, medians of ``reps``."""
    saved = os.environ.get("MENTORSIM_THREADS")
    os.environ["MENTORSIM_THREADS"] = str(n_threads)
    try:
        m = MentorshipModel(national(4400), seed=1)
        for _ in range(6):
            m.step()
        echo_week = min(w for w in m.sessions.weeks if w >= m.week)
        other_week = min(w for w in range(m.week, m.time.total_weeks) if w not in m.sessions.weeks)
        junk = np.zeros(20_000_000)

        def step_order(w):
            telementoring.telementoring(m, w)
            whatsapp.whatsapp(m, w)
            loop.dynamics(m, w)

        def fused(w):
            loop.echo_and_means(m, w)
            loop.members_and_dynamics(m, w)

        def turnover_workload(w):
            workforce.turnover(m, w)
            workforce.workload(m, w)

        def fused_turnover_workload(w):
            workforce.blocked_turnover_workload(m, w)

        cases = {"steps 5-13, an ECHO week": (step_order, fused, echo_week),
                 "steps 5-13, no ECHO": (step_order, fused, other_week),
                 "steps 1-2": (turnover_workload, fused_turnover_workload, other_week)}
        out = {}
        for name, (old, new, week) in cases.items():
            old(week)
            new(week)
            times = ([], [])
            for r in range(reps):
                for k in ((0, 1) if r % 2 == 0 else (1, 0)):
                    junk[::8] += 1.0
                    t = time.perf_counter()
                    (old, new)[k](week)
                    times[k].append(time.perf_counter() - t)
            out[name] = (1e3 * statistics.median(times[0]), 1e3 * statistics.median(times[1]))
        return out
    finally:
        if saved is None:
            os.environ.pop("MENTORSIM_THREADS", None)
        else:
            os.environ["MENTORSIM_THREADS"] = saved


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--reps", type=int, default=30)
    a = ap.parse_args(argv)
    for n in a.threads:
        for name, (old, new) in bench(n, a.reps).items():
            print(f"{n} thread(s), {name:24s}: STEP_ORDER {old:6.3f} ms   fused {new:6.3f} ms   ({new / old - 1:+.0%})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
