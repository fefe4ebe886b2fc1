"""Global sensitivity analysis of a finished sweep, with SALib.

For each output of interest, the outcome ``Y`` at a design point is its mean over the point's
replicates (replicate ``r`` shares random streams across points, so what varies between points is
the parameters, not the noise). Then, by design method:

- ``sobol`` (Saltelli sample): first-order ``S1``, total ``ST`` and, if the design has them,
  second-order ``S2`` indices, each with a bootstrap confidence interval (SALib ``analyze.sobol``).
  ``S1_i = V[E(Y|x_i)] / V(Y)``; ``ST_i = E[V(Y|x_~i)] / V(Y)``; ``S2_ij`` the share of ``V(Y)``
  due to the interaction of ``x_i`` and ``x_j`` alone.
- ``morris``: ``mu*`` (mean absolute elementary effect, with its interval), ``mu`` and ``sigma``
  (spread of the effects: non-linearity or interactions) (SALib ``analyze.morris``).
- ``fast``: extended FAST ``S1`` and ``ST`` with intervals (SALib ``analyze.fast``).
- ``lhs``: ``S1`` by random balance designs FAST (SALib ``analyze.rbd_fast``); first order only.

A grid has no sensitivity indices (use its plot). The analysis needs every run of the design
stored as done; an output with no value at some point (e.g. a retention share when there was no
gain to retain) is reported as skipped, with the reason. Bootstrap intervals are seeded from the
experiment seed, so the same sweep always gives the same intervals.

Plots: horizontal bars of the indices with their intervals, one panel per output, and a heatmap
of the second-order indices (the interactions) when the design has them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mentorsim.errors import input_error
from mentorsim.experiments.designs import Design
from mentorsim.experiments.experiment import Experiment

ANALYZED = ("sobol", "morris", "fast", "lhs")
#: The index each method's bar chart sorts by, and the indices it draws.
MAIN_INDEX = {"sobol": "ST", "fast": "ST", "lhs": "S1", "morris": "mu_star"}
BARS = {"sobol": ("S1", "ST"), "fast": ("S1", "ST"), "lhs": ("S1",), "morris": ("mu_star", "sigma")}
#: Most parameters drawn in one bar chart panel (the largest by the main index; all are in the CSV).
MAX_BARS = 25


@dataclass
class SensitivityResult:
    """Indices of every analysed output.

    Attributes:
        table: long table, one row per (output, parameter, index): ``value``, ``conf`` (half-width
            of the ``conf_level`` interval; NaN where the method gives none).
        second_order: output -> (S2, S2_conf) matrices [k, k] (upper triangle), Sobol only.
        skipped: output -> why it could not be analysed.
    """

    method: str
    names: tuple[str, ...]
    outputs: tuple[str, ...]
    table: pd.DataFrame
    second_order: dict = field(default_factory=dict)
    skipped: dict = field(default_factory=dict)
    n_points: int = 0
    replicates: int = 0
    conf_level: float = 0.95

    def index(self, output: str, name: str) -> pd.Series:
        """One index (e.g. ``"ST"``) of ``output`` for every parameter, in parameter order."""
        return self._column(output, name, "value")

    def conf(self, output: str, name: str) -> pd.Series:
        """The half-width of the interval of :meth:`index` (NaN where the method gives none)."""
        return self._column(output, name, "conf")

    def _column(self, output: str, name: str, col: str) -> pd.Series:
        # The table split by (output, index) once (the plots and the text ask ~160 times: a
        # boolean mask over the whole table each time was most of a second for a Sobol design)
        cache = self.__dict__.get("_split")
        if cache is None or cache[0] is not self.table:
            groups = {key: t.set_index("parameter") for key, t in self.table.groupby(["output", "index"], sort=False)}
            cache = self.__dict__["_split"] = (self.table, groups, {})
        _, groups, made = cache
        if (output, name, col) not in made:
            t = groups.get((output, name))
            t = self.table.iloc[:0].set_index("parameter") if t is None else t
            made[(output, name, col)] = t[col].reindex(list(self.names))
        return made[(output, name, col)]

    def to_dict(self) -> dict:
        out = {"method": self.method, "parameters": list(self.names), "n_points": self.n_points,
               "replicates": self.replicates, "conf_level": self.conf_level, "skipped": self.skipped,
               "indices": {}}
        for o in self.outputs:
            if o in self.skipped:
                continue
            t = self.table[self.table["output"] == o]
            out["indices"][o] = {idx: {r.parameter: {"value": _f(r.value), "conf": _f(r.conf)}
                                       for r in g.itertuples()} for idx, g in t.groupby("index", sort=False)}
            if o in self.second_order:
                s2, c2 = self.second_order[o]
                out["indices"][o]["S2"] = [
                    {"parameters": [self.names[i], self.names[j]], "value": _f(s2[i, j]), "conf": _f(c2[i, j])}
                    for i in range(len(self.names)) for j in range(i + 1, len(self.names))]
        return out


def analysis_seed(exp: Experiment) -> int:
    """Seed of the bootstrap, from the experiment seed; never 0 (SALib's sobol treats 0 as none)."""
    ss = np.random.SeedSequence(entropy=exp.seed, spawn_key=(0x73656E73,))
    return int(ss.generate_state(1, np.uint32)[0]) or 1


def outcome_matrix(exp: Experiment, design: Design, frame: pd.DataFrame) -> dict[str, np.ndarray]:
    """Per output, [points] mean over replicates (NaN where no replicate gave a value).

    Raises InputError if any run of the design is missing or failed.
    """
    total = design.n_points * exp.replicates
    done = frame[frame["status"] == "done"]
    if len(done) < total:
        failed = int((frame["status"] == "failed").sum())
        missing = total - len(frame)
        example = frame.loc[frame["status"] == "failed", "error"].head(1).tolist()
        raise input_error(exp.path, None, f"sensitivity needs every run of the design done: {missing} missing, "
                          f"{failed} failed of {total}" + (f" (e.g. {example[0]})" if example else "")
                          + "; finish with `mentorsim sweep --resume` (and --retry-failed), or narrow the bounds")
    done = done.sort_values("run_id")
    out = {}
    for o in exp.outputs:
        y = done[o].to_numpy(dtype=float).reshape(design.n_points, exp.replicates)
        with np.errstate(invalid="ignore"):
            count = np.isfinite(y).sum(axis=1)
            out[o] = np.where(count > 0, np.nansum(np.where(np.isfinite(y), y, 0.0), axis=1) / np.maximum(count, 1),
                              np.nan)
    return out


def analyze(exp: Experiment, design: Design, frame: pd.DataFrame) -> SensitivityResult:
    """Sensitivity indices of every output of ``exp`` from its stored runs ``frame``."""
    if exp.method not in ANALYZED:
        raise input_error(exp.path, "design.method", "sensitivity indices need a sampled design; allowed: "
                          + ", ".join(ANALYZED) + " (a grid's answer is its plot: mentorsim sweep)", exp.method)
    ys = outcome_matrix(exp, design, frame)
    rows, second, skipped = [], {}, {}
    for o, y in ys.items():
        bad = int((~np.isfinite(y)).sum())
        if bad:
            skipped[o] = f"no value at {bad} of {len(y)} design points"
            continue
        if np.ptp(y) == 0:
            skipped[o] = "the output does not vary over the design (every index would be 0/0)"
            continue
        res = analyze_output(exp, design, y)
        for idx in res:
            if idx.endswith("_conf") or idx in ("S2", "names"):
                continue
            vals = np.asarray(res[idx], dtype=float)
            confs = np.asarray(res.get(f"{idx}_conf", np.full(len(vals), np.nan)), dtype=float)
            for name, v, c in zip(design.names, vals, confs):
                rows.append({"output": o, "parameter": name, "index": idx, "value": float(v), "conf": float(c)})
        if "S2" in res:
            second[o] = (np.asarray(res["S2"], dtype=float), np.asarray(res["S2_conf"], dtype=float))
    table = pd.DataFrame(rows, columns=["output", "parameter", "index", "value", "conf"])
    return SensitivityResult(method=exp.method, names=design.names, outputs=exp.outputs, table=table,
                             second_order=second, skipped=skipped, n_points=design.n_points,
                             replicates=exp.replicates, conf_level=exp.analysis["conf_level"])


def analyze_output(exp: Experiment, design: Design, y: np.ndarray) -> dict:
    """SALib analysis of one output vector ``y`` (one value per design point)."""
    problem = design.problem
    nres, conf = exp.analysis["num_resamples"], exp.analysis["conf_level"]
    seed = analysis_seed(exp)
    if exp.method == "sobol":
        if "groups" not in problem and seed:
            return sobol_indices(problem, y, exp.options["second_order"], nres, conf, seed)
        from SALib.analyze import sobol  # deliberately lazy, as each method's below: SALib's
        # analyzers import much of scipy (rbd_fast: scipy.signal, 0.13 s), each only for its method
        res = sobol.analyze(problem, y, calc_second_order=exp.options["second_order"], num_resamples=nres,
                            conf_level=conf, seed=seed)
        return {k: res[k] for k in ("S1", "S1_conf", "ST", "ST_conf", "S2", "S2_conf") if k in res}
    if exp.method == "morris":
        from SALib.analyze import morris
        res = morris.analyze(problem, design.sample, y, num_resamples=nres, conf_level=conf,
                             num_levels=exp.options["levels"], seed=seed)
        return {"mu_star": res["mu_star"], "mu_star_conf": res["mu_star_conf"], "mu": res["mu"],
                "sigma": res["sigma"]}
    if exp.method == "fast":
        # SALib's FAST bootstrap seeds numpy's global generator; keep the caller's state untouched.
        # SALib warns that its FAST bootstrap intervals are indicative only; the docs and the
        # printed table say so, so the warning is not repeated for every output.
        import warnings

        from SALib.analyze import fast
        state = np.random.get_state()  # noqa: NPY002 - restoring the global state SALib changes
        try:
            with warnings.catch_warnings():
                warnings.filterwarnings("ignore", message="FAST confidence intervals")
                res = fast.analyze(problem, y, M=exp.options["m"], num_resamples=nres, conf_level=conf,
                                   seed=seed)
        finally:
            np.random.set_state(state)  # noqa: NPY002 - see above
        return {k: res[k] for k in ("S1", "S1_conf", "ST", "ST_conf")}
    if exp.method == "lhs":
        from SALib.analyze import rbd_fast
        res = rbd_fast.analyze(problem, design.sample, y, num_resamples=nres, conf_level=conf, seed=seed)
        return {"S1": res["S1"], "S1_conf": res["S1_conf"]}
    raise ValueError(exp.method)


def sobol_indices(problem: dict, y: np.ndarray, second_order: bool, num_resamples: int, conf_level: float,
                  seed: int) -> dict:
    """SALib's ``analyze.sobol`` (1.6; serial, seeded, no groups) to the last bit, with the
    bootstrap's shared work done once: SALib gathers the resampled ``A``, ``B`` and their variance
    again for every index and every pair, and computes each pair's two first-order terms afresh,
    although they are the first-order bootstrap's own arrays (12 parameters with interactions:
    ~0.15 s an output -> ~0.03 s). The same numpy expressions on the same arrays in the same order,
    so the same floats (tests/test_sensitivity.py compares with SALib's, bit for bit).

    Returns S1, S1_conf, ST, ST_conf and, with ``second_order``, S2 and S2_conf ([k, k], upper
    triangle; NaN elsewhere)."""
    from warnings import warn

    from scipy.stats import norm
    d = problem["num_vars"]
    step = 2 * d + 2 if second_order else d + 2
    if y.size % step:
        raise RuntimeError("Incorrect number of samples in model output file. Confirm that calc_second_order "
                           "matches option used during sampling.")
    if not 0 < conf_level < 1:
        raise RuntimeError("Confidence level must be between 0-1.")
    n = y.size // step
    y = (y - y.mean()) / y.std()
    a, b = y[0:y.size:step], y[step - 1:y.size:step]
    ab = np.zeros((n, d))
    ba = np.zeros((n, d)) if second_order else None
    for j in range(d):
        ab[:, j] = y[j + 1:y.size:step]
        if second_order:
            ba[:, j] = y[j + 1 + d:y.size:step]
    r = np.random.default_rng(seed).integers(n, size=(n, num_resamples))
    z = norm.ppf(0.5 + conf_level / 2)
    eps = np.finfo(float).eps
    const = "Constant values encountered, indicating model evaluations (or subset of evaluations) produced " \
            "identical values."

    def var_of(a_, b_):  # SALib's normalising variance, or None where it returns zeros (and warns)
        both = np.r_[a_, b_]
        if np.ptp(both) <= eps:
            return None
        return np.var(both, axis=0)

    def first(a_, ab_, b_, v):
        if v is None:
            warn(const, stacklevel=2)
            return np.zeros(np.shape(a_)[1:], dtype=np.float64)
        return np.divide(np.mean(b_ * (ab_ - a_), axis=0), v, out=np.zeros_like(v, dtype=np.float64), where=v > eps)

    def total(a_, ab_, b_, v):
        if v is None:
            warn(const, stacklevel=2)
            return np.zeros(np.shape(a_)[1:], dtype=np.float64)
        return np.divide(0.5 * np.mean((a_ - ab_) ** 2, axis=0), v, out=np.zeros_like(v, dtype=np.float64),
                         where=v > eps)

    out = {k: np.zeros(d) for k in ("S1", "S1_conf", "ST", "ST_conf")}
    v, ar, br = var_of(a, b), a[r], b[r]
    vr = var_of(ar, br)
    var_diff = np.ptp(np.r_[ar, br])
    s1_boot, ab_r = [], []
    for j in range(d):
        abj = ab[:, j]
        abr = ab[r, j]
        out["S1"][j] = first(a, abj, b, v)
        boot = first(ar, abr, br, vr)
        out["S1_conf"][j] = z * boot.std(ddof=1) if var_diff != 0.0 else 0.0
        out["ST"][j] = total(a, abj, b, v)
        boot_t = total(ar, abr, br, vr)
        out["ST_conf"][j] = z * boot_t.std(ddof=1) if var_diff != 0.0 else 0.0
        s1_boot.append(boot)
        ab_r.append(abr)
    if second_order:
        out["S2"], out["S2_conf"] = np.full((d, d), np.nan), np.full((d, d), np.nan)
        s1 = out["S1"]  # the same floats SALib's second_order computes again
        arbr = ar * br
        zero = np.zeros(np.shape(ar)[1:], dtype=np.float64)
        for j in range(d):
            baj, bajr = ba[:, j], ba[r, j]
            for k in range(j + 1, d):
                if v is None:  # SALib's second_order: zeros (warned)
                    warn(const, stacklevel=2)
                    out["S2"][j, k] = 0.0
                else:
                    vjk = np.divide(np.mean(baj * ab[:, k] - a * b, axis=0), v, out=np.zeros_like(v, dtype=np.float64),
                                    where=v > eps)
                    out["S2"][j, k] = vjk - s1[j] - s1[k]
                if vr is None:
                    warn(const, stacklevel=2)
                    boot = zero
                else:
                    vjk = np.divide(np.mean(bajr * ab_r[k] - arbr, axis=0), vr, out=np.zeros_like(vr, dtype=np.float64),
                                    where=vr > eps)
                    boot = vjk - s1_boot[j] - s1_boot[k]
                out["S2_conf"][j, k] = z * boot.std(ddof=1)
    return out


# -- plots and files ---------------------------------------------------------------------------
def plot_indices(result: SensitivityResult, path: Path) -> Path:
    """Horizontal bars with interval whiskers, one panel per output, sorted by the main index
    (the MAX_BARS largest when there are more parameters)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mentorsim.plots import save_figure

    outs = [o for o in result.outputs if o not in result.skipped]
    k = min(len(result.names), MAX_BARS)
    cols = min(3, max(1, len(outs)))
    rows = int(np.ceil(max(1, len(outs)) / cols))
    fig, axs = plt.subplots(rows, cols, figsize=(6.2 * cols, 0.34 * k * rows + 1.4 * rows), squeeze=False)
    bars = BARS[result.method]
    for ax, o in zip(axs.ravel(), outs):
        order = result.index(o, MAIN_INDEX[result.method]).sort_values().index.tolist()[-k:]
        ypos = np.arange(len(order))
        h = 0.8 / len(bars)
        for b, idx in enumerate(bars):
            v = result.index(o, idx).reindex(order).to_numpy()
            c = result.conf(o, idx).reindex(order).to_numpy()
            ax.barh(ypos + (b - (len(bars) - 1) / 2) * h, v, height=h, label=_index_label(idx),
                    xerr=None if np.all(np.isnan(c)) else np.nan_to_num(c), capsize=2, color=f"C{b}")
        ax.set_yticks(ypos, order, fontsize=7)
        ax.axvline(0, color="k", lw=0.6)
        ax.set_title(o if k == len(result.names) else f"{o} (largest {k} of {len(result.names)})", fontsize=9)
        ax.grid(axis="x", alpha=0.3)
        ax.legend(fontsize=7, loc="lower right")
    for ax in axs.ravel()[len(outs):]:
        ax.set_visible(False)
    fig.suptitle(f"{result.method} sensitivity: {result.n_points} points x {result.replicates} replicates; "
                 f"whiskers = {result.conf_level:.0%} interval", fontsize=9)
    return save_figure(fig, path, dpi=90, rect=(0, 0, 1, 0.97))


def plot_second_order(result: SensitivityResult, path: Path) -> Path | None:
    """Heatmap of the second-order indices S2 (interactions), one panel per output."""
    if not result.second_order:
        return None
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mentorsim.plots import save_figure

    outs = [o for o in result.outputs if o in result.second_order]
    k = len(result.names)
    cols = min(2, len(outs))
    rows = int(np.ceil(len(outs) / cols))
    size = max(4.0, 0.45 * k + 2)
    fig, axs = plt.subplots(rows, cols, figsize=(size * cols, size * rows), squeeze=False)
    short = [n.split(".", 1)[-1] for n in result.names]
    for ax, o in zip(axs.ravel(), outs):
        s2, c2 = result.second_order[o]
        m = np.full((k, k), np.nan)
        iu = np.triu_indices(k, 1)
        m[iu] = s2[iu]
        lim = max(0.05, np.nanmax(np.abs(m)) if np.isfinite(m).any() else 0.05)
        im = ax.imshow(m, cmap="RdBu_r", vmin=-lim, vmax=lim)
        for i, j in zip(*iu):
            if np.isfinite(m[i, j]) and abs(m[i, j]) >= 0.01:
                sig = abs(m[i, j]) > c2[i, j]
                ax.text(j, i, f"{m[i, j]:.2f}" + ("" if sig else "?"), ha="center", va="center", fontsize=6)
        ax.set_xticks(range(k), short, rotation=90, fontsize=6)
        ax.set_yticks(range(k), short, fontsize=6)
        ax.set_title(f"S2: {o}", fontsize=9)
        fig.colorbar(im, ax=ax, shrink=0.7)
    for ax in axs.ravel()[len(outs):]:
        ax.set_visible(False)
    fig.suptitle("second-order Sobol indices (interactions); '?' = interval includes 0", fontsize=9)
    return save_figure(fig, path, dpi=90)


def text_table(result: SensitivityResult, top: int = 12) -> str:
    """The indices as text: per output, parameters sorted by the main index."""
    lines = []
    bars = BARS[result.method]
    main = MAIN_INDEX[result.method]
    for o in result.outputs:
        if o in result.skipped:
            lines.append(f"{o}: skipped ({result.skipped[o]})")
            continue
        lines.append(f"{o}:")
        order = result.index(o, main).sort_values(ascending=False).index.tolist()
        width = max([len(n) for n in result.names] + [len("parameter")])
        head = "  " + "parameter".ljust(width) + "".join(f"  {_index_label(i):>20}" for i in bars)
        lines.append(head)
        for name in order[:top]:
            cells = []
            for idx in bars:
                v, c = result.index(o, idx)[name], result.conf(o, idx)[name]
                cells.append(f"{v:.3f}" + (f" ± {c:.3f}" if np.isfinite(c) else ""))
            lines.append("  " + name.ljust(width) + "".join(f"  {c:>20}" for c in cells))
        if o in result.second_order:
            s2, c2 = result.second_order[o]
            iu = np.triu_indices(len(result.names), 1)
            pairs = sorted(zip(s2[iu], c2[iu], iu[0], iu[1]), key=lambda t: -np.nan_to_num(t[0]))[:3]
            lines.append("  largest interactions (S2): " + "; ".join(
                f"{result.names[i]} x {result.names[j]} {v:.3f} ± {c:.3f}" for v, c, i, j in pairs))
    lines.append(f"{result.method}: {result.n_points} design points x {result.replicates} replicates; "
                 f"± = half-width of the {result.conf_level:.0%} bootstrap interval"
                 + (" (indicative only for FAST, SALib issue 649)." if result.method == "fast" else "."))
    return "\n".join(lines)


def _index_label(idx: str) -> str:
    return {"S1": "S1 (first order)", "ST": "ST (total)", "mu_star": "mu* (Morris)",
            "sigma": "sigma (Morris)"}.get(idx, idx)


def _f(x):
    x = float(x)
    return x if np.isfinite(x) else None
