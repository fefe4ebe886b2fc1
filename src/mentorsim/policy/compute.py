"""What the page and the report compute: a scenario over replicates, its comparator, its economics.

``run_scenario`` runs a scenario (runner.simulate_each: its replicates in batches), the comparison arm (no
mentorship of any kind in the same setting: same facilities, horizon, seed and replicates, so
common random numbers make the difference the programme's), and, when the economics modules are
there, costs and effects (app_econ). Tables for the page, the CSV export and the report come
from ``comparison_rows`` and ``comparison_frame``.
"""

from __future__ import annotations

import io
import math
import sys
import threading
import time
import traceback
from collections import OrderedDict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from mentorsim.policy import economics as app_econ
from mentorsim.provenance import metadata
from mentorsim.results import CORE_TABLE_KEYS, Results, capacity_warning
from mentorsim.runner import simulate_each
from mentorsim.scenario import Scenario

COMPARATOR_NAME = "no_mentorship"
#: Rows of the comparison beyond the core table: (key in the economics record or cost table, label).
ECON_ROWS = (
    ("cost_programme_usd", "Programme cost, discounted"),
    ("savings_ssi_usd", "SSI treatment averted, discounted"),
    ("cost_net_usd", "Net cost, discounted"),
    ("dalys_averted", "DALYs averted vs no mentorship (discounted)"),
    ("cost_per_dalys_averted", "Net cost per DALY averted"),
    ("composite_point_months", "Composite point-months gained vs no mentorship"),
    ("cost_per_composite_point_months", "Net cost per composite point-month"),
    ("sustain_usd_per_facility_year", "Follow-up cost per facility-year"),
)
SUSTAIN_ROWS = (
    ("composite_followup24_pct", "Composite adherence, 24 months after (%)"),
    ("gain_end_composite_pp", "Composite gain over no mentorship at the end (points)"),
    ("gain_12m_composite_pp", "Composite gain over no mentorship 12 months after (points)"),
    ("retained_12m_composite_pct", "Share of that gain kept 12 months after (%)"),
    ("gain_24m_composite_pp", "Composite gain over no mentorship 24 months after (points)"),
    ("retained_24m_composite_pct", "Share of that gain kept 24 months after (%)"),
)
#: The parameters that decide what continues after the programme (economics.sustainability).
KEPT_KEYS = ("mentors.local_share", "mentors.handover_month", "followup.local_visit_interval_weeks",
             "followup.whatsapp", "followup.echo_interval_weeks")

SUSTAIN_KEYS = {k for k, _ in SUSTAIN_ROWS}

Progress = Callable[[int, int], None]


@dataclass
class ScenarioRun:
    """A scenario run for the page or the report.

    Attributes:
        name: label in tables and plots.
        scenario: the validated scenario.
        results: its replicates.
        comparator: no mentorship in the same setting, same seed and replicates.
        economics: ``economics.StrategyEconomics`` of the scenario (None if unavailable).
        comparator_economics: the same for the comparator (None if unavailable).
        econ_message: why the economics are missing ("" when present).
        elapsed_s: wall time of the whole computation (seconds).
    """

    name: str
    scenario: Scenario
    results: Results
    comparator: Results
    economics: object | None = None
    comparator_economics: object | None = None
    econ_message: str = ""
    elapsed_s: float = 0.0
    extra: dict = field(default_factory=dict)

    @property
    def seed(self) -> int:
        return self.results.seed

    @property
    def replicates(self) -> int:
        return len(self.results.runs)

    @property
    def setting(self) -> tuple:
        """What must match for two runs to share a comparator: facilities, horizon, seed, replicates."""
        p = self.scenario.params
        return (p["facilities.intervention"], p["facilities.comparison"], p["followup.months"],
                p["programme.months"], self.seed, self.replicates)


def comparator_scenario(scenario: Scenario) -> Scenario:
    """No mentorship in the scenario's setting (``economics.evaluation.comparator_params``)."""
    params = app_econ.comparator_params(scenario.params)
    updates = {k: v for k, v in params.items() if scenario.params.get(k) != v}
    return scenario.with_params(updates, source="economics.evaluation.NO_MENTORSHIP", name=COMPARATOR_NAME)


#: Comparator runs (and their economics) by setting, so saved scenarios of one setting share them.
_COMPARATORS: OrderedDict[tuple, tuple[Results, object | None]] = OrderedDict()
_COMPARATORS_LOCK = threading.Lock()
_COMPARATORS_MAX = 8


