"""The parameter record: name, type, unit, default, range, source tag, alias. See model_table.py."""

from __future__ import annotations

import keyword
from dataclasses import dataclass

from mentorsim import validation

Value = float | int | bool | str

TAGS = ("cited", "assumption", "calibrated")

#: The parameter types, as written in the table and in ``mentorsim params --format json``:
#: ``int`` a whole number, ``float`` a real number, ``bool`` a switch, ``choice`` one of ``choices``.
TYPES = ("int", "float", "bool", "choice")
_PYTHON_TYPE = {"int": int, "float": float, "bool": bool, "choice": str}

#: What replaces the dot of a dotted name in its identifier-safe alias (``visits__interval_weeks``).
ALIAS_SEPARATOR = "__"


def type_of(default: Value) -> str:
    """The table type of a default value (``True`` -> ``"bool"``, ``4`` -> ``"int"``, ...)."""
    for name in ("bool", "int", "float"):  # bool first: True is also an int
        if isinstance(default, _PYTHON_TYPE[name]):
            return name
    if isinstance(default, str):
        return "choice"
    raise TypeError(f"no parameter type for the default {default!r}")


def alias_of(name: str) -> str:
    """The identifier-safe alias of a dotted name: dots become ``__`` (``visits.interval_weeks`` ->
    ``visits__interval_weeks``), so tools that need Python identifiers (EMA Workbench, keyword
    arguments, pandas ``query``) can name every parameter.

    Examples:
        >>> alias_of("visits.interval_weeks")
        'visits__interval_weeks'
    """
    return name.replace(".", ALIAS_SEPARATOR)


@dataclass(frozen=True)
class Param:
    """One model parameter.

    Attributes:
        name: dotted key, ``section.key``, as written in scenario files.
        unit: physical unit, or ``share`` (0-1), ``count``, ``bool``, ``index``.
        default: value used when a scenario does not set it (of the parameter's ``type``).
        low, high: plausible range (inclusive); values outside are refused on load.
        tag: one of TAGS.
        source: key into sources.SOURCES.
        description: one line.
        type: one of TYPES; declared from the default's Python type when not given, and checked
            against it (``4`` is an int parameter, ``4.0`` a float one).
        choices: the allowed values of a ``choice`` parameter (empty otherwise).
    """

    name: str
    unit: str
    default: Value
    low: float
    high: float
    tag: str
    source: str
    description: str
    type: str = ""
    choices: tuple[str, ...] = ()

    def __post_init__(self):
        if not self.type:
            object.__setattr__(self, "type", type_of(self.default))
        if self.type not in TYPES:
            raise ValueError(f"parameter {self.name}: type {self.type!r} is not one of {', '.join(TYPES)}")
        if type_of(self.default) != self.type:
            raise ValueError(f"parameter {self.name}: default {self.default!r} is not of type {self.type}")
        if (self.type == "choice") != bool(self.choices) or (self.choices and self.default not in self.choices):
            raise ValueError(f"parameter {self.name}: a choice parameter needs choices that hold its default")
        if not (self.alias.isidentifier() and not keyword.iskeyword(self.alias)):
            raise ValueError(f"parameter {self.name}: alias {self.alias!r} is not a Python identifier")

    @property
    def kind(self) -> type:
        """The Python type of the parameter's values (bool, int, float or str)."""
        return _PYTHON_TYPE[self.type]

    @property
    def alias(self) -> str:
        """Identifier-safe name (see :func:`alias_of`)."""
        return alias_of(self.name)

    def check(self, value, source: str = "", key: str | None = None, *, text: bool = False) -> Value:
        """``value`` typed as this parameter (bool, int, float or one of its choices) and within
        its range.

        The rules are :mod:`mentorsim.validation`'s: a string is refused unless ``text`` (``--set``,
        the page, CSV cells), numpy scalars are numbers, NaN and infinities are refused.

        Raises:
            InputError: one line naming ``source``, ``key`` (default: the parameter's name), the
                value and what is allowed.
        """
        key = key or self.name
        if self.type == "bool":
            return validation.boolean(source, key, value, text=text)
        if self.type == "choice":
            return validation.choice(source, key, value, self.choices)
        check = validation.whole if self.type == "int" else validation.number
        return check(source, key, value, self.low, self.high, unit=self.unit, text=text)

    def record(self) -> dict:
        """The parameter as a plain dict (``mentorsim params --format json``, the Python table)."""
        return {"name": self.name, "alias": self.alias, "type": self.type, "unit": self.unit,
                "default": self.default, "low": self.low, "high": self.high,
                "choices": list(self.choices), "tag": self.tag, "source": self.source,
                "description": self.description}


#: The range of a boolean switch, for declarations.
B = (0, 1)


def _p(name, unit, default, low, high, tag, source, description) -> Param:
    return Param(name, unit, default, low, high, tag, source, description, type=type_of(default))
