"""Scenario discovery: under which inputs does an outcome fall below (or rise above) a value?

PRIM (the Patient Rule Induction Method; Friedman & Fisher 1999, as used for scenario discovery by
Bryant & Lempert 2010, Technol Forecast Soc Change 77:34-49) on a sweep's stored runs, with EMA
Workbench's implementation (Kwakkel 2017, Environ Model Softw 96:239-250). Each run is a case: its
varied inputs, and whether its outcome is of interest (``outcome < below`` or ``outcome > above``).

PRIM peels a box from the whole input space a little at a time (``peel_alpha`` of the cases per
step), keeping the cases of interest dense, then pastes back where that helps. Each step of the
peeling trajectory is a candidate box with:

- coverage: share of all cases of interest that are in the box;
- density: share of the cases in the box that are of interest;
- mass: share of all cases in the box;
- quasi-p-values per restricted input (Bryant & Lempert 2010): a one-sided binomial test of
  whether removing that restriction would lower the density; small (< 0.05) means the
  restriction matters.

The chosen box is the step with the largest coverage among those whose density reaches
``threshold`` (ties: the denser). After a box is found its cases are set aside and PRIM looks for
another among the rest (up to ``max_boxes``), stopping when no box reaches the threshold.

Reading a sweep: ``runs.sqlite`` (the run store) if present, else ``runs.parquet`` or ``runs.csv``
with ``experiment.json`` naming the outputs. Failed runs and runs whose outcome is missing are
left out (and counted).
"""

from __future__ import annotations

import difflib
import json
import logging
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mentorsim.errors import input_error
from mentorsim.experiments.experiment import POSTERIOR_ROW
from mentorsim.experiments.store import FIXED_COLUMNS, STORE_FILE, RunStore

MIN_CASES = 20


@dataclass
class SweepRuns:
    """A sweep's finished runs: one row per run, its varied inputs and its outputs."""

    folder: Path
    frame: pd.DataFrame
    inputs: list[str]
    outputs: list[str]
    dropped: int = 0  # failed runs (not in frame)


def load_sweep(folder: str | Path) -> SweepRuns:
    """The runs of a sweep folder (see the module docstring); InputError if there are none."""
    folder = Path(folder)
    if not folder.is_dir():
        raise input_error(str(folder), None, "no such sweep folder (give the --out folder of mentorsim sweep)")
    if (folder / STORE_FILE).is_file():
        with RunStore.open(folder / STORE_FILE) as store:
            frame = store.frame()
            inputs, outputs = list(store.params), list(store.outputs)
    else:
        spec_file = folder / "experiment.json"
        if (folder / "runs.parquet").is_file():
            frame = pd.read_parquet(folder / "runs.parquet")
        elif (folder / "runs.csv").is_file():
            frame = pd.read_csv(folder / "runs.csv")
        else:
            raise input_error(str(folder), None, f"no {STORE_FILE}, runs.parquet or runs.csv here "
                              "(run mentorsim sweep with --out this folder first)")
        if not spec_file.is_file():
            raise input_error(str(folder), None, "runs without experiment.json: cannot tell inputs "
                              "from outputs")
        try:
            spec = json.loads(spec_file.read_text())
            outputs = list(spec["outputs"])
        except (ValueError, KeyError, TypeError) as exc:
            raise input_error(str(spec_file), "outputs", f"not a mentorsim experiment.json ({exc})") from None
        inputs = [c for c in frame.columns if c not in FIXED_COLUMNS and c not in outputs]
    # a posterior draw's row number identifies the draw; its values are inputs, the number is not
    inputs = [c for c in inputs if c != POSTERIOR_ROW]
    dropped = 0
    if "status" in frame.columns:
        done = frame["status"] == "done"
        dropped = int((~done).sum())
        frame = frame[done]
    return SweepRuns(folder, frame.reset_index(drop=True), inputs, outputs, dropped)


@dataclass
class Box:
    """One PRIM box at its chosen step of the peeling trajectory."""

    number: int
    step: int
    coverage: float
    density: float
    mass: float
    n: int
    k: int
    limits: pd.DataFrame  # index: restricted inputs; columns low, high, qp_low, qp_high, full_low, full_high
    rule: str
    meets_threshold: bool


