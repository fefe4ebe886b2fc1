"""What each compiled step of a batch week costs where it runs (figures printed; no assertions).

``loop.span_runs`` takes each run of a batch through its compiled steps, week after week, up to
its next Python step, so timing a step on its own (bench_where.py) sees it with other runs' data
in cache, not its own run's. Here each step is left out in turn (a copy of ``span_runs`` with a mask) and
the batch's CPU time a run without it is subtracted from the whole: what that step adds, in
place. Leaving a step out changes what later steps read (without workload, last week's
workload; without visits, no coaching), so a figure is an estimate: with 4 rounds a small
step's figure moved by up to 0.3 ms between two runs of this script, with 10 by under 0.1 ms
for the large ones. ss2020, batches of 16, one thread, median of ROUNDS rounds of 64 runs each.

    MENTORSIM_THREADS=1 PYTHONPATH=src python benchmarks/bench_in_situ.py [--rounds 10]
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mentorsim.model import loop, telementoring, visits, whatsapp, workforce  # noqa: E402
from mentorsim.model.jit import vector_kernel  # noqa: E402
from mentorsim.runner import simulate_batch  # noqa: E402
from mentorsim.scenario import load_scenario  # noqa: E402


@vector_kernel
def _masked(starts, ends, turnover, workload, visit, echo, groups, steps, sessions, lo, hi, mask):
    """loop.span_runs, each step only where ``mask`` holds it (COMPILED_ORDER's order)."""
    for j in range(lo, hi):
        if starts[j] >= ends[j]:
            continue
        leave, busy, visiting, session, group, step = turnover[j], workload[j], visit[j], echo[j], groups[j], steps[j]
        for slot in range(starts[j], ends[j]):
            week = slot // loop.SLOTS
            k = slot - week * loop.SLOTS
            if not mask[k]:
                continue
            if k == 0:
                workforce.turnover_run(week, leave)
            elif k == 1:
                workforce.workload_run(week, busy)
            elif k == 2:
                visits.visits_run(week, visiting)
            elif k == 3:
                if sessions[j, week]:
                    telementoring.echo_run(week, session)
            elif k == 4:
                whatsapp.whatsapp_run(week, group)
            else:
                loop.dynamics_run(week, step)


def in_situ(rounds: int) -> dict:
    """CPU ms a run with every step, and each step's share of it found by leaving it out."""
    if len(loop.COMPILED_ORDER) != 6:
        raise SystemExit("loop.COMPILED_ORDER changed: update _masked")
    mask = np.ones(len(loop.COMPILED_ORDER), dtype=np.bool_)
    original = loop.span_runs
    loop.span_runs = lambda *args: _masked(*args, mask)
    try:
        p = dict(load_scenario(ROOT / "scenarios" / "ss2020.toml").params)
        simulate_batch([(p, 1, r) for r in range(16)])  # warm-up: kernels loaded
        gc.collect()
        ms: dict[int, list[float]] = {}
        for _ in range(rounds):
            for left_out in [-1, *range(len(mask))]:
                mask[:] = True
                if left_out >= 0:
                    mask[left_out] = False
                t = time.thread_time()
                for b in range(4):
                    simulate_batch([(p, 1, 100 + 16 * b + r) for r in range(16)])
                ms.setdefault(left_out, []).append((time.thread_time() - t) / 64 * 1000)
    finally:
        loop.span_runs = original
    whole = statistics.median(ms[-1])
    return {"whole": whole, **{name: whole - statistics.median(ms[k]) for k, name in enumerate(loop.COMPILED_ORDER)}}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=10)
    a = ap.parse_args(argv)
    r = in_situ(a.rounds)
    print(f"ss2020 in batches of 16, one run: {r['whole']:.2f} ms CPU; each compiled step in place:")
    for name in loop.COMPILED_ORDER:
        print(f"  {name:22s} {r[name]:5.2f} ms")
    print(f"  {'all compiled steps':22s} {sum(r[n] for n in loop.COMPILED_ORDER):5.2f} ms")
    return 0


if __name__ == "__main__":
    sys.exit(main())
