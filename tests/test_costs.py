"""Cost accounting: items add up, a zero dose costs only the fixed items, hand-computed unit
costs, discounting against hand-computed values."""

import math

import numpy as np
import pandas as pd
import pytest

from mentorsim.economics.costs import (
    FIXED_ITEMS,
    ITEMS,
    CostAccount,
    cost_account,
    cost_per_ssi,
    day_rate,
    per_diem_usd,
    ssi_savings,
    visit_arrays,
    visit_rows,
)
from mentorsim.economics.discounting import discounted_years, factor_for_month, month_of_week, weekly_factors
from mentorsim.economics.evaluation import comparator_params
from mentorsim.parameters.cost_table import COST_PARAMS, PRICE_LABEL
from mentorsim.parameters.model_table import PARAMS_BY_NAME
from mentorsim.parameters.sources import SOURCES
from mentorsim.runner import simulate
from mentorsim.scenario import load_scenario
from mentorsim.timeline import WEEKS_PER_MONTH

SS2020 = dict(load_scenario("scenarios/ss2020.toml").params)


@pytest.fixture(scope="module")
def ss2020_runs():
    return simulate(SS2020, 1, 0), simulate(comparator_params(SS2020), 1, 0)


def test_cost_parameters_are_declared_with_sources():
    for p in COST_PARAMS:
        assert p.name.split(".")[0] in ("costs", "economics")
        assert p.source in SOURCES and p.tag in ("cited", "assumption")
        assert p.low <= p.default <= p.high
        assert PARAMS_BY_NAME[p.name] is not None
    assert PRICE_LABEL == "USD, 2018 prices"


def test_items_add_up(ss2020_runs):
    out, comp = ss2020_runs
    acc = cost_account(out, SS2020, comp)
    items = acc.item_totals()
    assert set(items) == set(ITEMS)
    assert acc.total() == pytest.approx(sum(items.values()))
    assert acc.total() == pytest.approx(sum(acc.modality_totals().values()))
    table = acc.by_facility_month(0.03)
    assert table.attrs["currency"] == PRICE_LABEL
    by_item = table.groupby("item")["cost_usd"].sum()
    for k, v in items.items():
        assert by_item[k] == pytest.approx(v, abs=1e-6)
    assert table["cost_usd_discounted"].sum() == pytest.approx(acc.total(0.03))
    # programme + follow-up = whole horizon
    prog, fu = slice(0, out.programme_weeks), slice(out.programme_weeks, None)
    assert acc.total(0, prog) + acc.total(0, fu) == pytest.approx(acc.total())
    # every modality of the programme as run costs something
    for item in ("mentor_time", "per_diem", "transport", "training_course", "training_pairing",
                 "echo_platform", "echo_data", "echo_faculty", "whatsapp_bundles", "coordination"):
        assert items[item] > 0, item
    assert items["infrastructure_grant"] == 0  # optional switch, default off


def test_no_mentorship_costs_nothing(ss2020_runs):
    _, comp = ss2020_runs
    p = comparator_params(SS2020) | {"costs.infrastructure_grant": True}
    assert cost_account(comp, p).total() == 0.0


def test_zero_dose_costs_only_fixed_items():
    # visits enabled, but no mentor is ever available: nothing delivered, no telementoring or
    # WhatsApp: only coordination (and the grant when switched on) is paid.
    p = dict(SS2020) | {"echo.enabled": False, "whatsapp.enabled": False, "followup.whatsapp": False,
                        "mentors.unavailable_prob": 1.0, "mentors.local_share": 0.0,
                        "costs.infrastructure_grant": True}
    out = simulate(p, 2, 0)
    assert len(out.visit_log) == 0
    acc = cost_account(out, p)
    items = acc.item_totals()
    for k, v in items.items():
        if k not in FIXED_ITEMS:
            assert v == 0.0, k
    n = p["facilities.intervention"]
    assert items["coordination"] == pytest.approx(p["costs.coordination_usd_per_month"]
                                                  * out.programme_weeks / WEEKS_PER_MONTH)
    assert items["infrastructure_grant"] == pytest.approx(n * 10000.0)
    assert acc.total() == pytest.approx(items["coordination"] + items["infrastructure_grant"])


def test_day_rate_and_per_diem_by_hand():
    p = SS2020
    # specialist: 2,500,000 x 0.85 / 2264 / 22
    assert day_rate(p, "specialist") == pytest.approx(2_500_000 * 0.85 / 2264 / 22)
    assert day_rate(p, "nurse") == pytest.approx(680_000 * 0.85 / 2264 / 22)
    assert per_diem_usd(p) == pytest.approx(100_000 / 2264)
    assert cost_per_ssi(p) == pytest.approx(8.7 * 15 + 20)


