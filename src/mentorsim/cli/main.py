"""The ``mentorsim`` command line.

Core commands live here (run, compare, params, scenarios). Other parts of the package add
commands from modules named ``cli_*.py`` that define ``register(subparsers)``; they are found
automatically, so each concept keeps its command beside its code.

Exit codes: 0 done, 2 bad input (one line naming the file, key and what is allowed), 1 anything
unexpected (one line; set MENTORSIM_DEBUG=1 for the traceback), 130 interrupted.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
from pathlib import Path

from mentorsim import __version__
from mentorsim.errors import InputError, input_error

CORE_TABLE_KEYS = (
    ("composite_baseline_pct", "Composite adherence, baseline (%)"),
    ("composite_month12_pct", "Composite adherence, month 12 (%)"),
    ("composite_end_pct", "Composite adherence, end of programme (%)"),
    ("composite_followup24_pct", "Composite adherence, 24 months after (%)"),
    ("did_safety_pp", "DiD safety vs comparison (points)"),
    ("did_teamwork_pp", "DiD teamwork vs comparison (points)"),
    ("ssc_use_month12_pct", "SSC use, month 12 (%)"),
    ("ssi_rate_baseline_pct", "SSI per 100 operations, first month"),
    ("ssi_rate_end_pct", "SSI per 100 operations, last month"),
    ("skill_clinical_month12", "Clinical skill, month 12 (0-1)"),
    ("knowledge_clinical_month12", "Clinical knowledge, month 12 (0-1)"),
    ("echo_attendance_pct", "Telementoring attendance (%)"),
    ("visits_done", "Visits done"),
    ("visits_missed", "Visits missed (mentor capacity)"),
    ("mentor_days", "Mentor days on visits"),
    ("survey_positive_pct", "Survey: positive (%)"),
    ("survey_satisfied_pct", "Survey: satisfied (%)"),
    ("survey_support_continuing_pct", "Survey: support continuing (%)"),
    ("survey_great_extent_pct", "Survey: great extent, 5 areas (%)"),
    ("providers", "Mentees (posts filled at start)"),
    ("mentors", "Mentors"),
)


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage as one line and exit code 2."""

    def error(self, message):
        raise InputError(f"{self.prog}: {message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="mentorsim", description="Simulate multimodal surgical mentorship programmes.")
    parser.add_argument("--version", action="version", version=f"mentorsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    _register_core(sub)
    for mod in _extension_modules():
        mod.register(sub)
    return parser


def _extension_modules():
    from mentorsim.cli import app, calibrate, cea, discover, plan_pool, report, sensitivity, sweep, voi
    return (app, calibrate, cea, plan_pool, report, sensitivity, sweep, voi, discover)


def add_run_options(p: argparse.ArgumentParser, replicates: int = 20) -> None:
    """--replicates/--seed/--set/--out/--format, shared by commands that run scenarios."""
    p.add_argument("--replicates", type=int, default=replicates, help=f"replicates (default {replicates})")
    p.add_argument("--seed", type=int, default=1, help="run seed (default 1)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter, e.g. --set visits.interval_weeks=4 (repeatable)")
    p.add_argument("--out", type=Path, default=None, help="folder for tables, series, plots, metadata")
    p.add_argument("--format", choices=("table", "json"), default="table", help="what to print")


def _register_core(sub) -> None:
    p = sub.add_parser("run", help="run one scenario over replicates")
    p.add_argument("scenario", type=Path, help="scenario TOML file")
    add_run_options(p)
    p.set_defaults(func=cmd_run)

    p = sub.add_parser("compare", help="run scenarios side by side with common random numbers")
    p.add_argument("scenarios", type=Path, nargs="+", help="scenario TOML files")
    add_run_options(p)
    p.set_defaults(func=cmd_compare)

    p = sub.add_parser("params", help="list every parameter: unit, default, range, source tag")
    p.add_argument("--format", choices=("table", "json", "markdown"), default="table")
    p.set_defaults(func=cmd_params)


def check_replicates(n: int) -> int:
    if n < 1 or n > 100000:
        raise input_error("--replicates", None, "must be a whole number from 1 to 100000", n)
    return n


def load_all(paths, sets):
    from mentorsim.runner import unique_names
    from mentorsim.scenario import load_scenario
    return unique_names([load_scenario(p, sets) for p in paths])


def cmd_run(args) -> int:
    return _run_and_report(load_all([args.scenario], args.sets), args)


def cmd_compare(args) -> int:
    return _run_and_report(load_all(args.scenarios, args.sets), args)


def _run_and_report(scenarios, args) -> int:
    from mentorsim.runner import compare
    check_replicates(args.replicates)
    results = _with_progress(lambda cb: compare(scenarios, seed=args.seed, replicates=args.replicates,
                                               progress=cb), len(scenarios) * args.replicates,
                             "replicates")
    payload = {"summary": {r.name: r.summary() for r in results}, "metadata": run_metadata(results, args)}
    if args.out is not None:
        write_results(results, args.out, payload)
    if args.format == "json":
        from mentorsim.output_folder import dumps
        print(dumps(payload))
    else:
        print(summary_table(results))
        if args.out is not None:
            print(f"\nwrote tables, series, plots and metadata to {args.out}/")
    return 0


def run_metadata(results, args) -> dict:
    from mentorsim.provenance import metadata
    return metadata(args.seed, replicates=args.replicates,
                    scenarios={r.name: {"source": r.scenario.source, "description": r.scenario.description,
                                        "overrides": dict(r.scenario.overrides),
                                        "parameters": dict(r.scenario.params)} for r in results},
                    elapsed_seconds=round(sum(r.elapsed_s for r in results), 3))


def _with_progress(fn, total: int, unit: str):
    from tqdm import tqdm
    with tqdm(total=total, unit=unit, file=sys.stderr, disable=None, leave=False) as bar:
        def cb(done, _total):
            bar.update(done - bar.n)
        return fn(cb)


def write_results(results, out: Path, payload: dict) -> None:
    """Tables, time series, plots and metadata for a set of results, written atomically."""
    import pandas as pd

    from mentorsim import plots
    from mentorsim.output_folder import dumps, output_dir
    with output_dir(out, payload["metadata"]) as stage:
        (stage / "summary.json").write_text(dumps(payload))
        (stage / "summary.md").write_text(summary_table(results, markdown=True) + "\n")
        pd.concat([r.outcome_table() for r in results]).to_csv(stage / "outcomes_by_replicate.csv", index=False)
        pd.concat([r.timeseries() for r in results]).to_csv(stage / "timeseries.csv", index=False)
        facs = []
        for r in results:
            f = pd.DataFrame(r.summary()["facilities"])
            f.insert(0, "scenario", r.name)
            facs.append(f)
        pd.concat(facs).to_csv(stage / "facilities.csv", index=False)
        plots.composite_over_time(results, stage / "composite.png")
        plots.skills_by_domain(results, stage / "skills.png")
        plots.attendance(results, stage / "attendance.png")


def summary_table(results, markdown: bool = False) -> str:
    """Key outcomes per scenario: mean [95% CI] over replicates."""
    names = [r.name for r in results]
    sums = [r.summary() for r in results]
    rows = []
    for key, label in CORE_TABLE_KEYS:
        rows.append([label] + [_cell(s.get(key), s["ci95"].get(key, [None, None]), key) for s in sums])
    header = ["outcome (mean [95% CI])"] + names
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        foot = f"\n\n{sums[0]['replicates']} replicates per scenario, seed {results[0].seed}, common random numbers."
        return "\n".join(lines) + foot
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    fmt = "  ".join("{:<%d}" % w for w in widths)
    lines = [fmt.format(*header), fmt.format(*["-" * w for w in widths])] + [fmt.format(*r) for r in rows]
    lines.append(f"{sums[0]['replicates']} replicates per scenario, seed {results[0].seed}, "
                 "common random numbers across scenarios.")
    return "\n".join(lines)


def _cell(mean, ci, key: str) -> str:
    """``mean [low, high]``; one decimal for percentages and large numbers, two for 0-1 scales."""
    if mean is None:
        return "n/a"
    digits = 1 if (abs(mean) >= 1.5 or key.endswith(("_pct", "_pp"))) else 2
    lo, hi = ci
    if lo is None or hi is None or abs(hi - lo) < 10 ** -(digits + 1):
        return f"{mean:.{digits}f}"
    return f"{mean:.{digits}f} [{lo:.{digits}f}, {hi:.{digits}f}]"


def cmd_params(args) -> int:
    from mentorsim.parameters.model_table import PARAMS, markdown_table
    if args.format == "markdown":
        print(markdown_table())
    elif args.format == "json":
        from mentorsim.output_folder import dumps
        print(dumps([{"name": p.name, "unit": p.unit, "default": p.default, "low": p.low, "high": p.high,
                      "tag": p.tag, "source": p.source, "description": p.description} for p in PARAMS]))
    else:
        rows = [(p.name, p.unit, str(p.default).lower() if isinstance(p.default, bool) else f"{p.default:g}",
                 "true/false" if isinstance(p.default, bool) else f"{p.low:g}-{p.high:g}", p.tag, p.source)
                for p in PARAMS]
        header = ("name", "unit", "default", "range", "tag", "source")
        widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
        fmt = "  ".join("{:<%d}" % w for w in widths)
        print(fmt.format(*header))
        for r in rows:
            print(fmt.format(*r))
        print(f"\n{len(rows)} parameters. Descriptions and sources: mentorsim params --format markdown; "
              "docs/ODD.md; docs/SOURCES.md.")
    return 0


def main(argv=None) -> int:
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        return args.func(args)
    except InputError as exc:
        print(f"mentorsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mentorsim: interrupted; nothing partial was left looking complete", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:  # noqa: BLE001 - the one place that turns surprises into exit 1
        if os.environ.get("MENTORSIM_DEBUG"):
            raise
        print(f"mentorsim: unexpected error: {type(exc).__name__}: {exc} "
              "(set MENTORSIM_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
