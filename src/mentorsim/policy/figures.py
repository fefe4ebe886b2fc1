"""Figures of the page, its PNG export and the report (matplotlib, Agg, no screen).

Built with matplotlib's object interface (``Figure``), not ``pyplot``: the page draws in
worker threads, and pyplot's global state is not safe there. Each function takes the runs of
the comparison (app_compute.ScenarioRun) and returns a Figure; ``png`` turns it into bytes.
Bands are the 2.5-97.5 percentiles of single replicates (the spread a run can have).
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from mentorsim.economics.plots import draw_ellipse
from mentorsim.model.people import DOMAINS
from mentorsim.plots import OBSERVED_COMPOSITE, draw_attendance, human, style, thousands
from mentorsim.policy import economics as app_econ
from mentorsim.timeline import WEEKS_PER_MONTH

COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b")
COMPARATOR_COLOR = "#7f7f7f"


def _style(i: int, n_points: int = 0) -> dict:
    """plots.style with the page's colours: each run its own colour, line style and markers."""
    kw = style(i, n_points)
    kw["color"] = COLORS[i % len(COLORS)]
    if kw.get("mfc") != "white":
        kw["mfc"] = kw["color"]
    return kw


def png(fig: Figure, dpi: int = 100) -> bytes:
    """The figure as PNG bytes."""
    FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


def _months(rows: int) -> np.ndarray:
    return np.arange(rows) / WEEKS_PER_MONTH


def _facility_band(results, key: str):
    n = results.runs[0].n_intervention
    series = np.array([100 * r.fac[key][:, :n].mean(axis=1) for r in results.runs])
    return series.mean(axis=0), np.percentile(series, 2.5, axis=0), np.percentile(series, 97.5, axis=0)


def _end_line(ax, run, y: float = 2.0) -> None:
    end = run.results.runs[0].programme_weeks / WEEKS_PER_MONTH
    ax.axvline(end, color="black", lw=0.8, ls=":")
    ax.text(end, y, " programme ends", fontsize=7, va="bottom")


def _message(ax, text: str) -> None:
    ax.text(0.5, 0.5, text, ha="center", va="center", transform=ax.transAxes, fontsize=9, wrap=True)
    ax.set_xticks([])
    ax.set_yticks([])


def composite(runs: Sequence, ax=None) -> Figure:
    """Composite adherence to the 14 indicators over time, intervention facilities, each scenario
    with its band, no mentorship (the first scenario's setting) dashed, observations as points."""
    fig = None
    if ax is None:
        fig = Figure(figsize=(8, 4.2))
        ax = fig.add_subplot()
    for i, run in enumerate(runs):
        mean, lo, hi = _facility_band(run.results, "composite")
        m = _months(len(mean))
        ax.plot(m, mean, lw=2, label=run.name, **_style(i, len(m)))
        ax.fill_between(m, lo, hi, color=COLORS[i % len(COLORS)], alpha=0.18, lw=0)
    if runs:
        mean, lo, hi = _facility_band(runs[0].comparator, "composite")
        m = _months(len(mean))
        ax.plot(m, mean, color=COMPARATOR_COLOR, ls="--", lw=1.5, label="no mentorship")
        ax.fill_between(m, lo, hi, color=COMPARATOR_COLOR, alpha=0.12, lw=0)
        _end_line(ax, runs[0])
    ax.scatter(*zip(*OBSERVED_COMPOSITE), color="black", marker="D", zorder=5, s=25,
               label="observed (BMJ Qual Saf 2021)")
    ax.set_xlabel("months since the programme started")
    ax.set_ylabel("composite adherence (%)")
    ax.set_ylim(0, 100)
    ax.set_title("Safety and teamwork practice (14 indicators), mean and 95% band")
    ax.legend(fontsize=7, loc="upper left")
    ax.grid(alpha=0.3)
    if fig is not None:
        fig.tight_layout()
    return fig


def skills(runs: Sequence) -> Figure:
    """Mean mentee skill (0-1) by domain over time, intervention facilities, with bands."""
    fig = Figure(figsize=(9, 5.2))
    axes = fig.subplots(2, 2, sharex=True, sharey=True).ravel()
    for j, (ax, dom) in enumerate(zip(axes, DOMAINS)):
        for i, run in enumerate(list(runs) + ([runs[0]] if runs else [])):
            res = run.results if i < len(runs) else run.comparator
            series = np.array([r.arm_domain["skill"][:, 0, j] for r in res.runs])
            m = _months(series.shape[1])
            color = COLORS[i % len(COLORS)] if i < len(runs) else COMPARATOR_COLOR
            label = run.name if i < len(runs) else "no mentorship"
            kw = _style(i, len(m)) if i < len(runs) else {"color": color, "ls": "--"}
            kw["ms"] = 3
            ax.plot(m, series.mean(axis=0), lw=1.6, label=label, **kw)
            ax.fill_between(m, np.percentile(series, 2.5, axis=0), np.percentile(series, 97.5, axis=0),
                            color=color, alpha=0.15, lw=0)
        if runs:
            _end_line(ax, runs[0], 0.02)
        ax.set_title(dom.replace("_", " "), fontsize=9)
        ax.set_ylim(0, 1)
        ax.grid(alpha=0.3)
    axes[0].legend(fontsize=7, loc="upper left")
    for ax in axes[2:]:
        ax.set_xlabel("months since the programme started")
    for ax in axes[::2]:
        ax.set_ylabel("mean skill (0-1)")
    fig.suptitle("Mentee skills by domain, mean and 95% band", fontsize=10)
    fig.tight_layout()
    return fig


