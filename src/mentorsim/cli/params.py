"""``mentorsim params`` (the parameter table) and ``mentorsim scenarios`` (the shipped scenarios)."""

from __future__ import annotations

from mentorsim.cli.common import add_command


def register(subparsers) -> None:
    p = add_command(subparsers, "params", "list every parameter: unit, default, range, source tag",
                    ["mentorsim params",
                     "mentorsim params --format markdown > parameters.md",
                     "mentorsim params --format json"],
                    description="The one parameter table the model and the economics read. Any parameter "
                    "can be overridden in a scenario file or with --set SECTION.KEY=VALUE; tags say whether "
                    "a value is cited, an assumption or calibrated (see docs/SOURCES.md).")
    p.add_argument("--format", choices=("table", "json", "markdown"), default="table", help="what to print")
    p.set_defaults(func=cmd_params)

    p = add_command(subparsers, "scenarios", "list the shipped scenarios: name, description, file",
                    ["mentorsim scenarios", "mentorsim run local_mentors"],
                    description="A shipped scenario can be named instead of a file in run, compare, cea and "
                    "report; copy its file to start your own.")
    p.add_argument("--format", choices=("table", "json"), default="table", help="what to print")
    p.set_defaults(func=cmd_scenarios)


def cmd_params(args) -> int:
    from mentorsim.parameters.model_table import PARAMS, markdown_table
    if args.format == "markdown":
        print(markdown_table())
    elif args.format == "json":
        from mentorsim.output_folder import dumps
        print(dumps([p.record() for p in PARAMS]))
    else:
        rows = [(p.name, p.unit, str(p.default).lower() if isinstance(p.default, bool) else f"{p.default:g}",
                 "true/false" if isinstance(p.default, bool) else f"{p.low:g}-{p.high:g}", p.tag, p.source)
                for p in PARAMS]
        print(_columns(("name", "unit", "default", "range", "tag", "source"), rows))
        print(f"\n{len(rows)} parameters. Descriptions and sources: mentorsim params --format markdown; "
              "docs/ODD.md; docs/SOURCES.md.")
    return 0


def cmd_scenarios(args) -> int:
    from mentorsim.scenario import load_scenario, shipped_scenarios
    found = sorted(shipped_scenarios().items())
    rows = []
    for name, path in found:
        sc = load_scenario(path)
        rows.append({"name": name, "description": sc.description, "file": str(path),
                     "overrides": dict(sc.overrides)})
    if args.format == "json":
        from mentorsim.output_folder import dumps
        print(dumps(rows))
        return 0
    print(_columns(("name", "description"), [(r["name"], r["description"]) for r in rows]))
    folder = found[0][1].parent if found else "-"
    print(f"\n{len(rows)} shipped scenarios in {folder}/ (run one by name: mentorsim run NAME)")
    return 0


def _columns(header, rows) -> str:
    """Left-aligned columns, two spaces apart."""
    widths = [max(len(r[i]) for r in list(rows) + [header]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join(fmt.format(*r).rstrip() for r in [header, *rows])
