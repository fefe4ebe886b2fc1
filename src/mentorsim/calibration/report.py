"""The fit report of a calibration: every target against the model, marginal posteriors, misses.

For each target it shows

- observed: the published value with its 95% interval (value +- 1.96 SE);
- posterior predictive: the 2.5-50-97.5 percentiles of the output over ``predictive_draws``
  parameter sets drawn from the posterior, each run once with a fresh seed (a new facility
  setting and new dynamics, none of the seeds used in fitting): parameter uncertainty plus the
  run-to-run spread of one study;
- calibrated defaults: the mean (and 95% CI) over 20 replicates, seed 1, at the point estimates,
  which is what ``mentorsim run scenarios/ss2020.toml --replicates 20`` computes;
- a verdict: met when the calibrated-defaults mean lies within the observed 95% interval.

For a target that is missed, the report says whether any particle of the prior sample
(generation 0) reached it (if none did, the model cannot reach it anywhere in the prior
ranges) and, if some did, how far those particles were from the other targets (a trade-off).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd

from mentorsim.calibration.abc import (
    RunState,
    Simulator,
    draw_posterior,
    effective_sample_size,
    posterior_frame,
    rms_z,
    simulator_for,
    summarise_posterior,
)
from mentorsim.calibration.config import CalibrationConfig
from mentorsim.parameters.cost_table import COST_PARAMS
from mentorsim.parameters.model_table import MODEL_PARAMS
from mentorsim.plots import save_figure

#: Defaults as declared in the parameter table, before any calibrated values replace them.
DECLARED_DEFAULTS = {p.name: p.default for p in MODEL_PARAMS + COST_PARAMS}
from mentorsim.results import interval  # noqa: E402

#: Seeds of the posterior-predictive runs start here (far from the fitting seeds seed + r).
PREDICTIVE_SEED_OFFSET = 100_000
CHECK_REPLICATES = 20
CHECK_SEED = 1


def posterior_predictive(config: CalibrationConfig, post: pd.DataFrame, sim: Simulator | None = None
                         ) -> pd.DataFrame:
    """One row per posterior draw: each target's output from one run with a fresh seed."""
    sim = sim or simulator_for(config)
    rng = np.random.default_rng([config.seed, PREDICTIVE_SEED_OFFSET])
    draws = draw_posterior(post[list(config.parameter_names) + ["weight"]], config.predictive_draws, rng)
    rows = []
    for i, values in enumerate(draws):
        out = sim.replicate_outputs(values, seeds=[config.seed + PREDICTIVE_SEED_OFFSET + i])[0]
        rows.append(values | out)
    return pd.DataFrame(rows)


def defaults_check(config: CalibrationConfig, point: Mapping[str, float], sim: Simulator | None = None,
                   replicates: int = CHECK_REPLICATES, seed: int = CHECK_SEED) -> pd.DataFrame:
    """The targets at the point estimates: replicates r = 0..n-1 of run seed ``seed`` (as
    ``mentorsim run --seed 1`` does). One row per replicate."""
    from mentorsim.calibration.measures import outputs_of
    from mentorsim.runner import simulate
    sim = sim or simulator_for(config)
    p = sim.params(point)
    outputs = sorted({t.output for t in config.targets})
    rows = []
    for r in range(replicates):
        o = outputs_of(simulate(p, seed=seed, replicate=r), outputs)
        rows.append({t.name: o[t.output] for t in config.targets})
    return pd.DataFrame(rows)


def fit_table(config: CalibrationConfig, predictive: pd.DataFrame, check: pd.DataFrame) -> pd.DataFrame:
    """One row per target: observed and interval, posterior predictive, calibrated defaults, verdict."""
    rows = []
    for t in config.targets:
        pp = predictive[t.name].to_numpy(dtype=float)
        pp = pp[np.isfinite(pp)]
        mean, lo, hi = interval(check[t.name].to_numpy(dtype=float))
        lo95, hi95 = t.interval95
        rows.append({
            "target": t.name, "output": t.output, "role": t.role, "observed": t.value, "se": t.se,
            "observed_low95": lo95, "observed_high95": hi95,
            "predictive_median": float(np.median(pp)) if len(pp) else np.nan,
            "predictive_low95": float(np.percentile(pp, 2.5)) if len(pp) else np.nan,
            "predictive_high95": float(np.percentile(pp, 97.5)) if len(pp) else np.nan,
            "defaults_mean": mean, "defaults_ci_low": lo, "defaults_ci_high": hi,
            "z": t.z(mean), "met": bool(lo95 <= mean <= hi95),
            "miss_by": 0.0 if lo95 <= mean <= hi95 else float(mean - hi95 if mean > hi95 else mean - lo95),
            "source": t.source,
        })
    return pd.DataFrame(rows)


