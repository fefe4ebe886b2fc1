"""Calibration inputs: the published targets and the calibration configuration, validated on load.

Two TOML files describe a calibration (see docs/CALIBRATION.md):

``targets.toml``: one table per target, ``[targets.NAME]`` with

    output       what the model produces to compare with it: a key of ``results.OUTCOME_DOCS``
                 or of ``calibration_outputs.EXTRA_OUTPUTS``
    value        the published figure, in the output's unit
    n            sample size of a published proportion (percent): the standard error is then
                 computed from it (Agresti-Coull, see :func:`proportion_se`); or
    se           the standard error, stated directly, with ``se_from`` saying how it was derived
    se_extra     optional extra uncertainty (same unit) added in quadrature, e.g. for a
                 definition that differs between the study and the model; ``se_extra_why``
    role         ``"fit"`` (enters the distance) or ``"check"`` (reported only: no calibrated
                 parameter can move it, or the datum is too uncertain to fit)
    side         ``"two-sided"`` (default) or ``"above"``: a pattern that only says the output is at
                 least ``value`` (e.g. a positive correlation); its z is min(0, simulated - value) / se
                 and it is met when the output is at least ``value``
    group        optional name of a ``[groups.NAME]`` table: targets that are correlated measurements
                 (e.g. 12 survey items answered by the same 25 people) share one weight in the distance
    source       citation key (sources.SOURCES)
    description  one line

and optionally ``[groups.NAME]`` tables with ``effective_targets`` (how many independent targets the
group's members are worth together, > 0) and ``why``: each member then weighs
``effective_targets / members`` in the distance instead of 1.

``ss2020.toml`` (the configuration): a ``[calibration]`` table (scenario, targets file, seed,
replicates per particle, population, stopping rule, budget, workers, distance, point estimate),
``[calibration.fixed]`` overrides that leave every target unchanged but make runs cheaper, and
one ``[parameters."name"]`` table per calibrated parameter (prior uniform on the declared range
unless ``low``/``high`` narrow it, with ``why``).

Anything wrong raises :class:`~mentorsim.errors.InputError` with one line naming the file, the
key, the value and what is allowed.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path

from mentorsim.calibration.measures import known_outputs
from mentorsim.errors import input_error, read_toml
from mentorsim.parameters.model_table import PARAMS_BY_NAME
from mentorsim.parameters.sources import SOURCES
from mentorsim.scenario import Scenario, load_scenario
from mentorsim.validation import choice, known_keys, number, string, suggest, whole

ROLES = ("fit", "check")
DISTANCES = ("rms_z",)
POINTS = ("median", "mean", "best")
PRIORS = ("uniform",)

SIDES = ("two-sided", "above")
TARGET_KEYS = {"output", "value", "n", "se", "se_from", "se_extra", "se_extra_why", "role", "source",
               "description", "side", "group"}
GROUP_KEYS = {"effective_targets", "why", "source"}
CALIBRATION_KEYS = {
    "name": "short name of the calibration",
    "scenario": "scenario file (relative to this file)",
    "targets": "targets file (relative to this file)",
    "seed": "run seed: replicate r of every particle runs the model with seed + r",
    "replicates": "model replicates averaged per particle",
    "population": "particles per ABC-SMC generation",
    "generations": "maximum number of generations",
    "min_epsilon": "stop when the acceptance threshold (RMS z-score) falls to this",
    "min_acceptance_rate": "stop when a generation's acceptance rate would fall below this",
    "budget_evaluations": "maximum particle evaluations over the whole history (resumes included)",
    "budget_minutes": "maximum wall time of one invocation (minutes)",
    "workers": "worker processes (pyABC MulticoreEvalParallelSampler; 1 = in-process)",
    "distance": "distance between simulated and observed targets",
    "point": "point estimate written as the calibrated default",
    "predictive_draws": "posterior draws simulated for the posterior-predictive intervals",
    "quantile": "acceptance threshold of the next generation: this quantile of the last distances",
}
PARAMETER_KEYS = {"prior", "low", "high", "why"}


@dataclass(frozen=True)
class Target:
    """One published target.

    Attributes:
        name: key in targets.toml.
        output: the model output compared with it.
        value: published value (output's unit).
        se: total standard error used to weight it (sampling and extra, in quadrature).
        se_sampling: the sampling part of it.
        se_note: how the standard error was derived (one line).
        role: ``fit`` or ``check``.
        source: citation key.
        description: one line.
        n: sample size for proportions (None otherwise).
        side: ``two-sided`` or ``above`` (a one-sided pattern: at least ``value``).
        group: the ``[groups.NAME]`` it belongs to, or None.
        weight: its weight in the distance (1, or the group's effective_targets / members).
    """

    name: str
    output: str
    value: float
    se: float
    se_sampling: float
    se_note: str
    role: str
    source: str
    description: str
    n: int | None = None
    side: str = "two-sided"
    group: str | None = None
    weight: float = 1.0

    def z(self, simulated: float) -> float:
        """(simulated - observed) / se; for a one-sided ``above`` pattern only a shortfall counts."""
        d = simulated - self.value
        return (min(d, 0.0) if self.side == "above" else d) / self.se

    @property
    def interval95(self) -> tuple[float, float]:
        """Where the output meets the target: value +- 1.96 se, or [value, inf) for ``above``."""
        if self.side == "above":
            return (self.value, math.inf)
        return (self.value - 1.96 * self.se, self.value + 1.96 * self.se)


@dataclass(frozen=True)
class Prior:
    """A calibrated parameter and its prior: uniform on [low, high]."""

    name: str
    low: float
    high: float
    why: str = ""

    @property
    def kind(self) -> type:
        return PARAMS_BY_NAME[self.name].kind


@dataclass(frozen=True)
class CalibrationConfig:
    """A validated calibration configuration (see the module docstring)."""

    source: str
    name: str
    scenario: Scenario
    targets: tuple[Target, ...]
    priors: tuple[Prior, ...]
    seed: int = 1
    replicates: int = 4
    population: int = 300
    generations: int = 10
    min_epsilon: float = 1.0
    min_acceptance_rate: float = 0.02
    budget_evaluations: int = 20000
    budget_minutes: float = 28.0
    workers: int = 2
    distance: str = "rms_z"
    point: str = "median"
    predictive_draws: int = 200
    quantile: float = 0.5
    fixed: Mapping[str, object] = field(default_factory=dict)

    @property
    def fit_targets(self) -> tuple[Target, ...]:
        return tuple(t for t in self.targets if t.role == "fit")

    @property
    def parameter_names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.priors)

    def with_changes(self, **changes) -> CalibrationConfig:
        """A copy with some fields replaced (used by tests and the CLI's --budget)."""
        return replace(self, **changes)

    def fingerprint(self) -> dict:
        """What must not change between a run and its resumption."""
        calibrated = set(self.parameter_names)  # their defaults change when a calibration is installed
        return {
            "scenario": {k: v for k, v in self.scenario.params.items() if k not in calibrated},
            "targets": [[t.name, t.output, t.value, t.se, t.role, t.side, t.weight] for t in self.targets],
            "priors": [[p.name, p.low, p.high] for p in self.priors],
            "seed": self.seed, "replicates": self.replicates, "population": self.population,
            "distance": self.distance, "quantile": self.quantile,
        }


def proportion_se(percent: float, n: int) -> float:
    """Standard error (percentage points) of a published proportion from ``n`` answers.

    Agresti-Coull: add two successes and two failures, p~ = (k + 2) / (n + 4) with k = p n, and
    SE = 100 sqrt(p~ (1 - p~) / (n + 4)). Unlike the Wald formula it does not collapse to 0 for
    100% (for n = 25 it gives 4.7 points there, and 8.7 points at 75%).
    """
    k = percent / 100.0 * n
    pt = (k + 2.0) / (n + 4.0)
    return 100.0 * math.sqrt(pt * (1.0 - pt) / (n + 4.0))


def load_targets(path: str | Path) -> tuple[Target, ...]:
    """Load and validate a targets file."""
    path = Path(path)
    source = str(path)
    data = read_toml(path)
    known_keys(source, "", data, ("targets", "groups"))
    groups = _load_groups(source, data.get("groups", {}))
    table = data.get("targets")
    if not isinstance(table, Mapping) or not table:
        raise input_error(source, "targets", "must hold at least one [targets.NAME] table")
    outputs = known_outputs()
    out = []
    for name, t in table.items():
        pre = f"targets.{name}."
        if not isinstance(t, Mapping):
            raise input_error(source, f"targets.{name}", "must be a table")
        known_keys(source, pre, t, TARGET_KEYS)
        for key in ("output", "value", "source", "description"):
            if key not in t:
                raise input_error(source, pre + key, "missing (required: output, value, source, description)")
        output = string(source, pre + "output", t["output"])
        if output not in outputs:
            raise input_error(source, pre + "output", "unknown output; see results.OUTCOME_DOCS and "
                              "calibration_outputs.EXTRA_OUTPUTS" + suggest(output, outputs), output)
        value = number(source, pre + "value", t["value"])
        src = string(source, pre + "source", t["source"])
        if src not in SOURCES:
            raise input_error(source, pre + "source", "unknown citation key; allowed: " + ", ".join(SOURCES)
                              + suggest(src, SOURCES), src)
        role = choice(source, pre + "role", t.get("role", "fit"), ROLES)
        if ("n" in t) == ("se" in t):
            raise input_error(source, f"targets.{name}", "give exactly one of n (a proportion's sample size) "
                              "or se (a standard error)")
        n = None
        if "n" in t:
            n = whole(source, pre + "n", t["n"], 1, 1e9)
            number(source, pre + "value", value, 0, 100)
            se_sampling = proportion_se(value, n)
            note = f"proportion from n={n}, Agresti-Coull SE {se_sampling:.2f}"
        else:
            se_sampling = number(source, pre + "se", t["se"], 0)
            if "se_from" not in t:
                raise input_error(source, pre + "se_from", "missing: say how the standard error was derived")
            note = string(source, pre + "se_from", t["se_from"])
        extra = 0.0
        if "se_extra" in t:
            extra = number(source, pre + "se_extra", t["se_extra"], 0)
            if "se_extra_why" not in t:
                raise input_error(source, pre + "se_extra_why", "missing: say why the extra uncertainty")
            note += f"; plus {extra:g} in quadrature: " + string(source, pre + "se_extra_why", t["se_extra_why"])
        se = math.hypot(se_sampling, extra)
        if se <= 0:
            raise input_error(source, f"targets.{name}", "the standard error must be positive")
        side = choice(source, pre + "side", t.get("side", "two-sided"), SIDES)
        group = None
        if "group" in t:
            group = string(source, pre + "group", t["group"])
            if group not in groups:
                raise input_error(source, pre + "group", "no [groups.NAME] table of that name; defined: "
                                  + (", ".join(groups) or "none") + suggest(group, groups), group)
        out.append(Target(name=name, output=output, value=value, se=se, se_sampling=se_sampling, se_note=note,
                          role=role, source=src, description=string(source, pre + "description", t["description"]),
                          n=n, side=side, group=group))
    if not any(t.role == "fit" for t in out):
        raise input_error(source, "targets", "at least one target must have role = \"fit\"")
    for g, eff in groups.items():
        members = [t for t in out if t.group == g and t.role == "fit"]
        if not members:
            raise input_error(source, f"groups.{g}", "no fit target names this group")
        if eff > len(members):
            raise input_error(source, f"groups.{g}.effective_targets", f"at most the number of its fit "
                              f"members ({len(members)})", eff)
        out = [replace(t, weight=eff / len(members)) if t in members else t for t in out]
    return tuple(out)


def _load_groups(source: str, table) -> dict[str, float]:
    """``[groups.NAME]`` tables -> name: effective number of independent targets."""
    if not isinstance(table, Mapping):
        raise input_error(source, "groups", "must hold [groups.NAME] tables")
    groups = {}
    for g, spec in table.items():
        pre = f"groups.{g}."
        if not isinstance(spec, Mapping):
            raise input_error(source, f"groups.{g}", "must be a table (effective_targets, why, source)")
        known_keys(source, pre, spec, GROUP_KEYS)
        if "effective_targets" not in spec or "why" not in spec:
            raise input_error(source, f"groups.{g}", "needs effective_targets and why")
        string(source, pre + "why", spec["why"])
        eff = number(source, pre + "effective_targets", spec["effective_targets"], 0)
        if eff <= 0:
            raise input_error(source, pre + "effective_targets", "must be positive", eff)
        groups[g] = eff
    return groups


def load_config(path: str | Path) -> CalibrationConfig:
    """Load and validate a calibration configuration (and the scenario and targets it names)."""
    path = Path(path)
    source = str(path)
    data = read_toml(path)
    known_keys(source, "", data, ("calibration", "parameters"))
    cal = data.get("calibration")
    if not isinstance(cal, Mapping):
        raise input_error(source, "calibration", "missing [calibration] table")
    known_keys(source, "calibration.", cal, (*CALIBRATION_KEYS, "fixed"))
    for key in ("scenario", "targets"):
        if key not in cal:
            raise input_error(source, f"calibration.{key}", f"missing ({CALIBRATION_KEYS[key]})")
    here = path.parent
    scen_path = here / string(source, "calibration.scenario", cal["scenario"])
    scenario = load_scenario(scen_path)
    fixed = cal.get("fixed", {})
    if not isinstance(fixed, Mapping):
        raise input_error(source, "calibration.fixed", "must be a table of parameter = value")
    if fixed:
        scenario = scenario.with_params(dict(fixed), source=f"{source}: calibration.fixed", text=False)
    targets = load_targets(here / string(source, "calibration.targets", cal["targets"]))
    kw: dict = {}
    ints = {"seed": (0, 2**32 - 1), "replicates": (1, 1000), "population": (2, 1_000_000),
            "generations": (1, 1000), "budget_evaluations": (0, 10**9), "workers": (1, os.cpu_count() or 1),
            "predictive_draws": (1, 100_000)}
    floats = {"min_epsilon": (0, math.inf), "min_acceptance_rate": (0, 1), "budget_minutes": (0, 10**6),
              "quantile": (0.01, 0.99)}
    for key, (lo, hi) in ints.items():
        if key in cal:
            kw[key] = whole(source, f"calibration.{key}", cal[key], lo, hi)
    for key, (lo, hi) in floats.items():
        if key in cal:
            kw[key] = number(source, f"calibration.{key}", cal[key], lo, hi)
    if "distance" in cal:
        kw["distance"] = choice(source, "calibration.distance", cal["distance"], DISTANCES)
    if "point" in cal:
        kw["point"] = choice(source, "calibration.point", cal["point"], POINTS)
    name = string(source, "calibration.name", cal.get("name", path.stem))
    params = data.get("parameters")
    if not isinstance(params, Mapping) or not params:
        raise input_error(source, "parameters", 'must hold at least one [parameters."name"] table')
    priors = []
    for pname, spec in params.items():
        key = f'parameters."{pname}"'
        if pname not in PARAMS_BY_NAME:
            raise input_error(source, key, "unknown parameter; see `mentorsim params`"
                              + suggest(pname, PARAMS_BY_NAME))
        p = PARAMS_BY_NAME[pname]
        if not isinstance(spec, Mapping):
            raise input_error(source, key, "must be a table (prior, low, high, why)")
        known_keys(source, key + ".", spec, PARAMETER_KEYS)
        if p.kind is not float:
            raise input_error(source, key, f"only real-valued parameters can be calibrated ({pname} is "
                              f"{p.kind.__name__})")
        if pname in fixed:
            raise input_error(source, key, "is also set in calibration.fixed; a parameter is either fixed "
                              "or calibrated")
        choice(source, key + ".prior", spec.get("prior", "uniform"), PRIORS)
        low = number(source, key + ".low", spec.get("low", p.low), p.low, p.high, unit=p.unit)
        high = number(source, key + ".high", spec.get("high", p.high), p.low, p.high, unit=p.unit)
        if not low < high:
            raise input_error(source, key, f"low ({low:g}) must be below high ({high:g})")
        if (low, high) != (p.low, p.high) and "why" not in spec:
            raise input_error(source, key + ".why", "missing: say why the prior narrows the declared range "
                              f"[{p.low:g}, {p.high:g}]")
        priors.append(Prior(pname, low, high, string(source, key + ".why", spec.get("why", ""))))
    return CalibrationConfig(source=source, name=name, scenario=scenario, targets=targets,
                             priors=tuple(priors), fixed=dict(fixed), **kw)
