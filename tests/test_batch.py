"""The batch path (model/loop.py run_batch, runner.simulate_batch) against the plain loop (the
week's steps called one by one, loop.step): a run in a batch is bit-identical to the same run
alone, whatever the batch's size, make-up and thread count. model.run() of a one-block model is
itself a batch of one."""

import pytest
from conftest import params_with

from mentorsim.model import loop
from mentorsim.model.model import MentorshipModel
from mentorsim.results import RunOutput
from mentorsim.runner import simulate, simulate_batch


def _fingerprint(out) -> str:
    return out.fingerprint()


def _plain(m: MentorshipModel, weeks: int | None = None) -> MentorshipModel:
    """``m`` stepped week by week through loop.step (each week's plan called step by step), as
    model.run() ran every model before runs went through loop.run_batch: ``weeks`` weeks, or to
    the end."""
    for _ in range(m.time.total_weeks - m.week if weeks is None else weeks):
        m.steps += 1
        loop.step(m)
    return m


def _points():
    """Design points of different scenarios, parameter values, seeds and replicates."""
    ss = params_with(scenario="ss2020")
    slow = params_with({"learning.skill_half_life_months": 14.0, "ssi.relative_risk_full": 0.65}, scenario="ss2020")
    behind = params_with({"visits.interval_weeks": 4}, scenario="ss2020")  # visits carried over (owed)
    return [(ss, 1, 0), (params_with(scenario="no_mentorship"), 1, 0), (slow, 7, 1), (ss, 1, 1),
            (params_with(scenario="in_person_only"), 3, 2), (params_with(scenario="ss2020_weekly_echo"), 2, 0),
            (behind, 3, 0)]


@pytest.fixture(scope="module")
def alone():
    return [_fingerprint(RunOutput.from_model(_plain(MentorshipModel(p, seed=s, replicate=r))))
            for p, s, r in _points()]


def test_a_run_in_a_batch_is_the_run_alone(alone):
    assert [_fingerprint(o) for o in simulate_batch(_points())] == alone
    assert [_fingerprint(simulate(p, seed=s, replicate=r)) for p, s, r in _points()] == alone  # a batch of one


def test_a_model_stepped_partway_runs_on_as_the_plain_loop():
    """model.run() from any week (after step() calls, each stopping between weeks) ends as the
    plain loop does: the batch starts each run from the week it has reached."""
    for p, s, r in _points()[2:5]:
        for weeks in (1, 27, 61):
            m = MentorshipModel(p, seed=s, replicate=r)
            for _ in range(weeks):
                m.step()
            m.run()
            plain = _plain(MentorshipModel(p, seed=s, replicate=r))
            assert (m.week, m.steps) == (plain.week, plain.steps)
            assert _fingerprint(RunOutput.from_model(m)) == _fingerprint(RunOutput.from_model(plain)), (weeks, r)


def test_results_do_not_depend_on_batch_size_or_order(alone):
    points = _points()
    split = simulate_batch(points[:2]) + simulate_batch(points[2:3]) + simulate_batch(points[3:])
    assert [_fingerprint(o) for o in split] == alone
    backwards = simulate_batch(points[::-1])[::-1]
    assert [_fingerprint(o) for o in backwards] == alone


def test_results_do_not_depend_on_threads(alone, monkeypatch):
    monkeypatch.setattr(loop, "RUNS_PER_CALL", 1)  # one compiled call per run, spread over threads
    monkeypatch.setattr(loop, "SPREAD_MIN_POSTS", 0)  # even for a batch this small
    for n in ("1", "2", "3"):
        monkeypatch.setenv("MENTORSIM_THREADS", n)
        assert [_fingerprint(o) for o in simulate_batch(_points())] == alone, n


def test_a_batch_leaves_each_model_as_its_own_run_would():
    """Beyond the record (the fingerprint): the event counts, who holds each post and the next
    person's id, and every stream's position, after a batch of models that hold ECHO sessions
    in different weeks, against the same models run alone."""
    points = _points()
    batch = [MentorshipModel(p, seed=s, replicate=r) for p, s, r in points]
    loop.run_batch(batch)
    for (p, s, r), m in zip(points, batch):
        alone = _plain(MentorshipModel(p, seed=s, replicate=r))
        assert dict(m.counters) == dict(alone.counters)
        assert (m.week, m.steps) == (alone.week, alone.steps)
        assert (m.providers.person_id == alone.providers.person_id).all()
        assert m.providers.next_person_id == alone.providers.next_person_id > m.providers.n
        for name, stream in m.streams.items():
            assert stream.bit_generator.state == alone.streams[name].bit_generator.state, name
    assert len({m.counters["echo_sessions"] for m in batch}) > 2  # the batch mixed session plans
    assert batch[-1].dose.delayed.sum() > 0  # and a model owed visits in weeks none was scheduled
    # a pool outgrew its first slot arrays (8; MentorPool._grow replaces its kernel view's item,
    # which the compiled visit weeks read) and visit logs grew parts in compiled code (_log_room)
    assert max(len(m.pool.all) for m in batch) > 8 and max(len(m.pool.log_parts) for m in batch) > 2


def test_the_batch_runs_the_compiled_steps_in_step_order():
    """loop.span_runs runs COMPILED_ORDER's steps in that order; it must be STEP_ORDER's order
    of the steps batch_steps compiles, or a batch would update a week in another order."""
    compiled = loop.batch_steps()
    assert loop.COMPILED_ORDER == tuple(name for name, _ in loop.STEP_ORDER if name in compiled)