@dataclass
class Discovery:
    """The outcome of :func:`discover`."""

    outcome: str
    direction: str  # "below" or "above"
    value: float
    threshold: float
    inputs: list[str]
    cases: int
    of_interest: int
    dropped: int
    boxes: list[Box] = field(default_factory=list)
    trajectories: list[pd.DataFrame] = field(default_factory=list)
    _prim_boxes: list = field(default_factory=list, repr=False)

    def to_dict(self) -> dict:
        return {"outcome": self.outcome, "direction": self.direction, "value": self.value,
                "threshold": self.threshold, "inputs": self.inputs, "cases": self.cases,
                "of_interest": self.of_interest, "base_rate": self.of_interest / self.cases if self.cases else None,
                "dropped_runs": self.dropped,
                "boxes": [{"box": b.number, "step": b.step, "coverage": b.coverage, "density": b.density,
                           "mass": b.mass, "cases": b.n, "of_interest": b.k, "meets_threshold": b.meets_threshold,
                           "rule": b.rule,
                           "limits": {name: {k: (None if pd.isna(v) else float(v)) for k, v in row.items()}
                                      for name, row in b.limits.iterrows()}}
                          for b in self.boxes]}


def _prim_module():
    with warnings.catch_warnings():  # the workbench warns about optional parallel back-ends on import
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim
    logging.getLogger("EMA").setLevel(logging.WARNING)
    return prim


def discover(runs: SweepRuns, outcome: str, below: float | None = None, above: float | None = None,
             inputs: Sequence[str] | None = None, threshold: float = 0.8, max_boxes: int = 3,
             peel_alpha: float = 0.05, mass_min: float = 0.05) -> Discovery:
    """PRIM boxes in which ``outcome`` is below ``below`` (or above ``above``)."""
    source = str(runs.folder)
    if outcome not in runs.outputs:
        close = difflib.get_close_matches(outcome, runs.outputs, n=1)
        hint = f"did you mean {close[0]}?" if close else f"outputs: {', '.join(runs.outputs)}"
        raise input_error(source, "--outcome", f"not an output of this sweep; {hint}", outcome)
    if (below is None) == (above is None):
        raise input_error("--below/--above", None, "give exactly one of --below X or --above X")
    if not 0 < threshold <= 1:
        raise input_error("--threshold", None, "must be a share in (0, 1]", threshold)
    if inputs is None:
        inputs = [c for c in runs.inputs if runs.frame[c].nunique(dropna=True) > 1]
    else:
        for name in inputs:
            if name not in runs.inputs:
                close = difflib.get_close_matches(name, runs.inputs, n=1)
                hint = f"did you mean {close[0]}?" if close else f"inputs: {', '.join(runs.inputs)}"
                raise input_error(source, "--inputs", f"not a varied input of this sweep; {hint}", name)
    inputs = list(inputs)
    if not inputs:
        raise input_error(source, None, "no input varies in this sweep; nothing to discover")
    frame = runs.frame[inputs + [outcome]].apply(pd.to_numeric, errors="coerce")
    missing = frame[outcome].isna()
    frame = frame[~missing].reset_index(drop=True)
    if len(frame) < MIN_CASES:
        raise input_error(source, outcome, f"{len(frame)} runs with this outcome; need at least {MIN_CASES}")
    y_values = frame[outcome].to_numpy(dtype=float)
    direction, value = ("below", float(below)) if below is not None else ("above", float(above))
    y = y_values < value if direction == "below" else y_values > value
    result = Discovery(outcome, direction, value, threshold, inputs, len(frame), int(y.sum()),
                       runs.dropped + int(missing.sum()))
    if not y.any():
        return result
    prim = _prim_module()
    x = frame[inputs].astype(float)
    with warnings.catch_warnings():  # pandas deprecation notices from inside the workbench
        warnings.simplefilter("ignore")
        # The workbench replaces a box whose density is below its threshold by the whole space, losing
        # the trajectory; so it gets a threshold just above 0 (y is 0/1, cases of interest are y >= it)
        # and the density threshold is applied here, when a step is chosen.
        finder = prim.Prim(x, y, threshold=1e-9, peel_alpha=peel_alpha, mass_min=mass_min)
    for number in range(1, max_boxes + 1):
        if not finder.yi_remaining.size or not y[finder.yi_remaining].any():
            break
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            box = finder.find_box()
        traj = box.peeling_trajectory.copy()
        ok = traj.index[traj["density"] >= threshold]
        if len(ok) == 0:
            if number > 1:  # the rest holds no box dense enough: stop
                break
            step = int(traj["density"].idxmax())
            meets = False
        else:
            best = traj.loc[ok].sort_values(["coverage", "density"], ascending=False, kind="stable")
            step = int(best.index[0])
            meets = True
        box.select(step)
        result.trajectories.append(traj)
        result._prim_boxes.append(box)
        result.boxes.append(_box(number, step, box, finder, outcome, direction, value, meets))
        if not meets or step == 0:
            break
    return result


