"""Experiment files: a design over named parameters, validated on load like scenarios.

An experiment file (TOML) declares what to vary, how to sample it, how many replicates to run,
the seed, which outputs to keep, and what to run it on::

    [experiment]
    name = "visit_x_echo"                # default: the file name
    description = "Dose-response of visits and telementoring"
    seed = 1                             # whole number, 0 to 2**32 - 1
    replicates = 10                      # replicates per design point
    outputs = ["composite_month12_pct"]  # keys of runner.evaluate() (or of the target's dict)
    base = "../scenarios/ss2020.toml"    # optional; relative to this file; default: model defaults
    target = "model"                     # or "package.module:function" (see below)

    [fixed]                              # optional: parameters held at one value in every run
    "followup.months" = 24

    [design]
    method = "grid"                      # grid | lhs | sobol | morris | fast (see DESIGN_KEYS)
    calibrated = "posterior"             # posterior | ranges | fixed (see CALIBRATED_MODES)

    [parameters]                         # one entry per varied parameter
    "visits.interval_weeks" = { values = [2, 4, 9, 13] }          # grid: the values
    "learning.visit_tacit_rate" = { low = 0.02, high = 0.3 }      # samplers: the bounds
    "learning.trust_rate" = {}                                    # samplers: the declared range

    [analysis]                           # optional, read by `mentorsim sensitivity`
    num_resamples = 100                  # bootstrap resamples for confidence intervals
    conf_level = 0.95

In a grid, ``with = "other.parameter"`` makes a parameter move together with another one
(same number of values, zipped instead of crossed), e.g. follow-up visits only where there
is a local pool. Parameter names may be quoted dotted keys or TOML sections.

Calibrated parameters (tag ``calibrated``) that the design does not vary and that neither the
base scenario nor ``[fixed]`` sets are, for the model, set by ``design.calibrated``:
``"posterior"`` (the default) draws them jointly, one row of the installed posterior
(data/posterior.csv) per replicate; ``"ranges"`` draws each independently and uniformly over its
declared (prior) range, per replicate; ``"fixed"`` keeps the calibrated point estimates. See
designs.calibrated_draws. A design that itself varies calibrated parameters is announced
(:func:`calibration_notice`), never mixed in silently.

The target is the model (``"model"``: ``runner.evaluate(params, seed, replicate)``) or any
Python callable ``module:function`` taking a dict of parameters and returning a dict of outputs
(it also receives ``seed`` and ``replicate`` if its signature accepts them). For a callable,
every parameter needs explicit values or bounds, and ``[fixed]`` values are passed through.

Anything wrong raises :class:`~mentorsim.errors.InputError` with one line naming the file, the
key, the value and what is allowed (exit code 2 on the command line).
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mentorsim.errors import input_error, read_toml
from mentorsim.parameters.model_table import PARAMS_BY_NAME
from mentorsim.results import OUTCOME_DOCS
from mentorsim.scenario import (
    LARGE_CORE_SECONDS,
    default_scenario,
    describe_seconds,
    estimated_seconds,
    load_scenario,
)
from mentorsim.validation import boolean, choice, number, string, suggest, whole

MODEL_TARGET = "model"
#: How calibrated parameters the design does not vary are set, for each replicate (module docstring).
CALIBRATED_MODES = ("posterior", "ranges", "fixed")
#: Stored column with the posterior row a run's calibrated parameters came from (mode "posterior").
POSTERIOR_ROW = "posterior_row"
METHODS = ("grid", "lhs", "sobol", "morris", "fast")
#: Keys each design method accepts besides ``method``: (type, default, check, what is allowed).
DESIGN_KEYS: dict[str, dict[str, tuple]] = {
    "grid": {},
    "lhs": {"n": (int, None, lambda v: 2 <= v <= 10_000_000, "a whole number from 2 to 10000000")},
    "sobol": {"n": (int, None, lambda v: 2 <= v <= 2**24 and v & (v - 1) == 0,
                    "a power of 2 from 2 to 16777216 (Saltelli's scheme needs it)"),
              "second_order": (bool, True, None, "true or false")},
    "morris": {"trajectories": (int, None, lambda v: 2 <= v <= 100_000, "a whole number from 2 to 100000"),
               "levels": (int, 4, lambda v: 2 <= v <= 100 and v % 2 == 0, "an even whole number from 2 to 100")},
    "fast": {"n": (int, None, lambda v: 65 <= v <= 10_000_000, "a whole number from 65 to 10000000"),
             "m": (int, 4, lambda v: 1 <= v <= 20, "a whole number from 1 to 20")},
}
#: Methods that sample within bounds (everything but the grid).
SAMPLERS = ("lhs", "sobol", "morris", "fast")
TOP_TABLES = ("experiment", "fixed", "design", "parameters", "analysis")
EXPERIMENT_KEYS = ("name", "description", "seed", "replicates", "outputs", "base", "target")
SPEC_KEYS = ("values", "low", "high", "with")
ANALYSIS_KEYS = {
    "num_resamples": (int, 100, lambda v: 10 <= v <= 100_000, "a whole number from 10 to 100000"),
    "conf_level": (float, 0.95, lambda v: 0.5 <= v < 1.0, "a number in [0.5, 1)"),
}
#: Column names the run store uses itself: parameters and outputs may not take them.
RESERVED_NAMES = ("run_id", "point", "replicate", "seed", "status", "error", "attempts", "elapsed_s",
                  "worker", "finished_at", POSTERIOR_ROW)
MAX_RUNS = 10_000_000


@dataclass(frozen=True)
class ParamRange:
    """One varied parameter.

    Attributes:
        name: parameter name (a model parameter, or the callable's own name).
        kind: ``float``, ``int`` or ``bool`` for model parameters; ``float`` for callables.
        values: grid values (typed), or None for samplers.
        low, high: sampler bounds (inclusive), or None for grids.
        with_: in a grid, the parameter this one moves together with (zipped), or None.
        unit: unit for labels.
    """

    name: str
    kind: type
    values: tuple | None = None
    low: float | None = None
    high: float | None = None
    with_: str | None = None
    unit: str = ""


@dataclass(frozen=True)
class Experiment:
    """A validated experiment file.

    Attributes:
        path: the file (or a label).
        name, description: for people.
        seed: experiment seed; run (point, replicate) uses ``seed`` and replicate ``replicate``.
        replicates: replicates per design point.
        outputs: outputs of interest, in order.
        target: ``"model"`` or ``"module:function"``.
        base_overrides: for the model, the base scenario's overrides plus ``[fixed]`` (validated);
            for a callable, the ``[fixed]`` values passed through.
        base_source: the base scenario file, or ``"<defaults>"``.
        method: design method (METHODS); options: its keys (DESIGN_KEYS) with defaults filled.
        params: the varied parameters, in file order.
        analysis: ``num_resamples`` and ``conf_level``.
        calibrated: how calibrated parameters the design does not vary are set (CALIBRATED_MODES).
        drawn: the calibrated parameters drawn for each replicate (empty with ``"fixed"``).
        calibrated_varied: calibrated parameters the design varies itself (announced, not drawn).
    """

    path: str
    name: str
    description: str
    seed: int
    replicates: int
    outputs: tuple[str, ...]
    target: str
    base_overrides: Mapping[str, Any]
    base_source: str
    method: str
    options: Mapping[str, Any]
    params: tuple[ParamRange, ...]
    analysis: Mapping[str, Any] = field(default_factory=dict)
    calibrated: str = "fixed"
    drawn: tuple[str, ...] = ()
    calibrated_varied: tuple[str, ...] = ()

    @property
    def is_model(self) -> bool:
        return self.target == MODEL_TARGET

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(p.name for p in self.params)

    def spec(self) -> dict:
        """A plain-data description (for provenance and the run store's consistency check)."""
        return {"name": self.name, "description": self.description, "seed": self.seed,
                "replicates": self.replicates, "outputs": list(self.outputs), "target": self.target,
                "base": self.base_source, "base_overrides": dict(self.base_overrides),
                "design": {"method": self.method, **dict(self.options), "calibrated": self.calibrated},
                "parameters": {p.name: ({"values": list(p.values)} if p.values is not None else
                                        {"low": p.low, "high": p.high}) | ({"with": p.with_} if p.with_ else {})
                               for p in self.params},
                "analysis": dict(self.analysis)}


def load_experiment(path: str | Path) -> Experiment:
    """Load and validate an experiment file."""
    path = Path(path)
    data = read_toml(path, "experiment file")
    source = str(path)
    return experiment_from_dict(data, source, base_dir=path.parent)


def experiment_from_dict(data: Mapping, source: str = "<dict>", base_dir: Path | None = None) -> Experiment:
    """Validate the parsed TOML structure of an experiment (see the module docstring)."""
    if not isinstance(data, Mapping):
        raise input_error(source, None, "an experiment must be a table")
    for key in data:
        if key not in TOP_TABLES:
            raise input_error(source, key, "unknown table; allowed: " + ", ".join(TOP_TABLES)
                              + suggest(key, TOP_TABLES))
        if not isinstance(data[key], Mapping):
            raise input_error(source, key, f"must be a table [{key}]", data[key])
    exp = data.get("experiment")
    if exp is None:
        raise input_error(source, "experiment", "missing table [experiment] (seed, replicates, outputs)")
    for key in exp:
        if key not in EXPERIMENT_KEYS:
            raise input_error(source, f"experiment.{key}", "unknown key; allowed: " + ", ".join(EXPERIMENT_KEYS)
                              + suggest(key, EXPERIMENT_KEYS))
    default_name = Path(source).stem if source.endswith(".toml") else "experiment"
    name = string(source, "experiment.name", exp.get("name", default_name))
    if not name or any(c in name for c in "/\\") or name.startswith("."):
        raise input_error(source, "experiment.name", "must be a non-empty name without slashes", name)
    description = string(source, "experiment.description", exp.get("description", ""))
    seed = whole(source, "experiment.seed", exp.get("seed", 1), 0, 2**32 - 1)
    replicates = whole(source, "experiment.replicates", exp.get("replicates", 1), 1, 100_000)
    target = string(source, "experiment.target", exp.get("target", MODEL_TARGET))
    if target != MODEL_TARGET:
        check_target(target, source)  # the form only: the module is imported when the sweep runs
    is_model = target == MODEL_TARGET

    # -- base scenario and fixed values --------------------------------------------------------
    fixed_raw = _flatten(data.get("fixed", {}), leaf=lambda v: not isinstance(v, Mapping))
    base_source = "<defaults>"
    if "base" in exp:
        if not is_model:
            raise input_error(source, "experiment.base", "a base scenario applies to the model only; "
                              "give a callable's constants in [fixed]", exp["base"])
        base_rel = string(source, "experiment.base", exp["base"])
        base_path = (base_dir or Path(".")) / base_rel
        if not base_path.is_file():
            raise input_error(source, "experiment.base", f"no such scenario file ({base_path})", base_rel)
        base_source = str(base_path)
    if is_model:
        base = load_scenario(base_source) if base_source != "<defaults>" else default_scenario()
        fixed = {}
        for key, value in fixed_raw.items():
            fixed[key] = _model_value(source, f"fixed.{key}", key, value)
        base_overrides = dict(base.overrides) | fixed
    else:
        base_overrides = {}
        for key, value in fixed_raw.items():
            if not isinstance(value, (int, float, bool, str)):
                raise input_error(source, f"fixed.{key}", "must be a number, true/false or a string", value)
            base_overrides[key] = value

    # -- design ----------------------------------------------------------------------------------
    design = data.get("design")
    if design is None:
        raise input_error(source, "design", "missing table [design] with method = " + " | ".join(METHODS))
    method = design.get("method")
    if method not in METHODS:
        raise input_error(source, "design.method", "allowed: " + ", ".join(METHODS)
                          + (suggest(method, METHODS) if isinstance(method, str) else ""), method)
    allowed = DESIGN_KEYS[method]
    options = {}
    for key, value in design.items():
        if key in ("method", "calibrated"):
            continue
        if key not in allowed:
            names = ("method", "calibrated") + tuple(allowed)
            raise input_error(source, f"design.{key}", f"unknown key for method {method}; allowed: "
                              + ", ".join(names) + suggest(key, names), value)
    for key, (kind, default, check, what) in allowed.items():
        if key not in design:
            if default is None:
                raise input_error(source, f"design.{key}", f"missing; method {method} needs {key} ({what})")
            options[key] = default
            continue
        options[key] = _typed(source, f"design.{key}", design[key], kind, check, what)

    # -- parameters ------------------------------------------------------------------------------
    raw_params = _flatten(data.get("parameters", {}),
                          leaf=lambda v: not isinstance(v, Mapping) or not v or bool(set(v) & set(SPEC_KEYS)))
    if not raw_params:
        raise input_error(source, "parameters", "no parameters to vary; add e.g. "
                          '"visits.interval_weeks" = { values = [4, 9] }')
    params = []
    seen: dict[str, str] = {}
    for key, spec in raw_params.items():
        if not key.strip():
            raise input_error(source, f"parameters.{key!r}", "a parameter needs a name")
        if key.lower() in RESERVED_NAMES:
            raise input_error(source, f"parameters.{key}", "reserved name (in any case); not allowed: "
                              + ", ".join(RESERVED_NAMES))
        if key.lower() in seen:
            raise input_error(source, f"parameters.{key}", f"differs from {seen[key.lower()]} only in case; "
                              "the run store's columns ignore case, so give them distinct names")
        seen[key.lower()] = key
        if key in fixed_raw:
            raise input_error(source, f"parameters.{key}", "is also in [fixed]; a parameter is either "
                              "varied or fixed")
        params.append(_param(source, key, spec, method, is_model))
    names = [p.name for p in params]
    for p in params:
        if p.with_ is not None:
            other = next((q for q in params if q.name == p.with_), None)
            if other is None or other is p:
                raise input_error(source, f"parameters.{p.name}.with", "must name another varied parameter; "
                                  "allowed: " + ", ".join(n for n in names if n != p.name), p.with_)
            if other.with_ is not None:
                raise input_error(source, f"parameters.{p.name}.with", f"{other.name} itself moves with "
                                  f"{other.with_}; name {other.with_} instead", p.with_)
            if len(other.values) != len(p.values):
                raise input_error(source, f"parameters.{p.name}.values", f"moves with {other.name}, so it "
                                  f"needs {len(other.values)} values like it (has {len(p.values)})")
    if method == "sobol" and options["second_order"] and len(params) < 2:
        raise input_error(source, "design.second_order", "second-order indices need at least 2 parameters; "
                          "set second_order = false", True)
    if method == "fast" and options["n"] <= 4 * options["m"] ** 2:
        raise input_error(source, "design.n", f"FAST needs n > 4 m^2 = {4 * options['m'] ** 2}", options["n"])

    # -- outputs ---------------------------------------------------------------------------------
    outputs = exp.get("outputs")
    if not isinstance(outputs, list) or not outputs or not all(isinstance(o, str) for o in outputs):
        raise input_error(source, "experiment.outputs", "must be a non-empty list of output names, e.g. "
                          '["composite_month12_pct"]', outputs)
    if len({o.lower() for o in outputs}) != len(outputs):
        raise input_error(source, "experiment.outputs", "lists an output twice", outputs)
    lowered = {n.lower() for n in names}
    for o in outputs:
        if not o.strip():
            raise input_error(source, "experiment.outputs", "an output needs a name", o)
        if o.lower() in RESERVED_NAMES or o.lower() in lowered:
            raise input_error(source, "experiment.outputs", "an output may not share its name with a "
                              "parameter or a stored column (" + ", ".join(RESERVED_NAMES) + ")", o)
    if is_model:
        for o in outputs:
            if o not in OUTCOME_DOCS:
                raise input_error(source, "experiment.outputs", "unknown output; allowed: keys of "
                                  "runner.evaluate(), e.g. composite_month12_pct, composite_followup24_pct, "
                                  "mentor_days (see results.OUTCOME_DOCS)" + suggest(o, OUTCOME_DOCS), o)

    # -- analysis --------------------------------------------------------------------------------
    analysis_raw = data.get("analysis", {})
    analysis = {}
    for key in analysis_raw:
        if key not in ANALYSIS_KEYS:
            raise input_error(source, f"analysis.{key}", "unknown key; allowed: " + ", ".join(ANALYSIS_KEYS))
    for key, (kind, default, check, what) in ANALYSIS_KEYS.items():
        analysis[key] = _typed(source, f"analysis.{key}", analysis_raw[key], kind, check, what) \
            if key in analysis_raw else default

    # -- calibrated parameters the design does not vary ------------------------------------------
    calibrated = "fixed"
    if "calibrated" in design:
        calibrated = choice(source, "design.calibrated", design["calibrated"], CALIBRATED_MODES)
        if not is_model and calibrated != "fixed":
            raise input_error(source, "design.calibrated", 'applies to the model only; a callable target '
                              'takes "fixed" (its parameters are its own)', calibrated)
    elif is_model:
        calibrated = "posterior"
    calibrated_names = [n for n, p in PARAMS_BY_NAME.items() if p.tag == "calibrated"] if is_model else []
    varied = tuple(n for n in names if n in calibrated_names)
    drawn = () if calibrated == "fixed" else tuple(
        n for n in calibrated_names if n not in names and n not in base_overrides)

    result = Experiment(path=source, name=name, description=description, seed=seed, replicates=replicates,
                        outputs=tuple(outputs), target=target, base_overrides=base_overrides,
                        base_source=base_source, method=method, options=options, params=tuple(params),
                        analysis=analysis, calibrated=calibrated, drawn=drawn, calibrated_varied=varied)
    if is_model:
        _check_base(result, source)
    total = design_size(result) * replicates
    if total > MAX_RUNS:
        raise input_error(source, "design", f"{total} runs is more than the {MAX_RUNS} a sweep may hold")
    return result


def calibration_notice(exp: Experiment) -> str:
    """One line saying how the experiment sets calibrated parameters when that departs from
    drawing them all from the posterior ("" when it does not); printed when a sweep starts and
    written to its manifest, so independent values are never mixed in silently."""
    parts = []
    if exp.calibrated_varied:
        how = "over the design's values" if exp.method == "grid" else "over prior ranges"
        parts.append(f"calibrated parameters varied {how} (independently, not from the posterior): "
                     + ", ".join(exp.calibrated_varied))
    if exp.calibrated == "ranges" and exp.drawn:
        parts.append("calibrated parameters drawn independently over their prior ranges (design.calibrated "
                     '= "ranges"): ' + ", ".join(exp.drawn))
    elif exp.calibrated == "fixed" and exp.is_model:
        held = [n for n, p in PARAMS_BY_NAME.items() if p.tag == "calibrated" and n not in exp.names
                and n not in exp.base_overrides]
        if held:
            parts.append(f"{len(held)} calibrated parameters held at their calibrated point estimates "
                         '(design.calibrated = "fixed")')
    return f"{exp.name}: " + "; ".join(parts) if parts else ""


#: More replicates per point than this need --allow-large: the Monte Carlo error of a mean is then
#: below 1% of the outcome's standard deviation, and more only costs time and disk.
LARGE_REPLICATES = 10_000
#: More runs than this need --allow-large whatever they cost (each is a row of the run store).
LARGE_RUNS = 1_000_000


def size_estimate(exp: Experiment) -> tuple[int, float | None]:
    """(runs, about how many core-seconds they take; None for a callable target, whose cost is unknown)."""
    runs = design_size(exp) * exp.replicates
    if not exp.is_model:
        return runs, None
    params = default_scenario().with_params(dict(exp.base_overrides), source=exp.path).params
    per_run = estimated_seconds(params)
    # a varied size parameter can make runs dearer: take the largest it reaches
    worst = dict(params)
    for p in exp.params:
        if p.name in ("facilities.intervention", "facilities.comparison", "programme.months", "followup.months"):
            worst[p.name] = max(p.values) if p.values is not None else p.high
    return runs, runs * max(per_run, estimated_seconds(worst))


def check_size(exp: Experiment, allow_large: bool, workers: int = 1) -> str:
    """Refuse an absurd sweep (more than LARGE_REPLICATES replicates, LARGE_RUNS runs, or
    LARGE_CORE_SECONDS of estimated work) unless ``allow_large``; returns one line saying what
    the sweep will cost ("" when it is small)."""
    runs, seconds = size_estimate(exp)
    cost = "" if seconds is None else f", about {describe_seconds(seconds)} of one core"
    what = f"{runs} runs{cost}"
    if not allow_large:
        if exp.replicates > LARGE_REPLICATES:
            raise input_error(exp.path, "experiment.replicates", f"more than {LARGE_REPLICATES} replicates per "
                              f"point ({what}) adds nothing but time; lower it, or add --allow-large",
                              exp.replicates)
        if runs > LARGE_RUNS or (seconds is not None and seconds > LARGE_CORE_SECONDS):
            raise input_error(exp.path, "design", f"{what}: more than {LARGE_RUNS} runs or "
                              f"{describe_seconds(LARGE_CORE_SECONDS)} of work; shrink the design, or add "
                              "--allow-large to run it anyway")
    if seconds is not None and seconds > 60:
        return f"{what} (about {describe_seconds(seconds / max(1, workers))} with {workers} workers)"
    return ""


def design_size(exp: Experiment) -> int:
    """Number of design points, without building the design (see designs.py for the methods)."""
    k = len(exp.params)
    o = exp.options
    if exp.method == "grid":
        n = 1
        for p in exp.params:
            if p.with_ is None:
                n *= len(p.values)
        return n
    if exp.method == "lhs":
        return o["n"]
    if exp.method == "sobol":
        return o["n"] * (2 * k + 2 if o["second_order"] else k + 2)
    if exp.method == "morris":
        return o["trajectories"] * (k + 1)
    if exp.method == "fast":
        return o["n"] * k
    raise ValueError(exp.method)


def check_target(target: str, source: str = "target") -> str:
    """Check the form of ``module:function`` (dotted Python names) without importing anything.

    Importing a module runs its code: an experiment file names code to run, so the module is
    imported only when the sweep runs (:func:`resolve_target`), never while a file is validated.

    Examples:
        >>> check_target("mentorsim.experiments.testfunctions:ishigami")
        'mentorsim.experiments.testfunctions:ishigami'
        >>> check_target("os.system('x')")
        Traceback (most recent call last):
        mentorsim.errors.InputError: target: experiment.target = "os.system('x')": must be "model" or "package.module:function"
    """
    module, colon, attr = target.partition(":")
    if not colon or not all(part.isidentifier() for name in (module, attr) for part in name.split(".")):
        raise input_error(source, "experiment.target", 'must be "model" or "package.module:function"', target)
    return target


def resolve_target(target: str, source: str = "target") -> Callable[..., Mapping]:
    """Import ``module:function`` and return the callable (InputError if it cannot be had).
    This runs the module's code: call it only to run the experiment."""
    check_target(target, source)
    module, _, attr = target.partition(":")
    try:
        mod = importlib.import_module(module)
    except ImportError as exc:
        raise input_error(source, "experiment.target", f"cannot import module {module} ({exc})", target) from None
    except Exception as exc:  # the module's own code failed on import
        raise input_error(source, "experiment.target", f"importing module {module} failed "
                          f"({type(exc).__name__}: {exc})", target) from None
    fn = mod
    for part in attr.split("."):
        fn = getattr(fn, part, None)
        if fn is None:
            raise input_error(source, "experiment.target", f"module {module} has no {attr}", target)
    if not callable(fn):
        raise input_error(source, "experiment.target", f"{attr} is not callable", target)
    return fn


# -- helpers -----------------------------------------------------------------------------------
def _param(source: str, key: str, spec, method: str, is_model: bool) -> ParamRange:
    where = f"parameters.{key}"
    if not isinstance(spec, Mapping):
        raise input_error(source, where, "must be a table such as { values = [...] } (grid) or "
                          "{ low = ..., high = ... } (samplers)", spec)
    for k in spec:
        if k not in SPEC_KEYS:
            raise input_error(source, f"{where}.{k}", "unknown key; allowed: " + ", ".join(SPEC_KEYS))
    decl = None
    if is_model:
        decl = PARAMS_BY_NAME.get(key)
        if decl is None:
            raise input_error(source, where, "unknown parameter; see `mentorsim params` for the allowed names"
                              + suggest(key, PARAMS_BY_NAME))
    kind = decl.kind if decl is not None else float
    unit = decl.unit if decl is not None else ""
    if method == "grid":
        if "low" in spec or "high" in spec:
            raise input_error(source, where, "a grid takes values = [...], not low/high")
        values = spec.get("values")
        if not isinstance(values, list) or not values:
            raise input_error(source, f"{where}.values", "a grid needs a non-empty list of values", values)
        typed = []
        for v in values:
            typed.append(_model_value(source, f"{where}.values", key, v) if decl is not None
                         else number(source, f"{where}.values", v))
        with_ = spec.get("with")
        if with_ is None and len(set(typed)) != len(typed):
            raise input_error(source, f"{where}.values", "lists a value twice", values)
        if with_ is not None and not isinstance(with_, str):
            raise input_error(source, f"{where}.with", "must be the name of another varied parameter", with_)
        return ParamRange(key, kind, values=tuple(typed), with_=with_, unit=unit)
    if "values" in spec or "with" in spec:
        raise input_error(source, where, f"method {method} samples within bounds: give low and high "
                          "(or {} for the declared range), not values/with")
    if kind is bool:
        raise input_error(source, where, "a true/false switch can only be varied in a grid design")
    if decl is None and ("low" not in spec or "high" not in spec):
        raise input_error(source, where, "a callable's parameter needs low and high")
    low = number(source, f"{where}.low", spec["low"]) if "low" in spec else decl.low
    high = number(source, f"{where}.high", spec["high"]) if "high" in spec else decl.high
    if decl is not None:
        for k, v in (("low", low), ("high", high)):
            if not (decl.low <= v <= decl.high):
                raise input_error(source, f"{where}.{k}", f"outside the parameter's declared range; allowed: "
                                  f"[{decl.low:g}, {decl.high:g}] ({decl.unit})", v)
    if not low < high:
        raise input_error(source, f"{where}.high", f"must be greater than low ({low:g})", high)
    if kind is int and (low != int(low) or high != int(high)):
        raise input_error(source, where, f"{key} takes whole numbers: low and high must be whole", [low, high])
    return ParamRange(key, kind, low=float(low), high=float(high), unit=unit)


def _model_value(source: str, where: str, name: str, value):
    if name not in PARAMS_BY_NAME:
        raise input_error(source, where, "unknown parameter; see `mentorsim params` for the allowed names"
                          + suggest(name, PARAMS_BY_NAME), name)
    return PARAMS_BY_NAME[name].check(value, source, where)


def _check_base(exp: Experiment, source: str) -> None:
    """The base scenario with [fixed] must itself be a valid scenario (combination checks)."""
    default_scenario().with_params(dict(exp.base_overrides), source=source)


def _flatten(table: Mapping, leaf, prefix: str = "") -> dict:
    out = {}
    for key, value in table.items():
        full = f"{prefix}{key}"
        if leaf(value):
            out[full] = value
        else:
            out.update(_flatten(value, leaf, full + "."))
    return out


def _typed(source, key, value, kind, check, what):
    """A design or analysis option: of ``kind`` and passing ``check`` (``what`` says what is allowed)."""
    if kind is bool:
        return boolean(source, key, value)
    value = (whole if kind is int else number)(source, key, value, what=what)
    if check is not None and not check(value):
        raise input_error(source, key, f"must be {what}", value)
    return value
