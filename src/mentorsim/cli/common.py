"""What the command modules share: how a command is declared, the shared options and their
checks, progress bars, and JSON cleaning.

Every command module has ``register(subparsers)``, which declares its parser with
:func:`add_command` and points ``func`` at its action. Command modules import from here, never
from each other. Nothing here imports a heavy library (numpy, pandas, numba, mesa, matplotlib,
scipy, tqdm) at import time, so ``mentorsim --help`` stays fast: imports that a command needs go
inside its action.
"""

from __future__ import annotations

import argparse
import math
import signal
import sys
import textwrap
from contextlib import contextmanager
from pathlib import Path

from mentorsim.errors import input_error

#: Replicates per scenario, the same for every command that runs scenarios (run, compare, cea,
#: report, plan-pool): with 20, a 95% interval of the mean is about 0.46 standard deviations wide
#: on each side (t with 19 degrees of freedom).
DEFAULT_REPLICATES = 20
#: Below this many replicates a t interval rests on a standard deviation from 1-3 degrees of
#: freedom; the commands warn (stderr) and clip printed intervals to the possible range.
MIN_RELIABLE_REPLICATES = 5
#: Where sweep and sensitivity keep their run stores unless --out says otherwise.
EXPERIMENTS_OUT = Path("outputs") / "experiments"
HELP_WIDTH = 79
#: The warning every command that runs an experiment file prints in its help.
EXPERIMENT_RUNS_CODE = ('An experiment file can run code: target = "module:function" is imported (run) when '
                        "the sweep starts, never while the file is checked. Run only files you trust.")


def add_command(subparsers, name: str, summary: str, examples: list[str],
                description: str = "") -> argparse.ArgumentParser:
    """Declare a subcommand: a one-line ``summary`` (shown in ``mentorsim --help`` and first in
    its own help), an optional longer ``description`` (paragraphs separated by blank lines) and
    ``examples`` (shell lines, printed under "examples:")."""
    paragraphs = [summary] + [p for p in description.split("\n\n") if p.strip()]
    text = "\n\n".join(textwrap.fill(" ".join(p.split()), HELP_WIDTH) for p in paragraphs)
    epilog = "examples:\n" + "\n".join(f"  {e}" for e in examples)
    return subparsers.add_parser(name, help=summary, description=text, epilog=epilog,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)


# --- flag values --------------------------------------------------------------------------------

#: Largest run seed (numpy's SeedSequence takes any non-negative integer; 32 bits is what every
#: seed in this project is written with, experiment and calibration files included).
MAX_SEED = 2**32 - 1
#: Most worker processes any command starts; more than the machine's cores needs --allow-large.
MAX_WORKERS = 1024


class WholeFlag:
    """An argparse ``type``: a whole number in ``[low, high]`` for ``flag``, checked by
    :mod:`mentorsim.validation` (one-line InputError naming the flag, exit 2), imported only when a
    value is parsed so ``--help`` stays fast.

    Examples:
        >>> WholeFlag("--seed", 0, 10)("3")
        3
        >>> WholeFlag("--seed", 0, 10)("-1")
        Traceback (most recent call last):
        mentorsim.errors.InputError: command line: --seed = '-1': must be in [0, 10]
    """

    def __init__(self, flag: str, low: float, high: float, unit: str = ""):
        self.flag, self.low, self.high, self.unit = flag, low, high, unit

    def __call__(self, text: str) -> int:
        from mentorsim.validation import whole
        return whole("command line", self.flag, text, self.low, self.high, unit=self.unit, text=True)


class NumberFlag(WholeFlag):
    """An argparse ``type``: a finite number in ``[low, high]`` (see :class:`WholeFlag`)."""

    def __call__(self, text: str) -> float:
        from mentorsim.validation import number
        return number("command line", self.flag, text, self.low, self.high, unit=self.unit, text=True)


SEED = WholeFlag("--seed", 0, MAX_SEED)
WORKERS = WholeFlag("--workers", 1, MAX_WORKERS, unit="processes")


