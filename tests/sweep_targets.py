"""Targets for the sweep tests (``target = "sweep_targets:NAME"``; tests/ is on sys.path).

Each takes a dict of parameters (``x1`` .. ``xk``) and returns a dict of outputs. The ones that
kill their own process stand in for a worker that dies (out of memory, a crash, a lost machine).
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np

from mentorsim.experiments.testfunctions import ishigami


def noisy(params, seed, replicate):
    """Ishigami plus noise drawn from (seed, replicate) alone: checks seeds reach the target."""
    y = ishigami(params)["y"]
    e = np.random.default_rng([seed, replicate]).normal()
    return {"y": y + e, "noise": e}


def slow_noisy(params, seed, replicate):
    """As noisy, taking about 10 ms (so a sweep can be killed in the middle)."""
    time.sleep(0.01)
    return noisy(params, seed, replicate)


def slower_noisy(params, seed, replicate):
    """As noisy, taking about 40 ms."""
    time.sleep(0.04)
    return noisy(params, seed, replicate)


def flaky(params, seed, replicate):
    """Fails for x1 > 1 (a target error: recorded, the sweep goes on)."""
    if params["x1"] > 1.0:
        raise ValueError(f"x1 = {params['x1']:.3f} is too large for this target")
    return noisy(params, seed, replicate)


def die_once(params, seed, replicate):
    """Kills its worker the first time it meets x1 > 2 (marker folder in MENTORSIM_TEST_MARKER)."""
    marker = Path(os.environ["MENTORSIM_TEST_MARKER"]) / "died"
    if params["x1"] > 2.0 and not marker.exists():
        marker.write_text(str(os.getpid()))
        os.kill(os.getpid(), signal.SIGKILL)
    return noisy(params, seed, replicate)


def die_always(params, seed, replicate):
    """Kills its worker every time it meets x1 > 2.5 (a run that can never finish)."""
    if params["x1"] > 2.5:
        os.kill(os.getpid(), signal.SIGKILL)
    return noisy(params, seed, replicate)


def with_constant(params):
    """x1 + c, where c comes from the experiment's [fixed] table (no seed: deterministic)."""
    return {"y": params["x1"] + params["c"], "keys": float(len(params))}
