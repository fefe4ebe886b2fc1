"""The per-week glue of a run (issue 16): the week plan, the mentor pool's event weeks, the
programme push and the ECHO weeks, all gathered at set-up, give the run that calling every step
of loop.STEP_ORDER every week gives."""

import numpy as np
import pytest
from conftest import params_with

from mentorsim.model import loop
from mentorsim.model.model import MentorshipModel
from mentorsim.model.recording import POOL_SERIES
from mentorsim.model.telementoring import session_due, session_weeks
from mentorsim.results import RunOutput


@pytest.mark.parametrize("updates", [
    {},
    {"echo.enabled": False},
    {"echo.interval_weeks": 3, "followup.echo_interval_weeks": 5},
    {"echo.interval_weeks": 1, "followup.echo_interval_weeks": 1, "programme.months": 7, "programme.survey_month": 6,
     "mentors.handover_month": 3},
    {"followup.echo_interval_weeks": 0, "followup.months": 0},
])
def test_session_weeks_are_the_weeks_session_due_holds_a_session_in(updates):
    p = params_with(updates, scenario="ss2020")
    model = MentorshipModel(p, seed=1)
    due = {w for w in range(model.time.total_weeks) if session_due(model, w)}
    assert model.sessions.weeks == due
    assert session_weeks(p, model.time) == due
    model.release()


def _every_step_every_week(model) -> None:
    """The reference loop: every process of STEP_ORDER every week, the pool's update called
    every week and the programme push written every week (as before the glue was cut)."""
    for week in range(model.time.total_weeks):
        model.steps += 1
        for name, process in loop.STEP_ORDER:
            if name == "mentor_pool":
                model.pool.update(week, model.streams["mentors"], model.time.in_programme(week),
                                  model.promote_mentee)
                continue
            if name == "practice .. snapshot":
                model.dynamics.push_on = None  # forces prepare_dynamics to write the push
            process(model, week)
        model.week += 1


@pytest.mark.parametrize("scenario, updates", [
    ("ss2020", {}),
    ("local_mentors", {"followup.echo_interval_weeks": 4, "mentors.annual_attrition": 0.5}),
    ("ss2020", {"mentors.available_days_per_month": 2.0, "echo.interval_weeks": 3}),
    ("no_mentorship", {}),
])
def test_the_week_plan_gives_the_run_of_every_step_every_week(scenario, updates):
    p = params_with(updates, scenario=scenario)
    for seed in (1, 2):
        planned = MentorshipModel(p, seed=seed).run()
        reference = MentorshipModel(p, seed=seed)
        _every_step_every_week(reference)
        assert reference.week == planned.week == planned.time.total_weeks
        assert RunOutput.from_model(planned).fingerprint() == RunOutput.from_model(reference).fingerprint()
        assert planned.counters == reference.counters
        reference.release()


def test_the_plan_skips_only_echo_outside_its_weeks_and_the_survey_outside_its_week():
    model = MentorshipModel(params_with(scenario="ss2020"), seed=1)
    processes = dict(loop.STEP_ORDER)
    skipped = {name: [w for w, plan in enumerate(model.plan) if processes[name] not in plan] for name in processes}
    assert skipped["survey"] == [w for w in range(model.time.total_weeks) if w != model.survey_week - 1]
    assert skipped["telementoring"] == sorted(set(range(model.time.total_weeks)) - model.sessions.weeks)
    assert all(not weeks for name, weeks in skipped.items() if name not in ("survey", "telementoring"))
    assert list(model.plan[0]) == [p for name, p in loop.STEP_ORDER if name != "survey"]
    model.release()


def test_the_push_is_on_in_the_programme_and_off_after():
    model = MentorshipModel(params_with(scenario="ss2020"), seed=1)
    d = model.dynamics
    on = np.asarray(model.facilities.intervention, dtype=float)
    for week in (0, 1, model.time.programme_weeks - 1, model.time.programme_weeks, model.time.programme_weeks + 3):
        loop.prepare_dynamics(model, week)
        np.testing.assert_array_equal(d.ssc_push, on if week < model.time.programme_weeks else 0.0)
    model.release()


def test_the_pool_series_hold_the_counts_after_each_week():
    """Written only when the pool changes, each row still holds the pool as it was after its
    week (read from the pool after every step), including hires, losses and the handover."""
    p = params_with({"mentors.annual_attrition": 0.5}, scenario="local_mentors")
    model = MentorshipModel(p, seed=3)
    after = [model.pool.counts()]
    while not model.finished:
        model.step()
        after.append(model.pool.counts())
    expected = np.array([[c[k] for k in POOL_SERIES] for c in after], dtype=float)
    out = RunOutput.from_model(model)
    np.testing.assert_array_equal(np.column_stack([out.pool[k] for k in POOL_SERIES]), expected)
    assert len({tuple(row) for row in expected}) > 3  # the pool did change, several times


def test_a_partial_run_leaves_the_pool_rows_it_has_not_reached_empty():
    """Partial results never look complete: after 30 of the weeks, the pool series hold the
    counts after each week run and 0 in the rows not reached, as every other series does."""
    model = MentorshipModel(params_with({}, scenario="local_mentors"), seed=3)
    after = [model.pool.counts()]
    for _ in range(30):
        model.step()
        after.append(model.pool.counts())
    out = RunOutput.from_model(model)
    table = np.column_stack([out.pool[k] for k in POOL_SERIES])
    np.testing.assert_array_equal(table[:31], np.array([[c[k] for k in POOL_SERIES] for c in after], dtype=float))
    assert table[:31].any() and not table[31:].any()
    assert not out.fac["composite"][31:].any()  # the same as the other series


