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

PHASES = ("programme", "followup")


class Dose:
    """Per-facility visit accounting and the weekly queue of visits to staff.

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

    def queue(self, week: int, scheduled: np.ndarray | None, streams) -> tuple[np.ndarray, np.ndarray] | None:
        """This week's visits to staff, most overdue first, and the uniforms that decide which
        mentors are called away ([len, 8]; a scheduled facility's row comes from the ``mentors``
        stream as it always has, an owed-only facility's from ``rescheduled``). None if none."""
        if scheduled is None and not self._owing:
            return None  # (the phase catches up at the next call: with nothing owed, its lapse changes nothing)
        phase = 0 if week < self.programme_weeks else 1
        if phase != self.phase:
            self.owed[:] = False  # the programme's owed visits lapse (already counted missed)
            self._owing = False
            self.phase = phase
        sched = np.empty(0, dtype=np.int64) if scheduled is None else scheduled
        if len(sched):
            self.scheduled[phase, sched] += 1
            self.owed[sched] = False  # an owed visit not made by the next one stays missed
        extra = np.flatnonzero(self.owed)  # owed and not scheduled this week
        if len(sched) == 0 and len(extra) == 0:
            return None
        u = [streams["mentors"].random((len(sched), 8))] if len(sched) else []
        if len(extra):
            u.append(streams["rescheduled"].random((len(extra), 8)))
        due = np.concatenate([sched, extra]) if len(extra) else sched
        u_away = np.concatenate(u) if len(u) > 1 else u[0]
        order = np.lexsort((due, self.last_visit[due]))
        self._sched_now[:] = False
        self._sched_now[sched] = True
        return due[order], u_away[order]

    def record(self, week: int, due: np.ndarray, led: np.ndarray) -> int:
        """Book the week's staffing: ``led`` [n] True where a lead mentor came. Returns the
        change in missed visits (new misses minus owed visits made late)."""
        phase = self.phase
        made = due[led[due]]
        failed = due[~led[due]]
        self.last_visit[made] = week
        late = made[self.owed[made]]
        self.delayed[phase, late] += 1
        self.missed[phase, late] -= 1
        self.owed[late] = False
        new = failed[self._sched_now[failed]]  # scheduled this week and not made: owed from now on
        self.missed[phase, new] += 1
        self.owed[new] = True
        self._owing = bool(self.owed.any())
        return len(new) - len(late)

    def columns(self) -> dict[str, np.ndarray]:
        """Per-facility counts by phase, as arrays (``visits_scheduled_programme`` ...)."""
        out = {}
        for i, ph in enumerate(PHASES):
            out[f"visits_scheduled_{ph}"] = self.scheduled[i].copy()
            out[f"visits_missed_{ph}"] = self.missed[i].copy()
            out[f"visits_delayed_{ph}"] = self.delayed[i].copy()
        return out
