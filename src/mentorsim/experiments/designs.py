"""Designs: the parameter values of every design point of an experiment.

- ``grid``: the full factorial of the listed values (first parameter varies slowest); parameters
  declared ``with`` another move together with it (zipped) instead of being crossed.
- ``lhs``: Latin hypercube, ``n`` points (SALib ``sample.latin``).
- ``sobol``: Saltelli's extension of the Sobol' sequence, ``n * (2k + 2)`` points with
  second-order indices or ``n * (k + 2)`` without (SALib ``sample.sobol``, scrambled).
- ``morris``: ``trajectories * (k + 1)`` points on a ``levels``-level grid (SALib ``sample.morris``).
- ``fast``: extended FAST, ``n * k`` points (SALib ``sample.fast_sampler``, interference ``m``).

Calibrated parameters the design does not vary (``Experiment.drawn``) are set per replicate by
:func:`calibrated_draws`: replicate ``r`` of every design point gets the same values (common
random numbers, as for the model's streams), from a generator seeded by the experiment seed and
``r`` alone, so a replicate's draw does not depend on the number of replicates, the order or the
workers. ``"posterior"`` picks one row of the installed posterior with probability proportional
to its weight and takes all its values together (joint: the posterior's correlations are kept);
``"ranges"`` draws each parameter uniformly over its declared (prior) range (whole numbers on
``[low - 0.5, high + 0.5]``, rounded).

Samplers draw uniformly within each parameter's bounds. A whole-number parameter is sampled on
``[low - 0.5, high + 0.5]`` and rounded, so each whole value in ``[low, high]`` is equally likely;
the sampled (unrounded) matrix is kept for the analysis. Every sampler is seeded from the
experiment seed alone, so the same file always gives the same design.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from mentorsim.errors import input_error
from mentorsim.experiments.experiment import POSTERIOR_ROW, Experiment, design_size
from mentorsim.parameters.model_table import PARAMS_BY_NAME

#: Spawn key of the design's random stream (distinct from the model's streams).
DESIGN_STREAM = 0x64657369
#: Spawn key of the calibrated-parameter draws ("cali"), distinct from the design's and the model's.
CALIBRATED_STREAM = 0x63616C69


@dataclass(frozen=True)
class Design:
    """The design points of an experiment.

    Attributes:
        names: parameter names (columns).
        kinds: their types (float, int, bool).
        values: [points, k] values as run (whole numbers rounded, switches 0/1).
        sample: [points, k] the sampler's raw matrix (grids: same as ``values``), for SALib analyze.
        problem: SALib problem dict (``num_vars``, ``names``, ``bounds``).
    """

    method: str
    names: tuple[str, ...]
    kinds: tuple[type, ...]
    values: np.ndarray
    sample: np.ndarray
    problem: dict

    @property
    def n_points(self) -> int:
        return int(self.values.shape[0])

    def point(self, i: int) -> dict[str, Any]:
        """Parameter values of design point ``i``, typed as the parameters are."""
        return {n: _cast(k, v) for n, k, v in zip(self.names, self.kinds, self.values[i])}

    def points(self) -> list[dict[str, Any]]:
        return [self.point(i) for i in range(self.n_points)]


def design_rng(seed: int) -> np.random.Generator:
    """The design's generator, derived from the experiment seed alone."""
    return np.random.default_rng(np.random.SeedSequence(entropy=int(seed), spawn_key=(DESIGN_STREAM,)))


def problem_of(exp: Experiment) -> dict:
    """SALib problem: names and sampling bounds (whole numbers widened by half a unit)."""
    bounds = []
    for p in exp.params:
        if p.values is not None:
            lo, hi = float(min(p.values)), float(max(p.values))
        else:
            lo, hi = p.low, p.high
            if p.kind is int:
                lo, hi = lo - 0.5, hi + 0.5
        bounds.append([lo, hi])
    return {"num_vars": len(exp.params), "names": list(exp.names), "bounds": bounds}


def build_design(exp: Experiment) -> Design:
    """The design of ``exp`` (deterministic in the experiment file)."""
    problem = problem_of(exp)
    kinds = tuple(p.kind for p in exp.params)
    if exp.method == "grid":
        sample = full_grid(exp)
        values = sample
    else:
        sample = _sample(exp, problem)
        values = sample.copy()
        for j, p in enumerate(exp.params):
            if p.kind is int:
                values[:, j] = np.clip(np.rint(values[:, j]), p.low, p.high)
            else:  # guard the bounds against rounding in the samplers' scaling
                values[:, j] = np.clip(values[:, j], p.low, p.high)
    assert values.shape == (design_size(exp), len(exp.params))
    return Design(exp.method, exp.names, kinds, values, sample, problem)


def full_grid(exp: Experiment) -> np.ndarray:
    """Every combination of the listed values; ``with`` parameters zipped to their partner."""
    axes = [p for p in exp.params if p.with_ is None]
    followers = {p.name: [q for q in exp.params if q.with_ == p.name] for p in axes}
    col = {p.name: j for j, p in enumerate(exp.params)}
    rows = []
    for combo in itertools.product(*[range(len(p.values)) for p in axes]):
        row = np.empty(len(exp.params))
        for p, idx in zip(axes, combo):
            row[col[p.name]] = float(p.values[idx])
            for q in followers[p.name]:
                row[col[q.name]] = float(q.values[idx])
        rows.append(row)
    return np.array(rows, dtype=float).reshape(len(rows), len(exp.params))


