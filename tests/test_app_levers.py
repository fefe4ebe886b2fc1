"""The page's levers: each maps to a parameter and is checked as the CLI checks --set."""

from mentorsim.policy.levers import LEVERS, PARAM_LEVERS, base_scenario, check, initial_values
from mentorsim.parameters.model_table import PARAMS_BY_NAME


def test_every_lever_is_a_parameter_or_a_run_setting():
    for lever in LEVERS:
        assert lever.key in PARAMS_BY_NAME or lever.key in ("replicates", "seed")
    for key in ("visits.interval_weeks", "visits.days", "echo.interval_weeks", "echo.enabled",
                "whatsapp.enabled", "followup.whatsapp", "mentors.local_share", "facilities.intervention",
                "followup.months"):
        assert key in PARAM_LEVERS


def test_initial_values_are_ss2020_and_valid():
    values = initial_values()
    base = base_scenario()
    assert values["visits.interval_weeks"] == base.params["visits.interval_weeks"] == 9
    checked = check(values, base)
    assert checked.ok and checked.replicates == 20 and checked.seed == 1
    assert dict(checked.scenario.params) == dict(base.params)


def test_text_values_are_coerced_like_set():
    checked = check(dict(initial_values(), **{"visits.interval_weeks": "4", "mentors.local_share": "0.25"}))
    assert checked.ok
    assert checked.scenario.params["visits.interval_weeks"] == 4
    assert checked.scenario.params["mentors.local_share"] == 0.25


def test_bad_values_give_one_line_messages_beside_their_fields():
    values = dict(initial_values(), **{"visits.days": "abc", "echo.interval_weeks": "40", "replicates": "0",
                                       "seed": "-1", "facilities.intervention": "1000"})
    checked = check(values)
    assert not checked.ok and checked.scenario is None
    assert set(checked.field_errors) == {"visits.days", "echo.interval_weeks", "replicates", "seed",
                                         "facilities.intervention"}
    for key, msg in checked.field_errors.items():
        assert "\n" not in msg and key in msg
    assert "[1, 10]" in checked.field_errors["visits.days"]
    assert "[1, 12]" in checked.field_errors["echo.interval_weeks"]


def test_impossible_combination_is_reported_beside_the_lever_it_names():
    checked = check(dict(initial_values(), **{"visits.days": "10", "visits.interval_weeks": "1"}))
    assert not checked.ok
    assert "do not fit" in checked.field_errors["visits.days"]


def test_combination_naming_a_fixed_parameter_is_a_general_error():
    # local_share > 0 with handover at month 12 needs a programme longer than 12 months: fine here;
    # facilities.intervention=0 is refused by the page before the model's own check
    checked = check(dict(initial_values(), **{"facilities.intervention": "0"}))
    assert "facilities.intervention" in checked.field_errors
