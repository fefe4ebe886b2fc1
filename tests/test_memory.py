"""Runs do not accumulate memory: sweeps of tens of thousands of runs must stay flat."""

import gc
import weakref

from conftest import params_with

from mentorsim.model.model import MentorshipModel
from mentorsim.runner import evaluate


def test_a_finished_run_leaves_nothing_behind():
    p = params_with(scenario="ss2020")
    evaluate(p, seed=1, replicate=0)
    gc.collect()
    before = len(gc.get_objects())
    for r in range(30):
        evaluate(p, seed=1, replicate=r)
    gc.collect()
    assert len(gc.get_objects()) - before < 300  # was ~170 objects per run kept forever


def test_released_model_is_freed():
    model = MentorshipModel(params_with(scenario="ss2020"), seed=1)
    ref = weakref.ref(model)
    model.run()
    model.release()
    del model
    gc.collect()
    assert ref() is None