def _box(number, step, box, finder, outcome, direction, value, meets) -> Box:
    row = box.peeling_trajectory.iloc[step]
    lims = box.box_lims[step]
    init = finder.box_init
    qp = box.qp[step]
    rows = {}
    for name in lims.columns:
        lo, hi = float(lims.loc[0, name]), float(lims.loc[1, name])
        flo, fhi = float(init.loc[0, name]), float(init.loc[1, name])
        if lo > flo or hi < fhi:
            q = qp.get(name, [np.nan, np.nan])
            rows[name] = {"low": lo, "high": hi, "qp_low": _qp(q[0]), "qp_high": _qp(q[1]),
                          "full_low": flo, "full_high": fhi}
    limits = pd.DataFrame.from_dict(rows, orient="index",
                                    columns=["low", "high", "qp_low", "qp_high", "full_low", "full_high"])
    return Box(number, step, float(row["coverage"]), float(row["density"]), float(row["mass"]),
               int(row["n"]), int(row["k"]), limits, rule_text(outcome, direction, value, limits, float(row["density"]), float(row["coverage"])), meets)


def _qp(v) -> float:
    v = float(v)
    return np.nan if v < 0 else v


def rule_text(outcome: str, direction: str, value: float, limits: pd.DataFrame, density: float,
              coverage: float) -> str:
    """The box as a sentence: "<outcome> is below X when a in [..] and b >= .. (in D% of the runs
    there; C% of all runs where it is)"."""
    parts = []
    for name, r in limits.iterrows():
        lo_cut, hi_cut = r["low"] > r["full_low"], r["high"] < r["full_high"]
        if lo_cut and hi_cut:
            parts.append(f"{name} in [{r['low']:.4g}, {r['high']:.4g}]")
        elif lo_cut:
            parts.append(f"{name} >= {r['low']:.4g}")
        else:
            parts.append(f"{name} <= {r['high']:.4g}")
    head = f"{outcome} is {direction} {value:g}"
    tail = f" (in {100 * density:.0f}% of the runs there; {100 * coverage:.0f}% of all runs where it is)"
    return (f"{head} when " + " and ".join(parts) if parts else f"{head} across the whole input space") + tail


def format_report(d: Discovery) -> str:
    """The boxes as text: rule, coverage, density, and each restriction with its quasi-p-values."""
    base = d.of_interest / d.cases if d.cases else 0.0
    lines = [f"{d.outcome} {d.direction} {d.value:g}: {d.of_interest} of {d.cases} runs "
             f"({100 * base:.0f}%)" + (f"; {d.dropped} runs left out (failed or no value)" if d.dropped else "")]
    if not d.of_interest:
        lines.append("no run is of interest: nothing to explain")
        return "\n".join(lines)
    lines.append(f"PRIM on {', '.join(d.inputs)}; box chosen at the largest coverage with density >= "
                 f"{d.threshold:g}")
    for b in d.boxes:
        flag = "" if b.meets_threshold else f" (no box reaches density {d.threshold:g}; the densest is shown)"
        lines.append(f"\nBox {b.number}{flag}: coverage {100 * b.coverage:.0f}%, density {100 * b.density:.0f}%, "
                     f"mass {100 * b.mass:.0f}% ({b.k} of {b.n} runs in the box are of interest)")
        lines.append(f"  {b.rule}")
        for name, r in b.limits.iterrows():
            lines.append(f"  {name}: [{r['low']:.4g}, {r['high']:.4g}] of [{r['full_low']:.4g}, "
                         f"{r['full_high']:.4g}]; quasi-p {_p(r['qp_low'])} (lower), {_p(r['qp_high'])} (upper)")
    lines.append("\ncoverage: share of the runs of interest inside the box; density: share of the box's "
                 "runs that are of interest; quasi-p < 0.05: the restriction matters (Bryant & Lempert 2010).")
    return "\n".join(lines)


