"""The Mesa model: builds facilities, providers and mentors, then steps week by week.

State lives in arrays (``facilities.Facilities``, ``people.Providers``) so a step costs a few
dozen vectorised operations whatever the number of providers; Facility, Provider and Mentor
Mesa agents are the model's face, reading the same arrays. The update order of a step is in
``loop.py``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping

import mesa
import numpy as np

from . import loop
from .facilities import Facilities, Facility
from .learning import receptivity
from .mentors import MentorPool
from .outcomes import outcomes
from .people import Provider, Providers, new_person_states
from .randomness import streams
from .recording import Recorder

WEEKS_PER_MONTH = 52.0 / 12.0


@dataclass(frozen=True)
class TimeAxis:
    """Weeks of a run. Rows of the record: 0 = baseline, w + 1 = after week w."""

    programme_weeks: int
    followup_weeks: int
    survey_week: int
    wpm: float = WEEKS_PER_MONTH

    @classmethod
    def from_params(cls, p) -> "TimeAxis":
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
    return int(np.floor(month * WEEKS_PER_MONTH + 0.5))


class MentorshipModel(mesa.Model):
    """Agent-based model of a multimodal surgical mentorship programme.

    Args:
        params: full parameter mapping (``Scenario.params``).
        seed: run seed; with ``replicate`` it fixes every random stream.
        replicate: replicate number (0-based).
    """

    def __init__(self, params: Mapping, seed: int = 1, replicate: int = 0):
        self.streams = streams(seed, replicate)
        super().__init__(rng=self.streams["mesa"])
        self.seed_value = int(seed)
        self.replicate = int(replicate)
        self.p = dict(params)
        self.time = TimeAxis.from_params(self.p)
        self.week = 0
        self.counters = {"leavers": 0, "hires": 0, "echo_sessions": 0, "visits_missed": 0}
        self.facilities = Facilities(self.p, self.streams["facilities"])
        fa = self.facilities
        self.facility_agents = [Facility(self, f) for f in range(fa.n)]
        fac_of_post = np.repeat(np.repeat(np.arange(fa.n), 4), fa.staff.ravel())
        role_of_post = np.repeat(np.tile(np.arange(4), fa.n), fa.staff.ravel())
        self.providers = Providers(fac_of_post, role_of_post)
        pr = self.providers
        rng = self.streams["providers"]
        new_person_states(self.p, rng, fa.baseline_skill, pr, np.arange(pr.n))
        mean_tenure = 52.0 / max(self.p["staff.annual_attrition"], 0.02)
        pr.tenure_weeks[:] = rng.exponential(mean_tenure, pr.n)
        self._provider_agents: list[Provider] | None = None
        self.pool = MentorPool(self, self.p, fa, WEEKS_PER_MONTH)
        self.recept = receptivity(self)
        self.record = Recorder(self.time.total_weeks, fa.n)
        outcomes(self, -1)  # baseline row (no operations yet)
        self.record.snapshot(self, -1)

    @property
    def provider_agents(self) -> list[Provider]:
        """Provider Mesa agents, one per post, created on first use (views on the arrays)."""
        if self._provider_agents is None:
            self._provider_agents = [Provider(self, i) for i in range(self.providers.n)]
        return self._provider_agents

    @property
    def mentor_agents(self):
        return self.pool.all

    def step(self) -> None:
        """One week (see loop.py for the order of updates)."""
        loop.step(self)

    def run(self) -> "MentorshipModel":
        """Run the programme and the follow-up."""
        for _ in range(self.time.total_weeks):
            self.step()
        return self

    def promote_mentee(self, region: int, discipline: int) -> bool:
        """Make the most skilled mentee of ``discipline`` in ``region`` a mentor (stays in post)."""
        pr, fa = self.providers, self.facilities
        cand = pr.filled & (pr.role == discipline) & fa.intervention[pr.facility] & (
            fa.region[pr.facility] == region)
        return bool(cand.any())
