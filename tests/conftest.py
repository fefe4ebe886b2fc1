"""Shared helpers for the tests: small, seeded, common-random-number comparisons."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from mentorsim.runner import evaluate, simulate
from mentorsim.scenario import default_scenario, load_scenario

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


def params_with(updates=None, scenario: str | None = None):
    """Full parameter dict: a shipped scenario (or the defaults) with ``updates`` applied."""
    base = load_scenario(SCENARIOS / f"{scenario}.toml") if scenario else default_scenario()
    return dict(base.with_params(updates or {}).params)


def mean_outcome(key: str, updates=None, scenario: str | None = None, reps: int = 8, seed: int = 11):
    """Mean of one scalar outcome over ``reps`` replicates (same streams for every caller)."""
    p = params_with(updates, scenario)
    return float(np.mean([evaluate(p, seed=seed, replicate=r)[key] for r in range(reps)]))


@pytest.fixture(scope="session")
def ss2020_output():
    return simulate(params_with(scenario="ss2020"), seed=5, replicate=0)
