"""Issue 11, finding 7: the secular trend, and how much of its later course the data constrain.

    PYTHONPATH=src .venv/bin/python benchmarks/secular_trend.py [--seeds 5] [--cea-replicates 5]

Prints, as means over seeds 1..N (one replicate each), for the intervention facilities:
  - the no-mentorship composite (%) at months 0, 6, 12, 24 and 41, and the as-run (ss2020) one;
  - the month-41 no-mentorship level over ``learning.secular_ceiling`` 0.5..1.0, (a) at the
    default rate and (b) with ``learning.secular_rate`` refitted (bisection) so the no-mentorship
    month-12 level equals the default's: the month-12 comparison is the only practice time point
    the data give in the comparison arm, so (b) is what a calibration could tell apart; the spread
    of month 41 in (b) is what the ceiling decides and no data constrain;
  - if the model has ``learning.secular_ssc_share`` (s, the share of the trend that follows the
    national SSC roll-out), the same months for s = 0, 0.5, 1, each with the rate refitted to the
    default's month-12 level, and the ss2020 ICER (USD per DALY averted against no mentorship,
    ``economics.evaluation.evaluate_run``, common random numbers, mean cost / mean DALYs over
    ``--cea-replicates`` seeds).
Written against the public API, so it runs before and after the change (absent parameters skipped).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from mentorsim import load_scenario
from mentorsim.economics.evaluation import evaluate_run
from mentorsim.parameters.model_table import PARAMS_BY_NAME
from mentorsim.runner import simulate
from mentorsim.timeline import month_row

SCEN = Path(__file__).resolve().parents[1] / "src" / "mentorsim" / "scenarios"
MONTHS = (0, 6, 12, 24, 41)
SHARE = "learning.secular_ssc_share"


def params(name: str, **sets) -> dict:
    p = dict(load_scenario(SCEN / f"{name}.toml").params)
    p.update(sets)
    return p


def levels(p: dict, seeds, months=MONTHS) -> dict[int, float]:
    """{month: mean over seeds of the intervention facilities' composite (%)}."""
    outs = [simulate(p, s, 0) for s in seeds]
    return {m: float(np.mean([100 * o.arm_mean("composite", 0)[min(month_row(m), o.rows - 1)] for o in outs]))
            for m in months}


def refit_rate(p: dict, target12: float, seeds, lo=0.0, hi=0.08, steps=22) -> float:
    """The secular rate giving the no-mentorship month-12 level ``target12`` (%), by bisection."""
    for _ in range(steps):
        mid = 0.5 * (lo + hi)
        if levels(p | {"learning.secular_rate": mid}, seeds, (12,))[12] < target12:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def icer(p: dict, seeds) -> float:
    recs = [evaluate_run(p, s, 0).record for s in seeds]
    return float(np.mean([r["cost_net_usd"] for r in recs]) / np.mean([r["dalys_averted"] for r in recs]))


def ceiling_spread(nm: dict, target12: float, seeds) -> None:
    """Print month 12 and 41 over ceilings 0.5..1.0 at the given rate (a) and with the rate refitted
    to the month-12 level ``target12`` (b), and the month-41 spread in (b)."""
    print("  ceiling  (a) given rate: m12   m41 | (b) rate refitted to m12: rate      m12   m41")
    m41_refit = []
    for c in (0.5, 0.6, 0.7, 0.8, 0.9, 1.0):
        pc = nm | {"learning.secular_ceiling": c}
        fixed = levels(pc, seeds, (12, 41))
        rate = refit_rate(pc, target12, seeds)
        fit = levels(pc | {"learning.secular_rate": rate}, seeds, (12, 41))
        m41_refit.append(fit[41])
        print(f"  {c:7.1f}  {fixed[12]:18.1f} {fixed[41]:5.1f} | {rate:30.5f} {fit[12]:5.1f} {fit[41]:5.1f}")
    print(f"  month-41 spread with month 12 held (b): {min(m41_refit):.1f} .. {max(m41_refit):.1f} "
          f"({max(m41_refit) - min(m41_refit):.1f} points)")


def row(label: str, lv: dict[int, float]) -> str:
    return f"  {label:34s} " + "  ".join(f"m{m} {v:5.1f}" for m, v in lv.items())


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=5)
    ap.add_argument("--cea-replicates", type=int, default=5)
    a = ap.parse_args()
    seeds = range(1, a.seeds + 1)
    nm, ss = params("no_mentorship"), params("ss2020")
    base = levels(nm, seeds)
    print(f"== composite (%), intervention facilities, {a.seeds} seeds")
    print(row("no mentorship", base))
    print(row("ss2020 as run", levels(ss, seeds)))
    if SHARE in PARAMS_BY_NAME:
        print(f"  ({SHARE} = {nm[SHARE]:g}, learning.secular_rate = {nm['learning.secular_rate']:.5g}, "
              f"ssc.rollout_rate = {nm['ssc.rollout_rate']:.4g}/month)")
    print("== month-41 no-mentorship level over the secular ceiling")
    ceiling_spread(nm, base[12], seeds)
    if SHARE not in PARAMS_BY_NAME:
        return
    for s in (0.0, 1.0):
        print(f"== the same with {SHARE} = {s:g}")
        ceiling_spread(nm | {SHARE: s}, base[12], seeds)
    print(f"== share of the trend following the SSC roll-out ({SHARE}), rate refitted to month 12 "
          f"{base[12]:.1f}%; ICER over {a.cea_replicates} seeds")
    cea_seeds = range(1, a.cea_replicates + 1)
    for s in (0.0, 0.5, 1.0):
        rate = refit_rate(nm | {SHARE: s}, base[12], seeds)
        lv = levels(nm | {SHARE: s, "learning.secular_rate": rate}, seeds)
        i = icer(ss | {SHARE: s, "learning.secular_rate": rate}, cea_seeds)
        print(row(f"s = {s:.1f} (rate {rate:.5f})", lv) + f"  ICER {i:8.0f}")


if __name__ == "__main__":
    main()
