"""The dose of in-person mentorship each facility actually gets, and the queue that shares a
shortfall of mentor days fairly between facilities.

Staffing rule (the pool in mentors.py charges each mentor's days, one visit after another):

1. The visits due in a week are the facilities scheduled that week (visits.visit_schedule) and
   those still owed a visit: a scheduled visit that no lead mentor made is carried over and
   offered again every week until it is made (a *delayed* visit) or the facility's next
   scheduled visit or the end of its phase (programme, follow-up) comes, when it counts as
   *missed*. A facility is owed at most one visit.
2. They are staffed most overdue first: by the week of the facility's last visit with a lead
   mentor (never visited first), then by facility index. A facility that missed out is first
   in line the next week, so a pool short of days rotates over the facilities instead of
   always serving the same low-index ones. When there are days for every visit the order does
   not matter: the same mentors make the same visits as in any order.

Counts by phase (0 programme, 1 follow-up) and facility: visits scheduled, missed (not made by
a lead mentor by the next scheduled visit or the end of the phase) and delayed (made late).
At any moment, missed counts owed visits not yet made, so the total is final at the run's end.
"""

from __future__ import annotations

from collections import namedtuple

import numpy as np

from mentorsim.model.jit import kernel
from mentorsim.model.pcg import fill, words

PHASES = ("programme", "followup")


#: A Dose's arrays as the compiled queue and booking read them (:func:`queue_week`,
#: :func:`book_week`): the accounting (``owed`` .. ``delayed``), ``flags`` [PHASE, OWING] (the
#: phase being staffed; 1 while a visit is owed), and the queue's buffers.
DoseArrays = namedtuple("DoseArrays", ("owed", "last_visit", "scheduled", "missed", "delayed", "flags", "sched_now",
                                       "due", "u", "due_out", "u_out"))
PHASE, OWING = 0, 1  # the slots of DoseArrays.flags


class Dose:
    """Per-facility visit accounting and the weekly queue of visits to staff.

    The bookkeeping of a visit week runs in compiled code (:func:`queue_week`, :func:`book_week`)
    on the arrays kept here (:attr:`arrays`); the queue's arrays are buffers, rewritten at the
    next call.

    Attributes:
        owed: [n] a scheduled visit not yet made (carried over).
        last_visit: [n] week of the last visit with a lead mentor (-1: never).
        scheduled, missed, delayed: [2 phases, n] counts of visits.
    """

    def __init__(self, n_facilities: int, programme_weeks: int):
        n = n_facilities
        self.programme_weeks = programme_weeks
        self.owed = np.zeros(n, dtype=bool)
        self.last_visit = np.full(n, -1, dtype=np.int64)
        self.scheduled = np.zeros((2, n), dtype=np.int64)
        self.missed = np.zeros((2, n), dtype=np.int64)
        self.delayed = np.zeros((2, n), dtype=np.int64)
        # [the phase being staffed, 1 while a visit is owed (a week with none scheduled then
        # still has one to staff)]; the queue's buffers: the facilities scheduled in the week being
        # staffed, those due (as gathered, then in staffing order) and their uniforms
        self.arrays = DoseArrays(self.owed, self.last_visit, self.scheduled, self.missed, self.delayed,
                                 np.zeros(2, dtype=np.int64), np.zeros(n, dtype=bool), np.empty(n, dtype=np.int64),
                                 np.empty((n, 8)), np.empty(n, dtype=np.int64), np.empty((n, 8)))

    @property
    def phase(self) -> int:
        """The phase being staffed (0 programme, 1 follow-up; caught up at the next queue)."""
        return int(self.arrays.flags[PHASE])

    @property
    def owing(self) -> bool:
        """Whether a visit is owed (a week with none scheduled then still has one to staff)."""
        return bool(self.arrays.flags[OWING])

    def queue(self, week: int, scheduled: np.ndarray | None, streams) -> tuple[np.ndarray, np.ndarray] | None:
        """This week's visits to staff, most overdue first, and the uniforms that decide which
        mentors are called away ([len, 8]; a scheduled facility's row comes from the ``mentors``
        stream, an owed-only facility's from ``rescheduled``). None if none. Both arrays are this
        Dose's buffers, rewritten at the next call (:func:`queue_week`, from Python)."""
        n = queue_week(week, NONE_SCHEDULED if scheduled is None else scheduled, self.programme_weeks, self.arrays,
                       words(streams["mentors"]), words(streams["rescheduled"]))
        return None if n == 0 else (self.arrays.due_out[:n], self.arrays.u_out[:n])

    def record(self, week: int, due: np.ndarray, led: np.ndarray) -> int:
        """Book the week's staffing of the ``due`` facilities: ``led`` [n] True where a lead mentor
        came. Returns the change in missed visits (new misses minus owed visits made late)."""
        return book_week(week, self.arrays, due, led)

    def columns(self) -> dict[str, np.ndarray]:
        """Per-facility counts by phase, as arrays (``visits_scheduled_programme`` ...)."""
        out = {}
        for i, ph in enumerate(PHASES):
            out[f"visits_scheduled_{ph}"] = self.scheduled[i].copy()
            out[f"visits_missed_{ph}"] = self.missed[i].copy()
            out[f"visits_delayed_{ph}"] = self.delayed[i].copy()
        return out


