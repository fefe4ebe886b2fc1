"""Where a week of `ss2020` goes, beside the floor and Mesa's Boltzmann example (figures
printed; no assertions).

Times are CPU time of the calling thread (``time.thread_time``): on a machine shared with other
jobs, wall time also counts the time the process waits for a core, which on the project's VM
(load 2-8) moved medians by 50%; CPU time moved them by under 10%.

1. One replicate of scenarios/ss2020.toml in process (median of RUNS after a warm-up), split
   into set-up, each step of loop.STEP_ORDER and the run's output (RunOutput and its scalar
   outcomes). model.run() runs a model as a batch of one (loop.run_batch), so the steps are
   timed as in a batch (:func:`timed_batch_steps`).
2. The floor kernel (floor_kernel.py) for the same posts and weeks, on one thread, with its
   own draws and with numpy's.
3. Mesa 3.3.1's Boltzmann wealth example (benchmarks/bench_core.py), 1,000 agents.

With ``--batch B`` part 1 runs the replicates B at a time through ``loop.run_batch`` instead,
and prints each part's time per replicate. Each replicate (or batch) runs twice: without timers,
for the set-up, the run and the outputs as a whole (the total), then again with each step timed
(:func:`timed_batch_steps`: one timed call a week's step, whose extra calls would otherwise add
~7 ms to a lone run); "other" is the untimed run less the timed steps. It comes out slightly
negative (-0.3 to -0.4 ms): timed slot by slot, each step takes its own run's item and finds the
run's state colder than inside a span, so the split overstates the compiled steps a little.

    PYTHONPATH=src python benchmarks/bench_where.py [--runs 40] [--batch 16] [--json out.json]
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import numba
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_core import bench_boltzmann  # noqa: E402
from floor_kernel import floor_figures  # noqa: E402

from mentorsim.model import loop, telementoring, visits, whatsapp, workforce  # noqa: E402
from mentorsim.model.model import MentorshipModel  # noqa: E402
from mentorsim.results import RunOutput, run_outcomes  # noqa: E402
from mentorsim.scenario import load_scenario  # noqa: E402


@contextmanager
def timed_steps(spent: dict[str, float], clock=time.thread_time):
    """Inside, each step of loop.STEP_ORDER adds its time (seconds, by ``clock``) to
    ``spent[name]`` (set to 0 here); models built inside, or whose ``plan`` is rebuilt with
    ``loop.week_plan``, run the timed steps. Yields the original STEP_ORDER."""
    original = loop.STEP_ORDER
    spent.update({name: 0.0 for name, _ in original})

    def timed(name, process):
        def wrapper(model, week):
            t = clock()
            process(model, week)
            spent[name] += clock() - t
        return wrapper

    loop.STEP_ORDER = tuple((name, timed(name, process)) for name, process in original)
    try:
        yield original
    finally:
        loop.STEP_ORDER = original


@numba.njit(nogil=True)
def _slot_runs(slot, inside, turnover, workload, visit, echo, groups, steps, sessions, lo, hi):
    """Slot ``slot`` (loop.SLOTS: a week's step) for the runs ``inside`` marks: each step through
    its batch kernel on one run, as the weekly batch calls made them (each takes its own run's item
    out of its list, where loop.span_runs takes a run's items once a span)."""
    week = slot // loop.SLOTS
    k = slot - week * loop.SLOTS
    for j in range(lo, hi):
        if not inside[j]:
            continue
        if k == 0:
            workforce.turnover_runs(week, turnover, j, j + 1)
        elif k == 1:
            workforce.workload_runs(week, workload, j, j + 1)
        elif k == 2:
            visits.visits_runs(week, visit, j, j + 1)
        elif k == 3:
            if sessions[j, week]:
                telementoring.echo_runs(week, echo, j, j + 1)
        elif k == 4:
            whatsapp.whatsapp_runs(week, groups, j, j + 1)
        else:
            loop.dynamics_runs(week, steps, j, j + 1)


@contextmanager
def timed_batch_steps(spent: dict[str, float], clock=time.thread_time):
    """As :func:`timed_steps`, and each compiled step of loop.COMPILED_ORDER adds its time too:
    loop.span_runs, which takes each run of a batch through its compiled steps up to its next
    Python step in one call, is replaced by one timed call for each slot (a week's step) over the
    batch's runs that hold it (:func:`_slot_runs`: the same results; each step then takes its run's
    item out of its list itself, ~0.1-0.7 us, which a span does once). Each call's own cost
    (handing the lists over, ~2-5 us; the median of five calls that run nothing) is taken off
    its step's time."""
    original = loop.span_runs

    def span_runs(starts, ends, *args):
        nobody = np.zeros(len(starts), dtype=bool)
        calls = []
        for _ in range(5):  # the cost of a call that runs nothing (handing over the lists), taken off each
            t = clock()
            _slot_runs(0, nobody, *args)
            calls.append(clock() - t)
        overhead = statistics.median(calls)
        for slot in range(int(starts.min()), int(ends.max())):
            inside = (starts <= slot) & (slot < ends)
            if not inside.any():
                continue
            t = clock()
            _slot_runs(slot, inside, *args)
            spent[loop.COMPILED_ORDER[slot % loop.SLOTS]] += max(0.0, clock() - t - overhead)

    loop.span_runs = span_runs
    try:
        with timed_steps(spent) as steps:
            yield steps
    finally:
        loop.span_runs = original


def _split(spent: dict[str, float], make, batch: int) -> dict[str, float]:
    """Each step's seconds per replicate for the models ``make()`` builds, run with the timers
    (:func:`timed_batch_steps`; their own cost stays outside ``spent``)."""
    with timed_batch_steps(spent) as original:
        spent.clear()
        spent.update({name: 0.0 for name, _ in original})
        ms = make()
        if len(ms) == 1:
            ms[0].run()
        else:
            loop.run_batch(ms)
        for m in ms:
            m.release()
    return {k: v / batch for k, v in spent.items()}


def _where(make, rounds: int, batch: int) -> dict:
    """For each of ``rounds`` (after a warm-up): the models ``make(round)`` builds run without
    timers (set-up, the run and the outputs, each timed whole), then the same models again with
    each step timed (:func:`_split`); median milliseconds per replicate of each part. "other" is
    the untimed run less the timed steps: the loop's own work."""
    spent: dict[str, float] = {}
    per_run: dict[str, list[float]] = {}
    for b in range(-1, rounds):  # round -1 warms up (compiled kernels loaded)
        t0 = time.thread_time()
        ms = make(max(b, 0))
        t1 = time.thread_time()
        if len(ms) == 1:
            ms[0].run()
        else:
            loop.run_batch(ms)
        t2 = time.thread_time()
        for m in ms:
            run_outcomes(RunOutput.from_model(m))
            m.release()
        t3 = time.thread_time()
        steps = _split(spent, lambda b=b: make(max(b, 0)), batch)
        if b < 0:
            continue
        row = {"set-up": (t1 - t0) / batch, **steps,
               "other (loop, Python glue)": (t2 - t1) / batch - sum(steps.values()),
               "output and outcomes": (t3 - t2) / batch, "total": (t3 - t0) / batch}
        for k, v in row.items():
            per_run.setdefault(k, []).append(1000 * v)
        weeks, posts = ms[0].time.total_weeks, ms[0].providers.n
    totals = sorted(per_run["total"])
    return {"weeks": weeks, "posts": posts, "ms": {k: statistics.median(v) for k, v in per_run.items()},
            "total_p10_ms": totals[len(totals) // 10]}


def where_batch(runs: int, batch: int) -> dict:
    """As :func:`where`, the replicates run ``batch`` at a time (loop.run_batch): median over
    batches of each part's milliseconds per replicate."""
    p = dict(load_scenario(ROOT / "scenarios" / "ss2020.toml").params)
    return _where(lambda b: [MentorshipModel(p, seed=1, replicate=b * batch + r) for r in range(batch)],
                  max(1, runs // batch), batch)


def where(runs: int) -> dict:
    """Median milliseconds per run of set-up, each step, and output, over ``runs`` replicates."""
    p = dict(load_scenario(ROOT / "scenarios" / "ss2020.toml").params)
    return _where(lambda r: [MentorshipModel(p, seed=1, replicate=r)], runs, 1)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=40)
    ap.add_argument("--batch", type=int, default=0, help="run the replicates this many at a time (loop.run_batch)")
    ap.add_argument("--json", type=Path, help="also write the figures here")
    a = ap.parse_args(argv)
    w = where_batch(a.runs, a.batch) if a.batch > 0 else where(a.runs)
    weeks, posts = w["weeks"], w["posts"]
    total = w["ms"]["total"]
    how = f"in batches of {a.batch}, median of {max(1, a.runs // a.batch)} batches" if a.batch > 0 \
        else f"median of {a.runs}"
    print(f"ss2020 replicate in process ({posts} posts, {weeks} weeks; {how}): {total:.2f} ms, "
          f"{1000 * total / weeks:.0f} us a week")
    for k, v in w["ms"].items():
        if k != "total":
            print(f"  {k:28s} {v:7.2f} ms  {1000 * v / weeks:6.1f} us/week  {100 * v / total:5.1f}%")
    f = floor_figures(posts, weeks)
    b = bench_boltzmann(1000, 100)
    print(f"floor kernel, same posts and weeks, one thread: {1000 * f['seconds']:.2f} ms "
          f"(numpy draws: {1000 * f['numpy_draws_seconds']:.2f} ms): mentorsim is "
          f"{total / (1000 * f['numpy_draws_seconds']):.0f}x the floor with numpy draws")
    print(f"mentorsim: {posts * weeks / (total / 1000) / 1e6:.2f} M provider-weeks/s at ss2020 size; "
          f"Mesa Boltzmann wealth, 1,000 agents: {b['agent_steps_per_s'] / 1e6:.2f} M agent-steps/s")
    if a.json:
        a.json.write_text(json.dumps({"where": w, "floor": f, "boltzmann": b}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