def diagnose_misses(config: CalibrationConfig, table: pd.DataFrame, prior_sample: pd.DataFrame) -> list[str]:
    """For each missed target: was it reachable in the prior sample, and at what cost elsewhere."""
    notes = []
    fit = config.fit_targets
    for _, row in table[~table["met"]].iterrows():
        t = next(x for x in config.targets if x.name == row["target"])
        col = f"sim:{t.name}"
        lo95, hi95 = t.interval95
        head = (f"**{t.name}** ({t.role}): observed {t.value:g} (95% interval {lo95:.1f} to {hi95:.1f}); "
                f"calibrated defaults give {row['defaults_mean']:.2f}, missing the interval by "
                f"{row['miss_by']:+.2f} (z = {row['z']:+.2f}).")
        if col not in prior_sample:
            notes.append(head)
            continue
        v = prior_sample[col].to_numpy(dtype=float)
        inside = (v >= lo95) & (v <= hi95)
        rng = f"{np.nanmin(v):.1f} to {np.nanmax(v):.1f}"
        if not inside.any():
            notes.append(head + f" No particle of the prior sample ({len(v)} draws, generation 0) reached the "
                         f"interval: the output ranged {rng}. The model cannot reach it within the prior ranges "
                         "of the calibrated parameters.")
        else:
            others = [x for x in fit if x.name != t.name]
            cost = [rms_z({x.name: r[f"sim:{x.name}"] for x in others}, others)
                    for _, r in prior_sample[inside].iterrows()] if others else [0.0]
            overall = [rms_z({x.name: r[f"sim:{x.name}"] for x in others}, others)
                       for _, r in prior_sample.iterrows()] if others else [0.0]
            notes.append(head + f" {int(inside.sum())} of {len(v)} prior draws reached the interval (output "
                         f"ranged {rng}); their RMS z over the other fit targets was at best "
                         f"{min(cost):.2f} (prior sample median {np.median(overall):.2f}): a trade-off "
                         "with the other targets, not an unreachable value.")
    return notes


# --- plots ---------------------------------------------------------------------------------------

def plot_fit(table: pd.DataFrame, path: Path) -> Path:
    """Every target on one axis of z = (value - observed) / SE: the observed 95% interval is
    [-1.96, 1.96]; bars are posterior-predictive 95% intervals, dots the calibrated defaults."""
    n = len(table)
    fig, ax = plt.subplots(figsize=(9, 0.42 * n + 1.6))
    y = np.arange(n)[::-1]
    ax.axvspan(-1.96, 1.96, color="tab:green", alpha=0.12, label="observed 95% interval")
    ax.axvline(0, color="tab:green", lw=1)
    lo = (table["predictive_low95"] - table["observed"]) / table["se"]
    hi = (table["predictive_high95"] - table["observed"]) / table["se"]
    med = (table["predictive_median"] - table["observed"]) / table["se"]
    ax.hlines(y, lo, hi, color="tab:blue", lw=3, alpha=0.6, label="posterior predictive 95%")
    ax.plot(med, y, "|", color="tab:blue", ms=12)
    colors = np.where(table["met"], "black", "tab:red")
    ax.scatter(table["z"], y, c=colors, zorder=3, s=28, label="calibrated defaults (20 replicates)")
    labels = [f"{r.target} ({r.observed:g})" + (" [check]" if r.role == "check" else "")
              for r in table.itertuples()]
    ax.set_yticks(y, labels, fontsize=8)
    ax.set_xlabel("(simulated - observed) / SE")
    lim = float(np.nanmax(np.abs(np.r_[lo, hi, table["z"], 3.0])))
    ax.set_xlim(-min(lim, 15) - 0.5, min(lim, 15) + 0.5)
    ax.legend(loc="lower right", fontsize=8)
    ax.set_title("Fit to the published targets")
    return save_figure(fig, path, dpi=120)


