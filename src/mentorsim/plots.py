"""Plots people would rather look at than read: PNG files via matplotlib (no screen needed).

Every plot names things as people say them (``human``: scenario titles, cost items, outputs),
gives each series its own line style and marker so results that coincide stay visible
(``style``), and prints big numbers with thousands separators (``thousands``).
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np

from mentorsim.model.people import DOMAINS
from mentorsim.results import Results
from mentorsim.scenario import load_scenario, shipped_scenarios
from mentorsim.timeline import WEEKS_PER_MONTH

#: Published composite adherence of the intervention facilities (BMJ Qual Saf 2021, Table 2).
OBSERVED_COMPOSITE = ((0, 12.0), (12, 61.0))

#: Line styles and markers cycled per series (with the colour cycle), so series that coincide
#: still show: a dashed line over a solid one, markers at staggered points.
LINESTYLES = ("-", "--", "-.", ":", (0, (5, 1, 1, 1)), (0, (3, 1, 1, 1, 1, 1)))
MARKERS = ("o", "s", "^", "v", "D", "P", "X", "*")

#: Names as people say them for cost items, modalities and the words of output keys.
WORDS = {
    "mentor_time": "mentors' time", "per_diem": "per diems (allowances)", "transport": "transport",
    "training_course": "mentor training course", "training_pairing": "mentor pairing",
    "echo_platform": "telementoring platform", "echo_data": "telementoring data bundles",
    "echo_faculty": "telementoring faculty", "whatsapp_bundles": "WhatsApp data bundles",
    "coordination": "coordination", "infrastructure_grant": "infrastructure grant",
    "in_person": "in-person visits", "mentor_training": "mentor training", "telementoring": "telementoring",
    "whatsapp": "WhatsApp", "programme": "programme",
    "no_mentorship": "No mentorship",
}
_OUTPUT_WORDS = (
    (r"_pct$", " (%)"), (r"_pp$", " (points)"), (r"_month(\d+)", r" at month \1"),
    (r"_followup(\d+)", r" \1 months after"), (r"^composite", "composite adherence"),
    (r"^skill_", "skill: "), (r"^knowledge_", "knowledge: "), (r"^did_", "DiD "),
    (r"^ssc_use", "checklist use"), (r"^ssi_rate", "SSI per 100 operations"), (r"data_use", "data use"),
    (r"checklist_safety", "checklist safety"), (r"teamwork_communication", "teamwork communication"),
    (r"_usd$", " (USD)"), (r"^echo_", "telementoring "), (r"_end\b", " at the end"),
    (r"_baseline\b", " at baseline"),
)


@functools.lru_cache(maxsize=1)
def _titles() -> dict[str, str]:
    return {name: load_scenario(path).label for name, path in shipped_scenarios().items()}


def human(name: str) -> str:
    """A scenario, cost item or output as people say it: ``in_person_only`` -> ``In-person only``
    (the shipped scenario's title), ``per_diem`` -> ``per diems (allowances)``,
    ``skill_data_use_month12`` -> ``skill: data use at month 12``; anything else with spaces for
    underscores."""
    name = str(name)
    if name in WORDS:
        return WORDS[name]
    if name in _titles():
        return _titles()[name]
    out = name
    if "_" in out:
        for pattern, repl in _OUTPUT_WORDS:
            out = re.sub(pattern, repl, out)
    return out.replace("_", " ").strip()


def style(i: int, n_points: int = 0) -> dict:
    """Keyword arguments for the ``i``-th series of a line plot: colour, line style, marker, and
    markers at points staggered between series (``n_points`` long) so coinciding lines show."""
    kw = {"color": f"C{i % 10}", "ls": LINESTYLES[i % len(LINESTYLES)], "marker": MARKERS[i % len(MARKERS)],
          "ms": 5, "mfc": "white" if i % 2 else f"C{i % 10}"}
    if n_points:
        every = max(1, n_points // 8)
        kw["markevery"] = (min(n_points - 1, (i * every) // 3 % every), every)
    return kw


def thousands(ax, axis: str = "y") -> None:
    """Print the ``axis`` tick labels with thousands separators (150,000, not 150000)."""
    from matplotlib.ticker import FuncFormatter
    fmt = FuncFormatter(lambda v, _pos: f"{v:,.0f}" if abs(v) >= 1000 or float(v).is_integer() else f"{v:,.3g}")
    for which in axis:
        (ax.xaxis if which == "x" else ax.yaxis).set_major_formatter(fmt)


def _band(results: Results, key: str, arm: int = 0):
    n = results.runs[0].n_intervention
    sl = slice(0, n) if arm == 0 else slice(n, None)
    series = np.array([100 * r.fac[key][:, sl].mean(axis=1) for r in results.runs])
    months = np.arange(series.shape[1]) / WEEKS_PER_MONTH
    return months, series.mean(axis=0), np.percentile(series, 2.5, axis=0), np.percentile(series, 97.5, axis=0)


def composite_over_time(results: Sequence[Results], path: Path, title: str | None = None) -> Path:
    """Composite indicator over time per scenario (intervention arm), 95% band over replicates,
    the first scenario's comparison arm dashed, and the published observations as points."""
    fig, ax = plt.subplots(figsize=(9, 5))
    for i, res in enumerate(results):
        months, mean, lo, hi = _band(res, "composite")
        line, = ax.plot(months, mean, lw=2, label=res.scenario.label, **style(i, len(months)))
        ax.fill_between(months, lo, hi, color=line.get_color(), alpha=0.18, lw=0)
    first = results[0]
    if first.runs[0].fac["composite"].shape[1] > first.runs[0].n_intervention:
        months, mean, lo, hi = _band(first, "composite", arm=1)
        ax.plot(months, mean, color="grey", ls="--", lw=1.5, label="comparison facilities")
        ax.fill_between(months, lo, hi, color="grey", alpha=0.12, lw=0)
    end = first.runs[0].programme_weeks / WEEKS_PER_MONTH
    ax.axvline(end, color="black", lw=0.8, ls=":")
    ax.text(end, 2, " programme ends", fontsize=8, va="bottom")
    ax.scatter(*zip(*OBSERVED_COMPOSITE), color="black", zorder=5, marker="D",
               label="observed (BMJ Qual Saf 2021)")
    ax.set_xlabel("months since the programme started")
    ax.set_ylabel("composite adherence to 14 indicators (%)")
    ax.set_ylim(0, 100)
    ax.set_title(title or "Surgical safety and teamwork practice over time (mean, 95% band)")
    ax.legend(fontsize=8, loc="upper left")
    ax.grid(alpha=0.3)
    return save_figure(fig, path)


def skills_by_domain(results: Sequence[Results], path: Path) -> Path:
    """Mean skill by domain at month 12 per scenario, with 95% confidence intervals."""
    fig, ax = plt.subplots(figsize=(9, 4.5))
    width = 0.8 / max(1, len(results))
    x = np.arange(len(DOMAINS))
    for i, res in enumerate(results):
        s = res.summary()
        means = [s[f"skill_{d}_month12"] for d in DOMAINS]
        ci = [s["ci95"][f"skill_{d}_month12"] for d in DOMAINS]
        err = np.array([[m - c[0] for m, c in zip(means, ci)], [c[1] - m for m, c in zip(means, ci)]])
        ax.bar(x + (i - (len(results) - 1) / 2) * width, means, width, yerr=err, capsize=3,
               label=res.scenario.label, color=f"C{i % 10}", hatch=("", "//", "..", "xx", "\\\\", "++")[i % 6],
               edgecolor="white")
    ax.set_xticks(x, [d.replace("_", " ") for d in DOMAINS])
    ax.set_ylabel("mean skill at month 12 (0-1)")
    ax.set_ylim(0, 1)
    ax.set_title("Mentee skills by domain at month 12 (intervention arm)")
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    return save_figure(fig, path)


def draw_attendance(ax, named: Sequence[tuple[str, Results]], colors: Sequence[str] | None = None,
                    fontsize: int = 8) -> None:
    """Telementoring attendance per session (% of eligible intervention staff) on ``ax``: mean over
    replicates with a 95% band, per (name, results); the page and the CLI both draw with this."""
    plotted = False
    for i, (name, res) in enumerate(named):
        n = res.runs[0].n_intervention
        att = np.array([r.fac["echo_attended"][:, :n].sum(axis=1) for r in res.runs])
        elig = np.array([r.fac["echo_eligible"][:, :n].sum(axis=1) for r in res.runs])
        held = elig.sum(axis=0) > 0
        if not held.any():
            continue
        share = 100 * att[:, held] / np.maximum(elig[:, held], 1)
        months = np.arange(att.shape[1])[held] / WEEKS_PER_MONTH
        kw = style(i, len(months))
        kw["ms"] = 3
        if colors:
            kw["color"] = colors[i % len(colors)]
        line, = ax.plot(months, share.mean(axis=0), lw=1.2, label=name, **kw)
        ax.fill_between(months, np.percentile(share, 2.5, axis=0), np.percentile(share, 97.5, axis=0),
                        color=line.get_color(), alpha=0.15, lw=0)
        plotted = True
    if not plotted:
        ax.text(0.5, 0.5, "no telementoring in these scenarios", ha="center", transform=ax.transAxes)
    ax.axhline(47, color="grey", ls="--", lw=1)
    ax.text(0, 48.5, "47% attended Tanzania's IPC ECHO series (Ngowi 2024)", fontsize=fontsize - 1)
    ax.set_xlabel("months since the programme started")
    ax.set_ylabel("attendance (% of eligible staff)")
    ax.set_ylim(0, 100)
    ax.set_title("Telementoring attendance per session, mean and 95% band")
    if plotted:
        ax.legend(fontsize=fontsize - 1)
    ax.grid(alpha=0.3)


def attendance(results: Sequence[Results], path: Path) -> Path:
    """Telementoring attendance per session over time, per scenario."""
    fig, ax = plt.subplots(figsize=(9, 4))
    draw_attendance(ax, [(r.scenario.label, r) for r in results])
    return save_figure(fig, path)


def facility_gains(results: Sequence[Results], path: Path) -> Path:
    """Per-facility 12-month composite gain against the facility's context (mean of leadership,
    teamwork culture and learning orientation at the start), one panel per scenario; marker size
    shows the baseline composite, the three highest and lowest gains are labelled (seed 003's
    higher and lower performers)."""
    cols = min(3, len(results))
    rows = -(-len(results) // cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.6 * cols, 3.9 * rows), squeeze=False,
                             sharex=True, sharey=True)
    for ax in axes.flat[len(results):]:
        ax.set_axis_off()
    for ax, res in zip(axes.flat, results):
        facs = res.facility_summary()
        if not facs or "context" not in facs[0]:
            ax.set_axis_off()
            continue
        ctx = np.array([f["context"] for f in facs])
        gain = np.array([f["composite_gain_pp"] for f in facs])
        base = np.array([f["composite_baseline_pct"] for f in facs])
        ax.scatter(ctx, gain, s=10 + 8 * base, alpha=0.7, edgecolor="black", lw=0.5)
        order = np.argsort(gain)
        for j in list(order[:3]) + list(order[-3:]):
            ax.annotate(str(facs[j]["id"]), (ctx[j], gain[j]), fontsize=8, xytext=(3, 3),
                        textcoords="offset points")
        ax.set_title(res.scenario.label, fontsize=10)
        ax.grid(alpha=0.3)
        ax.tick_params(labelbottom=True, labelleft=True)
        ax.set_xlabel("facility context at start (0-1)")
    for ax in axes[:, 0]:
        ax.set_ylabel("composite gain to month 12 (points)")
    fig.suptitle("Gain by facility against its context (marker size: baseline %; "
                 "labels: 3 highest and 3 lowest gains)", fontsize=10)
    return save_figure(fig, path)


def save_figure(fig, path: Path, dpi: int = 110, rect=None) -> Path:
    """Lay out ``fig`` (within ``rect``, if given), write it to ``path`` as PNG at ``dpi``, and
    close it; every PNG mentorsim writes goes through here."""
    path = Path(path)
    fig.set_dpi(dpi)  # lay out at the resolution written: text widths do not scale exactly with dpi
    if rect is None:
        fig.tight_layout()
    else:
        fig.tight_layout(rect=rect)
    fig.savefig(path, dpi=dpi)
    plt.close(fig)
    return path
