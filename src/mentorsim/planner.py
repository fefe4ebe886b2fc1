"""Mentor-pool planning: how many mentors, of which discipline and origin, to visit N facilities
every W weeks for Y years, and what the pool costs a year.

Two answers side by side:

1. Arithmetic (``demand``), at the mean distances. A visit takes one mentor of each of the four
   disciplines for ``visits.days`` days plus travel. Hub mentors travel a circuit: per visit
   ``(2 x distance_hub_km / facilities_per_trip + distance_local_km) / km_per_travel_day`` days;
   regional (local) mentors a day trip from their base: ``2 x distance_local_km / km_per_travel_day``.
   Mentor days a year for a discipline = ``N x 52/W x (visit days + travel days)``. A mentor
   gives ``available_days_per_month x 12 x (1 - unavailable_prob)`` days a year, so the pool needs
   ``ceil(days needed / days per mentor)`` mentors of that discipline. From the handover month, the
   ``round(4 x local_share)`` local positions (nurses first) are held by one regional mentor per
   region and discipline (regions of ``facilities_per_trip`` facilities); regional mentors leave at
   ``mentors.annual_attrition`` a year and are replaced by training new ones (the pipeline).
2. Simulation (``coverage_curve``): the model is run with ``facilities.intervention = N``,
   ``visits.interval_weeks = W``, ``mentors.local_share = S``, a programme of ``12 Y`` months (no
   comparison arm, no follow-up) and an increasing pool: ``mentors.teams`` hub teams (or, with
   ``vary = "days"``, ``mentors.available_days_per_month``). Coverage at a pool size is the share
   of replicates in which every scheduled visit was made (``visits_missed == 0``: a visit is missed
   when no mentor due could come: capacity used up, banked days capped, or called away), with a
   Wilson 95% interval. The recommendation is the smallest pool whose coverage reaches the target.
   The sizes simulated are found by a bracketing search from the arithmetic's size (about
   ``2 log2`` of the sizes, not all of them; ``search = "scan"`` tries every size), see
   :func:`coverage_curve`.

Cost a year: the pool's items of the run's cost account (``economics.costs``: mentor time, per
diem, transport, regional mentor training and pairing), at the cost table's prices. Mentor time
is priced at each cadre's day rate (salary / working days, ``costs.salary_*``); with a planning
day rate (``day_rate``, ``--day-rate``) every mentor-day (visits, travel, training, the trainers')
is priced at that rate instead, the rest (per diem, transport, course costs) unchanged.

Idle headcount (assumption, ``costs.idle_mentor_day_share``, default 1): a pool mentor is held
for the programme ``available_days_per_month x 12`` days a year (the days the model's mentors
earn) while their position is active (hub positions that regional mentors take over until the
handover month, regional ones from their pairing, ``pairing_months`` before it), plus the days
the model gives each mentor in hand when the position starts (``mentors.START_WEEKS_IN_HAND``
weeks' accrual); the days held but not used for visits or travel are paid at that
share of the cadre's day rate. A hub mentor whose discipline regional mentors take over still
covers a facility whose regional post is vacant after the handover (the model staffs the visit
with the hub mentor); those days are counted apart (``cover``), as days used, not held. With 1 (dedicated, salaried mentors) a larger pool costs more even
when it makes no more visits; with 0 (staff released day by day, as the cost-effectiveness
analysis prices the programme as run) only the days used cost anything.

Teams: a hub team is one hub mentor of each of the four disciplines (``DISCIPLINES``), who visit
a facility together; the pool grows by whole teams. Regional (local) mentors are not counted in
teams: there is one per region and discipline they hold, whatever the number of teams.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from itertools import pairwise

import numpy as np
import pandas as pd

from mentorsim.economics import costs
from mentorsim.errors import input_error
from mentorsim.executors import process_pool
from mentorsim.model.mentors import DISCIPLINES, LOCAL_ORDER, START_WEEKS_IN_HAND
from mentorsim.runner import simulate_batch
from mentorsim.scenario import LARGE_CORE_SECONDS, default_scenario, describe_seconds, estimated_seconds
from mentorsim.timeline import WEEKS_PER_MONTH, month_row

#: Cost-account items that belong to the mentor pool (economics.costs.ITEMS).
POOL_ITEMS = ("mentor_time", "per_diem", "transport", "training_course", "training_pairing")
VARY = ("teams", "days")
SEARCH = ("bracket", "scan")


@dataclass(frozen=True)
class PlanRequest:
    """What the planner is asked.

    Attributes:
        facilities: intervention facilities (N).
        interval_weeks: weeks between visits to a facility (W).
        local_share: share of the four positions held by regional mentors after the handover (S).
        years: planning horizon (Y); the programme runs 12 Y months.
        target: coverage wanted: chance that every facility gets all its visits over the horizon.
        replicates: simulations per pool size; seed: run seed.
        vary: ``"teams"`` (hub teams of four) or ``"days"`` (mentor days a month, everyone).
        max_size: largest pool size tried (teams, or days a month).
        overrides: other parameters (``--set``), applied first.
        day_rate: USD a mentor-day for every mentor (all cadres), replacing the cost table's
            salary day rates in the pool's cost; None: the cost table's rates.
        search: ``"bracket"`` (start at the arithmetic's size, step up, halve the gap) or
            ``"scan"`` (every size in turn); see :func:`coverage_curve`.
    """

    facilities: int
    interval_weeks: int
    local_share: float = 0.5
    years: float = 2.0
    target: float = 0.9
    replicates: int = 20
    seed: int = 1
    vary: str = "teams"
    max_size: int | None = None
    overrides: Mapping = field(default_factory=dict)
    day_rate: float | None = None
    search: str = "bracket"


def base_params(req: PlanRequest, size: int | None = None) -> dict:
    """The full, validated parameter set of a planning run with pool ``size``."""
    sc = default_scenario().with_params(dict(req.overrides), source="--set") if req.overrides else default_scenario()
    p = dict(sc.params)
    months = int(round(12 * req.years))
    upd = {"facilities.intervention": req.facilities, "facilities.comparison": 0,
           "visits.enabled": True, "visits.interval_weeks": req.interval_weeks,
           "mentors.local_share": req.local_share, "programme.months": months,
           "programme.survey_month": min(int(p["programme.survey_month"]), months),
           "followup.months": 0, "followup.local_visit_interval_weeks": 0}
    if req.local_share > 0 and p["mentors.handover_month"] >= months:
        # blame what made the horizon too short: a --set handover month, else --years
        flag, value = (("--set", f"mentors.handover_month={p['mentors.handover_month']}")
                       if "mentors.handover_month" in req.overrides else ("--years", req.years))
        raise input_error(flag, None, f"a {months}-month horizon ends before regional mentors take over at "
                          f"month {p['mentors.handover_month']:g} (mentors.handover_month; --local-share "
                          f"{req.local_share:g}); lengthen --years, give --local-share 0, or --set "
                          "mentors.handover_month=...", value)
    if size is not None:
        upd["mentors.teams" if req.vary == "teams" else "mentors.available_days_per_month"] = size
    merged = dict(sc.overrides.items()) | upd
    return dict(default_scenario().with_params(merged, source="plan-pool").params)


def size_estimate(req: PlanRequest) -> tuple[int, float]:
    """(simulations at most, about how many core-seconds they take): every pool size up to the
    largest :func:`coverage_curve` may try, ``replicates`` simulations each."""
    sizes = len(range(*_size_range(req)))
    sims = sizes * req.replicates
    return sims, sims * estimated_seconds(base_params(req, 1 if req.vary == "teams" else 16))


def check_size(req: PlanRequest, allow_large: bool, workers: int = 1) -> str:
    """Refuse a plan estimated to take more than LARGE_CORE_SECONDS unless ``allow_large``
    (InputError blaming --facilities and --visit-interval-weeks, which set the pool sizes to try);
    returns one line saying what it will cost ("" when small)."""
    sims, seconds = size_estimate(req)
    what = f"up to {sims} simulations, about {describe_seconds(seconds)} of one core"
    if seconds > LARGE_CORE_SECONDS and not allow_large:
        raise input_error("--facilities", None, f"with --visit-interval-weeks {req.interval_weeks} this is {what} "
                          f"(more than {describe_seconds(LARGE_CORE_SECONDS)}); plan fewer facilities, give "
                          "--max-size or fewer --replicates, or add --allow-large", req.facilities)
    return f"{what} (about {describe_seconds(seconds / max(1, workers))} with {workers} workers)" \
        if seconds > 60 else ""


def local_disciplines(local_share: float) -> tuple[int, ...]:
    return tuple(sorted(LOCAL_ORDER[:int(round(local_share * 4))]))


def demand(req: PlanRequest) -> pd.DataFrame:
    """Arithmetic need by discipline and origin (per year, at the mean distances).

    Days needed are averaged over the horizon; mentors needed are for the months the positions
    are held (``share_of_horizon``): hub nurses who hand over at month 12 of 24 make a whole
    year's visits in half the horizon.

    Columns: discipline, origin, mentors (positions held), days_per_visit (visit + travel),
    days_needed_per_year, days_per_mentor_per_year, mentors_needed, plus for local positions
    leavers_per_year (attrition) and trainings_per_year (replacements to train).
    """
    p = base_params(req)
    visits_per_year = req.facilities * 52.0 / req.interval_weeks
    days = float(p["visits.days"])
    kmpd = p["mentors.km_per_travel_day"]
    hub_travel = (2 * p["facilities.distance_hub_km"] / p["mentors.facilities_per_trip"]
                  + p["facilities.distance_local_km"]) / kmpd
    local_travel = 2 * p["facilities.distance_local_km"] / kmpd
    supply = p["mentors.available_days_per_month"] * 12 * (1 - p["mentors.unavailable_prob"])
    regions = math.ceil(req.facilities / p["mentors.facilities_per_trip"])
    months = 12 * req.years
    before = min(1.0, p["mentors.handover_month"] / months)  # share of the horizon before the handover
    local = local_disciplines(req.local_share)
    rows = []
    for d, name in enumerate(DISCIPLINES):
        hub_share = before if d in local else 1.0
        per_visit = days + hub_travel
        need = visits_per_year * per_visit * hub_share
        rows.append({"discipline": name, "origin": "hub", "share_of_horizon": hub_share,
                     "days_per_visit": per_visit, "days_needed_per_year": need,
                     "days_per_mentor_per_year": supply,
                     "mentors_needed": math.ceil(need / (supply * hub_share)) if need else 0})
        if d in local:
            per_visit = days + local_travel
            need = visits_per_year * per_visit * (1 - before)
            per_region = need / regions / max(1e-9, 1 - before)  # a year while they hold the positions
            rows.append({"discipline": name, "origin": "local", "share_of_horizon": 1 - before,
                         "days_per_visit": per_visit, "days_needed_per_year": need,
                         "days_per_mentor_per_year": supply,
                         "mentors_needed": regions * max(1, math.ceil(per_region / supply)),
                         "regions": regions, "leavers_per_year": regions * p["mentors.annual_attrition"],
                         "trainings_per_year": regions * p["mentors.annual_attrition"]})
    return pd.DataFrame(rows)


def analytic_teams(req: PlanRequest) -> int:
    """Hub teams the arithmetic asks for (the most demanding hub discipline)."""
    d = demand(req)
    hub = d[d["origin"] == "hub"]
    return int(max(1, hub["mentors_needed"].max())) if len(hub) else 1


def _horizon_months(req: PlanRequest) -> int:
    return int(round(12 * req.years))


def headcount(req: PlanRequest, size: int) -> pd.DataFrame:
    """The pool at ``size`` by discipline and origin: mentors, the months they are held for the
    programme (``from_month``, ``until_month``; the horizon is ``12 x years`` months; regional
    mentors from the start of their pairing, ``mentors.pairing_months`` before the handover) and
    the share of the horizon that is."""
    p = base_params(req, size)
    teams = int(p["mentors.teams"])
    months = _horizon_months(req)
    handover = min(float(p["mentors.handover_month"]), months)
    paired = max(0.0, handover - float(p["mentors.pairing_months"]))
    regions = math.ceil(req.facilities / p["mentors.facilities_per_trip"])
    local = local_disciplines(req.local_share)
    rows = []
    for d, name in enumerate(DISCIPLINES):
        until = handover if d in local else months
        rows.append({"discipline": name, "origin": "hub", "mentors": teams, "from_month": 0.0,
                     "until_month": float(until), "share_of_horizon": until / months})
        if d in local:
            rows.append({"discipline": name, "origin": "local", "mentors": regions, "from_month": paired,
                         "until_month": float(months), "share_of_horizon": (months - paired) / months})
    return pd.DataFrame(rows)


def idle_days(req: PlanRequest, size: int, days_by_group: Mapping[str, float]) -> pd.DataFrame:
    """``headcount`` with, per group, the days a year its mentors are held for the programme
    (``days_held_per_year``: what they earn while the position is active plus the days in hand
    at its start), the days used for visits and travel (``days_used_per_year``, from the
    simulation's ``days_by_group``), the share used (``busy_pct``), the idle days and their cost a
    year (``idle_cost_usd_per_year``: idle days x day rate x ``costs.idle_mentor_day_share``), and
    for hub positions handed over, the days a year spent covering vacant regional posts after the
    handover (``cover_days_per_year``; used days, outside the months held)."""
    p = base_params(req, size)
    per_month = p["mentors.available_days_per_month"]
    supply = per_month * 12  # what a mentor earns a year (model.mentors)
    in_hand = per_month / WEEKS_PER_MONTH * START_WEEKS_IN_HAND / req.years  # a year's share of the start's days
    rates = costs.day_rates(priced_at(p, req.day_rate))
    df = headcount(req, size)
    held = df["mentors"] * (supply * df["share_of_horizon"] + in_hand)
    used = [float(days_by_group.get(f"{r.discipline}/{r.origin}", 0.0)) for r in df.itertuples()]
    df["days_held_per_year"] = held
    df["days_used_per_year"] = used
    df["cover_days_per_year"] = [float(days_by_group.get(f"{r.discipline}/cover", 0.0)) if r.origin == "hub" else 0.0
                                 for r in df.itertuples()]
    df["busy_pct"] = [100 * u / h if h > 0 else math.nan for u, h in zip(used, held)]
    df["idle_days_per_year"] = (held - df["days_used_per_year"]).clip(lower=0)
    df["idle_cost_usd_per_year"] = [
        idle * rates[(r.origin, r.discipline)] * p["costs.idle_mentor_day_share"]
        for idle, r in zip(df["idle_days_per_year"], df.itertuples())]
    return df


@dataclass
class SizeResult:
    """Simulated pool of one size. ``cost_per_year`` is the pool's cost a year: the days used
    and their travel and training (``used_cost_per_year``, the cost account's items) plus the
    idle headcount (``idle_cost_per_year``, ``idle_days``)."""

    size: int
    coverage: float
    coverage_low: float
    coverage_high: float
    visits_made_pct: float
    visits_missed: float
    mentor_days: float
    travel_days: float
    trainings: float
    replacements: float
    local_lost: float
    days_by_group: dict
    cost_per_year: float
    cost_source: str
    used_cost_per_year: float = 0.0
    idle_cost_per_year: float = 0.0


def wilson(k: int, n: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a proportion k/n."""
    if n == 0:
        return (math.nan, math.nan)
    ph = k / n
    den = 1 + z * z / n
    mid = (ph + z * z / (2 * n)) / den
    half = z * math.sqrt(ph * (1 - ph) / n + z * z / (4 * n * n)) / den
    return (max(0.0, mid - half), min(1.0, mid + half))


def _simulate_size(args) -> list[dict]:
    """Replicates ``replicates`` at one pool size (runs in a worker), simulated together
    (``runner.simulate_batch``) and the pool's cost of each from their costs worked out together
    (``costs.cost_batch``): one summary each, in replicate order, each what the replicate alone
    gives."""
    req, size, replicates = args
    p = base_params(req, size)
    outs = simulate_batch([(p, req.seed, r) for r in replicates])
    cost, source = _pool_costs(outs, p, req)
    return [_replicate_summary(out, p, req, float(c), source) for out, c in zip(outs, cost)]


def _replicate_summary(out, p: Mapping, req: PlanRequest, cost: float, cost_source: str) -> dict:
    """What a size's result needs of one replicate: visits missed and made, mentor and travel
    days (also by discipline and origin), trainings, replacements, mentors lost, the pool's cost."""
    a = out.visit_array  # columns model.mentors.VISIT_LOG_COLUMNS (arrays: this runs per replicate)
    days, travel = np.ascontiguousarray(a[:, 6]), np.ascontiguousarray(a[:, 7])
    groups = {}
    if len(a):
        # total days by (discipline, origin), summed as pandas' groupby sums (costs._group_sum);
        # a hub mentor's visits in a handed-over discipline after the handover are cover (origin 2)
        discipline = a[:, 4].astype(np.int64)
        handed_over = np.isin(discipline, local_disciplines(req.local_share))
        cover = (a[:, 3] == 0) & handed_over & (a[:, 0] >= month_row(p["mentors.handover_month"]))
        key = discipline * 3 + np.where(cover, 2, (a[:, 3] > 0).astype(np.int64))
        present, codes = np.unique(key, return_inverse=True)
        totals = costs._group_sum(codes.ravel(), days + travel)
        groups = {f"{DISCIPLINES[int(k) // 3]}/{('hub', 'local', 'cover')[int(k) % 3]}": float(v)
                  for k, v in zip(present.tolist(), totals.tolist())}
    trainings = out.counters.get("trainings", [])
    return {"missed": float(out.counters.get("visits_missed", 0)),
            "done": float(out.fac["visits"][:, :out.n_intervention].sum()),
            "mentor_days": float(days.sum()) if len(a) else 0.0,
            "travel_days": float(travel.sum()) if len(a) else 0.0,
            "trainings": float(len(trainings)),
            "replacements": float(sum(1 for t in trainings if t[2] == "replacement")),
            "local_lost": float(sum(1 for m in out.mentor_rows if m["status"] == "lost")),
            "groups": groups, "cost": cost, "cost_source": cost_source}


def priced_at(p: Mapping, day_rate: float | None) -> Mapping:
    """The prices of ``p`` with every cadre's day rate (``economics.costs.day_rate``) set to
    ``day_rate`` USD (through the salaries it is computed from); ``p`` itself if None."""
    if day_rate is None:
        return p
    salary = day_rate * p["costs.working_days_per_month"] * p["costs.exchange_rate_tzs_per_usd"] \
        / p["costs.salary_price_factor"]
    return dict(p) | {f"costs.salary_{cadre}_tzs_month": salary for cadre in set(costs.CADRE.values())}


def _pool_costs(outs, p, req: PlanRequest) -> tuple[np.ndarray, str]:
    """Cost of the pool over each run of ``outs`` (all of parameters ``p``; USD, [runs]): its
    items of the runs' cost accounts, worked out for the runs at once (``costs.cost_batch``:
    each run's the same floats as its own ``cost_account``), and where the figure comes from."""
    prices = priced_at(p, req.day_rate)
    items = costs.cost_batch(costs.RunStack(outs, [prices] * len(outs))).item_totals(0.0)
    rate = "cost-table day rates" if req.day_rate is None else f"US${req.day_rate:g} a mentor-day"
    return sum(items[k] for k in POOL_ITEMS), f"economics.costs: {', '.join(POOL_ITEMS)}; {rate}"


def _parts(replicates: int, workers: int) -> list[tuple[int, ...]]:
    """A size's replicates as one task a worker (the last ones shorter), each run as one batch."""
    n = max(1, min(workers, replicates))
    bounds = np.linspace(0, replicates, n + 1).astype(int)
    return [tuple(range(int(a), int(b))) for a, b in pairwise(bounds) if b > a]


def _submit(pool, req: PlanRequest, size: int, workers: int) -> list:
    """A size's replicates queued on ``pool``, one task a worker (:func:`_parts`)."""
    return [pool.submit(_simulate_size, (req, size, part)) for part in _parts(req.replicates, workers)]


def evaluate_size(req: PlanRequest, size: int, pool=None, workers: int = 1) -> SizeResult:
    """Simulate ``req.replicates`` replicates with pool ``size``: in this process, or on ``pool``
    (a process pool of ``workers`` processes), one batch a worker. The result is the same either
    way."""
    if pool is None:
        return _size_result(req, size, _simulate_size((req, size, tuple(range(req.replicates)))))
    return _size_result(req, size, [run for f in _submit(pool, req, size, workers) for run in f.result()])


def _size_result(req: PlanRequest, size: int, runs: list[dict]) -> SizeResult:
    """A pool size's result from its replicates (``_simulate_size``), in replicate order."""
    n = len(runs)
    full = sum(1 for r in runs if r["missed"] == 0)
    lo, hi = wilson(full, n)
    missed = np.mean([r["missed"] for r in runs])
    made = np.mean([100 * r["done"] / max(1.0, r["done"] + r["missed"]) for r in runs])
    groups: dict = {}
    for r in runs:
        for k, v in r["groups"].items():
            groups[k] = groups.get(k, 0.0) + v / n / req.years
    used_cost = float(np.mean([r["cost"] for r in runs])) / req.years
    idle_cost = float(idle_days(req, size, groups)["idle_cost_usd_per_year"].sum())
    return SizeResult(size=size, coverage=full / n, coverage_low=lo, coverage_high=hi,
                      visits_made_pct=float(made), visits_missed=float(missed),
                      mentor_days=float(np.mean([r["mentor_days"] for r in runs])),
                      travel_days=float(np.mean([r["travel_days"] for r in runs])),
                      trainings=float(np.mean([r["trainings"] for r in runs])),
                      replacements=float(np.mean([r["replacements"] for r in runs])),
                      local_lost=float(np.mean([r["local_lost"] for r in runs])),
                      days_by_group=groups,
                      cost_per_year=used_cost + idle_cost,
                      cost_source=runs[0]["cost_source"] + "; idle days at costs.idle_mentor_day_share",
                      used_cost_per_year=used_cost, idle_cost_per_year=idle_cost)


def coverage_curve(req: PlanRequest, workers: int = 1, progress=None) -> list[SizeResult]:
    """Coverage at the pool sizes the search tries (``req.search``), in order of size.

    ``"bracket"`` (the default): the first size tried is the arithmetic's (:func:`first_guess`);
    from there the search steps up (doubling its step) until a size reaches the target, then
    halves the gap to the largest size known to fall short, and checks the size above the one
    found. Under the assumption that a pool reaching the target is never followed by a larger one
    that falls short, this finds the same smallest size as trying every size in turn, from
    about ``2 log2(sizes)`` sizes instead of all of them; every size simulated is checked against
    that assumption, and when one breaks it the search tries every size in turn as ``"scan"``.
    ``"scan"``: every size from the smallest (1 team, or 4 days a month) until the target is met at
    two sizes in a row, or ``max_size``.

    A size's result is the same whichever sizes are tried, and in whichever order (replicate r has
    the same random streams at every size).

    Args:
        workers: worker processes (``executors.process_pool``); 1 runs in this process. The
            results are the same either way (each replicate has its own seed).
        progress: called with each size's result as it is done (in the order tried).
    """
    if workers > 1:
        with process_pool(workers) as pool:
            return _coverage_curve(req, pool, workers, progress)
    return _coverage_curve(req, None, 1, progress)


def _coverage_curve(req: PlanRequest, pool, workers: int, progress) -> list[SizeResult]:
    sizes = list(range(*_size_range(req)))
    done: dict[int, SizeResult] = {}  # by index into sizes
    if req.search == "bracket":
        _bracket(req, sizes, done, pool, workers, progress)
        if not _one_crossing(req, sizes, done):
            _scan(req, sizes, done, pool, workers, progress)
    else:
        _scan(req, sizes, done, pool, workers, progress)
    return [done[i] for i in sorted(done)]


def _reaches(req: PlanRequest, res: SizeResult) -> bool:
    return res.coverage >= req.target


def _one_crossing(req: PlanRequest, sizes: list[int], done: dict[int, SizeResult]) -> bool:
    """Whether the sizes simulated agree with one crossing: every size that reaches the target is
    larger than every size that does not."""
    met = [_reaches(req, done[i]) for i in sorted(done)]
    return met == sorted(met)


def _bracket(req: PlanRequest, sizes: list[int], done: dict[int, SizeResult], pool, workers: int,
             progress) -> None:
    """Simulate the sizes of the bracketing search (see :func:`coverage_curve`) into ``done``."""

    def met(i: int) -> bool:
        if i not in done:
            done[i] = evaluate_size(req, sizes[i], pool, workers)
            if progress:
                progress(done[i])
        return _reaches(req, done[i])

    n = len(sizes)
    guess = min(range(n), key=lambda i: (abs(sizes[i] - first_guess(req)), i))
    low, high = -1, n  # the largest index known to fall short; the smallest known to reach
    if met(guess):
        high = guess
    else:
        low, step = guess, 1
        while high == n and low < n - 1:
            i = min(low + step, n - 1)
            if met(i):
                high = i
            else:
                low, step = i, 2 * step
    while high - low > 1:
        mid = (low + high) // 2
        if met(mid):
            high = mid
        else:
            low = mid
    if high < n - 1:
        met(high + 1)  # reached at two sizes in a row, as the scan asks


def _scan(req: PlanRequest, sizes: list[int], done: dict[int, SizeResult], pool, workers: int,
          progress) -> None:
    """Every size in turn into ``done`` (reusing those already there) until the target is met at
    two sizes in a row, or the last size."""
    # With workers, the next two sizes' replicates are queued while a size is summarised, so the
    # workers never wait for the slowest replicate of a size (results are the same: each
    # replicate has its own seed; queued sizes past the stopping size are cancelled, unused).
    queued: dict[int, list] = {}

    def queue(i: int) -> None:
        if pool is not None and i < len(sizes) and i not in done:
            queued[i] = _submit(pool, req, sizes[i], workers)

    queue(0)
    queue(1)
    met = 0
    for i, size in enumerate(sizes):
        if i not in done:
            if pool is None:
                done[i] = evaluate_size(req, size)
            else:
                runs = [run for f in queued.pop(i) for run in f.result()]
                done[i] = _size_result(req, size, runs)
            if progress:
                progress(done[i])
        queue(i + 2)
        met = met + 1 if _reaches(req, done[i]) else 0
        if met >= 2:
            break
    for futures in queued.values():
        for f in futures:
            f.cancel()


def first_guess(req: PlanRequest) -> float:
    """The pool size the bracketing search tries first: the arithmetic's hub teams
    (:func:`analytic_teams`), or with ``vary = "days"`` the mentor days a month at which the
    scenario's teams would be enough by the same arithmetic (days scale the supply in proportion)."""
    if req.vary == "teams":
        return analytic_teams(req)
    p = base_params(req)
    d = demand(req)
    hub = d[d["origin"] == "hub"]
    need = float((hub["days_needed_per_year"] / hub["share_of_horizon"]).max()) if len(hub) else 0.0
    return need / (p["mentors.teams"] * 12 * (1 - p["mentors.unavailable_prob"]))


def _size_range(req: PlanRequest) -> tuple[int, int, int]:
    """(first, past the last, step) of the pool sizes :func:`coverage_curve` may try."""
    if req.vary == "teams":
        return 1, (req.max_size or max(8, 2 * analytic_teams(req) + 2)) + 1, 1
    return 4, (req.max_size or 30) + 1, 2


def recommend(req: PlanRequest, curve: list[SizeResult]) -> SizeResult | None:
    """Smallest simulated pool whose coverage reaches the target (None if none did)."""
    for res in curve:
        if res.coverage >= req.target:
            return res
    return None


def pool_table(req: PlanRequest, size: int) -> pd.DataFrame:
    """The recommended pool by discipline and origin: positions, and the months they are held
    (``until``, in words: "whole horizon (months 0-24)", "months 0-12, then regional mentors take
    over", "months 6-24 (paired with the hub mentor until month 12, then on their own)")."""
    p = base_params(req, size)
    df = headcount(req, size)
    months = _horizon_months(req)
    until = []
    for r in df.itertuples():
        if r.origin == "local":
            until.append(f"months {r.from_month:g}-{months} (paired with the hub mentor until month "
                         f"{p['mentors.handover_month']:g}, then on their own)")
        elif r.until_month >= months:
            until.append(f"whole horizon (months 0-{months})")
        else:
            until.append(f"months 0-{r.until_month:g}, then regional mentors take over")
    df["until"] = until
    return df


def plateau_reason(req: PlanRequest, curve: list[SizeResult]) -> str | None:
    """Why coverage stops rising as the pool grows, if it does (None when it reaches the target
    or still rises): visits still missed with more hub teams point to a bottleneck the teams do
    not relieve (the regional mentors, one per region and discipline); all visits made on average
    with coverage short of the target means rare misses (mentors called away, days capped)."""
    if recommend(req, curve) is not None or len(curve) < 3:
        return None
    last = curve[-3:]
    if max(r.coverage for r in last) - min(r.coverage for r in last) > 0.1:
        return None
    if min(r.visits_missed for r in last) >= 1:
        who = ("the regional mentors (one per region and discipline, whatever the number of hub teams)"
               if req.local_share > 0 else "mentor days per team (--vary days) or the visit length")
        return (f"coverage stays near {100 * last[-1].coverage:.0f}% from {last[0].size} to {last[-1].size} "
                f"because {last[-1].visits_missed:.1f} visits are still missed a run whatever the hub "
                f"teams: the bottleneck is {who}")
    return (f"coverage stays near {100 * last[-1].coverage:.0f}% with {last[-1].visits_made_pct:.1f}% of visits "
            f"made: a run misses the odd visit (a mentor called away, mentors.unavailable_prob) however "
            "large the pool; a target below 100% of runs, or fewer facilities per region, helps")


def plot_coverage(req: PlanRequest, curve: list[SizeResult], path, recommended: SizeResult | None = None):
    """Coverage (with Wilson intervals) and the share of visits made, against pool size."""
    # deliberately lazy: matplotlib is heavy and drawn only with --out
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mentorsim.plots import save_figure

    x = [r.size for r in curve]
    fig, ax = plt.subplots(figsize=(6.4, 4.2))
    cov = np.array([100 * r.coverage for r in curve])
    lo = np.array([100 * r.coverage_low for r in curve])
    hi = np.array([100 * r.coverage_high for r in curve])
    ax.errorbar(x, cov, yerr=[cov - lo, hi - cov], marker="o", capsize=3,
                label="chance every visit is made (Wilson 95%)")
    ax.plot(x, [r.visits_made_pct for r in curve], marker="s", ls="--", label="visits made (%)")
    ax.axhline(100 * req.target, color="grey", ls=":", label=f"target {100 * req.target:g}%")
    if recommended is not None:
        ax.axvline(recommended.size, color="C2", alpha=0.6, label=f"recommended: {recommended.size}")
    ax.set_xlabel("hub mentor teams of four" if req.vary == "teams" else "mentor days a month (each mentor)")
    ax.set_ylabel("%")
    ax.set_ylim(-3, 103)
    ax.set_title(f"{req.facilities} facilities, a visit every {req.interval_weeks} weeks, local share "
                 f"{req.local_share:g}, {req.years:g} years ({req.replicates} replicates a size)", fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, loc="center right")
    return save_figure(fig, path, dpi=90)
