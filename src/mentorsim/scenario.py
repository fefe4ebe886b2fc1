"""Scenario files: TOML, validated on load against the parameter table.

A scenario file has an optional ``[scenario]`` table (``name``, ``description`` and ``title``,
the name as people say it, shown in plots and on the page) and one table per parameter section (``[visits]``, ``[echo]``, ...) whose keys override defaults::

    [scenario]
    name = "ss2020"
    description = "The programme as run"

    [visits]
    interval_weeks = 9

Anything wrong (malformed TOML, unknown section or key, wrong type, out of range, an impossible
combination) raises :class:`~mentorsim.errors.InputError` with one line naming the file, the
key, the value and what is allowed.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from types import MappingProxyType

from mentorsim.errors import InputError, input_error, read_toml
from mentorsim.parameters.interop import canonical
from mentorsim.parameters.model_table import PARAMS_BY_NAME, SECTIONS, Value, defaults
from mentorsim.validation import known_keys, string, suggest

META_KEYS = ("name", "description", "title")
#: Seconds of one core to simulate one facility (intervention or comparison) for one month, for
#: up-front estimates of big jobs. Measured by benchmarks/bench_estimate.py (CPU a run / facility-
#: months, one thread, the 2-core development machine, session 22, Nov 2026, two runs at load 1.9
#: and 2.8): one run at a time (`runner.evaluate`, model and outcomes) 8.0-8.6e-6 s for ss2020 (820
#: facility-months; the dearest per facility-month, as a run's fixed costs weigh most in small
#: models), 5.7-6.7e-6 with 48 months of follow-up, 5.7e-6 at 40 and 3.6-4.2e-6 at 100 facilities;
#: in a sweep's batches of 16, 3.4e-6 to 6.0e-6. Rounded up from the single-run ss2020 figure to
#: stay on the safe side (the 26,624-run Sobol design: estimated 3.6 min of one core, measured ~2).
SECONDS_PER_FACILITY_MONTH = 1e-5
#: Work above this many core-seconds (4 core-hours) is refused unless the user adds --allow-large.
LARGE_CORE_SECONDS = 4 * 3600.0


def shipped_scenarios() -> dict[str, Path]:
    """The scenarios shipped with the package (package data), by name.

    Examples:
        >>> sorted(shipped_scenarios())[:2]
        ['in_person_only', 'local_mentors']
    """
    folder = resources.files("mentorsim").joinpath("scenarios")
    return {Path(str(p)).stem: Path(str(p)) for p in folder.iterdir() if p.name.endswith(".toml")}


@dataclass(frozen=True)
class Scenario:
    """A named, validated parameter set.

    Attributes:
        name: short name used in tables and plots.
        description: one sentence for people.
        params: every parameter (defaults merged with overrides), read-only.
        overrides: only what the scenario (and any ``--set``) changed.
        source: file the scenario came from, or a label.
        title: the name as people say it ("Weekly ECHO"); "" when the file gives none.

    Examples:
        >>> from mentorsim import default_scenario
        >>> faster = default_scenario().with_params({"visits.interval_weeks": 4}, name="monthly")
        >>> faster.name, faster.params["visits.interval_weeks"], dict(faster.overrides)
        ('monthly', 4, {'visits.interval_weeks': 4})
    """

    name: str
    description: str
    params: Mapping[str, Value]
    overrides: Mapping[str, Value] = field(default_factory=dict)
    source: str = "<defaults>"
    title: str = ""

    def __reduce__(self):
        """Pickle as plain dicts (a ``mappingproxy`` cannot be pickled), so scenarios and results
        travel to worker processes; unpickling gives the same read-only scenario."""
        return (_restore, (self.name, self.description, dict(self.params), dict(self.overrides),
                           self.source, self.title))

    @property
    def label(self) -> str:
        """What plots and tables show: the title, else the name with spaces for underscores."""
        return self.title or self.name.replace("_", " ")

    def with_params(self, updates: Mapping[str, object], source: str = "--set",
                    name: str | None = None, title: str | None = None, text: bool = True) -> Scenario:
        """A copy with ``updates`` applied, validated like a file. A new ``name`` drops the old
        title unless ``title`` is given.

        Args:
            text: the values may be text to parse (``--set``, the page): ``"9"`` is 9. Values
                read from a file pass ``text=False``, so a quoted number is refused there as it
                is in a scenario file.
        """
        merged = dict(self.overrides)
        for key, value in updates.items():
            merged[key] = _checked(source, key, value, text=text)
        if title is None:
            title = self.title if name is None else ""
        return _build(name or self.name, self.description, merged, source if self.source ==
                      "<defaults>" else self.source, check_source=source, title=title)


def _restore(name, description, params, overrides, source, title) -> Scenario:
    """Rebuild a pickled Scenario (see ``Scenario.__reduce__``); it was validated when made."""
    return Scenario(name=name, description=description, params=MappingProxyType(params),
                    overrides=MappingProxyType(overrides), source=source, title=title)


def checked_params(updates: Mapping[str, object], source: str = "evaluate()") -> Mapping[str, Value]:
    """Every parameter: the defaults with ``updates`` applied, each key and value checked exactly
    as in a scenario file (unknown keys with a did-you-mean, types, whole numbers, booleans,
    ranges, impossible combinations; numpy scalars are numbers, strings are not). Keys are dotted
    names or their identifier-safe aliases (``visits__interval_weeks``).

    Raises:
        InputError: one line naming ``source``, the key, the value and what is allowed.

    Examples:
        >>> checked_params({"visits__interval_weeks": 4})["visits.interval_weeks"]
        4
        >>> checked_params({"visits.interval_week": 4})
        Traceback (most recent call last):
        ...
        mentorsim.errors.InputError: evaluate(): visits.interval_week: unknown parameter; ... (did you mean visits.interval_weeks?)
    """
    if not isinstance(updates, Mapping):
        raise input_error(source, None, "parameters must be a mapping of parameter names to values",
                          type(updates).__name__)
    named = {canonical(str(k)): v for k, v in updates.items()}
    return default_scenario().with_params(named, source=source, text=False).params


def default_scenario(name: str = "defaults") -> Scenario:
    """The model at its defaults.

    Examples:
        >>> from mentorsim import default_scenario
        >>> sc = default_scenario()
        >>> sc.name, dict(sc.overrides)
        ('defaults', {})
    """
    return _build(name, "All parameters at their defaults.", {}, "<defaults>")


def scenario_from_dict(data: Mapping, source: str = "<dict>", name: str | None = None) -> Scenario:
    """Build a scenario from the parsed TOML structure (sections of keys)."""
    if not isinstance(data, Mapping):
        raise input_error(source, None, "a scenario must be a table of sections")
    meta = data.get("scenario", {})
    if not isinstance(meta, Mapping):
        raise input_error(source, "scenario", "must be a table with name and description")
    known_keys(source, "scenario.", meta, META_KEYS)
    for key in META_KEYS:
        if key in meta:
            string(source, f"scenario.{key}", meta[key])
    overrides: dict[str, Value] = {}
    for section, table in data.items():
        if section == "scenario":
            continue
        if section not in SECTIONS:
            raise input_error(source, section, "unknown section; allowed: "
                              + ", ".join(("scenario",) + SECTIONS) + suggest(section, SECTIONS))
        if not isinstance(table, Mapping):
            raise input_error(source, section, f"must be a table [{section}] of parameters", table)
        for key, value in table.items():
            full = f"{section}.{key}"
            if isinstance(value, Mapping):
                raise input_error(source, full, "nested tables are not allowed")
            overrides[full] = _checked(source, full, value, text=False)
    default_name = Path(source).stem if source.endswith(".toml") else "scenario"
    return _build(name or meta.get("name", default_name), meta.get("description", ""),
                  overrides, source, title=meta.get("title", ""))


def load_scenario(path: str | Path, sets: Iterable[str] = ()) -> Scenario:
    """Load and validate a scenario file, then apply ``key=value`` overrides from ``sets``.

    ``path`` is a TOML file, or the name of a shipped scenario (``"ss2020"``) when no such file
    exists, so an installed package finds its scenarios from any folder.

    Examples:
        >>> from mentorsim import load_scenario
        >>> sc = load_scenario("ss2020", sets=["visits.interval_weeks=4"])
        >>> sc.name, sc.params["visits.interval_weeks"]
        ('ss2020', 4)
        >>> load_scenario("ss2020", sets=["visits.interval_weeks=99"])
        Traceback (most recent call last):
        ...
        mentorsim.errors.InputError: --set: visits.interval_weeks = '99': must be in [1, 52]...
    """
    shipped = shipped_scenarios()
    if not Path(path).exists() and str(path) in shipped:
        path = shipped[str(path)]
    data = read_toml(path, "scenario file")
    source = str(path)
    if not data:
        raise input_error(source, None, "the scenario file is empty: give a [scenario] table (name, "
                          "description) and the parameters it changes, e.g. [visits] interval_weeks = 9")
    scenario = scenario_from_dict(data, source)
    updates = parse_sets(sets)
    if updates:
        scenario = scenario.with_params(updates)
    return scenario


def parse_sets(sets: Iterable[str]) -> dict[str, str]:
    """Parse ``--set key=value`` strings (values stay strings; checked by the table)."""
    out: dict[str, str] = {}
    for item in sets:
        if "=" not in item:
            raise input_error("--set", None, "expected key=value, e.g. visits.interval_weeks=4", item)
        key, value = item.split("=", 1)
        out[key.strip()] = value.strip()
    return out


def _checked(source: str, key: str, value, text: bool) -> Value:
    if key not in PARAMS_BY_NAME:
        section = key.split(".")[0]
        keys = [k for k in PARAMS_BY_NAME if k.startswith(section + ".")]
        if keys:
            allowed = "allowed in [" + section + "]: " + ", ".join(k.split(".", 1)[1] for k in keys)
        else:
            allowed = "see `mentorsim params` for the allowed keys"
        raise input_error(source, key, "unknown parameter; " + allowed + suggest(key, PARAMS_BY_NAME))
    return PARAMS_BY_NAME[key].check(value, source, key, text=text)


#: Combinations that cannot happen, checked after every load: (test, key, message).
def _combination_errors(p: Mapping[str, Value]) -> Iterable[tuple[str, str]]:
    if p["visits.enabled"] and p["visits.days"] > p["mentors.available_days_per_month"]:
        yield ("visits.days", f"{p['visits.days']} visit days exceed the "
               f"{p['mentors.available_days_per_month']:g} days a mentor has a month "
               "(mentors.available_days_per_month)")
    if p["visits.enabled"] and p["visits.days"] > 5 * p["visits.interval_weeks"]:
        yield ("visits.days", f"{p['visits.days']} days per visit do not fit in a "
               f"{p['visits.interval_weeks']}-week interval (at most 5 working days a week)")
    if p["visits.track_clinical_share"] + p["visits.track_data_share"] > 1 + 1e-9:
        yield ("visits.track_data_share", "track_clinical_share + track_data_share must be at most 1")
    if p["facilities.share_regional"] + p["facilities.share_health_centre"] > 1 + 1e-9:
        yield ("facilities.share_health_centre", "share_regional + share_health_centre must be at most 1")
    if p["facilities.intervention"] + p["facilities.comparison"] == 0:
        yield ("facilities.intervention", "at least one facility is needed")
    if p["programme.survey_month"] > p["programme.months"]:
        yield ("programme.survey_month", f"the survey (month {p['programme.survey_month']}) must fall "
               f"within the programme ({p['programme.months']} months)")
    if p["mentors.local_share"] > 0 and p["mentors.handover_month"] >= p["programme.months"]:
        yield ("mentors.handover_month", f"handover at month {p['mentors.handover_month']} never happens "
               f"in a {p['programme.months']}-month programme; set mentors.local_share = 0 instead")
    if p["followup.local_visit_interval_weeks"] > 0 and p["mentors.local_share"] == 0:
        yield ("followup.local_visit_interval_weeks", "follow-up visits need a local mentor pool "
               "(mentors.local_share > 0)")
    if not (p["visits.enabled"] or p["echo.enabled"] or p["whatsapp.enabled"]) and (
            p["mentors.local_share"] > 0 and p["followup.local_visit_interval_weeks"] > 0):
        yield ("followup.local_visit_interval_weeks", "a local pool cannot continue a programme "
               "that never ran")


def _build(name: str, description: str, overrides: Mapping[str, Value], source: str,
           check_source: str | None = None, title: str = "") -> Scenario:
    params = defaults()
    params.update(overrides)
    for key, message in _combination_errors(params):
        raise InputError(f"{check_source or source}: {key} = {params[key]!r}: {message}")
    return Scenario(name=name, description=description, params=MappingProxyType(params),
                    overrides=MappingProxyType(dict(overrides)), source=source, title=title)


def estimated_seconds(params: Mapping[str, Value]) -> float:
    """About how many seconds of one core one run of ``params`` takes (see SECONDS_PER_FACILITY_MONTH).

    Examples:
        >>> round(estimated_seconds(default_scenario().params), 4)
        0.0082
    """
    facilities = params["facilities.intervention"] + params["facilities.comparison"]
    months = params["programme.months"] + params["followup.months"]
    return max(1, facilities) * max(1, months) * SECONDS_PER_FACILITY_MONTH


def describe_seconds(seconds: float) -> str:
    """A duration for people: ``40 s``, ``12 min``, ``3.5 h``, ``2.1 days``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    if seconds < 2 * 86400:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} days"
