"""``mentorsim run`` (one scenario over replicates) and ``mentorsim compare`` (scenarios side by
side with common random numbers): a summary table, and with ``--out`` tables, series, plots and
metadata written atomically."""

from __future__ import annotations

from pathlib import Path

from mentorsim.cli.common import (
    MIN_RELIABLE_REPLICATES,
    add_command,
    add_run_options,
    check_replicates,
    clip_interval,
    load_all,
    progress_bar,
    warn_few_replicates,
    with_progress,
)
from mentorsim.output_folder import _arrow_matches_repr, float_reprs, write_csv  # noqa: F401 - where they live

#: timeseries.csv (the largest file by far) is written in this many slices of rows, one step of
#: the "writing" bar each.
CSV_PARTS = 10
#: How many times write_results calls ``step``.
OUTPUT_STEPS = 7 + CSV_PARTS


def register(subparsers) -> None:
    p = add_command(subparsers, "run", "run one scenario over replicates and print its key outcomes",
                    ["mentorsim run scenarios/ss2020.toml",
                     "mentorsim run ss2020 --replicates 50 --seed 3 --set visits.interval_weeks=4 --out out/run",
                     "mentorsim run scenarios/virtual_only.toml --format json"],
                    description="Prints each outcome's mean over replicates with its 95% confidence interval. "
                    "SCENARIO is a TOML file or the name of a shipped scenario (mentorsim scenarios lists "
                    "them). With --out, also writes summary.json/.md, outcomes_by_replicate.csv, "
                    "timeseries.csv, facilities.csv, plots and a manifest.")
    p.add_argument("scenario", type=Path, help="scenario TOML file or shipped scenario name")
    add_run_options(p)
    p.set_defaults(func=cmd_run)

    p = add_command(subparsers, "compare", "run scenarios side by side with common random numbers",
                    ["mentorsim compare scenarios/ss2020.toml scenarios/no_mentorship.toml",
                     "mentorsim compare ss2020 in_person_only virtual_only --replicates 40 --out out/compare"],
                    description="Replicate r of every scenario uses the same random streams, so differences "
                    "between columns are the scenarios', not noise. Same options and outputs as run.")
    p.add_argument("scenarios", type=Path, nargs="+", help="scenario TOML files or shipped scenario names")
    add_run_options(p)
    p.set_defaults(func=cmd_compare)


def cmd_run(args) -> int:
    return run_and_report(load_all([args.scenario], args.sets), args)


def cmd_compare(args) -> int:
    return run_and_report(load_all(args.scenarios, args.sets), args)


def run_and_report(scenarios, args) -> int:
    """Simulate, write --out (with its own progress phase) and print the table or JSON."""
    from mentorsim.output_folder import check_writable
    from mentorsim.runner import compare
    check_replicates(args.replicates)
    if args.out is not None:
        check_writable(args.out)
    warn_few_replicates(args.replicates)
    results = with_progress(lambda cb: compare(scenarios, seed=args.seed, replicates=args.replicates,
                                               progress=cb), len(scenarios) * args.replicates, "replicates")
    payload = {"summary": {r.name: r.summary() for r in results}, "metadata": run_metadata(results, args)}
    if args.out is not None:
        with progress_bar(OUTPUT_STEPS, "steps", "writing") as bar:
            write_results(results, args.out, payload, step=lambda: bar.update(1))
    if args.format == "json":
        from mentorsim.output_folder import dumps
        print(dumps(payload))
    else:
        from mentorsim.results import capacity_warning
        for r in results:  # first: a schedule the pool cannot staff changes what the table means
            warning = capacity_warning(payload["summary"][r.name])
            if warning:
                print(f"warning: {r.scenario.label}: {warning}\n")
        print(summary_table(results))
        if args.out is not None:
            print(f"\nwrote tables, series, plots and metadata to {args.out}/")
    return 0


def run_metadata(results, args) -> dict:
    """Provenance of a run or comparison: seed, replicates, every scenario's parameters."""
    from mentorsim.provenance import metadata
    return metadata(args.seed, replicates=args.replicates,
                    scenarios={r.name: {"source": r.scenario.source, "description": r.scenario.description,
                                        "overrides": dict(r.scenario.overrides),
                                        "parameters": dict(r.scenario.params)} for r in results},
                    elapsed_seconds=round(sum(r.elapsed_s for r in results), 3))


