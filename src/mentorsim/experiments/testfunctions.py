"""Functions with known sensitivity indices, to check the sweep and sensitivity machinery.

Use them as an experiment's target (``target = "mentorsim.experiments.testfunctions:ishigami"``): each takes
a dict of parameters and returns a dict of outputs, like the model.

- Ishigami: ``y = sin x1 + a sin^2 x2 + b x3^4 sin x1``, ``xi ~ U(-pi, pi)``, a = 7, b = 0.1
  (Ishigami and Homma 1990). Analytic first-order, total and second-order indices below.
- Sobol G: ``y = prod_i (|4 xi - 2| + ai) / (1 + ai)``, ``xi ~ U(0, 1)`` (Saltelli and Sobol' 1995).
  ``Vi = 1 / (3 (1 + ai)^2)``, ``V = prod (1 + Vi) - 1``, ``Si = Vi / V``,
  ``STi = Vi prod_{j != i} (1 + Vj) / V``. Small ``ai`` = important.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

ISHIGAMI_A = 7.0
ISHIGAMI_B = 0.1
#: The a-values of the shipped Sobol G check (x1 most important, x5-x8 nearly inert).
SOBOL_G_A = (0.0, 1.0, 4.5, 9.0, 99.0, 99.0, 99.0, 99.0)


def ishigami(params: Mapping[str, float]) -> dict[str, float]:
    """Ishigami function of ``x1``, ``x2``, ``x3`` (each in [-pi, pi])."""
    x1, x2, x3 = params["x1"], params["x2"], params["x3"]
    y = math.sin(x1) + ISHIGAMI_A * math.sin(x2) ** 2 + ISHIGAMI_B * x3 ** 4 * math.sin(x1)
    return {"y": y}


def ishigami_indices(a: float = ISHIGAMI_A, b: float = ISHIGAMI_B) -> dict:
    """Analytic Sobol indices of the Ishigami function: S1, ST (x1, x2, x3) and S13."""
    pi = math.pi
    v1 = 0.5 * (1 + b * pi ** 4 / 5) ** 2
    v2 = a ** 2 / 8
    v13 = b ** 2 * pi ** 8 * (1 / 18 - 1 / 50)
    v = v1 + v2 + v13
    return {"S1": [v1 / v, v2 / v, 0.0], "ST": [(v1 + v13) / v, v2 / v, v13 / v], "S13": v13 / v}


def sobol_g(params: Mapping[str, float], a: Sequence[float] = SOBOL_G_A) -> dict[str, float]:
    """Sobol G function of ``x1`` .. ``xk`` (each in [0, 1]), k = len(a)."""
    y = 1.0
    for i, ai in enumerate(a):
        y *= (abs(4.0 * params[f"x{i + 1}"] - 2.0) + ai) / (1.0 + ai)
    return {"y": y}


def sobol_g_indices(a: Sequence[float] = SOBOL_G_A) -> dict:
    """Analytic first-order and total indices of the Sobol G function."""
    vi = [1.0 / (3.0 * (1.0 + ai) ** 2) for ai in a]
    prod = math.prod(1.0 + x for x in vi)
    v = prod - 1.0
    return {"S1": [x / v for x in vi], "ST": [x * prod / (1.0 + x) / v for x in vi]}


def fixed_work(params: Mapping[str, float], iterations: int = 400_000) -> dict[str, float]:
    """A fixed amount of pure-Python arithmetic (about 40 ms on this project's machine), whatever
    the parameters: a control for measuring executors, since it scales with cores only."""
    s = 0
    for i in range(iterations):
        s += i * i % 7
    return {"y": float(s)}
