"""How long ``mentorsim --help`` and each ``mentorsim COMMAND --help`` take, in fresh processes.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_cli_help.py [--runs 7]

Each figure is the median wall time of ``--runs`` fresh ``python -m mentorsim ... --help``
processes (interpreter start included, as a user meets it). Prints the figures; asserts nothing
(the target, under 0.3 s, is read by a person: timings depend on the machine and its load).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time


def commands() -> list[str]:
    """The registered subcommands, read from the parser itself."""
    from mentorsim.cli.main import build_parser
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return list(sub.choices)


def median_seconds(argv: list[str], runs: int) -> float:
    """Median wall time (s) of ``runs`` fresh processes running ``python -m mentorsim *argv``."""
    times = []
    env = dict(os.environ)
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "mentorsim", *argv], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7, help="fresh processes per figure (default 7)")
    args = ap.parse_args()
    base = median_seconds(["--version"], args.runs)
    rows = [("python -m mentorsim --version", base)]
    rows.append(("mentorsim --help", median_seconds(["--help"], args.runs)))
    for name in commands():
        rows.append((f"mentorsim {name} --help", median_seconds([name, "--help"], args.runs)))
    width = max(len(r[0]) for r in rows)
    print(f"median of {args.runs} fresh processes each (s), Python {sys.version.split()[0]}")
    for label, seconds in rows:
        print(f"{label.ljust(width)}  {seconds:6.3f}")
    print(f"{'slowest --help'.ljust(width)}  {max(s for _, s in rows[1:]):6.3f}")


if __name__ == "__main__":
    main()
