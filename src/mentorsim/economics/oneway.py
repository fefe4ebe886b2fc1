"""What drives the decision: one-way and two-way sensitivity on net monetary benefit, and
scenario analyses (SSI-effect evidence, horizon, discount rate, infrastructure grant).

The measure is the incremental net monetary benefit (INMB, USD) of the focal strategy against
no mentorship at a reference willingness to pay λ (per DALY averted):

    INMB = λ x (DALYs averted) - (net cost of the strategy - net cost of no mentorship)

INMB > 0: the strategy is worth its cost at λ; < 0: no mentorship wins. It is linear in the
effect and the cost, so unlike the ICER it stays defined when the effect crosses zero.

One-way (tornado): each parameter that moves cost or effect (the PSA's parameters,
psa.psa_parameter_names, plus the calibrated ones) is set to the low and then the high end of its
range, all else at the base case, and every strategy is rerun with the same seed and replicates
(common random numbers). The range is the declared range, except for calibrated parameters,
which move over their posterior's 95% interval (what the data allow; decision.posterior_check).
Rows: INMB and the strategy with the highest NMB at each end ("which strategy wins across this
parameter's range"), the ICER at each end, and the switch value where INMB crosses 0 (linear
interpolation through low, base and high), sorted by swing |INMB(high) - INMB(low)|.
A parameter a strategy sets explicitly defines that strategy and is not varied.

Two-way: the top two parameters of the tornado on a grid (``points`` x ``points``), INMB at each.

Scenarios: the same strategies with a setting changed for all of them (no mentorship included),
each against its own no-mentorship run:
- SSI effect: the relative risk at full exposure of the three evidence scenarios (ssi_trial,
  ssi_association, ssi_prepost: scenarios/ssi_*.toml);
- horizon: follow-up of 0, 24 (base), 43 and 103 months after the 17-month programme (17 months,
  3.4, 5 and 10 years in all);
- discount rate of costs and effects: 0%, 3% (base), 5%;
- infrastructure grant: US$10,000 per facility in month 0 (MODEL_BRIEF section 1; IJQHC2021);
- perspective: the other one than the base case's (``economics.cost_mentee_time``): health system
  plus mentees' time (coaching in work hours, ECHO and WhatsApp after hours; costs.py), or the
  health system alone if the base case costs mentee time.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence

import numpy as np
import pandas as pd

from mentorsim.economics.evaluation import COMPARATOR, evaluate_strategies, strategy_table
from mentorsim.errors import InputError
from mentorsim.parameters.model_table import PARAMS_BY_NAME

HORIZON_FOLLOWUP_MONTHS = (0, 24, 43, 103)
DISCOUNT_RATES = (0.0, 0.03, 0.05)
SSI_EVIDENCE = ("ssi_trial", "ssi_association", "ssi_prepost")


def means(scenarios: Sequence, seed: int, replicates: int) -> pd.DataFrame:
    """Mean net cost and DALYs averted per strategy (no mentorship added first)."""
    return means_of([(s.name, dict(s.params)) for s in scenarios], seed, replicates)


def means_of(strategies: Sequence[tuple[str, Mapping]], seed: int, replicates: int) -> pd.DataFrame:
    """:func:`means` of ``(name, parameters)`` pairs (what a worker process is sent)."""
    return strategy_table(evaluate_strategies(strategies, seed, replicates), "dalys_averted")


def pool_evaluate_all(pool, seed: int, replicates: int) -> Callable:
    """An ``evaluate_all`` for :func:`one_way`, :func:`two_way` and :func:`scenario_analyses` that
    computes :func:`means` of every list of scenarios on ``pool`` (a concurrent.futures executor,
    e.g. executors.process_pool), in order, ticking as each is done: the same tables as in this
    process (each run is bit-identical wherever it runs)."""
    def evaluate_all(jobs: Sequence[Sequence], tick: Callable[[], None] | None) -> list[pd.DataFrame]:
        futures = [pool.submit(means_of, [(s.name, dict(s.params)) for s in scs], seed, replicates) for scs in jobs]
        out = []
        for future in futures:
            out.append(future.result())
            if tick:
                tick()
        return out
    return evaluate_all


def _evaluate_jobs(jobs: list, evaluate: Callable, evaluate_all: Callable | None,
                   tick: Callable[[], None] | None) -> list[pd.DataFrame]:
    """The strategy table of each list of scenarios in ``jobs``, in order: by ``evaluate_all(jobs,
    tick)`` if given (e.g. :func:`pool_evaluate_all`), else ``evaluate`` one after another,
    ticking after each."""
    if evaluate_all is not None:
        return evaluate_all(jobs, tick)
    out = []
    for scs in jobs:
        out.append(evaluate(scs))
        if tick:
            tick()
    return out


def inmb(table: pd.DataFrame, focal: str, wtp: float) -> float:
    """Incremental NMB of ``focal`` against no mentorship at ``wtp`` (USD)."""
    t = table.set_index("strategy")
    return float(wtp * (t.loc[focal, "effect"] - t.loc[COMPARATOR, "effect"])
                 - (t.loc[focal, "cost"] - t.loc[COMPARATOR, "cost"]))


def icer(table: pd.DataFrame, focal: str) -> float:
    """Net cost per DALY averted of ``focal`` against no mentorship (NaN if no DALY averted)."""
    t = table.set_index("strategy")
    de = t.loc[focal, "effect"] - t.loc[COMPARATOR, "effect"]
    return float((t.loc[focal, "cost"] - t.loc[COMPARATOR, "cost"]) / de) if de > 0 else math.nan


def winner(table: pd.DataFrame, wtp: float) -> str:
    """The strategy with the highest NMB at ``wtp`` (ties: the cheaper)."""
    nmb = wtp * table["effect"] - table["cost"]
    order = np.lexsort((table["cost"].to_numpy(), -nmb.to_numpy()))
    return str(table["strategy"].iloc[int(order[0])])


def parameter_ranges(names: Sequence[str], posterior_check: pd.DataFrame | None = None) -> dict[str, tuple]:
    """(low, high, what) per parameter: the posterior's 95% interval for calibrated ones in
    ``posterior_check``, else the declared range."""
    post = {} if posterior_check is None else posterior_check.set_index("parameter")
    out = {}
    for n in names:
        p = PARAMS_BY_NAME[n]
        if n in getattr(post, "index", ()):
            lo, hi = float(post.loc[n, "low"]), float(post.loc[n, "high"])
            out[n] = (p.kind(lo) if p.kind is not int else round(lo), p.kind(hi) if p.kind is not int
                      else round(hi), "posterior 95%")
        else:
            out[n] = (p.low, p.high, "declared range")
    return out


def _switch(xs: Sequence[float], ys: Sequence[float]) -> float:
    """The x where y crosses 0, by linear interpolation over the sorted points (NaN if none)."""
    pts = sorted(zip(xs, ys))
    for (x0, y0), (x1, y1) in itertools.pairwise(pts):
        if np.isfinite(y0) and np.isfinite(y1) and y0 * y1 < 0:
            return float(x0 + (x1 - x0) * (0 - y0) / (y1 - y0))
    return math.nan


def one_way(scenarios: Sequence, names: Sequence[str], seed: int, replicates: int, wtp: float,
            focal: str | None = None, ranges: Mapping[str, tuple] | None = None,
            evaluate: Callable | None = None, tick: Callable[[], None] | None = None,
            evaluate_all: Callable | None = None) -> pd.DataFrame:
    """The tornado table (see module docstring). ``evaluate(scenarios)`` -> strategy table
    (default: :func:`means` with ``seed`` and ``replicates``; tests pass a toy model);
    ``evaluate_all(jobs, tick)`` computes every end's table at once instead (e.g. on worker
    processes: :func:`pool_evaluate_all`)."""
    evaluate = evaluate or (lambda scs: means(scs, seed, replicates))
    focal = focal or scenarios[0].name
    ranges = ranges or {n: (PARAMS_BY_NAME[n].low, PARAMS_BY_NAME[n].high, "declared range") for n in names}
    fixed = set().union(*(set(s.overrides) for s in scenarios))
    jobs, plan = [], []  # the ends' scenarios; (parameter, its range, {end: job index or None})
    for n in names:
        if n in fixed:
            continue
        lo, hi, what = ranges[n]
        ends = {}
        for label, v in (("low", lo), ("high", hi)):
            try:
                jobs.append([s.with_params({n: v}, source="one-way sensitivity", text=False) for s in scenarios])
                ends[label] = len(jobs) - 1
            except InputError:
                ends[label] = None
        plan.append((n, lo, hi, what, ends))
    base_table = evaluate(scenarios)
    base = inmb(base_table, focal, wtp)
    tables = _evaluate_jobs(jobs, evaluate, evaluate_all, tick)
    rows = []
    for n, lo, hi, what, index in plan:
        ends = {label: None if k is None else tables[k] for label, k in index.items()}
        row = {"parameter": n, "range": what, "base_value": float(scenarios[0].params[n]),
               "low_value": float(lo), "high_value": float(hi), "inmb_base": base}
        for label in ("low", "high"):
            t = ends[label]
            row[f"inmb_{label}"] = inmb(t, focal, wtp) if t is not None else math.nan
            row[f"icer_{label}"] = icer(t, focal) if t is not None else math.nan
            row[f"winner_{label}"] = winner(t, wtp) if t is not None else "-"
        row["swing"] = abs(row["inmb_high"] - row["inmb_low"])
        row["switch_value"] = _switch([lo, row["base_value"], hi], [row["inmb_low"], base, row["inmb_high"]])
        rows.append(row)
    out = pd.DataFrame(rows)
    if len(out):
        out = out.sort_values("swing", ascending=False, na_position="last", kind="stable").reset_index(drop=True)
    out.attrs.update(wtp=wtp, focal=focal, inmb_base=base, icer_base=icer(base_table, focal))
    return out


def two_way(scenarios: Sequence, a: str, b: str, seed: int, replicates: int, wtp: float,
            focal: str | None = None, ranges: Mapping[str, tuple] | None = None, points: int = 5,
            evaluate: Callable | None = None, tick: Callable[[], None] | None = None,
            evaluate_all: Callable | None = None) -> pd.DataFrame:
    """INMB of ``focal`` on a grid of two parameters (rows: a value, b value, inmb, winner);
    ``evaluate`` and ``evaluate_all`` as for :func:`one_way`."""
    evaluate = evaluate or (lambda scs: means(scs, seed, replicates))
    focal = focal or scenarios[0].name
    ranges = ranges or {n: (PARAMS_BY_NAME[n].low, PARAMS_BY_NAME[n].high, "") for n in (a, b)}
    grid = {n: np.linspace(float(ranges[n][0]), float(ranges[n][1]), points) for n in (a, b)}
    jobs, cells = [], []
    for va in grid[a]:
        for vb in grid[b]:
            vals = {a: PARAMS_BY_NAME[a].kind(round(va) if PARAMS_BY_NAME[a].kind is int else va),
                    b: PARAMS_BY_NAME[b].kind(round(vb) if PARAMS_BY_NAME[b].kind is int else vb)}
            try:
                jobs.append([s.with_params(vals, source="two-way sensitivity", text=False) for s in scenarios])
            except InputError:
                continue
            cells.append((va, vb))
    tables = _evaluate_jobs(jobs, evaluate, evaluate_all, tick)
    rows = [{a: float(va), b: float(vb), "inmb": inmb(t, focal, wtp), "icer": icer(t, focal), "winner": winner(t, wtp)}
            for (va, vb), t in zip(cells, tables)]
    return pd.DataFrame(rows)


def scenario_settings(base: Mapping | None = None) -> list[tuple[str, str, dict]]:
    """(group, label, parameter changes) of the scenario analyses (module docstring); ``base``:
    the base case's parameters (for the perspective row; default: the declared defaults)."""
    from mentorsim.scenario import load_scenario, shipped_scenarios
    out: list[tuple[str, str, dict]] = []
    shipped = shipped_scenarios()
    for name in SSI_EVIDENCE:
        if name in shipped:
            sc = load_scenario(shipped[name])
            ssi = {k: v for k, v in sc.overrides.items() if k.startswith("ssi.")}
            label = ", ".join(f"{k} = {v:g}" for k, v in ssi.items())
            out.append(("SSI effect evidence", f"{name} ({label})", ssi))
    for f in HORIZON_FOLLOWUP_MONTHS:
        out.append(("horizon", f"{17 + f} months in all (follow-up {f} months)", {"followup.months": f}))
    for r in DISCOUNT_RATES:
        out.append(("discount rate", f"{100 * r:g}% a year (costs and effects)",
                    {"economics.discount_rate_costs": r, "economics.discount_rate_effects": r}))
    out.append(("infrastructure grant", "US$10,000 per facility in month 0",
                {"costs.infrastructure_grant": True, "costs.infrastructure_grant_usd": 10000.0}))
    mentee = not bool((base or {}).get("economics.cost_mentee_time",
                                       PARAMS_BY_NAME["economics.cost_mentee_time"].default))
    label = ("health system plus mentee time (coaching in work hours, ECHO and WhatsApp after hours)"
             if mentee else "health system only (mentee time not costed)")
    out.append(("perspective", label, {"economics.cost_mentee_time": mentee}))
    return out


