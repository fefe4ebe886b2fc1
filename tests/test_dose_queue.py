"""The weekly visit queue (model/dose.py) on weeks with nothing scheduled: owed visits are
offered again every week until made, and lapse when the programme ends."""

import numpy as np

from mentorsim.model.dose import Dose
from mentorsim.randomness import streams


def test_owed_visits_come_back_on_unscheduled_weeks_and_lapse_with_the_phase():
    dose, s = Dose(4, programme_weeks=10), streams(1, 0)
    assert dose.queue(0, None, s) is None  # nothing scheduled or owed
    due, u_away = dose.queue(1, np.array([0, 2]), s)
    assert sorted(due.tolist()) == [0, 2] and u_away.shape == (2, 8)
    led = np.zeros(4, dtype=bool)
    led[0] = True
    assert dose.record(1, due, led) == 1  # facility 2 missed: owed from now on
    for week in (2, 3):  # offered again every week with nothing scheduled
        due, _ = dose.queue(week, None, s)
        assert due.tolist() == [2]
        assert dose.record(week, due, np.zeros(4, dtype=bool)) == 0
    due, _ = dose.queue(4, np.array([1]), s)  # with the scheduled one; neither visited yet: by index
    assert due.tolist() == [1, 2]
    led[:] = [False, True, True, False]
    assert dose.record(4, due, led) == -1  # made late
    assert dose.queue(5, None, s) is None
    assert (dose.delayed[0] == [0, 0, 1, 0]).all() and dose.missed[0].sum() == 0
    due, _ = dose.queue(8, np.array([3]), s)
    dose.record(8, due, np.zeros(4, dtype=bool))
    assert dose.queue(9, None, s)[0].tolist() == [3]
    assert dose.queue(10, None, s) is None  # the programme ended: its owed visit lapsed, still missed
    assert dose.missed[0, 3] == 1 and dose.scheduled.sum() == 4


class _NumpyDose:
    """The queue and the booking as numpy wrote them before dose.py compiled them (the reference)."""

    def __init__(self, n, programme_weeks):
        self.programme_weeks, self.phase, self.owing = programme_weeks, 0, False
        self.owed, self.last_visit = np.zeros(n, dtype=bool), np.full(n, -1, dtype=np.int64)
        self.scheduled, self.missed, self.delayed = (np.zeros((2, n), dtype=np.int64) for _ in range(3))
        self.sched_now = np.zeros(n, dtype=bool)

    def queue(self, week, scheduled, s):
        if scheduled is None and not self.owing:
            return None
        phase = 0 if week < self.programme_weeks else 1
        if phase != self.phase:
            self.owed[:], self.owing, self.phase = False, False, phase
        sched = np.empty(0, dtype=np.int64) if scheduled is None else scheduled
        self.scheduled[phase, sched] += 1
        self.owed[sched] = False
        extra = np.flatnonzero(self.owed)
        if len(sched) == 0 and len(extra) == 0:
            return None
        u = [s["mentors"].random((len(sched), 8))] if len(sched) else []
        if len(extra):
            u.append(s["rescheduled"].random((len(extra), 8)))
        due, u_away = np.concatenate([sched, extra]), np.concatenate(u)
        order = np.lexsort((due, self.last_visit[due]))
        self.sched_now[:] = False
        self.sched_now[sched] = True
        return due[order], u_away[order]

    def record(self, week, due, led):
        made, failed = due[led[due]], due[~led[due]]
        self.last_visit[made] = week
        late = made[self.owed[made]]
        self.delayed[self.phase, late] += 1
        self.missed[self.phase, late] -= 1
        self.owed[late] = False
        new = failed[self.sched_now[failed]]
        self.missed[self.phase, new] += 1
        self.owed[new] = True
        self.owing = bool(self.owed.any())
        return len(new) - len(late)


def test_compiled_queue_and_booking_match_the_numpy_reference():
    """Random schedules over 30 facilities and 60 weeks (phase change at 40), a third to two
    thirds of the visits not made: the same queue order, uniforms, returns and counts."""
    for seed in range(6):
        rng = np.random.default_rng(seed)
        new, ref = Dose(30, programme_weeks=40), _NumpyDose(30, 40)
        s_new, s_ref = streams(seed, 0), streams(seed, 0)
        fail = 0.33 + 0.33 * rng.random()
        for week in range(60):
            sched = None
            if rng.random() < 0.4:
                sched = np.sort(rng.choice(30, size=rng.integers(1, 12), replace=False)).astype(np.int64)
            a, b = new.queue(week, sched, s_new), ref.queue(week, sched, s_ref)
            assert (a is None) == (b is None), week
            if a is None:
                continue
            np.testing.assert_array_equal(a[0], b[0])
            np.testing.assert_array_equal(a[1], b[1])
            led = np.zeros(30, dtype=bool)
            led[a[0]] = rng.random(len(a[0])) >= fail
            change = new.record(week, a[0].copy(), led)
            assert change == ref.record(week, b[0], led)
        for name in ("owed", "last_visit", "scheduled", "missed", "delayed"):
            np.testing.assert_array_equal(getattr(new, name), getattr(ref, name), err_msg=name)
        assert new.missed.sum() > 0 and new.delayed.sum() > 0  # both paths were exercised
