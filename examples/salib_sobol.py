"""Sobol indices with SALib straight from the parameter table: bounds and types come from
``mentorsim params``; sampled rows become typed parameter values with ``design_point``.

    python examples/salib_sobol.py 64       # N (a power of two); N * (2D + 2) runs
"""

from __future__ import annotations

import sys

import numpy as np

from mentorsim import evaluate
from mentorsim.parameters.interop import design_point, salib_problem

NAMES = ["visits.interval_weeks", "facilities.leadership_mean", "mentors.unavailable_prob"]


def main(n: int = 64, seed: int = 1):
    sp = salib_problem(NAMES, bounds={"visits.interval_weeks": (4, 13)})
    sp.sample_sobol(n, calc_second_order=False, seed=seed)
    y = np.array([evaluate(design_point(NAMES, row), seed=seed)["composite_month12_pct"]
                  for row in sp.samples])
    sp.set_results(y)
    sp.analyze_sobol(calc_second_order=False, print_to_console=False, seed=seed)
    total, first = sp.analysis.to_df()  # total-order and first-order indices, one row per parameter
    indices = first.join(total)
    print(indices.round(3).to_string())
    return indices


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 64)
