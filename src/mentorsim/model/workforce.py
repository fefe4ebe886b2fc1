"""Staff turnover, hiring and workload.

Turnover: every filled post empties with the weekly hazard implied by ``staff.annual_attrition``;
every vacant post is filled with chance 1/``staff.hiring_delay_weeks`` a week. Both are drawn
once, when a person arrives, as geometric waiting times (the same law as a weekly coin), so the
weekly step only compares dates. New hires arrive
with a fresh baseline: untrained in mentorship, their own (lower, if they missed the SS2020
trainings) knowledge, no trust in the mentors. Posts are never created or lost.

Workload: a facility's weekly operations (Poisson around its monthly mean) divided by what its
surgical providers present can handle at normal pace. A provider's workload is the facility's
times their own share. Workload, less the time leadership releases, sets the chance a provider
is taken by routine work on a contact day (``busy``).
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba.typed import List

from mentorsim.model.blocks import run_blocks
from mentorsim.model.counters import HIRES, LEAVERS
from mentorsim.model.draws import poisson_lookups, poisson_table
from mentorsim.model.jit import kernel
from mentorsim.model.kept import make_room
from mentorsim.model.kernel_args import arrays_of, coef_tuple, run_list
from mentorsim.model.pcg import fill
from mentorsim.model.people import SURGICAL, _init_people, new_person_states
from mentorsim.timeline import WEEKS_PER_MONTH

#: The provider arrays turnover reads and writes, by their people.Providers names
#: (kernel_args.arrays_of): ``pr = _turnover_named(state)``, ``pr.leave_week``.
TurnoverPosts = namedtuple("TurnoverPosts", ("first_post", "filled", "tenure_weeks", "leave_week", "vacancy_weeks",
                                             "fill_week"))

#: The provider and facility arrays workload reads and writes (people.Providers and
#: facilities.Facilities names): ``pr, fa = _workload_named(state)``, ``fa.operations_week``.
WorkloadPosts = namedtuple("WorkloadPosts", ("first_post", "filled", "role", "workload_factor", "busy"))
WorkloadSites = namedtuple("WorkloadSites", ("leadership", "operations_per_week", "operations_week", "workload"))

#: The coefficients of a week's workload, each with the parameter it comes from (the kernel
#: reads them by name: ``k = WorkloadCoef(*coef); k.busy_base``).
WORKLOAD_COEF = {
    "operations_per_provider_week": "workload.operations_per_provider_month / weeks per month",
    "busy_base": "workload.busy_base",
    "busy_sensitivity": "workload.busy_sensitivity",
    "leadership_release": "workload.leadership_release",
}
WorkloadCoef = namedtuple("WorkloadCoef", tuple(WORKLOAD_COEF))

#: What one run's turnover week reads and writes (a model of one block; see
#: :func:`turnover_runs`): the arrays (TurnoverPosts), the hires' buffer and the run's counts
#: (counters.Counters.counts), and, in a typed list of one (TurnoverHire, ``turnover`` stream)
#: pair, what only a week with hires reads, taken out of the list only then (every array of a
#: tuple taken out of a typed list costs a reference count up and down: the provider arrays
#: fetched every week cost ~0.07 ms a run of ss2020).
TurnoverRun = namedtuple("TurnoverRun", ("state", "hired", "counts", "hire"))
#: What hiring reads and writes: the provider arrays new people are written into (a tuple of one
#: HirePosts), the entry coefficients they are drawn with (people.entry_coefficients), the
#: facilities' current baseline, the person ids and the next one.
TurnoverHire = namedtuple("TurnoverHire", ("posts", "entry_coef", "baseline", "person_id", "next_id"))
#: The provider arrays people._init_people writes a new person's state into, by their
#: people.Providers names (the fields of kernel_args.Posts it reads: fewer arrays to hand over).
HirePosts = namedtuple("HirePosts", ("facility", "skill", "skill_floor", "skill_at_entry", "knowledge",
                                     "knowledge_floor", "confidence", "confidence_at_entry", "trained", "resistance0",
                                     "resistance", "trust", "workload_factor", "whatsapp_access", "tenure_weeks",
                                     "leave_week", "vacancy_weeks", "coached_days", "echo_sessions", "echo_offered",
                                     "whatsapp_weeks", "contact_days"))
#: What one run's workload week reads and writes: the arrays (WorkloadPosts, WorkloadSites),
#: the coefficients, the week's uniforms' buffer [n_fac], the state (pcg.words) of the
#: ``operations`` stream it draws them from and the facilities' Poisson table (:func:`operations_table`).
WorkloadRun = namedtuple("WorkloadRun", ("state", "coef", "u", "rng", "table"))


def workload_coefficients(p) -> tuple[float, ...]:
    """WORKLOAD_COEF's values (operations a provider handles a week at normal pace; a chance,
    its change per unit of excess workload, the share of it leadership releases) in its order
    (kernel_args.coef_tuple)."""
    values = {name: p[key] for name, key in WORKLOAD_COEF.items() if key in p}
    values["operations_per_provider_week"] = p["workload.operations_per_provider_month"] / WEEKS_PER_MONTH
    return coef_tuple(WORKLOAD_COEF, values)


def operations_table(operations_per_week: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """draws.poisson_table of the facilities' mean operations a week (fixed for a run), from which
    each week's counts are looked up (draws.poisson_lookups: poisson_inv's counts). Kept for the
    last TABLES_KEPT sets of means (the replicates of a seed share their facilities): read, never
    written. A facility whose mean is changed afterwards has its counts walked (poisson_inv)."""
    key = operations_per_week.tobytes()
    table = _tables.get(key)
    if table is None:
        table = poisson_table(operations_per_week)
        make_room(_tables, TABLES_KEPT)
        _tables[key] = table
    return table


TABLES_KEPT = 4  # (a table holds ~100 values and 256 cells a facility of ss2020's size: ~1.3 KB)
_tables: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}


class Workforce:
    """What turnover and workload read every week, gathered once at set-up (the parameters do
    not change during a run): the arrays by name, the coefficients, the streams and buffers."""

    __slots__ = ("blocks", "hired", "ops_stream", "ops_table", "ops_u", "turnover", "turnover_runs", "workload",
                 "workload_coef", "workload_runs")

    def __init__(self, model):
        self.turnover = arrays_of(model, TurnoverPosts)
        self.workload = arrays_of(model, WorkloadPosts, WorkloadSites)
        self.workload_coef = workload_coefficients(model.p)
        self.blocks = model.blocks
        self.hired = np.empty(model.providers.n, dtype=np.int64)  # posts filled this week, by block
        self.ops_stream = model.streams["operations"]
        self.ops_u = np.empty(model.facilities.n)  # this week's uniforms, one per facility
        self.ops_table = operations_table(model.facilities.operations_per_week)
        # a model of one block runs its weeks through the batch kernels, as a batch of one
        self.turnover_runs = self.workload_runs = None
        if len(self.blocks) == 1:
            pr = model.providers
            entry_coef = pr.kernel_view(model.p)[1]
            posts = (HirePosts(*arrays_of(model, HirePosts)[0]),)  # read as kernel_view's: posts[0]
            hire = TurnoverHire(posts, entry_coef, model.facilities.current_baseline, pr.person_id, pr.next_id)
            self.turnover_runs = _turnover_list(self.turnover, self.hired, model.counters.counts, hire,
                                                model.streams["turnover"])
            run = WorkloadRun(self.workload, self.workload_coef, self.ops_u, model.rng_states["operations"],
                              self.ops_table)
            self.workload_runs = run_list(run)


@kernel
def _turnover_list(state, hired, counts, hire, stream):
    """A typed list of one TurnoverRun, its ``hire`` a typed list of one (``hire``, ``stream``)."""
    inner = List()
    inner.append((hire, stream))
    out = List()
    out.append(TurnoverRun(state, hired, counts, inner))
    return out


@kernel
def _turnover_named(state):
    """``state`` (Workforce.turnover) by name: the provider arrays."""
    return TurnoverPosts(*state[0])


@kernel
def _turnover(f_lo, f_hi, state, week, hired):
    """Empty and fill the posts of facilities ``f_lo``..``f_hi - 1`` in place as scheduled; the
    posts filled by new hires go, in order, into ``hired`` from the block's first post on.
    Return (leavers, posts filled). ``state``: Workforce.turnover."""
    pr = _turnover_named(state)
    lo, hi = pr.first_post[f_lo], pr.first_post[f_hi]
    # the block's posts as views from 0 (a loop from 0 needs no negative-index handling)
    filled, leave_week, fill_week = pr.filled[lo:hi], pr.leave_week[lo:hi], pr.fill_week[lo:hi]
    tenure, vacancy = pr.tenure_weeks[lo:hi], pr.vacancy_weeks[lo:hi]
    n_hired = 0
    leavers = 0
    for i in range(hi - lo):
        if filled[i]:
            if leave_week[i] <= week:
                filled[i] = False
                fill_week[i] = week + vacancy[i]
                leavers += 1
            else:
                tenure[i] += 1.0
        elif fill_week[i] <= week:
            filled[i] = True
            hired[lo + n_hired] = lo + i
            n_hired += 1
    return leavers, n_hired


@kernel
def _hire(week, hired, hire):
    """New people in the posts ``hired``, drawn from the run's own stream (numpy's numbers, in
    numpy's order); ``hire`` a typed list of one (TurnoverHire, ``turnover`` stream)."""
    h, stream = hire[0]
    n_hired = hired.shape[0]
    # new people start from today's baseline, which the secular trend has moved
    # (new_person_states: 9 standard normals, then 4 uniforms, a person)
    z = np.empty((n_hired, 9))
    for i in range(n_hired):
        for c in range(9):
            z[i, c] = stream.standard_normal()
    u = np.empty((n_hired, 4))
    for i in range(n_hired):
        for c in range(4):
            u[i, c] = stream.random()
    _init_people(hired, h.posts, h.entry_coef, h.baseline, z, u, week)
    for i in range(n_hired):
        h.person_id[hired[i]] = h.next_id[0] + i
    h.next_id[0] += n_hired


