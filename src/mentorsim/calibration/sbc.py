"""Simulation-based calibration (SBC; Talts et al. 2018, Modrák et al. 2023) of the calibration's
inference: draw a parameter from the prior, simulate data from it, compute the posterior, and
record where the truth falls in it. Over many repetitions that position (the posterior CDF at
the truth, the probability integral transform, PIT) is uniform on [0, 1] if, and only if, the
posterior is calibrated: too narrow a posterior piles PITs at 0 and 1, too wide a one in the
middle, a biased one on one side.

The inference checked is the calibration's measurement model: the observed targets are the
model's replicate-mean outputs plus independent normal errors with each target's standard error
inflated by 1/sqrt(weight) (a weighted squared z is a z with that larger SE); the posterior is
the prior times that likelihood, computed by importance sampling from one reference table of
prior draws (the Gaussian-kernel ABC of Wilkinson 2013, whose kernel is the measurement error).
ABC-SMC approximates the same posterior with a shrinking uniform tolerance; its sampler is
checked by parameter recovery (tests/test_calibration.py), this module checks that the model,
its targets and their weights give calibrated posteriors.

Each trial holds out one row of the reference table as the truth, so its own simulation never
enters its posterior.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from mentorsim.calibration.config import Prior, Target


@dataclass(frozen=True)
class SbcResult:
    """PITs of one SBC study.

    Attributes:
        names: parameter names (columns of ``pit``).
        pit: [trials, parameters] posterior CDF at the truth, in [0, 1].
        ess: [trials] effective sample size of each trial's importance-sampled posterior.
    """

    names: tuple[str, ...]
    pit: np.ndarray
    ess: np.ndarray

    def uniformity_pvalues(self, bins: int = 10) -> dict[str, float]:
        """Chi-square p-value of each parameter's PIT histogram against the uniform."""
        return {n: uniformity_pvalue(self.pit[:, j], bins) for j, n in enumerate(self.names)}

    def coverage(self, level: float) -> dict[str, float]:
        """Share of trials whose central ``level`` posterior interval covers the truth."""
        return {n: central_coverage(self.pit[:, j], level) for j, n in enumerate(self.names)}


def uniformity_pvalue(pit, bins: int = 10) -> float:
    """Chi-square goodness-of-fit p-value of PITs in ``bins`` equal bins against the uniform."""
    from scipy.stats import chisquare
    counts, _ = np.histogram(np.clip(np.asarray(pit, dtype=float), 0, 1), bins=bins, range=(0, 1))
    return float(chisquare(counts).pvalue)


def central_coverage(pit, level: float) -> float:
    """Share of PITs inside the central ``level`` interval [(1 - level)/2, (1 + level)/2]."""
    p = np.asarray(pit, dtype=float)
    lo, hi = (1 - level) / 2, (1 + level) / 2
    return float(np.mean((p >= lo) & (p <= hi)))


def weighted_pit(samples, weights, truth: float, u: float) -> float:
    """Posterior CDF at ``truth`` from weighted samples; ties split by the uniform ``u``."""
    s = np.asarray(samples, dtype=float)
    w = np.asarray(weights, dtype=float)
    return float(w[s < truth].sum() + u * w[s == truth].sum())


def target_arrays(targets: Sequence[Target]) -> tuple[np.ndarray, np.ndarray]:
    """(SE, weight) of each fit target, in order."""
    return (np.array([t.se for t in targets], dtype=float), np.array([t.weight for t in targets], dtype=float))


def observe(y_true, targets: Sequence[Target], rng: np.random.Generator) -> np.ndarray:
    """Synthetic observed targets: the simulated outputs plus the measurement error the distance
    assumes, normal with SD = SE / sqrt(weight)."""
    se, w = target_arrays(targets)
    return np.asarray(y_true, dtype=float) + rng.normal(0.0, se / np.sqrt(w))


def posterior_weights(y_table, y_obs, targets: Sequence[Target], exclude: int | None = None) -> np.ndarray:
    """Importance weights of the reference-table rows: exp(-1/2 sum_k w_k z_k^2), normalised.

    Rows with a non-finite output get weight 0; ``exclude`` (the held-out truth) too.
    """
    se, w = target_arrays(targets)
    z = (np.asarray(y_table, dtype=float) - np.asarray(y_obs, dtype=float)) / se
    logw = -0.5 * np.sum(w * z * z, axis=1)
    logw[~np.isfinite(logw)] = -np.inf
    if exclude is not None:
        logw[exclude] = -np.inf
    logw -= np.max(logw)
    out = np.exp(logw)
    return out / out.sum()


def sbc(theta, y_table, targets: Sequence[Target], names: Sequence[str], trials: int,
        rng: np.random.Generator, y_infer=None, se_scale: float = 1.0) -> SbcResult:
    """Run ``trials`` SBC trials on a reference table.

    Args:
        theta: [draws, parameters] prior draws.
        y_table: [draws, targets] the model's outputs for each draw (fit targets, in order).
        targets: the fit targets (SEs and weights).
        names: parameter names.
        trials: how many rows (the first ``trials``) are held out in turn as the truth.
        rng: the study's random numbers (observation errors, tie breaks).
        y_infer: outputs the inference believes (default ``y_table``); a different table, or
            ``se_scale`` != 1 (the SEs the inference uses, as a multiple of the true ones), makes a
            deliberately miscalibrated posterior (negative controls in the tests).
    """
    if any(t.side != "two-sided" for t in targets):
        raise ValueError("SBC needs two-sided targets (a one-sided pattern has no normal error model)")
    theta = np.asarray(theta, dtype=float)
    y_table = np.asarray(y_table, dtype=float)
    y_infer = y_table if y_infer is None else np.asarray(y_infer, dtype=float)
    infer_targets = [_scaled(t, se_scale) for t in targets] if se_scale != 1.0 else list(targets)
    if trials > len(theta):
        raise ValueError(f"trials ({trials}) exceed the reference table ({len(theta)} draws)")
    pit = np.empty((trials, theta.shape[1]))
    ess = np.empty(trials)
    for i in range(trials):
        y_obs = observe(y_table[i], targets, rng)
        w = posterior_weights(y_infer, y_obs, infer_targets, exclude=i)
        ess[i] = 1.0 / np.sum(w * w)
        for j in range(theta.shape[1]):
            pit[i, j] = weighted_pit(theta[:, j], w, theta[i, j], rng.uniform())
    return SbcResult(tuple(names), pit, ess)


def _scaled(t: Target, k: float) -> Target:
    from dataclasses import replace
    return replace(t, se=t.se * k)


def prior_table(priors: Sequence[Prior], n: int, rng: np.random.Generator) -> np.ndarray:
    """[n, parameters] draws from the uniform priors."""
    lo = np.array([p.low for p in priors])
    hi = np.array([p.high for p in priors])
    return lo + (hi - lo) * rng.uniform(size=(n, len(priors)))


def model_table(simulator: Callable[[Mapping[str, float]], Mapping[str, float]], priors: Sequence[Prior],
                theta, targets: Sequence[Target]) -> np.ndarray:
    """[draws, targets] the simulator's outputs (``calibration.abc.Simulator``) for each draw."""
    rows = []
    for th in np.asarray(theta, dtype=float):
        out = simulator({p.name: float(v) for p, v in zip(priors, th, strict=True)})
        rows.append([out[t.name] for t in targets])
    return np.asarray(rows, dtype=float)
