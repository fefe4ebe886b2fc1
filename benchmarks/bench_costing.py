"""CPU time of the costing alone (issue 16): ``evaluate_run`` called once per replicate against
``evaluate_runs`` costing the replicates together, on ss2020 replicates already simulated with
their comparators. Prints ms a replicate (medians, process CPU time: the machine is shared);
asserts nothing (speed is measured here, never in tests).

    PYTHONPATH=src python benchmarks/bench_costing.py [--replicates 64] [--repeat 5] [--scenario ss2020]

On a tree without ``evaluate_runs`` (main before issue 16's batch costing) only the loop of
``evaluate_run`` is timed, so the same command measures before and after.
"""

from __future__ import annotations

import argparse
import statistics
import time

from mentorsim.economics import evaluation
from mentorsim.economics.evaluation import comparator_params, evaluate_run
from mentorsim.runner import simulate_batch
from mentorsim.scenario import load_scenario


def cpu_ms_per_replicate(fn, replicates: int, repeat: int) -> float:
    """Median over ``repeat`` calls of ``fn()``'s process CPU time, in ms a replicate."""
    times = []
    for _ in range(repeat):
        t = time.process_time()
        fn()
        times.append((time.process_time() - t) / replicates * 1000)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=64)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--scenario", default="ss2020")
    args = ap.parse_args()
    p = dict(load_scenario(args.scenario).params)
    outs = simulate_batch([(p, 1, r) for r in range(args.replicates)])
    comps = simulate_batch([(comparator_params(p), 1, r) for r in range(args.replicates)])

    def one_by_one():
        return [evaluate_run(p, 1, r, comparator=c, out=o) for r, (o, c) in enumerate(zip(outs, comps))]

    one_by_one()  # warm-up: compiled group sums, remembered discount factors
    print(f"{args.scenario}, {args.replicates} replicates with their comparators, CPU ms a replicate "
          f"(median of {args.repeat}):")
    print(f"  evaluate_run per replicate: {cpu_ms_per_replicate(one_by_one, args.replicates, args.repeat):.3f}")
    if hasattr(evaluation, "evaluate_runs"):
        def batch():
            return evaluation.evaluate_runs(p, outs, comps)
        batch()
        print(f"  evaluate_runs, one batch:   {cpu_ms_per_replicate(batch, args.replicates, args.repeat):.3f}")


if __name__ == "__main__":
    main()