@kernel
def turnover_runs(week, runs, lo, hi):
    """Turnover's week ``week`` for runs ``lo``..``hi - 1`` of ``runs`` (a typed list of
    TurnoverRun), each as :func:`turnover` runs it, the new people's draws made here from the
    run's own stream (:func:`_hire`)."""
    for j in range(lo, hi):
        turnover_run(week, runs[j])


@kernel
def turnover_run(week, r):
    """Turnover's week ``week`` for one TurnoverRun ``r`` (:func:`turnover_runs`)."""
    leavers, n_hired = _turnover(0, _turnover_named(r.state).first_post.shape[0] - 1, r.state, week, r.hired)
    r.counts[LEAVERS] += leavers
    if n_hired:
        _hire(week, r.hired[:n_hired], r.hire)
        r.counts[HIRES] += n_hired


def turnover(model, week: int) -> None:
    """People leave posts; vacancies are filled by new hires (both scheduled when a person arrives)."""
    w = model.workforce
    if w.turnover_runs is not None:  # one block: a batch of one
        turnover_runs(week, w.turnover_runs, 0, 1)
        return
    done = run_blocks(_turnover, w.blocks, w.turnover, week, w.hired)
    first_post = model.providers.first_post
    leavers = sum(n for n, _ in done)
    hired = np.concatenate([w.hired[first_post[lo]:first_post[lo] + n] for (lo, _), (_, n) in zip(w.blocks, done)])
    if leavers:
        model.counters["leavers"] += leavers
    if len(hired):
        # new people start from today's baseline, which the secular trend has moved
        pr = model.providers
        new_person_states(model.p, model.streams["turnover"], model.facilities.current_baseline, pr, hired, week)
        pr.person_id[hired] = np.arange(pr.next_person_id, pr.next_person_id + len(hired))
        pr.next_id[0] += len(hired)
        model.counters["hires"] += len(hired)


