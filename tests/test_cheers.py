"""CHEERS 2022 checklist: all 28 items, each answered, settings taken from the parameters used."""

from mentorsim.economics import cheers


def test_all_28_items_present_and_answered():
    table = cheers.checklist()
    assert list(table["item"]) == list(range(1, 29))
    assert table["topic"].is_unique
    assert set(table["status"]) <= set(cheers.STATUSES)
    assert (table["answer"].str.len() > 30).all()


def test_settings_follow_the_parameters():
    params = {"economics.discount_rate_costs": 0.05, "economics.discount_rate_effects": 0.0,
              "programme.months": 12, "followup.months": 36}
    table = cheers.checklist(params).set_index("item")
    assert "Costs 5% and effects 0% a year" in table.loc[10, "answer"]
    assert table.loc[9, "answer"].startswith("48 months (4.0 years)")
    default = cheers.checklist().set_index("item")
    assert default.loc[9, "answer"].startswith("41 months") and "Costs 3% and effects 3%" in default.loc[10, "answer"]
    assert "USD, 2018 prices" in default.loc[15, "answer"]
    assert "health system" in default.loc[8, "answer"]


def test_psa_and_voi_change_the_uncertainty_items():
    without = cheers.checklist().set_index("item")
    with_psa = cheers.checklist(psa=True, voi=True).set_index("item")
    assert without.loc[20, "status"] == "partly" and with_psa.loc[20, "status"] == "reported"
    assert "evppi.csv" in with_psa.loc[24, "answer"] and "no PSA" in without.loc[24, "answer"]


def test_markdown_has_a_row_per_item():
    text = cheers.markdown(perspective="societal")
    rows = [line for line in text.splitlines() if line.startswith("| ") and line[2].isdigit()]
    assert len(rows) == 28
    assert "Perspective: societal." in text and "USD, 2018 prices" in text
