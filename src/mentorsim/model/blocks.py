"""Facility blocks: how a national-scale model spreads a week's per-post work over the cores.

Every per-post kernel loops facility by facility over contiguous post ranges, and what it
writes belongs to one facility (or to sums combined afterwards in a fixed order). A model with
at least ``PARALLEL_MIN_POSTS`` posts therefore splits its facilities into ``CHUNKS`` runs of
about equal posts, and the kernels (compiled ``nogil``) run on the blocks on several threads at
once, each thread taking the next block not yet taken (the calling thread one of them).

The blocks depend only on the model's size, never on the number of threads, so a run gives the
same result on one core or many (``MENTORSIM_THREADS=1`` runs the same blocks one after the
other). Smaller models, such as the Safe Surgery 2020 scenarios and every sweep, are one block
and run in the calling thread: threads would cost more than they save there, and sweeps
already use every core with worker processes.
"""

from __future__ import annotations

import atexit
import os
from concurrent.futures import ThreadPoolExecutor
from itertools import count, pairwise

import numpy as np

#: Posts from which a model's week is split into blocks (assumption: below ~20,000 posts a
#: week takes under 2 ms and handing work to threads costs more than it saves).
PARALLEL_MIN_POSTS = 20_000
#: Blocks per large model: fixed, so results never depend on the machine's cores.
CHUNKS = 8

_pool: ThreadPoolExecutor | None = None
_pool_pid = 0  # a forked worker process must not use its parent's pool


def threads() -> int:
    """Threads to use for blocked work: ``MENTORSIM_THREADS`` if set, else the usable cores."""
    env = os.environ.get("MENTORSIM_THREADS")
    if env:
        return max(1, int(env))
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def facility_blocks(first_post: np.ndarray) -> list[tuple[int, int]]:
    """[(first facility, end facility)] of about equal posts; one block for small models."""
    n_fac = len(first_post) - 1
    n_posts = int(first_post[-1])
    if n_posts < PARALLEL_MIN_POSTS or n_fac < 2 * CHUNKS:
        return [(0, n_fac)]
    targets = np.linspace(0, n_posts, CHUNKS + 1)
    bounds = np.unique(np.clip(np.searchsorted(first_post, targets), 0, n_fac))
    bounds[0], bounds[-1] = 0, n_fac
    return [(int(a), int(b)) for a, b in pairwise(bounds) if b > a]


def run_blocks(kernel, blocks: list[tuple[int, int]], *args) -> list:
    """Call ``kernel(lo, hi, *args)`` for each block (lo, hi) of facilities; the results, in
    block order."""
    if len(blocks) == 1:
        return [kernel(*blocks[0], *args)]
    return run_calls(kernel, [(lo, hi, *args) for lo, hi in blocks])


def run_calls(kernel, calls: list[tuple]) -> list:
    """Call ``kernel(*call)`` for each call and return the results in call order. With several
    threads, the calling thread and the pool's take the calls one at a time, each the next not
    yet taken, until none is left: a thread that starts late or is held up by another process
    leaves its share to the others, instead of the whole step waiting for its fixed batch. Which
    thread runs a call never changes its result (the calls write disjoint parts; sums over the
    blocks are added in block order afterwards)."""
    global _pool, _pool_pid
    n_threads = min(threads(), len(calls))
    if n_threads <= 1:
        return [kernel(*call) for call in calls]
    if _pool is None or _pool_pid != os.getpid():
        _pool = ThreadPoolExecutor(max(1, threads() - 1), thread_name_prefix="mentorsim-block")
        _pool_pid = os.getpid()
    results = [None] * len(calls)
    taken = count()  # next() on it is atomic under the GIL: each call is taken once

    def take() -> None:
        for i in taken:
            if i >= len(calls):
                return
            results[i] = kernel(*calls[i])

    futures = [_pool.submit(take) for _ in range(n_threads - 1)]
    try:
        take()
    finally:
        for future in futures:  # wait for every thread, even if this one failed
            future.exception()
    for future in futures:
        future.result()  # raise a pool thread's error here
    return results


@atexit.register
def _shutdown() -> None:
    if _pool is not None and _pool_pid == os.getpid():
        _pool.shutdown(wait=False)