def plot_posteriors(config: CalibrationConfig, post: pd.DataFrame, point: Mapping[str, float], path: Path) -> Path:
    """Weighted marginal posterior of each calibrated parameter over its prior range."""
    k = len(config.priors)
    cols = min(k, 3)
    rows = int(np.ceil(k / cols))
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 2.6 * rows), squeeze=False)
    w = post["weight"].to_numpy()
    for ax, p in zip(axes.ravel(), config.priors):
        ax.hist(post[p.name], bins=np.linspace(p.low, p.high, 31), weights=w, density=True, color="tab:blue",
                alpha=0.7, label="posterior")
        ax.axhline(1.0 / (p.high - p.low), color="grey", ls="--", lw=1, label="prior")
        ax.axvline(point[p.name], color="black", lw=1.5, label="calibrated default")
        ax.axvline(DECLARED_DEFAULTS[p.name], color="tab:orange", lw=1, ls=":", label="declared default")
        ax.set_title(p.name, fontsize=9)
        ax.set_xlim(p.low, p.high)
        ax.tick_params(labelsize=8)
    for ax in axes.ravel()[k:]:
        ax.axis("off")
    axes.ravel()[0].legend(fontsize=7)
    fig.suptitle("Marginal posteriors (weighted), prior ranges on the x axes")
    return save_figure(fig, path, dpi=120)


def plot_generations(state: RunState, path: Path) -> Path:
    g = state.generations
    fig, ax = plt.subplots(1, 2, figsize=(9, 3.2))
    ax[0].plot(g["t"], g["epsilon"].replace(np.inf, np.nan), "o-")
    ax[0].set_xlabel("generation")
    ax[0].set_ylabel("threshold (RMS z)")
    ax[1].semilogy(g["t"], g["acceptance_rate"], "o-")
    ax[1].set_xlabel("generation")
    ax[1].set_ylabel("acceptance rate")
    return save_figure(fig, path, dpi=120)


# --- the markdown ----------------------------------------------------------------------------

def _f(x, nd=1) -> str:
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.{nd}f}"


