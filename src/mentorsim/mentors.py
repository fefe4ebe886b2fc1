"""Mentors and the mentor pool: who is on a visit, and the days it costs them.

A team has four positions, one per discipline, matching the mentee roles: surgeon or
obstetrician-gynaecologist, anaesthesia provider, theatre nurse, labour or post-operative ward
nurse. Hub teams (from the zonal referral hospital) serve regions round-robin. From the handover
week, a share of the positions (``mentors.local_share`` of the four, nurses first) is held by a
regional (local) mentor for each region. Regional mentors are trained (3 days) and then work
side by side with the hub mentor of their discipline for the pairing months before the handover.

Capacity: every mentor earns ``available_days_per_month`` of mentorship days, banks at most
``max_banked_months`` of them, and spends visit days plus travel days on each visit. A mentor
without enough days, or called away (``unavailable_prob``), misses the visit; a visit with no
mentor present does not happen. This is what bounds how many facilities a pool can serve.

Regional mentors leave at ``mentors.annual_attrition``; each is replaced after the hiring
delay by the most skilled mentee of that discipline in the region (a mentee becomes a mentor).
"""

from __future__ import annotations

import mesa
import numpy as np

from .people import ANAESTHESIA, SURGICAL, THEATRE_NURSE, WARD_NURSE, geometric
from .timeline import month_row

DISCIPLINES = ("surgery_obgyn", "anaesthesia", "theatre_nursing", "ward_nursing")
#: Which positions become local first as the local share grows (assumption: nurses are the
#: most numerous cadre in the regions, specialists the scarcest).
LOCAL_ORDER = (WARD_NURSE, THEATRE_NURSE, ANAESTHESIA, SURGICAL)
HUB, LOCAL = "hub", "local"


class Mentor(mesa.Agent):
    """A mentor.

    Attributes:
        discipline: index into DISCIPLINES (equal to the mentee role it matches).
        origin: ``"hub"`` or ``"local"``.
        region: region served (local mentors) or -1 (hub).
        team: hub team index, or -1 (local).
        experience_years: clinical experience (years).
        mentoring_skill: 0-1.
        available_days_per_month: mentorship days a month.
        balance_days: days banked now.
        status: ``"paired"`` (learning beside a hub mentor), ``"active"``, ``"lost"`` (left),
            or ``"ended"`` (hub mentor after the programme).
        from_mentee: True for a mentee who became a mentor.
    """

    def __init__(self, model, discipline: int, origin: str, region: int, team: int,
                 experience_years: float, mentoring_skill: float, available_days: float,
                 status: str, week: int, from_mentee: bool = False):
        super().__init__(model)
        self.discipline = discipline
        self.origin = origin
        self.region = region
        self.team = team
        self.experience_years = experience_years
        self.mentoring_skill = mentoring_skill
        self.base_mentoring_skill = mentoring_skill
        self.available_days_per_month = available_days
        self.balance_days = 0.0
        self.balance_week = week - 1  # week up to which days have been credited
        self.status = status
        self.trained_week = week
        self.lost_week: int | None = None
        self.leave_week = np.inf  # scheduled departure (regional mentors)
        self.from_mentee = from_mentee
        self.visits_done = 0
        self.days_spent = 0.0
        self.travel_days = 0.0

    def days_in_hand(self, week: int, accrual: float, cap: float) -> float:
        """Bank this mentor's days up to ``week`` (accrual days/week, at most ``cap``) and return them."""
        if week > self.balance_week:
            self.balance_days = min(cap, self.balance_days + accrual * (week - self.balance_week))
            self.balance_week = week
        return self.balance_days

    @property
    def discipline_name(self) -> str:
        return DISCIPLINES[self.discipline]

    def effectiveness(self, p) -> float:
        """What one coaching day by this mentor transfers, relative to an ideal mentor (0-1.25)."""
        exp = self.experience_years / (self.experience_years + p["mentors.experience_half_years"])
        context = 1.0 + (p["mentors.local_context_bonus"] if self.origin == LOCAL else 0.0)
        return self.mentoring_skill * exp * context


#: Columns of the visit log: one row per mentor per visit (used for costing). ``role`` is
#: "lead" (coaches) or "paired" (a regional mentor accompanying a hub mentor to learn).
VISIT_LOG_COLUMNS = ("week", "facility", "mentor", "origin", "discipline", "role", "days", "travel_days", "km")


