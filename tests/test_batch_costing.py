"""Costing many runs at once (issue 16): ``evaluate_runs`` computes the costs, effects and records
of a batch of runs as arrays over a run axis. Every number of every run is the float the run
gets costed alone, whatever the batch's size, order or make-up (other strategies, parameters,
horizons), and the batch's sums are the ones a run's own numpy expressions give."""

from __future__ import annotations

import doctest

import numpy as np
import pytest
from conftest import params_with

from mentorsim.economics import discounting, evaluation, psa
from mentorsim.economics import health_effects as he
from mentorsim.economics.costs import ITEMS, RunStack, _add_into, cost_account
from mentorsim.economics.evaluation import comparator_params, evaluate_run, evaluate_runs
from mentorsim.economics.psa import Strategy
from mentorsim.policy import economics as app_econ
from mentorsim.runner import simulate, simulate_batch
from mentorsim.timeline import WEEKS_PER_MONTH


def _bits(x) -> bytes:
    return np.asarray(x, dtype=float).tobytes()


@pytest.fixture(scope="module")
def mixed():
    """Runs of several strategies, parameter sets and horizons, with their comparators."""
    ps = [params_with(scenario="ss2020"), params_with(scenario="local_mentors"),
          params_with(scenario="virtual_only"),
          params_with({"followup.months": 3}, scenario="ss2020"),  # another horizon: its own batch
          params_with({"mentors.local_day_trips": True, "economics.cost_mentee_time": True,
                       "costs.infrastructure_grant": True}, scenario="local_mentors"),
          params_with({"economics.discount_rate_costs": 0.0, "economics.discount_rate_effects": 0.05},
                      scenario="in_person_only"),
          params_with({"facilities.comparison": 0}, scenario="ss2020")]  # no comparison arm
    points = [(p, 3, r) for r in range(3) for p in ps]
    outs = simulate_batch(points)
    comps = simulate_batch([(comparator_params(p), s, r) for p, s, r in points])
    return [p for p, _, _ in points], outs, comps


def _same(a: evaluation.RunEconomics, b: evaluation.RunEconomics) -> None:
    assert list(a.record) == list(b.record)
    for k in a.record:
        assert type(a.record[k]) is float and _bits(a.record[k]) == _bits(b.record[k]), k
    for k in ITEMS:
        assert _bits(a.account.weekly[k]) == _bits(b.account.weekly[k]), k
    assert set(a.account.mentee) == set(b.account.mentee)
    for k in a.account.mentee:
        assert _bits(a.account.mentee[k]) == _bits(b.account.mentee[k]), k
    assert _bits(a.account.savings) == _bits(b.account.savings)
    for k in a.effects.weekly:
        assert _bits(a.effects.weekly[k]) == _bits(b.effects.weekly[k]), k
    assert a.effects.counts == b.effects.counts
    for k in a.gains:
        assert _bits(a.gains[k]) == _bits(b.gains[k]), k


def test_a_batch_gives_each_run_what_it_gets_alone(mixed, monkeypatch):
    params, outs, comps = mixed
    alone = [evaluate_run(p, 3, o.replicate, comparator=c, out=o) for p, o, c in zip(params, outs, comps)]
    together = evaluate_runs(params, outs, comps)
    for a, b in zip(together, alone):
        _same(a, b)
    # another order and chunks of two: the same floats
    monkeypatch.setattr(evaluation, "EVALUATION_CHUNK", 2)
    order = list(reversed(range(len(outs))))
    again = evaluate_runs([params[i] for i in order], [outs[i] for i in order], [comps[i] for i in order])
    for i, ev in zip(order, again):
        _same(ev, alone[i])
    # the page's and cea's own entry points
    strat = app_econ.evaluate("ss2020", params[0], 3, outs[::7], comps[::7])
    for ev, b in zip(strat.runs, alone[::7]):
        _same(ev, b)


def test_batch_sums_are_a_runs_own_numpy_sums(mixed):
    """The totals are the floats of the single-run numpy expressions on the run's own arrays
    (with and without comparison facilities: numpy sums the two layouts differently)."""
    params, outs, comps = mixed
    evs = evaluate_runs(params, outs, comps)
    for p, out, comp, ev in zip(params, outs, comps, evs):
        n, rec = out.n_intervention, ev.record
        rc = p["economics.discount_rate_costs"]
        f = discounting.weekly_factors(out.programme_weeks + out.followup_weeks, rc)
        items = {k: float((v.sum(axis=1) * f).sum()) for k, v in ev.account.weekly.items()}
        for k, v in items.items():
            assert _bits(rec[f"item_{k}_usd"]) == _bits(v), k
        assert _bits(rec["cost_programme_usd"]) == _bits(float(sum(items.values())))
        sl = (slice(1, None), slice(0, n))
        for key in ("operations", "ssi_expected", "deaths_expected"):
            assert _bits(rec[key]) == _bits(float(out.fac[key][sl].sum())), key
            assert _bits(rec[f"comparator_{key}"]) == _bits(float(comp.fac[key][sl].sum())), key
        i, c = out.arm_mean("composite", 0), out.arm_mean("composite", 1)
        did = (i[1:] - i[0]) - (c[1:] - c[0])
        vs_arm = float(100.0 * did.sum() / WEEKS_PER_MONTH) if np.isfinite(c).all() else float("nan")
        assert _bits(rec["composite_point_months_vs_arm_per_facility"]) == _bits(vs_arm)
        gain = out.arm_mean("safety", 0) - comp.arm_mean("safety", 0)
        assert _bits(ev.gains["safety"]) == _bits(gain)
    assert any(o.fac["composite"].shape[1] == o.n_intervention for o in outs)  # both layouts were seen
    assert any(o.fac["composite"].shape[1] > o.n_intervention for o in outs)


