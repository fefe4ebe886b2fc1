"""mentorsim: an agent-based model of multimodal mentorship for surgical teams.

Public API::

    from mentorsim import load_scenario, run, compare, simulate, evaluate
"""

__version__ = "0.1.0"

from mentorsim.errors import InputError  # noqa: E402
from mentorsim.runner import compare, evaluate, run, simulate  # noqa: E402
from mentorsim.scenario import Scenario, default_scenario, load_scenario  # noqa: E402

__all__ = ["InputError", "Scenario", "compare", "default_scenario", "evaluate", "load_scenario",
           "run", "simulate", "__version__"]
