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
from mentorsim.model.mentors import START_WEEKS_IN_HAND
from mentorsim.planner import PlanRequest
from mentorsim.timeline import WEEKS_PER_MONTH


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
                      max_size=4, search="scan")
    curve = planner.coverage_curve(req)
    assert [r.size for r in curve] == [1, 2, 3, 4]
    made = [r.visits_made_pct for r in curve]
    cover = [r.coverage for r in curve]
    assert all(b >= a for a, b in itertools.pairwise(made)), made
    assert all(b >= a for a, b in itertools.pairwise(cover)), cover
    assert made[0] < 90 and made[-1] > made[0] and cover[-1] > cover[0]


def test_more_mentor_days_never_lower_coverage():
    req = PlanRequest(facilities=15, interval_weeks=4, local_share=0.0, years=1, replicates=4, vary="days",
                      max_size=12, target=1.0, search="scan")
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
    assert dear.used_cost_per_year - cheap.used_cost_per_year == pytest.approx(99.0 * days, rel=1e-9)
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
    # stopping early (target met at sizes 1 and 2) while later sizes are queued on the workers
    early = PlanRequest(facilities=6, interval_weeks=9, local_share=0.0, years=1, replicates=3,
                        max_size=5, target=0.0, search="scan")
    curve = planner.coverage_curve(early, workers=2)
    assert [r.size for r in curve] == [1, 2]
    assert curve == planner.coverage_curve(early, workers=1)
    bracket = replace(early, search="bracket", target=1.0)
    assert planner.coverage_curve(bracket, workers=2) == planner.coverage_curve(bracket, workers=1)


@pytest.mark.parametrize(("vary", "facilities", "seed"), [("teams", 20, 1), ("teams", 20, 2), ("days", 5, 3)])
def test_bracketing_search_recommends_what_the_scan_does_with_the_same_figures(vary, facilities, seed):
    """The default search tries fewer sizes than trying each in turn, recommends the same size,
    and every size it shows has the scan's figures (replicate r has the same streams at every size)."""
    req = PlanRequest(facilities=facilities, interval_weeks=4, local_share=0.0, years=1, replicates=4, vary=vary,
                      seed=seed, target=0.75, max_size=14 if vary == "teams" else 20)
    scan = planner.coverage_curve(replace(req, search="scan"))
    bracket = planner.coverage_curve(req)
    by_size = {r.size: r for r in scan}
    best = planner.recommend(req, scan)
    assert best is not None and planner.recommend(req, bracket) == best
    assert best.size > scan[0].size  # the smallest size does not reach the target: a real search
    assert all(r == by_size[r.size] for r in bracket if r.size in by_size)
    assert all(r == planner.evaluate_size(req, r.size) for r in bracket if r.size not in by_size)
    step = planner._size_range(req)[2]
    shown = [r.size for r in bracket]
    assert best.size - step in shown and best.size + step in shown  # the crossing is bracketed


def _fake_sizes(monkeypatch, coverage: dict[int, float], guess: int) -> list[int]:
    """Make evaluate_size return ``coverage[size]`` (and the search start at ``guess``); returns the
    list of sizes simulated, in order."""
    tried = []

    def fake(req, size, pool=None, workers=1):
        tried.append(size)
        return planner.SizeResult(size, coverage[size], 0, 1, 100, 0, 0, 0, 0, 0, 0, {}, 0, "")

    monkeypatch.setattr(planner, "evaluate_size", fake)
    monkeypatch.setattr(planner, "first_guess", lambda req: guess)
    return tried


def test_bracketing_search_finds_every_crossing_from_every_start(monkeypatch):
    """With coverage that crosses the target once, the search finds the scan's size from any
    first guess (below, at, above the crossing; outside the range), trying at most
    2 log2(sizes) + 3 sizes; with no size reaching the target it ends at the largest."""
    n = 20
    req = PlanRequest(facilities=10, interval_weeks=9, max_size=n, target=0.9)
    for crossing in [*range(1, n + 1), None]:
        coverage = {s: (1.0 if crossing is not None and s >= crossing else 0.5) for s in range(1, n + 1)}
        for guess in (0, 1, 2, 7, 13, n, n + 5):
            tried = _fake_sizes(monkeypatch, coverage, guess)
            curve = planner.coverage_curve(req)
            best = planner.recommend(req, curve)
            assert (best.size if best else None) == crossing, (crossing, guess, tried)
            assert len(tried) == len(set(tried)) <= 2 * math.ceil(math.log2(n)) + 3, (crossing, guess, tried)
            if crossing is None:
                assert curve[-1].size == n
            elif crossing < n:
                assert {crossing - 1, crossing + 1} - {0} <= {r.size for r in curve}


