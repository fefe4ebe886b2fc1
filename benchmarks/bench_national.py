"""Where a national-scale week goes, and two A/B checks of it (figures printed; no assertions).

    PYTHONPATH=src .venv/bin/python benchmarks/bench_national.py [--facilities 4400] [--reps 60]

1. Per step: ms a week of each process of a whole programme (bench_core.national: 95,007 posts
   in 8 blocks at 4,400 facilities), mean of three fresh models after a warm-up, on the threads
   given by MENTORSIM_THREADS (all cores if unset).
2. blocks.run_calls (each thread takes the next call not yet taken) against a fixed contiguous
   batch of blocks per thread (how it ran before), for steps 7-13 on the 8 blocks on 2 threads,
   alternating, with and without ~160 MB touched before each call (as a real week's other steps
   leave the caches). Medians.
3. The survey's answers at national size (16 items x ~72,000 respondents): the compiled count
   (survey.answers_above_cutpoints, on 1 and 2 threads) against the numpy expression it replaced.
Other sessions on the machine move these figures: print the load beside them.
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import time
from itertools import pairwise
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_core import national  # noqa: E402

from mentorsim.model import blocks, loop, survey  # noqa: E402
from mentorsim.model.model import MentorshipModel  # noqa: E402


def per_step(p) -> dict[str, float]:
    """{process name: ms a week}, mean over three fresh models."""
    warm = MentorshipModel(p, seed=0)
    for _ in range(3):
        warm.step()
    warm.release()
    total = collections.Counter()
    for r in range(3):
        m = MentorshipModel(p, seed=1, replicate=r)
        for week in range(m.time.total_weeks):
            for process in m.plan[week]:
                t = time.perf_counter()
                process(m, week)
                total[process.__name__] += time.perf_counter() - t
            m.week = week + 1
        m.release()
    weeks = m.time.total_weeks
    return {name: 1e3 * s / 3 / weeks for name, s in total.most_common()}


def _fixed_batches(kernel, calls):
    """run_calls as it was: one contiguous batch per thread, the calling thread the first."""
    blocks.run_calls(kernel, calls[:2])  # the pool exists
    bounds = np.linspace(0, len(calls), blocks.threads() + 1).astype(int)
    batches = [calls[a:b] for a, b in pairwise(bounds)]
    futures = [blocks._pool.submit(lambda b=b: [kernel(*c) for c in b]) for b in batches[1:]]
    results = [kernel(*c) for c in batches[0]]
    for future in futures:
        results.extend(future.result())
    return results


def scheduling(p, reps: int) -> dict[str, tuple[float, float]]:
    """{cache state: (fixed batches ms, run_calls ms)} for weekly_dynamics on the blocks, 2 threads."""
    saved = os.environ.get("MENTORSIM_THREADS")
    os.environ["MENTORSIM_THREADS"] = "2"
    try:
        m = MentorshipModel(p, seed=1)
        for _ in range(6):
            m.step()
        d = m.dynamics
        calls = [(m.week + 1, d.u_outcomes, *args) for args in d.block_args]
        junk = np.zeros(20_000_000)
        out = {}
        for evict in (True, False):
            times = ([], [])
            for r in range(reps):
                for k in ((0, 1) if r % 2 == 0 else (1, 0)):
                    if evict:
                        junk[::8] += 1.0
                    t = time.perf_counter()
                    (_fixed_batches, blocks.run_calls)[k](loop.weekly_dynamics, calls)
                    times[k].append(time.perf_counter() - t)
            out["caches evicted" if evict else "warm"] = tuple(1e3 * statistics.median(x) for x in times)
        return out
    finally:
        if saved is None:
            os.environ.pop("MENTORSIM_THREADS", None)
        else:
            os.environ["MENTORSIM_THREADS"] = saved


def _numpy_counts(z, rng, noise, weight, leniency):
    z = z.copy()
    e = rng.logistic(0.0, 1.0, z.shape)
    e *= noise
    z -= 0.5
    z *= weight
    z += leniency
    z += e
    return np.count_nonzero(z > survey._ITEM_CUTPOINT[:, None], axis=1)


def survey_answers(n: int, reps: int = 7) -> dict[str, float]:
    """Median ms of the survey's answers for ``n`` respondents: numpy, compiled on 1 and 2 threads."""
    z = np.random.default_rng(0).random((len(survey.ITEMS), n))
    saved = os.environ.get("MENTORSIM_THREADS")
    out = {}
    try:
        for name, threads, fn in (("numpy expression", "1", _numpy_counts),
                                  ("compiled, 1 thread", "1", survey.answers_above_cutpoints),
                                  ("compiled, 2 threads", "2", survey.answers_above_cutpoints)):
            os.environ["MENTORSIM_THREADS"] = threads
            fn(z, np.random.default_rng(1), 1.0, 2.0, 1.0)
            times = []
            for r in range(reps):
                t = time.perf_counter()
                fn(z, np.random.default_rng(r), 1.0, 2.0, 1.0)
                times.append(time.perf_counter() - t)
            out[name] = 1e3 * statistics.median(times)
    finally:
        if saved is None:
            os.environ.pop("MENTORSIM_THREADS", None)
        else:
            os.environ["MENTORSIM_THREADS"] = saved
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--facilities", type=int, default=4400)
    ap.add_argument("--reps", type=int, default=60)
    a = ap.parse_args(argv)
    p = national(a.facilities)
    print(f"load {' '.join(open('/proc/loadavg').read().split()[:3])}; threads {blocks.threads()}")
    for name, ms in per_step(p).items():
        print(f"  {name:20s} {ms:6.3f} ms/week")
    for state, (fixed, taken) in scheduling(p, a.reps).items():
        print(f"steps 7-13 on the 8 blocks, 2 threads, {state}: fixed batches {fixed:.3f} ms, "
              f"next call not yet taken {taken:.3f} ms ({taken / fixed - 1:+.0%})")
    for name, ms in survey_answers(72_000).items():
        print(f"survey answers, 16 x 72,000, {name}: {ms:.1f} ms")
    print(f"load {' '.join(open('/proc/loadavg').read().split()[:3])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
