"""Local (regional) mentors: less travel per visit; handover, pairing and the pool."""

import numpy as np
from conftest import params_with

from mentorsim.runner import simulate


def test_local_mentors_travel_less_per_visit():
    out = simulate(params_with(scenario="ss2020"), seed=3)
    log = out.visit_log
    lead = log[log.role == "lead"]
    hub = lead[lead.origin == "hub"]
    local = lead[lead.origin == "local"]
    assert len(hub) and len(local)
    assert local.travel_days.mean() < hub.travel_days.mean()
    assert local.km.mean() < hub.km.mean()


def test_handover_at_month_12():
    out = simulate(params_with(scenario="ss2020"), seed=3)
    log = out.visit_log
    lead_local = log[(log.role == "lead") & (log.origin == "local")]
    assert lead_local.week.min() >= 52  # regional mentors lead only from the handover
    paired = log[log.role == "paired"]
    assert len(paired) and paired.week.max() < 52 and paired.week.min() >= 52 - 27  # six months of pairing


def test_local_mentors_from_start_and_kept_after_programme():
    out = simulate(params_with(scenario="local_mentors"), seed=3)
    log = out.visit_log
    assert (log[log.origin == "local"].week.min()) < 10
    after = log[log.week >= out.programme_weeks]
    assert len(after) > 0 and set(after.origin) == {"local"}
    ss = simulate(params_with(scenario="ss2020"), seed=3).visit_log
    assert (ss.week >= out.programme_weeks).sum() == 0  # nobody visits after ss2020 ends


def test_mentor_pool_is_conserved():
    """Every regional mentor trained is active, paired or lost: nobody created or lost unseen."""
    out = simulate(params_with(scenario="local_mentors", updates={"mentors.annual_attrition": 0.4}), seed=2)
    pool = out.pool
    alive = pool["local_trained"] - pool["local_lost"]
    np.testing.assert_array_equal(pool["local_active"] + pool["local_paired"], alive)
    assert pool["local_lost"][-1] > 0  # attrition happened, and losses were replaced
    assert pool["local_trained"][-1] > pool["local_trained"][1]
    assert 0 < pool["mentees_became_mentors"][-1] <= pool["local_trained"][-1]


def test_local_mentors_cost_less_per_visit():
    from mentorsim.economics.costs import visit_rows
    p = params_with(scenario="ss2020")
    rows = visit_rows(simulate(p, seed=3), p)
    lead = rows[rows.role == "lead"]
    per_visit = (lead.time_usd + lead.per_diem_usd + lead.transport_usd).groupby(lead.origin).mean()
    assert per_visit["local"] < per_visit["hub"]


def test_unkept_regional_pool_stands_down_after_the_programme():
    out = simulate(params_with(scenario="ss2020", updates={"mentors.annual_attrition": 0.4}), seed=2)
    end = out.programme_weeks
    assert out.pool["local_active"][end + 2] == 0 and out.pool["local_active"][end - 1] > 0
    trained_at_end = out.pool["local_trained"][end]
    assert out.pool["local_trained"][-1] == trained_at_end  # nobody replaced for a pool not kept
