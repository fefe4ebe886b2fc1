"""The programme levers a policy maker sets on the web page, and how they are checked.

Each lever is one field of the page mapped to one parameter of the table (parameters.py), so
the page changes nothing the CLI could not change with ``--set``. Values are checked by the same
machinery as scenario files and ``--set`` (``Scenario.with_params``): a bad value gives the
one-line ``InputError`` message, shown beside its field. Two levers are not parameters:
``replicates`` (checked like ``--replicates``) and ``seed``.

The page starts from a preset (a shipped scenario, ``PRESETS``), can save the scenario as a TOML
file the CLI runs (``scenario_toml``) and load one back (``scenario_from_text``), and keeps its
state in the URL's query string (``to_query`` / ``from_query``).
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlencode

from mentorsim.errors import InputError, parse_toml
from mentorsim.parameters.model_table import PARAMS_BY_NAME, SECTIONS
from mentorsim.scenario import Scenario, load_scenario, scenario_from_dict, shipped_scenarios

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
        group: the heading the page shows it under (``GROUPS``).
    """

    key: str
    label: str
    kind: str
    help: str
    group: str = "During the programme"


#: The lever panel's headings, in order.
GROUPS = ("During the programme", "Regional mentors", "What is kept afterwards", "Run")


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
    Lever("facilities.intervention", "Facilities", "int",
          f"Facilities receiving mentorship (the page runs 1-{MAX_FACILITIES})."),
    Lever("mentors.local_share", "Local-mentor share", "float",
          "Share of mentor positions held by regional mentors after the handover (0-1). On its own it "
          "changes who visits, not what lasts: pair it with local visits afterwards.", "Regional mentors"),
    Lever("mentors.handover_month", "Handover month", "int",
          "Month the regional mentors take over their positions (as run: 12; 0 = from the start).",
          "Regional mentors"),
    Lever("followup.local_visit_interval_weeks", "Local visits afterwards (weeks apart)", "int",
          "After the programme, regional mentors keep visiting this often (0 = they stop; 13 = quarterly).",
          "What is kept afterwards"),
    Lever("followup.whatsapp", "WhatsApp groups continue afterwards", "bool",
          "The groups keep running after the programme ends.", "What is kept afterwards"),
    Lever("followup.echo_interval_weeks", "Telementoring afterwards (weeks apart)", "int",
          "ECHO sessions after the programme (0 = they stop).", "What is kept afterwards"),
    Lever("followup.months", "Horizon after the programme (months)", "int",
          "Follow-up during which only what is kept continues.", "What is kept afterwards"),
    Lever("replicates", "Replicates", "int", f"Runs with different random draws (1-{MAX_REPLICATES}).", "Run"),
    Lever("seed", "Seed", "int", "Run seed; the same seed gives the same results.", "Run"),
)
LEVERS_BY_KEY: dict[str, Lever] = {lv.key: lv for lv in LEVERS}
PARAM_LEVERS: tuple[str, ...] = tuple(lv.key for lv in LEVERS if lv.key in PARAMS_BY_NAME)
NOT_PARAMS = ("replicates", "seed")


def base_scenario() -> Scenario:
    """ss2020 as run: the page's starting point."""
    return load_scenario(BASE_SCENARIO)


#: The order of the preset buttons: the programme as run first, the comparison last; any other
#: shipped scenario follows in name order.
PRESET_ORDER = ("ss2020", "ss2020_weekly_echo", "in_person_only", "virtual_only", "local_mentors",
                "no_mentorship")
DEFAULT_PRESET = "ss2020"


@dataclass(frozen=True)
class Preset:
    """A shipped scenario offered as one click: ``key`` its file name, ``title`` and
    ``description`` from its ``[scenario]`` table."""

    key: str
    title: str
    description: str


def presets() -> tuple[Preset, ...]:
    """Every shipped scenario (``shipped_scenarios()``), named as its file's ``[scenario] title``."""
    shipped = shipped_scenarios()
    keys = [k for k in PRESET_ORDER if k in shipped] + sorted(set(shipped) - set(PRESET_ORDER))
    out = []
    for key in keys:
        sc = load_scenario(shipped[key])
        out.append(Preset(key, sc.label, sc.description))
    return tuple(out)


def preset_scenario(key: str) -> Scenario:
    """The shipped scenario ``key``; InputError naming the allowed presets if there is none."""
    shipped = shipped_scenarios()
    if key not in shipped:
        raise InputError(f"{SOURCE}: preset = {key!r}: unknown; allowed: {', '.join(sorted(shipped))}")
    return load_scenario(shipped[key])


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


def check(values: Mapping[str, object], base: Scenario | None = None, name: str | None = None,
          title: str | None = None) -> Checked:
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
            scenario = base.with_params(updates, source=SOURCE, name=name, title=title)
        except InputError as exc:
            key = _key_of(str(exc))
            if key in LEVERS_BY_KEY:
                errors[key] = str(exc)
            else:
                general = str(exc)
    if errors:
        scenario = None if any(k in errors for k in PARAM_LEVERS) else scenario
    return Checked(scenario, replicates, seed, errors, general)


def describe(scenario: Scenario, base: Scenario | None = None) -> str:
    """One line naming what the scenario changed from ``base`` (default: as run), e.g.
    ``As run (SS2020) with Visit interval (weeks) = 4``."""
    base = base or base_scenario()
    changed = changed_levers(scenario.params, base)
    if not changed:
        return base.label
    return base.label + " with " + ", ".join(f"{LEVERS_BY_KEY[k].label} = {as_text(v)}"
                                             for k, v in changed.items())