@kernel
def _workload_named(state):
    """``state`` (Workforce.workload) by name: (provider arrays, facility arrays)."""
    return WorkloadPosts(*state[0]), WorkloadSites(*state[1])


@kernel
def _busy(f_lo, f_hi, state, coef, u, table):
    """This week's operations and workload of facilities ``f_lo``..``f_hi - 1`` (written into
    ``fa.operations_week`` and ``fa.workload``), and each of their posts' chance of being busy.
    ``state``: Workforce.workload; ``coef``: workload_coefficients; ``u`` [n_fac] uniforms;
    ``table``: operations_table of ``fa.operations_per_week``."""
    pr, fa = _workload_named(state)
    k = WorkloadCoef(*coef)
    poisson_lookups(table, fa.operations_per_week, u, fa.operations_week, f_lo, f_hi)
    for f in range(f_lo, f_hi):
        lo, hi = pr.first_post[f], pr.first_post[f + 1]
        # the facility's posts as views from 0: loops from 0 need no negative-index handling
        # and vectorize (about 35% cheaper than indexing the whole arrays from lo)
        filled, role, factor, busy = pr.filled[lo:hi], pr.role[lo:hi], pr.workload_factor[lo:hi], pr.busy[lo:hi]
        surgical = 0
        for i in range(hi - lo):
            surgical += filled[i] & (role[i] == SURGICAL)
        load = fa.operations_week[f] / (max(float(surgical), 0.5) * k.operations_per_provider_week)
        fa.workload[f] = load
        release = 1.0 - k.leadership_release * fa.leadership[f]
        for i in range(hi - lo):
            b = k.busy_base + k.busy_sensitivity * (load * factor[i] - 1.0)
            b = min(0.95, max(0.0, b))
            busy[i] = b * release


@kernel
def workload_runs(week, runs, lo, hi):
    """Workload's week for runs ``lo``..``hi - 1`` of ``runs`` (a typed list of WorkloadRun),
    each as :func:`workload` runs it, its uniforms drawn here from the run's ``operations``
    stream (pcg.fill: numpy's numbers)."""
    for j in range(lo, hi):
        workload_run(week, runs[j])


@kernel
def workload_run(week, r):
    """Workload's week ``week`` for one WorkloadRun ``r`` (:func:`workload_runs`)."""
    fill(r.rng, r.u)
    _busy(0, r.u.shape[0], r.state, r.coef, r.u, r.table)


def workload(model, week: int) -> None:
    """This week's operations, facility workload, and each provider's chance of being busy."""
    w = model.workforce
    if w.workload_runs is not None:  # one block: a batch of one
        workload_runs(week, w.workload_runs, 0, 1)
        return
    run_blocks(_busy, w.blocks, w.workload, w.workload_coef, w.ops_stream.random(out=w.ops_u), w.ops_table)
