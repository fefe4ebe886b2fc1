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

import numpy as np

from mentorsim.model.jit import kernel

PHASES = ("programme", "followup")


class Dose:
    """Per-facility visit accounting and the weekly queue of visits to staff.

    The bookkeeping of a visit week runs as two or three compiled calls (:func:`_enqueue`,
    :func:`_order`, :func:`_book`) on arrays kept here; the queue's arrays are buffers,
    rewritten at the next call.

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
        self.phase = 0
        self._sched_now = np.zeros(n, dtype=bool)  # scheduled in the week being staffed
        self._owing = False  # False: no visit is owed (a week with none scheduled has nothing to staff)
        # the queue's buffers: facilities due (as gathered, then in staffing order) and their uniforms
        self._due = np.empty(n, dtype=np.int64)
        self._u = np.empty((n, 8))
        self._due_out = np.empty(n, dtype=np.int64)
        self._u_out = np.empty((n, 8))

    @property
    def owing(self) -> bool:
        """Whether a visit is owed (a week with none scheduled then still has one to staff)."""
        return self._owing

    def queue(self, week: int, scheduled: np.ndarray | None, streams) -> tuple[np.ndarray, np.ndarray] | None:
        """This week's visits to staff, most overdue first, and the uniforms that decide which
        mentors are called away ([len, 8]; a scheduled facility's row comes from the ``mentors``
        stream as it always has, an owed-only facility's from ``rescheduled``). None if none.
        Both arrays are this Dose's buffers, rewritten at the next call."""
        if scheduled is None and not self._owing:
            return None  # (the phase catches up at the next call: with nothing owed, its lapse changes nothing)
        phase = 0 if week < self.programme_weeks else 1
        if phase != self.phase:
            self.owed[:] = False  # the programme's owed visits lapse (already counted missed)
            self._owing = False
            self.phase = phase
        n_sched = 0 if scheduled is None else len(scheduled)
        if n_sched:
            streams["mentors"].random(out=self._u[:n_sched])  # the same numbers as .random((n_sched, 8))
            sched = scheduled
        else:
            sched = self._due[:0]
        n_extra = _enqueue(phase, sched, self.owed, self.scheduled, self._sched_now, self._due)
        n = n_sched + n_extra
        if n == 0:
            return None
        if n_extra:
            streams["rescheduled"].random(out=self._u[n_sched:n])
        _order(n, self._due, self._u, self.last_visit, self._due_out, self._u_out)
        return self._due_out[:n], self._u_out[:n]

    def record(self, week: int, due: np.ndarray, led: np.ndarray) -> int:
        """Book the week's staffing: ``led`` [n] True where a lead mentor came. Returns the
        change in missed visits (new misses minus owed visits made late)."""
        change, self._owing = _book(week, self.phase, due, led, self._sched_now, self.owed, self.last_visit,
                                    self.delayed, self.missed)
        return change

    def columns(self) -> dict[str, np.ndarray]:
        """Per-facility counts by phase, as arrays (``visits_scheduled_programme`` ...)."""
        out = {}
        for i, ph in enumerate(PHASES):
            out[f"visits_scheduled_{ph}"] = self.scheduled[i].copy()
            out[f"visits_missed_{ph}"] = self.missed[i].copy()
            out[f"visits_delayed_{ph}"] = self.delayed[i].copy()
        return out


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
