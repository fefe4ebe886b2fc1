"""Mentor-pool planner: arithmetic that adds up, directions of effect, and the recommendation."""

from __future__ import annotations

import itertools
import json
import math
from dataclasses import replace

import pytest

from mentorsim import planner
from mentorsim.cli.main import main
from mentorsim.errors import InputError
from mentorsim.planner import PlanRequest


def test_demand_arithmetic_at_the_defaults():
    req = PlanRequest(facilities=10, interval_weeks=9, local_share=0.0, years=2)
    p = planner.base_params(req)
    d = planner.demand(req)
    assert list(d["origin"]) == ["hub"] * 4
    travel = (2 * p["facilities.distance_hub_km"] / p["mentors.facilities_per_trip"]
              + p["facilities.distance_local_km"]) / p["mentors.km_per_travel_day"]
    expected = 10 * 52 / 9 * (p["visits.days"] + travel)
    assert d["days_needed_per_year"].tolist() == pytest.approx([expected] * 4)
    supply = p["mentors.available_days_per_month"] * 12 * (1 - p["mentors.unavailable_prob"])
    assert d["mentors_needed"].tolist() == [math.ceil(expected / supply)] * 4


def test_local_positions_and_their_pipeline():
    req = PlanRequest(facilities=12, interval_weeks=9, local_share=0.5, years=3)
    d = planner.demand(req)
    local = d[d["origin"] == "local"]
    assert sorted(local["discipline"]) == ["theatre_nursing", "ward_nursing"]  # nurses first
    assert (local["regions"] == 3).all()  # 12 facilities in regions of 5
    p = planner.base_params(req)
    assert local["trainings_per_year"].tolist() == pytest.approx([3 * p["mentors.annual_attrition"]] * 2)


@pytest.mark.parametrize("local_share", [0.0, 0.5])
def test_a_longer_visit_interval_needs_fewer_mentor_days(local_share):
    days = [planner.demand(PlanRequest(facilities=20, interval_weeks=w, local_share=local_share))
            ["days_needed_per_year"].sum() for w in (2, 4, 9, 13, 26)]
    assert all(a > b for a, b in itertools.pairwise(days))
    sim = [planner.evaluate_size(PlanRequest(facilities=10, interval_weeks=w, local_share=local_share,
                                             years=1.5, replicates=3), 3) for w in (4, 9, 26)]
    made = [s.mentor_days + s.travel_days for s in sim]
    assert made[0] > made[1] > made[2]


def test_more_mentors_never_lower_coverage():
    req = PlanRequest(facilities=20, interval_weeks=4, local_share=0.0, years=1, replicates=6, target=1.0,
                      max_size=4)
    curve = planner.coverage_curve(req)
    assert [r.size for r in curve] == [1, 2, 3, 4]
    made = [r.visits_made_pct for r in curve]
    cover = [r.coverage for r in curve]
    assert all(b >= a for a, b in itertools.pairwise(made)), made
    assert all(b >= a for a, b in itertools.pairwise(cover)), cover
    assert made[0] < 90 and made[-1] > made[0] and cover[-1] > cover[0]


def test_more_mentor_days_never_lower_coverage():
    req = PlanRequest(facilities=15, interval_weeks=4, local_share=0.0, years=1, replicates=4, vary="days",
                      max_size=12, target=1.0)
    curve = planner.coverage_curve(req)
    assert [r.size for r in curve] == [4, 6, 8, 10, 12]
    made = [r.visits_made_pct for r in curve]
    assert all(b >= a for a, b in itertools.pairwise(made)), made


def test_recommend_takes_the_smallest_pool_reaching_the_target():
    req = PlanRequest(facilities=10, interval_weeks=9, target=0.8)
    mk = lambda size, cov: planner.SizeResult(size, cov, 0, 1, 100, 0, 0, 0, 0, 0, 0, {}, 0, "")  # noqa: E731
    assert planner.recommend(req, [mk(1, 0.1), mk(2, 0.85), mk(3, 0.9)]).size == 2
    assert planner.recommend(req, [mk(1, 0.1), mk(2, 0.5)]) is None


def test_wilson_interval_known_values():
    assert planner.wilson(0, 10) == pytest.approx((0.0, 0.2775), abs=1e-4)
    assert planner.wilson(5, 10) == pytest.approx((0.2366, 0.7634), abs=1e-4)
    assert planner.wilson(10, 10)[1] == 1.0


def test_day_rate_prices_every_mentor_day():
    """--day-rate replaces the cadres' salary day rates: the cost moves by exactly the rate change x
    the mentor-days (no local pool here, so no training days), and the cost-table rates
    (US$12-43 a day) lie between US$1 and US$100."""
    req = PlanRequest(facilities=5, interval_weeks=9, local_share=0.0, years=1, replicates=2)
    table = planner.evaluate_size(req, 1)
    cheap = planner.evaluate_size(replace(req, day_rate=1.0), 1)
    dear = planner.evaluate_size(replace(req, day_rate=100.0), 1)
    days = dear.mentor_days + dear.travel_days
    assert days > 0 and cheap.mentor_days == dear.mentor_days == table.mentor_days
    assert dear.cost_per_year - cheap.cost_per_year == pytest.approx(99.0 * days, rel=1e-9)
    assert cheap.cost_per_year < table.cost_per_year < dear.cost_per_year
    assert "US$100 a mentor-day" in dear.cost_source and "cost-table" in table.cost_source


def test_plan_pool_day_rate_flag_changes_the_cost(capsys):
    costs = {}
    for rate in ("1", "100"):
        assert main(["plan-pool", "--facilities", "3", "--visit-interval-weeks", "9", "--local-share", "0",
                     "--years", "1", "--replicates", "2", "--max-size", "1", "--workers", "1",
                     "--day-rate", rate, "--format", "json"]) == 0
        costs[rate] = json.loads(capsys.readouterr().out)["curve"][0]["cost_per_year"]
    assert costs["100"] > costs["1"] > 0


def test_coverage_curve_is_the_same_on_worker_processes():
    req = PlanRequest(facilities=6, interval_weeks=9, local_share=0.0, years=1, replicates=3, max_size=2)
    assert planner.coverage_curve(req, workers=2) == planner.coverage_curve(req, workers=1)


def test_handover_after_the_horizon_is_refused():
    with pytest.raises(InputError, match="--local-share"):
        planner.base_params(PlanRequest(facilities=10, interval_weeks=9, local_share=0.5, years=0.5))
