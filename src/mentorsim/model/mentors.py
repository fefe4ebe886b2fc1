"""Mentors and the mentor pool: who is on a visit, and the days it costs them.

A team has four positions, one per discipline, matching the mentee roles: surgeon or
obstetrician-gynaecologist, anaesthesia provider, theatre nurse, labour or post-operative ward
nurse. Hub teams (from the zonal referral hospital) serve regions round-robin; with more teams
than regions, a region's facilities are shared between its teams (facility_teams). From the handover
week, a share of the positions (``mentors.local_share`` of the four, nurses first) is held by a
regional (local) mentor for each region. Regional mentors are trained (3 days) and then work
side by side with the hub mentor of their discipline for the pairing months before the handover.

Capacity: every mentor earns ``available_days_per_month`` of mentorship days, banks at most
``max_banked_months`` of them, and spends visit days plus travel days on each visit. A mentor
without enough days, or called away (``unavailable_prob``), misses the visit; a visit with no
lead mentor present does not happen. This is what bounds how many facilities a pool can serve.
A week's visits are staffed most overdue facility first and a visit not made is carried over
(dose.py), so a shortfall of days is shared between facilities.

Local context (mechanism 6): a regional mentor knows the facilities' context, so each coaching
day transfers ``1 + mentors.local_context_bonus`` times as much and builds trust that much
faster (more relatable); a hub mentor brings more clinical experience (``experience_years``,
saturating at ``experience_half_years``). Mentoring skill starts the same for both by default (both
had the mentorship training) and grows by mentoring (mechanisms 6 and 10: mentors reported their
own skills and confidence grew, HRH2021): after ``v`` visits made (led, or paired side by side
with a hub mentor before the handover) a mentor's skill is
``min(1, start + gain * (c(v0 + v) - c(v0)))`` with ``c(x) = x / (x + mentors.mentoring_skill_half_visits)``
and ``gain = mentors.mentoring_skill_gain``, for hub and regional mentors alike, so a regional
mentor who starts early accumulates it. ``v0`` is the mentoring experience a mentor starts with:
0 for a regional mentor, ``mentors.hub_prior_visits`` for a hub mentor (specialists of the zonal
teaching hospital), who is further along the same curve and so gains less. The handover is a policy lever: ``handover_month`` (0 = local from the
start), ``local_share`` (positions, nurses first) and ``followup.local_visit_interval_weeks``.

Regional mentors leave at ``mentors.annual_attrition`` (a departure week drawn when they are
trained); each is replaced after the hiring delay by the most skilled mentee of that discipline
in the region (a mentee becomes a mentor).

Mentors' numeric state lives in the pool's arrays (one slot per mentor) so that staffing all of
a week's visits is one compiled call; the Mentor Mesa agents read and write those arrays.
"""

from __future__ import annotations

from collections import namedtuple

import mesa
import numpy as np
from numba.typed import List

from mentorsim.model.jit import kernel
from mentorsim.model.kernel_args import _one, coef_record
from mentorsim.model.people import ANAESTHESIA, SURGICAL, THEATRE_NURSE, WARD_NURSE, geometric
from mentorsim.model.weak import Weak
from mentorsim.timeline import month_row

DISCIPLINES = ("surgery_obgyn", "anaesthesia", "theatre_nursing", "ward_nursing")
#: Which positions become local first as the local share grows (assumption: nurses are the
#: most numerous cadre in the regions, specialists the scarcest).
LOCAL_ORDER = (WARD_NURSE, THEATRE_NURSE, ANAESTHESIA, SURGICAL)
HUB, LOCAL = "hub", "local"
STATUSES = ("paired", "active", "lost", "ended")
PAIRED, ACTIVE, LOST, ENDED = range(4)

#: Columns of the visit log: one row per mentor per visit (used for costing). ``origin`` 0 hub,
#: 1 local; ``role`` 0 lead (coaches), 1 paired (a regional mentor accompanying a hub mentor).
#: Weeks of accrual a mentor has in hand when their position starts (a month's days, about).
START_WEEKS_IN_HAND = 4

