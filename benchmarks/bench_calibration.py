"""Calibration benchmark: cost of one particle evaluation, and parameter recovery at full size.

    PYTHONPATH=src python benchmarks/bench_calibration.py                 # timing only (~1 min)
    PYTHONPATH=src python benchmarks/bench_calibration.py --recovery 25   # + recovery, 25-minute budget
    PYTHONPATH=src python benchmarks/bench_calibration.py --generations 2 # + the first 2 generations

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
    # CPU, alternated: the particle path (replicates batched, only the targets' outputs) against
    # one replicate at a time with every outcome computed (the path before batching)
    from mentorsim.calibration.measures import EXTRA_OUTPUTS
    from mentorsim.results import run_outcomes
    from mentorsim.runner import simulate
    outputs = sorted({t.output for t in sim.targets})
    p = sim.params(middle)

    def one_at_a_time():
        for s in sim.seeds:
            out = simulate(p, s, 0)
            every = run_outcomes(out)
            {o: EXTRA_OUTPUTS[o][1](out) if o in EXTRA_OUTPUTS else every[o] for o in outputs}

    cpu = {"particle path": [], "one at a time, every outcome": []}
    for _ in range(3):
        for name, fn in (("particle path", lambda: sim.replicate_outputs(middle)),
                         ("one at a time, every outcome", one_at_a_time)):
            t = time.thread_time()
            for _ in range(n):
                fn()
            cpu[name].append(1000 * (time.thread_time() - t) / n)
    print("CPU a particle, alternated 3 times: " + "; ".join(
        f"{k} {sorted(v)[1]:.2f} ms ({', '.join(f'{x:.2f}' for x in v)})" for k, v in cpu.items()))
    return per


def generations(cfg, n: int) -> None:
    """The first ``n`` generations of the configuration as shipped (not a whole calibration):
    evaluations, wall time, and CPU of this process and of the sampler's worker processes."""
    import resource
    with tempfile.TemporaryDirectory() as d:
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu, t = time.process_time(), time.perf_counter()
        state = run_calibration(cfg.with_changes(generations=n), Path(d) / "out", progress=False)
        wall, cpu = time.perf_counter() - t, time.process_time() - cpu
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
    ev = state.evaluations
    print(f"{n} generation(s) of {cfg.population} particles, {cfg.workers} workers: {ev} evaluations in "
          f"{wall:.1f} s wall; CPU {cpu:.1f} s in this process (pyABC: proposals, storing populations) and "
          f"{workers:.1f} s in the workers = {1000 * (cpu + workers) / ev:.1f} ms CPU an evaluation")


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
    ap.add_argument("--generations", type=int, default=0, metavar="N",
                    help="also time the first N generations of the shipped configuration (not a whole calibration)")
    args = ap.parse_args()
    cfg = load_config(args.config)
    timing(cfg)
    if args.generations > 0:
        generations(cfg, args.generations)
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
