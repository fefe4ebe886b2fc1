"""Providers (mentees): their state kept in arrays, one row per post, with Mesa agents as views.

Each row is a *post* in a facility's surgical team. A post is filled by one person at a time;
when that person leaves, the post stays vacant until a new hire fills it (``model/workforce.py``).
Counts are therefore conserved: posts never change, filled + vacant = posts.

State per post (arrays of length ``n``; ``[n, 4]`` for the four domains):
  skill            tacit, practised competence per domain, 0-1 (probability of doing it right)
  skill_floor      what skill decays back to: the person's pre-mentorship level, raised by the
                   secular trend
  knowledge        explicit knowledge per domain, 0-1
  knowledge_floor  what knowledge decays back to
  confidence       0-1, follows mean skill
  trust            0-1, relationship with mentors; built by contact
  resistance0      resistance to mentorship on arrival, 0-1
  resistance       resistance0 x (1 - trust)
  workload_factor  the person's share of the facility's workload (1 = average)
  trained          attended the SS2020 trainings before mentorship
  tenure_weeks     weeks in post
"""

from __future__ import annotations

import math

import mesa
import numpy as np

from mentorsim.model.jit import kernel

DOMAINS = ("clinical", "checklist_safety", "teamwork_communication", "data_use")
CLINICAL, CHECKLIST, TEAMWORK, DATA = range(4)

ROLES = ("surgical_provider", "anaesthesia_provider", "theatre_nurse", "ward_nurse")
SURGICAL, ANAESTHESIA, THEATRE_NURSE, WARD_NURSE = range(4)
THEATRE_ROLES = (SURGICAL, ANAESTHESIA, THEATRE_NURSE)
STAFF_KEYS = ("staff.surgical_providers", "staff.anaesthesia_providers", "staff.theatre_nurses",
              "staff.ward_nurses")


class Providers:
    """Arrays of provider state; see the module docstring for the columns."""

    def __init__(self, facility: np.ndarray, role: np.ndarray, n_fac: int):
        n = len(facility)
        self.n = n
        if n and np.any(np.diff(facility) < 0):
            raise ValueError("posts must be grouped by facility, in facility order")
        #: posts of facility f are rows first_post[f] .. first_post[f + 1] - 1 (posts never move)
        self.first_post = np.concatenate(([0], np.cumsum(np.bincount(facility, minlength=n_fac))))
        self.facility = facility.astype(np.int32)  # narrow types: less memory traffic per week
        self.role = role.astype(np.int8)
        self.theatre = np.isin(self.role, THEATRE_ROLES)
        self.filled = np.ones(n, dtype=bool)
        self.person_id = np.arange(n, dtype=np.int64)
        self.next_person_id = n
        self.skill = np.zeros((n, 4))
        self.skill_floor = np.zeros((n, 4))
        self.skill_at_entry = np.zeros((n, 4))
        self.knowledge = np.zeros((n, 4))
        self.knowledge_floor = np.zeros((n, 4))
        self.confidence = np.zeros(n)
        self.confidence_at_entry = np.zeros(n)
        self.trust = np.zeros(n)
        self.resistance0 = np.zeros(n)
        self.resistance = np.zeros(n)
        self.workload_factor = np.ones(n)
        self.busy = np.zeros(n)  # chance of being taken by routine work this week
        self.trained = np.zeros(n, dtype=bool)
        self.whatsapp_access = np.zeros(n, dtype=bool)
        self.tenure_weeks = np.zeros(n)
        # turnover is scheduled: the week the person leaves, and how long the post then stays vacant
        self.leave_week = np.full(n, np.inf)
        self.vacancy_weeks = np.ones(n)
        self.fill_week = np.full(n, np.inf)
        # this week's reinforcement (any contact), reset every step
        self.reinforced = np.zeros(n, dtype=bool)
        # exposure counters, reset when a new person takes the post (used by the survey)
        self.coached_days = np.zeros((n, 3))  # by track: clinical, data, pathway
        self.echo_sessions = np.zeros(n)
        self.echo_offered = np.zeros(n)
        self.whatsapp_weeks = np.zeros(n)
        self.contact_days = np.zeros(n)


class Provider(mesa.Agent):
    """A mentee, as a Mesa agent: a view on one row of :class:`Providers`.

    Reading an attribute reads the arrays, so the agent and the vectorised processes never
    disagree. The row is a post; ``person_id`` changes when the post changes hands.
    """

    def __init__(self, model: mesa.Model, index: int):
        super().__init__(model)
        self.index = index

    @property
    def _arrays(self) -> Providers:
        return self.model.providers

    @property
    def facility_id(self) -> int:
        return int(self._arrays.facility[self.index])

    @property
    def role(self) -> str:
        return ROLES[self._arrays.role[self.index]]

    @property
    def present(self) -> bool:
        return bool(self._arrays.filled[self.index])

    @property
    def person_id(self) -> int:
        return int(self._arrays.person_id[self.index])

    @property
    def skills(self) -> dict[str, float]:
        return dict(zip(DOMAINS, self._arrays.skill[self.index].tolist()))

    @property
    def knowledge(self) -> dict[str, float]:
        return dict(zip(DOMAINS, self._arrays.knowledge[self.index].tolist()))

    @property
    def confidence(self) -> float:
        return float(self._arrays.confidence[self.index])

    @property
    def resistance(self) -> float:
        return float(self._arrays.resistance[self.index])

    @property
    def workload(self) -> float:
        """This week's workload relative to normal (1 = normal)."""
        return float(self.model.facilities.workload[self.facility_id]
                     * self._arrays.workload_factor[self.index])

    @property
    def trained_before(self) -> bool:
        return bool(self._arrays.trained[self.index])

    @property
    def tenure_weeks(self) -> float:
        return float(self._arrays.tenure_weeks[self.index])


