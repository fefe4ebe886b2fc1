"""Invariants: states in range, counts conserved, nothing created or lost."""

import numpy as np
from conftest import params_with

from mentorsim.model.model import MentorshipModel
from mentorsim.model.people import ROLES


def run_model(scenario="ss2020", updates=None, seed=4):
    return MentorshipModel(params_with(updates, scenario), seed=seed).run()


def test_states_stay_in_range():
    m = run_model(updates={"staff.annual_attrition": 0.3})
    pr = m.providers
    for name in ("skill", "skill_floor", "knowledge", "knowledge_floor"):
        x = getattr(pr, name)
        assert np.all((x >= 0) & (x <= 1)), name
    for name in ("trust", "resistance", "confidence", "busy"):
        x = getattr(pr, name)
        assert np.all((x >= 0) & (x <= 1)), name
    assert np.all(pr.skill >= pr.skill_floor - 1e-12)
    fa = m.facilities
    for x in (fa.leadership, fa.teamwork_culture):
        assert np.all((x >= 0) & (x <= 1))
    for key in ("composite", "safety", "teamwork", "ssc_use"):
        x = m.record.fac[key]
        assert np.all((x >= 0) & (x <= 1)), key


def test_posts_are_conserved_through_turnover():
    m = run_model(updates={"staff.annual_attrition": 0.4, "staff.hiring_delay_weeks": 20.0})
    rec = m.record
    posts = np.bincount((m.providers.facility >= m.facilities.n_intervention).astype(int), minlength=2)
    np.testing.assert_array_equal(rec.arm["providers"] + rec.arm["vacancies"],
                                  np.broadcast_to(posts, rec.arm["providers"].shape))
    filled_change = rec.arm["providers"][-1].sum() - rec.arm["providers"][0].sum()
    assert filled_change == m.counters["hires"] - m.counters["leavers"]
    assert m.counters["leavers"] > 0 and m.counters["hires"] > 0
    assert np.all(rec.fac["staff_present"][1:] <= m.facilities.staff.sum(axis=1))


def test_event_counts_are_possible():
    m = run_model()
    f = m.record.fac
    assert np.all(f["caesareans"] <= f["operations"])
    assert np.all(f["ssi"] <= f["operations"])
    assert np.all(f["deaths"] <= f["operations"])
    assert np.all(f["operations"] >= 0) and np.all(f["ssi_expected"] >= 0)


def test_modalities_reach_the_intervention_arm_only():
    m = run_model()
    n = m.facilities.n_intervention
    f = m.record.fac
    assert f["visits"][:, n:].sum() == 0
    assert f["echo_eligible"][:, n:].sum() == 0
    assert f["whatsapp_active"][:, n:].sum() == 0
    assert f["visits"][:, :n].sum() > 0 and f["echo_attended"][:, :n].sum() > 0


def test_no_mentorship_has_no_programme():
    m = run_model("no_mentorship")
    f = m.record.fac
    assert f["visits"].sum() == 0 and f["echo_eligible"].sum() == 0 and f["whatsapp_active"].sum() == 0
    assert len(m.pool.visit_array()) == 0
    assert m.record.survey_result["respondents"] == 0


def test_staffing_matches_roles():
    m = run_model()
    pr, fa = m.providers, m.facilities
    for f in range(fa.n):
        counts = np.bincount(pr.role[pr.facility == f], minlength=len(ROLES))
        np.testing.assert_array_equal(counts, fa.staff[f])


def test_mesa_agents_are_views_on_the_arrays():
    m = run_model()
    agents = m.provider_agents
    assert len(agents) == m.providers.n
    a = agents[7]
    assert a.skills["clinical"] == m.providers.skill[7, 0]
    assert a.facility_id == m.providers.facility[7]
    assert len(m.facility_agents) == m.facilities.n
    assert m.facility_agents[0].arm == "intervention"
    assert {type(x).__name__ for x in m.agents} >= {"Facility", "Provider", "Mentor"}
