"""Known-answer tests of the incremental analysis (cea.py): tables built by hand."""

import math

import numpy as np
import pandas as pd
import pytest

from mentorsim.economics.cea import (
    DOMINATED,
    EXTENDED,
    FRONTIER,
    best_at,
    default_wtp,
    incremental_analysis,
    net_monetary_benefit,
    validate_table,
    wtp_summary,
)
from mentorsim.errors import InputError


def table(rows):
    return pd.DataFrame(rows, columns=["strategy", "cost", "effect"])


def by_name(result):
    return result.set_index("strategy")


def test_textbook_strong_and_extended_dominance():
    # A(0,0) B(100,10) C(150,11) D(300,20) E(200,5)
    # E costs more than B and does less: dominated. C's ICER vs B is 50, D's vs C 16.7: C is
    # extendedly dominated; then D vs B: 200/10 = 20.
    r = by_name(incremental_analysis(table([("A", 0, 0), ("B", 100, 10), ("C", 150, 11),
                                            ("D", 300, 20), ("E", 200, 5)])))
    assert r.loc["A", "status"] == FRONTIER and math.isnan(r.loc["A", "icer"])
    assert r.loc["B", "status"] == FRONTIER and r.loc["B", "icer"] == pytest.approx(10.0)
    assert r.loc["C", "status"] == EXTENDED
    assert r.loc["D", "status"] == FRONTIER and r.loc["D", "icer"] == pytest.approx(20.0)
    assert r.loc["D", "reference"] == "B"
    assert r.loc["E", "status"] == DOMINATED and "B" in r.loc["E", "note"]
    assert r.loc["E", "inc_cost"] == pytest.approx(100) and r.loc["E", "inc_effect"] == pytest.approx(-5)
    assert list(incremental_analysis(table([("A", 0, 0), ("B", 100, 10), ("C", 150, 11), ("D", 300, 20),
                                            ("E", 200, 5)]))["strategy"]) == ["A", "B", "C", "E", "D"]


def test_extended_dominance_is_iterative():
    # ICERs in cost order: B 10, C 15, D 16, E (vs D) 70/15 = 4.67 -> D out;
    # then E vs C 170/20 = 8.5 < 15 -> C out; then E vs B 320/30 = 10.67 > 10: B stays.
    r = by_name(incremental_analysis(table([("A", 0, 0), ("B", 100, 10), ("C", 250, 20),
                                            ("D", 330, 25), ("E", 420, 40)])))
    assert list(r.index[r["status"] == FRONTIER]) == ["A", "B", "E"]
    assert r.loc["C", "status"] == EXTENDED and r.loc["D", "status"] == EXTENDED
    assert r.loc["E", "icer"] == pytest.approx(320 / 30)
    # notes name the final frontier neighbours, not the ones present when each was removed
    assert r.loc["C", "note"] == r.loc["D", "note"] == "extendedly dominated by a mix of B and E"
    assert r.loc["B", "icer"] == pytest.approx(10)


def test_equal_icers_are_not_extendedly_dominated():
    r = by_name(incremental_analysis(table([("A", 0, 0), ("B", 10, 1), ("C", 20, 2)])))
    assert (r["status"] == FRONTIER).all()
    assert r.loc["C", "icer"] == pytest.approx(10)


def test_ties():
    # identical cost and effect: both on the frontier, same ICER, each names its twin
    r = by_name(incremental_analysis(table([("A", 0, 0), ("B", 100, 10), ("B2", 100, 10)])))
    assert r.loc["B", "status"] == r.loc["B2", "status"] == FRONTIER
    assert r.loc["B", "icer"] == r.loc["B2", "icer"] == pytest.approx(10)
    assert "B2" in r.loc["B", "note"] and "B" in r.loc["B2", "note"]
    # same cost, less effect: dominated; same effect, more cost: dominated
    r = by_name(incremental_analysis(table([("A", 0, 0), ("B", 100, 10), ("Bless", 100, 8),
                                            ("Bdear", 120, 10)])))
    assert r.loc["Bless", "status"] == DOMINATED and r.loc["Bdear", "status"] == DOMINATED
    assert r.loc["B", "status"] == FRONTIER


def test_single_strategy():
    r = incremental_analysis(table([("only", 123.0, 4.0)]))
    assert len(r) == 1 and r.loc[0, "status"] == FRONTIER
    assert math.isnan(r.loc[0, "icer"]) and r.loc[0, "reference"] is None