def test_bracketing_search_scans_when_a_size_contradicts_one_crossing(monkeypatch):
    """Size 3 reaches the target, 4 does not, 5 on do: the search sees 4 fall short after 3 reached
    it (or 3 reach it below a size that did not), tries every size in turn, and recommends 3 as
    the scan does."""
    coverage = {1: 0.0, 2: 0.5, 3: 0.95, 4: 0.85, **dict.fromkeys(range(5, 13), 1.0)}
    req = PlanRequest(facilities=10, interval_weeks=9, max_size=12, target=0.9)
    tried = _fake_sizes(monkeypatch, coverage, guess=3)
    curve = planner.coverage_curve(req)
    assert planner.recommend(req, curve).size == 3
    assert {1, 2, 3, 4, 5, 6} <= set(tried) and len(tried) == len(set(tried))
    # without a contradiction among the sizes it tries, it does not scan
    tried = _fake_sizes(monkeypatch, coverage, guess=8)
    curve = planner.coverage_curve(req)
    assert planner.recommend(req, curve).size == 5 and 1 not in tried


def test_handover_after_the_horizon_is_refused():
    with pytest.raises(InputError, match="--local-share"):
        planner.base_params(PlanRequest(facilities=10, interval_weeks=9, local_share=0.5, years=0.5))


def test_idle_headcount_costs_its_unused_days_at_the_stated_share():
    """A pool mentor is held available_days_per_month x 12 days a year plus the days in hand at the
    start (over a one-year horizon); the days not used are paid
    at costs.idle_mentor_day_share of the day rate: with a flat rate of US$10 a day, the idle cost is
    exactly 10 x idle days x share, 0 when the share is 0, and the total is used + idle."""
    base = PlanRequest(facilities=5, interval_weeks=9, local_share=0.0, years=1, replicates=2, day_rate=10.0)
    for share in (0.0, 0.5, 1.0):
        req = replace(base, overrides={"costs.idle_mentor_day_share": share})
        res = planner.evaluate_size(req, 2)
        idle = planner.idle_days(req, 2, res.days_by_group)
        p = planner.base_params(req, 2)
        in_hand = p["mentors.available_days_per_month"] / WEEKS_PER_MONTH * START_WEEKS_IN_HAND
        held = 2 * (p["mentors.available_days_per_month"] * 12 + in_hand)
        assert idle["days_held_per_year"].tolist() == pytest.approx([held] * 4)
        expected = 10.0 * share * (held - idle["days_used_per_year"]).clip(lower=0).sum()
        assert res.idle_cost_per_year == pytest.approx(expected, rel=1e-9)
        assert res.cost_per_year == pytest.approx(res.used_cost_per_year + res.idle_cost_per_year, rel=1e-12)
    assert expected > 0


def test_more_idle_teams_cost_more_when_idle_days_are_paid():
    """Past the size where every visit is made, more teams make no more visits but cost more (the
    defect: cost stayed flat because idle mentors cost nothing)."""
    req = PlanRequest(facilities=5, interval_weeks=9, local_share=0.0, years=1, replicates=2)
    small, large = planner.evaluate_size(req, 2), planner.evaluate_size(req, 4)
    assert small.visits_made_pct == large.visits_made_pct == 100.0
    assert large.idle_cost_per_year > small.idle_cost_per_year
    assert large.cost_per_year > small.cost_per_year


def test_pool_table_counts_positions_by_discipline_and_origin_with_their_months():
    req = PlanRequest(facilities=12, interval_weeks=9, local_share=0.5, years=2)
    t = planner.pool_table(req, 2)
    hub, local = t[t["origin"] == "hub"], t[t["origin"] == "local"]
    assert (hub["mentors"] == 2).all() and len(hub) == 4
    assert sorted(local["discipline"]) == ["theatre_nursing", "ward_nursing"] and (local["mentors"] == 3).all()
    nurses = hub[hub["discipline"].str.endswith("nursing")]
    assert nurses["until"].str.startswith("months 0-12, then regional").all()
    assert local["until"].str.startswith("months 6-24").all()  # paired 6 months before the handover


def test_hub_nurses_who_hand_over_need_as_many_mentors_as_the_other_hub_disciplines():
    """Hub nurses make the same visits as the others, in half the horizon: the arithmetic's count
    is for the months they hold the positions (it said fewer before)."""
    d = planner.demand(PlanRequest(facilities=50, interval_weeks=9, local_share=0.5, years=2))
    hub = d[d["origin"] == "hub"]
    assert hub["mentors_needed"].nunique() == 1


