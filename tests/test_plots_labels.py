"""What plots show: names as people say them, the parameters that matter, visible series."""

import numpy as np
import pandas as pd

from mentorsim.experiments.plots import importance
from mentorsim.plots import LINESTYLES, human, style
from mentorsim.scenario import shipped_scenarios


class _P:
    def __init__(self, name):
        self.name = name


def test_scenarios_items_and_outputs_have_human_names():
    for name in shipped_scenarios():
        assert "_" not in human(name)
    assert human("in_person_only") == "In-person only"
    assert human("no_mentorship") == "No mentorship"
    assert human("per_diem") == "per diems (allowances)"
    assert human("skill_data_use_month12") == "skill: data use at month 12"
    assert human("composite_month12_pct") == "composite adherence at month 12 (%)"
    assert human("As run (SS2020), facilities 3") == "As run (SS2020), facilities 3"


def test_series_differ_in_line_and_marker():
    styles = [style(i, 100) for i in range(len(LINESTYLES))]
    assert len({str(s["ls"]) for s in styles}) == len(styles)
    assert len({s["marker"] for s in styles}) == len(styles)
    # markers of two series fall on different points, so coinciding lines both show
    assert styles[0]["markevery"] != styles[1]["markevery"]


def test_scatter_shows_the_parameters_the_output_moves_with():
    rng = np.random.default_rng(4)
    names = [f"p{k}" for k in range(12)]
    df = pd.DataFrame(rng.uniform(size=(300, 12)), columns=names)
    df["out"] = 5 * df["p9"] - 2 * df["p11"] + 0.1 * rng.normal(size=300)
    df["p3"] = 0.5  # never varies
    ranked = [p.name for p in importance(df, [_P(n) for n in names], ["out"])]
    assert ranked[:2] == ["p9", "p11"]
    assert ranked.index("p3") >= 2
