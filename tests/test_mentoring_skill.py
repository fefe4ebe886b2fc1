"""Mentors learn by mentoring (issue 11, mechanisms 6 and 10), and local mentors from the start
keep at least as much as hub-first ones with the same regional pool kept."""

import numpy as np
import pytest

from mentorsim import load_scenario, simulate
from mentorsim.results import run_outcomes

KEEP = ["followup.local_visit_interval_weeks=13"]


def _curve(v, half):
    return v / (v + half)


def test_mentoring_skill_follows_the_experience_curve():
    """Every mentor's final mentoring skill is start + gain x (c(v0 + visits) - c(v0))."""
    sc = load_scenario("scenarios/ss2020.toml", sets=KEEP)
    p = sc.params
    m = simulate(p, seed=3, replicate=0).mentors
    gain, half = p["mentors.mentoring_skill_gain"], p["mentors.mentoring_skill_half_visits"]
    hub = m.origin == "hub"
    start = np.where(hub, p["mentors.hub_mentoring_skill"], p["mentors.local_mentoring_skill"])
    v0 = np.where(hub, p["mentors.hub_prior_visits"], 0.0)
    expected = np.minimum(1.0, start + gain * (_curve(v0 + m.visits_done, half) - _curve(v0, half)))
    assert (m.visits_done > 0).sum() >= 8
    np.testing.assert_allclose(m.mentoring_skill, expected, rtol=1e-12)
    # regional mentors start with no mentoring experience, so they gain more than hub mentors
    gained = m.mentoring_skill - start
    assert gained[~hub & (m.visits_done > 20)].min() > gained[hub].max()


def test_no_gain_keeps_every_mentor_at_the_start_skill():
    sc = load_scenario("scenarios/local_mentors.toml", sets=["mentors.mentoring_skill_gain=0"])
    m = simulate(sc.params, seed=3, replicate=0).mentors
    start = np.where(m.origin == "hub", sc.params["mentors.hub_mentoring_skill"],
                     sc.params["mentors.local_mentoring_skill"])
    assert (m.mentoring_skill == start).all()


@pytest.mark.parametrize("share", [0.5, 1.0])
def test_local_from_start_not_worse_and_keeps_at_least_as_much(share):
    """Same local share, both keep the regional pool visiting quarterly after the programme;
    means over 6 replicates: local-from-start is not worse at month 12 and keeps at least as
    much 24 months after the programme (benchmarks/mech_local_keep.py shows the margins)."""
    sets = [f"mentors.local_share={share}", *KEEP]

    def outcome(name, key):
        sc = load_scenario(f"scenarios/{name}.toml", sets=sets)
        return np.array([run_outcomes(simulate(sc.params, seed=7, replicate=r))[key] for r in range(6)])

    for key in ("composite_month12_pct", "composite_followup24_pct"):
        assert outcome("local_mentors", key).mean() >= outcome("ss2020", key).mean(), key
