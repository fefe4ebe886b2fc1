"""Economic evaluation of strategies: run each with its comparator, cost it, count its effects.

A strategy is a scenario (full parameter set). Its comparator is the same setting without any
mentorship (``comparator_params``: visits, telementoring and WhatsApp off, no local pool, nothing
in follow-up), run with the same seed and replicate: common random numbers, so the difference
is the programme's. ``evaluate_run`` returns one flat record per (strategy, replicate), and
``evaluate_runs`` those of many runs at once (as arrays over the runs, each record the same
floats as the run's alone; the callers that cost many runs use it); money in
US dollars at 2018 prices, discounted at ``economics.discount_rate_costs`` and effects at
``economics.discount_rate_effects`` unless the key says ``undiscounted``.

Key record fields (see ``RECORD_DOCS``): ``cost_net_usd`` (programme cost minus SSI treatment
averted, discounted: the cost used in the incremental analysis), ``dalys_averted`` and
``composite_point_months`` (the effects), ``item_<item>_usd`` and ``modality_<m>_usd``.
Both perspectives' costs are always recorded (``cost_net_health_system_usd``,
``cost_net_plus_mentee_time_usd``); ``cost_net_usd`` is the one ``economics.cost_mentee_time`` picks.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from types import SimpleNamespace

import numpy as np
import pandas as pd

from mentorsim.economics import sustainability as sus
from mentorsim.economics.costs import ITEMS, MODALITIES, CostAccount, RunStack, cost_batch, run_shape
from mentorsim.economics.health_effects import Effects, effects_batch, versus_arm_batch
from mentorsim.results import RunOutput, batch_outcomes
from mentorsim.runner import batch_size, simulate, simulate_each

COMPARATOR = "no_mentorship"
#: What switches every modality off, during the programme and after it.
NO_MENTORSHIP: dict[str, object] = {
    "visits.enabled": False, "echo.enabled": False, "whatsapp.enabled": False,
    "mentors.local_share": 0.0, "followup.local_visit_interval_weeks": 0,
    "followup.whatsapp": False, "followup.echo_interval_weeks": 0,
}

RECORD_DOCS: dict[str, str] = {
    "cost_programme_usd": "Programme cost over programme and follow-up, discounted (USD 2018).",
    "cost_programme_undiscounted_usd": "The same, undiscounted.",
    "cost_programme_phase_usd": "Undiscounted cost of the programme months only.",
    "cost_followup_usd": "Undiscounted cost of the follow-up months only.",
    "savings_ssi_usd": "SSI treatment costs averted against the comparator, discounted.",
    "cost_net_usd": ("The CEA cost in the analysis's perspective (economics.cost_mentee_time): "
                     "cost_net_health_system_usd, or cost_net_plus_mentee_time_usd when true."),
    "cost_net_health_system_usd": "Programme cost minus SSI treatment averted, discounted (health system).",
    "cost_net_plus_mentee_time_usd": "The same plus the value of mentees' time, discounted (health system plus).",
    "mentee_time_usd": "Value of mentees' time (coaching, ECHO, WhatsApp), discounted.",
    "dalys_averted": "DALYs averted (YLL + YLD), discounted.",
    "dalys_averted_undiscounted": "DALYs averted, undiscounted.",
    "yll_averted": "Years of life lost averted, discounted.",
    "yld_averted": "Years lived with disability averted, discounted.",
    "ssi_averted": "Expected SSIs averted (undiscounted count).",
    "deaths_averted": "Expected deaths averted (undiscounted count).",
    "composite_point_months": "Composite adherence gained, facility percentage-point months, discounted.",
    "composite_point_months_undiscounted": "The same, undiscounted.",
    "composite_point_months_vs_arm_per_facility": (
        "Within-run DiD against the comparison arm, per facility, undiscounted."),
    "visits_scheduled": "Visits scheduled (programme and follow-up), as results.OUTCOME_DOCS.",
    "visits_missed": "Scheduled visits no lead mentor made (mentor capacity), as results.OUTCOME_DOCS.",
    "visits_missed_share_pct": "Share of scheduled visits missed (%), as results.OUTCOME_DOCS.",
}


def comparator_params(params: Mapping) -> dict:
    """The strategy's setting with no mentorship at all (the comparator)."""
    return dict(params) | NO_MENTORSHIP


