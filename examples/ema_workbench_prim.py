"""EMA Workbench over mentorsim.evaluate, no adapter: uncertainties from the parameter table
(named by alias, as EMA needs identifiers), two worker processes, then PRIM on the results.

    python examples/ema_workbench_prim.py 200     # experiments
"""

from __future__ import annotations

import sys

from ema_workbench import Constant, Model, MultiprocessingEvaluator, ScalarOutcome
from ema_workbench.analysis import prim

from mentorsim import evaluate
from mentorsim.parameters.interop import ema_parameters

NAMES = ["visits.interval_weeks", "visits.days", "facilities.leadership_mean", "echo.enabled"]


def main(n: int = 200, processes: int = 2):
    model = Model("mentorsim", function=evaluate)
    model.uncertainties = ema_parameters(NAMES, bounds={"visits.interval_weeks": (4, 26), "visits.days": (1, 4)})
    model.outcomes = [ScalarOutcome("composite_month12_pct"), ScalarOutcome("mentor_days")]
    # one seed for every experiment (common random numbers); an invalid point gives NaN, not a crash
    model.constants = [Constant("seed", 1), Constant("errors", "nan")]
    with MultiprocessingEvaluator(model, n_processes=processes) as evaluator:
        experiments, outcomes = evaluator.perform_experiments(scenarios=n)
    y = outcomes["composite_month12_pct"]
    good = y >= sorted(y)[len(y) * 3 // 4]  # the best quarter of the experiments
    # PRIM on real numbers (EMA 2.5.3's pasting writes fractional bounds into integer columns)
    x = experiments[[u.name for u in model.uncertainties]].astype(float)
    box = prim.Prim(x, good, threshold=0.6).find_box()
    print(box.inspect(style="table"))
    return experiments, outcomes, box


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 200)
