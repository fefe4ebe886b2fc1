"""Calibration benchmark: cost of one particle evaluation, and parameter recovery at full size.

    PYTHONPATH=src python benchmarks/bench_calibration.py                 # timing only (~1 min)
    PYTHONPATH=src python benchmarks/bench_calibration.py --recovery 25   # + recovery, 25-minute budget

Recovery: the shipped configuration (calibration/ss2020.toml: same parameters, priors, targets'
standard errors, population, replicates and stopping rule) calibrated to synthetic targets, the
model's own outputs at known parameter values (the installed calibrated defaults, or the declared
defaults before the first calibration). It prints, per parameter, the truth, the posterior median
and 95% interval, whether the interval covers the truth, and the posterior sd relative to the
prior's (1 = the targets say nothing about the parameter). No timed assertions: figures only.
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mentorsim.calibration.abc import posterior_frame, run_calibration, simulator_for, summarise_posterior  # noqa: E402
from mentorsim.calibration.config import load_config  # noqa: E402
from mentorsim.parameters.model_table import PARAMS_BY_NAME  # noqa: E402


def timing(cfg, n: int = 20) -> float:
    sim = simulator_for(cfg)
    middle = {p.name: 0.5 * (p.low + p.high) for p in cfg.priors}
    sim(middle)
    t = time.perf_counter()
    for _ in range(n):
        sim(middle)
    per = (time.perf_counter() - t) / n
    print(f"one particle evaluation ({cfg.replicates} replicates, follow-up cut to the targets' months): {per * 1000:.0f} ms "
          f"in one process ({per / cfg.replicates * 1000:.0f} ms per model run)")
    return per


def recovery(cfg, minutes: float, out: Path) -> None:
    truth = {p.name: float(PARAMS_BY_NAME[p.name].default) for p in cfg.priors}
    source = "calibrated defaults" if PARAMS_BY_NAME[cfg.priors[0].name].tag == "calibrated" else "declared defaults"
    at_truth = simulator_for(cfg)(truth)
    # keep each target's side, group and weight; a one-sided pattern keeps its bound
    targets = tuple(replace(t, value=at_truth[t.name]) if t.side == "two-sided" else t for t in cfg.targets)
    cfg = cfg.with_changes(targets=targets, budget_minutes=minutes)
    start = time.perf_counter()
    state = run_calibration(cfg, out, progress=True)
    wall = time.perf_counter() - start
    post = posterior_frame(out, cfg)
    s = summarise_posterior(post, cfg.parameter_names)
    g = state.generations
    print(f"\nrecovery of the {source}: {len(g)} generations, {state.evaluations} evaluations, "
          f"{wall / 60:.1f} min wall, final threshold {g['epsilon'].iloc[-1]:.3f}; stopped: {state.stop_reason}")
    print(f"{'parameter':36s} {'truth':>9s} {'median':>9s} {'95% interval':>22s} covered  sd/prior sd")
    covered = 0
    for p in cfg.priors:
        q = s[p.name]
        ok = q["low95"] <= truth[p.name] <= q["high95"]
        covered += ok
        ratio = q["sd"] / ((p.high - p.low) / math.sqrt(12))
        print(f"{p.name:36s} {truth[p.name]:9.4g} {q['median']:9.4g} [{q['low95']:9.4g}, {q['high95']:9.4g}] "
              f"{'yes' if ok else 'NO':>7s}  {ratio:10.2f}")
    print(f"covered {covered} of {len(cfg.priors)} at 95%")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--config", type=Path, default=ROOT / "calibration" / "ss2020.toml")
    ap.add_argument("--recovery", type=float, default=0.0, metavar="MINUTES",
                    help="also run the full-size recovery study with this wall-time budget")
    ap.add_argument("--out", type=Path, default=None, help="keep the recovery history here")
    args = ap.parse_args()
    cfg = load_config(args.config)
    timing(cfg)
    if args.recovery > 0:
        out = args.out or Path(tempfile.mkdtemp(prefix="mentorsim-recovery-"))
        if out.exists() and any(out.iterdir()):
            print(f"{out} is not empty", file=sys.stderr)
            return 2
        try:
            recovery(cfg, args.recovery, out)
        finally:
            if args.out is None:
                shutil.rmtree(out, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