def markdown(config: CalibrationConfig, state: RunState, post: pd.DataFrame, point: Mapping[str, float],
             table: pd.DataFrame, notes: list[str], meta: Mapping) -> str:
    s = summarise_posterior(post, config.parameter_names)
    g = state.generations
    met = table[table["role"] == "fit"]["met"]
    lines = [
        f"# Calibration report: {config.name}",
        "",
        f"Configuration `{meta.get('config', config.source)}`, scenario `{config.scenario.source}`, "
        f"git commit `{meta.get('git_commit', '?')}`, mentorsim {meta.get('mentorsim_version', '?')}, "
        f"pyABC {meta.get('pyabc', '?')}, created {meta.get('created', '?')}.",
        "",
        "## Run",
        "",
        f"- ABC-SMC, population {config.population}, {config.replicates} replicates per particle "
        f"(run seeds {config.seed} to {config.seed + config.replicates - 1}), {config.workers} worker process(es).",
        f"- {len(g)} generations, {state.evaluations} particle evaluations "
        f"({state.evaluations * config.replicates} model runs), sampling wall time {state.wall_seconds / 60:.1f} min "
        f"over {len(state.sampling)} invocation(s) (git commit(s) "
        f"{', '.join(sorted({i.get('git_commit', '?')[:10] for i in state.sampling}))}).",
        f"- Stopped: {state.sampling_stop_reason}.",
        f"- Final threshold (weighted RMS z over {len(config.fit_targets)} fit targets, grouped ones sharing "
        f"their group's weight): {_f(float(g['epsilon'].iloc[-1]), 3)}; "
        f"effective sample size of the posterior {effective_sample_size(post['weight']):.0f} of {len(post)}.",
        f"- Fit targets met by the calibrated defaults: {int(met.sum())} of {len(met)}; check targets met: "
        f"{int(table[table['role'] == 'check']['met'].sum())} of {int((table['role'] == 'check').sum())}.",
        "",
        "| generation | threshold | evaluations | acceptance rate | wall time (s) |",
        "|---|---|---|---|---|",
    ]
    for r in g.itertuples():
        lines.append(f"| {r.t} | {_f(r.epsilon, 3)} | {r.samples} | {r.acceptance_rate:.3f} | {_f(r.wall_time, 1)} |")
    lines += [
        "",
        "## Targets",
        "",
        "Observed: published value [95% interval = value +- 1.96 SE]. Posterior predictive: median "
        f"[2.5%, 97.5%] of one run at each of {config.predictive_draws} posterior draws (fresh seeds). "
        f"Calibrated defaults: mean [95% CI] of {CHECK_REPLICATES} replicates, seed {CHECK_SEED}, at the point "
        "estimates. z = (defaults mean - observed) / SE.",
        "",
        "| target | role | observed [95%] | SE | posterior predictive | calibrated defaults | z | met |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.target} | {r.role} | {r.observed:g} [{r.observed_low95:.1f}, {r.observed_high95:.1f}] | {r.se:.2f} "
            f"| {_f(r.predictive_median, 2)} [{_f(r.predictive_low95, 2)}, {_f(r.predictive_high95, 2)}] "
            f"| {_f(r.defaults_mean, 2)} [{_f(r.defaults_ci_low, 2)}, {_f(r.defaults_ci_high, 2)}] "
            f"| {r.z:+.2f} | {'yes' if r.met else '**no**'} |")
    lines += ["", "![fit](fit.png)", "", "## Targets the model does not meet", ""]
    lines += [f"- {n}" for n in notes] or ["- None: every target's calibrated-defaults mean lies in its observed "
                                           "95% interval."]
    lines += [
        "",
        "## Posterior",
        "",
        f"Weighted over the last generation ({len(post)} particles). Default = the weighted posterior {config.point} "
        "(written to calibrated.toml); prior uniform on the range shown. Identified: the posterior sd as a "
        "share of the prior's (range / sqrt 12); below 0.5 the targets narrow the parameter, above 0.85 "
        "its posterior is close to its prior and its calibrated default is no better supported than the "
        "declared one.",
        "",
        "| parameter | prior | declared default | calibrated default | posterior mean | sd | 95% interval "
        "| sd / prior sd | identified |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for p in config.priors:
        q = s[p.name]
        declared = DECLARED_DEFAULTS[p.name]
        ratio = sd_ratio(q["sd"], p.low, p.high)
        lines.append(f"| `{p.name}` | U[{p.low:g}, {p.high:g}] | {declared:g} | {point[p.name]:.4g} | "
                     f"{q['mean']:.4g} | {q['sd']:.3g} | [{q['low95']:.4g}, {q['high95']:.4g}] | {ratio:.2f} "
                     f"| {identified(ratio)} |")
    lines += ["", "![posteriors](posteriors.png)", "", "![generations](generations.png)", ""]
    return "\n".join(lines)


def sd_ratio(sd: float, low: float, high: float) -> float:
    """Posterior sd over the uniform prior's sd, (high - low) / sqrt(12)."""
    return float(sd / ((high - low) / math.sqrt(12.0)))


def identified(ratio: float) -> str:
    """How much the targets narrow a parameter, from its posterior/prior sd ratio."""
    return "narrowed" if ratio < 0.5 else ("partly" if ratio <= 0.85 else "prior")


def write_report(config: CalibrationConfig, state: RunState, post: pd.DataFrame, point: Mapping[str, float],
                 stage: Path, meta: Mapping, sim: Simulator | None = None) -> pd.DataFrame:
    """Write report.md, fit.png, posteriors.png, generations.png, fit.csv and predictive.csv into
    ``stage``; return the fit table."""
    predictive = posterior_predictive(config, post, sim)
    check = defaults_check(config, point, sim)
    table = fit_table(config, predictive, check)
    prior_sample = posterior_frame(state.out_dir, config, t=0)
    notes = diagnose_misses(config, table, prior_sample)
    plot_fit(table, stage / "fit.png")
    plot_posteriors(config, post, point, stage / "posteriors.png")
    plot_generations(state, stage / "generations.png")
    table.to_csv(stage / "fit.csv", index=False, float_format="%.6g")
    predictive.to_csv(stage / "predictive.csv", index=False, float_format="%.6g")
    (stage / "report.md").write_text(markdown(config, state, post, point, table, notes, meta))
    return table

