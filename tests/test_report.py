"""`mentorsim report`: one self-contained HTML file with its sections and decodable plots."""

import base64
import io
import re

import pytest

from mentorsim.cli.main import main

PNG = b"\x89PNG\r\n\x1a\n"


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("report") / "report.html"
    code = main(["report", "scenarios/ss2020.toml", "scenarios/in_person_only.toml", "--replicates", "2",
                 "--seed", "7", "--sensitivity-replicates", "1", "--set", "facilities.intervention=4",
                 "--set", "facilities.comparison=2", "--out", str(out)])
    assert code == 0
    return out.read_text(encoding="utf-8")


def test_report_has_its_sections(report):
    for anchor in ("run", "comparison", "cost-effectiveness", "sustainability", "assumptions", "provenance"):
        assert f'id="{anchor}"' in report
    assert "Composite adherence, month 12 (%)" in report
    assert "seed <b>7</b>" in report and "git commit" in report and "mentorsim 0." in report
    assert "ss2020" in report and "in_person_only" in report
    # the assumptions: the screen ranks model parameters and every assumption is listed with range and tag
    assert "swing in the composite" in report
    from mentorsim.parameters.model_table import PARAMS
    listed = [p.name for p in PARAMS if p.tag == "assumption"]
    assert listed and all(name in report for name in listed) and "assumption" in report


def test_report_opens_with_the_three_line_summary(report):
    """The summary comes before everything else: the verdict with the PSA's size, how sure (both
    intervals labelled), what lasts; and the assumptions are judged by the decision too."""
    body = report[report.index("<body>"):]
    assert body.index('id="summary"') < body.index('id="run"') < body.index('id="cost-effectiveness"')
    summary = body[body.index('id="summary"'):body.index("</ol>")]
    assert summary.count("<li>") == 3
    assert "Verdict." in summary and "How sure." in summary and "What lasts." in summary
    assert "40 PSA draws" in summary and "0.34x GDP per capita" in summary
    assert "seed noise" in summary and "parameter uncertainty" in summary
    assert "For the decision: incremental net monetary benefit" in report


def test_cost_effectiveness_or_a_precise_note(report):
    assert "Incremental analysis" in report and "no_mentorship" in report
    assert "frontier" in report and "Retained gains by indicator" in report


def test_report_is_self_contained_and_its_plots_decode(report):
    import matplotlib.image as mpimg
    assert not re.search(r'(src|href)="(https?:)?//', report)  # no external assets
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', report)
    assert len(images) >= 6
    for b64 in images:
        data = base64.b64decode(b64, validate=True)
        assert data.startswith(PNG)
        img = mpimg.imread(io.BytesIO(data), format="png")
        assert img.shape[0] > 100 and img.shape[1] > 100


def test_bad_scenario_exit_2_one_line_no_file(tmp_path, capsys):
    bad = tmp_path / "bad.toml"
    bad.write_text("[visits]\ninterval_weeks = 99\n")
    out = tmp_path / "r.html"
    assert main(["report", str(bad), "--replicates", "2", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "visits.interval_weeks" in err and "[1, 52]" in err
    assert not out.exists() and not list(tmp_path.glob(".r.html*"))


def test_missing_scenario_and_bad_out_exit_2(tmp_path, capsys):
    assert main(["report", str(tmp_path / "nope.toml"), "--out", str(tmp_path / "r.html")]) == 2
    assert "no such scenario file" in capsys.readouterr().err
    assert main(["report", "scenarios/ss2020.toml", "--out", str(tmp_path / "r.txt")]) == 2
    assert main(["report", "scenarios/ss2020.toml", "--out", str(tmp_path / "no" / "r.html")]) == 2


def test_atomic_write_leaves_nothing_partial(tmp_path, monkeypatch):
    from mentorsim.policy import report as rep
    target = tmp_path / "r.html"
    target.write_text("old complete report")

    class Boom(Exception):
        pass

    def failing_replace(src, dst):
        assert open(src).read() == "<html>new</html>"  # fully written before the rename
        raise Boom()

    monkeypatch.setattr(rep.os, "replace", failing_replace)
    with pytest.raises(Boom):
        rep.write_atomic(target, "<html>new</html>")
    monkeypatch.undo()
    assert target.read_text() == "old complete report"
    assert [p.name for p in tmp_path.iterdir()] == ["r.html"]
    rep.write_atomic(target, "<html>new</html>")
    assert target.read_text() == "<html>new</html>"