def scenario_analyses(scenarios: Sequence, seed: int, replicates: int, wtps: Sequence[float],
                      settings: Sequence[tuple[str, str, dict]] | None = None, focal: str | None = None,
                      evaluate: Callable | None = None, tick: Callable[[], None] | None = None,
                      evaluate_all: Callable | None = None) -> pd.DataFrame:
    """Per setting: focal strategy's net cost and DALYs against no mentorship, ICER, and INMB and
    the winning strategy at each wtp; ``evaluate`` and ``evaluate_all`` as for :func:`one_way`."""
    evaluate = evaluate or (lambda scs: means(scs, seed, replicates))
    focal = focal or scenarios[0].name
    jobs, kept = [], []  # the settings' scenarios; per setting its job index, or the refusal
    for group, label, changes in (settings if settings is not None else scenario_settings()):
        try:
            jobs.append([s.with_params(changes, source=f"scenario analysis {group}", text=False) for s in scenarios])
            kept.append((group, label, len(jobs) - 1))
        except InputError as exc:
            kept.append((group, label, str(exc)))
    tables = _evaluate_jobs(jobs, evaluate, evaluate_all, tick)
    rows = []
    for group, label, k in kept:
        if isinstance(k, str):
            rows.append({"group": group, "setting": label, "note": k})
            continue
        t = tables[k].set_index("strategy")
        row = {"group": group, "setting": label,
               "inc_cost": float(t.loc[focal, "cost"] - t.loc[COMPARATOR, "cost"]),
               "inc_dalys": float(t.loc[focal, "effect"] - t.loc[COMPARATOR, "effect"]),
               "icer": icer(t.reset_index(), focal), "note": ""}
        for w in wtps:
            row[f"inmb_{w:g}"] = inmb(t.reset_index(), focal, w)
            row[f"winner_{w:g}"] = winner(t.reset_index(), w)
        rows.append(row)
    return pd.DataFrame(rows)