VISIT_LOG_COLUMNS = ("week", "facility", "mentor", "origin", "discipline", "role", "days", "travel_days", "km")
#: Rows a visit can add to the visit log at most: one per mentor who comes, and a visit has the
#: team's 4 hub positions and the region's 4 regional ones.
MENTORS_PER_VISIT = 8

#: The coefficients of staffing a visit, each with the parameter it comes from (the kernel reads
#: them by name: ``k = coef[0]; k.p_away``; see :func:`staff_coefficients`).
STAFF_COEF = {
    "handover_week": "mentors.handover_month (in weeks)",
    "p_away": "mentors.unavailable_prob",
    "days": "visits.days",
    "accrual": "mentors.available_days_per_month (days earned a week)",
    "bank_cap": "mentors.available_days_per_month x mentors.max_banked_months",
    "km_per_day": "mentors.km_per_travel_day",
    "per_trip": "mentors.facilities_per_trip",
    "local_trips": "mentors.local_day_trips (return trips a regional mentor makes per visit: visits.days, or 1)",
    "cross": "visits.cross_discipline_factor",
    "skill_gain": "mentors.mentoring_skill_gain",
    "skill_half": "mentors.mentoring_skill_half_visits",
}

#: The pool's arrays as the staffing kernel reads them (``m = pool[0]; m.balance``): the slot
#: arrays (one per mentor, named as MentorPool's attributes), the positions, each facility's
#: region, hub team and distances, and the kernel's outputs (``transfer``, ``relation``,
#: ``visited``; rewritten at every call). Built by MentorPool.kernel_view; when the pool grows
#: (which replaces the slot arrays) the view's item is replaced with the new ones.
POOL_FIELDS = ("status", "skill", "eff", "relate", "balance", "balance_week", "visits", "days_spent",
               "travel_spent", "is_local", "uid", "base_skill", "eff_factor", "ctx_factor", "prior_visits",
               "hub_pos", "local_pos", "local_mask", "region", "facility_team", "distance_hub_km",
               "distance_local_km", "transfer", "relation", "visited")
PoolArrays = namedtuple("PoolArrays", POOL_FIELDS)
#: The slot arrays: one entry per mentor, replaced (doubled) when the pool outgrows them.
SLOT_FIELDS = ("status", "skill", "eff", "relate", "balance", "balance_week", "visits", "days_spent",
               "travel_spent", "is_local", "uid", "leave", "trained_at", "base_skill", "eff_factor",
               "ctx_factor", "prior_visits")
#: The slot arrays of floats and of integers (the rest: ``is_local``), made as rows of one block
#: of each at set-up.
SLOT_FLOATS = ("skill", "eff", "relate", "balance", "balance_week", "days_spent", "travel_spent", "leave",
               "trained_at", "base_skill", "eff_factor", "ctx_factor", "prior_visits")
SLOT_INTS = ("status", "visits", "uid")


def staff_coefficients(p, weeks_per_month: float) -> np.ndarray:
    """STAFF_COEF's values (weeks, days, km, shares) as a one-element record
    (kernel_args.coef_record)."""
    derived = {"handover_week": month_row(p["mentors.handover_month"]),
               "accrual": p["mentors.available_days_per_month"] / weeks_per_month,
               "bank_cap": p["mentors.available_days_per_month"] * p["mentors.max_banked_months"],
               "local_trips": float(p["visits.days"]) if p["mentors.local_day_trips"] else 1.0}
    return coef_record(STAFF_COEF, {name: derived[name] if name in derived else p[key]
                                    for name, key in STAFF_COEF.items()})


