"""Itemised programme costs per intervention facility and week (summed to months), of one run or
of many at once.

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

Many runs at once (``cost_batch``): the runs of one shape, each with its own parameters, are put
in a ``RunStack`` (their arrays stacked over a leading run axis) and every item above is computed
for all of them with array operations; ``cost_account`` is the batch of one. Each run's costs
are the same floats whatever the batch: element-wise formulas are unchanged by the run axis,
sums are numpy's pairwise sums along the same axis (facilities, then weeks), groups of visit-log
rows never cross runs and are summed in row order, and what is added into the same week and
facility is added in the same order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mentorsim.economics.discounting import (
    discounted_sums,
    facility_sums,
    month_of_week,
    run_factors,
    weekly_factors,
    weighted_sums,
)
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


def run_shape(out: RunOutput) -> tuple[int, int, int, int, int]:
    """What runs costed together must share: intervention facilities, programme and follow-up
    weeks, recorded rows and all facilities."""
    return (out.n_intervention, out.programme_weeks, out.followup_weeks, out.rows,
            out.fac["composite"].shape[1])


class RunStack:
    """Runs of one shape (``run_shape``), each with its parameters, for costing them together:
    their arrays stacked over a leading run axis (each stacked once, when first asked for) and
    their parameters read as columns (each distinct parameter mapping read once).

    Args:
        outs: the runs.
        params: the full parameter mapping of each run (the same mapping object may repeat).
    """

    def __init__(self, outs: Sequence[RunOutput], params: Sequence[Mapping]):
        self.outs, self.params = list(outs), list(params)
        if not self.outs or len(self.outs) != len(self.params):
            raise ValueError("a RunStack needs one parameter mapping per run, and at least one run")
        first = self.outs[0]
        self.shape = run_shape(first)
        if any(run_shape(o) != self.shape for o in self.outs[1:]):
            raise ValueError("runs stacked together must have the same facilities and horizon")
        self.n = first.n_intervention
        self.programme_weeks, self.followup_weeks = first.programme_weeks, first.followup_weeks
        self.rows = first.rows
        index: dict[int, int] = {}
        self.distinct: list[Mapping] = []  # each parameter mapping once, in order of first use
        of = []
        for p in self.params:
            if id(p) not in index:
                index[id(p)] = len(self.distinct)
                self.distinct.append(p)
            of.append(index[id(p)])
        self.of = np.array(of, dtype=np.int64)  # [runs] position of each run's mapping in distinct
        self._stacked: dict[tuple, np.ndarray] = {}

    @property
    def size(self) -> int:
        return len(self.outs)

    @property
    def n_weeks(self) -> int:
        return self.programme_weeks + self.followup_weeks

    def load(self, kind: str, keys: Sequence[str], arm: int = 0) -> None:
        """Stack the series ``keys`` of ``kind`` (``fac``: at one ``arm``'s facilities; ``pool``
        or ``arm_domain``) of every run now, run by run (each run's arrays are read while they
        are in cache: several times faster than stacking one series of every run after another)."""
        keys = [k for k in dict.fromkeys(keys) if (kind, k, arm) not in self._stacked]
        if not keys:
            return
        if kind == "fac":
            cols = slice(0, self.n) if arm == 0 else slice(self.n, None)
            shape = (self.rows, len(range(self.shape[4])[cols]))
            dest = {k: np.empty((self.size,) + shape) for k in keys}
            for i, out in enumerate(self.outs):
                series = out.fac
                for k in keys:
                    dest[k][i] = series[k][:, cols]
        else:
            first = getattr(self.outs[0], kind)
            dest = {k: np.empty((self.size,) + first[k].shape, dtype=first[k].dtype) for k in keys}
            for i, out in enumerate(self.outs):
                series = getattr(out, kind)
                for k in keys:
                    dest[k][i] = series[k]
        self._stacked.update({(kind, k, arm): v for k, v in dest.items()})

    def _stack(self, kind: str, key: str, arm: int = 0) -> np.ndarray:
        if (kind, key, arm) not in self._stacked:
            self.load(kind, [key], arm)
        return self._stacked[(kind, key, arm)]

    def fac(self, key: str, arm: int = 0) -> np.ndarray:
        """[runs, rows, facilities of the arm] a facility series of every run at the facilities of
        one arm (0: the intervention facilities, the first ``n``; 1: the comparison facilities)."""
        return self._stack("fac", key, arm)

    def pool(self, key: str) -> np.ndarray:
        """[runs, rows] a mentor pool series of every run."""
        return self._stack("pool", key)

    def arm_domain(self, key: str) -> np.ndarray:
        """[runs, rows, 2, 4] an arm-by-domain series of every run."""
        return self._stack("arm_domain", key)

    def arm_mean(self, key: str, arm: int = 0) -> np.ndarray:
        """[runs, rows] mean of a facility series over one arm (RunOutput.arm_mean of each run)."""
        x = self.fac(key, arm)
        if x.shape[2] == 0:
            return np.full(x.shape[:2], np.nan)
        return facility_sums(x) / x.shape[2]  # numpy's mean: the sum divided by the count

    def column(self, value: Callable[[Mapping], object], dtype=float) -> np.ndarray:
        """[runs] ``value(params)`` of each run, worked out once per distinct mapping."""
        return np.array([value(p) for p in self.distinct], dtype=dtype)[self.of]

    def per_run(self, value: Callable[[Mapping], object], dtype=float):
        """``value(params)`` to combine with arrays [runs, weeks, facilities]: the value itself
        when every run has the same mapping (used as a run alone uses it), else [runs, 1, 1]."""
        if len(self.distinct) == 1:
            return value(self.distinct[0])
        return self.column(value, dtype)[:, None, None]

    def per_row(self, value: Callable[[Mapping], object], run: np.ndarray, dtype=float):
        """``value(params)`` of the run of each row (``run``: the rows' runs): the value itself
        when every run has the same mapping, else an array like ``run``."""
        if len(self.distinct) == 1:
            return value(self.distinct[0])
        return self.column(value, dtype)[run]

    def visits(self) -> tuple[np.ndarray, np.ndarray]:
        """(run [rows], visit rows [rows, columns]): every run's visit log (mentors.VISIT_LOG_COLUMNS),
        one after another in run order, with the run each row is from."""
        if ("visits", "", 0) not in self._stacked:
            logs = [o.visit_array for o in self.outs]
            run = np.repeat(np.arange(len(logs)), [len(a) for a in logs])
            self._stacked[("visits", "", 0)] = (run, np.concatenate(logs) if len(logs) > 1 else logs[0])
        return self._stacked[("visits", "", 0)]


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
            self._totals[key] = {k: float(discounted_sums(v[None], rate, weeks)[0]) for k, v in self.weekly.items()}
        return dict(self._totals[key])

    def modality_totals(self, rate: float = 0.0, weeks: slice = slice(None)) -> dict[str, float]:
        items = self.item_totals(rate, weeks)
        return {m: sum(v for k, v in items.items() if ITEMS[k] == m) for m in MODALITIES}

    def mentee_totals(self, rate: float = 0.0, weeks: slice = slice(None)) -> dict[str, float]:
        """Value of mentees' time by item of MENTEE_ITEMS (USD), discounted at ``rate``."""
        return {k: float(discounted_sums(self.mentee[k][None], rate, weeks)[0]) if k in self.mentee else 0.0
                for k in MENTEE_ITEMS}

    def savings_total(self, rate: float = 0.0, weeks: slice = slice(None)) -> float:
        """SSI treatment costs averted (USD), discounted; 0 without a comparator."""
        if self.savings is None:
            return 0.0
        return float(discounted_sums(self.savings[None], rate, weeks)[0])

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


@dataclass
class CostBatch:
    """The costs of the runs of a ``RunStack``: every array of :class:`CostAccount` with a leading
    run axis ([runs, weeks, intervention facilities], USD), and their totals for all runs at once
    (arrays [runs], each run's the same float as its own account's). Each array is summed over
    facilities once, whatever the rates and weeks asked for."""

    weekly: dict[str, np.ndarray]
    programme_weeks: int
    followup_weeks: int
    savings: np.ndarray | None = None
    mentee: dict[str, np.ndarray] = field(default_factory=dict)
    _sums: dict = field(default_factory=dict, init=False, repr=False, compare=False)

    @property
    def size(self) -> int:
        return next(iter(self.weekly.values())).shape[0]

    def account(self, i: int) -> CostAccount:
        """Run ``i``'s account (its arrays are views of the batch's)."""
        return CostAccount({k: v[i] for k, v in self.weekly.items()}, self.programme_weeks, self.followup_weeks,
                           None if self.savings is None else self.savings[i],
                           {k: v[i] for k, v in self.mentee.items()})

    def _weekly(self, kind: str) -> tuple[list[str], np.ndarray]:
        """(names, [names, runs, weeks]) the arrays of ``kind`` (items, mentee, savings) summed over
        facilities, once: every total of any rate and weeks is a weighted sum of these."""
        if kind not in self._sums:
            arrays = {"items": self.weekly, "mentee": self.mentee,
                      "savings": {} if self.savings is None else {"savings": self.savings}}[kind]
            sums = np.stack([facility_sums(v) for v in arrays.values()]) if arrays else np.zeros((0, self.size, 0))
            self._sums[kind] = (list(arrays), sums)
        return self._sums[kind]

    def _totals(self, kind: str, rates, weeks: slice) -> dict[str, np.ndarray]:
        names, sums = self._weekly(kind)
        if not names:
            return {}
        totals = weighted_sums(sums, run_factors(self.programme_weeks + self.followup_weeks, rates), weeks)
        return dict(zip(names, totals))

    def item_totals(self, rates, weeks: slice = slice(None)) -> dict[str, np.ndarray]:
        """[runs] cost of each item (USD), discounted at ``rates`` (one, or each run's), over ``weeks``."""
        return self._totals("items", rates, weeks)

    def mentee_totals(self, rates, weeks: slice = slice(None)) -> dict[str, np.ndarray]:
        """[runs] value of mentees' time by item of MENTEE_ITEMS (USD), discounted."""
        totals = self._totals("mentee", rates, weeks)
        return {k: totals[k] if k in totals else np.zeros(self.size) for k in MENTEE_ITEMS}

    def savings_totals(self, rates, weeks: slice = slice(None)) -> np.ndarray:
        """[runs] SSI treatment costs averted (USD), discounted; 0 without comparators."""
        return self._totals("savings", rates, weeks).get("savings", np.zeros(self.size))


def cost_account(out: RunOutput, p: Mapping, comparator: RunOutput | None = None) -> CostAccount:
    """Itemised costs of one run (see the module docstring for every formula): the batch of one
    of :func:`cost_batch`.

    Args:
        out: the run.
        p: the full parameter mapping the run used (prices included).
        comparator: optional run of the comparator with the same seed and replicate; gives the
            SSI treatment savings.
    """
    comps = None if comparator is None else RunStack([comparator], [p])
    return cost_batch(RunStack([out], [p]), comps).account(0)


def cost_batch(stack: RunStack, comparators: RunStack | None = None) -> CostBatch:
    """Itemised costs of every run of ``stack`` at once (the module docstring's formulas, as
    arrays over the runs; each run's the same floats as when costed alone).

    Args:
        comparators: optional runs of the comparator, one per run of ``stack`` with the same
            seed and replicate; give the SSI treatment savings.
    """
    weeks = stack.n_weeks
    weekly = {item: np.zeros((stack.size, weeks, stack.n)) for item in ITEMS}
    if stack.n == 0:
        return CostBatch(weekly, stack.programme_weeks, stack.followup_weeks)
    _visit_costs(stack, weekly)
    _training_costs(stack, weekly)
    _telementoring_costs(stack, weekly)
    _whatsapp_costs(stack, weekly)
    _programme_costs(stack, weekly)
    savings = None
    if comparators is not None:
        _check_comparators(stack, comparators)
        savings = _averted(comparators.fac("ssi_expected"), stack.fac("ssi_expected"), stack.n) \
            * stack.per_run(cost_per_ssi)
    return CostBatch(weekly, stack.programme_weeks, stack.followup_weeks, savings, _mentee_time(stack))


def _check_comparators(stack: RunStack, comparators: RunStack) -> None:
    if comparators.size != stack.size or comparators.shape[0] != stack.n or comparators.rows != stack.rows:
        raise ValueError("the comparator run must have the same facilities and horizon")


def _averted(comparator: np.ndarray, strategy: np.ndarray, n: int) -> np.ndarray:
    """[..., weeks, n] comparator minus strategy of a facility series at the intervention
    facilities, without the baseline row (one run's arrays, or runs stacked)."""
    return comparator[..., 1:, :n] - strategy[..., 1:, :n]


def ssi_savings(out: RunOutput, comparator: RunOutput, p: Mapping) -> np.ndarray:
    """[weeks, facilities] USD of SSI treatment averted: (comparator - strategy) expected SSIs
    x cost per SSI. Negative where the strategy has more SSIs."""
    n = out.n_intervention
    if comparator.n_intervention != n or comparator.rows != out.rows:
        raise ValueError("the comparator run must have the same facilities and horizon")
    return _averted(comparator.fac["ssi_expected"], out.fac["ssi_expected"], n) * cost_per_ssi(p)


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


def _rate_table(p: Mapping) -> np.ndarray:
    """[origin (hub, local), discipline] USD a day of mentor time (``day_rates`` by code)."""
    rates = day_rates(p)
    return np.array([[rates[(o, d)] for d in DISCIPLINES] for o in (HUB, LOCAL)])


def _rates_by_run(stack: RunStack) -> np.ndarray:
    """[distinct mappings, origin, discipline] ``_rate_table`` of each of the stack's mappings;
    index with ``stack.of[run]``."""
    return np.stack([_rate_table(p) for p in stack.distinct])


def visit_arrays(out: RunOutput, p: Mapping) -> dict[str, np.ndarray]:
    """The columns of ``visit_rows`` that the costs need, with numpy instead of pandas (about
    20x faster; tests/test_costs.py checks every value equals ``visit_rows``'): week, facility,
    lead (bool), time_usd, per_diem_usd, transport_usd, one entry per row of the visit log at an
    intervention facility (the batch of one of the costing's ``_visit_columns``)."""
    cols = _visit_columns(RunStack([out], [p]))
    del cols["run"]
    return cols


def _visit_columns(stack: RunStack) -> dict[str, np.ndarray]:
    """``visit_arrays`` of every run of ``stack`` one after another, with ``run``, the run of
    each row. Groups (a mentor's circuit in a week, a visit's vehicles) never cross runs and
    their sums add each run's rows in its own order, so each run's values are its own alone."""
    run, a = stack.visits()
    keep = a[:, 1] < stack.n
    run, a = run[keep], a[keep].T.copy()  # a column of the log a row: contiguous columns
    week, fac, mentor = a[0].astype(np.int64), a[1].astype(np.int64), a[2].astype(np.int64)
    origin_local = a[3] > 0
    cols = {"run": run, "week": week, "facility": fac, "lead": ~(a[5] > 0)}
    if len(run) == 0:
        return cols | {k: np.zeros(0) for k in ("time_usd", "per_diem_usd", "transport_usd")}

    def per_row(value, dtype=float):  # a parameter of each row's run
        return stack.per_row(value, run, dtype)

    days = a[6].astype(float)
    travel, km_eff = a[7], a[8]
    day_trip = origin_local & per_row(lambda p: bool(p["mentors.local_day_trips"]), bool)
    trip_days = np.where(day_trip, days, 0.0)
    away = days + travel
    circ_codes = _group_codes(run, week, mentor)
    circuit = _group_sum(circ_codes, away)[circ_codes]
    nights = np.maximum(circuit - 1.0, 0.0) * away / np.where(circuit > 0, circuit, 1.0)
    nights = np.where(day_trip, 0.0, nights)
    rate = _rates_by_run(stack)[stack.of[run], origin_local.astype(np.int64), a[4].astype(np.int64)]
    cols["time_usd"] = rate * away
    person = nights * per_row(per_diem_usd) + trip_days * per_row(lambda p: p["costs.day_allowance_usd"])
    g = _group_codes(run, week, fac, origin_local)
    count = np.bincount(g).astype(float)[g]
    vehicles = np.ceil(count / per_row(lambda p: p["costs.mentors_per_vehicle"]))
    km = (_group_sum(g, km_eff) / np.bincount(g))[g]
    person_mean = (_group_sum(g, person) / np.bincount(g))[g]
    cols["transport_usd"] = vehicles * km * per_row(lambda p: p["costs.vehicle_usd_per_km"]) / count
    cols["per_diem_usd"] = person + vehicles * per_row(lambda p: p["costs.drivers_per_vehicle"]) \
        * person_mean / count
    return cols


def _add_into(weekly: np.ndarray, run: np.ndarray, week: np.ndarray, facility: np.ndarray,
               values: np.ndarray) -> None:
    """Add ``values`` into ``weekly`` [runs, weeks, facilities] (all zeros) at (run, week,
    facility), one after another in their order: the same floats as ``np.add.at`` (each cell
    0 + its values in order), with ``np.bincount``'s one compiled pass."""
    _, w, n = weekly.shape
    cell = (run * w + week) * n + facility
    weekly[...] = np.bincount(cell, weights=values, minlength=weekly.size).reshape(weekly.shape)


def _visit_costs(stack: RunStack, weekly: dict) -> None:
    log = _visit_columns(stack)
    if len(log["week"]) == 0:
        return
    run, wk, fac = log["run"], log["week"], log["facility"]
    lead = log["lead"]
    for item, col in (("mentor_time", "time_usd"), ("per_diem", "per_diem_usd"),
                      ("transport", "transport_usd")):
        _add_into(weekly[item], run[lead], wk[lead], fac[lead], log[col][lead])
    pair = ~lead
    paired_cost = log["time_usd"] + log["per_diem_usd"] + log["transport_usd"]
    _add_into(weekly["training_pairing"], run[pair], wk[pair], fac[pair], paired_cost[pair])


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
    """The columns of ``training_rows`` as lists and arrays (built without pandas); None when
    nobody was trained. The cost is the costing's (``_trainees`` on the run alone)."""
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
    cols["cost_usd"] = _trainees(RunStack([out], [p]))["cost_usd"]
    return cols


_ORIGIN_CODE = {HUB: 0, LOCAL: 1}
_DISCIPLINE_CODE = {d: i for i, d in enumerate(DISCIPLINES)}


def _trainees(stack: RunStack) -> dict[str, np.ndarray] | None:
    """Every regional mentor trained in the runs of ``stack``, in each run's order: run, week,
    region and cost (USD: per trainee, training days x (day rate + course cost a day + per diem)
    + return fare; plus the course's trainers shared by the trainees of its week); None when
    nobody was trained."""
    run, week, region, origin, discipline = [], [], [], [], []
    for i, out in enumerate(stack.outs):  # the trainings are Python lists in the run's output
        trainings = out.counters.get("trainings", [])
        if not trainings:
            continue
        m = {row["mentor"]: row for row in out.mentor_rows}
        for w, mentor, _ in trainings:
            row = m[mentor]
            run.append(i)
            week.append(w)
            region.append(row["region"])
            origin.append(_ORIGIN_CODE[row["origin"]])
            discipline.append(_DISCIPLINE_CODE[row["discipline"]])
    if not run:
        return None
    run, week = np.array(run, dtype=np.int64), np.array(week, dtype=np.int64)

    def per_row(value):  # a parameter of each row's run
        return stack.per_row(value, run)

    days = per_row(lambda p: float(p["mentors.training_days"]))
    trainee = _rates_by_run(stack)[stack.of[run], origin, discipline]
    per_trainee = days * (trainee + per_row(lambda p: p["costs.training_usd_per_trainee_day"])
                          + per_row(per_diem_usd)) \
        + per_row(lambda p: p["costs.training_travel_usd_per_trainee"] if float(p["mentors.training_days"]) > 0
                  else 0.0)
    course = per_row(lambda p: p["costs.trainers_per_course"] * float(p["mentors.training_days"])
                     * day_rate(p, "specialist"))
    course_of = _group_codes(run, week)
    course_size = np.bincount(course_of)
    return {"run": run, "week": week, "region": np.array(region),
            "cost_usd": per_trainee + course / course_size[course_of]}


def _training_costs(stack: RunStack, weekly: dict) -> None:
    """Each training's cost shared equally by the intervention facilities of the trainee's
    region (all of them if the region has none), added training by training in each run's order."""
    tr = _trainees(stack)
    if tr is None:
        return
    everyone = np.arange(stack.n)
    regions: dict[int, dict] = {}
    facs = []
    for i, region in zip(tr["run"].tolist(), tr["region"].tolist()):
        if i not in regions:
            regions[i] = region_facilities(stack.outs[i])
        f = regions[i].get(int(region), everyone)
        facs.append(f if len(f) else everyone)
    size = np.array([len(f) for f in facs])
    _add_into(weekly["training_course"], np.repeat(tr["run"], size), np.repeat(tr["week"], size),
              np.concatenate(facs), np.repeat(tr["cost_usd"] / size, size))


def _sessions(echo_eligible: np.ndarray, n: int) -> np.ndarray:
    """[..., weeks] True where a telementoring session was held (any intervention facility had
    eligible staff), from one run's ``echo_eligible`` or runs stacked."""
    return facility_sums(echo_eligible[..., 1:, :n]) > 0


def sessions_held(out: RunOutput) -> np.ndarray:
    """[weeks] True where a telementoring session was held."""
    return _sessions(out.fac["echo_eligible"], out.n_intervention)


def _hub_rate(p: Mapping) -> float:
    """Mean day rate of the hub's mentors (USD), at which faculty hours are paid."""
    return np.mean([r for (o, _), r in day_rates(p).items() if o == HUB])


def _telementoring_costs(stack: RunStack, weekly: dict) -> None:
    n = stack.n
    held = _sessions(stack.fac("echo_eligible"), n)[:, :, None]  # [runs, weeks, 1]
    some = held.any(axis=1, keepdims=True)  # runs that held no session cost nothing here

    col = stack.per_run  # a parameter of each run, to broadcast over weeks and facilities

    hours = col(lambda p: p["echo.session_minutes"] / 60.0)
    weekly["echo_platform"] += np.where(held, col(lambda p: p["costs.echo_platform_usd_per_session"] / n), 0.0)
    weekly["echo_faculty"] += np.where(held, col(
        lambda p: p["costs.echo_faculty_hours_per_session"] * _hub_rate(p) / HOURS_PER_DAY / n), 0.0)
    attendee_hours = stack.fac("echo_attended")[:, 1:, :n] * hours
    weekly["echo_data"] += np.where(some, attendee_hours * col(lambda p: p["costs.echo_data_usd_per_attendee_hour"]),
                                    0.0)


def group_weeks(out: RunOutput, p: Mapping) -> np.ndarray:
    """[weeks] True where the WhatsApp groups run."""
    weeks = np.arange(out.programme_weeks + out.followup_weeks)
    return np.where(weeks < out.programme_weeks, bool(p["whatsapp.enabled"]), bool(p["followup.whatsapp"]))


def _whatsapp_costs(stack: RunStack, weekly: dict) -> None:
    n = stack.n
    weeks = np.arange(stack.n_weeks)
    running = np.where(weeks[:, None] < stack.programme_weeks,
                       stack.per_run(lambda p: bool(p["whatsapp.enabled"]), bool),
                       stack.per_run(lambda p: bool(p["followup.whatsapp"]), bool))  # [(runs,) weeks, 1]
    members = stack.fac("staff_present")[:, 1:, :n] * stack.per_run(lambda p: p["providers.whatsapp_access"])
    price = stack.per_run(lambda p: p["costs.whatsapp_usd_per_member_month"])
    weekly["whatsapp_bundles"][:] = np.where(running, members * price / WEEKS_PER_MONTH, 0.0)


def _programme_costs(stack: RunStack, weekly: dict) -> None:
    n, pw = stack.n, stack.programme_weeks

    def week_cost(p):
        return p["costs.coordination_usd_per_month"] / WEEKS_PER_MONTH / n

    runs = stack.per_run(programme_runs, bool)
    weekly["coordination"][:, :pw] = np.where(runs, stack.per_run(week_cost), 0.0)
    followup = stack.per_run(lambda p: week_cost(p) * p["costs.followup_coordination_share"]
                             if followup_continues(p) else 0.0)
    weekly["coordination"][:, pw:] = np.where(runs, followup, 0.0)
    if stack.n_weeks > 0:
        grant = stack.per_run(lambda p: p["costs.infrastructure_grant_usd"] if p["costs.infrastructure_grant"]
                              else 0.0)
        weekly["infrastructure_grant"][:, :1] = np.where(runs, grant, 0.0)


# --- mentees' time ----------------------------------------------------------------------------

def _mentee_rates(p: Mapping) -> np.ndarray:
    """[mentee cadres] USD an hour of each mentee role (MENTEE_CADRES)."""
    return np.array([day_rate(p, cadre) for cadre in MENTEE_CADRES.values()]) / HOURS_PER_DAY


def _mentee_wage(out: RunOutput, rates: np.ndarray) -> np.ndarray:
    n = out.n_intervention
    counts = np.column_stack([np.asarray(out.facility_columns[c], dtype=float)[:n] for c in MENTEE_CADRES])
    total = counts.sum(axis=1)
    return np.where(total > 0, counts @ rates / np.where(total > 0, total, 1.0), rates.mean())


def mentee_wage_per_hour(out: RunOutput, p: Mapping) -> np.ndarray:
    """[intervention facilities] USD an hour of a mentee: cadre day rates / HOURS_PER_DAY,
    averaged over the facility's staff establishment."""
    return _mentee_wage(out, _mentee_rates(p))


def _visit_days(stack: RunStack) -> np.ndarray:
    """[runs, weeks, intervention facilities] days a lead mentor was at the facility (0: no visit)."""
    n = stack.n
    days = np.zeros((stack.size, stack.n_weeks, n))
    run, a = stack.visits()
    keep = (a[:, 1] < n) & ~(a[:, 5] > 0)  # intervention facilities, lead mentors
    if keep.any():
        np.maximum.at(days, (run[keep], a[keep, 0].astype(np.int64), a[keep, 1].astype(np.int64)),
                      a[keep, 6].astype(float))
    return days


def visit_days(out: RunOutput) -> np.ndarray:
    """[weeks, intervention facilities] days a lead mentor was at the facility (0: no visit)."""
    return _visit_days(RunStack([out], [{}]))[0]


def mentee_time(out: RunOutput, p: Mapping) -> dict[str, np.ndarray]:
    """[weeks, intervention facilities] USD of mentees' time per item of MENTEE_ITEMS (module
    docstring): coaching in work hours, ECHO and WhatsApp after hours."""
    return {k: v[0] for k, v in _mentee_time(RunStack([out], [p])).items()}


def _mentee_time(stack: RunStack) -> dict[str, np.ndarray]:
    """``mentee_time`` of every run of ``stack``, [runs, weeks, intervention facilities]. The
    wage is worked out run by run (a matrix product per run, as for a run alone)."""
    n = stack.n
    rates = [_mentee_rates(p) for p in stack.distinct]
    wage = np.stack([_mentee_wage(out, rates[k]) for out, k in zip(stack.outs, stack.of.tolist())])[:, None, :]

    col = stack.per_run  # a parameter of each run, to broadcast over weeks and facilities

    after = col(lambda p: p["costs.after_hours_value_share"])
    present = stack.fac("staff_present")[:, 1:, :n]
    coaching = _visit_days(stack) * present * col(lambda p: p["costs.mentee_hours_per_visit_day"]) * wage
    echo = stack.fac("echo_attended")[:, 1:, :n] * col(lambda p: p["echo.session_minutes"] / 60.0) * wage * after
    whatsapp = stack.fac("whatsapp_active")[:, 1:, :n] \
        * col(lambda p: p["costs.whatsapp_minutes_per_active_week"] / 60.0) * wage * after
    return {"mentee_coaching": coaching, "mentee_echo": echo, "mentee_whatsapp": whatsapp}