def run_scenario(scenario: Scenario, seed: int, replicates: int, progress: Progress | None = None,
                 name: str | None = None, on_core: Callable[[ScenarioRun], None] | None = None) -> ScenarioRun:
    """Run ``scenario`` and its comparator over ``replicates`` with ``seed``; cost them.

    ``progress(done, total)`` is called after each step: a replicate of the scenario, of the
    comparator, and (when the economics are there) the costing of each. ``on_core(run)`` is
    called once the simulations are done, before the (slower) costing, so a page can show the
    outcomes first. Comparator runs are reused for a setting already seen (same parameters,
    seed and replicates): common random numbers make them identical anyway.
    """
    start = time.perf_counter()
    comp_sc = comparator_scenario(scenario)
    key = (tuple(sorted(comp_sc.params.items())), seed, replicates)
    with _COMPARATORS_LOCK:
        cached = _COMPARATORS.get(key)
    total = replicates * (2 + (0 if cached else 2))
    done = 0

    def tick():
        nonlocal done
        done += 1
        if progress:
            progress(min(done, total), total)

    # the scenario's replicates and (unless cached) the comparator's, advanced together
    # (runner.simulate_each: each bit-identical to simulate, a failing run fails alone)
    t0 = time.perf_counter()
    todo = [scenario] + ([] if cached else [comp_sc])
    outs = []
    for out in simulate_each([(sc.params, seed, r) for sc in todo for r in range(replicates)]):
        outs.append(out)
        tick()
    each = (time.perf_counter() - t0) / len(todo)  # the wall time shared equally
    results = Results(scenario=scenario, seed=seed, runs=outs[:replicates], elapsed_s=each)
    comparator, comp_econ = cached if cached else (
        Results(scenario=comp_sc, seed=seed, runs=outs[replicates:], elapsed_s=each), None)
    run = ScenarioRun(name or scenario.name, scenario, results, comparator)
    if on_core:
        on_core(run)
    try:
        run.economics = app_econ.evaluate(run.name, scenario.params, seed, results.runs,
                                          comparator.runs, tick)
        if comp_econ is None:
            comp_econ = app_econ.evaluate(COMPARATOR_NAME, comparator.scenario.params, seed,
                                          comparator.runs, comparator.runs, tick)
        run.comparator_economics = comp_econ
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        run.economics = run.comparator_economics = comp_econ = None
        # the browser gets no exception text (it can hold server paths); the log above has it
        run.econ_message = f"The economics failed on this scenario ({type(exc).__name__}; see the server's log)"
    with _COMPARATORS_LOCK:
        _COMPARATORS[key] = (comparator, comp_econ)
        _COMPARATORS.move_to_end(key)
        while len(_COMPARATORS) > _COMPARATORS_MAX:
            _COMPARATORS.popitem(last=False)
    if progress:
        progress(total, total)
    run.elapsed_s = time.perf_counter() - start
    return run


def _ci(values) -> tuple[float, float, float]:
    from mentorsim.results import interval
    return interval(np.asarray(values, dtype=float))


def summary(run: ScenarioRun, comparator: bool = False) -> dict:
    """``Results.summary()`` of the run (or its comparator), computed once."""
    key = "comparator_summary" if comparator else "summary"
    if key not in run.extra:
        run.extra[key] = (run.comparator if comparator else run.results).summary()
    return run.extra[key]


def capacity_warnings(runs: Sequence[ScenarioRun]) -> list[tuple[str, str]]:
    """(scenario name, sentence) for each run whose schedule the mentor pool cannot staff
    (``results.capacity_warning``: the share of scheduled visits missed, pointing to
    ``mentorsim plan-pool``); empty when every run's visits are made."""
    out = []
    for run in runs:
        text = capacity_warning(summary(run))
        if text:
            out.append((run.name, text))
    return out


def econ_values(run: ScenarioRun) -> dict[str, tuple[float, float, float]]:
    """(mean, 95% CI low, high) of each ECON_ROWS and SUSTAIN_ROWS key that the economics give
    (computed once per run; empty while the economics are missing)."""
    if run.economics is None:
        return {}
    if "econ_values" not in run.extra:
        run.extra["econ_values"] = _econ_values(run)
    return run.extra["econ_values"]