def new_person_states(p, rng: np.random.Generator, facility_baseline: np.ndarray,
                      providers: Providers, idx: np.ndarray, week: int = 0) -> None:
    """Give the people now filling posts ``idx`` their starting state.

    Skill: facility baseline + N(0, ``baseline_individual_sd``) per domain. Knowledge:
    ``baseline_knowledge`` (less ``untrained_knowledge_gap`` for those who missed the SS2020
    trainings, share ``1 - staff.trained_share``) + the same spread. Resistance by training.
    No trust yet; workload share lognormal(0, ``workload.individual_sd``). Turnover is drawn
    now: weeks in post ~ geometric with the weekly hazard of ``staff.annual_attrition``, and
    the vacancy after leaving ~ geometric with mean ``staff.hiring_delay_weeks`` (the same law
    as a weekly coin, drawn once, so it costs nothing per week).

    Args:
        p: parameter mapping.
        rng: the stream to draw from (``providers`` at set-up, ``turnover`` for new hires).
        facility_baseline: mean baseline practice per facility (share).
        providers: the arrays, written in place.
        idx: post indices.
    """
    m = len(idx)
    if m == 0:
        return
    pr = providers
    hazard = 1.0 - (1.0 - p["staff.annual_attrition"]) ** (1.0 / 52.0)
    _init_people(idx, pr.facility, facility_baseline, rng.standard_normal((m, 9)), rng.random((m, 4)),
                 week, hazard, 1.0 / p["staff.hiring_delay_weeks"], pr.leave_week, pr.vacancy_weeks,
                 p["providers.baseline_individual_sd"], p["staff.trained_share"],
                 p["providers.baseline_knowledge"], p["providers.untrained_knowledge_gap"],
                 p["providers.resistance_trained"], p["providers.resistance_untrained"],
                 p["workload.individual_sd"], p["providers.whatsapp_access"],
                 pr.skill, pr.skill_floor, pr.skill_at_entry, pr.knowledge, pr.knowledge_floor,
                 pr.confidence, pr.confidence_at_entry, pr.trained, pr.resistance0, pr.trust,
                 pr.resistance, pr.workload_factor, pr.whatsapp_access, pr.tenure_weeks,
                 pr.coached_days, pr.echo_sessions, pr.echo_offered, pr.whatsapp_weeks, pr.contact_days)


@kernel
def geometric(prob, u):
    """Weeks until the first success of a weekly chance ``prob`` (>= 1; inf if prob is 0)."""
    if prob <= 0.0:
        return np.inf
    if prob >= 1.0:
        return 1.0
    return math.floor(math.log(1.0 - u) / math.log(1.0 - prob)) + 1.0


@kernel
def _init_people(idx, facility, baseline, z, u, week, hazard, fill, leave_week, vacancy_weeks, sd,
                 trained_share, knowledge0, gap, res_trained,
                 res_untrained, workload_sd, access_share, skill, skill_floor, skill_at_entry,
                 knowledge, knowledge_floor, confidence, confidence_at_entry, trained, resistance0,
                 trust, resistance, workload_factor, access, tenure, coached_days, echo_sessions,
                 echo_offered, whatsapp_weeks, contact_days):
    for j in range(idx.shape[0]):
        i = idx[j]
        is_trained = u[j, 0] < trained_share
        k0 = knowledge0 - (0.0 if is_trained else gap)
        mean = 0.0
        for d in range(4):
            s = min(1.0, max(0.0, baseline[facility[i]] + sd * z[j, d]))
            skill[i, d] = s
            skill_floor[i, d] = s
            skill_at_entry[i, d] = s
            mean += s
            k = min(1.0, max(0.0, k0 + sd * z[j, 4 + d]))
            knowledge[i, d] = k
            knowledge_floor[i, d] = k
        confidence[i] = mean / 4.0
        confidence_at_entry[i] = mean / 4.0
        trained[i] = is_trained
        resistance0[i] = res_trained if is_trained else res_untrained
        resistance[i] = resistance0[i]
        trust[i] = 0.0
        workload_factor[i] = math.exp(workload_sd * z[j, 8])
        access[i] = u[j, 1] < access_share
        tenure[i] = 0.0
        leave_week[i] = week + geometric(hazard, u[j, 2])
        vacancy_weeks[i] = geometric(fill, u[j, 3])
        for t in range(3):
            coached_days[i, t] = 0.0
        echo_sessions[i] = 0.0
        echo_offered[i] = 0.0
        whatsapp_weeks[i] = 0.0
        contact_days[i] = 0.0
