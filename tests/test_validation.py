"""The one set of input checks: the rules themselves, and the same verdict for the same value in every
reader (scenario files, --set, experiment [fixed] and grids, calibration configs, CSV tables)."""

from __future__ import annotations

import math
import multiprocessing
import os
import textwrap
from pathlib import Path

import numpy as np
import pytest

from mentorsim import executors, validation
from mentorsim.calibration.config import load_config
from mentorsim.economics.cea import read_strategies_csv
from mentorsim.errors import InputError, input_error
from mentorsim.experiments.experiment import experiment_from_dict
from mentorsim.parameters.model_table import PARAMS_BY_NAME
from mentorsim.scenario import default_scenario, load_scenario, scenario_from_dict

# -- the rules -------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", [3, 3.0, np.int64(3), np.int32(3), np.float64(3.0), np.float32(3.0)])
def test_numbers_and_numpy_scalars_are_numbers(value):
    assert validation.number("f", "k", value, 0, 10) == 3.0
    got = validation.whole("f", "k", value, 0, 10)
    assert got == 3 and type(got) is int


@pytest.mark.parametrize("value", [True, np.bool_(False), None, [1], {"a": 1}, "3"])
def test_non_numbers_are_refused(value):
    with pytest.raises(InputError, match="must be a number in \\[0, 10\\]"):
        validation.number("f", "k", value, 0, 10)


@pytest.mark.parametrize("value", [math.nan, math.inf, -math.inf, np.float64("nan"), "inf", "nan", "1e400"])
def test_non_finite_values_are_refused_even_as_text(value):
    for check in (validation.number, validation.whole):
        with pytest.raises(InputError, match="finite"):
            check("f", "k", value, text=True)
    with pytest.raises(InputError, match="finite"):
        validation.whole("f", "k", value, 1, 52, text=True)  # once an OverflowError (issue 14)


def test_strings_are_parsed_only_as_text():
    assert validation.whole("--set", "k", " 9 ", 1, 52, text=True) == 9
    assert validation.number("--set", "k", "0.25", 0, 1, text=True) == 0.25
    with pytest.raises(InputError, match="not a string"):
        validation.whole("f.toml", "k", "9", 1, 52)
    with pytest.raises(InputError, match="must be a number"):
        validation.number("x.csv", "k", "abc", text=True)
    assert validation.boolean("--set", "k", "TRUE", text=True) is True
    with pytest.raises(InputError, match="true or false"):
        validation.boolean("f.toml", "k", "true")
    with pytest.raises(InputError, match="true or false"):
        validation.boolean("f.toml", "k", 1)


def test_whole_numbers_and_ranges():
    assert validation.whole("f", "k", 4.0, 1, 52) == 4
    with pytest.raises(InputError, match="whole number in \\[1, 52\\]"):
        validation.whole("f", "k", 4.5, 1, 52)
    with pytest.raises(InputError, match="must be in \\[1, 52\\] \\(weeks\\)"):
        validation.whole("f", "k", 53, 1, 52, unit="weeks")
    assert validation.number("f", "k", 1, 0, 1) == 1.0  # inclusive
    with pytest.raises(InputError, match="must be in \\[0, inf\\]"):
        validation.number("f", "k", -1e-9, 0)
    with pytest.raises(InputError, match="a power of 2"):
        validation.whole("f", "k", "x", what="a power of 2", text=True)


def test_choices_and_keys_suggest_the_closest():
    assert validation.suggest("intervl_weeks", ["interval_weeks", "days"]) == " (did you mean interval_weeks?)"
    assert validation.suggest("qqq", ["interval_weeks"]) == ""
    with pytest.raises(InputError, match="allowed: median, mean, best \\(did you mean mean\\?\\)"):
        validation.choice("c.toml", "point", "meen", ("median", "mean", "best"))
    with pytest.raises(InputError, match="allowed: median"):
        validation.choice("c.toml", "point", 3, ("median",))
    with pytest.raises(InputError, match="c.toml: x.sed: unknown key; allowed: seed \\(did you mean seed\\?\\)"):
        validation.known_keys("c.toml", "x.", {"seed": 1, "sed": 2}, ("seed",))
    assert validation.string("f", "k", "a") == "a"
    with pytest.raises(InputError, match="non-empty"):
        validation.string("f", "k", " ", nonempty=True)