def test_plan_pool_output_explains_teams_positions_and_months(capsys):
    assert main(["plan-pool", "--facilities", "6", "--visit-interval-weeks", "9", "--local-share", "0.5",
                 "--years", "2", "--replicates", "2", "--max-size", "1", "--workers", "1"]) == 0
    out = capsys.readouterr().out
    assert "A team is one hub mentor of each of the four disciplines" in out
    assert " 1 team:" in out and "1 teams" not in out
    assert "in all " in out and " hub, " in out and " regional" in out
    assert "then regional mentors take over" in out and "whole horizon (months 0-24)" in out
    assert "idle days" in out


def test_plateau_reason_names_the_bottleneck():
    req = PlanRequest(facilities=10, interval_weeks=9, target=0.9)
    mk = lambda size, cov, missed, made: planner.SizeResult(  # noqa: E731
        size, cov, 0, 1, made, missed, 0, 0, 0, 0, 0, {}, 0, "")
    assert planner.plateau_reason(req, [mk(1, 0.1, 5, 80), mk(2, 0.5, 1, 95), mk(3, 0.95, 0, 100)]) is None
    flat_missed = [mk(5, 0.85, 2.0, 99), mk(6, 0.85, 2.0, 99), mk(7, 0.86, 2.0, 99)]
    assert "regional mentors" in planner.plateau_reason(req, flat_missed)
    rare = [mk(5, 0.8, 0.2, 100), mk(6, 0.8, 0.2, 100), mk(7, 0.8, 0.2, 100)]
    assert "called away" in planner.plateau_reason(req, rare)


def test_plan_pool_every_size_flag_tries_each_size_in_turn(capsys):
    args = ["plan-pool", "--facilities", "20", "--visit-interval-weeks", "4", "--local-share", "0", "--years", "1",
            "--replicates", "3", "--max-size", "8", "--target", "0.6", "--workers", "1", "--format", "json"]
    curves = {}
    for extra in ([], ["--every-size"]):
        assert main(args + extra) == 0
        plan = json.loads(capsys.readouterr().out)
        curves[bool(extra)] = {r["size"]: r for r in plan["curve"]}
        assert plan["request"]["search"] == ("scan" if extra else "bracket")
    every, searched = curves[True], curves[False]
    assert sorted(every) == list(range(1, max(every) + 1)) and len(searched) < len(every)
    assert all(searched[s] == every[s] for s in searched if s in every)


@pytest.mark.parametrize("facilities,interval,share", [(20, 2, 0.5), (40, 4, 0.5), (30, 2, 1.0)])
def test_no_position_is_busier_than_the_days_it_holds(facilities, interval, share):
    """A mentor cannot spend more days than they earn plus the days in hand at the start: with a
    pool too small for the schedule (so every day is used), no position's busy share exceeds
    100%; a hub mentor's cover of vacant regional posts after the handover is counted apart.
    (The planner printed 'busy 102-109%' at 200 facilities when it left out the days in hand and
    counted the cover inside the months held.)"""
    req = PlanRequest(facilities=facilities, interval_weeks=interval, local_share=share, years=2, replicates=2)
    res = planner.evaluate_size(req, 1)
    assert res.visits_missed > 0  # the pool is the bottleneck: its days are used up
    busy = planner.idle_days(req, 1, res.days_by_group)
    assert (busy["busy_pct"] <= 100.0 + 1e-9).all(), busy[["discipline", "origin", "busy_pct"]]
    assert busy.loc[busy["origin"] == "hub", "busy_pct"].max() > 90.0  # and it is really used
    assert (busy.loc[busy["origin"] == "local", "cover_days_per_year"] == 0).all()


def test_a_size_batched_and_on_workers_is_each_replicate_alone():
    """A size's replicates are simulated and costed together (runner.simulate_batch,
    costs.cost_batch), one batch a worker; each replicate's summary is what simulating and
    costing it alone gives (runner.simulate, costs.cost_account), and the size's result is the
    same in process and on 2 workers, however the replicates are split."""
    from mentorsim.economics import costs
    from mentorsim.executors import process_pool
    from mentorsim.runner import simulate

    req = PlanRequest(facilities=12, interval_weeks=4, local_share=0.5, years=1.5, replicates=5, day_rate=40.0)
    p = planner.base_params(req, 2)
    batched = planner._simulate_size((req, 2, tuple(range(req.replicates))))
    for r, got in enumerate(batched):
        out = simulate(p, seed=req.seed, replicate=r)
        items = costs.cost_account(out, planner.priced_at(p, req.day_rate)).item_totals()
        alone = planner._replicate_summary(out, p, req, float(sum(items[k] for k in planner.POOL_ITEMS)),
                                           got["cost_source"])
        assert got == alone, r
    assert [len(part) for part in planner._parts(5, 2)] == [2, 3]
    here = planner.evaluate_size(req, 2)
    with process_pool(2) as pool:
        assert planner.evaluate_size(req, 2, pool, workers=2) == here
