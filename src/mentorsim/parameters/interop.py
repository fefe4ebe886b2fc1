"""The parameter table in the forms other tools take: SALib problems, EMA Workbench parameter
lists, identifier-safe aliases, and sampled rows turned back into typed parameter values.

Every helper takes parameter names (dotted, ``visits.interval_weeks``, or their aliases,
``visits__interval_weeks``) and reads type, range and unit from the one table
(:mod:`mentorsim.parameters.model_table`); nothing is declared twice.

Examples:
    >>> from mentorsim.parameters.interop import salib_problem, design_point
    >>> sp = salib_problem(["visits.interval_weeks", "echo.enabled"])
    >>> sp["names"], sp["bounds"]
    (['visits.interval_weeks', 'echo.enabled'], [[1.0, 52.0], [0.0, 1.0]])
    >>> design_point(sp["names"], [8.6, 0.2])
    {'visits.interval_weeks': 9, 'echo.enabled': False}
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from mentorsim.errors import input_error
from mentorsim.parameters.model_table import PARAMS, PARAMS_BY_NAME
from mentorsim.parameters.spec import Param
from mentorsim.validation import suggest

#: Identifier-safe alias -> dotted name, for every parameter.
ALIASES: dict[str, str] = {p.alias: p.name for p in PARAMS}


def canonical(key: str) -> str:
    """The dotted name of ``key`` (a dotted name or its alias); an unknown key is returned as is,
    for the caller's own check to refuse with its message."""
    return ALIASES.get(key, key)


def params_named(names: Iterable[str], source: str = "") -> list[Param]:
    """The table records of ``names`` (dotted or alias), in order.

    Raises:
        InputError: an unknown name, with a did-you-mean suggestion.
    """
    out = []
    for name in names:
        full = canonical(name)
        if full not in PARAMS_BY_NAME:
            raise input_error(source or "parameter names", name, "unknown parameter"
                              + suggest(name, list(PARAMS_BY_NAME) + list(ALIASES)))
        out.append(PARAMS_BY_NAME[full])
    return out


def salib_problem(names: Sequence[str], bounds: Mapping[str, tuple[float, float]] | None = None,
                  alias: bool = False):
    """A SALib ``ProblemSpec`` over ``names``, with each parameter's table range as bounds.

    Integer parameters keep their whole-number bounds and booleans get [0, 1]: SALib samples
    real numbers, so pass each sampled row through :func:`design_point` before running it.

    Args:
        bounds: narrower ranges for some names (``{"visits.interval_weeks": (4, 13)}``).
        alias: name the problem's variables by alias instead of dotted name.
    """
    from SALib import ProblemSpec

    records = params_named(names, "salib_problem")
    bounds = {canonical(k): v for k, v in (bounds or {}).items()}
    rows = []
    for p in records:
        if p.type == "choice":
            raise input_error("salib_problem", p.name, "a choice parameter cannot be sampled as a number")
        low, high = bounds.get(p.name, (0, 1) if p.type == "bool" else (p.low, p.high))
        rows.append([float(low), float(high)])
    return ProblemSpec({"num_vars": len(records),
                        "names": [p.alias if alias else p.name for p in records],
                        "bounds": rows})


def ema_parameters(names: Sequence[str], bounds: Mapping[str, tuple[float, float]] | None = None):
    """EMA Workbench uncertainties (or levers) over ``names``: ``IntegerParameter`` for int,
    ``RealParameter`` for float, ``BooleanParameter`` for bool and ``CategoricalParameter`` for
    choice parameters, each named by its alias (EMA needs Python identifiers) with the table range
    (or ``bounds``). :func:`mentorsim.evaluate` accepts the aliases as keyword arguments."""
    from ema_workbench import BooleanParameter, CategoricalParameter, IntegerParameter, RealParameter

    bounds = {canonical(k): v for k, v in (bounds or {}).items()}
    out = []
    for p in params_named(names, "ema_parameters"):
        low, high = bounds.get(p.name, (p.low, p.high))
        if p.type == "bool":
            out.append(BooleanParameter(p.alias))
        elif p.type == "choice":
            out.append(CategoricalParameter(p.alias, list(p.choices)))
        elif p.type == "int":
            out.append(IntegerParameter(p.alias, int(low), int(high)))
        else:
            out.append(RealParameter(p.alias, float(low), float(high)))
    return out


def design_point(names: Sequence[str], values: Sequence[float]) -> dict:
    """One sampled row as typed parameter values: whole numbers rounded to the nearest int,
    booleans true at 0.5 and above, reals as floats (dotted names as keys). The result is then
    checked like a scenario file where it is used (``evaluate``, ``MentorshipModel``)."""
    records = params_named(names, "design_point")
    if len(values) != len(records):
        raise input_error("design_point", None, f"{len(values)} values for {len(records)} names")
    out = {}
    for p, v in zip(records, values):
        if p.type == "int":
            out[p.name] = int(round(float(v)))
        elif p.type == "bool":
            out[p.name] = bool(float(v) >= 0.5)
        elif p.type == "float":
            out[p.name] = float(v)
        else:
            out[p.name] = v
    return out