def test_the_message_is_one_line_naming_file_key_value_and_what_is_allowed():
    with pytest.raises(InputError) as exc:
        validation.whole("s.toml", "visits.interval_weeks", 200, 1, 52, unit="weeks")
    assert str(exc.value) == "s.toml: visits.interval_weeks = 200: must be in [1, 52] (weeks)"
    msg = str(input_error("t.csv", "row 1 (A\nB) cost", "must be a number", "x\ny"))
    assert "\n" not in msg and "A\\nB" in msg


def test_parameter_check_follows_its_declaration():
    p = PARAMS_BY_NAME["visits.interval_weeks"]
    assert p.check(np.int64(4)) == 4 and p.check("4", text=True) == 4
    with pytest.raises(InputError, match="visits.interval_weeks = 0: must be in \\[1, 52\\] \\(weeks\\)"):
        p.check(0)
    assert PARAMS_BY_NAME["echo.enabled"].check(np.bool_(True)) is True


# -- the same verdict in every reader ---------------------------------------------------------------

def _experiment(fixed_value) -> dict:
    return {"experiment": {"outputs": ["mentor_days"]}, "fixed": {"visits.interval_weeks": fixed_value},
            "design": {"method": "grid"}, "parameters": {"echo.enabled": {"values": [True, False]}}}


@pytest.mark.parametrize("value,ok", [("9", False), (np.int64(4), True), (9.0, True), (9.5, False),
                                      (math.inf, False), (True, False)])
def test_scenario_file_experiment_fixed_and_calibration_fixed_agree(tmp_path, value, ok):
    verdicts = []
    readers = [
        lambda: scenario_from_dict({"visits": {"interval_weeks": value}}, "s.toml").params["visits.interval_weeks"],
        lambda: experiment_from_dict(_experiment(value), "e.toml").base_overrides["visits.interval_weeks"],
        lambda: default_scenario().with_params({"visits.interval_weeks": value}, "c.toml", text=False)
        .params["visits.interval_weeks"],
    ]
    for read in readers:
        try:
            got = read()
            verdicts.append(("ok", got, type(got)))
        except InputError as exc:
            assert "visits.interval_weeks" in str(exc) and "\n" not in str(exc)
            verdicts.append(("refused",))
    assert len(set(verdicts)) == 1, verdicts
    assert (verdicts[0][0] == "ok") == ok
    if ok:
        assert verdicts[0][1:] == (int(value), int)


