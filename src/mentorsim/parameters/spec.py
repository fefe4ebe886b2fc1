"""The parameter record: name, unit, default, range, source tag. See parameters.py."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

Value = Union[float, int, bool]

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


#: The range of a boolean switch, for declarations.
B = (0, 1)


def _p(name, unit, default, low, high, tag, source, description) -> Param:
    return Param(name, unit, default, low, high, tag, source, description)
