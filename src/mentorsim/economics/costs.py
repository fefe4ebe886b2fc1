"""Itemised programme costs per intervention facility and week (summed to months), from one run.

All money is in US dollars at 2018 prices (``PRICE_LABEL``). The quantities come from the run
(``RunOutput``): who went on which visit and how far (``visit_log``), which regional mentors were
trained (``counters["trainings"]``), telementoring sessions and attendance, WhatsApp group
members, the weeks the programme and its follow-up run. The prices come from the parameters
(cost_parameters.py). Items and their formulas (USD; a "day rate" is monthly salary x
``salary_price_factor`` / exchange rate / working days a month, by cadre, see ``day_rates``):

in-person visits (lead mentors; rows of the visit log with role ``lead``)
  mentor_time   day rate x (visit days + travel days)
  per_diem      nights away x (per diem + lodging) + day-trip days x day allowance, for mentors
                and for the drivers of their vehicles
  transport     vehicles x km x cost per km; a visit's mentors of one origin share vehicles
                (``mentors_per_vehicle``)
  Hub mentors travel a circuit (the visits of one week): nights = days away on the circuit - 1,
  shared among its visits in proportion to their days. Local mentors make day trips when
  ``mentors.local_day_trips`` (a round trip per visit day, already in the visit log's km and
  travel days; no nights, a day allowance a visit day); otherwise they travel like the hub.
mentor training (regional mentors)
  training_course   per trainee: training days x (day rate + course cost a day + per diem)
                    + return fare; per course (trainees of one week): trainers x training days
                    x specialist day rate
  training_pairing  the paired mentors' time, per diem and share of transport on the visits
                    they make beside hub mentors (visit-log rows with role ``paired``)
telementoring (a session was held in week w when any intervention facility had eligible staff)
  echo_platform     platform cost a session, shared equally by the intervention facilities
  echo_data         attendees x session hours x data cost an attendee-hour
  echo_faculty      faculty hours a session x hub mean day rate / 8, shared equally
whatsapp
  whatsapp_bundles  members (staff present x ``providers.whatsapp_access``) x bundle a member-month
                    / (52/12), in weeks the groups run (programme: ``whatsapp.enabled``; follow-up:
                    ``followup.whatsapp``)
programme
  coordination          coordination a month / (52/12) a week, shared equally, in programme weeks
                        when any modality is enabled; x ``followup_coordination_share`` in
                        follow-up weeks when anything continues
  infrastructure_grant  grant per facility in week 0, if ``costs.infrastructure_grant`` and the
                        programme runs

Fixed items (independent of the dose delivered): coordination and the grant. A programme that
delivers no visit, session or group week costs exactly those.

Mentees' time (``MENTEE_ITEMS``; kept apart from ``ITEMS``: counted in the cost only in the
health-system-plus perspective, ``economics.cost_mentee_time``). A mentee's hourly wage is their
cadre's day rate / 8 (surgical providers at the medical officer scale, anaesthesia providers at
the anaesthesia scale, theatre and ward nurses at the diploma nurse scale); a facility's mentee
wage is the mean over its staff establishment (``facilities`` table).
  mentee_coaching   visit days x staff present x ``mentee_hours_per_visit_day`` x wage, in the
                    weeks a lead mentor visited (visit days: the longest lead mentor's days at
                    the facility that week); in work hours, so at the wage
  mentee_echo       attendees x session hours x wage x ``after_hours_value_share`` (after hours)
  mentee_whatsapp   active members x ``whatsapp_minutes_per_active_week`` / 60 x wage
                    x ``after_hours_value_share``

Savings (``ssi_savings``): SSIs averted against a comparator run x (extra bed-days x bed-day cost
+ treatment cost).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mentorsim.economics.discounting import month_of_week, weekly_factors
from mentorsim.model.jit import kernel
from mentorsim.model.mentors import DISCIPLINES, HUB, LOCAL
from mentorsim.parameters.cost_table import PRICE_LABEL
from mentorsim.results import RunOutput
from mentorsim.timeline import WEEKS_PER_MONTH

#: Each cost item and the modality it belongs to (the order of tables and plots).
ITEMS: dict[str, str] = {
    "mentor_time": "in_person",
    "per_diem": "in_person",
    "transport": "in_person",
    "training_course": "mentor_training",
    "training_pairing": "mentor_training",
    "echo_platform": "telementoring",
    "echo_data": "telementoring",
    "echo_faculty": "telementoring",
    "whatsapp_bundles": "whatsapp",
    "coordination": "programme",
    "infrastructure_grant": "programme",
}
MODALITIES: tuple[str, ...] = tuple(dict.fromkeys(ITEMS.values()))
FIXED_ITEMS: tuple[str, ...] = ("coordination", "infrastructure_grant")
#: Mentees' time by modality (module docstring): costed only with ``economics.cost_mentee_time``.
MENTEE_ITEMS: dict[str, str] = {"mentee_coaching": "in_person", "mentee_echo": "telementoring",
                                "mentee_whatsapp": "whatsapp"}
#: The parameters that only the value of mentees' time depends on.
MENTEE_PARAMS: tuple[str, ...] = ("costs.mentee_hours_per_visit_day", "costs.after_hours_value_share",
                                  "costs.whatsapp_minutes_per_active_week")
#: Salary cadre of each mentee role, in the order of the facilities table's staff columns.
MENTEE_CADRES: dict[str, str] = {"surgical_providers": "medical_officer", "anaesthesia_providers": "anaesthesia",
                                 "theatre_nurses": "nurse", "ward_nurses": "nurse"}

#: Salary cadre of a mentor by (origin, discipline) (assumption: hub surgical mentors are
#: specialists, regional ones medical officers; nurse mentors are diploma nurses).
CADRE: dict[tuple[str, str], str] = {
    (HUB, "surgery_obgyn"): "specialist", (LOCAL, "surgery_obgyn"): "medical_officer",
    (HUB, "anaesthesia"): "anaesthesia", (LOCAL, "anaesthesia"): "anaesthesia",
    (HUB, "theatre_nursing"): "nurse", (LOCAL, "theatre_nursing"): "nurse",
    (HUB, "ward_nursing"): "nurse", (LOCAL, "ward_nursing"): "nurse",
}
HOURS_PER_DAY = 8.0


def usd(p: Mapping, tzs: float) -> float:
    """Shillings to US dollars at the parameter exchange rate."""
    return tzs / p["costs.exchange_rate_tzs_per_usd"]


def day_rate(p: Mapping, cadre: str) -> float:
    """USD a working day of a cadre: monthly salary x price factor / exchange rate / working days."""
    monthly = p[f"costs.salary_{cadre}_tzs_month"] * p["costs.salary_price_factor"]
    return usd(p, monthly) / p["costs.working_days_per_month"]


def day_rates(p: Mapping) -> dict[tuple[str, str], float]:
    """USD a day of mentor time by (origin, discipline name)."""
    return {key: day_rate(p, cadre) for key, cadre in CADRE.items()}


def per_diem_usd(p: Mapping) -> float:
    """USD a night away: per diem plus any lodging paid on top."""
    return usd(p, p["costs.per_diem_tzs_per_night"]) + p["costs.accommodation_usd_per_night"]


def cost_per_ssi(p: Mapping) -> float:
    """USD to treat one SSI: extra bed-days x bed-day cost + other treatment."""
    return p["costs.ssi_extra_bed_days"] * p["costs.bed_day_usd"] + p["costs.ssi_treatment_usd"]


def programme_runs(p: Mapping) -> bool:
    """True if the scenario delivers any modality during the programme."""
    return bool(p["visits.enabled"] or p["echo.enabled"] or p["whatsapp.enabled"])


def followup_continues(p: Mapping) -> bool:
    """True if anything continues after the programme (local visits, WhatsApp, telementoring)."""
    local_visits = p["followup.local_visit_interval_weeks"] > 0 and p["mentors.local_share"] > 0
    return bool(local_visits or p["followup.whatsapp"] or p["followup.echo_interval_weeks"] > 0)


@dataclass
class CostAccount:
    """One run's costs: ``weekly[item]`` is [weeks, intervention facilities] in USD (undiscounted).

    Attributes:
        weekly: item -> array; every item of ITEMS is present (zeros if not incurred).
        programme_weeks, followup_weeks: the run's time axis.
        savings: [weeks, facilities] SSI treatment costs averted against a comparator (USD), or None.
        mentee: item of MENTEE_ITEMS -> [weeks, facilities] value of mentees' time (USD); not in
            :meth:`total` (the health system's cost), see :meth:`mentee_totals`.
    """

    weekly: dict[str, np.ndarray]
    programme_weeks: int
    followup_weeks: int
    savings: np.ndarray | None = None
    mentee: dict[str, np.ndarray] = field(default_factory=dict)
    #: item_totals already computed, by (rate, weeks): a run's record asks for the same ones
    #: several times (the account is not changed once built)
    _totals: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def n_weeks(self) -> int:
        return self.programme_weeks + self.followup_weeks

    @property
    def n_facilities(self) -> int:
        return next(iter(self.weekly.values())).shape[1]

    def total(self, rate: float = 0.0, weeks: slice = slice(None)) -> float:
        """Total programme cost (USD), discounted at ``rate`` a year, over ``weeks``."""
        return float(sum(self.item_totals(rate, weeks).values()))

    def item_totals(self, rate: float = 0.0, weeks: slice = slice(None)) -> dict[str, float]:
        """Cost of each item (USD), discounted at ``rate``, over ``weeks`` (default all)."""
        key = (rate, weeks.start, weeks.stop, weeks.step)
        if key not in self._totals:
            f = weekly_factors(self.n_weeks, rate)[weeks]
            self._totals[key] = {k: float((v[weeks].sum(axis=1) * f).sum()) for k, v in self.weekly.items()}
        return dict(self._totals[key])

    def modality_totals(self, rate: float = 0.0, weeks: slice = slice(None)) -> dict[str, float]:
        items = self.item_totals(rate, weeks)
        return {m: sum(v for k, v in items.items() if ITEMS[k] == m) for m in MODALITIES}

    def mentee_totals(self, rate: float = 0.0, weeks: slice = slice(None)) -> dict[str, float]:
        """Value of mentees' time by item of MENTEE_ITEMS (USD), discounted at ``rate``."""
        f = weekly_factors(self.n_weeks, rate)[weeks]
        return {k: float((self.mentee[k][weeks].sum(axis=1) * f).sum()) if k in self.mentee else 0.0
                for k in MENTEE_ITEMS}

    def savings_total(self, rate: float = 0.0, weeks: slice = slice(None)) -> float:
        """SSI treatment costs averted (USD), discounted; 0 without a comparator."""
        if self.savings is None:
            return 0.0
        f = weekly_factors(self.n_weeks, rate)[weeks]
        return float((self.savings[weeks].sum(axis=1) * f).sum())

    def by_facility_month(self, rate: float = 0.0) -> pd.DataFrame:
        """Long table: month, facility, item, modality, cost (undiscounted and discounted).

        Months are 0-based from the programme's start; ``phase`` says programme or follow-up.
        """
        month = month_of_week(np.arange(self.n_weeks))
        f = weekly_factors(self.n_weeks, rate)
        n_months = int(month.max()) + 1 if self.n_weeks else 0
        prog_month_end = month_of_week([self.programme_weeks])[0] if self.programme_weeks else 0
        frames = []
        for item, arr in self.weekly.items():
            plain = np.zeros((n_months, arr.shape[1]))
            disc = np.zeros((n_months, arr.shape[1]))
            np.add.at(plain, month, arr)
            np.add.at(disc, month, arr * f[:, None])
            mm, ff = np.meshgrid(np.arange(n_months), np.arange(arr.shape[1]), indexing="ij")
            frames.append(pd.DataFrame({"month": mm.ravel(), "facility": ff.ravel(), "item": item,
                                        "modality": ITEMS[item], "cost_usd": plain.ravel(),
                                        "cost_usd_discounted": disc.ravel()}))
        out = pd.concat(frames, ignore_index=True)
        out["phase"] = np.where(out["month"] < prog_month_end, "programme", "followup")
        out.attrs["currency"] = PRICE_LABEL
        return out


def cost_account(out: RunOutput, p: Mapping, comparator: RunOutput | None = None) -> CostAccount:
    """Itemised costs of one run (see the module docstring for every formula).

    Args:
        out: the run.
        p: the full parameter mapping the run used (prices included).
        comparator: optional run of the comparator with the same seed and replicate; gives the
            SSI treatment savings.
    """
    n = out.n_intervention
    weeks = out.programme_weeks + out.followup_weeks
    weekly = {item: np.zeros((weeks, n)) for item in ITEMS}
    if n == 0:
        return CostAccount(weekly, out.programme_weeks, out.followup_weeks)
    _visit_costs(out, p, weekly)
    _training_costs(out, p, weekly)
    _telementoring_costs(out, p, weekly)
    _whatsapp_costs(out, p, weekly)
    _programme_costs(out, p, weekly)
    savings = ssi_savings(out, comparator, p) if comparator is not None else None
    return CostAccount(weekly, out.programme_weeks, out.followup_weeks, savings, mentee_time(out, p))


def ssi_savings(out: RunOutput, comparator: RunOutput, p: Mapping) -> np.ndarray:
    """[weeks, facilities] USD of SSI treatment averted: (comparator - strategy) expected SSIs
    x cost per SSI. Negative where the strategy has more SSIs."""
    n = out.n_intervention
    if comparator.n_intervention != n or comparator.rows != out.rows:
        raise ValueError("the comparator run must have the same facilities and horizon")
    averted = comparator.fac["ssi_expected"][1:, :n] - out.fac["ssi_expected"][1:, :n]
    return averted * cost_per_ssi(p)


# --- items ------------------------------------------------------------------------------------

def visit_rows(out: RunOutput, p: Mapping) -> pd.DataFrame:
    """The visit log with, per mentor and visit: effective km, travel days, nights away,
    day-trip days, and the mentor's time, per diem and transport share (USD)."""
    log = out.visit_log
    log = log[log["facility"] < out.n_intervention].copy()
    if log.empty:
        for col in ("km_eff", "travel_eff", "nights", "trip_days", "time_usd", "per_diem_usd",
                    "transport_usd"):
            log[col] = pd.Series(dtype=float)
        return log
    log["discipline_name"] = [DISCIPLINES[int(d)] for d in log["discipline"]]
    days = log["days"].astype(float)
    day_trip = (log["origin"] == LOCAL) & bool(p["mentors.local_day_trips"])
    log["km_eff"] = log["km"]  # the model logs every trip (day trips included)
    log["travel_eff"] = log["travel_days"]
    log["trip_days"] = np.where(day_trip, days, 0.0)
    # Nights: per circuit (a mentor's visits in one week), days away - 1, shared by days.
    away = days + log["travel_eff"]
    circuit = away.groupby([log["week"], log["mentor"]]).transform("sum")
    nights = np.maximum(circuit - 1.0, 0.0) * away / circuit.where(circuit > 0, 1.0)
    log["nights"] = np.where(day_trip, 0.0, nights)
    rates = day_rates(p)
    rate = np.array([rates[(o, d)] for o, d in zip(log["origin"], log["discipline_name"])])
    log["time_usd"] = rate * away
    night_usd = per_diem_usd(p)
    person = log["nights"] * night_usd + log["trip_days"] * p["costs.day_allowance_usd"]
    # Vehicles: the mentors of one origin on one visit share; drivers earn what a mentor does.
    group = [log["week"], log["facility"], log["origin"]]
    count = log.groupby(group)["mentor"].transform("size").astype(float)
    vehicles = np.ceil(count / p["costs.mentors_per_vehicle"])
    km = log.groupby(group)["km_eff"].transform("mean")
    person_mean = person.groupby(group).transform("mean")
    log["transport_usd"] = vehicles * km * p["costs.vehicle_usd_per_km"] / count
    log["per_diem_usd"] = person + vehicles * p["costs.drivers_per_vehicle"] * person_mean / count
    return log


def _group_codes(*keys: np.ndarray) -> np.ndarray:
    """Group number of each row for the combination of integer ``keys`` (rows with equal keys
    share a number)."""
    combined = np.zeros(len(keys[0]), dtype=np.int64)
    for k in keys:
        k = k.astype(np.int64)
        combined = combined * (int(k.max()) + 1) + k
    return np.unique(combined, return_inverse=True)[1].ravel()


def _group_sum(codes: np.ndarray, values: np.ndarray) -> np.ndarray:
    """[groups] sum of ``values`` by group, each group's rows added in row order with Kahan
    compensation: the same floats as pandas' ``groupby(...).sum()`` (its cython kernel does the
    same steps), so the fast path below matches ``visit_rows`` bit for bit."""
    n_groups = int(codes.max()) + 1
    return _kahan_group_sum(np.ascontiguousarray(codes, dtype=np.int64),
                            np.ascontiguousarray(values, dtype=np.float64), n_groups)


@kernel
def _kahan_group_sum(codes, values, n_groups):
    """The loop of :func:`_group_sum`, one pass in row order (compiled without fast-math, so
    every step is the same IEEE operation as pandas' kernel; a Python loop over ranks took
    4-15 ms a run)."""
    total = np.zeros(n_groups)
    comp = np.zeros(n_groups)
    for i in range(codes.shape[0]):
        g = codes[i]
        y = values[i] - comp[g]
        t = total[g] + y
        comp[g] = (t - total[g]) - y
        total[g] = t
    return total


def visit_arrays(out: RunOutput, p: Mapping) -> dict[str, np.ndarray]:
    """The columns of ``visit_rows`` that the costs need, with numpy instead of pandas (about
    20x faster; tests/test_costs.py checks every value equals ``visit_rows``'): week, facility,
    lead (bool), time_usd, per_diem_usd, transport_usd, one entry per row of the visit log at an
    intervention facility."""
    a = out.visit_array
    a = a[a[:, 1] < out.n_intervention]
    week, fac, mentor = a[:, 0].astype(np.int64), a[:, 1].astype(np.int64), a[:, 2].astype(np.int64)
    origin_local = a[:, 3] > 0
    cols = {"week": week, "facility": fac, "lead": ~(a[:, 5] > 0)}
    if len(a) == 0:
        return cols | {k: np.zeros(0) for k in ("time_usd", "per_diem_usd", "transport_usd")}
    days = a[:, 6].astype(float)
    travel, km_eff = a[:, 7], a[:, 8]
    day_trip = origin_local & bool(p["mentors.local_day_trips"])
    trip_days = np.where(day_trip, days, 0.0)
    away = days + travel
    circ_codes = _group_codes(week, mentor)
    circuit = _group_sum(circ_codes, away)[circ_codes]
    nights = np.maximum(circuit - 1.0, 0.0) * away / np.where(circuit > 0, circuit, 1.0)
    nights = np.where(day_trip, 0.0, nights)
    rates = day_rates(p)
    by_code = np.array([[rates[(o, d)] for d in DISCIPLINES] for o in (HUB, LOCAL)])
    rate = by_code[origin_local.astype(np.int64), a[:, 4].astype(np.int64)]
    cols["time_usd"] = rate * away
    person = nights * per_diem_usd(p) + trip_days * p["costs.day_allowance_usd"]
    g = _group_codes(week, fac, origin_local)
    count = np.bincount(g).astype(float)[g]
    vehicles = np.ceil(count / p["costs.mentors_per_vehicle"])
    km = (_group_sum(g, km_eff) / np.bincount(g))[g]
    person_mean = (_group_sum(g, person) / np.bincount(g))[g]
    cols["transport_usd"] = vehicles * km * p["costs.vehicle_usd_per_km"] / count
    cols["per_diem_usd"] = person + vehicles * p["costs.drivers_per_vehicle"] * person_mean / count
    return cols


def _visit_costs(out: RunOutput, p: Mapping, weekly: dict) -> None:
    log = visit_arrays(out, p)
    if len(log["week"]) == 0:
        return
    wk, fac = log["week"], log["facility"]
    lead = log["lead"]
    for item, col in (("mentor_time", "time_usd"), ("per_diem", "per_diem_usd"),
                      ("transport", "transport_usd")):
        np.add.at(weekly[item], (wk[lead], fac[lead]), log[col][lead])
    pair = ~lead
    paired_cost = log["time_usd"] + log["per_diem_usd"] + log["transport_usd"]
    np.add.at(weekly["training_pairing"], (wk[pair], fac[pair]), paired_cost[pair])


def region_facilities(out: RunOutput) -> dict[int, np.ndarray]:
    """Intervention facilities of each region index (regions numbered by first appearance,
    as the model numbers them)."""
    region = np.asarray(out.facility_columns["region"])[:out.n_intervention]
    names = list(dict.fromkeys(region))
    return {r: np.flatnonzero(region == name) for r, name in enumerate(names)}


def training_rows(out: RunOutput, p: Mapping) -> pd.DataFrame:
    """One row per regional mentor trained: week, mentor, kind, region, discipline, cost (USD)."""
    cols = training_columns(out, p)
    if cols is None:
        tr = pd.DataFrame(out.counters.get("trainings", []), columns=["week", "mentor", "kind"])
        tr["cost_usd"] = pd.Series(dtype=float)
        return tr
    return pd.DataFrame(cols)


def training_columns(out: RunOutput, p: Mapping) -> dict[str, list | np.ndarray] | None:
    """The columns of ``training_rows`` as lists and arrays (built without pandas: the costing
    of every run needs them); None when nobody was trained."""
    trainings = out.counters.get("trainings", [])
    if not trainings:
        return None
    m = {row["mentor"]: row for row in out.mentor_rows}
    who = [m[mentor] for _, mentor, _ in trainings]
    cols = {"week": np.array([t[0] for t in trainings], dtype=np.int64),
            "mentor": np.array([t[1] for t in trainings], dtype=np.int64),
            "kind": [t[2] for t in trainings],
            "discipline": [row["discipline"] for row in who],
            "origin": [row["origin"] for row in who],
            "region": np.array([row["region"] for row in who])}
    days = float(p["mentors.training_days"])
    rates = day_rates(p)
    trainee = np.array([rates[(o, d)] for o, d in zip(cols["origin"], cols["discipline"])])
    per_trainee = days * (trainee + p["costs.training_usd_per_trainee_day"] + per_diem_usd(p)) \
        + (p["costs.training_travel_usd_per_trainee"] if days > 0 else 0.0)
    course = p["costs.trainers_per_course"] * days * day_rate(p, "specialist")
    _, course_of, course_size = np.unique(cols["week"], return_inverse=True, return_counts=True)
    cols["cost_usd"] = per_trainee + course / course_size[course_of.ravel()]
    return cols


def _training_costs(out: RunOutput, p: Mapping, weekly: dict) -> None:
    tr = training_columns(out, p)
    if tr is None:
        return
    regions = region_facilities(out)
    everyone = np.arange(out.n_intervention)
    for week, region, cost in zip(tr["week"].tolist(), tr["region"].tolist(), tr["cost_usd"].tolist()):
        facs = regions.get(int(region), everyone)
        if len(facs) == 0:
            facs = everyone
        weekly["training_course"][int(week), facs] += cost / len(facs)


def sessions_held(out: RunOutput) -> np.ndarray:
    """[weeks] True where a telementoring session was held."""
    n = out.n_intervention
    return out.fac["echo_eligible"][1:, :n].sum(axis=1) > 0


def _telementoring_costs(out: RunOutput, p: Mapping, weekly: dict) -> None:
    n = out.n_intervention
    held = sessions_held(out)
    if not held.any():
        return
    hours = p["echo.session_minutes"] / 60.0
    hub_rate = np.mean([r for (o, _), r in day_rates(p).items() if o == HUB])
    weekly["echo_platform"][held] += p["costs.echo_platform_usd_per_session"] / n
    weekly["echo_faculty"][held] += p["costs.echo_faculty_hours_per_session"] * hub_rate / HOURS_PER_DAY / n
    attendee_hours = out.fac["echo_attended"][1:, :n] * hours
    weekly["echo_data"][:] += attendee_hours * p["costs.echo_data_usd_per_attendee_hour"]


def group_weeks(out: RunOutput, p: Mapping) -> np.ndarray:
    """[weeks] True where the WhatsApp groups run."""
    weeks = np.arange(out.programme_weeks + out.followup_weeks)
    return np.where(weeks < out.programme_weeks, bool(p["whatsapp.enabled"]), bool(p["followup.whatsapp"]))


def _whatsapp_costs(out: RunOutput, p: Mapping, weekly: dict) -> None:
    n = out.n_intervention
    running = group_weeks(out, p)
    members = out.fac["staff_present"][1:, :n] * p["providers.whatsapp_access"]
    weekly["whatsapp_bundles"][running] = members[running] * p["costs.whatsapp_usd_per_member_month"] \
        / WEEKS_PER_MONTH


def _programme_costs(out: RunOutput, p: Mapping, weekly: dict) -> None:
    n = out.n_intervention
    if not programme_runs(p):
        return
    week_cost = p["costs.coordination_usd_per_month"] / WEEKS_PER_MONTH / n
    weekly["coordination"][:out.programme_weeks] = week_cost
    if followup_continues(p):
        weekly["coordination"][out.programme_weeks:] = week_cost * p["costs.followup_coordination_share"]
    if p["costs.infrastructure_grant"] and out.programme_weeks + out.followup_weeks > 0:
        weekly["infrastructure_grant"][0] = p["costs.infrastructure_grant_usd"]


# --- mentees' time ----------------------------------------------------------------------------

def mentee_wage_per_hour(out: RunOutput, p: Mapping) -> np.ndarray:
    """[intervention facilities] USD an hour of a mentee: cadre day rates / HOURS_PER_DAY,
    averaged over the facility's staff establishment."""
    n = out.n_intervention
    counts = np.column_stack([np.asarray(out.facility_columns[c], dtype=float)[:n] for c in MENTEE_CADRES])
    rates = np.array([day_rate(p, cadre) for cadre in MENTEE_CADRES.values()]) / HOURS_PER_DAY
    total = counts.sum(axis=1)
    return np.where(total > 0, counts @ rates / np.where(total > 0, total, 1.0), rates.mean())


def visit_days(out: RunOutput) -> np.ndarray:
    """[weeks, intervention facilities] days a lead mentor was at the facility (0: no visit)."""
    n = out.n_intervention
    days = np.zeros((out.programme_weeks + out.followup_weeks, n))
    a = out.visit_array
    a = a[(a[:, 1] < n) & ~(a[:, 5] > 0)]  # intervention facilities, lead mentors
    if len(a):
        np.maximum.at(days, (a[:, 0].astype(np.int64), a[:, 1].astype(np.int64)), a[:, 6].astype(float))
    return days


def mentee_time(out: RunOutput, p: Mapping) -> dict[str, np.ndarray]:
    """[weeks, intervention facilities] USD of mentees' time per item of MENTEE_ITEMS (module
    docstring): coaching in work hours, ECHO and WhatsApp after hours."""
    n = out.n_intervention
    wage = mentee_wage_per_hour(out, p)[None, :]
    after = p["costs.after_hours_value_share"]
    present = out.fac["staff_present"][1:, :n]
    coaching = visit_days(out) * present * p["costs.mentee_hours_per_visit_day"] * wage
    echo = out.fac["echo_attended"][1:, :n] * (p["echo.session_minutes"] / 60.0) * wage * after
    whatsapp = out.fac["whatsapp_active"][1:, :n] * (p["costs.whatsapp_minutes_per_active_week"] / 60.0) \
        * wage * after
    return {"mentee_coaching": coaching, "mentee_echo": echo, "mentee_whatsapp": whatsapp}