def test_a_quoted_number_is_refused_in_files_and_accepted_from_set(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[visits]\ninterval_weeks = "9"\n')
    with pytest.raises(InputError, match="s.toml: visits.interval_weeks = '9': .*not a string"):
        load_scenario(path)
    path.write_text("[visits]\ninterval_weeks = 9\n")
    assert load_scenario(path, ["visits.interval_weeks=8"]).params["visits.interval_weeks"] == 8
    with pytest.raises(InputError, match="--set: visits.interval_weeks = '1e400': .*finite"):
        load_scenario(path, ["visits.interval_weeks=1e400"])


def test_calibration_fixed_refuses_a_quoted_number(tmp_path):
    (tmp_path / "s.toml").write_text("[visits]\ninterval_weeks = 9\n")
    (tmp_path / "t.toml").write_text(textwrap.dedent("""
        [targets.a]
        output = "did_safety_pp"
        value = 1.0
        se = 1.0
        se_from = "x"
        source = "IJQHC2021"
        description = "x"
    """))
    body = textwrap.dedent("""
        [calibration]
        scenario = "s.toml"
        targets = "t.toml"
        [calibration.fixed]
        "facilities.intervention" = {value}
        [parameters."learning.peer_rate"]
    """)
    cfg = tmp_path / "c.toml"
    cfg.write_text(body.format(value="4"))
    assert load_config(cfg).scenario.params["facilities.intervention"] == 4
    cfg.write_text(body.format(value='"4"'))
    with pytest.raises(InputError, match="facilities.intervention = '4': .*not a string"):
        load_config(cfg)
    cfg.write_text(body.format(value="4").replace("[calibration]\n", "[calibration]\npopulation = inf\n"))
    with pytest.raises(InputError, match="calibration.population = inf: .*finite"):
        load_config(cfg)


def test_csv_cells_are_checked_by_the_same_rules(tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("strategy,cost,effect\nA,1e400,2\n")
    with pytest.raises(InputError, match="row 1 \\(A\\) cost = '1e400': must be a finite number"):
        read_strategies_csv(path)
    path.write_text('strategy,cost,effect\n"A,1,2\nB,3,4\n')  # an open quote swallows the rest
    with pytest.raises(InputError) as exc:
        read_strategies_csv(path)
    assert "\n" not in str(exc.value)


# -- one way to start workers ------------------------------------------------------------------------

def _pid(_):
    return os.getpid()


def test_executors_never_change_the_global_start_method():
    before = multiprocessing.get_start_method(allow_none=True)
    assert executors.mp_context().get_start_method() == executors.START_METHOD
    with executors.process_pool(2) as pool:
        pids = set(pool.map(_pid, range(4)))
    assert os.getpid() not in pids
    counter = executors.shared_counter()
    with counter.get_lock():
        counter.value += 1
    assert counter.value == 1
    assert multiprocessing.get_start_method(allow_none=True) == before


def test_watch_parent_is_a_no_op_in_the_parent():
    executors.watch_parent(os.getpid())  # must not start a watch that would exit this process
    assert executors._watching != os.getpid()


_ABC_CHILD = """
import os, sys, time
from mentorsim.executors import abc_sampler

def simulate_one():
    open(os.path.join(sys.argv[1], str(os.getpid())), "w").close()
    time.sleep(120)

abc_sampler(2).sample_until_n_accepted(2, simulate_one, 0)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


def test_calibration_workers_die_with_their_parent(tmp_path):
    """PyABC's workers are daemons, which a killed parent does not stop (issue 14: they lived on for
    minutes); abc_sampler's workers watch their parent and exit within a second or so."""
    import signal
    import subprocess
    import sys
    import time
    script = tmp_path / "child.py"
    script.write_text(_ABC_CHILD)
    pids_dir = tmp_path / "pids"
    pids_dir.mkdir()
    src = str(Path(executors.__file__).resolve().parents[1])
    proc = subprocess.Popen([sys.executable, str(script), str(pids_dir)], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL, env=dict(os.environ, PYTHONPATH=src))
    pids: list[int] = []
    try:
        deadline = time.monotonic() + 120
        while len(pids) < 2 and time.monotonic() < deadline:
            time.sleep(0.1)
            pids = [int(p.name) for p in pids_dir.iterdir()]
        assert len(pids) == 2, "the workers never started"
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        deadline = time.monotonic() + 30  # a generous wait, not a speed check: the watch polls every 0.5 s
        while any(_alive(p) for p in pids) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not any(_alive(p) for p in pids)
    finally:
        for p in pids:
            if _alive(p):
                os.kill(p, signal.SIGKILL)
        if proc.poll() is None:
            proc.kill()


def test_the_examples_in_the_docstrings_hold():
    import doctest

    from mentorsim import errors
    for module in (validation, errors):
        failures, tried = doctest.testmod(module)
        assert tried > 0 and failures == 0, module.__name__