def add_allow_large(p: argparse.ArgumentParser) -> None:
    """--allow-large: run what the size checks would refuse (see :func:`check_workers`)."""
    p.add_argument("--allow-large", action="store_true",
                   help="run even what looks absurd: more workers than cores, or work estimated to take "
                        "more than 4 hours of one core")


def check_workers(workers: int | None, allow_large: bool, flag: str = "--workers") -> None:
    """More worker processes than cores only slow a run down (and can exhaust memory): refuse
    them unless ``--allow-large``."""
    import os
    cores = os.cpu_count() or 1
    if workers is not None and workers > cores and not allow_large:
        raise input_error("command line", flag, f"more worker processes than the {cores} cores of this "
                          f"machine only slow the run down; give at most {cores}, or add --allow-large", workers)


# --- commands that run scenarios ---------------------------------------------------------------

def add_scenario_options(p: argparse.ArgumentParser, what: str = "replicates per scenario") -> None:
    """--replicates/--seed/--set, shared by every command that runs scenarios."""
    p.add_argument("--replicates", type=WholeFlag("--replicates", 1, 100000), default=DEFAULT_REPLICATES,
                   help=f"{what} (default {DEFAULT_REPLICATES}; below {MIN_RELIABLE_REPLICATES} intervals "
                        "are unreliable)")
    p.add_argument("--seed", type=SEED, default=1, help=f"run seed, 0 to {MAX_SEED} (default 1)")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override a parameter in every scenario, e.g. --set visits.interval_weeks=4 (repeatable)")


def add_run_options(p: argparse.ArgumentParser) -> None:
    """The scenario options plus --out/--format (run, compare, cea)."""
    add_scenario_options(p)
    p.add_argument("--out", type=Path, default=None, help="folder for tables, series, plots, metadata")
    p.add_argument("--format", choices=("table", "json"), default="table", help="what to print")


def check_replicates(n: int) -> int:
    """Check ``--replicates`` (1 to 100000)."""
    if n < 1 or n > 100000:
        raise input_error("--replicates", None, "must be a whole number from 1 to 100000", n)
    return n


def warn_few_replicates(n: int) -> None:
    """Below MIN_RELIABLE_REPLICATES, one line on stderr saying intervals are unreliable (call it
    once the inputs are checked, just before simulating, so bad input still gives one line)."""
    if n < MIN_RELIABLE_REPLICATES:
        print(f"mentorsim: warning: --replicates {n}: intervals from fewer than {MIN_RELIABLE_REPLICATES} "
              f"replicates are unreliable (default {DEFAULT_REPLICATES})", file=sys.stderr)


def load_all(paths, sets) -> list:
    """Load scenario files (or shipped names) with ``--set`` overrides; clashing names get ``-2``..."""
    from mentorsim.runner import unique_names
    from mentorsim.scenario import load_scenario
    return unique_names([load_scenario(p, sets) for p in paths])


def clip_interval(low: float, high: float, bounds: tuple[float, float]) -> tuple[float, float]:
    """An interval cut to the values an outcome can take (for printing only).

    Examples:
        >>> clip_interval(73.4, 121.6, (0.0, 100.0))
        (73.4, 100.0)
    """
    lo, hi = bounds
    return (min(max(low, lo), hi), min(max(high, lo), hi))


# --- progress ------------------------------------------------------------------------------------

@contextmanager
def progress_bar(total: int, unit: str, desc: str):
    """A tqdm bar on stderr (silent when stderr is not a terminal); yields the bar."""
    from tqdm import tqdm
    with tqdm(total=total, unit=unit, desc=desc, file=sys.stderr, disable=None, leave=False) as bar:
        yield bar


def with_progress(fn, total: int, unit: str, desc: str = "simulating"):
    """Call ``fn(cb)`` under a progress bar; ``cb(done, total)`` moves the bar to ``done``."""
    with progress_bar(total, unit, desc) as bar:
        def cb(done, _total):
            bar.update(done - bar.n)
        return fn(cb)


# --- sweeps (sweep, sensitivity) ----------------------------------------------------------------