def test_facility_agents_are_made_on_first_use_with_the_ids_they_always_had():
    """Facilities take ids 1 .. n and mentors n + 1 on, whether and whenever the facility agents
    are made (simulate never makes them; the public model makes them when built)."""
    p = params_with(scenario="ss2020")
    lazy = MentorshipModel(p, seed=1)
    n = lazy.facilities.n
    assert lazy._facility_agents is None
    assert [m.unique_id for m in lazy.pool.all] == list(range(n + 1, n + 1 + len(lazy.pool.all)))
    lazy.run()
    agents = lazy.facility_agents  # after the run and its release
    assert [a.unique_id for a in agents] == list(range(1, n + 1)) and agents[3].index == 3
    assert lazy.facility_agents is agents
    eager = MentorshipModel(p, seed=1)
    first = eager.facility_agents
    assert [a.unique_id for a in first] == list(range(1, n + 1))
    eager.run()
    np.testing.assert_array_equal(eager.pool.visit_array(), lazy.pool.visit_array())  # mentor ids in the log


def _arrays(obj) -> dict:
    return {k: v for k, v in vars(obj).items() if isinstance(v, np.ndarray)}


def test_replicates_copy_the_setting_drawn_for_the_first_and_it_is_what_drawing_again_gives():
    """The setting (facilities, posts' starting state) of a seed is kept (when a second run of it
    is built) and copied for its later replicates: equal to drawing it again from fresh streams, independent of the runs that
    changed their copies, and a run from a copy is the run from a fresh draw."""
    from mentorsim.model import model as mm
    from mentorsim.randomness import streams
    p = params_with({"mentors.annual_attrition": 0.3}, scenario="local_mentors")
    mm._settings.clear()
    MentorshipModel(p, seed=5, replicate=1).release()  # drew the setting and noted its key
    assert list(mm._settings.values()) == [None]
    first = MentorshipModel(p, seed=5, replicate=0).run()  # drew it again and kept a copy
    assert len(mm._settings) == 1 and None not in mm._settings.values()
    copied = MentorshipModel(p, seed=5, replicate=0)
    fa, pr = mm.draw_setting(copied.p, streams(5, 3))
    for mine, fresh in ((copied.facilities, fa), (copied.providers, pr)):
        a, b = _arrays(mine), _arrays(fresh)
        assert a.keys() - b.keys() <= {"operations_per_week"}  # set by the model after the setting
        for k in b:
            np.testing.assert_array_equal(a[k], b[k], err_msg=k)
            assert not np.shares_memory(a[k], _arrays(first.facilities if mine is copied.facilities
                                                      else first.providers)[k])
    copied.run()
    assert RunOutput.from_model(copied).fingerprint() == RunOutput.from_model(first).fingerprint()
    mm._settings.clear()
    again = MentorshipModel(p, seed=5, replicate=0).run()  # drawn afresh
    assert RunOutput.from_model(again).fingerprint() == RunOutput.from_model(first).fingerprint()
    seeds = range(6, 6 + mm.SETTINGS_KEPT + 2)
    for seed in (*seeds, *seeds):
        MentorshipModel(p, seed=seed).release()
    assert len(mm._settings) == mm.SETTINGS_KEPT  # the oldest went
    other = MentorshipModel(p, seed=6)
    assert not np.array_equal(other.facilities.baseline_skill, again.facilities.baseline_skill)
    other.release()


def test_runs_that_differ_only_outside_the_setting_share_it_and_a_setting_parameter_never_does():
    """The setting is kept under the seed and the values of exactly the parameters it read: a
    strategy changing visits, ECHO or learning rates copies it (and its run is the run from a
    fresh draw), a change to one parameter the setting reads draws it again."""
    from mentorsim.model import model as mm
    from mentorsim.randomness import streams
    base = params_with(scenario="ss2020")
    other = params_with({"visits.interval_weeks": 4, "echo.enabled": False, "learning.peer_rate": 0.02},
                        scenario="ss2020")
    mm._settings.clear()
    MentorshipModel(base, seed=9).release()
    MentorshipModel(base, seed=9, replicate=1).release()  # drawn twice: kept
    names = next(iter(mm._setting_reads))
    assert "providers.baseline_knowledge" in names and "visits.interval_weeks" not in names
    kept = [v for v in mm._settings.values() if v is not None]
    assert len(kept) == 1
    copied = MentorshipModel(other, seed=9, replicate=2)  # another strategy: the kept setting
    fa, pr = mm.draw_setting(dict(other), streams(9, 2))
    for mine, fresh, kept_one in ((copied.facilities, fa, kept[0][0]), (copied.providers, pr, kept[0][1])):
        for k, v in _arrays(fresh).items():
            np.testing.assert_array_equal(_arrays(mine)[k], v, err_msg=k)
            assert not np.shares_memory(_arrays(mine)[k], _arrays(kept_one)[k])
    copied.run()
    mm._settings.clear()
    fresh = MentorshipModel(other, seed=9, replicate=2).run()
    assert RunOutput.from_model(copied).fingerprint() == RunOutput.from_model(fresh).fingerprint()
    # a parameter the setting reads: never the kept setting
    mm._settings.clear()
    for _ in range(2):
        MentorshipModel(base, seed=9).release()
    changed = params_with({"providers.baseline_knowledge": base["providers.baseline_knowledge"] + 0.05},
                          scenario="ss2020")
    model = MentorshipModel(changed, seed=9)
    _, pr2 = mm.draw_setting(dict(changed), streams(9, 0))
    np.testing.assert_array_equal(model.providers.knowledge, pr2.knowledge)
    assert not np.array_equal(model.providers.knowledge, kept[0][1].knowledge)
    model.release()
