"""``mentorsim sweep EXPERIMENT``: run an experiment's design and store every run."""

from __future__ import annotations

import signal
from pathlib import Path

DEFAULT_OUT = Path("outputs") / "experiments"
MAX_TABLE_POINTS = 40


def add_execution_options(p) -> None:
    """--workers/--scheduler/--out/--resume, shared by sweep and sensitivity."""
    p.add_argument("--workers", type=int, default=None,
                   help="worker processes on this machine (default: all cores; 1 = in this process)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on a Dask distributed scheduler, e.g. tcp://127.0.0.1:8786")
    p.add_argument("--out", type=Path, default=None,
                   help=f"folder for the run store and exports (default {DEFAULT_OUT}/<experiment name>)")
    p.add_argument("--resume", action="store_true", help="finish a sweep already in --out: run only missing runs")
    p.add_argument("--retry-failed", action="store_true", help="with --resume, run failed runs again too")
    p.add_argument("--chunk-size", type=int, default=None, help="runs per task sent to a worker (default: automatic)")


def register(sub) -> None:
    p = sub.add_parser("sweep", help="run an experiment's design (grid, LHS, Sobol, Morris, FAST) and store every run")
    p.add_argument("experiment", type=Path, help="experiment TOML file (see docs/EXPERIMENTS.md)")
    add_execution_options(p)
    p.add_argument("--format", choices=("table", "json"), default="table", help="what to print")
    p.set_defaults(func=cmd_sweep)


def check_execution_options(args) -> None:
    from mentorsim.errors import input_error
    if args.workers is not None and args.workers < 1:
        raise input_error("--workers", None, "must be a whole number of at least 1", args.workers)
    if args.workers is not None and args.scheduler:
        raise input_error("--workers", None, "give --workers or --scheduler, not both (Dask decides its workers)")
    if args.chunk_size is not None and not 1 <= args.chunk_size <= 100000:
        raise input_error("--chunk-size", None, "must be a whole number from 1 to 100000", args.chunk_size)
    if args.retry_failed and not args.resume:
        raise input_error("--retry-failed", None, "goes with --resume")


def sweep_from_args(exp, args):
    """Run (or finish) the sweep of ``exp`` as the options say; returns its SweepSummary."""
    from mentorsim.executors import make_executor
    from mentorsim.experiments.sweep import run_sweep
    out = args.out or DEFAULT_OUT / exp.name
    executor = make_executor(args.workers, args.scheduler)
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)  # stored runs are kept; the rest is redone by --resume
    try:
        return run_sweep(exp, out, executor=executor, resume=args.resume, retry_failed=args.retry_failed,
                         chunk_size=args.chunk_size)
    finally:
        signal.signal(signal.SIGTERM, previous)
        executor.close()


def cmd_sweep(args) -> int:
    import sys

    from mentorsim.experiments.experiment import load_experiment
    check_execution_options(args)
    exp = load_experiment(args.experiment)
    try:
        summary = sweep_from_args(exp, args)
    except KeyboardInterrupt:
        print(f"mentorsim: interrupted; finished runs are stored in {args.out or DEFAULT_OUT / exp.name}; "
              "run the same command with --resume to finish", file=sys.stderr)
        return 130
    print_summary(exp, summary, args.format)
    return 0


def print_summary(exp, s, fmt: str) -> None:
    import pandas as pd

    from mentorsim.output_folder import dumps
    points_file = s.out / "points.csv"
    if fmt == "json":
        payload = {"experiment": exp.name, "out": str(s.out), "runs": s.total, "done": s.done,
                   "failed": s.failed, "ran_now": s.ran, "already_stored": s.skipped,
                   "elapsed_s": round(s.elapsed_s, 3), "runs_per_s": None if s.ran == 0 else round(s.rate, 3),
                   "executor": s.executor, "workers": s.workers, "complete": s.complete}
        if points_file.exists():
            payload["points"] = pd.read_csv(points_file).to_dict(orient="records")
        print(dumps(_clean(payload)))
        return
    rate = f", {s.rate:.1f} runs/s" if s.ran else ""
    print(f"{exp.name}: {s.done} of {s.total} runs done, {s.failed} failed "
          f"({s.ran} run now in {s.elapsed_s:.1f} s{rate}, {s.skipped} already stored; "
          f"{s.executor} executor, {s.workers} worker{'s' if s.workers != 1 else ''})")
    if points_file.exists():
        pts = pd.read_csv(points_file)
        if len(pts) <= MAX_TABLE_POINTS:
            cols = list(exp.names) + list(exp.outputs)
            table = pts[cols].copy()
            for o in exp.outputs:
                table[o] = [f"{_num(m)} [{_num(lo)}, {_num(hi)}]" if pd.notna(m) else "n/a"
                            for m, lo, hi in zip(pts[o], pts[f"{o}_low"], pts[f"{o}_high"])]
            print(f"\nmean [95% CI] over {exp.replicates} replicates per point:")
            print(table.to_string(index=False))
        print(f"\nwrote runs.sqlite, runs.csv, runs.parquet, points.csv and {exp.name}.png to {s.out}/")
    if s.failed:
        print(f"warning: {s.failed} runs failed; their errors are in the error column of {s.out}/runs.csv")


def _num(v: float) -> str:
    """One decimal for percentages and counts, three for values on a 0-1 scale."""
    return f"{v:.1f}" if abs(v) >= 2 else f"{v:.3f}"


def _clean(x):
    import math
    if isinstance(x, dict):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, list):
        return [_clean(v) for v in x]
    if isinstance(x, float) and not math.isfinite(x):
        return None
    return x
