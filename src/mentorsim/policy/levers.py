"""The programme levers a policy maker sets on the web page, and how they are checked.

Each lever is one field of the page mapped to one parameter of the table (parameters.py), so
the page changes nothing the CLI could not change with ``--set``. Values are checked by the same
machinery as scenario files and ``--set`` (``Scenario.with_params``): a bad value gives the
one-line ``InputError`` message, shown beside its field. Two levers are not parameters:
``replicates`` (checked like ``--replicates``) and ``seed``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Mapping

from mentorsim.errors import InputError
from mentorsim.parameters.model_table import PARAMS_BY_NAME
from mentorsim.scenario import Scenario, load_scenario, shipped_scenarios

#: The scenario the page starts from.
BASE_SCENARIO = shipped_scenarios()["ss2020"]
#: Label naming the page as the source of a value in error messages.
SOURCE = "page"
MAX_REPLICATES = 200
#: The page refuses more facilities than this: a run would take minutes, not seconds.
MAX_FACILITIES = 200


@dataclass(frozen=True)
class Lever:
    """One field of the page.

    Attributes:
        key: parameter name (``section.key``), or ``replicates`` / ``seed``.
        label: what the page shows.
        kind: ``int``, ``float`` or ``bool`` (switches).
        help: one line under the field.
    """

    key: str
    label: str
    kind: str
    help: str


LEVERS: tuple[Lever, ...] = (
    Lever("visits.enabled", "In-person visits", "bool", "Mentor teams visit the facilities."),
    Lever("visits.interval_weeks", "Visit interval (weeks)", "int",
          "Weeks between visits to a facility (as run: 9, every two months)."),
    Lever("visits.days", "Visit days", "int", "Days per visit (as run: 2)."),
    Lever("echo.enabled", "Telementoring (Project ECHO)", "bool", "80-minute case-based sessions."),
    Lever("echo.interval_weeks", "Telementoring interval (weeks)", "int",
          "Weeks between sessions (as run: 2)."),
    Lever("whatsapp.enabled", "WhatsApp groups during the programme", "bool",
          "Regional groups for questions and case consultations."),
    Lever("followup.whatsapp", "WhatsApp groups continue afterwards", "bool",
          "The groups keep running after the programme ends."),
    Lever("mentors.local_share", "Local-mentor share", "float",
          "Share of mentor positions held by regional mentors after the handover (0-1)."),
    Lever("facilities.intervention", "Facilities", "int",
          f"Facilities receiving mentorship (the page runs 1-{MAX_FACILITIES})."),
    Lever("followup.months", "Horizon after the programme (months)", "int",
          "Follow-up during which only what is kept continues."),
    Lever("replicates", "Replicates", "int", f"Runs with different random draws (1-{MAX_REPLICATES})."),
    Lever("seed", "Seed", "int", "Run seed; the same seed gives the same results."),
)
LEVERS_BY_KEY: dict[str, Lever] = {lv.key: lv for lv in LEVERS}
PARAM_LEVERS: tuple[str, ...] = tuple(lv.key for lv in LEVERS if lv.key in PARAMS_BY_NAME)
NOT_PARAMS = ("replicates", "seed")


def base_scenario() -> Scenario:
    """ss2020 as run: the page's starting point."""
    return load_scenario(BASE_SCENARIO)


def initial_values(base: Scenario | None = None, replicates: int = 20, seed: int = 1) -> dict[str, object]:
    """Each lever's starting value: the base scenario's parameters, 20 replicates, seed 1."""
    base = base or base_scenario()
    values: dict[str, object] = {k: base.params[k] for k in PARAM_LEVERS}
    values["replicates"] = replicates
    values["seed"] = seed
    return values


def as_text(value) -> str:
    """How a value appears in a text field."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)


@dataclass
class Checked:
    """What the checks found.

    Attributes:
        scenario: the validated scenario (None if any field is wrong).
        replicates, seed: the validated run settings (None if wrong).
        field_errors: one-line message per lever key.
        general_error: a message that names no lever (e.g. a combination with a fixed parameter).
    """

    scenario: Scenario | None
    replicates: int | None
    seed: int | None
    field_errors: dict[str, str]
    general_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.scenario is not None and not self.field_errors and not self.general_error


_KEY_IN_MESSAGE = re.compile(r"^[^:]*: ([a-z_]+\.[a-z_0-9]+)(?: = |: )")


def _key_of(message: str) -> str | None:
    m = _KEY_IN_MESSAGE.match(message)
    return m.group(1) if m else None


def _whole_number(source_key: str, text, low: int, high: int) -> int:
    try:
        f = float(str(text).strip())
        if f != int(f):
            raise ValueError
        n = int(f)
    except (ValueError, OverflowError):
        raise InputError(f"{SOURCE}: {source_key} = {str(text)!r}: must be a whole number from "
                         f"{low} to {high}") from None
    if not (low <= n <= high):
        raise InputError(f"{SOURCE}: {source_key} = {n}: must be a whole number from {low} to {high}")
    return n


def check(values: Mapping[str, object], base: Scenario | None = None, name: str = "custom") -> Checked:
    """Check every lever value (text from the page or typed values) as the CLI would.

    Each parameter lever is checked alone first (``Scenario.with_params`` on the base), so each
    field shows its own message; then all together, so a combination that cannot happen (visit
    days that do not fit the interval) is reported beside the lever it names.
    """
    base = base or base_scenario()
    errors: dict[str, str] = {}
    updates: dict[str, object] = {}
    for key in PARAM_LEVERS:
        if key not in values:
            continue
        raw = values[key]
        value = raw.strip() if isinstance(raw, str) else raw
        try:
            base.with_params({key: value}, source=SOURCE)
            updates[key] = value
        except InputError as exc:
            errors[key] = str(exc)
    n = values.get("facilities.intervention")
    if "facilities.intervention" not in errors and n is not None:
        try:
            _whole_number("facilities.intervention", n, 1, MAX_FACILITIES)
        except InputError as exc:
            errors["facilities.intervention"] = f"{exc} on this page (use the CLI for more)"
    replicates = seed = None
    try:
        replicates = _whole_number("replicates", values.get("replicates", 20), 1, MAX_REPLICATES)
    except InputError as exc:
        errors["replicates"] = str(exc)
    try:
        seed = _whole_number("seed", values.get("seed", 1), 0, 2**32 - 1)
    except InputError as exc:
        errors["seed"] = str(exc)
    scenario = None
    general = None
    if not any(k in errors for k in PARAM_LEVERS):
        try:
            scenario = base.with_params(updates, source=SOURCE, name=name)
        except InputError as exc:
            key = _key_of(str(exc))
            if key in LEVERS_BY_KEY:
                errors[key] = str(exc)
            else:
                general = str(exc)
    if errors:
        scenario = None if any(k in errors for k in PARAM_LEVERS) else scenario
    return Checked(scenario, replicates, seed, errors, general)


def describe(scenario: Scenario) -> str:
    """One line naming what the scenario changed from the base, e.g. ``visits every 4 weeks``."""
    base = base_scenario().params
    changed = [f"{k} = {as_text(scenario.params[k])}" for k in PARAM_LEVERS
               if scenario.params[k] != base[k]]
    return "as run (ss2020)" if not changed else "ss2020 with " + ", ".join(changed)