def attendance(runs: Sequence) -> Figure:
    """Telementoring attendance per session (% of eligible staff), intervention facilities."""
    fig = Figure(figsize=(8, 3.6))
    draw_attendance(fig.add_subplot(), [(run.name, run.results) for run in runs], COLORS, fontsize=8)
    fig.tight_layout()
    return fig


def costs_by_item(runs: Sequence, ax=None) -> Figure:
    """Discounted programme cost by item per scenario (stacked bars), from the economics."""
    fig = None
    if ax is None:
        fig = Figure(figsize=(8, 4))
        ax = fig.add_subplot()
    strategies = [r.economics for r in runs if r.economics is not None]
    if not strategies:
        _message(ax, "Costs not available:\n" + (runs[0].econ_message if runs else "no runs"))
    else:
        items = app_econ.items(strategies)
        wide = items.pivot_table(index="strategy", columns="item", values="cost_usd", sort=False)
        wide = wide[[c for c in dict.fromkeys(items["item"]) if c in wide.columns]]
        wide = wide.loc[:, wide.abs().sum() > 0]
        bottom = np.zeros(len(wide))
        cmap = matplotlib.colormaps["tab20"]
        for k, item in enumerate(wide.columns):
            ax.bar([human(x) for x in wide.index], wide[item].to_numpy(), bottom=bottom, color=cmap(k % 20),
                   label=human(item))
            bottom += wide[item].to_numpy()
        thousands(ax)
        ax.set_ylabel(f"cost ({app_econ.price_label()}, discounted)")
        ax.set_title("Programme cost by item (mean over replicates)")
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.0, 1.0))
        ax.grid(alpha=0.3, axis="y")
    if fig is not None:
        fig.tight_layout()
    return fig


def cost_effect_plane(runs: Sequence, effect: str = "dalys_averted", ax=None) -> Figure:
    """Net cost against effect, each scenario relative to no mentorship (the origin), each with
    the 95% covariance ellipse of its replicates (seed noise; economics.plots.draw_ellipse), with
    lines of constant cost per unit of effect at 0.34, 0.5 and 1 x GDP per capita."""
    fig = None
    if ax is None:
        fig = Figure(figsize=(9, 4.5))
        ax = fig.add_subplot()
    strategies = [r.economics for r in runs if r.economics is not None]
    label, _unit = app_econ.EFFECTS[effect]
    if not strategies:
        _message(ax, "Cost-effectiveness not available:\n" + (runs[0].econ_message if runs else "no runs"))
    else:
        ce = app_econ.cost_effect(strategies)
        for i, (row, s) in enumerate(zip(ce.itertuples(index=False), strategies)):
            ax.scatter(getattr(row, effect), row.cost_net_usd, s=60, color=COLORS[i % len(COLORS)],
                       marker=_style(i)["marker"], edgecolor="black", zorder=3, label=human(row.strategy))
            rec = s.records()
            draw_ellipse(ax, rec[effect], rec["cost_net_usd"], COLORS[i % len(COLORS)])
        if any(len(s.records()) >= 3 for s in strategies):
            ax.plot([], [], color="grey", lw=1.2, label="95% ellipse over replicates (seed noise)")
        ax.scatter([0], [0], s=40, color=COMPARATOR_COLOR, marker="s", zorder=3, label="no mentorship")
        xmax = max(1e-9, float(np.nanmax(np.abs(ce[effect].to_numpy())))) * 1.2
        if effect == "dalys_averted":
            gdp = float(strategies[0].params["economics.gdp_per_capita_usd"])
            for mult, ls in ((0.34, ":"), (0.5, "-."), (1.0, "--")):
                ax.plot([0, xmax], [0, mult * gdp * xmax], color="grey", lw=0.8, ls=ls,
                        label=f"{mult * gdp:,.0f} USD per DALY ({mult:g} x GDP per capita)")
        ax.axhline(0, color="black", lw=0.6)
        ax.axvline(0, color="black", lw=0.6)
        ax.set_xlim(min(0, float(np.nanmin(ce[effect]))) * 1.2 - 0.05 * xmax, xmax)
        ax.set_xlabel(f"{label}, vs no mentorship")
        ax.set_ylabel(f"net cost ({app_econ.price_label()})")
        ax.set_title("Cost against effect, relative to no mentorship")
        thousands(ax)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))
        ax.grid(alpha=0.3)
    if fig is not None:
        fig.tight_layout()
    return fig


