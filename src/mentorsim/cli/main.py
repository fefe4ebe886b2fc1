"""The ``mentorsim`` command line: the parser, dispatch, and how errors become exit codes.

Each command lives in its own module of this package with ``register(subparsers)`` (declaring
its parser through ``common.add_command``) and its action; shared options and helpers are in
``common.py``. To add a command, write such a module, import it here and list it in
COMMAND_MODULES.

Building the parser imports no heavy library (numpy, pandas, numba, mesa, matplotlib, scipy,
solara, pyabc, dask): each action imports what it needs, so every ``--help`` is quick.

Exit codes: 0 done, 2 bad input (one line naming the file, key and what is allowed), 1 anything
unexpected (one line; set MENTORSIM_DEBUG=1 for the traceback), 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys

from mentorsim import __version__
from mentorsim.cli import (
    app,
    calibrate,
    cea,
    discover,
    params,
    plan_pool,
    report,
    run,
    sensitivity,
    sweep,
    voi,
)
from mentorsim.errors import InputError

#: Command modules, in the order ``mentorsim --help`` lists their commands.
COMMAND_MODULES = (run, params, cea, voi, report, plan_pool, sweep, sensitivity, discover, calibrate, app)


class _Parser(argparse.ArgumentParser):
    """argparse that reports bad usage as one line and exit code 2."""

    def error(self, message):
        raise InputError(f"{self.prog}: {message} (see {self.prog} --help)")


def build_parser() -> argparse.ArgumentParser:
    """The full parser: every command module's ``register`` called in COMMAND_MODULES order."""
    parser = _Parser(prog="mentorsim", description="Simulate multimodal surgical mentorship programmes.",
                     epilog="examples:\n  mentorsim run ss2020\n"
                            "  mentorsim compare ss2020 no_mentorship --out outputs\n"
                            "  mentorsim COMMAND --help\n\n"
                            "exit codes: 0 done, 2 bad input, 1 unexpected error, 130 interrupted",
                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--version", action="version", version=f"mentorsim {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module in COMMAND_MODULES:
        module.register(sub)
    return parser


def main(argv=None) -> int:
    """Parse ``argv`` (default ``sys.argv[1:]``), run the command, return the exit code."""
    try:
        parser = build_parser()
        args = parser.parse_args(argv)
        return args.func(args)
    except InputError as exc:
        print(f"mentorsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("mentorsim: interrupted; nothing partial was left looking complete", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("MENTORSIM_DEBUG"):
            raise
        print(f"mentorsim: unexpected error: {type(exc).__name__}: {exc} "
              "(set MENTORSIM_DEBUG=1 for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