class _HandRun:
    """A run whose visit log is written by hand (everything else from a real run)."""

    def __init__(self, out, log):
        self._out = out
        self.visit_log = log
        codes = log.assign(origin=(log["origin"] == "local").astype(float),
                           role=(log["role"] == "paired").astype(float))
        self.visit_array = codes.to_numpy(float).reshape(-1, len(log.columns))  # as RunOutput holds it
        self.counters = out.counters | {"trainings": []}

    def __getattr__(self, name):
        return getattr(self._out, name)


def _with_log(out, rows):
    log = pd.DataFrame(rows, columns=["week", "facility", "mentor", "origin", "discipline", "role",
                                      "days", "travel_days", "km"])
    return _HandRun(out, log)


def test_visit_costs_by_hand(ss2020_runs):
    out, _ = ss2020_runs
    # One hub surgeon on a two-facility circuit in week 0 (2 visit days + 1 travel day each, 100 km
    # each); one local nurse on a day-trip visit to facility 0 in week 9 (2 days, 0.5 travel day
    # and 60 km per round trip; the model logs both day trips: 1.0 travel day, 120 km).
    hand = _with_log(out, [(0, 0, 1, "hub", 0, "lead", 2.0, 1.0, 100.0),
                           (0, 1, 1, "hub", 0, "lead", 2.0, 1.0, 100.0),
                           (9, 0, 2, "local", 3, "lead", 2.0, 1.0, 120.0)])
    p = dict(SS2020) | {"mentors.local_day_trips": True}
    items = cost_account(hand, p).item_totals()
    night = 100_000 / 2264
    spec, nurse = day_rate(p, "specialist"), day_rate(p, "nurse")
    # hub: circuit of 6 days away -> 5 nights, mentor + driver; local: 2 day trips, no nights
    assert items["mentor_time"] == pytest.approx(spec * 6 + nurse * (2 + 2 * 0.5))
    assert items["per_diem"] == pytest.approx(2 * 5 * night + 2 * 2 * 10.0)
    assert items["transport"] == pytest.approx(0.5 * (100 + 100) + 0.5 * 2 * 60)
    # four hub mentors share one vehicle: transport per visit is one vehicle's km
    team = _with_log(out, [(0, 0, m, "hub", m % 4, "lead", 2.0, 1.0, 100.0) for m in range(4)])
    assert cost_account(team, p).item_totals()["transport"] == pytest.approx(0.5 * 100)
    # paired mentors' costs go to training_pairing, not to the visit items
    paired = _with_log(out, [(0, 0, 7, "local", 2, "paired", 2.0, 1.0, 120.0)])  # two day trips
    it = cost_account(paired, p).item_totals()
    assert it["mentor_time"] == it["per_diem"] == it["transport"] == 0.0
    assert it["training_pairing"] == pytest.approx(nurse * 3 + 2 * 2 * 10.0 + 0.5 * 120)


def test_local_mentors_staying_overnight(ss2020_runs):
    out, _ = ss2020_runs
    p = dict(SS2020) | {"mentors.local_day_trips": False}
    hand = _with_log(out, [(9, 0, 2, "local", 3, "lead", 2.0, 0.5, 60.0)])
    rows = visit_rows(hand, p)
    assert rows["nights"].iloc[0] == pytest.approx(1.5)  # 2.5 days away - 1
    assert cost_account(hand, p).item_totals()["transport"] == pytest.approx(0.5 * 60)


@pytest.mark.parametrize("name", ["ss2020", "local_mentors"])
@pytest.mark.parametrize("day_trips", [False, True])
def test_fast_visit_costs_equal_the_visit_table(name, day_trips):
    """The arrays the costing uses (numpy, group sums with pandas' compensation) equal the pandas
    table ``visit_rows`` bit for bit: every mentor's time, per diem and transport, over replicates
    with shared vehicles, circuits, day trips and paired mentors."""
    p = dict(load_scenario(f"scenarios/{name}.toml").params) | {"mentors.local_day_trips": day_trips}
    for replicate in range(2):
        out = simulate(p, 4, replicate)
        ref, fast = visit_rows(out, p), visit_arrays(out, p)
        assert len(ref) > 0
        assert np.array_equal(ref["week"].to_numpy(), fast["week"])
        assert np.array_equal(ref["facility"].to_numpy(), fast["facility"])
        assert np.array_equal((ref["role"] == "lead").to_numpy(), fast["lead"])
        for col in ("time_usd", "per_diem_usd", "transport_usd"):
            assert np.array_equal(ref[col].to_numpy(), fast[col]), col


