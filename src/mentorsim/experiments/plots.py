"""The plot a sweep writes beside its results, chosen from the shape of the design.

- a grid over two parameters: one heatmap per output (mean over replicates in each cell);
- a grid over one number: each output against it, mean with its 95% interval as a band;
- a grid over one switch (or a few values): bars with 95% intervals;
- anything else (samplers, larger grids): each output against each parameter, one dot per point.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from mentorsim.experiments.designs import Design
from mentorsim.experiments.experiment import Experiment
from mentorsim.plots import human, save_figure

MAX_SCATTER_PARAMS = 6


def label(name: str, unit: str = "") -> str:
    return f"{name} ({unit})" if unit and unit not in ("bool", "share") else name


def plot_sweep(exp: Experiment, design: Design, points: pd.DataFrame, path: Path) -> Path:
    axes = [p for p in exp.params if p.with_ is None]
    if exp.method == "grid" and len(axes) == 2:
        fig = _heatmaps(exp, axes, points)
    elif exp.method == "grid" and len(axes) == 1 and (axes[0].kind is bool or len(axes[0].values) <= 3):
        fig = _bars(exp, axes[0], points)
    elif exp.method == "grid" and len(axes) == 1:
        fig = _lines(exp, axes[0], points)
    else:
        fig = _scatter(exp, points)
    title = exp.description or exp.name
    scattered = not (exp.method == "grid" and len(axes) in (1, 2))
    if scattered and len(exp.params) > MAX_SCATTER_PARAMS:
        title += f" ({MAX_SCATTER_PARAMS} of {len(exp.params)} parameters: those the outputs move with most)"
    fig.suptitle(title, fontsize=10)
    return save_figure(fig, path, dpi=90)


def _subplots(n: int, width: float = 4.2, height: float = 3.4):
    cols = min(n, 3)
    rows = int(np.ceil(n / cols))
    fig, axs = plt.subplots(rows, cols, figsize=(width * cols, height * rows + 0.4), squeeze=False)
    for ax in axs.ravel()[n:]:
        ax.set_visible(False)
    return fig, axs.ravel()


def _heatmaps(exp, axes, points):
    px, py = axes[1], axes[0]  # the first parameter down the rows, the second across
    xs, ys = list(px.values), list(py.values)
    fig, axs = _subplots(len(exp.outputs), 4.8, 3.9)
    for ax, o in zip(axs, exp.outputs):
        grid = np.full((len(ys), len(xs)), np.nan)
        for _, row in points.iterrows():
            grid[ys.index(_key(py, row[py.name])), xs.index(_key(px, row[px.name]))] = row[o]
        im = ax.imshow(grid, origin="lower", aspect="auto", cmap="viridis")
        ax.set_xticks(range(len(xs)), [_fmt(v) for v in xs])
        ax.set_yticks(range(len(ys)), [_fmt(v) for v in ys])
        ax.set_xlabel(label(px.name, px.unit))
        ax.set_ylabel(label(py.name, py.unit))
        ax.set_title(human(o), fontsize=9)
        finite = grid[np.isfinite(grid)]
        mid = (finite.min() + finite.max()) / 2 if finite.size else 0
        for i in range(len(ys)):
            for j in range(len(xs)):
                if np.isfinite(grid[i, j]):
                    ax.text(j, i, f"{grid[i, j]:.0f}", ha="center", va="center", fontsize=7,
                            color="white" if grid[i, j] < mid else "black")
        fig.colorbar(im, ax=ax, shrink=0.85)
    return fig


def _lines(exp, p, points):
    fig, axs = _subplots(len(exp.outputs))
    pts = points.sort_values(p.name)
    for ax, o in zip(axs, exp.outputs):
        x = pts[p.name].to_numpy(dtype=float)
        ax.plot(x, pts[o], marker="o", color="C0")
        ax.fill_between(x, pts[f"{o}_low"], pts[f"{o}_high"], color="C0", alpha=0.25, lw=0,
                        label="95% interval of the mean")
        ax.set_xlabel(label(p.name, p.unit))
        ax.set_title(human(o), fontsize=9)
        ax.grid(alpha=0.3)
    axs[0].legend(fontsize=7)
    return fig


def _bars(exp, p, points):
    fig, axs = _subplots(len(exp.outputs), 3.4, 3.2)
    names = [f"{p.name.split('.')[0]} {_fmt(v)}" for v in points[p.name]]
    for ax, o in zip(axs, exp.outputs):
        m = points[o].to_numpy(dtype=float)
        err = np.vstack([m - points[f"{o}_low"].to_numpy(dtype=float), points[f"{o}_high"].to_numpy(dtype=float) - m])
        ax.bar(range(len(m)), m, yerr=np.nan_to_num(err), capsize=4, color=[f"C{i}" for i in range(len(m))])
        ax.set_xticks(range(len(m)), names, fontsize=8)
        ax.set_title(human(o), fontsize=9)
        ax.grid(axis="y", alpha=0.3)
    return fig


def importance(points: pd.DataFrame, params, outputs) -> list:
    """The parameters ordered by how strongly an output moves with them: the largest absolute
    Spearman rank correlation over the outputs (0 for a parameter that never varies).

    Ranks are averaged over ties and a pair (parameter, output) uses the points where both have
    a value, as ``Series.rank().corr()`` gives them, computed with arrays (a 26,624-point
    sweep's 72 pairs: milliseconds rather than most of a second)."""
    names = [p.name for p in params]
    ranks = points[list(dict.fromkeys(names + list(outputs)))].rank()
    score = {}
    outs = [ranks[o].to_numpy(dtype=float) for o in outputs if ranks[o].nunique() > 1]
    for p in params:
        x = ranks[p.name].to_numpy(dtype=float)
        if ranks[p.name].nunique() < 2:
            score[p.name] = 0.0
            continue
        cors = [abs(_pearson(x, y)) for y in outs]
        score[p.name] = max((c for c in cors if c == c), default=0.0)
    return sorted(params, key=lambda p: -score[p.name])


def _pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's correlation of ``x`` and ``y`` over the pairs where both are finite (NaN when
    fewer than two or either is constant there), by pandas' formula (``Series.corr``) but with
    sums of products rather than ``np.dot``: BLAS's threads, on two cores busy with the export
    beside this, made each of these dot products wait (20 ms rather than 20 us)."""
    both = np.isfinite(x) & np.isfinite(y)
    if not both.all():
        x, y = x[both], y[both]
    if len(x) < 2:
        return float("nan")
    x, y = x - x.mean(), y - y.mean()
    xs, ys = np.max(np.abs(x)), np.max(np.abs(y))
    if xs == 0 or ys == 0:
        return float("nan")
    x, y = x / xs, y / ys
    fact = len(x) - 1
    dx, dy = np.sqrt(np.sum(x * x) / fact), np.sqrt(np.sum(y * y) / fact)
    if dx == 0 or dy == 0:
        return float("nan")
    return float(np.clip(np.sum(x * y) / fact / dx / dy, -1.0, 1.0))


def _scatter(exp, points):
    """Each output against the MAX_SCATTER_PARAMS parameters it moves with most (of all swept)."""
    params = importance(points, exp.params, exp.outputs)[:MAX_SCATTER_PARAMS]
    outs = exp.outputs
    fig, axs = plt.subplots(len(outs), len(params), figsize=(2.6 * len(params), 2.3 * len(outs) + 0.4),
                            squeeze=False)
    for i, o in enumerate(outs):
        for j, p in enumerate(params):
            ax = axs[i, j]
            ax.scatter(points[p.name], points[o], s=4, alpha=0.4)
            if i == len(outs) - 1:
                ax.set_xlabel(p.name, fontsize=7)
            if j == 0:
                ax.set_ylabel(human(o), fontsize=7)
            ax.tick_params(labelsize=6)
    return fig


def _key(p, v):
    if p.kind is bool:
        return bool(v)
    return p.kind(v)


def _fmt(v) -> str:
    if isinstance(v, (bool, np.bool_)):
        return "on" if v else "off"
    return f"{v:g}"
