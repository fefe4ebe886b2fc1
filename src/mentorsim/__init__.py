"""mentorsim: an agent-based model of multimodal mentorship for surgical teams.

The public API, loaded on first use (PEP 562), so ``import mentorsim`` and ``mentorsim --help``
stay quick (no numpy, pandas, numba or mesa until a name that needs them is touched):

- scenarios: :func:`load_scenario`, :func:`default_scenario`, :class:`Scenario`
- running: :func:`run`, :func:`compare` (-> :class:`Results`), :func:`simulate` (one replicate's
  output), :func:`evaluate` (one replicate's named scalar outcomes, from a partial mapping),
  :func:`weekly` (one replicate's weekly series), :class:`MentorshipModel` (the Mesa model:
  ``mesa.batch_run``, ``run_model``, ``SolaraViz``)
- the parameter table: :data:`PARAMETERS` (every ``Param`` record), :func:`parameter_table`
- :class:`InputError` (bad input: one line naming the file, key, value and what is allowed)

Examples:
    >>> import mentorsim
    >>> mentorsim.__version__
    '0.1.0'
    >>> res = mentorsim.run(mentorsim.load_scenario("ss2020"), seed=1, replicates=2)
    >>> 0 < res.summary()["composite_month12_pct"] < 100
    True
"""

from __future__ import annotations

from importlib import import_module
from typing import TYPE_CHECKING

__version__ = "0.1.0"

#: Public name -> the module that defines it (imported on first access).
_LAZY = {
    "InputError": "mentorsim.errors",
    "MentorshipModel": "mentorsim.runner",
    "PARAMETERS": "mentorsim.parameters.model_table",
    "Results": "mentorsim.results",
    "Scenario": "mentorsim.scenario",
    "compare": "mentorsim.runner",
    "default_scenario": "mentorsim.scenario",
    "evaluate": "mentorsim.runner",
    "load_scenario": "mentorsim.scenario",
    "run": "mentorsim.runner",
    "simulate": "mentorsim.runner",
    "weekly": "mentorsim.runner",
}
#: Where a public name is called something else in its module.
_RENAMED = {"PARAMETERS": "PARAMS"}

__all__ = [
    "PARAMETERS",
    "InputError",
    "MentorshipModel",
    "Results",
    "Scenario",
    "__version__",
    "compare",
    "default_scenario",
    "evaluate",
    "load_scenario",
    "parameter_table",
    "run",
    "simulate",
    "weekly",
]

if TYPE_CHECKING:  # static tools and IDEs see the real definitions
    from mentorsim.errors import InputError
    from mentorsim.parameters.model_table import PARAMS as PARAMETERS
    from mentorsim.results import Results
    from mentorsim.runner import MentorshipModel, compare, evaluate, run, simulate, weekly
    from mentorsim.scenario import Scenario, default_scenario, load_scenario


def __getattr__(name: str):
    """Import a public name's module on first access (PEP 562) and keep the name here."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'mentorsim' has no attribute {name!r}")
    value = getattr(import_module(module), _RENAMED.get(name, name))
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


def parameter_table():
    """Every parameter as a pandas DataFrame: name, alias (identifier-safe), type (int, float,
    bool or choice), unit, default, low, high, choices, tag (cited, assumption or calibrated),
    source (a key of docs/SOURCES.md) and description.

    The same table as ``mentorsim params`` and docs/PARAMETERS.md; defaults include the
    calibrated values.

    Examples:
        >>> from mentorsim import parameter_table
        >>> table = parameter_table().set_index("name")
        >>> table.loc["visits.interval_weeks", ["alias", "type", "unit", "default"]].tolist()
        ['visits__interval_weeks', 'int', 'weeks', 9]
        >>> sorted(table["tag"].unique())
        ['assumption', 'calibrated', 'cited']
    """
    import pandas as pd

    from mentorsim.parameters.model_table import PARAMS
    return pd.DataFrame([p.record() for p in PARAMS])
