"""The survey's answers, counted in compiled code from the survey stream (survey.py), are the
counts of the numpy expression they replace (the latent answers as [item, respondent] arrays,
numpy's logistic draws), on one thread or shared over several, and leave the stream where
numpy's draws would."""

import numpy as np
import pytest

from mentorsim.model import survey
from mentorsim.model.pcg import words


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
