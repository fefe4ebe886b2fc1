"""``mentorsim calibrate``: fit the model to the published targets (ABC-SMC), resumably.

    mentorsim calibrate calibration/ss2020.toml [--budget 16000 | --budget 25m] [--resume]
                        [--out DIR] [--install]

Writes into ``--out`` (default ``calibration/runs/<name>/`` beside the configuration):
``history.db`` (every finished generation; continue it with ``--resume``), ``run.json``,
``posterior.csv`` (parameter columns + ``weight``), ``calibrated.toml`` (point estimates with
provenance, the format calibrated.py reads) and ``report/`` (report.md, fit.png,
posteriors.png, generations.png, fit.csv, predictive.csv). ``--install`` also copies
posterior.csv and calibrated.toml into the package (src/mentorsim/data/), where they become the
defaults, and the report to ``report/`` beside the configuration.

``--resume --budget 0`` rewrites the posterior and report from the stored history without
sampling more.
"""

from __future__ import annotations

import re
import shutil
import sys
import time
from pathlib import Path

from mentorsim.cli.common import add_command
from mentorsim.errors import input_error


def register(subparsers) -> None:
    p = add_command(subparsers, "calibrate", "calibrate to the published targets (ABC-SMC, resumable)",
                    ["mentorsim calibrate calibration/ss2020.toml --budget 25m",
                     "mentorsim calibrate calibration/ss2020.toml --resume --budget 16000",
                     "mentorsim calibrate calibration/ss2020.toml --resume --budget 0 --install"],
                    description="Fit the model to the published targets by ABC-SMC (pyABC); see "
                    "docs/CALIBRATION.md. Every finished generation is stored (history.db), so --resume "
                    "continues an interrupted or finished run; --budget 0 with --resume rewrites the "
                    "posterior and report without sampling. --install makes the result the package's "
                    "calibrated defaults (this changes every model result).")
    p.add_argument("config", type=Path, help="calibration configuration TOML (e.g. calibration/ss2020.toml)")
    p.add_argument("--budget", action="append", default=[], metavar="N|MINUTESm",
                   help="particle evaluations over the whole history (e.g. 16000) or wall time of this "
                        "invocation (e.g. 25m, 1.5h); repeat to give both (default: from the configuration)")
    p.add_argument("--resume", action="store_true", help="continue the history in --out")
    p.add_argument("--out", type=Path, default=None, help="folder for the history, posterior and report")
    p.add_argument("--workers", type=int, default=None, help="worker processes (default: from the configuration)")
    p.add_argument("--install", action="store_true",
                   help="make the result the package's calibrated defaults (src/mentorsim/data/) and copy "
                        "the report beside the configuration")
    p.add_argument("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=cmd_calibrate)


def parse_budget(items, config):
    """Apply ``--budget`` values: a whole number of evaluations, or a duration (s, m, h)."""
    changes = {}
    for item in items:
        text = str(item).strip().lower()
        m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(s|m|min|h)", text)
        if m:
            value = float(m.group(1)) * {"s": 1 / 60, "m": 1, "min": 1, "h": 60}[m.group(2)]
            changes["budget_minutes"] = value
        elif re.fullmatch(r"\d+", text):
            changes["budget_evaluations"] = int(text)
        else:
            raise input_error("command line", "--budget", "must be a whole number of particle evaluations "
                              "(e.g. 16000) or a wall time such as 25m or 1.5h", item)
    return config.with_changes(**changes) if changes else config


def cmd_calibrate(args) -> int:
    import os

    from mentorsim.calibration.config import load_config
    cfg = load_config(args.config)
    cfg = parse_budget(args.budget, cfg)
    if args.workers is not None:
        if not 1 <= args.workers <= (os.cpu_count() or 1):
            raise input_error("command line", "--workers", f"must be a whole number from 1 to {os.cpu_count()}",
                              args.workers)
        cfg = cfg.with_changes(workers=args.workers)
    out = args.out or (Path(args.config).parent / "runs" / cfg.name)
    try:
        state, table = _run(cfg, out, args)
    except KeyboardInterrupt:
        from mentorsim.calibration.abc import HISTORY_FILE, generations_table
        n = len(generations_table(Path(out) / HISTORY_FILE))
        print(f"mentorsim calibrate: interrupted; {n} finished generation(s) kept in {out}/{HISTORY_FILE}; "
              f"continue with --resume --out {out}", file=sys.stderr)
        raise
    print(_summary(state, table, out, args.install))
    return 0


def _run(cfg, out: Path, args):
    from mentorsim.calibration.abc import (
        calibrated_toml,
        package_data_dir,
        point_estimate,
        posterior_frame,
        run_calibration,
        write_posterior_csv,
    )
    from mentorsim.calibration.report import write_report
    from mentorsim.output_folder import output_dir
    from mentorsim.provenance import metadata
    state = run_calibration(cfg, out, resume=args.resume, progress=not args.quiet)
    if state.generations.empty:
        raise input_error("command line", "--budget", "the budget allowed no finished generation; nothing to write")
    post = posterior_frame(out, cfg)
    point = point_estimate(post, cfg)
    meta = _meta(cfg, args, metadata)
    write_posterior_csv(post, cfg, out / "posterior.csv")
    text = calibrated_toml(post, cfg, state, point, meta)
    _write_text(out / "calibrated.toml", text)
    with output_dir(out / "report", meta | {"stop_reason": state.sampling_stop_reason}) as stage:
        table = write_report(cfg, state, post, point, stage, meta)
    if args.install:
        data = package_data_dir()
        data.mkdir(exist_ok=True)
        shutil.copyfile(out / "posterior.csv", data / "posterior.csv.tmp")
        Path(data / "posterior.csv.tmp").replace(data / "posterior.csv")
        _write_text(data / "calibrated.toml", text)
        dest = Path(args.config).parent / "report"
        with output_dir(dest, meta | {"stop_reason": state.sampling_stop_reason}) as stage:
            for f in sorted((out / "report").iterdir()):
                if f.is_file() and f.name != "manifest.json":
                    shutil.copyfile(f, stage / f.name)
    return state, table


def _meta(cfg, args, metadata) -> dict:
    import pyabc
    return metadata(cfg.seed, config=str(args.config), pyabc=pyabc.__version__, calibrated=list(cfg.parameter_names),
                    replicates_per_particle=cfg.replicates, population=cfg.population) | {
        "date": time.strftime("%Y-%m-%d")}


def _write_text(path: Path, text: str) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _summary(state, t, out: Path, installed: bool) -> str:
    lines = [f"{len(state.generations)} generations, {state.evaluations} particle evaluations, "
             f"{state.wall_seconds / 60:.1f} min of sampling; stopped: {state.stop_reason}", ""]
    w = max(len(x) for x in t["target"])
    lines.append(f"{'target'.ljust(w)}  role   observed [95% interval]     calibrated defaults  z      met")
    for r in t.itertuples():
        lines.append(f"{r.target.ljust(w)}  {r.role.ljust(5)}  {r.observed:7.2f} [{r.observed_low95:6.1f}, "
                     f"{r.observed_high95:6.1f}]  {r.defaults_mean:8.2f}             {r.z:+5.2f}  "
                     f"{'yes' if r.met else 'NO'}")
    lines.append("")
    lines.append(f"wrote history.db, posterior.csv, calibrated.toml and report/ to {out}/")
    if installed:
        lines.append("installed posterior.csv and calibrated.toml into src/mentorsim/data/ and the report beside "
                     "the configuration")
    return "\n".join(lines)