class Mentor(mesa.Agent):
    """A mentor (a view on one slot of the pool's arrays for what changes during a run).

    Attributes:
        discipline: index into DISCIPLINES (equal to the mentee role it matches).
        origin: ``"hub"`` or ``"local"``.
        region: region served (local mentors) or -1 (hub).
        team: hub team index, or -1 (local).
        experience_years: clinical experience (years).
        available_days_per_month: mentorship days a month.
        from_mentee: True for a mentee who became a mentor.
        status, mentoring_skill, balance_days, visits_done, days_spent, travel_days: read from
            (and written to) the pool's arrays.
    """

    model = Weak()  # the model and the pool, by weak reference (weak.py)
    pool = Weak()

    def __init__(self, model, pool: MentorPool, slot: int, discipline: int, origin: str, region: int,
                 team: int, experience_years: float, available_days: float, week: int,
                 from_mentee: bool = False):
        super().__init__(model)
        self.pool = pool
        self.slot = slot
        self.discipline = discipline
        self.origin = origin
        self.region = region
        self.team = team
        self.experience_years = experience_years
        self.available_days_per_month = available_days
        self.trained_week = week
        self.lost_week: int | None = None
        self.from_mentee = from_mentee
        self.base_mentoring_skill = 0.0

    @property
    def status(self) -> str:
        return STATUSES[self.pool.status[self.slot]]

    @status.setter
    def status(self, value: str) -> None:
        self.pool.status[self.slot] = STATUSES.index(value)

    @property
    def mentoring_skill(self) -> float:
        return float(self.pool.skill[self.slot])

    @mentoring_skill.setter
    def mentoring_skill(self, value: float) -> None:
        self.pool.skill[self.slot] = value
        self.pool.eff[self.slot] = self.effectiveness(self.pool.p)
        self.pool.relate[self.slot] = value * self.effectiveness_factors(self.pool.p)[1]

    @property
    def leave_week(self) -> float:
        """Scheduled departure week (regional mentors; inf for hub mentors)."""
        return float(self.pool.leave[self.slot])

    @property
    def balance_days(self) -> float:
        return float(self.pool.balance[self.slot])

    @property
    def visits_done(self) -> int:
        return int(self.pool.visits[self.slot])

    @property
    def days_spent(self) -> float:
        return float(self.pool.days_spent[self.slot])

    @property
    def travel_days(self) -> float:
        return float(self.pool.travel_spent[self.slot])

    @property
    def discipline_name(self) -> str:
        return DISCIPLINES[self.discipline]

    def effectiveness(self, p) -> float:
        """What one coaching day by this mentor transfers, relative to an ideal mentor (0-1.25):
        mentoring skill x experience x local context."""
        exp, context = self.effectiveness_factors(p)
        return self.mentoring_skill * exp * context

    @property
    def relatability(self) -> float:
        """How fast contact with this mentor builds trust: mentoring skill x local context."""
        return float(self.pool.relate[self.slot])

    def effectiveness_factors(self, p) -> tuple[float, float]:
        """(experience, saturating in years; context, with the local bonus for regional mentors)."""
        exp = self.experience_years / (self.experience_years + p["mentors.experience_half_years"])
        context = 1.0 + (p["mentors.local_context_bonus"] if self.origin == LOCAL else 0.0)
        return exp, context


