"""The command line's shape: quick help (no heavy imports), a description and examples for
every command, one replicate default, few-replicate warnings and clipped intervals, progress
over writing, and the lazily loaded public API."""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys

import pytest
from conftest import ROOT, SCENARIOS

from mentorsim.cli import common
from mentorsim.cli import run as cli_run
from mentorsim.cli.main import build_parser, main

HEAVY = ("numpy", "pandas", "numba", "mesa", "matplotlib", "scipy", "solara", "pyabc", "dask", "tqdm")


def _subcommands() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


COMMANDS = _subcommands()


def _python(code: str) -> str:
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env={"PYTHONPATH": str(ROOT / "src"), "PATH": ""}, check=False)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


def test_help_imports_no_heavy_library():
    """Building the parser and formatting every command's help leaves numpy, pandas, numba,
    mesa, matplotlib (and the other heavy libraries) unimported."""
    out = _python(
        "import argparse, json, sys\n"
        "import mentorsim.cli.main as m\n"
        "p = m.build_parser()\n"
        "p.format_help()\n"
        "sub = next(a for a in p._actions if isinstance(a, argparse._SubParsersAction))\n"
        "n = len([c.format_help() for c in sub.choices.values()])\n"
        f"print(json.dumps([n, sorted(k for k in {HEAVY!r} if k in sys.modules)]))\n")
    n, loaded = json.loads(out)
    assert n == len(COMMANDS) >= 12
    assert loaded == []


def test_import_mentorsim_is_lazy_and_names_resolve():
    out = _python(
        "import json, sys\n"
        "import mentorsim\n"
        f"before = sorted(k for k in {HEAVY!r} if k in sys.modules)\n"
        "names = {n: type(getattr(mentorsim, n)).__name__ for n in mentorsim.__all__}\n"
        "print(json.dumps([before, names, 'run' in dir(mentorsim)]))\n")
    before, names, in_dir = json.loads(out)
    assert before == []
    import mentorsim
    # sorted as ruff's RUF022 sorts: CONSTANTS, then Classes, then the rest
    order = sorted(mentorsim.__all__, key=lambda n: (not n.isupper(), not n[:1].isupper(), n))
    assert list(mentorsim.__all__) == order
    assert set(mentorsim.__all__) == set(mentorsim._LAZY) | {"__version__", "parameter_table"}
    assert {"load_scenario", "run", "compare", "evaluate", "simulate", "Scenario", "default_scenario",
            "MentorshipModel", "Results", "InputError", "PARAMETERS", "parameter_table",
            "__version__"} <= set(names)
    assert names["run"] == "function" and names["Scenario"] == "type" and in_dir
    with pytest.raises(AttributeError):
        _ = mentorsim.no_such_name


def test_public_callables_have_examples():
    import mentorsim
    for name in mentorsim.__all__:
        obj = getattr(mentorsim, name)
        if callable(obj):
            assert ">>>" in (obj.__doc__ or ""), f"{name} has no runnable example"


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_every_command_has_description_and_example(name):
    text = COMMANDS[name].format_help()
    _usage, rest = text.split("\n\n", 1)
    summary = rest.splitlines()[0]
    assert summary and not summary.startswith(("positional", "options")), f"{name}: no description"
    examples = text.split("examples:\n", 1)[1].splitlines() if "examples:\n" in text else []
    assert any(line.strip().startswith(f"mentorsim {name}") for line in examples), f"{name}: no example"
    # the one-line summary of `mentorsim --help` is the first line of the command's own help
    top = build_parser().format_help()
    assert re.search(rf"^\s+{re.escape(name)}\s", top, re.MULTILINE)


def _description(name: str) -> str:
    """The text between a command's usage and its options."""
    return COMMANDS[name].format_help().split("\n\n", 1)[1].split("positional arguments:")[0]


def test_sensitivity_help_is_its_own():
    assert _description("sensitivity") != _description("sweep")
    assert "sensitivity" in _description("sensitivity").lower()
    assert "indices" in _description("sensitivity")


def test_one_replicate_default_for_every_command_that_runs_scenarios():
    defaults = {}
    for name, parser in COMMANDS.items():
        for action in parser._actions:
            if "--replicates" in action.option_strings:
                defaults[name] = action.default
    assert {"run", "compare", "cea", "report", "plan-pool"} <= set(defaults)
    assert set(defaults.values()) == {common.DEFAULT_REPLICATES}


def test_few_replicates_warn_once_and_intervals_stay_possible(capsys):
    assert main(["run", str(SCENARIOS / "ss2020.toml"), "--replicates", "2", "--seed", "3"]) == 0
    captured = capsys.readouterr()
    warnings = [line for line in captured.err.splitlines() if "warning" in line]
    assert len(warnings) == 1 and "unreliable" in warnings[0] and "--replicates 2" in warnings[0]
    assert "intervals are unreliable" in captured.out
    rows = [line for line in captured.out.splitlines() if "(%)" in line and "[" in line]
    # rows whose two replicates differ print an interval (survey shares are counts out of ~150
    # respondents and can coincide); at least one is clipped at 100
    assert len(rows) >= 6 and any(line.rstrip().endswith("100.0]") for line in rows)
    for line in rows:
        mean, low, high = map(float, re.search(r"(-?[\d.]+) \[(-?[\d.]+), (-?[\d.]+)\]", line).groups())
        assert 0 <= low <= mean <= high <= 100, line

    assert main(["run", str(SCENARIOS / "ss2020.toml"), "--replicates", "5"]) == 0
    assert "warning" not in capsys.readouterr().err


