"""One compiled weekly step on its own, over a batch's runs (figures printed; no assertions).

Each round builds 16 fresh ss2020 models (seed 1, replicates 100-115), takes their typed lists
of the step's runs (loop.batch_steps, as a batch hands them over) and times, in CPU, one
compiled loop calling the step's batch kernel for every week of the run over the 16 runs (ECHO
only in its session weeks, as loop.span_runs). The other steps do not run, so the state moves
only by the step's own rules: a figure is the step's cost with its runs' data in and out of
cache as 16 runs evict each other, steadier under load than bench_in_situ.py's leave-one-out
figures (which see the step in place). ms a run: min and median of ROUNDS rounds.

    PYTHONPATH=src python benchmarks/bench_steps.py [--steps workload turnover] [--rounds 15]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

import numba
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mentorsim.model import loop  # noqa: E402
from mentorsim.model.kernel_args import batch_list  # noqa: E402
from mentorsim.model.model import MentorshipModel  # noqa: E402
from mentorsim.scenario import load_scenario  # noqa: E402

RUNS = 16
STEPS = {"turnover": "turnover", "workload": "workload", "visits": "visits", "echo": "telementoring",
         "whatsapp": "whatsapp"}


@numba.njit
def _every_week(kernel, weeks, runs, n, held):
    """``kernel(week, runs, j, j + 1)`` for every week and run ``j`` where ``held[j, week]``."""
    for week in range(weeks):
        for j in range(n):
            if held[j, week]:
                kernel(week, runs, j, j + 1)


def time_step(name: str, rounds: int) -> list[float]:
    """CPU ms a run of step ``name`` over all weeks, one figure a round (after a warm-up round)."""
    p = dict(load_scenario(ROOT / "scenarios" / "ss2020.toml").params)
    kernel, runs_of, _ = loop.batch_steps()[STEPS[name]]
    out = []
    for r in range(rounds + 1):
        models = [MentorshipModel(p, 1, 100 + j) for j in range(RUNS)]
        runs = batch_list([runs_of(m) for m in models])
        weeks = models[0].time.total_weeks
        held = np.ones((RUNS, weeks), dtype=np.bool_)
        if name == "echo":
            held[:] = False
            for j, m in enumerate(models):
                held[j, sorted(m.sessions.weeks)] = True
        gc.collect()
        t = time.thread_time()
        _every_week(kernel, weeks, runs, RUNS, held)
        if r:  # round 0 loads the kernels
            out.append((time.thread_time() - t) / RUNS * 1000)
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--steps", nargs="+", choices=list(STEPS), default=list(STEPS))
    ap.add_argument("--rounds", type=int, default=15)
    a = ap.parse_args(argv)
    print(f"ss2020, {RUNS} runs, every week, one step alone: CPU ms a run")
    for name in a.steps:
        ms = time_step(name, a.rounds)
        print(f"  {name:10s} min {min(ms):.3f}  median {statistics.median(ms):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
