"""The assumptions that matter most: a one-at-a-time screen of the assumption-tagged parameters.

For the report. Each parameter tagged ``assumption`` in the parameter table is set to the low
and then the high end of its declared range, all else as in the scenario, and the scenario is
rerun with the same seed and replicates (common random numbers, so the difference is the
parameter's):

- model parameters: swing = |outcome(high) - outcome(low)| of the composite adherence at month
  12 and 24 months after the programme ends (percentage points);
- price and economics parameters (``costs.*``, ``economics.*``): they do not change the
  simulation, so the scenario's runs are costed again (economics.evaluate_run) and the swing
  is in net cost per DALY averted (USD).

The decision screen (``decision_swings``) judges every parameter that moves cost or effect (the
PSA's parameters, assumption-tagged or not, e.g. ``ssi.relative_risk_full`` and the case
fatalities) by what the decision depends on: the incremental net monetary benefit against no
mentorship at 0.5x GDP per capita, and which strategy wins at each end of its range
(economics.oneway.one_way; calibrated parameters over their posterior's 95% interval).

A range end that makes an impossible combination with the scenario (e.g. more visit days than
a mentor has) is skipped and said so. This is a screen, not a global sensitivity analysis:
interactions are missed (Sobol indices, from the experiments tools, catch them).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from mentorsim.errors import InputError
from mentorsim.parameters.model_table import PARAMS, Param
from mentorsim.policy import economics as app_econ
from mentorsim.runner import evaluate
from mentorsim.scenario import Scenario

MODEL_OUTCOMES = (("composite_month12_pct", "composite, month 12 (points)"),
                  ("composite_followup24_pct", "composite, 24 months after (points)"))
ECON_PREFIXES = ("costs.", "economics.")


@dataclass
class Swing:
    """One parameter's screen: its value in the scenario, its range, and what each end gives."""

    param: Param
    value: object
    low: dict[str, float] | None  # outcome -> value at the low end (None: end not valid)
    high: dict[str, float] | None
    note: str = ""

    def swing(self, outcome: str) -> float:
        if self.low is None or self.high is None:
            return math.nan
        a, b = self.low.get(outcome, math.nan), self.high.get(outcome, math.nan)
        return abs(b - a) if np.isfinite(a) and np.isfinite(b) else math.nan

    def max_swing(self, outcomes: Sequence[str]) -> float:
        vals = [self.swing(o) for o in outcomes]
        vals = [v for v in vals if np.isfinite(v)]
        return max(vals) if vals else math.nan


def _mean(values) -> float:
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    return float(v.mean()) if len(v) else math.nan


def assumption_params(economic: bool | None = None) -> list[Param]:
    """Parameters tagged ``assumption`` (switches excluded: they have no range to sweep);
    ``economic`` True/False keeps only price and economics ones / only model ones."""
    out = [p for p in PARAMS if p.tag == "assumption" and p.kind is not bool]
    if economic is not None:
        out = [p for p in out if p.name.startswith(ECON_PREFIXES) == economic]
    return out


def _at(scenario: Scenario, p: Param, value) -> Scenario | None:
    try:
        return scenario.with_params({p.name: value}, source="sensitivity")
    except InputError:
        return None


def _ends(scenario: Scenario, p: Param, measure: Callable[[Scenario], dict[str, float]],
          tick: Callable[[], None] | None) -> list[dict[str, float] | None]:
    """``measure`` of the scenario with ``p`` at the low and at the high end of its range (None
    where that value is not a valid combination); ``tick`` after each end."""
    ends = []
    for v in (p.low, p.high):
        sc = _at(scenario, p, p.kind(v))
        ends.append(None if sc is None else measure(sc))
        if tick:
            tick()
    return ends


def model_swings(scenario: Scenario, seed: int, replicates: int,
                 tick: Callable[[], None] | None = None) -> list[Swing]:
    """Screen the model's assumption parameters on the composite (see module docstring)."""
    keys = [k for k, _ in MODEL_OUTCOMES]

    def measure(sc: Scenario) -> dict[str, float]:
        runs = [evaluate(sc.params, seed, r) for r in range(replicates)]
        return {k: _mean([o[k] for o in runs]) for k in keys}

    out = []
    for p in assumption_params(economic=False):
        ends = _ends(scenario, p, measure, tick)
        note = "" if all(e is not None for e in ends) else "a range end is not a valid combination here"
        out.append(Swing(p, scenario.params[p.name], ends[0], ends[1], note))
    return sorted(out, key=lambda s: -np.nan_to_num(s.max_swing(keys), nan=-1))


def economic_swings(scenario: Scenario, seed: int, outs, comparators,
                    tick: Callable[[], None] | None = None) -> list[Swing]:
    """Screen the price and economics assumptions on net cost per DALY averted, costing the
    scenario's own runs again (they do not change the simulation)."""
    def measure(sc: Scenario) -> dict[str, float]:
        strat = app_econ.evaluate(scenario.name, sc.params, seed, outs, comparators)
        ce = app_econ.cost_effect([strat]).iloc[0]
        return {"cost_per_dalys_averted": float(ce["cost_per_dalys_averted"])}

    out = []
    for p in assumption_params(economic=True):
        ends = _ends(scenario, p, measure, tick)
        out.append(Swing(p, scenario.params[p.name], ends[0], ends[1]))
    return sorted(out, key=lambda s: -np.nan_to_num(s.swing("cost_per_dalys_averted"), nan=-1))


def decision_swings(scenario: Scenario, seed: int, replicates: int,
                    tick: Callable[[], None] | None = None):
    """One-way sensitivity of the decision (economics.oneway.one_way): incremental net monetary
    benefit of ``scenario`` against no mentorship at 0.5x GDP per capita per parameter end, the
    winner at each end, ICERs and the switch value; sorted by swing."""
    from mentorsim.economics import oneway
    from mentorsim.economics.decision import posterior_check
    from mentorsim.economics.psa import load_posterior, psa_parameter_names
    names = psa_parameter_names("default")
    ranges = oneway.parameter_ranges(names, posterior_check(load_posterior(), scenario.params))
    wtp = 0.5 * float(scenario.params["economics.gdp_per_capita_usd"])
    return oneway.one_way([scenario], names, seed, replicates, wtp, ranges=ranges, tick=tick)
