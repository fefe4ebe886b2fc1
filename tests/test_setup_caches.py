"""What a model's set-up keeps between models (model.derived, per parameter set): each model gets
records equal to building them afresh, its own copies, and another parameter set its own."""

import numpy as np
from conftest import params_with

from mentorsim.model import model as mm
from mentorsim.model.model import MentorshipModel, ParamsKey, derive


def _records(model):
    return {"coef": model.coef, "visit_coef": model.visit_coef, "echo_coef": model.echo_coef}


def test_models_of_one_parameter_set_get_equal_records_of_their_own():
    p = params_with(scenario="ss2020")
    mm._derived.clear()
    a, b = MentorshipModel(p, seed=3), MentorshipModel(dict(p), seed=4, replicate=2)  # b: from the kept ones
    fresh = derive(p)
    assert a.time == b.time == fresh["time"]
    for name, rec in _records(b).items():
        assert rec.dtype == fresh[name].dtype and rec.tobytes() == fresh[name].tobytes(), name
        assert rec.flags.writeable and not np.shares_memory(rec, _records(a)[name])
        assert not np.shares_memory(rec, mm._derived[ParamsKey(p)][1][name])
    for m in (a, b):
        m.release()


def test_another_parameter_set_gets_its_own_records():
    p = params_with(scenario="ss2020")
    q = params_with({"learning.peer_rate": 2 * p["learning.peer_rate"], "visits.track_data_share": 0.3,
                     "echo.session_minutes": 45}, scenario="ss2020")
    a, b = MentorshipModel(p, seed=3), MentorshipModel(q, seed=3)
    for name, rec in _records(b).items():
        assert rec.tobytes() == derive(q)[name].tobytes() != _records(a)[name].tobytes(), name
    assert ParamsKey(p) != ParamsKey(q)
    for m in (a, b):
        m.release()


def test_a_parameter_set_with_an_unhashable_value_is_built_each_time():
    p = params_with(scenario="ss2020")
    p["note"] = ["an unhashable value the model does not read"]
    key, records = mm.derived(p)
    assert key is None and records["coef"].tobytes() == derive(p)["coef"].tobytes()
    MentorshipModel(p, seed=3).run()


def test_the_derived_cache_stays_small():
    base = params_with(scenario="ss2020")
    for i in range(3 * mm.DERIVED_KEPT):
        mm.derived({**base, "learning.peer_rate": 0.001 * (i + 1)})
    assert len(mm._derived) == mm.DERIVED_KEPT
