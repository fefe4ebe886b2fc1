"""The one set of input checks: every reader of user input (scenario files and ``--set``,
experiment files, calibration configurations and targets, CSV tables, command-line values)
checks values here, so the same value gets the same verdict and the same one-line message
everywhere.

Each check takes ``source`` (a file, or a flag such as ``--set``), ``key`` (where in it) and the
value, and returns the value typed, or raises :class:`~mentorsim.errors.InputError` whose one
line names the file, the key, the value and what is allowed::

    scenarios/x.toml: visits.interval_weeks = 200: must be in [1, 52] (weeks)

The rules, the same in every reader:

- numbers are ``int``, ``float`` or any numpy real scalar (``numpy.int64(4)``, ``numpy.float32``);
  ``true``/``false`` are not numbers; NaN and infinities are refused (``finite``);
- a whole number is a number with no fractional part (``4`` or ``4.0``), returned as ``int``;
- a string where a number or a switch is expected is refused, unless the value is command-line
  or page text (``text=True``: ``--set``, CSV cells, the web page), which is parsed (``"9"``,
  ``"true"``);
- ranges are inclusive and written ``[low, high]``, with the unit in brackets after them.

This module imports nothing from mentorsim but :mod:`mentorsim.errors`, so every layer (the
parameter table included) can use it.
"""

from __future__ import annotations

import difflib
import math
import numbers
from collections.abc import Iterable, Mapping

import numpy as np

from mentorsim.errors import InputError, input_error

__all__ = [
    "InputError",
    "boolean",
    "choice",
    "is_number",
    "known_keys",
    "number",
    "span",
    "string",
    "suggest",
    "whole",
]


def suggest(word, choices: Iterable) -> str:
    """`` (did you mean X?)`` for the choice closest to ``word``, or ``""`` if none is close.

    Examples:
        >>> suggest("intervl_weeks", ["interval_weeks", "days"])
        ' (did you mean interval_weeks?)'
        >>> suggest("zzz", ["interval_weeks"])
        ''
    """
    close = difflib.get_close_matches(str(word), [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]}?)" if close else ""


def is_number(value) -> bool:
    """True for int, float and numpy real scalars; False for booleans (numpy's too) and the rest."""
    return isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))


def _fmt(x: float) -> str:
    return str(int(x)) if math.isfinite(x) and x == int(x) and abs(x) < 1e16 else f"{x:g}"


def span(low: float, high: float) -> str:
    """An inclusive range as written in messages (whole bounds in full).

    Examples:
        >>> span(0, 2**32 - 1), span(0.5, 1), span(0, math.inf)
        ('[0, 4294967295]', '[0.5, 1]', '[0, inf]')
    """
    return f"[{_fmt(low)}, {_fmt(high)}]"


def _unit(unit: str) -> str:
    return f" ({unit})" if unit else ""


def _allowed(kind: str, low: float, high: float, unit: str, what: str | None, finite: bool = False) -> str:
    """What is allowed, for messages: ``a whole number in [1, 52] (weeks)``."""
    if what:
        return what
    bounded = math.isfinite(low) or math.isfinite(high)
    return (f"a {'finite ' if finite else ''}{kind}" + (f" in {span(low, high)}" if bounded else "")
            + _unit(unit))


def _as_number(source, key, value, kind, low, high, unit, what, text: bool) -> float:
    """``value`` as a finite float, refusing what is not a number."""
    allowed = _allowed(kind, low, high, unit, what)
    if isinstance(value, str):
        if not text:
            raise input_error(source, key, f"must be {allowed}, not a string", value)
        try:
            x = float(value.strip())
        except ValueError:
            raise input_error(source, key, f"must be {allowed}", value) from None
    elif is_number(value):
        x = float(value)
    else:
        raise input_error(source, key, f"must be {allowed}", value)
    if not math.isfinite(x):
        raise input_error(source, key, f"must be {_allowed(kind, low, high, unit, what, finite=True)}", value)
    return x


