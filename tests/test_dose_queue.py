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
