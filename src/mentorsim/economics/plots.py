"""Plots of the economic evaluation (PNG via matplotlib, Agg backend): the cost-effectiveness
plane, acceptability curves and frontier, cost breakdown, retained gains, the mentor pool.
Every money axis states the currency and price year."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from mentorsim.economics.costs import ITEMS, MODALITIES
from mentorsim.parameters.cost_table import PRICE_LABEL
from mentorsim.plots import human, save_figure, style, thousands
from mentorsim.timeline import WEEKS_PER_MONTH


def _colors(names: Sequence[str]) -> dict[str, str]:
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    return {n: cycle[i % len(cycle)] for i, n in enumerate(names)}


#: chi-square quantile with 2 degrees of freedom at 0.95: the ellipse holding 95% of a bivariate normal.
CHI2_2DF_95 = 5.991464547107979


def ellipse_points(x, y, chi2: float = CHI2_2DF_95, n: int = 100) -> np.ndarray | None:
    """[n, 2] outline of the covariance ellipse of points (x, y) around their mean, scaled to hold
    95% of a bivariate normal (``chi2``); None with fewer than 3 finite points or no spread."""
    pts = np.column_stack([np.asarray(x, float), np.asarray(y, float)])
    pts = pts[np.isfinite(pts).all(axis=1)]
    if len(pts) < 3:
        return None
    cov = np.cov(pts, rowvar=False)
    vals, vecs = np.linalg.eigh(cov)
    if not np.all(np.isfinite(vals)) or vals.max() <= 0:
        return None
    t = np.linspace(0, 2 * np.pi, n)
    circle = np.column_stack([np.cos(t), np.sin(t)])
    return pts.mean(axis=0) + (circle * np.sqrt(np.clip(vals, 0, None) * chi2)) @ vecs.T


def draw_ellipse(ax, x, y, color, label: str | None = None) -> None:
    """Outline the 95% covariance ellipse of (x, y) on ``ax`` (nothing when it is undefined)."""
    pts = ellipse_points(x, y)
    if pts is not None:
        ax.plot(pts[:, 0], pts[:, 1], color=color, lw=1.2, alpha=0.9, label=label)


def ce_plane(means: pd.DataFrame, icers: pd.DataFrame, path: Path, psa_plane: pd.DataFrame | None = None,
             wtp: Sequence[float] = (), effect_label: str = "DALYs averted") -> Path:
    """Strategies' mean (effect, net cost) against the comparator, the efficiency frontier, PSA
    draws as clouds with each strategy's 95% ellipse (parameter uncertainty) when given, and
    willingness-to-pay lines through the origin."""
    fig, ax = plt.subplots(figsize=(9, 6))
    col = _colors(list(means["strategy"]))
    if psa_plane is not None and len(psa_plane):
        for s, g in psa_plane.groupby("strategy", sort=False):
            ax.scatter(g["inc_effect"], g["inc_cost"], s=8, alpha=0.25, color=col.get(s, "grey"), lw=0)
            draw_ellipse(ax, g["inc_effect"], g["inc_cost"], col.get(s, "grey"))
        ax.plot([], [], color="grey", lw=1.2, label="95% ellipse of the PSA draws")
    for i, r in enumerate(means.itertuples(index=False)):
        ax.scatter(r.effect, r.cost, s=70, color=col[r.strategy], edgecolor="black", zorder=3,
                   marker=style(i)["marker"], label=human(r.strategy))
    front = icers[icers["status"] == "frontier"].drop_duplicates(["cost", "effect"]).sort_values("cost")
    ax.plot(front["effect"], front["cost"], color="black", lw=1.2, zorder=2, label="efficiency frontier")
    ax.autoscale_view()
    xlim, ylim = ax.get_xlim(), ax.get_ylim()
    xs = np.array([0.0, xlim[1]])
    unit = "DALY averted" if effect_label == "DALYs averted" else effect_label
    dashes = (":", "-.", "--", (0, (1, 3)), (0, (6, 2, 1, 2, 1, 2)))
    for k, w in enumerate(wtp):  # threshold lines through the origin, named in the legend (no labels to collide)
        ax.plot(xs, w * xs, ls=dashes[k % len(dashes)], lw=1, color="dimgrey", label=f"{w:,.0f} USD per {unit}")
    ax.set_xlim(xlim)
    ax.set_ylim(ylim)
    ax.axhline(0, color="grey", lw=0.6)
    ax.axvline(0, color="grey", lw=0.6)
    ax.set_xlabel(f"{effect_label} (against no mentorship, discounted)")
    ax.set_ylabel(f"Net cost ({PRICE_LABEL}, discounted)")
    ax.set_title("Cost-effectiveness plane (grey lines: willingness to pay)")
    thousands(ax, "xy")
    ax.legend(fontsize=8, loc="upper left", bbox_to_anchor=(1.01, 1.0))
    return save_figure(fig, path, dpi=120)


def ceac(curves: pd.DataFrame, path: Path, frontier: pd.DataFrame | None = None,
         marks: Sequence[float] = ()) -> Path:
    """Acceptability curves (probability each strategy is the most cost-effective) and the
    acceptability frontier (thick line: the strategy with the highest expected NMB)."""
    fig, ax = plt.subplots(figsize=(9, 5))
    col = _colors(list(curves.columns))
    x = curves.index.to_numpy(dtype=float)
    for i, s in enumerate(curves.columns):
        kw = style(i, len(x))
        kw["color"] = col[s]
        ax.plot(x, curves[s], lw=1.5, label=human(s), **kw)
    if frontier is not None and len(frontier):
        f = frontier.set_index("wtp")
        for s in f["optimal"].unique():
            m = (f["optimal"] == s).to_numpy()
            y = np.where(m, f["probability"].to_numpy(), np.nan)
            ax.plot(f.index.to_numpy(dtype=float), y, lw=5, alpha=0.35, color=col.get(s, "black"))
    for w in marks:
        ax.axvline(w, ls=":", color="grey", lw=1)
    ax.set_ylim(-0.02, 1.02)
    ax.set_xlabel(f"Willingness to pay per DALY averted ({PRICE_LABEL})")
    ax.set_ylabel("Probability most cost-effective")
    ax.set_title("Acceptability curves (thin) and frontier (thick)")
    thousands(ax, "x")
    ax.legend(fontsize=8)
    return save_figure(fig, path, dpi=120)


def cost_breakdown(items: pd.DataFrame, path: Path) -> Path:
    """Stacked bars: discounted cost by item (left) and by modality (right) per strategy."""
    fig, axes = plt.subplots(1, 2, figsize=(16, 5.5))
    wide = items.pivot_table(index="strategy", columns="item", values="cost_usd", sort=False)
    wide = wide[[i for i in ITEMS if i in wide.columns]]
    bottom = np.zeros(len(wide))
    cmap = plt.get_cmap("tab20")
    for k, item in enumerate(wide.columns):
        axes[0].bar([human(s) for s in wide.index], wide[item], bottom=bottom, color=cmap(k), label=human(item))
        bottom += wide[item].to_numpy()
    axes[0].set_title("By item")
    mod = items.groupby(["strategy", "modality"], sort=False)["cost_usd"].sum().unstack()
    mod = mod[[m for m in MODALITIES if m in mod.columns]].reindex(wide.index)
    bottom = np.zeros(len(mod))
    for k, m in enumerate(mod.columns):
        axes[1].bar([human(s) for s in mod.index], mod[m], bottom=bottom, color=plt.get_cmap("Set2")(k),
                    label=human(m))
        bottom += mod[m].to_numpy()
    axes[1].set_title("By modality")
    for ax in axes:
        ax.set_ylabel(f"Programme cost ({PRICE_LABEL}, discounted)")
        ax.tick_params(axis="x", rotation=30)
        thousands(ax)
        ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1.0))  # beside, never over a bar
    return save_figure(fig, path, dpi=120)


def retained_gain(gains: dict[str, np.ndarray], programme_weeks: int, path: Path,
                  key: str = "composite") -> Path:
    """Gain of an indicator over no mentorship (percentage points) through programme and
    follow-up, per strategy."""
    fig, ax = plt.subplots(figsize=(9, 5))
    for i, (name, g) in enumerate(gains.items()):
        series = 100 * g[key]
        ax.plot(np.arange(len(series)) / WEEKS_PER_MONTH, series, lw=2, label=human(name), **style(i, len(series)))
    ax.axvline(programme_weeks / WEEKS_PER_MONTH, ls="--", color="grey", lw=1)
    ax.annotate("programme ends", (programme_weeks / WEEKS_PER_MONTH, 0), fontsize=8, color="grey")
    ax.axhline(0, color="grey", lw=0.6)
    ax.set_xlabel("Months from programme start")
    ax.set_ylabel(f"{human(key)} gain over no mentorship (points)")
    ax.set_title("What lasts: gain over the no-mentorship run with the same seed")
    ax.legend(fontsize=8)
    return save_figure(fig, path, dpi=120)


def mentor_pool(pool: pd.DataFrame, path: Path) -> Path:
    """Local mentor pool by month per strategy: active, lost (cumulative), trained (cumulative),
    and local visits a month."""
    fig, axes = plt.subplots(1, 2, figsize=(13, 5))
    col = _colors(list(pool["strategy"].unique()))
    for i, (s, g) in enumerate(pool.groupby("strategy", sort=False)):
        marker = style(i)["marker"]
        every = max(1, len(g) // 8)
        axes[0].plot(g["month"], g["local_active"], color=col[s], lw=2, label=f"{human(s)}: active",
                     marker=marker, markevery=(i % every, every))
        axes[0].plot(g["month"], g["local_trained"], color=col[s], lw=1, ls="--")
        axes[0].plot(g["month"], g["local_lost"], color=col[s], lw=1, ls=":")
        kw = style(i, len(g))
        kw["color"] = col[s]
        axes[1].plot(g["month"], g["local_visits"], lw=1.5, label=human(s), **kw)
    axes[0].set_title("Local mentors: active (solid), trained (dashed), lost (dotted)")
    axes[0].set_ylabel("local mentors (people)")
    axes[1].set_title("Facility visits by local mentors per month")
    axes[1].set_ylabel("visits by local mentors per month")
    for ax in axes:
        ax.set_xlabel("Months from programme start")
        ax.legend(fontsize=7)
    return save_figure(fig, path, dpi=120)