def test_added_costs_are_summed_in_order_like_add_at():
    rng = np.random.default_rng(5)
    shape = (3, 7, 4)
    run, week, fac = rng.integers(0, 3, 500), rng.integers(0, 7, 500), rng.integers(0, 4, 500)
    values = rng.normal(size=500) * 10.0 ** rng.integers(-8, 8, 500)
    expected = np.zeros(shape)
    np.add.at(expected, (run, week, fac), values)
    got = np.zeros(shape)
    _add_into(got, run, week, fac, values)
    assert _bits(got) == _bits(expected)


def test_discounted_sums_over_a_batch_equal_each_run_alone():
    rng = np.random.default_rng(7)
    for weeks, n in ((1, 1), (60, 3), (178, 10), (300, 130)):
        x = rng.normal(size=(5, weeks, n)) * 10.0 ** rng.integers(-3, 6, size=(5, weeks, n))
        rates = np.array([0.0, 0.03, 0.03, 0.1, 0.05])
        for sl in (slice(None), slice(0, weeks // 2), slice(weeks // 2, None)):
            batch = discounting.discounted_sums(x, rates, sl)
            for r in range(5):
                f = discounting.weekly_factors(weeks, float(rates[r]))[sl]
                assert _bits(batch[r]) == _bits((x[r][sl].sum(axis=1) * f).sum())
    assert doctest.testmod(discounting).failed == 0


def test_single_run_helpers_are_the_batch_of_one(mixed):
    params, outs, comps = mixed
    p, out, comp = params[1], outs[1], comps[1]
    acc = cost_account(out, p, comp)
    ev = evaluate_run(p, 3, out.replicate, comparator=comp, out=out)
    for k in ITEMS:
        assert _bits(acc.weekly[k]) == _bits(ev.account.weekly[k])
    eff = he.effects(out, comp, p)
    assert eff.counts == ev.effects.counts
    assert _bits(he.versus_comparison_arm(out)) == _bits(ev.record["composite_point_months_vs_arm_per_facility"])


def test_runs_of_other_shapes_are_refused_together(mixed):
    params, outs, comps = mixed
    short = next(o for o in outs if o.followup_weeks != outs[0].followup_weeks)
    with pytest.raises(ValueError, match="same facilities and horizon"):
        RunStack([outs[0], short], [params[0], params[0]])
    with pytest.raises(ValueError, match="one comparator"):
        evaluate_runs(params[0], outs[:2], comps[:1])
    # a comparator of another horizon is refused, as for one run
    with pytest.raises(ValueError, match="same facilities and horizon"):
        evaluate_runs(params[0], [outs[0]], [short])


def test_a_psa_draw_costs_its_strategies_as_each_alone():
    strategies = [Strategy("ss2020", params_with(scenario="ss2020")),
                  Strategy("local", params_with(scenario="local_mentors"))]
    strategies.insert(0, Strategy("no_mentorship", comparator_params(strategies[0].params)))
    names = psa.psa_parameter_names("costs")
    draw, drawn, records = psa._run_draw((4, 1, strategies, names, "beta", None))
    assert draw == 1
    run_seed = psa.replicate_seed(4, 1)
    for s, rec in zip(strategies, records):
        p = psa._apply(s, drawn)
        comp = simulate(comparator_params(p), run_seed, 0)
        alone = evaluate_run(p, run_seed, 0, comparator=comp, out=comp if s.name == "no_mentorship" else None)
        assert rec["draw"] == 1 and rec["strategy"] == s.name
        assert all(_bits(rec[k]) == _bits(v) for k, v in alone.record.items())


def test_count_sums_are_each_runs_own_for_large_strided_blocks():
    """The counts are each run's own sums, not sums of the stacked copy: numpy sums a large
    non-contiguous block through its buffers in chunks (at 900 of 1,000 facilities over 178
    weeks the two differ on this numpy)."""
    from types import SimpleNamespace
    rng = np.random.default_rng(11)
    runs = []
    for _ in range(2):
        block = rng.random((179, 1000, 3)) * 10.0 ** rng.normal(size=(179, 1000, 3))  # series side by side
        fac = {"composite": block[:, :, 0], "ssi_expected": block[:, :, 1], "operations": block[:, :, 2]}
        runs.append(SimpleNamespace(n_intervention=900, programme_weeks=100, followup_weeks=78, rows=179, fac=fac))
    stack = RunStack(runs, [{}, {}])
    got = he._block_sums(stack, "ssi_expected")
    assert [_bits(g) for g in got] == [_bits(r.fac["ssi_expected"][1:, :900].sum()) for r in runs]


def test_facility_sums_are_numpys_sums():
    """The compiled row sums repeat numpy's pairwise summation: the same floats for every row
    length (the blocks of 8 and 128 and the halving above), signs, magnitudes and zeros."""
    rng = np.random.default_rng(13)
    for n in [*range(0, 300), 511, 1000, 1025, 4097, 10_000]:
        x = rng.normal(size=(3, 2, n)) * 10.0 ** rng.integers(-6, 6, size=(3, 2, n))
        x[0, 0] = -0.0
        assert _bits(discounting.facility_sums(x)) == _bits(x.sum(axis=-1)), n
        assert _bits(discounting.facility_sums(x[:, :, ::-1])) == _bits(x[:, :, ::-1].sum(axis=-1)), n