class MentorPool:
    """All mentors, their positions, and the scheduling of visits."""

    def __init__(self, model, p, facilities, weeks_per_month: float):
        self.model = model
        self.p = p
        self.wpm = weeks_per_month
        self.teams = int(p["mentors.teams"])
        self.n_regions = facilities.n_regions
        n_local = int(round(p["mentors.local_share"] * 4))
        self.local_disciplines = tuple(sorted(LOCAL_ORDER[:n_local]))
        self.handover_week = month_row(p["mentors.handover_month"])
        pairing_weeks = month_row(p["mentors.pairing_months"])
        self.pairing_weeks = pairing_weeks if self.handover_week > 0 else 0
        self.training_week = max(0, self.handover_week - self.pairing_weeks)
        self.accrual = p["mentors.available_days_per_month"] / weeks_per_month
        self.bank_cap = p["mentors.available_days_per_month"] * p["mentors.max_banked_months"]
        self.hub: dict[tuple[int, int], Mentor] = {}
        self.local: dict[tuple[int, int], Mentor | None] = {}
        self.vacancy_until: dict[tuple[int, int], int] = {}
        self.all: list[Mentor] = []
        self.log: list[tuple] = []  # rows of VISIT_LOG_COLUMNS
        self.trainings: list[tuple[int, int, str]] = []  # (week, mentor id, "pool"|"replacement")
        self.mentees_became_mentors = 0
        self.lost = 0
        self.changed = True  # the pool's counts changed since last read
        self.hub_ended = False
        self.programme_weeks = month_row(p["programme.months"])
        self.next_event = 0
        if facilities.n_intervention and (p["visits.enabled"] or p["followup.local_visit_interval_weeks"]):
            for team in range(self.teams):
                for d in range(4):
                    self.hub[(team, d)] = self._new(d, HUB, -1, team, "active", 0)
        # Region schedule: a team's regions are spread evenly over the visit interval.
        self.region_team = {r: r % self.teams for r in range(self.n_regions)}
        self.region_rank = {r: r // self.teams for r in range(self.n_regions)}
        self.team_regions = {t: sum(1 for r in range(self.n_regions) if r % self.teams == t)
                             for t in range(self.teams)}

    # -- pool changes -------------------------------------------------------------------------
    def _new(self, d, origin, region, team, status, week, from_mentee=False) -> Mentor:
        p = self.p
        hub = origin == HUB
        m = Mentor(self.model, d, origin, region, team,
                   p["mentors.hub_experience_years"] if hub else p["mentors.local_experience_years"],
                   p["mentors.hub_mentoring_skill"] if hub else p["mentors.local_mentoring_skill"],
                   p["mentors.available_days_per_month"], status, week, from_mentee)
        m.balance_days = self.accrual * 4  # a month's days in hand at the start
        self.all.append(m)
        return m

    def update(self, week: int, rng: np.random.Generator, in_programme: bool, best_mentee) -> None:
        """Weekly: hub withdrawal, training, handover, attrition and replacement of regional mentors.

        Departures are scheduled when a regional mentor is trained (geometric weeks with the
        weekly hazard of ``mentors.annual_attrition``), so a quiet week costs nothing.

        Args:
            best_mentee: callable (region, discipline) -> bool, True if a mentee was promoted.
        """
        if week < self.next_event:
            return
        p = self.p
        if not in_programme and not self.hub_ended:
            self.hub_ended = True
            for m in self.hub.values():
                m.status = "ended"  # hub mentors withdraw when the programme ends
            self.changed = True
        if week == self.training_week and self.local_disciplines and self.hub:
            status = "paired" if self.pairing_weeks > 0 else "active"
            for r in range(self.n_regions):
                for d in self.local_disciplines:
                    m = self._new_local(d, r, status, week, rng)
                    self.local[(r, d)] = m
                    self.trainings.append((week, m.unique_id, "pool"))
            self.changed = True
        if week == self.handover_week:
            for m in self.local.values():
                if m is not None and m.status == "paired":
                    done = min(1.0, (week - m.trained_week) / max(1, self.pairing_weeks))
                    m.mentoring_skill = min(1.0, m.base_mentoring_skill + p["mentors.pairing_skill_gain"] * done)
                    m.status = "active"
            self.changed = True
        for key in sorted(self.local):
            m = self.local[key]
            if m is None:
                if week >= self.vacancy_until[key]:
                    promoted = best_mentee(*key)
                    new = self._new_local(key[1], key[0], "active", week, rng, from_mentee=promoted)
                    self.mentees_became_mentors += int(promoted)
                    self.local[key] = new
                    self.trainings.append((week, new.unique_id, "replacement"))
                    self.changed = True
            elif week >= m.leave_week:
                m.status = "lost"
                m.lost_week = week
                self.lost += 1
                self.local[key] = None
                self.vacancy_until[key] = week + int(round(p["staff.hiring_delay_weeks"]))
                self.changed = True
        self.next_event = self._next_event(week, in_programme)

    def _new_local(self, d, region, status, week, rng, from_mentee=False) -> Mentor:
        m = self._new(d, LOCAL, region, -1, status, week, from_mentee)
        hazard = 1.0 - (1.0 - self.p["mentors.annual_attrition"]) ** (1.0 / 52.0)
        m.leave_week = week + geometric(hazard, float(rng.random()))
        return m

    def _next_event(self, week: int, in_programme: bool) -> float:
        """The next week in which update() has anything to do."""
        events = [t for t in (self.training_week, self.handover_week) if t > week]
        if in_programme:
            events.append(self.programme_weeks)
        for key, m in self.local.items():
            events.append(self.vacancy_until[key] if m is None else m.leave_week)
        return max(week + 1, min(events)) if events else np.inf

    # -- visits -------------------------------------------------------------------------------
    def offset(self, region: int, interval: int) -> int:
        """First week of a region's visits: a team's regions spread over the interval."""
        team = self.region_team[region]
        return int(self.region_rank[region] * interval // max(1, self.team_regions[team]))

    def team_for_visit(self, region: int, week: int, in_programme: bool) -> list[tuple[Mentor, str]]:
        """Mentors due on a visit to a facility of ``region``: (mentor, "lead"|"paired")."""
        out: list[tuple[Mentor, str]] = []
        team = self.region_team[region]
        for d in range(4):
            local = self.local.get((region, d))
            if in_programme:
                if d in self.local_disciplines and week >= self.handover_week and local is not None \
                        and local.status == "active":
                    out.append((local, "lead"))
                    continue
                hub = self.hub.get((team, d))
                if hub is not None:
                    out.append((hub, "lead"))
                if local is not None and local.status == "paired":
                    out.append((local, "paired"))
            elif local is not None and local.status == "active":
                out.append((local, "lead"))
        return out

    def travel(self, mentor: Mentor, facilities, f: int) -> tuple[float, float]:
        """(travel days, km) one visit to facility ``f`` costs ``mentor``.

        Hub mentors travel a circuit: the round trip from the hub is shared by the facilities of
        one trip, plus the hop between facilities. Regional mentors make a day-trip from their base.
        """
        kmpd = self.p["mentors.km_per_travel_day"]
        if mentor.origin == HUB:
            km = 2.0 * facilities.distance_hub_km[f] / self.p["mentors.facilities_per_trip"] \
                + facilities.distance_local_km[f]
        else:
            km = 2.0 * facilities.distance_local_km[f]
        return km / kmpd, km

    def staff_visit(self, week: int, f: int, region: int, facilities, u_away: np.ndarray,
                    in_programme: bool) -> list[tuple[Mentor, str]]:
        """Decide who actually comes on a visit to ``f`` and charge their days.

        ``u_away`` holds one uniform per mentor due (a mentor is called away when it falls below
        ``mentors.unavailable_prob``).
        """
        days = float(self.p["visits.days"])
        due = self.team_for_visit(region, week, in_programme)
        if not due:
            return []
        p_away = self.p["mentors.unavailable_prob"]
        present = []
        for (mentor, role), u in zip(due, u_away):
            is_away = u < p_away
            travel_days, km = self.travel(mentor, facilities, f)
            need = days + travel_days
            if is_away or mentor.days_in_hand(week, self.accrual, self.bank_cap) < need:
                continue
            mentor.balance_days -= need
            mentor.days_spent += days
            mentor.travel_days += travel_days
            mentor.visits_done += 1
            present.append((mentor, role))
            self.log.append((week, f, mentor.unique_id, mentor.origin, mentor.discipline, role, days,
                             travel_days, km))
        return present

    def counts(self) -> dict[str, int]:
        """The pool now: active hub, active local, paired local, lost, trained so far."""
        active_hub = sum(1 for m in self.hub.values() if m.status == "active")
        active_local = sum(1 for m in self.local.values() if m is not None and m.status == "active")
        paired = sum(1 for m in self.local.values() if m is not None and m.status == "paired")
        return {"hub_active": active_hub, "local_active": active_local, "local_paired": paired,
                "local_lost": self.lost, "local_trained": len(self.trainings),
                "mentees_became_mentors": self.mentees_became_mentors}

