"""In-person mentor visits: tacit skill by side-by-side coaching.

Schedule: each intervention facility is visited every ``visits.interval_weeks`` during the
programme (and every ``followup.local_visit_interval_weeks`` by the local pool afterwards, if
kept). A region's facilities are visited in the same week, one circuit; a team's regions are
spread over the interval. The mentor pool decides who comes (capacity, availability); visits it
cannot staff are carried over and a shortfall is shared, most overdue facility first (dose.py).

A visit lasts ``visits.days`` days. It opens with a debrief on the facility's quality-improvement
action plan and closes with one with leaders (raising leadership engagement). In between each
mentor takes a track; the track shares set which domains the days touch (TRACK_DOMAINS). Each
mentee is coached on each day they are not taken by routine work (chance ``busy``). On a coached
day the share of the skill gap closed is

    visit_tacit_rate x team transfer to the mentee's discipline x domain weight
      x receptivity (teamwork needs culture) x uptake (the facility's absorptive capacity)
      x (1 - resistance_effect x resistance) x (1 + absorptive_capacity x knowledge gained)

(knowledge gained = explicit knowledge above the mentee's own starting level and the secular
trend, ``knowledge - knowledge_floor``: what ECHO, WhatsApp and debriefs taught makes coaching go
further, the complementarity with telementoring; at the start the multiplier is 1),
and of the knowledge gap ``visit_explicit_rate x transfer x weight x uptake x (1 - resistance ...)``.

where team transfer sums each present mentor's effectiveness, in full for their own discipline
and times ``visits.cross_discipline_factor`` for the others. Contact builds trust.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np
from numba.typed import List

from mentorsim.model.blocks import run_blocks
from mentorsim.model.counters import VISITS_MISSED
from mentorsim.model.dose import OWING, book_week, queue_week
from mentorsim.model.jit import kernel
from mentorsim.model.kept import make_room
from mentorsim.model.kernel_args import state_tuple
from mentorsim.model.mentors import _staff_visits
from mentorsim.model.pcg import advance, fill_at

TRACKS = ("clinical", "data", "patient_pathway")
#: How a day on each track spreads over the domains (clinical, checklist and safety, teamwork and
#: communication, data use). Structure, not a tuned number: side-by-side coaching in theatre and
#: on ward rounds touches clinical skill, safety practice and teamwork; the data track is records
#: and use of data; the pathway track (gate to discharge) touches all four.
TRACK_DOMAINS = np.array([
    [0.4, 0.3, 0.3, 0.0],
    [0.0, 0.2, 0.0, 0.8],
    [0.25, 0.25, 0.25, 0.25],
])


def track_shares(p) -> np.ndarray:
    clinical, data = p["visits.track_clinical_share"], p["visits.track_data_share"]
    return np.array([clinical, data, max(0.0, 1.0 - clinical - data)])


def visit_schedule(model) -> dict[int, np.ndarray]:
    """Week -> intervention facilities due a visit that week (int64, by region then facility),
    for the whole run (built once). A region's visits in a phase are every ``interval`` weeks
    from its offset (MentorPool.offset); a week in which one region is due holds that region's
    own array of facilities, the same array for each of its weeks: read, never written.

    The schedule depends only on what :func:`_schedule_key` gathers (the intervals, the phases'
    weeks, the pool's region order and the facilities' arms and regions), so it is built once for
    each such key among the last SCHEDULES_KEPT and each model gets a copy of the dict (the arrays
    in it are shared: ~2 us against ~13 us for building it at ss2020's size)."""
    return dict(_kept_schedule(model)[0])


def schedule_arrays(model) -> tuple[np.ndarray, np.ndarray]:
    """:func:`visit_schedule` as arrays for compiled code: (``start`` [weeks + 1], ``facilities``):
    week ``w``'s facilities are ``facilities[start[w]:start[w + 1]]`` (none: an empty range).
    Shared between models like the schedule: read, never written."""
    return _kept_schedule(model)[1]


def _kept_schedule(model) -> tuple:
    """(the schedule, its arrays) for ``model``, built once for each schedule key."""
    key = _schedule_key(model)
    kept = _schedules.get(key)
    if kept is None:
        schedule = _build_schedule(model)
        weeks = model.time.total_weeks
        counts = np.zeros(weeks + 1, dtype=np.int64)
        for week, facilities in schedule.items():
            counts[week + 1] = len(facilities)
        flat = (np.concatenate(list(schedule.values())) if schedule else np.zeros(0)).astype(np.int64)
        kept = (schedule, (np.cumsum(counts), flat))
        make_room(_schedules, SCHEDULES_KEPT)
        _schedules[key] = kept
    return kept


SCHEDULES_KEPT = 4  # (a schedule holds each intervention facility once a visit: ~1 MB at national scale)
_schedules: dict[tuple, tuple] = {}


def _intervals(p) -> tuple[int, int]:
    """Weeks between a facility's visits in the programme (0: no visits) and in the follow-up."""
    return (int(p["visits.interval_weeks"]) if p["visits.enabled"] else 0,
            int(p["followup.local_visit_interval_weeks"]))


def _schedule_key(model) -> tuple:
    """Everything :func:`_build_schedule` reads: the intervals, the phases' weeks, the pool's
    region order (MentorPool.offset) and the facilities' arms and regions."""
    fa, t, pool = model.facilities, model.time, model.pool
    return (_intervals(model.p), t.programme_weeks, t.total_weeks, fa.n_regions, pool.region_team.tobytes(),
            pool.region_rank.tobytes(), pool.team_regions.tobytes(), fa.intervention.tobytes(), fa.region.tobytes())


def _build_schedule(model) -> dict[int, np.ndarray]:
    """:func:`visit_schedule`, built: each region's visit weeks in each phase, then each week's regions' facilities."""
    fa, t, pool = model.facilities, model.time, model.pool
    programme, followup = _intervals(model.p)
    due: dict[int, list[int]] = {}  # week -> regions due
    for lo, hi, interval in ((0, t.programme_weeks, programme), (t.programme_weeks, t.total_weeks, followup)):
        if interval <= 0 or lo >= hi:
            continue
        for r in range(fa.n_regions):
            off = pool.offset(r, interval)
            first = off if off >= lo else off + -(-(lo - off) // interval) * interval
            for week in range(first, hi, interval):
                due.setdefault(week, []).append(r)
    if not due:
        return {}
    members = [np.flatnonzero(fa.intervention & (fa.region == r)).astype(np.int64, copy=False)
               for r in range(fa.n_regions)]
    return {w: members[regions[0]] if len(regions) == 1 else np.concatenate([members[r] for r in regions])
            for w, regions in sorted(due.items())}


#: The coefficients of a visit, each with the parameter it comes from (the kernels read them by
#: name: ``k = coef[0]; k.tacit_rate``). The number of visit days is the number of columns of the
#: kernels' uniforms (``visits.days``).
VISIT_COEF = {
    "tacit_rate": "learning.visit_tacit_rate",
    "explicit_rate": "learning.visit_explicit_rate",
    "resistance_effect": "learning.resistance_effect",
    "absorptive_capacity": "learning.absorptive_capacity",
    "trust_rate": "learning.trust_rate",
    "leadership_gain": "visits.leadership_gain",
    "shares": "visits.track_clinical_share, visits.track_data_share (share of visit days by TRACKS; "
              "the pathway track takes the rest)",
    "weight": "visits.track_clinical_share, visits.track_data_share (weight of each domain: the track "
              "shares times TRACK_DOMAINS)",
}
#: The record fields that are arrays, with their lengths (the others are numbers), and the
#: record's type (made once: building a dtype costs more than filling the record).
VISIT_COEF_ARRAYS = {"shares": len(TRACKS), "weight": len(TRACK_DOMAINS[0])}
VISIT_DTYPE = np.dtype([(name, np.float64, (VISIT_COEF_ARRAYS[name],)) if name in VISIT_COEF_ARRAYS
                        else (name, np.float64) for name in VISIT_COEF])


def visit_coefficients(p) -> np.ndarray:
    """VISIT_COEF's values (rates: shares of a gap closed per coached day, see the module doc;
    ``shares`` and ``weight`` computed once here from the track shares) as a one-element record
    with a float64 field, or a float64 array field for VISIT_COEF_ARRAYS, for each."""
    coef = np.zeros(1, dtype=VISIT_DTYPE)
    for name, key in VISIT_COEF.items():
        if name not in VISIT_COEF_ARRAYS:
            coef[name] = float(p[key])
    shares = track_shares(p)
    coef["shares"] = shares
    coef["weight"] = shares @ TRACK_DOMAINS
    return coef


#: What one run's visit week reads and writes (see :func:`visits_runs`): the model's arrays
#: (kernel_args.state_tuple), the visit and staffing coefficients, the dose's arrays
#: (dose.DoseArrays), the schedule (:func:`schedule_arrays`), the states (pcg.words) of the
#: ``visits``, ``mentors`` and ``rescheduled`` streams, the run's counts, the record's visit series
#: [row, facility], the visit log's rows written (MentorPool.n_log), and the sizes. The pool's
#: arrays and the visit log are typed lists, kept beside the tuple (:func:`run_of`).
VisitRun = namedtuple("VisitRun", ("state", "visit_coef", "staff_coef", "dose", "start", "scheduled", "rng",
                                   "mentors", "rescheduled", "counts", "visits_row", "n_log", "programme_weeks",
                                   "days", "n_fac", "n_posts"))


def run_of(model) -> List:
    """``model``'s visit week for compiled code: a typed list of one (the schedule's ``start``,
    the dose's ``flags``, a typed list of one (VisitRun, the pool's arrays (MentorPool.kernel_view),
    the visit log (MentorPool.log_parts))). The first two tell a week with nothing to staff (most
    weeks) without reading the rest: taking a tuple of ~60 arrays out of a typed list costs ~0.7 us
    (a reference count up and down for each array). Build once the record exists."""
    pool = model.pool
    start, scheduled = schedule_arrays(model)
    run = VisitRun(state_tuple(model), model.visit_coef, pool.coef, model.dose.arrays, start, scheduled,
                   model.rng_states["visits"], model.rng_states["mentors"], model.rng_states["rescheduled"],
                   model.counters.counts, model.record.fac["visits"], pool.n_log, model.time.programme_weeks,
                   int(model.p["visits.days"]), model.facilities.n, model.providers.n)
    return _gated(start, model.dose.arrays.flags, run, pool.kernel_view(), pool.log_parts)


@kernel
def _gated(start, flags, run, pool, log_parts):
    inner = List()
    inner.append((run, pool, log_parts))
    out = List()
    out.append((start, flags, inner))
    return out


@kernel
def _idle(week, start, flags):
    """Whether a visit week has nothing to staff: none scheduled and none owed (dose.queue_week)."""
    return start[week] == start[week + 1] and flags[OWING] == 0


@kernel
def _staffed(week, v, pool, log_parts):
    """A visit week up to the coaching: the queue (dose.queue_week: scheduled and owed visits,
    most overdue first), who comes (mentors._staff_visits, which writes the pool's ``transfer``,
    ``relation`` and ``visited`` and the visit log) and the booking (dose.book_week, counted into
    ``visits_missed``). Returns the number of facilities visited (0: no coaching this week)."""
    n = queue_week(week, v.scheduled[v.start[week]:v.start[week + 1]], v.programme_weeks, v.dose, v.mentors,
                   v.rescheduled)
    if n == 0:
        return 0
    due, u_away = v.dose.due_out[:n], v.dose.u_out[:n]  # u_away: mentors called away (<= 8 due per visit)
    n_visited = _staff_visits(week, due, u_away, week < v.programme_weeks, pool, v.staff_coef, log_parts, v.n_log)
    v.counts[VISITS_MISSED] += book_week(week, v.dose, due, pool[0].visited)
    return n_visited


@kernel
def visits_runs(week, runs, lo, hi):
    """Week ``week``'s visits for runs ``lo``..``hi`` - 1 of ``runs`` (a typed list of
    :func:`run_of`'s items), each as :func:`visits` runs it for a model of one block: staffed
    (:func:`_staffed`), then the coaching at the facilities visited, whose uniforms come from
    the run's ``visits`` stream (the week's [post, visit day] draws: each coached facility draws
    its own rows, then the stream moves past them all)."""
    for j in range(lo, hi):
        visits_run(week, runs[j])


@kernel
def visits_run(week, item):
    """Week ``week``'s visits for one run (:func:`visits_runs`): ``item`` is :func:`run_of`'s item;
    a week with nothing scheduled or owed (:func:`_idle`) is passed over before the run's arrays
    are taken out of their list."""
    start, flags, inner = item
    if _idle(week, start, flags):
        return
    v, pool, log_parts = inner[0]
    if _staffed(week, v, pool, log_parts):
        m = pool[0]
        _coach(0, v.n_fac, v.state, v.visit_coef, m.transfer, m.relation, m.visited, v.visits_row[week + 1], v.rng,
               v.days)
        advance(v.rng, v.n_posts * v.days)


@kernel
def _staffed_run(week, runs):
    """:func:`_staffed` for the run of ``runs`` (a model of facility blocks, which
    :func:`visits` hands over only in a week with something to staff)."""
    v, pool, log_parts = runs[0][2][0]
    return _staffed(week, v, pool, log_parts)


def visits(model, week: int) -> None:
    """Run this week's visits (:func:`visits_runs`; a model of facility blocks coaches its blocks
    on several threads)."""
    if week not in model.visit_schedule and not model.dose.owing:
        return  # nothing scheduled or owed (_idle's test, here before handing over to compiled code)
    runs = model.visit_runs
    if len(model.blocks) == 1:  # one block: a batch of one
        visits_runs(week, runs, 0, 1)
        return
    if not _staffed_run(week, runs):
        return
    pool = model.pool
    rng, days = model.rng_states["visits"], int(model.p["visits.days"])
    run_blocks(_coach, model.blocks, model.state, model.visit_coef, pool.transfer, pool.relation, pool.visited,
               model.record.fac["visits"][week + 1], rng, days)
    advance(rng, model.providers.n * days)


@kernel
def _coach(f_lo, f_hi, state, coef, transfer, relation, visited, visits_row, rng, days):
    """The visits to facilities ``f_lo``.. ``f_hi - 1``: at each visited one (``visited``, a lead
    mentor came) the closing debrief with leaders raises leadership engagement by
    ``leadership_gain`` of the gap and the visit is counted in ``visits_row`` (this week's row
    of the record); then side-by-side coaching of every mentee present (see module doc).
    ``state``: kernel_args.state_of; ``coef``: visit_coefficients; ``transfer`` [n_fac, 4 roles]
    the team's transfer; ``relation`` [n_fac] the leading mentors' relatability (0: no coaching);
    ``rng`` the ``visits`` stream's state (pcg.words), whose week of draws is one uniform a post
    and visit day ([post, day], ``days`` a post): a coached facility draws its posts' rows
    (pcg.fill_at), the others' are never drawn; the caller then moves the stream past them all."""
    pr, fa = state[0]
    gain = coef[0].leadership_gain
    for f in range(f_lo, f_hi):
        if visited[f]:
            fa.leadership[f] += gain * (1.0 - fa.leadership[f])
            visits_row[f] += 1.0
        if relation[f] != 0.0:
            lo = pr.first_post[f]
            u = np.empty((pr.first_post[f + 1] - lo, days))  # the facility's posts' rows
            fill_at(rng, lo * days, u)
            _coach_facility(f, pr, fa.recept, fa.uptake[f], coef, transfer, relation, u)


@kernel
def _coach_facility(f, pr, recept, uptake, coef, transfer, relation, u):
    """Coaching at visited facility ``f`` (its posts ``pr.first_post[f]``.. ``pr.first_post[f + 1] - 1``)
    whose absorptive capacity is ``uptake``; ``u`` [its posts, visit day] uniforms."""
    k = coef[0]
    weight, shares = k.weight, k.shares
    skill, knowledge, trust = pr.skill, pr.knowledge, pr.trust
    first = pr.first_post[f]
    for i in range(first, pr.first_post[f + 1]):
        if not pr.filled[i]:
            continue
        n = 0
        for day in range(u.shape[1]):
            if u[i - first, day] >= pr.busy[i]:  # not taken by routine work that day
                n += 1
        if n == 0:
            continue
        t = transfer[f, pr.role[i]] * uptake * (1.0 - k.resistance_effect * pr.resistance[i])
        for d in range(4):
            gained = max(0.0, knowledge[i, d] - pr.knowledge_floor[i, d])  # the complementarity
            r = min(1.0, k.tacit_rate * t * weight[d] * recept[f, d] * (1.0 + k.absorptive_capacity * gained))
            skill[i, d] = 1.0 - (1.0 - skill[i, d]) * (1.0 - r) ** n
            rk = min(1.0, k.explicit_rate * t * weight[d])
            knowledge[i, d] = 1.0 - (1.0 - knowledge[i, d]) * (1.0 - rk) ** n
        rt = min(1.0, k.trust_rate * relation[f])
        trust[i] = 1.0 - (1.0 - trust[i]) * (1.0 - rt) ** n
        for track in range(3):
            pr.coached_days[i, track] += n * shares[track]
        pr.contact_days[i] += n
        pr.reinforced[i] = True
