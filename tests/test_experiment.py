"""Experiment files: what loads, and every kind of mistake refused with one line (file, key, allowed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from mentorsim.errors import InputError
from mentorsim.experiments.experiment import load_experiment

ROOT = Path(__file__).resolve().parents[1]

GOOD = """
[experiment]
name = "good"
seed = 7
replicates = 3
outputs = ["composite_month12_pct", "mentor_days"]
base = "{base}"

[fixed]
"followup.months" = 12

[design]
method = "grid"

[parameters]
"visits.interval_weeks" = {{ values = [4, 9, 13] }}
echo.interval_weeks = {{ values = [1, 2] }}
"""


def write(tmp_path: Path, text: str, name: str = "exp.toml") -> Path:
    p = tmp_path / name
    p.write_text(text)
    return p


def test_good_file_loads_with_base_fixed_and_dotted_keys(tmp_path):
    base = ROOT / "scenarios" / "ss2020.toml"
    exp = load_experiment(write(tmp_path, GOOD.format(base=base)))
    assert exp.name == "good" and exp.seed == 7 and exp.replicates == 3
    assert exp.names == ("visits.interval_weeks", "echo.interval_weeks")
    assert exp.params[0].kind is int and exp.params[0].values == (4, 9, 13)
    assert exp.base_overrides["followup.months"] == 12
    assert exp.base_overrides["followup.whatsapp"] is True  # from ss2020.toml
    assert exp.is_model


def test_sampler_bounds_default_to_the_declared_range(tmp_path):
    exp = load_experiment(write(tmp_path, """
