"""Time: the model steps in weeks; people speak in months.

Record rows: 0 = baseline, w + 1 = after week w. ``month_row(m)`` is the row at month m.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

WEEKS_PER_MONTH = 52.0 / 12.0


@dataclass(frozen=True)
class TimeAxis:
    """Weeks of a run. Rows of the record: 0 = baseline, w + 1 = after week w."""

    programme_weeks: int
    followup_weeks: int
    survey_week: int
    wpm: float = WEEKS_PER_MONTH

    @classmethod
    def from_params(cls, p) -> TimeAxis:
        return cls(programme_weeks=month_row(p["programme.months"]),
                   followup_weeks=month_row(p["followup.months"]),
                   survey_week=month_row(p["programme.survey_month"]))

    @property
    def total_weeks(self) -> int:
        return self.programme_weeks + self.followup_weeks

    def in_programme(self, week: int) -> bool:
        return week < self.programme_weeks


def month_row(month: float) -> int:
    """Record row (= weeks elapsed) at ``month`` months."""
    return math.floor(month * WEEKS_PER_MONTH + 0.5)  # (np.floor's value, as an int, at a third of its cost)
