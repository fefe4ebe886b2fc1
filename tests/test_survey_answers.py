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


def _numpy_signals(model, idx):
    """The survey's signals as the numpy expressions defined them before (by item)."""
    from mentorsim.model.people import CHECKLIST, CLINICAL, TEAMWORK
    from mentorsim.model.visits import TRACK_DOMAINS
    p, pr = model.p, model.providers
    entry = pr.skill_at_entry[idx]
    rel = np.clip((pr.skill[idx] - entry) / np.maximum(1.0 - entry, 1e-9), 0.0, 1.0)
    conf0 = pr.confidence_at_entry[idx]
    rel_conf = np.clip((pr.confidence[idx] - conf0) / np.maximum(1.0 - conf0, 1e-9), 0.0, 1.0)
    desired = p["survey.desired_contact_days"]
    dose = np.clip(pr.coached_days[idx] / desired, 0.0, 1.0)
    dose_all = np.clip(pr.coached_days[idx].sum(axis=1) / desired, 0.0, 1.0)
    trust = pr.trust[idx]
    echo = pr.echo_sessions[idx] / np.maximum(pr.echo_offered[idx], 1.0)
    wa = np.clip(pr.whatsapp_weeks[idx] / np.maximum(pr.tenure_weeks[idx], 1.0), 0.0, 1.0)
    comp_now = model.record.current_composite(model.week)
    comp0 = model.record.composite_at(0)
    fac_gain = np.clip((comp_now - comp0) / np.maximum(1.0 - comp0, 1e-9), 0, 1)[pr.facility[idx]]
    gain = rel.mean(axis=1)
    w = TRACK_DOMAINS[:, CHECKLIST]
    checklist_dose = np.clip(pr.coached_days[idx] @ w / (w[0] * desired), 0.0, 1.0)
    return {"positive": 0.5 * (trust + gain), "satisfied": 0.5 * (trust + dose_all),
            "support_continuing": np.maximum(trust, gain), "changed_practice": gain, "facility_changes": fac_gain,
            "great_confidence": rel_conf, "great_ssc": rel[:, CHECKLIST], "great_consultations": 0.5 * (echo + wa),
            "great_teamwork": rel[:, TEAMWORK], "great_clinical": rel[:, CLINICAL], "received_clinical": dose[:, 0],
            "received_ssc": checklist_dose, "received_data": dose[:, 1], "trait_interpersonal": trust,
            "trait_role_model": dose[:, 0], "trait_courtesy": trust}


@pytest.mark.parametrize("scenario, seed", [("ss2020", 1), ("ss2020", 7), ("virtual_only", 2),
                                            ("local_mentors", 3), ("in_person_only", 4)])
def test_survey_signals_are_the_numpy_expressions(scenario, seed):
    """survey.signals (compiled) gives, bit for bit and in ITEMS order, what the numpy
    expressions give, for every intervention post in the survey week (in post, none left out)."""
    from mentorsim.model.model import MentorshipModel
    from mentorsim.scenario import load_scenario
    m = MentorshipModel(load_scenario(scenario).params, seed=seed)
    for _ in range(m.survey_week):
        m.step()
    m.week = m.survey_week - 1  # as the survey step sees it
    idx = np.flatnonzero(m.facilities.intervention[m.providers.facility])
    got = survey.signals(m, idx)
    expected = _numpy_signals(m, idx)
    assert list(expected) == list(survey.ITEMS)
    for row, item in enumerate(survey.ITEMS):
        assert got[row].tobytes() == expected[item].tobytes(), item
    assert len({got[row].tobytes() for row in range(len(survey.ITEMS))}) >= 10  # the items read different signals
