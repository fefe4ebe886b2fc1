"""Designs: the parameter values of every design point of an experiment.

- ``grid``: the full factorial of the listed values (first parameter varies slowest); parameters
  declared ``with`` another move together with it (zipped) instead of being crossed.
- ``lhs``: Latin hypercube, ``n`` points (SALib ``sample.latin``).
- ``sobol``: Saltelli's extension of the Sobol' sequence, ``n * (2k + 2)`` points with
  second-order indices or ``n * (k + 2)`` without (SALib ``sample.sobol``, scrambled).
- ``morris``: ``trajectories * (k + 1)`` points on a ``levels``-level grid (SALib ``sample.morris``).
- ``fast``: extended FAST, ``n * k`` points (SALib ``sample.fast_sampler``, interference ``m``).

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

from mentorsim.experiments.experiment import Experiment, design_size

#: Spawn key of the design's random stream (distinct from the model's streams).
DESIGN_STREAM = 0x64657369


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


def design_hash(exp: Experiment, design: Design) -> str:
    """Fingerprint of what a sweep computes: a store made by another design is refused."""
    h = hashlib.sha256()
    spec = exp.spec()
    spec.pop("description", None)
    spec.pop("analysis", None)
    spec.pop("name", None)
    spec.pop("base", None)  # where the base came from does not matter; its values do
    h.update(json.dumps(spec, sort_keys=True, default=str).encode())
    h.update(np.ascontiguousarray(design.values).tobytes())
    return h.hexdigest()[:16]


def _cast(kind: type, v: float):
    if kind is bool:
        return bool(v >= 0.5)
    if kind is int:
        return int(round(v))
    return float(v)