def test_prices_scale_their_items(ss2020_runs):
    out, _ = ss2020_runs
    base = cost_account(out, SS2020).item_totals()
    dear = cost_account(out, dict(SS2020) | {"costs.vehicle_usd_per_km": 1.0}).item_totals()
    assert dear["transport"] == pytest.approx(2 * base["transport"])
    assert dear["mentor_time"] == pytest.approx(base["mentor_time"])
    wa = cost_account(out, dict(SS2020) | {"costs.whatsapp_usd_per_member_month": 4.0}).item_totals()
    assert wa["whatsapp_bundles"] == pytest.approx(2 * base["whatsapp_bundles"])


def test_whatsapp_and_echo_by_hand(ss2020_runs):
    out, _ = ss2020_runs
    p = SS2020
    n = out.n_intervention
    items = cost_account(out, p).item_totals()
    members = out.fac["staff_present"][1:, :n].sum() * p["providers.whatsapp_access"]
    # the groups run throughout (programme and follow-up)
    assert items["whatsapp_bundles"] == pytest.approx(members * 2.0 / WEEKS_PER_MONTH)
    sessions = int((out.fac["echo_eligible"][1:, :n].sum(axis=1) > 0).sum())
    assert sessions == out.counters["echo_sessions"]
    assert items["echo_platform"] == pytest.approx(30.0 * sessions)
    hours = out.fac["echo_attended"][1:, :n].sum() * 80 / 60
    assert items["echo_data"] == pytest.approx(0.75 * hours)


def test_training_costs_by_hand(ss2020_runs):
    out, _ = ss2020_runs
    p = SS2020
    tr = pd.DataFrame(out.counters["trainings"], columns=["week", "mentor", "kind"])
    assert len(tr) >= 4  # the regional pool: two local positions in each of two regions
    m = out.mentors.set_index("mentor")
    expected = 0.0
    for _week, group in tr.groupby("week"):
        for mid in group["mentor"]:
            cadre = {"theatre_nursing": "nurse", "ward_nursing": "nurse", "anaesthesia": "anaesthesia",
                     "surgery_obgyn": "medical_officer"}[m.loc[mid, "discipline"]]
            expected += 3 * (day_rate(p, cadre) + 25.0 + per_diem_usd(p)) + 30.0
        expected += 2 * 3 * day_rate(p, "specialist")
    assert cost_account(out, p).item_totals()["training_course"] == pytest.approx(expected)


def test_ssi_savings(ss2020_runs):
    out, comp = ss2020_runs
    s = ssi_savings(out, comp, SS2020)
    n = out.n_intervention
    averted = comp.fac["ssi_expected"][1:, :n].sum() - out.fac["ssi_expected"][1:, :n].sum()
    assert s.sum() == pytest.approx(averted * cost_per_ssi(SS2020))
    assert averted > 0  # the programme improves safety practice, so fewer SSIs
    assert cost_account(out, SS2020, comp).savings_total() == pytest.approx(s.sum())


# --- discounting --------------------------------------------------------------------------------

def test_discount_factors_by_hand():
    assert factor_for_month(0, 0.03) == 1.0
    assert factor_for_month(11, 0.03) == 1.0
    assert factor_for_month(12, 0.03) == pytest.approx(1 / 1.03)
    assert factor_for_month(13, 0.03) == pytest.approx(0.970873786, rel=1e-9)
    assert factor_for_month(24, 0.03) == pytest.approx(1 / 1.03 ** 2)
    assert factor_for_month(40, 0.05) == pytest.approx(1 / 1.05 ** 3)
    assert (factor_for_month(np.arange(50), 0.0) == 1.0).all()
    # week 52 is in month 12 (52 / (52/12) = 12), week 51 in month 11
    assert list(month_of_week([0, 4, 5, 51, 52])) == [0, 0, 1, 11, 12]
    f = weekly_factors(60, 0.03)
    assert f[51] == 1.0 and f[52] == pytest.approx(1 / 1.03)


def test_discounted_life_years_by_hand():
    assert discounted_years(39, 0.03) == pytest.approx((1 - 1.03 ** -39) / math.log(1.03))
    assert discounted_years(39, 0.03) == pytest.approx(23.1487, abs=1e-4)
    assert discounted_years(30, 0.0) == 30.0
    assert discounted_years(-5, 0.03) == 0.0


def test_account_discounting_by_hand():
    weekly = {k: np.zeros((120, 2)) for k in ITEMS}
    weekly["coordination"][60, 0] = 100.0  # week 60 -> month 13 -> year 1
    weekly["transport"][10, 1] = 50.0  # month 2 -> year 0
    weekly["per_diem"][110, 1] = 10.0  # month 25 -> year 2
    acc = CostAccount(weekly, programme_weeks=74, followup_weeks=46)
    assert acc.total(0.0) == pytest.approx(160.0)
    assert acc.total(0.03) == pytest.approx(50 + 100 / 1.03 + 10 / 1.03 ** 2)
    assert acc.item_totals(0.03)["coordination"] == pytest.approx(97.0873786, rel=1e-9)
