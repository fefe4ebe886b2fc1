"""The capacity warning where people read results: the page headline, the top of the report,
and app_compute (which both use). A schedule the pool can staff carries no warning."""

import ipyvuetify as v
import pytest
import solara

from mentorsim.app import page
from mentorsim.policy import compute as app_compute
from mentorsim.policy import report
from mentorsim.policy.levers import base_scenario

SMALL = {"facilities.intervention": 4, "facilities.comparison": 2}


@pytest.fixture(scope="module")
def weekly():
    """One team visiting 4 facilities weekly: about half the visits cannot be staffed."""
    sc = base_scenario().with_params(SMALL | {"visits.interval_weeks": 1})
    return app_compute.run_scenario(sc, seed=3, replicates=2, name="weekly")


@pytest.fixture(scope="module")
def as_run():
    return app_compute.run_scenario(base_scenario().with_params(SMALL), seed=3, replicates=2, name="as_run")


def test_compute_lists_only_runs_that_miss_visits(weekly, as_run):
    warnings = app_compute.capacity_warnings([as_run, weekly])
    assert [name for name, _ in warnings] == ["weekly"]
    share = app_compute.summary(weekly)["visits_missed_share_pct"]
    assert share > 20 and f"{share:.0f}% of scheduled visits were missed" in warnings[0][1]
    assert "mentorsim plan-pool" in warnings[0][1]


def test_report_opens_with_the_warning(weekly, as_run):
    text = report.build([as_run, weekly], ["mentorsim", "report"], sensitivity_replicates=0)
    assert 'class="capacity"' in text and text.index('class="capacity"') < text.index('id="run"')
    assert "<b>weekly</b>" in text and "<b>as_run</b>" not in text
    assert 'class="capacity"' not in report.build([as_run], ["mentorsim", "report"], sensitivity_replicates=0)


def _alerts(element) -> list[str]:
    _, rc = solara.render(element, handle_error=False)
    return [str(w.children) for w in rc.find(v.Alert).widgets]


def test_page_headline_shows_the_warning(weekly, as_run):
    shown = _alerts(page.Headline(weekly, 0))
    assert len(shown) == 1 and "scheduled visits were missed" in shown[0] and "plan-pool" in shown[0]
    assert _alerts(page.Headline(as_run, 0)) == []


def test_the_cli_table_opens_with_the_capacity_warning(capsys):
    from mentorsim.cli.main import main
    # weekly visits to 10 facilities with one hub team: the pool cannot make every visit
    assert main(["run", "ss2020", "--replicates", "2", "--set", "visits.interval_weeks=1",
                 "--set", "mentors.teams=1"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("warning: ") and "Mentor capacity" in out and "plan-pool" in out
    assert main(["run", "ss2020", "--replicates", "2"]) == 0
    assert "Mentor capacity" not in capsys.readouterr().out


def test_cea_opens_with_the_capacity_warning_and_carries_it_in_json(capsys):
    """`mentorsim cea` prices the visits the pool made: when it could not make them all, the table opens with
    the warning (the comparator, which schedules none, never carries one) and the JSON has it."""
    import json

    from mentorsim.cli.main import main
    tight = ["--replicates", "2", "--set", "visits.interval_weeks=1", "--set", "mentors.teams=1"]
    assert main(["cea", "ss2020", *tight]) == 0
    out = capsys.readouterr().out
    first = out[out.index("warning: "):].splitlines()[0]
    assert first.startswith("warning: ss2020: Mentor capacity") and "plan-pool" in first
    assert out.index("warning: ") < out.index("Costs and health effect")
    assert main(["cea", "ss2020", *tight, "--format", "json"]) == 0
    warnings = json.loads(capsys.readouterr().out)["capacity_warnings"]
    assert list(warnings) == ["ss2020"] and "scheduled visits were missed" in warnings["ss2020"]
    assert main(["cea", "ss2020", "--replicates", "2"]) == 0
    assert "Mentor capacity" not in capsys.readouterr().out