def _in_range(source, key, value, x, low, high, unit, what) -> None:
    if not low <= x <= high:
        raise input_error(source, key, f"must be {what}" if what else f"must be in {span(low, high)}{_unit(unit)}",
                          value)


def number(source: str, key: str | None, value, low: float = -math.inf, high: float = math.inf, *,
           unit: str = "", text: bool = False, what: str | None = None) -> float:
    """A finite number in ``[low, high]``, as float.

    Args:
        unit: shown after the range in messages.
        text: accept text (``"0.5"``) and parse it; otherwise a string is refused.
        what: what is allowed, to say instead of the range (for ranges that are not intervals).

    Examples:
        >>> number("f.toml", "share", 0.25, 0, 1)
        0.25
        >>> number("f.toml", "share", "0.25", 0, 1)
        Traceback (most recent call last):
        mentorsim.errors.InputError: f.toml: share = '0.25': must be a number in [0, 1], not a string
    """
    x = _as_number(source, key, value, "number", low, high, unit, what, text)
    _in_range(source, key, value, x, low, high, unit, what)
    return x


def whole(source: str, key: str | None, value, low: float = -math.inf, high: float = math.inf, *,
          unit: str = "", text: bool = False, what: str | None = None) -> int:
    """A whole number (``4`` or ``4.0``) in ``[low, high]``, as int (see :func:`number`).

    Examples:
        >>> import numpy as np
        >>> whole("f.toml", "seed", np.int64(4), 0, 10)
        4
        >>> whole("--set", "visits.days", "2.5", 1, 10, text=True)
        Traceback (most recent call last):
        mentorsim.errors.InputError: --set: visits.days = '2.5': must be a whole number in [1, 10]
    """
    x = _as_number(source, key, value, "whole number", low, high, unit, what, text)
    if x != math.floor(x):
        raise input_error(source, key, f"must be {_allowed('whole number', low, high, unit, what)}", value)
    _in_range(source, key, value, x, low, high, unit, what)
    return int(x)


def boolean(source: str, key: str | None, value, *, text: bool = False) -> bool:
    """A switch: ``True``/``False`` (numpy's too); with ``text``, also ``"true"``/``"false"``.

    Examples:
        >>> boolean("--set", "echo.enabled", "False", text=True)
        False
    """
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if text and isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise input_error(source, key, "must be true or false", value)


def string(source: str, key: str | None, value, *, nonempty: bool = False) -> str:
    """A string (non-empty with ``nonempty``)."""
    if not isinstance(value, str) or (nonempty and not value.strip()):
        raise input_error(source, key, "must be a non-empty string" if nonempty else "must be a string", value)
    return value


def choice(source: str, key: str | None, value, allowed: Iterable[str]) -> str:
    """One of ``allowed`` (strings), with a did-you-mean suggestion when the value is close to one.

    Examples:
        >>> choice("c.toml", "point", "median", ("median", "mean"))
        'median'
        >>> choice("c.toml", "point", "meen", ("median", "mean"))
        Traceback (most recent call last):
        mentorsim.errors.InputError: c.toml: point = 'meen': allowed: median, mean (did you mean mean?)
    """
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        hint = suggest(value, allowed) if isinstance(value, str) else ""
        raise input_error(source, key, "allowed: " + ", ".join(allowed) + hint, value)
    return value


def known_keys(source: str, prefix: str, table: Mapping, allowed: Iterable[str], what: str = "key") -> None:
    """Refuse the first key of ``table`` not in ``allowed`` (named ``prefix + key``), suggesting one.

    Examples:
        >>> known_keys("c.toml", "calibration.", {"sed": 1}, ("seed", "population"))
        Traceback (most recent call last):
        mentorsim.errors.InputError: c.toml: calibration.sed: unknown key; allowed: population, seed (did you mean seed?)
    """
    allowed = tuple(allowed)
    for key in table:
        if key not in allowed:
            raise input_error(source, f"{prefix}{key}", f"unknown {what}; allowed: " + ", ".join(sorted(allowed))
                              + suggest(key, allowed))
