"""``mentorsim discover SWEEP_DIR``: scenario discovery (PRIM) on a sweep's stored runs.

mentorsim discover outputs/experiments/local_share --outcome composite_end_pct --below 40
"""

from __future__ import annotations

from pathlib import Path

from mentorsim.cli.common import add_command


def register(sub) -> None:
    p = add_command(sub, "discover", "scenario discovery: PRIM boxes of inputs where an outcome is below or above a value",
                    ["mentorsim sweep experiments/ishigami_check.toml --out ishigami",
                     "mentorsim discover ishigami --outcome y --above 10 --threshold 0.6"],
                    description="Read a sweep's stored runs (runs.sqlite, else runs.parquet or runs.csv "
                       "with experiment.json) and find, with PRIM (EMA Workbench), the ranges of the varied "
                       "inputs in which an outcome is below (or above) a value: each box with its coverage, "
                       "density and quasi-p-values, stated as a rule.")
    p.add_argument("sweep", type=Path, help="the sweep's folder (the --out of mentorsim sweep)")
    p.add_argument("--outcome", required=True, help="an output of the sweep")
    side = p.add_mutually_exclusive_group(required=True)
    side.add_argument("--below", type=float, default=None, metavar="X", help="runs of interest: outcome < X")
    side.add_argument("--above", type=float, default=None, metavar="X", help="runs of interest: outcome > X")
    p.add_argument("--inputs", default=None, metavar="a,b,...",
                   help="inputs PRIM may restrict (default: every input the sweep varied)")
    p.add_argument("--threshold", type=float, default=0.8,
                   help="least density (share of a box's runs of interest) a box must reach (default 0.8)")
    p.add_argument("--max-boxes", type=int, default=3, help="boxes to look for, one after another (default 3)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="what to print")
    p.add_argument("--out", type=Path, default=None,
                   help="folder for discovery.json, the trade-off plot and the box plot")
    p.set_defaults(func=cmd_discover)


def cmd_discover(args) -> int:
    from mentorsim.errors import input_error
    from mentorsim.experiments import discovery
    from mentorsim.output_folder import dumps
    if not 1 <= args.max_boxes <= 20:
        raise input_error("--max-boxes", None, "must be a whole number from 1 to 20", args.max_boxes)
    runs = discovery.load_sweep(args.sweep)
    inputs = None
    if args.inputs is not None:
        inputs = [x.strip() for x in args.inputs.split(",") if x.strip()]
        if not inputs:
            raise input_error("--inputs", None, "no names given: write a,b,...", args.inputs)
    result = discovery.discover(runs, args.outcome, args.below, args.above, inputs, args.threshold,
                                args.max_boxes)
    payload = result.to_dict() | {"sweep": str(args.sweep)}
    if args.out is not None:
        from mentorsim.output_folder import output_dir
        from mentorsim.provenance import metadata
        with output_dir(args.out, metadata(None, sweep=str(args.sweep), outcome=args.outcome)) as stage:
            (stage / "discovery.json").write_text(dumps(payload))
            (stage / "discovery.md").write_text(discovery.format_report(result) + "\n")
            for b in result.boxes:
                discovery.plot_tradeoff(result, stage / f"tradeoff_box{b.number}.png", b.number)
                if len(b.limits):
                    discovery.plot_box(result, stage / f"box{b.number}.png", b.number)
    if args.format == "json":
        print(dumps(payload))
    else:
        print(discovery.format_report(result))
        if args.out is not None:
            print(f"\nwrote discovery.json, discovery.md and plots to {args.out}/")
    return 0