def test_negative_incremental_effects():
    # N costs more and does harm: dominated by Z. C is cheaper (cost saving) and less
    # effective: it starts the frontier and Z's ICER against it is 20/1 = 20.
    r = by_name(incremental_analysis(table([("Z", 0, 0), ("N", 50, -3), ("C", -20, -1)])))
    assert r.loc["N", "status"] == DOMINATED
    assert r.loc["C", "status"] == FRONTIER and math.isnan(r.loc["C", "icer"])
    assert r.loc["Z", "icer"] == pytest.approx(20.0) and r.loc["Z", "reference"] == "C"


def test_dominant_cheapest_strategy_dominates_all():
    r = by_name(incremental_analysis(table([("cheap_good", 10, 5), ("x", 20, 4), ("y", 30, 1)])))
    assert r.loc["cheap_good", "status"] == FRONTIER
    assert (r.drop(index="cheap_good")["status"] == DOMINATED).all()


def test_net_monetary_benefit_and_choice():
    t = table([("A", 0, 0), ("B", 100, 10), ("D", 300, 20)])
    nmb = net_monetary_benefit(t, [0, 15, 25])
    assert nmb.loc["B", 15.0] == pytest.approx(15 * 10 - 100)
    assert best_at(t, [5, 15, 25]) == {5.0: "A", 15.0: "B", 25.0: "D"}
    # at exactly the ICER the NMBs tie: the cheaper strategy is chosen
    assert best_at(t, [10.0])[10.0] == "A"
    s = wtp_summary(t, [15])
    assert s.loc[0, "best"] == "B" and s.loc[0, "best_nmb"] == pytest.approx(50)


def test_default_wtp_multiples_of_gdp():
    assert default_wtp(1012.0) == pytest.approx([344.08, 506.0, 1012.0, 3036.0])


@pytest.mark.parametrize("rows,columns,needle", [
    ([("A", 1)], ["strategy", "cost"], "missing column 'effect'"),
    ([("A", "abc", 2)], ["strategy", "cost", "effect"], "must be a number"),
    ([("A", 1, 2), ("A", 3, 4)], ["strategy", "cost", "effect"], "appears twice"),
    ([], ["strategy", "cost", "effect"], "no strategies"),
    ([("A", float("nan"), 2)], ["strategy", "cost", "effect"], "finite"),
    ([("", 1, 2)], ["strategy", "cost", "effect"], "empty"),
])
def test_bad_tables_raise_one_line(rows, columns, needle):
    with pytest.raises(InputError) as exc:
        validate_table(pd.DataFrame(rows, columns=columns))
    assert needle in str(exc.value) and "\n" not in str(exc.value)


def random_tables(n_tables=300, seed=0):
    """Small random tables with integer costs and effects (ties and dominance are common)."""
    rng = np.random.default_rng(seed)
    for _ in range(n_tables):
        k = int(rng.integers(1, 9))
        yield (table([(f"s{i}", int(c), int(e)) for i, (c, e) in
                      enumerate(zip(rng.integers(-50, 200, k), rng.integers(-20, 40, k)))]),
               float(rng.uniform(0, 100)))


def test_properties_of_frontier_and_choice():
    for t, wtp in random_tables():
        r = incremental_analysis(t)
        front = r[r["status"] == FRONTIER].drop_duplicates(["cost", "effect"])
        # frontier: cost and effect strictly increase, ICERs do not decrease
        assert (np.diff(front["cost"]) > 0).all() and (np.diff(front["effect"]) > 0).all()
        icers = front["icer"].to_numpy()[1:]
        assert (np.diff(icers) >= -1e-9 * np.abs(icers[1:])).all()
        # the strategy with the highest NMB is on the frontier, with the best frontier NMB
        best = best_at(t, [wtp])[wtp]
        assert r.set_index("strategy").loc[best, "status"] == FRONTIER
        nmb = wtp * t["effect"] - t["cost"]
        assert nmb.max() == pytest.approx(float((wtp * front["effect"] - front["cost"]).max()))
        # every strategy gets one of the three statuses; non-frontier ones have no ICER
        assert set(r["status"]) <= {FRONTIER, DOMINATED, EXTENDED} and len(r) == len(t)
        assert r.loc[r["status"] != FRONTIER, "icer"].isna().all()
