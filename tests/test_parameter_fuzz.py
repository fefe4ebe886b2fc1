"""Every parameter at both ends of its declared range and at its midpoint, through ``mentorsim
run``: each value the table allows must either run to finite outcomes or be refused in one line
as an impossible combination (exit 2), never crash (issue 14: ``ssi.reference_adherence = 1``
used to divide by zero).

Runs are tiny (2 intervention and 1 comparison facility, no follow-up, one replicate) unless the
fuzzed parameter is one of those sizes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from mentorsim.cli.main import main
from mentorsim.parameters.model_table import PARAMS

ROOT = Path(__file__).resolve().parents[1]
TINY = {"facilities.intervention": 2, "facilities.comparison": 1, "followup.months": 0}
#: Sizes fuzzed at their top would make one run take minutes: their top is the largest value a
#: planner uses in a fast test instead (the range itself is checked by the table tests).
CAP = {"facilities.intervention": 40, "facilities.comparison": 40, "mentors.teams": 40,
       "programme.months": 60, "followup.months": 60}


def _values(p):
    if p.kind is bool:
        return [False, True]
    mid = (p.low + p.high) / 2
    vals = [p.low, mid, p.high]
    if p.kind is int:
        vals = [int(p.low), int(math.floor(mid)), int(p.high)]
    if p.name in CAP:
        vals = [v for v in vals if v <= CAP[p.name]] + ([CAP[p.name]] if p.high > CAP[p.name] else [])
    return list(dict.fromkeys(vals))


CASES = [pytest.param(p.name, v, id=f"{p.name}={v}") for p in PARAMS for v in _values(p)]


def _text(v) -> str:
    return str(v).lower() if isinstance(v, bool) else repr(v)


@pytest.mark.parametrize(("name", "value"), CASES)
def test_every_allowed_value_runs_or_is_refused_in_one_line(name, value, capsys):
    sets = {k: v for k, v in TINY.items() if k != name} | {name: value}
    argv = ["run", str(ROOT / "scenarios" / "ss2020.toml"), "--replicates", "1", "--format", "json"]
    for k, v in sets.items():
        argv += ["--set", f"{k}={_text(v)}"]
    code = main(argv)
    out, err = capsys.readouterr()
    if code == 2:  # an impossible combination with the other parameters: named in one line
        lines = err.strip().splitlines()
        assert len(lines) == 1 and "mentorsim: error:" in lines[0], err
        return
    assert code == 0, err
    s = json.loads(out)["summary"]["ss2020"]
    keys = ("composite_month12_pct", "composite_baseline_pct", "ssi_rate_end_pct", "visits_done")
    if sets["facilities.intervention"] == 0:  # no intervention arm: its outcomes are undefined
        keys = ("comparison_composite_month12_pct", "visits_done")
    for key in keys:
        assert s[key] is not None and math.isfinite(s[key]), (key, s[key])


def test_the_fuzz_covers_every_parameter():
    assert {c.values[0] for c in CASES} == {p.name for p in PARAMS}
    assert len(CASES) >= 3 * len([p for p in PARAMS if p.kind is not bool])
