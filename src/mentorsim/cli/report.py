"""``mentorsim report SCENARIO... --out report.html``: one self-contained HTML report (report.py)."""

from __future__ import annotations

import sys
from pathlib import Path

from mentorsim.errors import input_error


def register(subparsers) -> None:
    p = subparsers.add_parser("report", help="write a self-contained HTML report comparing scenarios")
    p.add_argument("scenarios", type=Path, nargs="+", help="scenario TOML files")
    p.add_argument("--out", type=Path, default=Path("report.html"), help="HTML file to write (default report.html)")
    p.add_argument("--replicates", type=int, default=20, help="replicates per scenario (default 20)")
    p.add_argument("--seed", type=int, default=1, help="run seed (default 1)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter in every scenario (repeatable)")
    p.add_argument("--sensitivity-replicates", type=int, default=2, metavar="N",
                   help="replicates per range end in the assumptions screen (default 2; 0 skips it)")
    p.set_defaults(func=cmd_report)


def cmd_report(args) -> int:
    from mentorsim.cli.main import check_replicates, load_all
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
    from mentorsim.policy.report import main_report
    main_report(scenarios, out, args.replicates, args.seed, args.sensitivity_replicates,
                argv=["mentorsim", *sys.argv[1:]] if sys.argv and sys.argv[0].endswith(("mentorsim", "__main__.py"))
                else ["mentorsim report", *map(str, args.scenarios)])
    print(f"wrote {out}")
    return 0