def is_comparator(params: Mapping) -> bool:
    """True if ``params`` describe no mentorship (nothing during or after the programme)."""
    return all(params[k] == v for k, v in NO_MENTORSHIP.items())


def _key(params: Mapping) -> tuple:
    return tuple(sorted((k, v) for k, v in params.items()))


#: The run outcomes each record carries so a report can say when the mentor pool could not staff
#: the schedule (results.capacity_warning).
CAPACITY_KEYS = ("visits_scheduled", "visits_missed", "visits_missed_share_pct")


@dataclass
class RunEconomics:
    """One strategy, one replicate: the flat record and what plots and tables need besides."""

    record: dict[str, float]
    account: CostAccount
    effects: Effects
    gains: dict[str, np.ndarray]
    #: what ``sustainability.pool_by_month`` reads of the run (its pool series and visit log),
    #: kept so that table is built only when asked for (``pool``): a PSA never asks.
    pool_run: SimpleNamespace = field(repr=False)
    _pool: pd.DataFrame | None = field(default=None, init=False, repr=False)

    @property
    def pool(self) -> pd.DataFrame:
        """The mentor pool by month (``sustainability.pool_by_month``), built once when first read."""
        if self._pool is None:
            self._pool = sus.pool_by_month(self.pool_run)
        return self._pool


def evaluate_run(params: Mapping, seed: int, replicate: int,
                 comparator: RunOutput | None = None, out: RunOutput | None = None) -> RunEconomics:
    """Run (or take) the strategy and its comparator; cost and count effects (the batch of one
    of :func:`evaluate_runs`)."""
    if out is None:
        out = simulate(params, seed, replicate)
    if comparator is None:
        comparator = simulate(comparator_params(params), seed, replicate)
    return evaluate_runs(params, [out], [comparator])[0]


#: Most runs costed together (each run's arrays are stacked over a run axis). Changes speed only,
#: never results.
EVALUATION_CHUNK = 64
#: Most week x facility cells of one stacked array in a chunk: 16,384 (128 KB of float64, glibc's
#: default size above which an allocation is mapped afresh and given back when freed), so a
#: chunk's arrays are reused from the heap rather than page-faulted in again at every chunk (64
#: ss2020 runs a chunk made 11,000 page faults and cost 0.66 ms a run; 9 a chunk 0.43 ms,
#: benchmarks/bench_costing.py). An ss2020 chunk holds 9 runs; a larger run is costed alone.
EVALUATION_CELLS = 1 << 14


#: The series of a run the costing reads (stacked together, run by run: RunStack.load).
STACKED: dict[str, tuple[str, ...]] = {
    "fac": ("ssi_expected", "deaths_expected", "operations", "caesareans", "composite", "safety", "teamwork",
            "ssc_use", "echo_eligible", "echo_attended", "staff_present", "whatsapp_active"),
    "pool": ("hub_active", "local_active", "local_trained", "local_lost", "mentees_became_mentors"),
    "arm_domain": ("skill",),
}
#: ... and of its comparator.
COMPARATOR_FAC = ("ssi_expected", "deaths_expected", "operations", "composite", "safety", "teamwork", "ssc_use")


