"""Frozen baseline: key outcomes of four scenarios must not drift unintentionally.

If a change to the model is intended, regenerate with `tests/baseline/update.py`, review the
diff, and say why in the commit."""

import json
from pathlib import Path

import pytest
from baseline_spec import SCENARIOS, compute

FROZEN = json.loads((Path(__file__).parent / "baseline" / "ss2020.json").read_text())


@pytest.mark.parametrize("name", SCENARIOS)
def test_outcomes_match_frozen_baseline(name):
    now = compute(name)
    then = FROZEN["scenarios"][name]
    assert set(now) == set(then)
    for key, value in then.items():
        if value is None:
            assert now[key] is None, key
        else:
            assert now[key] == pytest.approx(value, rel=1e-9, abs=1e-9), key
