"""What one run costs per facility-month: the figure behind ``scenario.SECONDS_PER_FACILITY_MONTH``
(the up-front estimates of `sweep`, `sensitivity` and `plan-pool`, and their --allow-large gate).

For ss2020 and larger models (more facilities, longer follow-up), CPU seconds (``time.process_time``,
all threads: core-seconds) per run, divided by facilities x months (intervention + comparison
facilities; programme + follow-up months, as ``scenario.estimated_seconds`` counts them):

- ``single``: ``runner.evaluate`` one run at a time (the model and every outcome: what ``mentorsim
  run`` does for each replicate, and the cost the estimate must not understate);
- ``batched``: ``runner.simulate_batch`` of 16 runs (its default batching; what a sweep's worker
  does for the model's runs, without the outcomes).

Median of ``--repeat`` rounds after a warm-up (compiled kernels loaded). Run with
``MENTORSIM_THREADS=1`` to keep the model to one thread, as a sweep's workers are on 2 cores.

    MENTORSIM_THREADS=1 PYTHONPATH=src python benchmarks/bench_estimate.py [--runs 16] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mentorsim.runner import evaluate, simulate_batch  # noqa: E402
from mentorsim.scenario import SECONDS_PER_FACILITY_MONTH, default_scenario, estimated_seconds  # noqa: E402

#: The models measured: name -> overrides of ss2020.
MODELS = {
    "ss2020": {},
    "40 facilities": {"facilities.intervention": 20, "facilities.comparison": 20},
    "ss2020, 48 months of follow-up": {"followup.months": 48},
    "100 facilities": {"facilities.intervention": 50, "facilities.comparison": 50},
}


def facility_months(params) -> int:
    return (max(1, params["facilities.intervention"] + params["facilities.comparison"])
            * max(1, params["programme.months"] + params["followup.months"]))


def measure(params, runs: int, repeat: int) -> dict[str, float]:
    """CPU seconds a run: single (evaluate) and batched (simulate_batch), median of ``repeat``."""
    evaluate(params, seed=1, replicate=0)
    simulate_batch([(params, 1, r) for r in range(2)])  # warm: kernels loaded
    single, batched = [], []
    for _ in range(repeat):
        t = time.process_time()
        for r in range(runs):
            evaluate(params, seed=1, replicate=r)
        single.append((time.process_time() - t) / runs)
        t = time.process_time()
        simulate_batch([(params, 1, r) for r in range(runs)])
        batched.append((time.process_time() - t) / runs)
    return {"single": statistics.median(single), "batched": statistics.median(batched)}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=16, help="runs a round (default 16)")
    ap.add_argument("--repeat", type=int, default=3, help="rounds; the median is printed (default 3)")
    args = ap.parse_args()
    print(f"load average {os.getloadavg()[0]:.2f}; MENTORSIM_THREADS={os.environ.get('MENTORSIM_THREADS', 'unset')}; "
          f"SECONDS_PER_FACILITY_MONTH = {SECONDS_PER_FACILITY_MONTH:g}")
    worst = 0.0
    for name, overrides in MODELS.items():
        params = default_scenario().with_params(overrides, source=name).params
        fm = facility_months(params)
        got = measure(params, args.runs, args.repeat)
        worst = max(worst, got["single"] / fm)
        print(f"{name}: {fm} facility-months; single {1000 * got['single']:.1f} ms a run = "
              f"{got['single'] / fm:.2e} s a facility-month; batched {1000 * got['batched']:.1f} ms = "
              f"{got['batched'] / fm:.2e}; estimated {1000 * estimated_seconds(params):.1f} ms "
              f"({estimated_seconds(params) / got['single']:.1f}x single, "
              f"{estimated_seconds(params) / got['batched']:.1f}x batched)")
    print(f"largest single-run cost: {worst:.2e} s a facility-month")


if __name__ == "__main__":
    main()