[experiment]
outputs = ["composite_month12_pct"]
[design]
method = "lhs"
n = 10
[parameters]
"learning.trust_rate" = {}
"learning.visit_tacit_rate" = { low = 0.05, high = 0.2 }
"""))
    from mentorsim.parameters.model_table import PARAMS_BY_NAME
    p = PARAMS_BY_NAME["learning.trust_rate"]
    assert (exp.params[0].low, exp.params[0].high) == (p.low, p.high)
    assert (exp.params[1].low, exp.params[1].high) == (0.05, 0.2)
    assert exp.name == "exp"  # default: the file name


def test_shipped_experiments_load():
    files = sorted((ROOT / "experiments").glob("*.toml"))
    assert len(files) >= 4
    for f in files:
        exp = load_experiment(f)
        assert exp.outputs and exp.params


HEAD = '[experiment]\noutputs = ["composite_month12_pct"]\n'
GRID = HEAD + '[design]\nmethod = "grid"\n'

#: (file text, key the message must name, words the message must contain)
BAD = [
    ("not = [valid", None, "not valid TOML"),
    ('[design]\nmethod = "grid"\n[parameters]\n"visits.days" = { values = [1] }\n', "experiment", "missing"),
    (HEAD + '[desing]\nmethod = "grid"\n', "desing", "did you mean design"),
    (GRID.replace("outputs", "outptus"), "experiment.outptus", "unknown key"),
    (HEAD + '[design]\nmethod = "latin"\n[parameters]\n"visits.days" = {}\n', "design.method", "allowed: grid"),
    (HEAD + '[design]\nmethod = "sobol"\nn = 100\n[parameters]\n"visits.days" = {}\n"visits.interval_weeks" = {}\n',
     "design.n", "power of 2"),
    (HEAD + '[design]\nmethod = "sobol"\n[parameters]\n"visits.days" = {}\n', "design.n", "missing"),
    (HEAD + '[design]\nmethod = "lhs"\nn = 10\nm = 3\n[parameters]\n"visits.days" = {}\n', "design.m", "unknown key"),
    (HEAD + '[design]\nmethod = "morris"\ntrajectories = 10\nlevels = 3\n[parameters]\n"visits.days" = {}\n',
     "design.levels", "even"),
    (GRID + '[parameters]\n"visits.intervl_weeks" = { values = [4] }\n', "parameters.visits.intervl_weeks",
     "did you mean visits.interval_weeks"),
    (GRID + '[parameters]\n"visits.interval_weeks" = { values = [4, 99] }\n', "parameters.visits.interval_weeks.values",
     "[1, 52]"),
    (GRID + '[parameters]\n"visits.interval_weeks" = { values = [4.5] }\n',
     "parameters.visits.interval_weeks.values", "whole number"),
    (GRID + '[parameters]\n"visits.interval_weeks" = { values = ["often"] }\n',
     "parameters.visits.interval_weeks.values", "not a string"),
    (GRID + '[parameters]\n"visits.interval_weeks" = { values = [] }\n', "parameters.visits.interval_weeks.values",
     "non-empty"),
    (GRID + '[parameters]\n"visits.interval_weeks" = { values = [4, 4] }\n', "values", "twice"),
    (GRID + '[parameters]\n"visits.interval_weeks" = { low = 2, high = 9 }\n', "parameters.visits.interval_weeks",
     "not low/high"),
    (HEAD + '[design]\nmethod = "lhs"\nn = 10\n[parameters]\n"learning.trust_rate" = { low = 0.1, high = 0.9 }\n',
     "parameters.learning.trust_rate.high", "declared range"),
    (HEAD + '[design]\nmethod = "lhs"\nn = 10\n[parameters]\n"learning.trust_rate" = { low = 0.3, high = 0.1 }\n',
     "parameters.learning.trust_rate.high", "greater than low"),
    (HEAD + '[design]\nmethod = "lhs"\nn = 10\n[parameters]\n"learning.trust_rate" = { low = "a", high = 0.1 }\n',
     "parameters.learning.trust_rate.low", "must be a number, not a string"),
    (HEAD + '[design]\nmethod = "lhs"\nn = 10\n[parameters]\n"learning.trust_rate" = { low = -inf, high = 0.1 }\n',
     "parameters.learning.trust_rate.low", "finite number"),
    (HEAD + '[design]\nmethod = "lhs"\nn = 10\n[parameters]\n"whatsapp.enabled" = {}\n', "parameters.whatsapp.enabled",
     "only be varied in a grid"),
    (HEAD + '[design]\nmethod = "lhs"\nn = 10\n[parameters]\n"visits.days" = { low = 1.5, high = 3 }\n',
     "parameters.visits.days", "whole"),
    (GRID + '[parameters]\n"visits.days" = { values = [1, 2], spread = 3 }\n', "parameters.visits.days.spread",
     "unknown key"),
    (GRID + '[parameters]\n"visits.days" = { values = [1, 2], with = "echo.enabled" }\n', "parameters.visits.days.with",
     "another varied parameter"),
    (GRID + '[parameters]\n"visits.days" = { values = [1, 2] }\n'
     '"visits.interval_weeks" = { values = [4, 9, 13], with = "visits.days" }\n',
     "parameters.visits.interval_weeks.values", "needs 2 values"),
    (GRID + '[parameters]\n', "parameters", "no parameters"),
    (GRID + '[fixed]\n"visits.days" = 2\n[parameters]\n"visits.days" = { values = [1, 2] }\n', "parameters.visits.days",
     "also in [fixed]"),
    (GRID + '[fixed]\n"visits.dayz" = 2\n[parameters]\n"visits.days" = { values = [1, 2] }\n', "fixed.visits.dayz",
     "unknown parameter"),
    (GRID + '[fixed]\n"visits.days" = 99\n[parameters]\n"echo.enabled" = { values = [true, false] }\n',
     "fixed.visits.days", "[1, 10]"),
    (GRID.replace('["composite_month12_pct"]', '["composite_month13_pct"]')
     + '[parameters]\n"visits.days" = { values = [1, 2] }\n', "experiment.outputs", "did you mean composite_month12_pct"),
    (GRID.replace('["composite_month12_pct"]', '[]') + '[parameters]\n"visits.days" = { values = [1] }\n',
     "experiment.outputs", "non-empty list"),
    (GRID.replace('["composite_month12_pct"]', '["mentor_days", "mentor_days"]')
     + '[parameters]\n"visits.days" = { values = [1] }\n', "experiment.outputs", "twice"),
    (GRID + 'seed = 1\n[parameters]\n"visits.days" = { values = [1] }\n', "design.seed", "unknown key"),
    (HEAD.replace("[experiment]\n", "[experiment]\nseed = -1\n") + '[design]\nmethod = "grid"\n'
     '[parameters]\n"visits.days" = { values = [1] }\n', "experiment.seed", "[0, 4294967295]"),
    (HEAD.replace("[experiment]\n", "[experiment]\nreplicates = 0\n") + '[design]\nmethod = "grid"\n'
     '[parameters]\n"visits.days" = { values = [1] }\n', "experiment.replicates", "[1, 100000]"),
    (HEAD.replace("[experiment]\n", '[experiment]\nbase = "nowhere.toml"\n') + '[design]\nmethod = "grid"\n'
     '[parameters]\n"visits.days" = { values = [1] }\n', "experiment.base", "no such scenario file"),
    (HEAD.replace("[experiment]\n", '[experiment]\ntarget = "os.system(1)"\n') + '[design]\nmethod = "grid"\n'
     '[parameters]\nx = { values = [1] }\n', "experiment.target", "package.module:function"),
    # (a module that cannot be imported, or lacks the function, fails when the sweep runs:
    # test_reliability.py)
    (HEAD.replace("[experiment]\n", '[experiment]\ntarget = "mentorsim.experiments.testfunctions:ishigami"\n')
     + '[design]\nmethod = "lhs"\nn = 8\n[parameters]\nx1 = {}\n', "parameters.x1", "needs low and high"),
    # a combination the scenario checks refuse, in the base+fixed
    (GRID + '[fixed]\n"visits.days" = 6\n"visits.interval_weeks" = 1\n[parameters]\n"echo.enabled" = { values = [true] }\n',
     "visits.days", "do not fit"),
    (HEAD + '[design]\nmethod = "fast"\nn = 64\n[parameters]\n"visits.days" = {}\n', "design.n", "65"),
    (HEAD + '[design]\nmethod = "sobol"\nn = 8\n[parameters]\n"visits.days" = {}\n', "design.second_order",
     "at least 2 parameters"),
    (GRID + '[parameters]\nstatus = { values = [1] }\n', "parameters.status", "reserved"),
    (HEAD.replace("[experiment]\n", "[experiment]\nreplicates = 2\n") + '[design]\nmethod = "lhs"\nn = 9000000\n'
     '[parameters]\n"visits.days" = {}\n', "design", "18000000 runs is more than the 10000000"),
]


@pytest.mark.parametrize("text,key,words", BAD, ids=[f"bad{i}" for i in range(len(BAD))])
def test_bad_file_gives_one_line_naming_file_and_key(tmp_path, text, key, words):
    path = write(tmp_path, text)
    with pytest.raises(InputError) as err:
        load_experiment(path)
    msg = str(err.value)
    assert "\n" not in msg
    assert str(path) in msg
    if key:
        assert key in msg, msg
    assert words in msg, msg


def test_missing_file(tmp_path):
    with pytest.raises(InputError, match="no such experiment file"):
        load_experiment(tmp_path / "none.toml")
