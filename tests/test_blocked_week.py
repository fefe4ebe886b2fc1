"""The week of a model split into facility blocks (national scale): loop.blocked_week_plan runs
consecutive compiled steps back to back on a block in one call (turnover with workload, the ECHO
session with WhatsApp's team means, the WhatsApp members' week with steps 7-13). It must give,
bit for bit, what loop.STEP_ORDER's processes give one after the other on the same blocked model,
on one thread or several. And the survey's answers, now counted in compiled code from the survey
stream, must be the counts of the numpy expression they replace, on any number of threads."""

import numpy as np
import pytest
from conftest import params_with

from mentorsim.model import blocks, loop, survey
from mentorsim.model.kernel_args import POST_FIELDS
from mentorsim.model.model import MentorshipModel
from mentorsim.model.pcg import words
from mentorsim.results import RunOutput


def _blocked_model(p, seed):
    model = MentorshipModel(p, seed=seed)
    assert len(model.blocks) == 4
    return model


def _state(model) -> list[bytes]:
    """Every provider array, the facility arrays the week writes and the record, as bytes."""
    pr, fa, rec = model.providers, model.facilities, model.record
    arrays = [getattr(pr, name) for name in POST_FIELDS] + [
        pr.person_id, fa.leadership, fa.teamwork_culture, fa.current_baseline, fa.workload, fa.operations_week,
        model.recept, rec.outcome_table, *rec.fac.values(), *rec.arm_domain.values(), *rec.arm.values()]
    return [np.ascontiguousarray(x).tobytes() for x in arrays]


@pytest.mark.parametrize("threads", ["1", "2"])
def test_blocked_week_is_step_order_bit_for_bit(monkeypatch, threads):
    """A whole ss2020 run (programme and follow-up: ECHO weeks, WhatsApp weeks, hires, the
    survey) split into four blocks: the fused week plan against STEP_ORDER's processes, the
    state compared after every week and the run's outputs at the end."""
    monkeypatch.setattr(blocks, "PARALLEL_MIN_POSTS", 0)
    monkeypatch.setattr(blocks, "CHUNKS", 4)
    monkeypatch.setenv("MENTORSIM_THREADS", threads)
    p = params_with({"echo.interval_weeks": 3, "followup.echo_interval_weeks": 5, "followup.whatsapp": False},
                  scenario="ss2020")
    fused, reference = _blocked_model(p, 11), _blocked_model(p, 11)
    assert fused.plan[0] != tuple(process for _, process in loop.STEP_ORDER)  # the fused plan is in use
    echo_weeks = whatsapp_weeks = 0
    for week in range(fused.time.total_weeks):
        fused.step()
        for _, process in loop.STEP_ORDER:
            process(reference, week)
        reference.week = week + 1
        echo_weeks += week in fused.sessions.weeks
        whatsapp_weeks += bool(fused.whatsapp_groups.running[week])
        assert _state(fused) == _state(reference), f"week {week} differs"
    assert fused.counters["hires"] > 0 and fused.counters["echo_sessions"] > 0  # the branches were taken
    assert 0 < whatsapp_weeks < fused.time.total_weeks and echo_weeks > 0  # groups on, then off in the follow-up
    assert fused.record.survey_result["respondents"] > 0
    assert fused.record.survey_result == reference.record.survey_result
    reference._end()
    assert RunOutput.from_model(fused).fingerprint() == RunOutput.from_model(reference).fingerprint()


def _numpy_counts(z, rng, noise, weight, leniency):
    """The survey's answers as it counted them before (numpy arrays, [item, respondent])."""
    z = z.copy()
    e = rng.logistic(0.0, 1.0, z.shape)
    e *= noise
    z -= 0.5
    z *= weight
    z += leniency
    z += e
    return np.count_nonzero(z > survey._ITEM_CUTPOINT[:, None], axis=1)


@pytest.mark.parametrize("n, seed, threads", [(1, 0, "1"), (37, 1, "1"), (5_000, 2, "1"), (5_000, 3, "2"),
                                              (4_321, 4, "3")])
def test_survey_answers_are_the_numpy_counts(monkeypatch, n, seed, threads):
    """The compiled counts (one thread, or shared over threads by items) equal numpy's, and the
    survey stream ends where numpy's draws leave it."""
    monkeypatch.setattr(survey, "PARALLEL_MIN_RESPONDENTS", 0 if threads != "1" else 10**9)
    monkeypatch.setenv("MENTORSIM_THREADS", threads)
    z = np.random.default_rng(100 + seed).random((len(survey.ITEMS), n))
    a, b = np.random.default_rng(seed), np.random.default_rng(seed)
    got = survey.answers_above_cutpoints(z, a, 1.3, 2.0, 1.1)
    expected = _numpy_counts(z, b, 1.3, 2.0, 1.1)
    np.testing.assert_array_equal(got, expected)
    assert 0 < expected.sum() < z.size  # the cutpoints split the answers
    assert a.random() == b.random()


def test_survey_answers_drawn_in_place_are_the_numpy_counts():
    """The path taken after a uniform of exactly 0 (drawing again as numpy does, from the stream
    itself): the same counts, the stream moved on as numpy's."""
    z = np.random.default_rng(7).random((len(survey.ITEMS), 2_000))
    a, b = np.random.default_rng(8), np.random.default_rng(8)
    hits = np.zeros(len(survey.ITEMS), dtype=np.int64)
    zero_met = survey._answers(z, words(a), -1, 0, len(survey.ITEMS), 0.9, 1.5, 0.7, survey._ITEM_CUTPOINT, hits)
    assert not zero_met
    np.testing.assert_array_equal(hits, _numpy_counts(z, b, 0.9, 1.5, 0.7))
    assert a.random() == b.random()
