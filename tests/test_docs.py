"""Generated documentation matches the code (run `make docs` after changing parameters)."""

from conftest import ROOT

from mentorsim.docs_gen import expected
from mentorsim.parameters.model_table import PARAMS


def test_generated_docs_are_current():
    for path, text in expected(ROOT / "docs").items():
        assert path.read_text() == text, f"{path.name} is stale: run `make docs`"


def test_odd_names_every_step_and_parameter_section():
    odd = (ROOT / "docs" / "ODD.md").read_text()
    from mentorsim.model.loop import __doc__ as order
    for step in ("turnover", "workload", "visits", "telementoring", "whatsapp", "practice", "peer",
                 "secular", "decay", "outcomes", "relationships", "survey"):
        assert step in odd and step in order
    for p in PARAMS:
        assert f"`{p.name}`" in odd


def test_readme_gives_the_two_commands():
    readme = (ROOT / "README.md").read_text()
    assert "make demo" in readme and "make test" in readme