def test_a_batch_skips_only_python_steps_that_would_do_nothing(monkeypatch):
    """Every call of a Python step a batch skips (loop.ACTS, the plan) would have returned at
    once: run through the plain loop with each skipped call made and checked, the models end as
    the batch leaves them, and the batch does skip most weeks of the pool and visits."""
    points = _points()
    batch = [MentorshipModel(p, seed=s, replicate=r) for p, s, r in points]
    calls = dict.fromkeys(loop.ACTS, 0)
    for name in loop.ACTS:
        first = loop.ACTS[name]

        def counted(m, first=first, name=name):
            calls[name] += 1
            return first(m)
        monkeypatch.setitem(loop.ACTS, name, counted)
    loop.run_batch(batch)
    asked = dict(calls)
    weeks = batch[0].time.total_weeks
    for (p, s, r), m in zip(points, batch):
        alone = MentorshipModel(p, seed=s, replicate=r)
        for week in range(weeks):
            for name, process in loop.STEP_ORDER:
                if name in loop.ACTS and process in alone.plan[week] and week < loop.ACTS[name](alone):
                    before = alone.dose.owing, alone.pool.next_event, dict(alone.counters)
                    process(alone, week)  # a call the batch skips: it must change nothing
                    assert (alone.dose.owing, alone.pool.next_event, dict(alone.counters)) == before
                elif process in alone.plan[week]:
                    process(alone, week)
            alone.week = week + 1
        assert alone.record.fac["composite"].tobytes() == m.record.fac["composite"].tobytes()
    assert asked["mentor_pool"] < weeks * len(points) / 4  # the batch asks about the pool in few weeks


def test_runs_of_different_lengths_are_batched_apart():
    short = params_with({"followup.months": 3}, scenario="ss2020")
    long = params_with(scenario="ss2020")
    a, b = simulate_batch([(short, 2, 0), (long, 2, 0)])
    assert a.fac["composite"].shape[0] < b.fac["composite"].shape[0]
    assert _fingerprint(a) == _fingerprint(simulate(short, seed=2))
    assert _fingerprint(b) == _fingerprint(simulate(long, seed=2))


def test_a_batch_needs_models_of_one_length():
    short = MentorshipModel(params_with({"followup.months": 3}, scenario="ss2020"), seed=1)
    long = MentorshipModel(params_with(scenario="ss2020"), seed=1)
    with pytest.raises(ValueError, match="same number of weeks"):
        loop.run_batch([short, long])
    short.release()
    long.release()


def test_coefficient_record_follows_the_parameters():
    """Each kernel coefficient is a named field fed by the parameter COEF_FIELDS names: changing
    that parameter changes that field and no other."""
    from mentorsim.model.loop import COEF_FIELDS, coefficients
    from mentorsim.timeline import WEEKS_PER_MONTH

    p = params_with(scenario="ss2020")
    base = coefficients(p, WEEKS_PER_MONTH)
    for field, source in COEF_FIELDS.items():
        key = source.split()[0].rstrip(",")
        if key not in p or field == "exposure0":  # exposure0 combines three parameters
            continue
        changed = coefficients(dict(p, **{key: p[key] * 0.7 + 0.003}), WEEKS_PER_MONTH)
        moved = [name for name in COEF_FIELDS if changed[name][0] != base[name][0]]
        assert field in moved, (field, key)
        assert set(moved) <= {field, "exposure0"}, (field, moved)


@pytest.mark.parametrize("scenario, updates", [("ss2020", {}), ("no_mentorship", {}),
                                               ("ss2020", {"facilities.comparison": 0})])
def test_weekly_table_for_all_replicates_at_once_is_the_per_replicate_table(scenario, updates):
    """Results.timeseries (arrays stacked over replicates) equals the per-replicate tables
    (results.run_timeseries) concatenated: same rows, order, columns, dtypes and values."""
    import pandas as pd

    from mentorsim.results import run_timeseries
    from mentorsim.runner import run
    from mentorsim.scenario import load_scenario

    res = run(load_scenario(scenario).with_params(updates), seed=2, replicates=3)
    reference = pd.concat([run_timeseries(r, res.name) for r in res.runs], ignore_index=True)
    pd.testing.assert_frame_equal(res.timeseries(), reference, check_exact=True)


def test_a_default_batch_advances_at_most_batch_posts_together(alone, monkeypatch):
    """simulate_batch's default advances runs together up to runner.BATCH_POSTS posts (larger
    models fewer at a time, their state would not fit the cache), with the same results; an
    explicit batch advances exactly that many."""
    from mentorsim import runner

    sizes = []
    original = runner.run_batch

    def spy(models):
        sizes.append(len(models))
        return original(models)
    monkeypatch.setattr(runner, "run_batch", spy)
    monkeypatch.setattr(runner, "BATCH_POSTS", 1000)  # two ss2020 models (456 posts each)
    points = _points()
    assert [_fingerprint(o) for o in simulate_batch(points)] == alone
    assert sizes and max(sizes) == 2
    sizes.clear()
    assert [_fingerprint(o) for o in simulate_batch(points, batch=len(points))] == alone
    assert sizes == [len(points)]
