"""The page's safety items of issue 14: user-typed names cannot run script or change the
Markdown, failures reach the browser as one line without a traceback or server paths, and a run
whose tab was closed stops computing."""

from __future__ import annotations

import threading

import pytest

from mentorsim.app import page
from mentorsim.policy import compute as app_compute
from mentorsim.policy.levers import base_scenario, check, scenario_from_text

EVIL = "<img src=x onerror=alert(1)>"


@pytest.mark.parametrize("name", [EVIL, "**bold** [link](javascript:alert(1))", "<script>x</script>", "`code`"])
def test_names_in_markdown_are_shown_as_written(name):
    import markdown  # what solara.Markdown renders with
    html = markdown.markdown(page.md(name))
    assert "<img" not in html and "<script" not in html and "<a " not in html and "<strong>" not in html
    assert "<code>" not in html


def test_every_user_text_in_page_markdown_goes_through_md():
    """Names, titles and descriptions come from users (typed or uploaded): in the page's source,
    every f-string given to solara.Markdown that shows one wraps it in md()."""
    import inspect
    import re
    src = inspect.getsource(page)
    for fragment in ("human(r.best)", "b.label", "describe(run.scenario"):
        uses = [m.group(0) for m in re.finditer(rf".{{0,6}}{re.escape(fragment)}", src)]
        assert uses and all(u.rstrip().endswith(fragment) and "md(" in u for u in uses), (fragment, uses)


def test_a_failed_run_reaches_the_browser_as_one_line_without_paths(capsys):
    try:
        raise RuntimeError(f"broke in {page.__file__}")
    except RuntimeError as exc:
        line = page.log_failure("The run", exc)
    assert "\n" not in line and page.__file__ not in line and "Traceback" not in line and "ref " in line
    assert "Traceback" in capsys.readouterr().err  # the server's log keeps it


def test_deep_or_bom_uploads_give_one_line():
    from mentorsim.errors import InputError
    with pytest.raises(InputError, match="nested"):
        scenario_from_text("a = " + "[" * 5000 + "]" * 5000)
    assert scenario_from_text("\ufeff[visits]\ninterval_weeks = 4\n").params["visits.interval_weeks"] == 4


@pytest.mark.parametrize("text", ["inf", "-inf", "nan", "1e400", "9" * 400])
def test_non_finite_lever_values_are_field_messages(text):
    values = {"visits.interval_weeks": text, "facilities.intervention": text, "replicates": text, "seed": text}
    checked = check(values)
    assert not checked.ok
    assert {"visits.interval_weeks", "facilities.intervention", "replicates", "seed"} <= set(checked.field_errors)
    assert all("\n" not in m for m in checked.field_errors.values())


def test_a_run_whose_tab_closed_stops():
    """The page's progress callback raises Cancelled once the session's closed event is set, and
    Cancelled passes through the economics' ``except Exception``: nothing runs after the close."""
    closed = threading.Event()
    steps = []

    def shown(done, total):
        steps.append(done)
        if len(steps) == 2:
            closed.set()  # the tab closes during the run
    sc = base_scenario().with_params({"facilities.intervention": 2, "facilities.comparison": 1})
    with pytest.raises(page.Cancelled):
        app_compute.run_scenario(sc, seed=3, replicates=4, progress=page.stop_when_closed(closed, shown))
    assert len(steps) == 2
    assert issubclass(page.Cancelled, BaseException) and not issubclass(page.Cancelled, Exception)
