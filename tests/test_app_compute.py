"""What the page and the report compute: a scenario, its comparator, the tables and the export."""

import io

import numpy as np
import pandas as pd
import pytest

from mentorsim.policy import compute as app_compute
from mentorsim.policy import economics as app_econ
from mentorsim.policy import figures as app_figures
from mentorsim.policy.levers import base_scenario

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def small():
    sc = base_scenario().with_params({"facilities.intervention": 4, "facilities.comparison": 2})
    return app_compute.run_scenario(sc, seed=3, replicates=3, name="small")


def test_comparator_is_no_mentorship_in_the_same_setting(small):
    comp = small.comparator.scenario.params
    assert not comp["visits.enabled"] and not comp["echo.enabled"] and not comp["whatsapp.enabled"]
    assert not comp["followup.whatsapp"]
    for key in ("facilities.intervention", "followup.months", "programme.months"):
        assert comp[key] == small.scenario.params[key]
    assert small.comparator.seed == small.seed and len(small.comparator.runs) == 3


def test_mentorship_beats_no_mentorship_at_month_12(small):
    s, c = app_compute.summary(small), app_compute.summary(small, comparator=True)
    assert s["composite_month12_pct"] > c["composite_month12_pct"] + 5
    # common random numbers: the same facilities start at the same baseline
    assert s["composite_baseline_pct"] == pytest.approx(c["composite_baseline_pct"])


def test_progress_reaches_its_total():
    seen = []
    sc = base_scenario().with_params({"facilities.intervention": 2, "facilities.comparison": 1, "visits.days": 3})
    app_compute.run_scenario(sc, seed=5, replicates=2, progress=lambda d, t: seen.append((d, t)))
    assert seen[-1][0] == seen[-1][1]
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


def test_comparison_csv_has_outcomes_levers_and_provenance(small):
    df = pd.read_csv(io.StringIO(app_compute.comparison_csv([small])))
    assert {"section", "quantity", "scenario", "mean", "ci95_low", "ci95_high", "seed", "git_commit"} <= set(df.columns)
    row = df[(df["quantity"] == "composite_month12_pct")].iloc[0]
    assert float(row["mean"]) == pytest.approx(app_compute.summary(small)["composite_month12_pct"])
    assert float(row["ci95_low"]) <= float(row["mean"]) <= float(row["ci95_high"])
    lever = df[(df["section"] == "levers") & (df["quantity"] == "facilities.intervention")].iloc[0]
    assert float(lever["mean"]) == 4
    assert (df["seed"] == 3).all()


def test_economics_are_computed_with_the_run(small):
    assert small.economics is not None and small.econ_message == ""
    ev = app_compute.econ_values(small)
    assert ev["cost_programme_usd"][0] > 0
    assert ev["cost_net_usd"][0] == pytest.approx(ev["cost_programme_usd"][0] - ev["savings_ssi_usd"][0])
    inc = app_econ.incremental(app_compute.strategies([small]))
    assert list(inc["strategy"]).count("no_mentorship") == 1


def test_page_survives_failing_economics(monkeypatch):
    def fail(*_a, **_k):
        raise RuntimeError("costing broke (test)")
    monkeypatch.setattr(app_econ, "evaluate", fail)
    sc = base_scenario().with_params({"facilities.intervention": 2, "facilities.comparison": 1,
                                      "echo.interval_weeks": 3})
    run = app_compute.run_scenario(sc, seed=2, replicates=2)
    # the page says which kind of failure, never its text (which can hold server paths)
    assert run.economics is None and "RuntimeError" in run.econ_message
    assert "costing broke" not in run.econ_message
    frame = app_compute.comparison_frame([run])
    assert "Composite adherence, month 12 (%)" in set(frame["label"])
    data = app_figures.png(app_figures.dashboard([run]))
    assert data.startswith(PNG)


def test_figures_are_pngs_with_pixels(small):
    import matplotlib.image as mpimg
    for fig in (app_figures.composite([small]), app_figures.skills([small]), app_figures.attendance([small]),
                app_figures.gain_over_comparator([small]), app_figures.dashboard([small])):
        data = app_figures.png(fig)
        assert data.startswith(PNG)
        img = mpimg.imread(io.BytesIO(data), format="png")
        assert img.shape[0] > 100 and img.shape[1] > 100 and np.ptp(img) > 0


def test_comparison_csv_reads_back(small):
    from mentorsim.policy.levers import PARAM_LEVERS, check, initial_values
    text = app_compute.comparison_csv([small])
    results, levers = app_compute.read_comparison_csv(text)
    rows = app_compute.comparison_rows([small])
    assert len(results) == len(rows)
    for got, want in zip(results.itertuples(index=False), rows):
        assert got.quantity == want["quantity"] and got.scenario == want["scenario"]
        if want["mean"] is None or want["mean"] != want["mean"]:
            assert got.mean != got.mean
        else:
            assert got.mean == pytest.approx(float(want["mean"]), rel=1e-12)
    assert set(levers) == {"small"} and set(levers["small"]) == set(PARAM_LEVERS)
    assert levers["small"] == {k: small.scenario.params[k] for k in PARAM_LEVERS}
    # the levers read back set the same scenario again
    base = small.scenario
    again = check(dict(initial_values(base), **levers["small"]), base)
    assert again.ok and dict(again.scenario.params) == dict(small.scenario.params)


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_local_visits_afterwards_keep_more_of_the_gain(seed):
    """The sustainability levers on the page move what lasts (issue 15: the local-mentor share alone
    could not): regional mentors who keep visiting quarterly keep more of the end gain 12 and 24
    months after than the programme as run (same seed, so the end gain is the same), over seeds."""
    sc = base_scenario().with_params({"facilities.intervention": 6, "facilities.comparison": 2})
    kept = sc.with_params({"followup.local_visit_interval_weeks": 13}, source="test")
    runs = [app_compute.run_scenario(s, seed=seed, replicates=3, name=n) for s, n in ((sc, "as run"), (kept, "kept"))]
    lasts = app_compute.what_lasts(runs).set_index("scenario")
    assert lasts.loc["kept", "gain_end_pp"] == pytest.approx(lasts.loc["as run", "gain_end_pp"])
    for h in (12, 24):
        assert lasts.loc["kept", f"retained_{h}m_pct"] > lasts.loc["as run", f"retained_{h}m_pct"] + 2
    assert lasts.loc["kept", "sustain_usd_per_facility_year"] > lasts.loc["as run", "sustain_usd_per_facility_year"]
    assert "net of a secular trend" in lasts.loc["kept", "net_of_trend"]
    assert lasts.loc["kept", "kept"] == "regional mentors visit every 13 weeks; WhatsApp groups"


def test_kept_after_names_what_continues():
    sc = base_scenario()
    assert app_compute.kept_after(sc) == "WhatsApp groups"
    assert app_compute.kept_after(sc.with_params({"followup.whatsapp": False})) == "nothing"
    every = sc.with_params({"followup.echo_interval_weeks": 4, "followup.local_visit_interval_weeks": 13})
    assert app_compute.kept_after(every) == ("regional mentors visit every 13 weeks; WhatsApp groups; "
                                             "telementoring every 4 weeks")