def evaluate_runs(params: Mapping | Sequence[Mapping], outs: Sequence[RunOutput],
                  comparators: Sequence[RunOutput]) -> list[RunEconomics]:
    """Cost and count the effects of many runs at once: ``outs[i]`` against ``comparators[i]``
    (its comparator's run with the same seed and replicate), under ``params`` (one mapping for
    every run, or one per run).

    Runs of one shape (facilities, horizon) are computed together as arrays over a run axis
    (costs.cost_batch, health_effects.effects_batch, the sustainability batch functions), not
    in a Python loop per run; each record is the same floats, bit for bit, as the run's costed
    alone (``evaluate_run``), whatever the batch's size or make-up (tests/test_batch_costing.py).
    """
    outs, comparators = list(outs), list(comparators)
    plist = [params] * len(outs) if isinstance(params, Mapping) else list(params)
    if not len(plist) == len(outs) == len(comparators):
        raise ValueError("evaluate_runs needs one comparator (and parameter mapping) per run")
    groups: dict[tuple, list[int]] = {}
    for i, (out, comp) in enumerate(zip(outs, comparators)):
        groups.setdefault((run_shape(out), run_shape(comp)), []).append(i)
    results: list = [None] * len(outs)
    for members in groups.values():
        cells = max(1, outs[members[0]].rows * outs[members[0]].n_intervention)
        chunk = max(1, min(EVALUATION_CHUNK, EVALUATION_CELLS // cells))
        for lo in range(0, len(members), chunk):
            part = members[lo:lo + chunk]
            stack = RunStack([outs[i] for i in part], [plist[i] for i in part])
            comps = RunStack([comparators[i] for i in part], [plist[i] for i in part])
            for kind, keys in STACKED.items():
                stack.load(kind, keys)
            stack.load("fac", ["composite"], arm=1)
            comps.load("fac", COMPARATOR_FAC)
            comps.load("arm_domain", ["skill"])
            for i, ev in zip(part, _evaluate_stack(stack, comps)):
                results[i] = ev
    return results


def _total(parts: Iterable[np.ndarray]) -> np.ndarray:
    """[runs] the parts added one after another from 0 (what ``sum`` of one run's floats does)."""
    return sum(parts)


def _evaluate_stack(stack: RunStack, comps: RunStack) -> list[RunEconomics]:
    """The records (and what plots and tables need besides) of the runs of one stack."""
    every = np.arange(stack.size)
    rc = stack.per_row(lambda p: p["economics.discount_rate_costs"], every)  # one rate, or each run's
    re_ = stack.per_row(lambda p: p["economics.discount_rate_effects"], every)
    acc = cost_batch(stack, comps)
    eff = effects_batch(stack, comps)
    prog = slice(0, stack.programme_weeks)
    fu = slice(stack.programme_weeks, None)
    items = acc.item_totals(rc)
    followup_items = acc.item_totals(0.0, fu)
    mentee = acc.mentee_totals(rc)
    r: dict[str, np.ndarray] = {}
    r["cost_programme_usd"] = _total(items.values())
    r["cost_programme_undiscounted_usd"] = _total(acc.item_totals(0.0).values())
    r["cost_programme_phase_usd"] = _total(acc.item_totals(0.0, prog).values())
    r["cost_followup_usd"] = _total(followup_items.values())
    r["savings_ssi_usd"] = acc.savings_totals(rc)
    r["mentee_time_usd"] = _total(mentee.values())
    r["cost_net_health_system_usd"] = r["cost_programme_usd"] - r["savings_ssi_usd"]
    r["cost_net_plus_mentee_time_usd"] = r["cost_net_health_system_usd"] + r["mentee_time_usd"]
    r["cost_net_usd"] = np.where(stack.column(lambda p: bool(p["economics.cost_mentee_time"]), bool),
                                 r["cost_net_plus_mentee_time_usd"], r["cost_net_health_system_usd"])
    discounted, plain = eff.totals(re_), eff.totals(0.0)
    r["dalys_averted"] = discounted["dalys_averted"]
    r["dalys_averted_undiscounted"] = plain["dalys_averted"]
    r["yll_averted"] = discounted["yll_averted"]
    r["yld_averted"] = discounted["yld_averted"]
    r["ssi_averted"] = plain["ssi_averted"]
    r["deaths_averted"] = plain["deaths_averted"]
    r["composite_point_months"] = discounted["composite_point_months"]
    r["composite_point_months_undiscounted"] = plain["composite_point_months"]
    r["composite_point_months_vs_arm_per_facility"] = versus_arm_batch(stack)
    r.update(eff.counts)
    r.update({f"item_{k}_usd": v for k, v in items.items()})
    r.update({f"modality_{m}_usd": _total(v for k, v in items.items() if ITEMS[k] == m) for m in MODALITIES})
    r.update({f"time_{k}_usd": v for k, v in mentee.items()})  # not item_: those sum to the programme cost
    r.update(sus.sustain_batch(followup_items, stack.n, stack.followup_weeks))
    gains = sus.gains_batch(stack, comps)
    r.update(sus.horizon_gains_batch(gains, sus.horizon_rows(stack.outs[0])))
    r.update(sus.pool_metrics_batch(stack))
    names, capacity = batch_outcomes(stack.outs, CAPACITY_KEYS)  # whether the pool could staff the schedule
    r.update(zip(names, capacity.T))
    r["facilities"] = np.full(stack.size, float(stack.n))
    r["followup_months"] = stack.column(lambda p: float(p["followup.months"]))
    r["programme_months"] = stack.column(lambda p: float(p["programme.months"]))
    trend = [sus.trend_record(p) for p in stack.distinct]
    r.update({k: np.array([t[k] for t in trend])[stack.of] for k in trend[0]})
    names = list(r)
    table = np.column_stack(list(r.values())).astype(float, copy=False)
    runs = []
    for i, (row, out) in enumerate(zip(table.tolist(), stack.outs)):
        pool_run = SimpleNamespace(pool=out.pool, visit_array=out.visit_array, rows=out.rows,
                                   programme_weeks=out.programme_weeks)
        runs.append(RunEconomics(dict(zip(names, row)), acc.account(i), eff.effects(i),
                                 {k: v[i] for k, v in gains.items()}, pool_run))
    return runs


class ComparatorCache:
    """Comparator runs by (parameters, seed, replicate), so strategies that share a setting share
    one comparator run. A strategy's parameters must not change while the cache is in use (its
    comparator's key is worked out once per parameter mapping, not once per replicate)."""

    def __init__(self):
        self._runs: dict[tuple, RunOutput] = {}
        self._settings: dict[int, tuple[Mapping, dict, tuple]] = {}  # id -> (params, comparator, key)

    def _comparator(self, params: Mapping) -> tuple[dict, tuple]:
        """(comparator parameters, their key) of a strategy's parameters, remembered."""
        hit = self._settings.get(id(params))
        if hit is None or hit[0] is not params:
            cp = comparator_params(params)
            hit = self._settings[id(params)] = (params, cp, _key(cp))
        return hit[1], hit[2]

    def get(self, params: Mapping, seed: int, replicate: int) -> RunOutput:
        cp, k = self._comparator(params)
        key = (k, int(seed), int(replicate))
        if key not in self._runs:
            self._runs[key] = simulate(cp, seed, replicate)
        return self._runs[key]

    def missing(self, params: Mapping, seed: int, replicate: int) -> tuple | None:
        """The comparator run ``get`` would make, as a ``(params, seed, replicate)`` point to
        hand to :meth:`add`, or None if it is already here."""
        cp, k = self._comparator(params)
        return None if (k, int(seed), int(replicate)) in self._runs else (cp, int(seed), int(replicate))

    def key(self, params: Mapping) -> tuple:
        """The key of a strategy's comparator setting (equal for strategies sharing one)."""
        return self._comparator(params)[1]

    def add(self, point: tuple, out: RunOutput, params: Mapping | None = None) -> None:
        """Keep ``out``, the run of a point from :meth:`missing` (made elsewhere, e.g. in a batch);
        ``params``, the strategy's parameters it was missing for, saves working out its key again."""
        cp, seed, replicate = point
        k = self.key(params) if params is not None else _key(cp)
        self._runs.setdefault((k, int(seed), int(replicate)), out)


@dataclass
class StrategyEconomics:
    """A strategy over replicates: records and the pieces for tables and plots."""

    name: str
    params: Mapping
    runs: list[RunEconomics]
    #: (len(runs), records table, means) once built: tables and the report ask for them many times
    _tables: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def _built(self) -> tuple:
        if self._tables is None or self._tables[0] != len(self.runs):
            df = pd.DataFrame([r.record for r in self.runs])
            df.insert(0, "replicate", range(len(self.runs)))
            df.insert(0, "strategy", self.name)
            self._tables = (len(self.runs), df, df.drop(columns=["strategy", "replicate"]).mean().to_dict())
        return self._tables

    def records(self) -> pd.DataFrame:
        """One row per replicate: strategy, replicate and every record field (a fresh copy)."""
        return self._built()[1].copy()

    def mean(self) -> dict[str, float]:
        """Each record field's mean over replicates."""
        return dict(self._built()[2])

    def cost_by_facility_month(self) -> pd.DataFrame:
        """Mean over replicates of the long cost table (month, facility, item)."""
        rate = self.params["economics.discount_rate_costs"]
        tables = [r.account.by_facility_month(rate) for r in self.runs]
        keys = ["month", "facility", "item", "modality", "phase"]
        out = pd.concat(tables).groupby(keys, sort=False, as_index=False)[
            ["cost_usd", "cost_usd_discounted"]].mean()
        out.insert(0, "strategy", self.name)
        return out

    def pool_by_month(self) -> pd.DataFrame:
        df = pd.concat([r.pool for r in self.runs]).groupby(["month", "phase"], as_index=False).mean()
        df.insert(0, "strategy", self.name)
        return df

    def mean_gains(self) -> dict[str, np.ndarray]:
        return {k: np.mean([r.gains[k] for r in self.runs], axis=0) for k in self.runs[0].gains}


def evaluate_strategies(strategies: Sequence[tuple[str, Mapping]], seed: int, replicates: int,
                        progress: Callable[[int, int], None] | None = None,
                        include_comparator: bool = True) -> list[StrategyEconomics]:
    """Evaluate named parameter sets over replicates with common random numbers.

    If ``include_comparator`` and none of the strategies is the comparator, the comparator of
    the first strategy's setting is added first under the name ``no_mentorship``.
    """
    strategies = list(strategies)
    if include_comparator and strategies and not any(is_comparator(p) for _, p in strategies):
        strategies.insert(0, (COMPARATOR, comparator_params(strategies[0][1])))
    cache = ComparatorCache()
    comparator = [is_comparator(p) for _, p in strategies]
    jobs = [(i, r) for i in range(len(strategies)) for r in range(replicates)]
    runs: list[list[RunEconomics]] = [[] for _ in strategies]
    size, done = batch_size(), 0
    for lo in range(0, len(jobs), size):
        # the part's missing comparators and its strategies' runs, advanced together
        # (runner.simulate_each: each bit-identical to simulate, a failing run fails alone)
        part = jobs[lo:lo + size]
        comps = {(cache.key(strategies[i][1]), r): (p, strategies[i][1]) for i, r in part
                 if (p := cache.missing(strategies[i][1], seed, r)) is not None}
        comps = list(comps.values())
        own = [(i, r) for i, r in part if not comparator[i]]
        outs = list(simulate_each([p for p, _ in comps] + [(strategies[i][1], seed, r) for i, r in own]))
        for (point, params), out in zip(comps, outs):
            cache.add(point, out, params)
        mine = dict(zip(own, outs[len(comps):]))
        # the part's costing, all its runs at once (evaluate_runs: each record as costed alone)
        params = [strategies[i][1] for i, _ in part]
        comp_runs = [cache.get(p, seed, r) for p, (_, r) in zip(params, part)]
        own_runs = [mine.get(job, comp) for job, comp in zip(part, comp_runs)]
        for (i, _), ev in zip(part, evaluate_runs(params, own_runs, comp_runs)):
            runs[i].append(ev)
            done += 1
            if progress:
                progress(done, len(jobs))
    return [StrategyEconomics(name, params, rs) for (name, params), rs in zip(strategies, runs)]


def strategy_table(results: Iterable[StrategyEconomics], effect: str = "dalys_averted",
                   cost: str = "cost_net_usd") -> pd.DataFrame:
    """Mean cost and effect per strategy: the input of the incremental analysis."""
    rows = []
    for s in results:
        m = s.mean()
        rows.append({"strategy": s.name, "cost": m[cost], "effect": m[effect]})
    return pd.DataFrame(rows)


def item_table(results: Iterable[StrategyEconomics]) -> pd.DataFrame:
    """Mean discounted cost by item and modality per strategy (USD 2018), with totals."""
    rows = []
    for s in results:
        m = s.mean()
        for item, modality in ITEMS.items():
            rows.append({"strategy": s.name, "item": item, "modality": modality,
                         "cost_usd": m[f"item_{item}_usd"]})
    return pd.DataFrame(rows)


__all__ = ["COMPARATOR", "MODALITIES", "NO_MENTORSHIP", "RunEconomics", "StrategyEconomics",
           "comparator_params", "evaluate_run", "evaluate_runs", "evaluate_strategies", "is_comparator",
           "item_table", "strategy_table"]