def gain_over_comparator(runs: Sequence, ax=None) -> Figure:
    """What lasts: composite gain over no mentorship (same seed and setting), in points, through
    the programme and the follow-up; mean and 95% band over replicates."""
    fig = None
    if ax is None:
        fig = Figure(figsize=(8, 3.8))
        ax = fig.add_subplot()
    for i, run in enumerate(runs):
        n = run.results.runs[0].n_intervention
        gain = np.array([100 * (a.fac["composite"][:, :n].mean(axis=1) - b.fac["composite"][:, :n].mean(axis=1))
                         for a, b in zip(run.results.runs, run.comparator.runs)])
        m = _months(gain.shape[1])
        ax.plot(m, gain.mean(axis=0), lw=2, label=run.name, **_style(i, len(m)))
        ax.fill_between(m, np.percentile(gain, 2.5, axis=0), np.percentile(gain, 97.5, axis=0),
                        color=COLORS[i % len(COLORS)], alpha=0.15, lw=0)
    if runs:
        _end_line(ax, runs[0], 0.5)
        end = runs[0].results.runs[0].programme_weeks / WEEKS_PER_MONTH
        ax.axvline(end + 24, color="grey", lw=0.8, ls="--")
        ax.text(end + 24, 0.5, " 24 months after", fontsize=7, va="bottom")
    ax.axhline(0, color="black", lw=0.6)
    ax.set_xlabel("months since the programme started")
    ax.set_ylabel("composite gain (points)")
    ax.set_title("What lasts: composite gain over no mentorship")
    if runs:
        ax.legend(fontsize=7)
    ax.grid(alpha=0.3)
    if fig is not None:
        fig.tight_layout()
    return fig


def dashboard(runs: Sequence) -> Figure:
    """The PNG export: composite over time, what lasts, costs by item, cost against effect."""
    fig = Figure(figsize=(15, 9))
    axes = fig.subplots(2, 2).ravel()
    composite(runs, ax=axes[0])
    gain_over_comparator(runs, ax=axes[1])
    costs_by_item(runs, ax=axes[2])
    cost_effect_plane(runs, ax=axes[3])
    seeds = sorted({r.seed for r in runs})
    reps = sorted({r.replicates for r in runs})
    fig.suptitle(f"mentorsim comparison: {', '.join(r.name for r in runs)} "
                 f"(seed {', '.join(map(str, seeds))}; {', '.join(map(str, reps))} replicates)", fontsize=11)
    fig.tight_layout()
    return fig


def _param_label(name: str) -> str:
    """``ssi.case_fatality_other`` -> ``SSI: case fatality other`` (the section, then the key)."""
    section, _, key = name.partition(".")
    section = {"ssi": "SSI", "ssc": "SSC", "echo": "ECHO"}.get(section, section)
    return f"{section}: {human(key)}" if key else human(name)


def tornado(table, top: int = 12) -> Figure:
    """What drives the decision: per parameter (``economics.oneway.one_way``'s table, sorted by
    swing), the incremental net monetary benefit of the scenario against no mentorship at the
    parameter's low end (blue) and high end (red) around the base case; left of the dashed zero
    line no mentorship is the better buy. The winner at each end is written beside the bar."""
    t = table.dropna(subset=["swing"]).head(top).iloc[::-1]
    base = float(table.attrs.get("inmb_base", table["inmb_base"].iloc[0] if len(table) else 0.0))
    wtp = float(table.attrs.get("wtp", float("nan")))
    fig = Figure(figsize=(10, 1.8 + 0.36 * max(1, len(t))), layout="constrained")
    ax = fig.add_subplot()
    if not len(t):
        _message(ax, "No parameter moved the decision.")
        return fig
    for k, r in enumerate(t.itertuples()):
        for v, color, lab in ((r.inmb_low, "#1f77b4", "low end of the range"),
                              (r.inmb_high, "#d62728", "high end of the range")):
            if np.isfinite(v):
                ax.barh(k, v - base, left=base, color=color, alpha=0.85, height=0.7,
                        label=lab if k == 0 else None)
        right = max(x for x in (r.inmb_low, r.inmb_high, base) if np.isfinite(x))
        ax.text(right, k, f"  {human(r.winner_low)} / {human(r.winner_high)}", va="center", fontsize=7)
    ax.axvline(base, color="black", lw=1, label=f"base case ({base:,.0f})")
    ax.axvline(0, color="grey", lw=1, ls="--", label="0: the choice switches")
    ax.set_yticks(np.arange(len(t)))
    ax.set_yticklabels([f"{_param_label(r.parameter)} [{r.low_value:,.4g} to {r.high_value:,.4g}]"
                        for r in t.itertuples()], fontsize=8)
    lo, hi = ax.get_xlim()
    ax.set_xlim(lo, hi + 0.4 * (hi - lo))  # room for the winners' names
    thousands(ax, "x")
    focal = human(table.attrs.get("focal", ""))
    ax.set_xlabel(f"net monetary benefit of {focal} vs no mentorship\n({app_econ.price_label()}, at "
                  f"{wtp:,.0f} USD per DALY averted); beside each bar: the better buy at the low / high end",
                  fontsize=8)
    ax.set_title("What drives the decision: each parameter alone over its range", fontsize=10)
    ax.legend(fontsize=7, loc="lower right")
    ax.grid(axis="x", alpha=0.3)
    return fig
