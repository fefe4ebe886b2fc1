"""Where steps 7-13 (``loop.weekly_dynamics``) spend a week, part by part, at ss2020 size and at
national scale (figures printed; no assertions).

1. ss2020 (456 posts, 20 facilities), the model stepped to week WEEK: the whole compiled call
   (through ``dynamics_runs`` as the model makes it, its 100 uniforms drawn there) and each of its parts run alone,
   each repeated REPS times inside one compiled loop (so no Python call is timed): practice
   (step 7), the theatre-team tally (``recording.tally_facility``), the facility outcomes
   (``facility_outcomes``, ~100 exact binomial draws), culture (``culture_follows_practice``),
   and the per-facility set-up (peer rates, keep factors, new hires' baseline). What the whole
   call costs beyond the parts is pass (b) (peer diffusion, the secular trend, decay and the
   provider part of relationships) and the call itself. CPU time of the calling thread; the
   state moves on with each repeat, as it would week after week.
2. National scale (bench_core.national: 4,400 facilities, ~95,000 posts, 8 blocks): one
   block's weekly_dynamics alone and every block on one thread (CPU time), ``Dynamics.week``
   on the threads in use (``MENTORSIM_THREADS``, else all cores; wall time), and a whole
   ``model.step`` with each of its steps (wall time, weeks 32-51).

    PYTHONPATH=src python benchmarks/bench_dynamics.py [--reps 2000] [--national 4400]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

import numba

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_core import national  # noqa: E402
from bench_where import timed_steps  # noqa: E402

from mentorsim.model import loop  # noqa: E402
from mentorsim.model.facility_outcomes import facility_outcomes  # noqa: E402
from mentorsim.model.learning import (  # noqa: E402
    culture_follows_practice,
    peer_rates,
    practice,
    secular_baseline,
    update_keep_factors,
)
from mentorsim.model.model import MentorshipModel  # noqa: E402
from mentorsim.model.recording import tally_facility  # noqa: E402
from mentorsim.scenario import load_scenario  # noqa: E402

WEEK = 31


@numba.njit(nogil=True)
def _rep_whole(reps, week, runs):
    for _ in range(reps):
        loop.dynamics_runs(week, runs, 0, 1)


@numba.njit(nogil=True)
def _rep_practice(reps, a):
    k = a.coef[0]
    first_post, filled = a.tally_posts[7], a.tally_posts[5]
    total = 0.0
    for _ in range(reps):
        for f in range(a.f_lo, a.f_hi):
            total += practice(a.skill, a.skill_floor, a.knowledge, a.knowledge_floor, a.busy, filled, first_post[f],
                              first_post[f + 1], a.recept[f], k.practice_rate, k.practice_block, k.skill_primes)[0]
    return total


@numba.njit(nogil=True)
def _rep_tally(reps, row, a):
    skill, knowledge = a.tally_posts[0], a.tally_posts[1]
    confidence, resistance, trust, filled, theatre, first_post, n_int = a.tally_posts[2:]
    staff = a.series[0][row]
    for _ in range(reps):
        a.team[:] = 0.0
        a.checklist[:] = 0.0
        staff[:] = 0.0
        a.arm_sums[:] = 0.0
        for f in range(a.f_lo, a.f_hi):
            tally_facility(f, 0 if f < n_int else 1, first_post[f], first_post[f + 1], skill, knowledge, confidence,
                           resistance, trust, filled, theatre, a.arm_sums, staff, a.team, a.checklist)


@numba.njit(nogil=True)
def _rep_outcomes(reps, row, a):
    k = a.coef[0]
    for _ in range(reps):
        facility_outcomes(a.team, a.checklist, a.operations_week, a.caesarean_share, a.u_outcomes, a.ssc,
                          a.ssc_push, k, a.outcome_table[row])


@numba.njit(nogil=True)
def _rep_culture(reps, a):
    k = a.coef[0]
    for _ in range(reps):
        culture_follows_practice(a.teamwork_culture, a.team, a.current_baseline, k.culture_rate, k.culture_floor,
                                 k.culture_full, k.safety_first, a.recept)


@numba.njit(nogil=True)
def _rep_setup(reps, a):
    k = a.coef[0]
    total = 0.0
    for _ in range(reps):
        peer = peer_rates(a.teamwork_culture, a.learning_orientation, k.peer_rate)
        total += peer[0]
        update_keep_factors(a.keep, a.keep_leadership, a.leadership, k.lam_skill, k.lam_knowledge,
                            k.protect_contact, k.protect_lead)
        secular_baseline(a.current_baseline, 0.0, k.secular_ceiling)
    return total


def _cpu_us(fn, reps: int, *args) -> float:
    """CPU microseconds per repeat of ``fn(reps, *args)`` (median of 5, after a warm-up)."""
    fn(1, *args)
    times = []
    for _ in range(5):
        t = time.thread_time()
        fn(reps, *args)
        times.append(time.thread_time() - t)
    return 1e6 * statistics.median(times) / reps


def ss2020_parts(reps: int) -> dict:
    p = dict(load_scenario(ROOT / "scenarios" / "ss2020.toml").params)
    m = MentorshipModel(p, seed=1)
    for _ in range(WEEK):
        m.step()
    loop.prepare_dynamics(m, WEEK)
    row = WEEK + 1
    runs = m.dynamics.runs
    a = m.dynamics.run_arrays()
    parts = {"whole weekly_dynamics (compiled loop)": _cpu_us(_rep_whole, reps, WEEK, runs),
             "  practice (step 7)": _cpu_us(_rep_practice, reps, a),
             "  tally (recording.tally_facility)": _cpu_us(_rep_tally, reps, row, a),
             "  facility outcomes (binomial draws)": _cpu_us(_rep_outcomes, reps, row, a),
             "  culture_follows_practice": _cpu_us(_rep_culture, reps, a),
             "  peer rates, keep factors, baseline": _cpu_us(_rep_setup, reps, a)}
    # one Python call a week, as the model makes it
    times = []
    for _ in range(5):
        t = time.thread_time()
        for _ in range(reps):
            loop.dynamics_runs(WEEK, runs, 0, 1)
        times.append(time.thread_time() - t)
    parts["whole, one Python call each"] = 1e6 * statistics.median(times) / reps
    m.release()
    return {"posts": m.providers.n, "facilities": m.facilities.n, "us": parts}


def national_parts(n_facilities: int, reps: int) -> dict:
    m = MentorshipModel(national(n_facilities), seed=1)
    for _ in range(WEEK):
        m.step()
    u = loop.prepare_dynamics(m, WEEK)
    row = WEEK + 1
    dyn = m.dynamics
    first = dyn.block_args[0]
    out = {"posts": m.providers.n, "blocks": len(m.blocks)}
    loop.weekly_dynamics(row, u, *first)
    t = time.thread_time()
    for _ in range(reps):
        loop.weekly_dynamics(row, u, *first)
    out["one block, ms"] = 1e3 * (time.thread_time() - t) / reps
    t = time.thread_time()
    for _ in range(reps):
        for args in dyn.block_args:
            loop.weekly_dynamics(row, u, *args)
    out["all blocks, one thread, CPU ms"] = 1e3 * (time.thread_time() - t) / reps
    t_wall = time.perf_counter()
    for _ in range(reps):
        dyn.week(row, u)
    out[f"Dynamics.week, {os.environ.get('MENTORSIM_THREADS', 'default')} threads, wall ms"] = (
        1e3 * (time.perf_counter() - t_wall) / reps)
    # a whole step, and each step of loop.STEP_ORDER in it (wall time, weeks 32-51)
    spent: dict[str, float] = {}
    weeks = min(reps, 20)
    with timed_steps(spent, clock=time.perf_counter):
        m.plan = loop.week_plan(m)  # the model's weekly plan, rebuilt from the timed steps
        t_wall = time.perf_counter()
        for _ in range(weeks):
            m.step()
        out["whole model.step (weeks 32-51), wall ms"] = 1e3 * (time.perf_counter() - t_wall) / weeks
    for name, v in spent.items():
        out[f"  {name}"] = 1e3 * v / weeks
    m.release()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=2000, help="repeats of each part at ss2020 size")
    ap.add_argument("--national", type=int, default=4400, help="facilities at national scale (0: skip)")
    ap.add_argument("--national-reps", type=int, default=20)
    a = ap.parse_args(argv)
    s = ss2020_parts(a.reps)
    print(f"ss2020 ({s['posts']} posts, {s['facilities']} facilities), week {WEEK}, CPU us a week:")
    for k, v in s["us"].items():
        print(f"  {k:42s} {v:7.2f}")
    if a.national:
        n = national_parts(a.national, a.national_reps)
        print(f"national ({n.pop('posts'):,} posts, {n.pop('blocks')} blocks), week {WEEK}:")
        for k, v in n.items():
            print(f"  {k:48s} {v:8.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