def write_results(results, out: Path, payload: dict, step=lambda: None) -> None:
    """Tables, time series, plots and metadata for a set of results, written atomically;
    ``step()`` is called after each part written (OUTPUT_STEPS calls)."""
    import pandas as pd

    from mentorsim import plots
    from mentorsim.output_folder import dumps, output_dir
    with output_dir(out, payload["metadata"]) as stage:
        (stage / "summary.json").write_text(dumps(payload))
        (stage / "summary.md").write_text(summary_table(results, markdown=True) + "\n")
        pd.concat([r.outcome_table() for r in results]).to_csv(stage / "outcomes_by_replicate.csv", index=False)
        step()
        _csv_in_parts(pd.concat([r.timeseries() for r in results]), stage / "timeseries.csv", step)
        facs = []
        for r in results:
            f = pd.DataFrame(r.summary()["facilities"])
            f.insert(0, "scenario", r.name)
            facs.append(f)
        pd.concat(facs).to_csv(stage / "facilities.csv", index=False)
        step()
        plots.composite_over_time(results, stage / "composite.png")
        step()
        plots.skills_by_domain(results, stage / "skills.png")
        step()
        plots.attendance(results, stage / "attendance.png")
        step()
        plots.facility_gains(results, stage / "facility_gains.png")
        step()
    step()  # the manifest, and the move into place


def _csv_in_parts(frame, path: Path, step) -> None:
    """``frame.to_csv(path, index=False)`` (same bytes) in CSV_PARTS slices of rows, with a step
    after each (output_folder.write_csv)."""
    write_csv(frame, path, CSV_PARTS, step)


#: The values each kind of outcome can take, for clipping printed intervals (see outcome_bounds).
_PERCENT = (0.0, 100.0)
_POINTS = (-100.0, 100.0)
_SHARE = (0.0, 1.0)
_COUNT = (0.0, float("inf"))


def outcome_bounds(key: str) -> tuple[float, float]:
    """The range a scalar outcome can take: percentages (``*_pct``, including SSI per 100
    operations) 0-100, differences in percentage points (``*_pp``) -100-100, skill and knowledge
    0-1, counts and days 0 and up.

    Examples:
        >>> outcome_bounds("survey_satisfied_pct"), outcome_bounds("skill_clinical_month12")
        ((0.0, 100.0), (0.0, 1.0))
    """
    if key.endswith("_pct"):
        return _PERCENT
    if key.endswith("_pp"):
        return _POINTS
    if key.startswith(("skill_", "knowledge_")):
        return _SHARE
    return _COUNT


def summary_table(results, markdown: bool = False) -> str:
    """Key outcomes per scenario: mean [95% CI] over replicates (intervals clipped to each
    outcome's possible range; the JSON keeps them as computed)."""
    from mentorsim.results import CORE_TABLE_KEYS
    names = [r.name for r in results]
    sums = [r.summary() for r in results]
    rows = []
    clipped = False
    for key, label in CORE_TABLE_KEYS:
        row = [label]
        for s in sums:
            text, cut = _cell(s.get(key), s["ci95"].get(key, [None, None]), key)
            row.append(text)
            clipped |= cut
        rows.append(row)
    n = sums[0]["replicates"]
    notes = []
    if n < MIN_RELIABLE_REPLICATES:
        notes.append(f"Fewer than {MIN_RELIABLE_REPLICATES} replicates: intervals are unreliable.")
    if clipped:
        notes.append("Intervals reaching past an outcome's possible range are cut at it.")
    header = ["outcome (mean [95% CI])"] + names
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        foot = f"\n\n{n} replicates per scenario, seed {results[0].seed}, common random numbers."
        return "\n".join(lines) + foot + "".join(" " + x for x in notes)
    widths = [max(len(str(r[i])) for r in rows + [header]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*header), fmt.format(*["-" * w for w in widths])] + [fmt.format(*r) for r in rows]
    lines.append(f"{n} replicates per scenario, seed {results[0].seed}, common random numbers across scenarios.")
    lines += notes
    return "\n".join(lines)


def _cell(mean, ci, key: str) -> tuple[str, bool]:
    """(``mean [low, high]``, whether the interval was clipped); one decimal for percentages and
    large numbers, two for 0-1 scales."""
    if mean is None:
        return "n/a", False
    digits = 1 if (abs(mean) >= 1.5 or key.endswith(("_pct", "_pp"))) else 2
    lo, hi = ci
    if lo is None or hi is None or abs(hi - lo) < 10 ** -(digits + 1):
        return f"{mean:.{digits}f}", False
    clo, chi = clip_interval(lo, hi, outcome_bounds(key))
    return f"{mean:.{digits}f} [{clo:.{digits}f}, {chi:.{digits}f}]", (clo, chi) != (lo, hi)
