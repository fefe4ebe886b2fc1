"""What a model's set-up keeps between models (model.derived, per parameter set): each model gets
records equal to building them afresh, its own copies, and another parameter set its own."""

import numpy as np
from conftest import params_with

from mentorsim.model import model as mm
from mentorsim.model.model import MentorshipModel, ParamsKey, derive


def _records(model):
    return {"coef": model.coef, "visit_coef": model.visit_coef, "echo_coef": model.echo_coef,
            "staff_coef": model.pool.coef}


def test_models_of_one_parameter_set_get_equal_records_of_their_own():
    p = params_with(scenario="ss2020")
    mm._derived.clear()
    a, b = MentorshipModel(p, seed=3), MentorshipModel(dict(p), seed=4, replicate=2)  # b: from the kept ones
    fresh = derive(p)
    assert a.time == b.time == fresh["time"]
    for name, rec in _records(b).items():
        assert rec.dtype == fresh[name].dtype and rec.tobytes() == fresh[name].tobytes(), name
        assert rec.flags.writeable and not np.shares_memory(rec, _records(a)[name])
        assert not np.shares_memory(rec, mm._derived[ParamsKey(p)][name])
    for m in (a, b):
        m.release()


def test_another_parameter_set_gets_its_own_records():
    p = params_with(scenario="ss2020")
    q = params_with({"learning.peer_rate": 2 * p["learning.peer_rate"], "visits.track_data_share": 0.3,
                     "echo.session_minutes": 45, "mentors.unavailable_prob": 0.2}, scenario="ss2020")
    a, b = MentorshipModel(p, seed=3), MentorshipModel(q, seed=3)
    for name, rec in _records(b).items():
        assert rec.tobytes() == derive(q)[name].tobytes() != _records(a)[name].tobytes(), name
    assert ParamsKey(p) != ParamsKey(q)
    for m in (a, b):
        m.release()


def test_a_parameter_set_with_an_unhashable_value_is_built_each_time():
    p = params_with(scenario="ss2020")
    p["note"] = ["an unhashable value the model does not read"]
    before = len(mm._derived)
    records = mm.derived(p)
    assert mm.params_key(p) is None and records["coef"].tobytes() == derive(p)["coef"].tobytes()
    assert len(mm._derived) == before  # nothing kept for it
    MentorshipModel(p, seed=3).run()


def test_the_derived_cache_stays_small():
    base = params_with(scenario="ss2020")
    for i in range(3 * mm.DERIVED_KEPT):
        mm.derived({**base, "learning.peer_rate": 0.001 * (i + 1)})
    assert len(mm._derived) == mm.DERIVED_KEPT


def _schedule_by_rule(model):
    """The visit schedule by its definition: in each week of a phase with visits, every region whose
    offset has been reached and is a whole number of intervals back is due, with all its
    intervention facilities (regions in order)."""
    p, fa, t, pool = model.p, model.facilities, model.time, model.pool
    out = {}
    for week in range(t.total_weeks):
        interval = (int(p["visits.interval_weeks"]) if p["visits.enabled"] else 0) if week < t.programme_weeks \
            else int(p["followup.local_visit_interval_weeks"])
        if interval <= 0:
            continue
        for r in range(fa.n_regions):
            off = pool.offset(r, interval)
            if week >= off and (week - off) % interval == 0:
                out.setdefault(week, []).extend(np.flatnonzero(fa.intervention & (fa.region == r)).tolist())
    return out


def test_the_visit_schedule_is_its_rule_and_each_model_has_its_own_dict():
    from mentorsim.model import visits
    cases = [({}, "ss2020"), ({}, "local_mentors"), ({"mentors.teams": 3, "visits.interval_weeks": 5}, "ss2020"),
             ({"followup.local_visit_interval_weeks": 6, "mentors.facilities_per_trip": 3}, "local_mentors"),
             ({"visits.enabled": False, "followup.local_visit_interval_weeks": 4}, "local_mentors")]
    visits._schedules.clear()
    for updates, scenario in cases:
        p = params_with(updates, scenario=scenario)
        a, b = MentorshipModel(p, seed=2), MentorshipModel(p, seed=9, replicate=4)  # b: the kept schedule
        rule = _schedule_by_rule(a)
        for m in (a, b):
            assert list(m.visit_schedule) == list(rule), (updates, scenario)
            for week, facilities in rule.items():
                assert m.visit_schedule[week].dtype == np.int64
                assert m.visit_schedule[week].tolist() == facilities
        assert a.visit_schedule is not b.visit_schedule
        a.visit_schedule.clear()
        assert len(b.visit_schedule) == len(rule)
        for m in (a, b):
            m.release()


def test_models_built_on_several_threads_at_once_are_the_models_built_one_by_one():
    """The kept settings and records are shared by every thread of a process (the page computes
    in threads): runs built at once on four threads, sharing and evicting the same entries, are
    the runs built one after the other."""
    from concurrent.futures import ThreadPoolExecutor

    from mentorsim.results import RunOutput

    base = params_with(scenario="ss2020")
    other = params_with({"visits.interval_weeks": 4, "learning.peer_rate": 0.02}, scenario="ss2020")
    knowledge = params_with({"providers.baseline_knowledge": base["providers.baseline_knowledge"] + 0.05},
                            scenario="ss2020")
    jobs = [(p, seed, rep) for seed in (11, 12) for rep in (0, 1) for p in (base, other, knowledge)] * 2

    def fingerprint(job):
        p, seed, rep = job
        return RunOutput.from_model(MentorshipModel(p, seed=seed, replicate=rep).run()).fingerprint()

    mm._settings.clear()
    serial = [fingerprint(job) for job in jobs]
    mm._settings.clear()
    with ThreadPoolExecutor(4) as pool:
        threaded = list(pool.map(fingerprint, jobs))
    assert threaded == serial
    assert len(set(serial)) == len(jobs) // 2  # each run twice; different runs differ