def changed_levers(params: Mapping[str, object], base: Scenario) -> dict[str, object]:
    """The lever parameters whose value differs from ``base``'s, in lever order."""
    return {k: params[k] for k in PARAM_LEVERS if k in params and params[k] != base.params[k]}


def auto_name(values: Mapping[str, object], base: Scenario) -> str:
    """The name a run gets when nobody typed one: the preset's title, plus up to two changed
    levers (``Weekly ECHO, visit interval (weeks) 4``), or ``(changed)`` when more changed."""
    checked = check(values, base)
    if not checked.ok:
        return base.label
    changed = changed_levers(checked.scenario.params, base)
    if not changed:
        return base.label
    if len(changed) > 2:
        return f"{base.label} (changed)"
    return base.label + ", " + ", ".join(f"{LEVERS_BY_KEY[k].label.lower()} {as_text(v)}"
                                         for k, v in changed.items())


# --- save, load and share ---------------------------------------------------------------------

def _toml_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def slug(text: str) -> str:
    """A file-name-safe version of a name: ``Weekly ECHO, visits 4`` -> ``weekly_echo_visits_4``."""
    out = re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")
    return out or "scenario"


def scenario_toml(scenario: Scenario, replicates: int | None = None, seed: int | None = None,
                  title: str | None = None) -> str:
    """The scenario as a TOML file ``mentorsim run`` accepts: ``[scenario]`` name, title and
    description, then every parameter the scenario sets (its preset's and the levers'), by
    section. Seed and replicates are not part of a scenario: they go into the comment's command."""
    title = scenario.label if title is None else title
    lines = ["# Saved from the mentorsim page. Run it with:",
             f"#   mentorsim run {slug(title)}.toml"
             + (f" --seed {seed}" if seed is not None else "")
             + (f" --replicates {replicates}" if replicates is not None else ""),
             "", "[scenario]", f"name = {_toml_value(slug(title))}", f"title = {_toml_value(title)}",
             f"description = {_toml_value(scenario.description)}"]
    for section in SECTIONS:
        keys = sorted(k for k in scenario.overrides if k.split(".", 1)[0] == section)
        if keys:
            lines += ["", f"[{section}]"]
            lines += [f"{k.split('.', 1)[1]} = {_toml_value(scenario.overrides[k])}" for k in keys]
    return "\n".join(lines) + "\n"


def scenario_from_text(text: str | bytes, source: str = "uploaded file") -> Scenario:
    """Read a scenario file's text (as saved by ``scenario_toml`` or written by hand), validated
    as ``mentorsim run`` validates files; InputError with one line on anything wrong."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise InputError(f"{source}: not a text file (a saved scenario is UTF-8 TOML)") from None
    data = parse_toml(text, source)  # one line for malformed or too deeply nested text too
    if not data:
        raise InputError(f"{source}: the file is empty (a saved scenario has a [scenario] table)")
    return scenario_from_dict(data, source)


def to_query(scenario: Scenario, preset: str, replicates: int, seed: int, name: str = "") -> str:
    """The page's state as a query string: the preset, every parameter that differs from the
    preset's, and the run settings when they are not the defaults (``preset=ss2020&visits.days=3``)."""
    base = preset_scenario(preset)
    items: list[tuple[str, str]] = [("preset", preset)]
    for key in sorted(set(scenario.params)):
        if scenario.params[key] != base.params[key]:
            items.append((key, as_text(scenario.params[key]) if not isinstance(scenario.params[key], float)
                          else repr(scenario.params[key])))
    if replicates != 20:
        items.append(("replicates", str(replicates)))
    if seed != 1:
        items.append(("seed", str(seed)))
    if name:
        items.append(("name", name))
    return urlencode(items)


@dataclass(frozen=True)
class PageState:
    """What a query string restores: the preset key, the base scenario (the preset plus any
    parameter that is not a lever), the lever values (text) and the run name typed (or "")."""

    preset: str
    base: Scenario
    values: dict[str, object]
    name: str


def from_query(query: str | None) -> PageState:
    """Read ``to_query``'s string back. Unknown keys and bad values raise InputError naming the
    key, the value and what is allowed (the page shows it and starts from the preset)."""
    pairs = parse_qsl((query or "").lstrip("?"), keep_blank_values=True)
    given = dict(pairs)
    preset = given.pop("preset", DEFAULT_PRESET)
    base = preset_scenario(preset)
    name = given.pop("name", "")
    run = {k: given.pop(k) for k in NOT_PARAMS if k in given}
    for key in given:
        if key not in PARAMS_BY_NAME:
            raise InputError(f"{SOURCE} address: {key}: unknown key; allowed: preset, name, replicates, "
                             "seed or a parameter (`mentorsim params`)")
    fixed = {k: v for k, v in given.items() if k not in LEVERS_BY_KEY}
    if fixed:
        base = base.with_params(fixed, source=f"{SOURCE} address")
    values = {k: (v if isinstance(v, bool) else as_text(v)) for k, v in initial_values(base).items()}
    for key, raw in given.items():
        if key in LEVERS_BY_KEY:
            values[key] = raw.strip().lower() == "true" if LEVERS_BY_KEY[key].kind == "bool" else raw
    values.update(run)
    return PageState(preset, base, values, name)
