"""Time per PSA draw (all strategies of the policy comparison plus the comparator), serial and
with worker processes, and the time of one economic evaluation of a run.

    PYTHONPATH=src python benchmarks/bench_psa.py [--draws 12] [--workers 2]

Prints figures; asserts nothing (speed is measured here, never in tests). CPU figures (this
process's, and its workers' by ``getrusage(RUSAGE_CHILDREN)``) move far less than wall time on a
machine shared with other jobs. Also prints where a draw's CPU goes (drawing the parameters, the
simulations one at a time, the economic evaluations of a draw's strategies at once, as the PSA
costs them: ``evaluation.evaluate_runs``) and a whole draw's CPU with its runs
batched (``psa._draw_runs``) against one at a time, interleaved, on one thread.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import resource
import statistics
import time

from mentorsim.economics.evaluation import comparator_params, evaluate_run, evaluate_runs
from mentorsim.economics.psa import Strategy, run_psa
from mentorsim.runner import simulate
from mentorsim.scenario import load_scenario

SCENARIOS = ("ss2020", "ss2020_weekly_echo", "in_person_only", "virtual_only", "local_mentors")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--draws", type=int, default=12)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    scen = [load_scenario(f"scenarios/{n}.toml") for n in SCENARIOS]
    p = dict(scen[0].params)
    out, comp = simulate(p, 1, 0), simulate(comparator_params(p), 1, 0)  # warm-up (numba cache)
    t = time.perf_counter()
    for r in range(5):
        out = simulate(p, 1, r)
    sim = (time.perf_counter() - t) / 5
    t = time.perf_counter()
    for _ in range(5):
        evaluate_run(p, 1, 0, comparator=comp, out=out)
    ev = (time.perf_counter() - t) / 5
    print(f"one simulation (ss2020, 41 months): {sim * 1000:.0f} ms; "
          f"its economic evaluation: {ev * 1000:.0f} ms")
    strategies = [Strategy.from_scenario(s) for s in scen]
    draw_parts(strategies, min(args.draws, 10))
    for workers in (1, args.workers):
        t, cpu = time.perf_counter(), time.process_time()
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        run_psa(strategies, args.draws, seed=1, workers=workers, progress=False)
        dt = time.perf_counter() - t
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        children = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        cpu_note = (f", {(time.process_time() - cpu + children) / args.draws:.3f} s CPU a draw"
                    + (" (workers and parent)" if workers > 1 else ""))
        print(f"PSA {args.draws} draws x {len(strategies) + 1} strategies, workers={workers}: "
              f"{dt:.1f} s total, {dt / args.draws:.3f} s per draw{cpu_note}")
    print(f"control: pure Python on {args.workers} processes ran {parallel_control(args.workers):.2f}x "
          "as fast as serially (what the machine's load leaves for the workers)")


def draw_parts(strategies, draws: int) -> None:
    """CPU of each part of a draw (thread CPU, this process, one thread for the model)."""
    from mentorsim import runner
    from mentorsim.economics import psa
    from mentorsim.economics.evaluation import ComparatorCache, is_comparator
    from mentorsim.randomness import replicate_seed
    everything = list(strategies)
    everything.insert(0, Strategy(psa.COMPARATOR, comparator_params(strategies[0].params), frozenset()))
    names = psa.psa_parameter_names("default")
    posterior = psa.load_posterior()
    previous = os.environ.get("MENTORSIM_THREADS")
    os.environ["MENTORSIM_THREADS"] = "1"  # as in a worker process
    cpu = {"draw the parameters": 0.0, "simulations, one at a time": 0.0, "economic evaluations": 0.0}
    n_runs = 0
    psa.draw_parameters(1, draws, names, "beta", posterior)  # warm (scipy's first call)
    t = time.thread_time()
    for d in range(50):  # on their own (inside the loop below they also pay the model's cache misses)
        psa.draw_parameters(1, d, names, "beta", posterior)
    cpu["draw the parameters"] = (time.thread_time() - t) * draws / 50
    try:
        for d in range(draws):
            drawn = psa.draw_parameters(1, d, names, "beta", posterior)
            seed = replicate_seed(1, d)
            params = [psa._apply(s, drawn) for s in everything]
            cache = ComparatorCache()
            alone = {}
            t = time.thread_time()
            for p in params:
                comp = cache.get(p, seed, 0)
                alone[id(p)] = comp if is_comparator(p) else runner.simulate(p, seed, 0)
            cpu["simulations, one at a time"] += time.thread_time() - t
            n_runs += len(cache._runs) + sum(not is_comparator(p) for p in params)
            t = time.thread_time()  # a draw's strategies costed at once, as psa._run_draw does
            evaluate_runs(params, [alone[id(p)] for p in params], [cache.get(p, seed, 0) for p in params])
            cpu["economic evaluations"] += time.thread_time() - t
    finally:
        if previous is None:
            del os.environ["MENTORSIM_THREADS"]
        else:
            os.environ["MENTORSIM_THREADS"] = previous
    print(f"where a draw's CPU goes ({draws} draws of {len(everything)} strategies, {n_runs / draws:.0f} "
          "simulations a draw, one at a time, thread CPU, one thread):")
    for name, v in cpu.items():
        print(f"  {name:32s} {1000 * v / draws:7.1f} ms a draw")
    if hasattr(psa, "batch_size"):  # versions with batched draws: the whole draw, batched or not
        batched = psa.batch_size
        os.environ["MENTORSIM_THREADS"] = "1"
        size = batched()
        whole: dict[int, list[float]] = {size: [], 1: []}
        try:
            for rep in range(3):
                for d in range(draws):
                    for b in ((size, 1) if (d + rep) % 2 else (1, size)):  # interleaved
                        psa.batch_size = lambda b=b: b
                        t = time.thread_time()
                        psa._run_draw((1, d, everything, names, "beta", posterior))
                        whole[b].append(1000 * (time.thread_time() - t))
        finally:
            psa.batch_size = batched
            if previous is None:
                del os.environ["MENTORSIM_THREADS"]
            else:
                os.environ["MENTORSIM_THREADS"] = previous
        print(f"a whole draw (psa._run_draw), one thread, {3 * draws} draws interleaved: runs batched "
              f"(batch {size}) {statistics.median(whole[size]):.1f} ms CPU, one at a time "
              f"{statistics.median(whole[1]):.1f} ms (medians)")


def _burn(n: int) -> int:
    s = 0
    for i in range(n):
        s += i * i
    return s


def parallel_control(workers: int, n: int = 4_000_000) -> float:
    """Speed-up of ``workers`` processes over one on pure-Python work, now."""
    t = time.perf_counter()
    for _ in range(workers):
        _burn(n)
    serial = time.perf_counter() - t
    with cf.ProcessPoolExecutor(workers) as ex:
        t = time.perf_counter()
        list(ex.map(_burn, [n] * workers))
        return serial / (time.perf_counter() - t)


if __name__ == "__main__":
    main()