class _Fake:
    """Stands in for Results in summary_table: a name, a seed and a summary."""

    def __init__(self, means: dict, ci: dict, replicates: int):
        self.name, self.seed = "fake", 1
        self._s = {**means, "ci95": ci, "replicates": replicates}

    def summary(self):
        return self._s


def test_printed_intervals_are_clipped_to_the_possible_range():
    fake = _Fake({"survey_satisfied_pct": 97.5, "mentors": 9.0, "skill_clinical_month12": 0.95,
                  "did_safety_pp": 10.0},
                 {"survey_satisfied_pct": [73.4, 121.6], "mentors": [-3.7, 21.7],
                  "skill_clinical_month12": [0.8, 1.1], "did_safety_pp": [-5.0, 25.0]}, replicates=2)
    table = cli_run.summary_table([fake])
    assert "97.5 [73.4, 100.0]" in table
    assert "9.0 [0.0, 21.7]" in table
    assert "0.95 [0.80, 1.00]" in table
    assert "10.0 [-5.0, 25.0]" in table  # inside its range: printed as computed
    assert "cut at it" in table and "unreliable" in table
    assert fake.summary()["ci95"]["survey_satisfied_pct"] == [73.4, 121.6]  # presentation only
    inside = _Fake({"survey_satisfied_pct": 50.0}, {"survey_satisfied_pct": [40.0, 60.0]}, replicates=20)
    text = cli_run.summary_table([inside])
    assert "50.0 [40.0, 60.0]" in text and "cut at it" not in text and "unreliable" not in text


def test_progress_covers_writing(tmp_path, monkeypatch, capsys):
    """The bar has a 'writing' phase that ends only when the output folder is complete."""
    phases = []

    class Bar:
        def __init__(self, total, unit, desc):
            self.total, self.desc, self.n, self.seen_complete = total, desc, 0, []

        def update(self, k):
            self.n += k
            self.seen_complete.append((out / "manifest.json").exists())

    from contextlib import contextmanager

    @contextmanager
    def recording_bar(total, unit, desc):
        bar = Bar(total, unit, desc)
        phases.append(bar)
        yield bar

    monkeypatch.setattr(common, "progress_bar", recording_bar)
    monkeypatch.setattr(cli_run, "progress_bar", recording_bar)
    out = tmp_path / "o"
    assert main(["compare", str(SCENARIOS / "ss2020.toml"), str(SCENARIOS / "no_mentorship.toml"),
                 "--replicates", "2", "--out", str(out)]) == 0
    assert [p.desc for p in phases] == ["simulating", "writing"]
    sim, write = phases
    assert sim.n == sim.total == 4
    assert write.n == write.total == cli_run.OUTPUT_STEPS
    assert write.seen_complete[-1] and not any(write.seen_complete[:-1])
    assert write.total > cli_run.CSV_PARTS  # the big CSV moves the bar, not one step


def test_timeseries_written_in_parts_is_the_same_file(tmp_path):
    import pandas as pd
    frame = pd.DataFrame({"a": range(23), "b": [i / 7 for i in range(23)], "c": ["x"] * 23})
    steps = []
    cli_run._csv_in_parts(frame, tmp_path / "parts.csv", lambda: steps.append(1))
    frame.to_csv(tmp_path / "whole.csv", index=False)
    assert (tmp_path / "parts.csv").read_bytes() == (tmp_path / "whole.csv").read_bytes()
    assert len(steps) == cli_run.CSV_PARTS


@pytest.mark.parametrize("columns", [["s", "f", "i", "b"], ["s", "f"], ["f"], ["s"], ["o", "f"], ["q,uoted", "f"]])
def test_timeseries_writer_matches_pandas_on_awkward_values(tmp_path, columns):
    """The fast CSV writer gives pandas' bytes for what needs care: quoting, missing values,
    -0.0 beside 0.0, tiny, huge and infinite floats, booleans, mixed objects (written by pandas)."""
    import numpy as np
    import pandas as pd
    n = 12
    frame = pd.DataFrame({
        "s": (["a,b", 'q"x', "plain", None, "", "n\nl"] * 2)[:n] if "s" in columns else None,
        "f": ([np.nan, -0.0, 0.0, 1e-5, np.inf, 1e16, 0.1 + 0.2, 5e-324, -np.inf, 1e15, 2.5, 1 / 3])[:n],
        "i": np.arange(n), "b": [True, False] * (n // 2), "o": [1, "x", 2.5, None] * (n // 4),
        "q,uoted": np.arange(n) / 7})
    frame = frame[columns]
    if columns == ["s"]:
        frame = frame.iloc[2:5]  # a lone empty field is quoted
    cli_run._csv_in_parts(frame, tmp_path / "fast.csv", lambda: None)
    frame.to_csv(tmp_path / "pandas.csv", index=False)
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()


def test_scenarios_command_lists_the_shipped_ones(capsys):
    assert main(["scenarios", "--format", "json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    names = {r["name"] for r in rows}
    assert {"ss2020", "no_mentorship", "local_mentors"} <= names
    assert all(r["description"] for r in rows)
