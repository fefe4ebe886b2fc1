"""The floor: the least a week of the model could cost, for comparing the model's figures to.

One fused compiled pass over ``posts x STATES`` float64 states (the model keeps about 20 numbers a
post: skill, floors and knowledge by domain, confidence, trust, resistance, busy, tenure ...),
with one random draw a post (the model draws about one uniform a post a week), each state moved
toward a target as the model's rules do (a multiply-add and a clip). Random numbers come from one
xorshift64* stream per block of posts, seeded by the block's number, so the result does not
depend on how many threads run the blocks. Nothing else: no facility steps, no recording, no
Python between weeks beyond one call per block. A model that does more per post cannot be
faster than this on the same machine.

    PYTHONPATH=src python benchmarks/floor_kernel.py [--posts 456] [--weeks 178] [--threads 1]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numba
import numpy as np

STATES = 20
CHUNKS = 8


def _clock() -> float:
    """Wall time with threads (they run at once), else the thread's CPU time (what the work
    costs, not counting waits for a core on a shared machine)."""
    return time.perf_counter() if _THREADED else time.thread_time()


_THREADED = False


@numba.njit(cache=True, nogil=True)
def _week(state, lo, hi, rng_state, block):
    """One week for posts ``lo``..``hi - 1``: one uniform each, every state updated."""
    x = rng_state[block]
    for i in range(lo, hi):
        x ^= x >> np.uint64(12)
        x ^= x << np.uint64(25)
        x ^= x >> np.uint64(27)
        u = float((x * np.uint64(2685821657736338717)) >> np.uint64(11)) * (1.0 / 9007199254740992.0)
        for j in range(state.shape[1]):
            s = state[i, j] + 0.01 * (u - state[i, j])
            state[i, j] = min(1.0, max(0.0, s))
    rng_state[block] = x


@numba.njit(cache=True, nogil=True)
def _week_drawn(state, u):
    """One week with the uniforms drawn outside, one a post (as the model draws from its named
    numpy streams)."""
    for i in range(state.shape[0]):
        for j in range(state.shape[1]):
            s = state[i, j] + 0.01 * (u[i] - state[i, j])
            state[i, j] = min(1.0, max(0.0, s))


def floor_numpy_draws(posts: int, weeks: int, seed: int = 1) -> float:
    """Seconds for ``weeks`` weeks on one thread with each week's uniforms drawn by a numpy
    Generator (PCG64) and passed in: the floor for the model's design, where every random
    number comes from a named stream outside the kernels."""
    state = np.full((posts, STATES), 0.5)
    rng = np.random.default_rng(seed)
    _week_drawn(state[:1].copy(), np.zeros(1))  # compile
    t = _clock()
    for _ in range(weeks):
        _week_drawn(state, rng.random(posts))
    return _clock() - t


@numba.njit(cache=True, nogil=True)
def _weeks(state, bounds, rng_state, c_lo, c_hi, weeks):
    for _ in range(weeks):
        for c in range(c_lo, c_hi):
            _week(state, bounds[c], bounds[c + 1], rng_state, c)


def floor_run(posts: int, weeks: int, threads: int = 1, one_call: bool = False) -> float:
    """Seconds for ``weeks`` weeks of ``posts`` posts. Each week is one call per thread (as a
    model pays at least one compiled call a week); ``one_call`` runs all weeks in one call (the
    arithmetic alone)."""
    state = np.full((posts, STATES), 0.5)
    n_blocks = CHUNKS if threads > 1 else 1
    bounds = np.linspace(0, posts, n_blocks + 1).astype(np.int64)
    rng_state = np.arange(1, n_blocks + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15)
    _weeks(state[:1].copy(), bounds[:2] * 0 + np.array([0, 1]), rng_state.copy(), 0, 1, 1)  # compile
    t = _clock()
    if threads <= 1:
        if one_call:
            _weeks(state, bounds, rng_state, 0, n_blocks, weeks)
        else:
            for _ in range(weeks):
                _weeks(state, bounds, rng_state, 0, n_blocks, 1)
        return _clock() - t
    global _THREADED
    _THREADED = True
    split = np.linspace(0, n_blocks, threads + 1).astype(int)
    with ThreadPoolExecutor(threads - 1) as pool:
        t = _clock()
        for _ in range(weeks):
            futures = [pool.submit(_weeks, state, bounds, rng_state, split[k], split[k + 1], 1)
                       for k in range(1, threads)]
            _weeks(state, bounds, rng_state, split[0], split[1], 1)
            for f in futures:
                f.result()
        return _clock() - t


def floor_figures(posts: int, weeks: int, threads: int = 1, repeats: int = 5) -> dict:
    """Median over ``repeats``: seconds per run, microseconds per week, post-weeks per second."""
    secs = statistics.median(floor_run(posts, weeks, threads) for _ in range(repeats))
    drawn = statistics.median(floor_numpy_draws(posts, weeks) for _ in range(repeats))
    return {"posts": posts, "weeks": weeks, "threads": threads, "seconds": secs,
            "us_per_week": 1e6 * secs / weeks, "post_weeks_per_s": posts * weeks / secs,
            "numpy_draws_seconds": drawn, "numpy_draws_post_weeks_per_s": posts * weeks / drawn}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--posts", type=int, default=456)
    ap.add_argument("--weeks", type=int, default=178)
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args(argv)
    f = floor_figures(a.posts, a.weeks, a.threads)
    print(f"floor kernel: {f['posts']:,} posts x {STATES} states x {f['weeks']} weeks, {f['threads']} thread(s): "
          f"{1000 * f['seconds']:.2f} ms a run, {f['us_per_week']:.1f} us a week, "
          f"{f['post_weeks_per_s'] / 1e6:.1f} M post-weeks/s")
    print(f"  with the uniforms drawn by numpy (PCG64) outside the kernel, one thread: "
          f"{1000 * f['numpy_draws_seconds']:.2f} ms a run, "
          f"{f['numpy_draws_post_weeks_per_s'] / 1e6:.1f} M post-weeks/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
