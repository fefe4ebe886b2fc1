"""``mentorsim report SCENARIO... --out report.html``: one self-contained HTML report (report.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from mentorsim.cli.common import (
    add_command,
    add_scenario_options,
    check_replicates,
    load_all,
    warn_few_replicates,
)
from mentorsim.errors import input_error


def register(subparsers) -> None:
    p = add_command(subparsers, "report", "write a self-contained HTML report comparing scenarios",
                    ["mentorsim report ss2020 in_person_only virtual_only no_mentorship --out report.html",
                     "mentorsim report scenarios/ss2020.toml --replicates 40 --sensitivity-replicates 0"],
                    description="One HTML file (plots embedded) for people who will not run the model: "
                    "the scenarios' outcomes with intervals, costs and cost-effectiveness against no "
                    "mentorship, what lasts, a screen of the assumptions that move the result, and the "
                    "provenance of the run.")
    p.add_argument("scenarios", type=Path, nargs="+", help="scenario TOML files or shipped scenario names")
    p.add_argument("--out", type=Path, default=Path("report.html"), help="HTML file to write (default report.html)")
    add_scenario_options(p)
    p.add_argument("--sensitivity-replicates", type=int, default=2, metavar="N",
                   help="replicates per range end in the assumptions screen (default 2; 0 skips it)")
    p.set_defaults(func=cmd_report)


def cmd_report(args) -> int:
    check_replicates(args.replicates)
    if not (0 <= args.sensitivity_replicates <= 100):
        raise input_error("--sensitivity-replicates", None, "must be a whole number from 0 to 100",
                          args.sensitivity_replicates)
    out = args.out
    if out.suffix.lower() not in (".html", ".htm"):
        raise input_error("--out", None, "must name an .html file", str(out))
    if out.exists() and out.is_dir():
        raise input_error("--out", None, "is a folder; name an .html file", str(out))
    if not out.parent.exists():
        raise input_error("--out", None, f"folder {out.parent} does not exist", str(out))
    scenarios = load_all(args.scenarios, args.sets)
    from mentorsim.output_folder import check_writable
    check_writable(out, folder=False)
    warn_few_replicates(args.replicates)
    from mentorsim.policy.report import main_report
    main_report(scenarios, out, args.replicates, args.seed, args.sensitivity_replicates,
                argv=["mentorsim", *sys.argv[1:]] if sys.argv and sys.argv[0].endswith(("mentorsim", "__main__.py"))
                else ["mentorsim report", *map(str, args.scenarios)])
    print(f"wrote {out}")
    return 0