def add_execution_options(p: argparse.ArgumentParser) -> None:
    """--workers/--scheduler/--out/--resume/--retry-failed/--chunk-size (sweep, sensitivity)."""
    p.add_argument("--workers", type=WORKERS, default=None,
                   help="worker processes on this machine (default: all cores; 1 = in this process; more "
                        "than the cores needs --allow-large)")
    p.add_argument("--scheduler", default=None, metavar="ADDRESS",
                   help="run on a Dask distributed scheduler, e.g. tcp://127.0.0.1:8786")
    p.add_argument("--out", type=Path, default=None,
                   help=f"folder for the run store and exports (default {EXPERIMENTS_OUT}/<experiment name>)")
    p.add_argument("--resume", action="store_true", help="finish a sweep already in --out: run only missing runs")
    p.add_argument("--retry-failed", action="store_true", help="with --resume, run failed runs again too")
    p.add_argument("--chunk-size", type=WholeFlag("--chunk-size", 1, 100000), default=None, help="runs per task sent to a worker (default: automatic)")
    add_allow_large(p)


def check_execution_options(args) -> None:
    """One-line errors for impossible --workers/--scheduler/--chunk-size/--retry-failed."""
    if args.workers is not None and args.workers < 1:
        raise input_error("--workers", None, "must be a whole number of at least 1", args.workers)
    if args.workers is not None and args.scheduler:
        raise input_error("--workers", None, "give --workers or --scheduler, not both (Dask decides its workers)")
    if args.chunk_size is not None and not 1 <= args.chunk_size <= 100000:
        raise input_error("--chunk-size", None, "must be a whole number from 1 to 100000", args.chunk_size)
    if args.retry_failed and not args.resume:
        raise input_error("--retry-failed", None, "goes with --resume")
    check_workers(args.workers, args.allow_large)
    if args.scheduler is not None:
        from mentorsim.executors import check_scheduler_address
        check_scheduler_address(args.scheduler)


def experiment_out(exp, args) -> Path:
    """The folder of an experiment's run store: --out, or EXPERIMENTS_OUT/<name>."""
    return args.out or EXPERIMENTS_OUT / exp.name


def sweep_from_args(exp, args, export: bool = True, on_chunk=None):
    """Run (or finish) the sweep of ``exp`` as the options say; returns its SweepSummary.
    ``export``: write the sweep's exports when every run is stored; ``on_chunk``: called with
    the runs stored so far after each finished chunk (run_sweep).

    SIGTERM is turned into KeyboardInterrupt meanwhile: stored runs are kept and the rest is
    redone by ``--resume``."""
    import os

    from mentorsim.executors import make_executor
    from mentorsim.experiments.experiment import check_size
    from mentorsim.experiments.sweep import run_sweep
    note = check_size(exp, args.allow_large, args.workers or os.cpu_count() or 1)
    if note:
        print(f"mentorsim: {exp.name}: {note}", file=sys.stderr)
    executor = make_executor(args.workers, args.scheduler)
    previous = signal.getsignal(signal.SIGTERM)

    def on_term(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_term)
    try:
        return run_sweep(exp, experiment_out(exp, args), executor=executor, resume=args.resume,
                         retry_failed=args.retry_failed, chunk_size=args.chunk_size, export=export,
                         on_chunk=on_chunk)
    finally:
        signal.signal(signal.SIGTERM, previous)
        executor.close()


# --- output --------------------------------------------------------------------------------------

def json_safe(x):
    """NaN and infinities to None, numpy scalars to Python, tuples to lists, keys to strings,
    recursively: what ``output_folder.dumps`` (allow_nan=False) accepts.

    Examples:
        >>> json_safe({"a": float("nan"), 1: (2.5, float("inf"))})
        {'a': None, '1': [2.5, None]}
    """
    if isinstance(x, dict):
        return {str(k): json_safe(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [json_safe(v) for v in x]
    if isinstance(x, float):
        return float(x) if math.isfinite(x) else None
    if type(x).__module__ == "numpy":  # numpy scalars (numpy is loaded if one exists)
        import numpy as np
        if isinstance(x, np.floating):
            return float(x) if np.isfinite(x) else None
        if isinstance(x, np.integer):
            return int(x)
        if isinstance(x, np.bool_):
            return bool(x)
    return x
