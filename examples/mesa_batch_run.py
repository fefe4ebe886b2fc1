"""Mesa's batch_run over mentorsim, no adapter: dotted parameter names as batch parameters.

python examples/mesa_batch_run.py            # 2 visit intervals x 3 seeds
"""

from __future__ import annotations

import sys

import mesa
import pandas as pd

from mentorsim import MentorshipModel


def main(seeds: int = 3) -> pd.DataFrame:
    """One row per run (the last step's reporters: weekly series and run-summary outcomes)."""
    runs = mesa.batch_run(MentorshipModel,
                          parameters={"visits.interval_weeks": [4, 13], "seed": list(range(1, seeds + 1))},
                          max_steps=10_000, display_progress=False)
    df = pd.DataFrame(runs)
    print(df.groupby("visits.interval_weeks")[["composite_month12_pct", "ssc_use_month12_pct",
                                              "mentor_days"]].mean().round(1).to_string())
    return df


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3)
