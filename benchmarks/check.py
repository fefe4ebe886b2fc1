"""Speed regression check for `make bench`: exits 1 if a `ss2020` replicate has become slower
relative to the floor kernel than REFERENCE allows.

The check compares a ratio, not a time: the in-process cost of an `ss2020` replicate (10th
percentile of RUNS, bench_where.py) divided by the floor kernel's cost for the same posts and
weeks with numpy draws (floor_kernel.py), both in CPU time and measured in this process a moment
apart, so a slower or busier machine moves both and the ratio stays put. REFERENCE is the ratio
measured on the project's 2-core VM when this check was written (docs/BENCHMARKS.md); TOLERANCE
absorbs the noise of a shared machine.

    PYTHONPATH=src python benchmarks/check.py [--runs 30]

It checks the batch path too (replicates 16 at a time, bench_where.where_batch) against its own
reference.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_where import where, where_batch  # noqa: E402
from floor_kernel import floor_figures  # noqa: E402

#: ss2020 replicate / floor kernel with numpy draws, both in CPU time, measured on the 2-core VM:
#: 22-23x on 2026-11-30 at load 7-11 (10th percentile 11.1-11.7 ms, step timers included, against
#: 0.50-0.51 ms); 13.6-14.1x the same day after the session-18 speed work (6.67-6.76 ms against
#: 0.48-0.49 ms, load under 1), so the reference moves down with it: a regression back to the old
#: speed (23x) now fails. Session 22 (runs in spans; the total now measured without the step
#: timers, bench_where._where): 7.1x (p10 4.03 ms against 0.56 ms, load ~1.5).
REFERENCE = 7.5
#: The same for a replicate in batches of BATCH (bench_where.where_batch, the path sweeps, PSA,
#: calibration, run and compare take), measured on 2026-11-30 after the session-19 batch path
#: (draws inside the kernels, every compiled step one call over the batch): 10.2-11.4x (p10 5.4-5.8 ms
#: against 0.51-0.54 ms, load 0.7). Session 22: 6.9x (p10 3.81 ms against 0.56 ms, load ~1.5).
REFERENCE_BATCH = 7.5
BATCH = 16
#: Allowed factor above REFERENCE before the check fails.
TOLERANCE = 1.5


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=30)
    a = ap.parse_args(argv)
    failed = False
    for label, w, reference in (("ss2020 replicate", where(a.runs), REFERENCE),
                                (f"ss2020 replicate in batches of {BATCH}", where_batch(4 * BATCH, BATCH),
                                 REFERENCE_BATCH)):
        f = floor_figures(w["posts"], w["weeks"])
        model_ms, floor_ms = w["total_p10_ms"], 1000 * f["numpy_draws_seconds"]
        ratio = model_ms / floor_ms
        limit = reference * TOLERANCE
        verdict = "ok" if ratio <= limit else "SLOWER THAN ALLOWED"
        failed |= ratio > limit
        print(f"speed check: {label} (p10) {model_ms:.2f} ms / floor {floor_ms:.2f} ms = {ratio:.1f}x "
              f"(reference {reference:.1f}x, limit {limit:.1f}x): {verdict}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