def plot_tornado(table: pd.DataFrame, path, money: str = "", top: int = 15):
    """Tornado of INMB: a bar from the low-end to the high-end value per parameter around the
    base case, the zero line where the choice switches, winners at each end as labels."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import matplotlib.ticker

    from mentorsim.plots import save_figure
    t = table.dropna(subset=["swing"]).head(top).iloc[::-1]
    base = table.attrs.get("inmb_base", float(table["inmb_base"].iloc[0]) if len(table) else 0.0)
    fig, ax = plt.subplots(figsize=(10, 1.5 + 0.38 * len(t)))
    y = np.arange(len(t))
    for k, r in enumerate(t.itertuples()):
        for v, color in ((r.inmb_low, "#1f77b4"), (r.inmb_high, "#d62728")):
            if np.isfinite(v):
                ax.barh(k, v - base, left=base, color=color, alpha=0.8, height=0.7)
        ax.text(max(r.inmb_low, r.inmb_high, base), k, f"  {r.winner_low} / {r.winner_high}", va="center",
                fontsize=7)
    ax.axvline(base, color="k", lw=1)
    ax.axvline(0, color="grey", lw=1, ls="--")
    ax.set_yticks(y)
    ax.set_yticklabels([f"{r.parameter} [{r.low_value:.3g}, {r.high_value:.3g}]" for r in t.itertuples()],
                       fontsize=8)
    unit = f" ({money})" if money else ""
    w = table.attrs.get("wtp", float("nan"))
    ax.set_xlabel(f"incremental net monetary benefit of {table.attrs.get('focal', '')} vs no mentorship\n"
                  f"at US${w:,.0f} per DALY{unit}; blue: low end, red: high end\n"
                  "dashed: 0 (left of it no mentorship wins); labels: winner at low / high end")
    lo, hi = ax.get_xlim()
    ax.set_xlim(lo, hi + 0.45 * (hi - lo))
    ax.xaxis.set_major_formatter(matplotlib.ticker.FuncFormatter(lambda x, _: f"{x:,.0f}"))
    ax.set_title("What drives the decision: one-way sensitivity")
    ax.grid(axis="x", alpha=0.3)
    return save_figure(fig, path)


def plot_two_way(grid: pd.DataFrame, a: str, b: str, path, money: str = ""):
    """Heat map of INMB over two parameters with the INMB = 0 contour (where the choice switches)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mentorsim.plots import save_figure
    wide = grid.pivot(index=b, columns=a, values="inmb")
    fig, ax = plt.subplots(figsize=(7, 5.5))
    lim = float(np.nanmax(np.abs(wide.to_numpy()))) or 1.0
    mesh = ax.pcolormesh(wide.columns, wide.index, wide.to_numpy(), cmap="RdBu", vmin=-lim, vmax=lim,
                         shading="auto")
    if np.nanmin(wide.to_numpy()) < 0 < np.nanmax(wide.to_numpy()):
        ax.contour(wide.columns, wide.index, wide.to_numpy(), levels=[0.0], colors="k")
    fig.colorbar(mesh, ax=ax, label=f"incremental net monetary benefit{' (' + money + ')' if money else ''}")
    ax.set_xlabel(a)
    ax.set_ylabel(b)
    ax.set_title("Two-way sensitivity: blue = mentorship wins, red = no mentorship; black line: the switch")
    return save_figure(fig, path)


__all__ = ["DISCOUNT_RATES", "HORIZON_FOLLOWUP_MONTHS", "SSI_EVIDENCE", "icer", "inmb", "means", "one_way",
           "parameter_ranges", "plot_tornado", "plot_two_way", "scenario_analyses", "scenario_settings",
           "two_way", "winner"]