def _econ_values(run: ScenarioRun) -> dict[str, tuple[float, float, float]]:
    out: dict[str, tuple[float, float, float]] = {}
    rec = run.economics.records()
    for key, _ in ECON_ROWS:
        if key in rec.columns:
            out[key] = _ci(rec[key])
    ce = app_econ.cost_effect([run.economics]).iloc[0]
    for key in ("cost_per_dalys_averted", "cost_per_composite_point_months"):
        v = float(ce[key])
        out[key] = (v, math.nan, math.nan)
    ret = app_econ.retention([run.economics])
    comp = ret[ret["indicator"] == "composite"]
    if len(comp):
        row = comp.iloc[0]
        out["gain_end_composite_pp"] = (float(row["gain_end_pp"]), math.nan, math.nan)
        for h in (12, 24):
            out[f"gain_{h}m_composite_pp"] = (float(row[f"gain_{h}m_pp"]), math.nan, math.nan)
            out[f"retained_{h}m_composite_pct"] = (100 * float(row[f"retained_{h}m"]), math.nan, math.nan)
        if "net_of_trend" in row.index:
            run.extra["net_of_trend"] = str(row["net_of_trend"])
    return out


def kept_after(scenario: Scenario) -> str:
    """What the scenario keeps after the programme, in words (the KEPT_KEYS parameters), e.g.
    ``regional mentors visit every 13 weeks; WhatsApp groups`` or ``nothing``."""
    p = scenario.params
    kept = []
    if p["followup.local_visit_interval_weeks"] > 0 and p["mentors.local_share"] > 0:
        kept.append(f"regional mentors visit every {p['followup.local_visit_interval_weeks']:g} weeks")
    if p["followup.whatsapp"]:
        kept.append("WhatsApp groups")
    if p["followup.echo_interval_weeks"] > 0:
        kept.append(f"telementoring every {p['followup.echo_interval_weeks']:g} weeks")
    return "; ".join(kept) or "nothing"


def what_lasts(runs: Sequence[ScenarioRun]) -> pd.DataFrame:
    """Per run: the composite gain over no mentorship at the end of the programme and 12 and 24
    months after (points; net of the secular trend both runs share, economics.sustainability), the
    share of the end gain kept, what is kept after the programme, and its follow-up cost per
    facility-year. Runs whose economics are missing are left out."""
    rows = []
    for run in runs:
        ev = econ_values(run)
        if "gain_end_composite_pp" not in ev:
            continue
        rows.append({"scenario": run.name, "kept": kept_after(run.scenario),
                     "gain_end_pp": ev["gain_end_composite_pp"][0],
                     "gain_12m_pp": ev["gain_12m_composite_pp"][0],
                     "retained_12m_pct": ev["retained_12m_composite_pct"][0],
                     "gain_24m_pp": ev["gain_24m_composite_pp"][0],
                     "retained_24m_pct": ev["retained_24m_composite_pct"][0],
                     "sustain_usd_per_facility_year": ev.get("sustain_usd_per_facility_year",
                                                             (math.nan,))[0],
                     "net_of_trend": run.extra.get("net_of_trend", "")})
    return pd.DataFrame(rows)


def comparison_rows(runs: Sequence[ScenarioRun]) -> list[dict]:
    """The comparison in long form: one row per scenario and quantity, with mean and 95% CI.

    Columns: section, quantity, label, scenario, mean, ci95_low, ci95_high. Money in
    ``app_econ.price_label()``. Quantities the economics do not give are absent.
    """
    rows = []
    for run in runs:
        s = summary(run)
        for key, label in CORE_TABLE_KEYS:
            if key in SUSTAIN_KEYS:
                continue
            lo, hi = s["ci95"].get(key, [None, None])
            rows.append({"section": "outcomes", "quantity": key, "label": label, "scenario": run.name,
                         "mean": s.get(key), "ci95_low": lo, "ci95_high": hi})
        ev = econ_values(run)
        for key, label in ECON_ROWS:
            if key in ev:
                m, lo, hi = ev[key]
                rows.append({"section": "costs", "quantity": key, "label": label, "scenario": run.name,
                             "mean": m, "ci95_low": lo, "ci95_high": hi})
        for key, label in SUSTAIN_ROWS:
            if key in ev:
                m, lo, hi = ev[key]
            elif key in s and s[key] is not None:
                m, (lo, hi) = s[key], s["ci95"][key]
            else:
                continue
            rows.append({"section": "sustainability", "quantity": key, "label": label, "scenario": run.name,
                         "mean": m, "ci95_low": lo, "ci95_high": hi})
    return rows


def _cell(m, lo, hi, money: bool) -> str:
    if m is None or (isinstance(m, float) and not math.isfinite(m)):
        return "n/a"
    digits = 0 if money or abs(m) >= 100 else (1 if abs(m) >= 1.5 else 2)
    txt = f"{m:,.{digits}f}"
    if lo is not None and hi is not None and all(isinstance(x, (int, float)) and math.isfinite(x) for x in (lo, hi)) \
            and abs(hi - lo) > 1e-9:
        txt += f" [{lo:,.{digits}f}, {hi:,.{digits}f}]"
    return txt