def _sample(exp: Experiment, problem: dict) -> np.ndarray:
    # deliberately lazy: SALib (and its scipy/pandas imports) only for sampled designs, not grids
    from SALib.sample import fast_sampler, latin, morris, sobol
    rng = design_rng(exp.seed)
    o = exp.options
    if exp.method == "lhs":
        return latin.sample(problem, o["n"], seed=rng)
    if exp.method == "sobol":
        seed = int(rng.integers(1, 2**31 - 1))
        return sobol.sample(problem, o["n"], calc_second_order=o["second_order"], scramble=True, seed=seed)
    if exp.method == "morris":
        return morris.sample(problem, o["trajectories"], num_levels=o["levels"], seed=rng)
    if exp.method == "fast":
        return fast_sampler.sample(problem, o["n"], M=o["m"], seed=rng)
    raise ValueError(exp.method)


def calibrated_rng(seed: int, replicate: int) -> np.random.Generator:
    """The generator of replicate ``replicate``'s calibrated-parameter draw (experiment seed alone)."""
    ss = np.random.SeedSequence(entropy=int(seed), spawn_key=(CALIBRATED_STREAM, int(replicate)))
    return np.random.Generator(np.random.PCG64(ss))


def experiment_posterior(exp: Experiment) -> pd.DataFrame | None:
    """The installed posterior (the PSA's loader, validated) for mode ``"posterior"``; None otherwise.
    InputError if it is needed but missing, or lacks a drawn parameter."""
    if exp.calibrated != "posterior" or not exp.drawn:
        return None
    from mentorsim.economics.psa import POSTERIOR_FILE, load_posterior  # one loader, as the PSA's
    post = load_posterior()
    if post is None:
        raise input_error(exp.path, "design.calibrated", f"no installed posterior (data/{POSTERIOR_FILE}) to "
                          'draw from; run `mentorsim calibrate`, or set calibrated = "fixed"', "posterior")
    missing = [n for n in exp.drawn if n not in post.columns]
    if missing:
        raise input_error(exp.path, "design.calibrated", f"data/{POSTERIOR_FILE} has no column {missing[0]} "
                          '(calibrated parameter); recalibrate, or set calibrated = "fixed"', "posterior")
    return post


def calibrated_draws(exp: Experiment, replicates, posterior: pd.DataFrame | None = None) -> dict[int, dict]:
    """For each replicate, the values of the calibrated parameters it draws (``exp.drawn``), plus
    the posterior row they came from (``posterior_row``, mode ``"posterior"``); ``{}`` per replicate
    with ``"fixed"``. ``posterior``: from :func:`experiment_posterior` (loaded if not given)."""
    if exp.calibrated == "fixed" or not exp.drawn:
        return {int(r): {} for r in replicates}
    if exp.calibrated == "posterior" and posterior is None:
        posterior = experiment_posterior(exp)
    out = {}
    for r in replicates:
        rng = calibrated_rng(exp.seed, r)
        values: dict[str, Any] = {}
        if exp.calibrated == "posterior":
            w = posterior["weight"].to_numpy(dtype=float)
            row = int(rng.choice(len(w), p=w / w.sum()))
            for n in exp.drawn:
                values[n] = _cast(PARAMS_BY_NAME[n].kind, float(posterior[n].iloc[row]))
            values[POSTERIOR_ROW] = row
        else:  # "ranges": independent uniform draws over the declared (prior) ranges
            for n, u in zip(exp.drawn, rng.random(len(exp.drawn))):
                p = PARAMS_BY_NAME[n]
                if p.kind is int:
                    values[n] = int(np.clip(np.rint(p.low - 0.5 + u * (p.high - p.low + 1)), p.low, p.high))
                else:
                    values[n] = float(p.low + u * (p.high - p.low))
        out[int(r)] = values
    return out


def posterior_fingerprint(exp: Experiment, posterior: pd.DataFrame | None) -> str:
    """SHA-256 (16 hex) of the posterior a sweep draws from ("" when it draws none)."""
    if posterior is None:
        return ""
    cols = sorted(posterior.columns)
    return hashlib.sha256(posterior[cols].to_csv(index=False).encode()).hexdigest()[:16]


def design_hash(exp: Experiment, design: Design, posterior: pd.DataFrame | None = None) -> str:
    """Fingerprint of what a sweep computes: a store made by another design (or drawing from
    another posterior) is refused."""
    h = hashlib.sha256()
    spec = exp.spec()
    spec.pop("description", None)
    spec.pop("analysis", None)
    spec.pop("name", None)
    spec.pop("base", None)  # where the base came from does not matter; its values do
    h.update(json.dumps(spec, sort_keys=True, default=str).encode())
    h.update(np.ascontiguousarray(design.values).tobytes())
    if posterior is not None:
        h.update(posterior_fingerprint(exp, posterior).encode())
    return h.hexdigest()[:16]


def _cast(kind: type, v: float):
    if kind is bool:
        return bool(v >= 0.5)
    if kind is int:
        return int(round(v))
    return float(v)
