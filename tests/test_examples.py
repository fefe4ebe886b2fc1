"""Every example in examples/ runs, at small sizes (the same code a user runs at full size)."""

from __future__ import annotations

import runpy
from pathlib import Path

import numpy as np
import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name: str) -> dict:
    return runpy.run_path(str(EXAMPLES / name), run_name="example")


def test_mesa_batch_run_example():
    df = _load("mesa_batch_run.py")["main"](seeds=1)
    assert len(df) == 2 and set(df["visits.interval_weeks"]) == {4, 13}
    by = df.set_index("visits.interval_weeks")
    assert by.loc[4, "mentor_days"] > by.loc[13, "mentor_days"]  # more visits, more mentor days


def test_salib_sobol_example():
    indices = _load("salib_sobol.py")["main"](n=8)
    assert list(indices.index) == _load("salib_sobol.py")["NAMES"]
    assert {"S1", "ST"} <= set(indices.columns) and np.isfinite(indices["ST"]).all()


def test_ema_workbench_prim_example():
    experiments, outcomes, box = _load("ema_workbench_prim.py")["main"](n=24, processes=2)
    assert len(experiments) == 24 and np.isfinite(outcomes["composite_month12_pct"]).all()
    assert set(experiments["visits__interval_weeks"]) <= set(range(4, 27))
    assert 0 < box.coverage <= 1


@pytest.mark.filterwarnings("ignore")
def test_solara_viz_example_renders_the_datacollector():
    solara = pytest.importorskip("solara")
    from solara.widgets import GridLayout

    from mentorsim import MentorshipModel

    ns = _load("solara_viz.py")

    def images(model):
        _box, rc = solara.render(ns["make_page"](model), handle_error=False)
        grid = rc.find(GridLayout).widget
        out = [item.value for item in grid.items]
        rc.close()
        return out

    fresh = images(MentorshipModel(seed=1))
    done = MentorshipModel(seed=1)
    done.run_model()
    after = images(done)
    assert len(fresh) == len(after) == 3 and all(len(x) > 1000 for x in after)  # three PNG plots
    assert all(a != b for a, b in zip(fresh, after))  # the plots show the collected weeks
