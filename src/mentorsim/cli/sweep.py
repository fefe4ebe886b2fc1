"""``mentorsim sweep EXPERIMENT``: run an experiment's design and store every run."""

from __future__ import annotations

from pathlib import Path

from mentorsim.cli.common import (
    EXPERIMENT_RUNS_CODE,
    add_command,
    add_execution_options,
    check_execution_options,
    experiment_out,
    json_safe,
    sweep_from_args,
)

MAX_TABLE_POINTS = 40


def register(sub) -> None:
    p = add_command(sub, "sweep", "run an experiment's design (grid, LHS, Sobol, Morris, FAST) and store every run",
                    ["mentorsim sweep experiments/visit_x_echo.toml",
                     "mentorsim sweep experiments/visit_x_echo.toml --workers 2 --out out/grid",
                     "mentorsim sweep experiments/visit_x_echo.toml --resume --out out/grid"],
                    description="An experiment file names the parameters to vary, the design, the outputs and "
                    "the replicates per point (docs/EXPERIMENTS.md). Every run is stored as it finishes "
                    "(runs.sqlite), so an interrupted sweep is finished with --resume; the summary "
                    "(points.csv, a plot) gives each point's mean and 95% interval.\n\n"
                    + EXPERIMENT_RUNS_CODE)
    p.add_argument("experiment", type=Path, help="experiment TOML file (see docs/EXPERIMENTS.md)")
    add_execution_options(p)
    p.add_argument("--format", choices=("table", "json"), default="table", help="what to print")
    p.set_defaults(func=cmd_sweep)


def cmd_sweep(args) -> int:
    import sys

    from mentorsim.experiments.experiment import load_experiment
    check_execution_options(args)
    exp = load_experiment(args.experiment)
    try:
        summary = sweep_from_args(exp, args)
    except KeyboardInterrupt:
        print(f"mentorsim: interrupted; finished runs are stored in {experiment_out(exp, args)}; "
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
        print(dumps(json_safe(payload)))
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
        print(f"\nwrote runs.sqlite, runs.csv, runs.parquet, columns.csv, points.csv and {exp.name}.png to {s.out}/")
    if s.failed:
        print(f"warning: {s.failed} runs failed; their errors are in the error column of {s.out}/runs.csv")


def _num(v: float) -> str:
    """One decimal for percentages and counts, three for values on a 0-1 scale."""
    return f"{v:.1f}" if abs(v) >= 2 else f"{v:.3f}"

