"""``mentorsim voi FILE.csv``: EVPI and EVPPI of any PSA sample in a CSV.

mentorsim voi psa.csv --wtp 344 1012 --groups "ssi.case_fatality+ssi.relative_reduction,costs.bed_day_usd"
"""

from __future__ import annotations

from pathlib import Path

from mentorsim.cli.common import SEED, add_command


def register(sub) -> None:
    p = add_command(sub, "voi", "value of information (EVPI, EVPPI) of a PSA sample in a CSV",
                    ["mentorsim voi psa.csv --wtp 344 1012",
                     'mentorsim voi psa.csv --wtp 0.5x --groups "ssi.relative_risk_full+ssi.case_fatality_caesarean,'
                     'learning.secular_ceiling" --population 20 --format json'],
                    description="Read a CSV with one row per PSA draw: columns cost.<strategy> and "
                       "effect.<strategy> for each strategy, every other numeric column a parameter (a "
                       "column named draw is an identifier). Print the expected value of perfect "
                       "information (EVPI) and of partial perfect information (EVPPI) of each parameter "
                       "or group, by regression (Strong, Oakley & Brennan 2014), with a bootstrap interval "
                       "and a noise floor.")
    p.add_argument("file", type=Path, help="CSV file, one row per draw")
    p.add_argument("--wtp", nargs="+", required=True, metavar="W",
                   help="willingness to pay per unit of effect (money per unit, or multiples of GDP per "
                   "capita written like 0.5x)")
    which = p.add_mutually_exclusive_group()
    which.add_argument("--parameters", default=None, metavar="NAME,...",
                       help="parameters to value one at a time (default: every column that varies)")
    which.add_argument("--groups", default=None, metavar="A+B,C",
                       help="groups learnt together, e.g. \"A+B,C\" (A and B together; C alone)")
    p.add_argument("--format", choices=("table", "json"), default="table", help="what to print")
    p.add_argument("--population", type=float, default=None, metavar="N",
                   help="decision units (rows' unit, e.g. programmes of the size the CSV describes) "
                   "affected a year; adds population EVPI/EVPPI")
    p.add_argument("--horizon-years", type=float, default=None, metavar="Y",
                   help="years the decision holds (with --population; default 10)")
    p.add_argument("--discount", type=float, default=None, metavar="R",
                   help="annual discount rate for the population value (default: "
                   "economics.discount_rate_costs, 0.03)")
    p.add_argument("--method", choices=("auto", "spline", "tensor", "gp"), default="auto",
                   help="regression: auto = spline (1 parameter), tensor spline (2), Gaussian process (3+)")
    p.add_argument("--seed", type=SEED, default=1, help="seed of the bootstrap and noise floor (default 1)")
    p.add_argument("--out", type=Path, default=None, help="folder for voi.json, evppi.csv and evppi.png")
    p.set_defaults(func=cmd_voi)


DEFAULT_HORIZON_YEARS = 10.0


def cmd_voi(args) -> int:
    from mentorsim.cli.cea import parse_wtp
    from mentorsim.economics import voi
    from mentorsim.errors import input_error
    from mentorsim.output_folder import dumps
    from mentorsim.parameters.model_table import PARAMS_BY_NAME

    gdp = float(PARAMS_BY_NAME["economics.gdp_per_capita_usd"].default)
    wtp = parse_wtp(args.wtp, gdp)
    population = _population(args, PARAMS_BY_NAME, input_error)
    sample = voi.read_sample_csv(args.file)
    if args.groups is not None:
        groups = voi.parse_groups(args.groups)
    elif args.parameters is not None:
        groups = [(n.strip(),) for n in args.parameters.split(",") if n.strip()]
        if not groups:
            raise input_error("--parameters", None, "no names given: write NAME,NAME", args.parameters)
    else:
        groups = [(n,) for n in voi.varying_parameters(sample)]
        if not groups:
            raise input_error(str(args.file), None, "no parameter column varies; nothing to value "
                              "(add the drawn parameters as columns)")
    for g in groups:
        voi.check_names(sample, g, "--groups" if args.groups is not None else "--parameters")
    result = voi.analyse(sample, wtp, groups, method=args.method, seed=args.seed, population=population)
    result["file"] = str(args.file)
    result["method_reference"] = "Strong, Oakley & Brennan 2014, Med Decis Making 34:311-326"
    if args.out is not None:
        _write(result, args, voi, dumps)
    if args.format == "json":
        print(dumps(result))
    else:
        print(voi.format_table(result, money="units of the CSV's costs"))
        if args.out is not None:
            print(f"\nwrote voi.json, evppi.csv and evppi.png to {args.out}/")
    return 0


def _population(args, params, input_error):
    if args.population is None:
        if args.horizon_years is not None or args.discount is not None:
            raise input_error("--horizon-years", None, "--horizon-years and --discount go with --population")
        return None
    if not args.population > 0:
        raise input_error("--population", None, "must be a positive number of units a year", args.population)
    years = DEFAULT_HORIZON_YEARS if args.horizon_years is None else args.horizon_years
    if not 0 < years <= 100:
        raise input_error("--horizon-years", None, "must be more than 0 and at most 100", years)
    rate = float(params["economics.discount_rate_costs"].default) if args.discount is None else args.discount
    if not 0 <= rate <= 0.2:
        raise input_error("--discount", None, "must be an annual rate from 0 to 0.2 (e.g. 0.03)", rate)
    return {"units_per_year": float(args.population), "years": float(years), "discount_rate": float(rate)}


def _write(result, args, voi, dumps) -> None:
    import pandas as pd

    from mentorsim.output_folder import output_dir
    from mentorsim.provenance import metadata
    rows = [{"name": n, "method": d["method"], "wtp": float(w), "evpi": result["evpi"][w],
             **dict(vals.items())}
            for n, d in result["evppi"].items() for w, vals in d["values"].items()]
    table = pd.DataFrame(rows)
    with output_dir(args.out, metadata(args.seed, file=str(args.file))) as stage:
        (stage / "voi.json").write_text(dumps(result))
        table.to_csv(stage / "evppi.csv", index=False)
        if len(table):
            voi.plot_evppi(table, stage / "evppi.png", money="units of the CSV's costs")