def _p(v) -> str:
    return "-" if pd.isna(v) else (f"{v:.2g}" if v >= 1e-3 else "<0.001")


def plot_tradeoff(d: Discovery, path: str | Path, box: int = 1) -> Path:
    """Coverage against density along the peeling trajectory of box ``box``, coloured by the
    number of restricted inputs, the chosen step ringed and the density threshold dashed."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mentorsim.plots import save_figure
    traj = d.trajectories[box - 1]
    chosen = d.boxes[box - 1]
    fig, ax = plt.subplots(figsize=(7, 5.5))
    sc = ax.scatter(traj["coverage"], traj["density"], c=traj["res_dim"], cmap="viridis", s=22)
    ax.scatter([chosen.coverage], [chosen.density], s=160, facecolors="none", edgecolors="red", lw=2,
               label=f"chosen (step {chosen.step})")
    ax.axhline(d.threshold, color="grey", ls="--", lw=1, label=f"density threshold {d.threshold:g}")
    top = int(traj["res_dim"].max())
    cb = fig.colorbar(sc, ax=ax, label="restricted inputs")
    cb.set_ticks(range(0, top + 1, max(1, (top + 1) // 6)))
    ax.set_xlabel("coverage (share of runs of interest inside the box)")
    ax.set_ylabel("density (share of the box's runs of interest)")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    ax.set_title(f"PRIM peeling trajectory, box {box}: {d.outcome} {d.direction} {d.value:g}", fontsize=11)
    ax.legend(loc="lower left", fontsize=9)
    ax.grid(alpha=0.3)
    return save_figure(fig, Path(path))


def plot_box(d: Discovery, path: str | Path, box: int = 1) -> Path:
    """The chosen box: each restricted input's range as a bar on its full sweep range (0-1 scale),
    labelled with the limits and quasi-p-values."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mentorsim.plots import save_figure
    b = d.boxes[box - 1]
    lim = b.limits
    fig, ax = plt.subplots(figsize=(9, 1.2 + 0.7 * max(1, len(lim))))
    span = (lim["full_high"] - lim["full_low"]).replace(0, 1)
    lo = (lim["low"] - lim["full_low"]) / span
    hi = (lim["high"] - lim["full_low"]) / span
    y = np.arange(len(lim))[::-1]
    ax.barh(y, [1] * len(lim), color="#dddddd", height=0.6)
    ax.barh(y, hi - lo, left=lo, color="#1f77b4", height=0.6)
    for yi, (_, r), low, h in zip(y, lim.iterrows(), lo, hi):
        ax.text(low, yi + 0.36, f"{r['low']:.3g}", ha="center", fontsize=8)
        ax.text(h, yi + 0.36, f"{r['high']:.3g}", ha="center", fontsize=8)
    ax.set_yticks(y)
    ax.set_yticklabels([f"{n}\n(qp {_p(r['qp_low'])}, {_p(r['qp_high'])})" for n, r in lim.iterrows()],
                       fontsize=9)
    ax.set_xlim(-0.05, 1.05)
    ax.set_ylim(-0.6, len(lim) - 0.2)
    ax.set_xlabel("position within the input's range in the sweep (0 = lowest, 1 = highest)")
    ax.set_title(f"Box {box}: coverage {100 * b.coverage:.0f}%, density {100 * b.density:.0f}% "
                 f"({d.outcome} {d.direction} {d.value:g})", fontsize=11)
    return save_figure(fig, Path(path))