class MentorPool:
    """All mentors, their positions, and the scheduling of visits."""

    model = Weak()  # by weak reference (weak.py)

    def __init__(self, model, p, facilities, weeks_per_month: float, coef: np.ndarray | None = None):
        """``coef``: :func:`staff_coefficients` of ``p`` and ``weeks_per_month`` if already made
        (the model's, kept per parameter set), else made here."""
        self.model = model
        self.p = p
        self.teams = int(p["mentors.teams"])
        self.n_regions = facilities.n_regions
        n_local = int(round(p["mentors.local_share"] * 4))
        self.local_disciplines = tuple(sorted(LOCAL_ORDER[:n_local]))
        self.local_mask = np.array([d in self.local_disciplines for d in range(4)])
        self.handover_week = month_row(p["mentors.handover_month"])
        pairing_weeks = month_row(p["mentors.pairing_months"])
        self.pairing_weeks = pairing_weeks if self.handover_week > 0 else 0
        self.training_week = max(0, self.handover_week - self.pairing_weeks)
        self.programme_weeks = month_row(p["programme.months"])
        self.coef = staff_coefficients(p, weeks_per_month) if coef is None else coef  # what staffing reads, by name
        self.accrual = float(self.coef[0]["accrual"])
        # slot arrays (grown as mentors are trained; until then rows of two blocks, one
        # allocation each: SLOT_FLOATS, SLOT_INTS)
        hubs = self.teams * 4 if facilities.n_intervention and (p["visits.enabled"]
                                                                or p["followup.local_visit_interval_weeks"]) else 0
        cap = max(8, 1 << (hubs - 1).bit_length())  # room for the hub mentors (8, doubled as _grow doubles)
        self.__dict__.update(zip(SLOT_FLOATS, np.zeros((len(SLOT_FLOATS), cap))))
        self.leave.fill(np.inf)  # scheduled departure week
        self.__dict__.update(zip(SLOT_INTS, np.zeros((len(SLOT_INTS), cap), dtype=np.int64)))
        self.status.fill(LOST)
        self.is_local = np.zeros(cap, dtype=bool)
        # relate: mentoring skill x local context (what builds trust); trained_at: week trained;
        # base_skill: mentoring skill when trained, before any mentoring; eff_factor: experience x
        # local context (eff = skill x this); ctx_factor: local context (relate = skill x this);
        # prior_visits: mentoring experience when joining (visits)
        self.all: list[Mentor] = []
        # positions: slot of the mentor holding it, or -1
        self.hub_pos = _filled((self.teams, 4), -1, np.int64)
        self.local_pos = _filled((max(self.n_regions, 1), 4), -1, np.int64)
        self.vacancy_until = _filled((max(self.n_regions, 1), 4), np.inf, np.float64)
        self.ever_local = np.zeros((max(self.n_regions, 1), 4), dtype=bool)
        # the visit log (rows of VISIT_LOG_COLUMNS), in parts (a typed list, which the staffing
        # kernel extends): the full ones, then the one being written, whose first n_log[0] rows
        # are written; a new part is started when this one could run out (_log_room)
        self.log_parts = _new_log(64, len(VISIT_LOG_COLUMNS))
        self.n_log = np.zeros(1, dtype=np.int64)
        # what _staff_visits writes for the week's coaching, rewritten at each call: [n_fac, 4], [n_fac], [n_fac]
        self.facilities = facilities
        self.transfer = np.zeros((facilities.n, 4))
        self.relation = np.zeros(facilities.n)
        self.visited = np.zeros(facilities.n, dtype=np.bool_)
        self._view = None  # the typed list the staffing kernel reads (kernel_view)
        self.trainings: list[tuple[int, int, str]] = []  # (week, mentor id, "pool"|"replacement")
        self.mentees_became_mentors = 0
        self.lost = 0
        self.changed = True  # the pool's counts changed since last read
        self.hub_ended = False
        self.next_event = 0
        if hubs:
            self._new_hubs()
        # Region schedule: a team's regions are spread evenly over the visit interval.
        self.region_team = np.arange(max(self.n_regions, 1), dtype=np.int64) % self.teams
        self.region_rank = np.arange(max(self.n_regions, 1), dtype=np.int64) // self.teams
        self.team_regions = np.bincount(self.region_team[:self.n_regions], minlength=self.teams)
        self.facility_team = facility_teams(facilities.region, facilities.intervention, self.teams,
                                            self.n_regions)

    # -- pool changes -------------------------------------------------------------------------
    def _grow(self) -> None:
        """Double the slot arrays (new ones replace them, so the kernel's view is rebuilt)."""
        fill = {"status": LOST, "leave": np.inf}
        for name in SLOT_FIELDS:
            old = getattr(self, name)
            new = np.full(2 * len(old), fill.get(name, 0), dtype=old.dtype)
            new[:len(old)] = old
            setattr(self, name, new)
        if self._view is not None:  # the same typed list, now holding the new arrays
            _set_first(self._view, self._pool_arrays())

    def _pool_arrays(self):
        fa = self.facilities
        return PoolArrays(*(getattr(fa if name in ("region", "distance_hub_km", "distance_local_km") else self, name)
                            for name in POOL_FIELDS))

    def kernel_view(self):
        """The pool's arrays as the staffing kernel reads them: a typed list of one
        :data:`PoolArrays`, built on first use; when the pool grows, the list's item is replaced,
        so a kernel argument holding the list reads the new arrays."""
        if self._view is None:
            self._view = _one(self._pool_arrays())
        return self._view

    def _new(self, d, origin, region, team, status, week, from_mentee=False) -> Mentor:
        p = self.p
        hub = origin == HUB
        slot = len(self.all)
        if slot >= len(self.status):
            self._grow()
        m = Mentor(self.model, self, slot, d, origin, region, team,
                   p["mentors.hub_experience_years"] if hub else p["mentors.local_experience_years"],
                   p["mentors.available_days_per_month"], week, from_mentee)
        self.all.append(m)
        self.status[slot] = status
        self.is_local[slot] = not hub
        self.uid[slot] = m.unique_id
        self.balance[slot] = self.accrual * START_WEEKS_IN_HAND  # a month's days in hand at the start
        self.balance_week[slot] = week - 1  # days credited up to this week
        skill = m.base_mentoring_skill = p["mentors.hub_mentoring_skill"] if hub else p["mentors.local_mentoring_skill"]
        exp, context = m.effectiveness_factors(p)
        self.eff_factor[slot] = exp * context
        self.ctx_factor[slot] = context
        self.prior_visits[slot] = p["mentors.hub_prior_visits"] if hub else 0.0
        # m.mentoring_skill = skill, written directly (the setter's arithmetic, in its order)
        self.skill[slot] = skill
        skill = float(self.skill[slot])
        self.eff[slot] = skill * exp * context
        self.relate[slot] = skill * context
        self.trained_at[slot] = week
        self.base_skill[slot] = m.base_mentoring_skill
        return m

    def _new_hubs(self) -> None:
        """The hub mentors, at set-up: team by team, a mentor of each discipline (slots 0, 1, ..),
        as :meth:`_new` makes each (``_new(d, HUB, -1, team, ACTIVE, 0)``), their arrays written
        at once (the slot arrays have room for them): every hub mentor starts alike."""
        p = self.p
        k = self.teams * 4
        for slot in range(k):
            team, d = divmod(slot, 4)
            m = Mentor(self.model, self, slot, d, HUB, -1, team, p["mentors.hub_experience_years"],
                       p["mentors.available_days_per_month"], 0, False)
            m.base_mentoring_skill = p["mentors.hub_mentoring_skill"]
            self.all.append(m)
            self.uid[slot] = m.unique_id
        self.hub_pos.ravel()[:] = np.arange(k)
        m = self.all[0]
        exp, context = m.effectiveness_factors(p)
        skill = float(np.float64(m.base_mentoring_skill))
        s = slice(0, k)
        self.status[s] = ACTIVE
        self.balance[s] = self.accrual * START_WEEKS_IN_HAND  # a month's days in hand at the start
        self.balance_week[s] = -1  # days credited up to this week
        self.eff_factor[s] = exp * context
        self.ctx_factor[s] = context
        self.prior_visits[s] = p["mentors.hub_prior_visits"]
        self.skill[s] = skill
        self.eff[s] = skill * exp * context
        self.relate[s] = skill * context
        self.base_skill[s] = m.base_mentoring_skill

    def _new_local(self, d, region, status, week, rng, from_mentee=False) -> Mentor:
        m = self._new(d, LOCAL, region, -1, status, week, from_mentee)
        hazard = 1.0 - (1.0 - self.p["mentors.annual_attrition"]) ** (1.0 / 52.0)
        self.leave[m.slot] = week + geometric(hazard, float(rng.random()))
        self.local_pos[region, d] = m.slot
        self.ever_local[region, d] = True
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
            for slot in self.hub_pos.ravel():
                if slot >= 0:
                    self.status[slot] = ENDED  # hub mentors withdraw when the programme ends
            if p["followup.local_visit_interval_weeks"] <= 0:
                # a regional pool that is not kept stands down: no more visits, no replacements
                for slot in self.local_pos.ravel():
                    if slot >= 0:
                        self.status[slot] = ENDED
                self.local_pos[:] = -1
                self.ever_local[:] = False
            self.changed = True
        if week == self.training_week and self.local_disciplines and (self.hub_pos >= 0).any():
            status = PAIRED if self.pairing_weeks > 0 else ACTIVE
            for r in range(self.n_regions):
                for d in self.local_disciplines:
                    m = self._new_local(d, r, status, week, rng)
                    self.trainings.append((week, m.unique_id, "pool"))
            self.changed = True
        if week == self.handover_week:
            held = self.local_pos[self.local_pos >= 0]
            paired = held[self.status[held] == PAIRED]
            # the paired visits already raised their mentoring skill (_staff_visits)
            self.status[paired] = ACTIVE
            self.changed = True
        vacant, leaving = self._position_events(week)
        for r, d in zip(*np.nonzero(vacant | leaving)):  # in region, discipline order
            slot = self.local_pos[r, d]
            if slot < 0:
                promoted = best_mentee(int(r), int(d))
                new = self._new_local(int(d), int(r), ACTIVE, week, rng, from_mentee=promoted)
                self.mentees_became_mentors += int(promoted)
                self.trainings.append((week, new.unique_id, "replacement"))
            else:
                self.status[slot] = LOST
                self.all[slot].lost_week = week
                self.lost += 1
                self.local_pos[r, d] = -1
                self.vacancy_until[r, d] = week + int(round(p["staff.hiring_delay_weeks"]))
            self.changed = True
        self.next_event = self._next_event(week, in_programme)

    def _position_events(self, week: int) -> tuple[np.ndarray, np.ndarray]:
        """[regions, 4] masks of regional positions to fill this week and holders leaving."""
        return _regional_events(week, self.local_pos, self.leave, self.vacancy_until, self.ever_local)

    def _next_event(self, week: int, in_programme: bool) -> float:
        """The next week in which update() has anything to do."""
        events = [t for t in (self.training_week, self.handover_week) if t > week]
        if in_programme:
            events.append(self.programme_weeks)
        events.append(_regional_due(self.local_pos, self.leave, self.vacancy_until, self.ever_local))
        return max(week + 1, min(events))

    # -- visits -------------------------------------------------------------------------------
    def offset(self, region: int, interval: int) -> int:
        """First week of a region's visits: a team's regions spread over the interval."""
        team = self.region_team[region]
        return int(self.region_rank[region] * interval // max(1, self.team_regions[team]))

    def visit_array(self) -> np.ndarray:
        """The visit log as one array of VISIT_LOG_COLUMNS rows (a copy)."""
        return _joined(self.log_parts, self.n_log[0])

    def counts(self) -> dict[str, int]:
        """The pool now: active hub, active local, paired local, lost, trained so far."""
        hub_active, local_active, local_paired = _position_counts(self.status, self.hub_pos, self.local_pos)
        return {"hub_active": hub_active, "local_active": local_active, "local_paired": local_paired,
                "local_lost": self.lost, "local_trained": len(self.trainings),
                "mentees_became_mentors": self.mentees_became_mentors}


@kernel
def _regional_events(week, local_pos, leave, vacancy_until, ever_local):
    """[regions, 4] masks of the regional positions ever held that are vacant and due to be filled
    by ``week`` (``vacancy_until``), and of those whose holder leaves by then (the slot's
    ``leave`` week)."""
    vacant = np.zeros(local_pos.shape, dtype=np.bool_)
    leaving = np.zeros(local_pos.shape, dtype=np.bool_)
    for r in range(local_pos.shape[0]):
        for d in range(local_pos.shape[1]):
            if ever_local[r, d]:
                slot = local_pos[r, d]
                if slot < 0:
                    vacant[r, d] = vacancy_until[r, d] <= week
                else:
                    leaving[r, d] = leave[slot] <= week
    return vacant, leaving


@kernel
def _regional_due(local_pos, leave, vacancy_until, ever_local):
    """The earliest week a regional position ever held is due an event: its holder's departure
    (``leave``), or its refilling if vacant (``vacancy_until``); inf if none."""
    due = np.inf
    for r in range(local_pos.shape[0]):
        for d in range(local_pos.shape[1]):
            if ever_local[r, d]:
                slot = local_pos[r, d]
                due = min(due, leave[slot] if slot >= 0 else vacancy_until[r, d])
    return due


@kernel
def _position_counts(status, hub_pos, local_pos):
    """(hub positions held by an active mentor, regional positions held by an active one, by a
    paired one): one compiled pass instead of six numpy calls (``counts`` is read at set-up)."""
    hub_active = 0
    for slot in hub_pos.ravel():
        if slot >= 0 and status[slot] == ACTIVE:
            hub_active += 1
    local_active = local_paired = 0
    for slot in local_pos.ravel():
        if slot >= 0:
            local_active += status[slot] == ACTIVE
            local_paired += status[slot] == PAIRED
    return hub_active, local_active, local_paired


def _filled(shape, value, dtype) -> np.ndarray:
    """``np.full(shape, value, dtype)`` (a quarter of its cost for the pool's small arrays)."""
    out = np.empty(shape, dtype=dtype)
    out.fill(value)
    return out


def facility_teams(region: np.ndarray, intervention: np.ndarray, teams: int, n_regions: int) -> np.ndarray:
    """[n facilities] the hub team that visits each intervention facility (0 for the rest).

    Teams serve regions round-robin (team ``r % teams`` for region ``r``). With more teams than
    regions the spare teams join regions round-robin too (team ``t`` joins region ``t % regions``),
    and a region's facilities are dealt to its teams in turn, so every team adds capacity."""
    out = np.zeros(len(region), dtype=np.int64)
    if n_regions == 0:
        return out
    if teams <= n_regions:  # a team per region: team r % teams for every facility of region r
        out[intervention] = region[intervention] % teams
        return out
    for r in range(n_regions):
        members = np.flatnonzero(intervention & (region == r))
        own = np.arange(r % teams, teams, n_regions) if teams > n_regions else np.array([r % teams])
        out[members] = own[np.arange(len(members)) % len(own)]
    return out


@kernel
def _new_log(rows, columns):
    """A visit log of one empty part of ``rows`` x ``columns`` (a typed list of 2-D arrays)."""
    parts = List()
    parts.append(np.empty((rows, columns)))
    return parts


@kernel
def _set_first(items, item):
    """``items[0] = item`` in compiled code (cached on disk: from Python, a typed list's item is
    set through code numba compiles afresh in every process, ~0.9 s)."""
    items[0] = item


@kernel
def _joined(parts, n_last):
    """The visit log ``parts`` as one array: every part but the last, then the first ``n_last``
    rows of the last (compiled, for the reason :func:`_set_first` gives)."""
    rows = n_last
    for k in range(len(parts) - 1):
        rows += parts[k].shape[0]
    last = parts[len(parts) - 1]
    out = np.empty((rows, last.shape[1]))
    at = 0
    for k in range(len(parts)):
        part = parts[k]
        n = part.shape[0] if k < len(parts) - 1 else n_last
        out[at:at + n] = part[:n]
        at += n
    return out


@kernel
def _log_room(parts, n_log, rows):
    """The part of the visit log ``parts`` to write ``rows`` more rows into, from row
    ``n_log[0]``: the last part, or a new one (twice as long, or ``rows``) when it could run out,
    the full part then trimmed to its written rows (each row is copied once at most: the log
    is never copied whole while it grows)."""
    log = parts[len(parts) - 1]
    if n_log[0] + rows <= log.shape[0]:
        return log
    parts[len(parts) - 1] = log[:n_log[0]].copy()
    log = np.empty((max(rows, 2 * log.shape[0]), log.shape[1]))
    parts.append(log)
    n_log[0] = 0
    return log


@kernel
def _staff_visits(week, due, u_away, in_programme, pool, coef, log_parts, n_log_slot):
    """Staff every visit due this week, in the order given (dose.py puts the most overdue first).
    ``pool``: MentorPool.kernel_view; ``coef``: staff_coefficients; ``u_away`` [len(due), 8]
    uniforms; visit log rows are added to the log ``log_parts`` (MentorPool.log_parts, its last
    part written up to row ``n_log_slot[0]``, which moves on). Rewrites the pool's
    ``transfer``, ``relation`` and ``visited``; each visit made raises the mentor's mentoring
    skill along the experience curve, from the next visit on. Returns the number of facilities
    visited."""
    log = _log_room(log_parts, n_log_slot, MENTORS_PER_VISIT * due.shape[0])  # the most this week can write
    n_log = n_log_slot[0]
    m = pool[0]
    k = coef[0]
    status, local_pos, hub_pos, is_local, balance = m.status, m.local_pos, m.hub_pos, m.is_local, m.balance
    transfer, relation, visited = m.transfer, m.relation, m.visited
    transfer[:, :] = 0.0
    relation[:] = 0.0
    visited[:] = False
    n_visited = 0
    cand = np.empty(8, dtype=np.int64)
    role = np.empty(8, dtype=np.int64)
    for j in range(due.shape[0]):
        f = due[j]
        r = m.region[f]
        team = m.facility_team[f]
        n = 0
        for d in range(4):
            local = local_pos[r, d]
            if in_programme:
                if m.local_mask[d] and week >= k.handover_week and local >= 0 and status[local] == ACTIVE:
                    cand[n], role[n] = local, 0
                    n += 1
                    continue
                hub = hub_pos[team, d]
                if hub >= 0 and status[hub] == ACTIVE:
                    cand[n], role[n] = hub, 0
                    n += 1
                if local >= 0 and status[local] == PAIRED:
                    cand[n], role[n] = local, 1
                    n += 1
            elif local >= 0 and status[local] == ACTIVE:
                cand[n], role[n] = local, 0
                n += 1
        if n == 0:
            continue
        leads = 0
        rel = 0.0
        for c in range(n):
            s = cand[c]
            if u_away[j, c] < k.p_away:
                continue
            if is_local[s]:
                km = 2.0 * m.distance_local_km[f] * k.local_trips
            else:
                km = 2.0 * m.distance_hub_km[f] / k.per_trip + m.distance_local_km[f]
            travel = km / k.km_per_day
            need = k.days + travel
            if week > m.balance_week[s]:
                balance[s] = min(k.bank_cap, balance[s] + k.accrual * (week - m.balance_week[s]))
                m.balance_week[s] = week
            if balance[s] < need:
                continue
            balance[s] -= need
            m.visits[s] += 1
            m.days_spent[s] += k.days
            m.travel_spent[s] += travel
            row = log[n_log]
            row[0], row[1], row[2], row[3] = week, f, m.uid[s], 1.0 if is_local[s] else 0.0
            d = 0
            for dd in range(4):  # the position this mentor holds
                if (is_local[s] and local_pos[r, dd] == s) or (not is_local[s] and hub_pos[team, dd] == s):
                    d = dd
            row[4], row[5], row[6], row[7], row[8] = d, role[c], k.days, travel, km
            n_log += 1
            if role[c] == 0:
                leads += 1
                rel += m.relate[s]
                for rr in range(4):
                    transfer[f, rr] += m.eff[s] * (1.0 if rr == d else k.cross)
            if k.skill_gain > 0.0:  # learning by mentoring: a saturating curve in visits made
                v0 = m.prior_visits[s]
                v = v0 + float(m.visits[s])
                half = k.skill_half
                ms = min(1.0, m.base_skill[s] + k.skill_gain * (v / (v + half) - v0 / (v0 + half)))
                m.skill[s] = ms
                m.eff[s] = ms * m.eff_factor[s]
                m.relate[s] = ms * m.ctx_factor[s]
        if leads > 0:
            relation[f] = rel / leads
            visited[f] = True
            n_visited += 1
    n_log_slot[0] = n_log
    return n_visited
