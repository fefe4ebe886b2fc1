"""``mentorsim run`` (one scenario over replicates) and ``mentorsim compare`` (scenarios side by
side with common random numbers): a summary table, and with ``--out`` tables, series, plots and
metadata written atomically."""

from __future__ import annotations

import functools
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
    after each. When nothing needs quoting, each slice's fields are made as Arrow string columns
    (:func:`_arrow_column`) and Arrow joins them into lines: no Python work per row or field."""
    import csv
    n = len(frame)
    fast = all(_column_strings(frame.iloc[:0, k]) is not None for k in range(frame.shape[1]))
    plain = fast and frame.shape[1] > 1 and not any(
        any(ch in str(x) for ch in ',"\r\n') for c in frame.columns
        for x in ([c] + (frame[c].dropna().unique().tolist() if frame[c].dtype != "float64" else [])))
    parts = [frame.iloc[k * n // CSV_PARTS:(k + 1) * n // CSV_PARTS] for k in range(CSV_PARTS)]
    if plain:  # nothing to quote: csv.writer would write exactly these lines
        import pyarrow as pa
        import pyarrow.csv as pa_csv
        options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
        names = [f"c{j}" for j in range(frame.shape[1])]
        with open(path, "wb") as fh:
            fh.write((",".join(str(c) for c in frame.columns) + "\n").encode())
            for part in parts:
                if len(part):
                    columns = [_arrow_column(part.iloc[:, j]) for j in range(part.shape[1])]
                    pa_csv.write_csv(pa.table(columns, names=names), fh, options)
                step()
        return
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        for k, part in enumerate(parts):
            if k == 0 or len(part):
                if fast:
                    if k == 0:
                        writer.writerow([str(c) for c in frame.columns])
                    writer.writerows(zip(*(_column_strings(part.iloc[:, j]) for j in range(part.shape[1]))))
                else:
                    part.to_csv(fh, index=False, header=k == 0)
            step()


def _arrow_column(col):
    """The column's fields (as :func:`_column_strings` gives them) as an Arrow string array:
    each distinct float formatted once (:func:`float_reprs`) and taken by index, whole numbers
    cast by Arrow (the digits ``str`` writes), anything else through ``_column_strings``."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    dtype = col.dtype
    if dtype == np.float64:
        v = col.to_numpy()
        bits, inverse = np.unique(v.view(np.int64), return_inverse=True)
        x = bits.view(np.float64)
        if _arrow_matches_repr():
            text = _arrow_reprs(x, nan="")  # Arrow strings throughout: no Python str per value
        else:
            text = float_reprs(x)
            text[np.isnan(x)] = ""
            text = pa.array(text, type=pa.string())
        return pc.take(text, pa.array(inverse.ravel()))
    if dtype == np.int64 or dtype == np.int32:
        return pa.array(col.to_numpy()).cast(pa.string())
    if isinstance(dtype, pd.StringDtype):
        return pc.fill_null(pa.array(col, type=pa.string()), "")
    return pa.array(_column_strings(col), type=pa.string())


def _column_strings(col) -> list[str] | None:
    """The column's fields as ``DataFrame.to_csv`` writes them (floats by their shortest repr, as
    numpy's ``astype(str)`` gives them, missing values empty), or None for a type this does not
    cover (then pandas writes the file). Each distinct float (by its bits, so -0.0 stays apart from
    0.0) is formatted once: about 3x faster than pandas on timeseries.csv, where 60% of the values
    repeat (tests/test_cli_help.py checks the bytes against pandas)."""
    import numpy as np
    import pandas as pd
    dtype = col.dtype
    if dtype == np.float64:
        v = col.to_numpy()
        bits, inverse = np.unique(v.view(np.int64), return_inverse=True)
        text = float_reprs(bits.view(np.float64))
        text[np.isnan(bits.view(np.float64))] = ""
        return text[inverse.ravel()].tolist()
    if dtype == np.int64 or dtype == np.int32 or dtype == np.bool_:
        return [str(x) for x in col.tolist()]
    if pd.api.types.is_string_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        return ["" if x is None or (isinstance(x, float) and x != x) else str(x) for x in col.tolist()]
    return None


def float_reprs(x):
    """``repr`` of each float64 of ``x`` (an object array of str), formatted by Arrow's shortest
    round-trip formatter where that gives the same text (about 3x faster than ``repr``, which is
    most of the time timeseries.csv takes): in Python's fixed-point range (1e-4 <= |x| < 1e16,
    or 0) Arrow writes the same shortest digits, leaving out ``.0`` on whole numbers, which is
    added; anything else it writes differently (scientific notation, nan, inf) gets ``repr``.
    Arrow is used only if it passes ``_arrow_matches_repr`` in this process."""
    import numpy as np
    x = np.ascontiguousarray(x, dtype=np.float64)
    if not len(x) or not _arrow_matches_repr():
        return np.array(list(map(repr, x.tolist())), dtype=object)
    return _arrow_reprs(x).to_numpy(zero_copy_only=False)


def _arrow_reprs(x, nan: str = "nan"):
    """Arrow string array of ``repr`` of each float of ``x`` (``nan`` for NaN), as float_reprs
    describes: Arrow's text in the fixed-point range, ``repr`` for the rest."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    a = np.abs(x)
    with np.errstate(invalid="ignore"):
        fixed = (a < 1e16) & ((a >= 1e-4) | (x == 0))  # False for nan and inf
        whole = fixed & (x == np.floor(x))
    s = pc.cast(pa.array(x), pa.string())
    s = pc.if_else(pa.array(whole), pc.binary_join_element_wise(s, ".0", ""), s)
    redo = ~fixed | pc.match_substring(s, "e").to_numpy(zero_copy_only=False)
    if redo.any():
        text = [nan if v != v else repr(v) for v in x[redo].tolist()]
        s = pc.replace_with_mask(s, pa.array(redo), pa.array(text, type=pa.string()))
    return s


@functools.lru_cache(maxsize=1)
def _arrow_matches_repr() -> bool:
    """True if Arrow's formatter (as float_reprs uses it) gives ``repr``'s text on a sample of
    tricky and random floats; checked once a process, so another pyarrow version that formats
    differently only costs speed, never a changed byte."""
    import numpy as np
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    rng = np.random.default_rng(16)
    sample = np.concatenate([
        [0.0, -0.0, 1.0, -1.0, 100.0, 0.1, 0.5, 1 / 3, 200 / 3, 1e-4, 9.999999999999999e-05, 0.00012345678901234,
         123456.789, 1e15 - 1, 1e15, 9.999999999999998e15, 1e16, 2.0**53 + 2, 5e-324, 1e300, np.nan, np.inf, -np.inf,
         12.0, 14.285714285714286, 33.33333333333333, 0.30000000000000004],
        rng.random(500) * 100, rng.random(500) * 10.0 ** rng.integers(-5, 17, 500),
        np.round(rng.random(500) * 1000, 2), rng.integers(-10**6, 10**6, 500).astype(float)])
    try:
        return _arrow_reprs(sample).to_pylist() == list(map(repr, sample.tolist()))
    except Exception:  # any failure of the fast path: use repr
        return False


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
