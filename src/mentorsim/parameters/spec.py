"""The parameter record: name, unit, default, range, source tag. See parameters.py."""

from __future__ import annotations

from dataclasses import dataclass

from mentorsim import validation

Value = float | int | bool

TAGS = ("cited", "assumption", "calibrated")


@dataclass(frozen=True)
class Param:
    """One model parameter.

    Attributes:
        name: dotted key, ``section.key``, as written in scenario files.
        unit: physical unit, or ``share`` (0-1), ``count``, ``bool``, ``index``.
        default: value used when a scenario does not set it; its type fixes the parameter type.
        low, high: plausible range (inclusive); values outside are refused on load.
        tag: one of TAGS.
        source: key into sources.SOURCES.
        description: one line.
    """

    name: str
    unit: str
    default: Value
    low: float
    high: float
    tag: str
    source: str
    description: str

    @property
    def kind(self) -> type:
        return type(self.default)

    def check(self, value, source: str = "", key: str | None = None, *, text: bool = False) -> Value:
        """``value`` typed as this parameter (bool, int or float) and within its range.

        The rules are :mod:`mentorsim.validation`'s: a string is refused unless ``text`` (``--set``,
        the page, CSV cells), numpy scalars are numbers, NaN and infinities are refused.

        Raises:
            InputError: one line naming ``source``, ``key`` (default: the parameter's name), the
                value and what is allowed.
        """
        key = key or self.name
        if self.kind is bool:
            return validation.boolean(source, key, value, text=text)
        check = validation.whole if self.kind is int else validation.number
        return check(source, key, value, self.low, self.high, unit=self.unit, text=text)


#: The range of a boolean switch, for declarations.
B = (0, 1)


def _p(name, unit, default, low, high, tag, source, description) -> Param:
    return Param(name, unit, default, low, high, tag, source, description)