def comparison_frame(runs: Sequence[ScenarioRun]) -> pd.DataFrame:
    """The comparison as people read it: one row per quantity, one column per scenario,
    cells ``mean [95% CI]``."""
    rows = comparison_rows(runs)
    if not rows:
        return pd.DataFrame()
    df = pd.DataFrame(rows)
    df["cell"] = [_cell(r["mean"], r["ci95_low"], r["ci95_high"], r["section"] == "costs"
                        and not r["quantity"].startswith("dalys") and not r["quantity"].startswith("composite"))
                  for r in rows]
    order = list(dict.fromkeys(zip(df["section"], df["label"])))
    wide = df.pivot_table(index=["section", "label"], columns="scenario", values="cell", aggfunc="first",
                          sort=False)
    wide = wide.reindex(order)[[r.name for r in runs]]
    wide.columns.name = None
    return wide.reset_index().fillna("n/a")


def comparison_csv(runs: Sequence[ScenarioRun]) -> str:
    """The CSV export: comparison_rows plus provenance columns (version, commit, seed, replicates)
    and each scenario's lever values."""
    from mentorsim.policy.levers import PARAM_LEVERS
    meta = metadata()
    rows = comparison_rows(runs)
    by_name = {r.name: r for r in runs}
    for r in rows:
        run = by_name[r["scenario"]]
        r["seed"] = run.seed
        r["replicates"] = run.replicates
        r["mentorsim_version"] = meta["mentorsim_version"]
        r["git_commit"] = meta["git_commit"]
    money = app_econ.price_label()
    for r in rows:
        r["currency"] = money if (r["section"] == "costs" and "usd" in r["quantity"]) or \
            r["quantity"].startswith("cost_per") else ""
    for run in runs:
        for key in PARAM_LEVERS:
            rows.append({"section": "levers", "quantity": key, "label": key, "scenario": run.name,
                         "mean": run.scenario.params[key], "ci95_low": None, "ci95_high": None,
                         "seed": run.seed, "replicates": run.replicates,
                         "mentorsim_version": meta["mentorsim_version"], "git_commit": meta["git_commit"],
                         "currency": ""})
    return pd.DataFrame(rows).to_csv(index=False)


def read_comparison_csv(text: str) -> tuple[pd.DataFrame, dict[str, dict[str, object]]]:
    """Read ``comparison_csv``'s text back: the results (every row but the levers, ``mean`` and the
    interval as floats) and each scenario's lever values, typed as the parameter table types them
    (``{scenario: {key: value}}``), so the levers of an exported run can be set again."""
    from mentorsim.parameters.model_table import check_value
    df = pd.read_csv(io.StringIO(text), dtype={"mean": str, "currency": str})
    is_lever = df["section"] == "levers"
    results = df[~is_lever].copy()
    for col in ("mean", "ci95_low", "ci95_high"):
        results[col] = pd.to_numeric(results[col], errors="coerce")
    levers: dict[str, dict[str, object]] = {}
    for row in df[is_lever].itertuples(index=False):
        levers.setdefault(row.scenario, {})[row.quantity] = check_value(row.quantity, str(row.mean))
    return results.reset_index(drop=True), levers


def strategies(runs: Sequence[ScenarioRun]) -> list:
    """The economics of the runs, with one comparator first (the first run's), for the
    incremental analysis. Empty when the economics are missing."""
    if not runs or any(r.economics is None for r in runs):
        return []
    own = [r.economics for r in runs]
    if any(is_comparator_run(r) for r in runs):
        return own
    return [runs[0].comparator_economics] + own


def is_comparator_run(run: ScenarioRun) -> bool:
    """True when the run is itself no mentorship (e.g. scenarios/no_mentorship.toml was given)."""
    return dict(run.scenario.params) == dict(run.comparator.scenario.params)


def same_setting(runs: Sequence[ScenarioRun]) -> bool:
    """True when every run shares facilities, horizon, seed and replicates (one comparator)."""
    return len({r.setting for r in runs}) <= 1


def provenance(runs: Sequence[ScenarioRun], **extra) -> dict:
    """Version, git commit, seed and each scenario's parameters changed from the defaults."""
    return metadata(runs[0].seed if runs else None, replicates=[r.replicates for r in runs],
                    scenarios={r.name: {"source": r.scenario.source, "overrides": dict(r.scenario.overrides)}
                               for r in runs}, **extra)


def values_of(params: Mapping, keys: Sequence[str]) -> dict:
    return {k: params[k] for k in keys}