#: The facilities scheduled in a week with no visits scheduled.
NONE_SCHEDULED = np.zeros(0, dtype=np.int64)


@kernel
def queue_week(week, scheduled, programme_weeks, d, mentors, rescheduled):
    """This week's visits to staff: their number ``n`` (0: none), the facilities most overdue
    first in ``d.due_out[:n]`` and the uniforms that decide which mentors are called away in
    ``d.u_out[:n]`` ([n, 8]; a scheduled facility's row from the ``mentors`` stream, an owed-only
    facility's from ``rescheduled``, both pcg.words states). ``scheduled``: the week's scheduled
    facilities (empty if none); ``d``: Dose.arrays; ``programme_weeks``: when the follow-up
    phase starts."""
    if scheduled.shape[0] == 0 and not d.flags[OWING]:
        return 0  # (the phase catches up at the next call: with nothing owed, its lapse changes nothing)
    phase = 0 if week < programme_weeks else 1
    if phase != d.flags[PHASE]:
        d.owed[:] = False  # the programme's owed visits lapse (already counted missed)
        d.flags[OWING] = 0
        d.flags[PHASE] = phase
    n_sched = scheduled.shape[0]
    if n_sched:
        fill(mentors, d.u[:n_sched])  # the same numbers as Generator.random((n_sched, 8))
    n_extra = _enqueue(phase, scheduled, d.owed, d.scheduled, d.sched_now, d.due)
    n = n_sched + n_extra
    if n == 0:
        return 0
    if n_extra:
        fill(rescheduled, d.u[n_sched:n])
    _order(n, d.due, d.u, d.last_visit, d.due_out, d.u_out)
    return n


@kernel
def book_week(week, d, due, led):
    """Book a week's staffing of the ``due`` facilities (``d``: Dose.arrays; ``led`` [n_fac] True
    where a lead mentor came); the change in missed visits (new misses minus owed visits made
    late)."""
    change, owing = _book(week, d.flags[PHASE], due, led, d.sched_now, d.owed, d.last_visit, d.delayed, d.missed)
    d.flags[OWING] = owing
    return change


@kernel
def _enqueue(phase, sched, owed, scheduled, sched_now, due):
    """Count the visits scheduled this week (``sched``, in ``phase``) and let any owed visit to
    those facilities stay missed (the new one replaces it); write into ``due`` the scheduled
    facilities, then the other facilities still owed a visit, in index order. Marks
    ``sched_now``. Returns how many owed-only facilities follow the scheduled ones."""
    sched_now[:] = False
    for j in range(sched.shape[0]):
        f = sched[j]
        scheduled[phase, f] += 1
        owed[f] = False  # an owed visit not made by the next one stays missed
        sched_now[f] = True
        due[j] = f
    n = sched.shape[0]
    for f in range(owed.shape[0]):
        if owed[f]:  # owed and not scheduled this week
            due[n] = f
            n += 1
    return n - sched.shape[0]


@kernel
def _order(n, due, u, last_visit, due_out, u_out):
    """The first ``n`` facilities of ``due`` and their rows of ``u``, most overdue first (by
    the week of their last visit with a lead mentor, never visited first; ties by facility
    index), into ``due_out`` and ``u_out``."""
    key = np.empty(n, dtype=np.int64)
    n_fac = last_visit.shape[0]
    for j in range(n):
        key[j] = (last_visit[due[j]] + 1) * n_fac + due[j]  # unique: facilities are due once
    order = np.argsort(key)
    for j in range(n):
        src = order[j]
        due_out[j] = due[src]
        for c in range(u.shape[1]):
            u_out[j, c] = u[src, c]


@kernel
def _book(week, phase, due, led, sched_now, owed, last_visit, delayed, missed):
    """Dose.record's bookkeeping, facility by facility (each is due once a week): a visit made
    sets ``last_visit`` and, if it was owed, counts as delayed instead of missed; a scheduled
    visit not made counts as missed and is owed from now on. Returns (new misses minus owed
    visits made late, whether any visit is still owed)."""
    change = 0
    for j in range(due.shape[0]):
        f = due[j]
        if led[f]:
            last_visit[f] = week
            if owed[f]:
                delayed[phase, f] += 1
                missed[phase, f] -= 1
                owed[f] = False
                change -= 1
        elif sched_now[f]:  # scheduled this week and not made: owed from now on
            missed[phase, f] += 1
            owed[f] = True
            change += 1
    owing = False
    for f in range(owed.shape[0]):
        if owed[f]:
            owing = True
            break
    return change, owing
