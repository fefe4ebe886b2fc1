"""``mentorsim app``: serve the policy makers' web page locally (see app.py, docs/APP.md)."""

from __future__ import annotations

import socket
import sys

from mentorsim.cli.common import add_command
from mentorsim.errors import InputError


def register(subparsers) -> None:
    p = add_command(subparsers, "app", "serve the web page for policy makers (Ctrl-C to stop)",
                    ["mentorsim app", "mentorsim app --port 0",
                     "mentorsim app --host 0.0.0.0 --port 8765   # reachable from other machines"],
                    description="Opens a local web page where levers (visit interval, telementoring, "
                    "WhatsApp, regional mentors, scale) are set and scenarios compared with their costs; "
                    "see docs/APP.md. The first start on a machine compiles the model (up to a minute).")
    p.add_argument("--port", type=int, default=8765, help="port (default 8765; 0 picks a free one)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine only)")
    p.set_defaults(func=cmd_app)


def _free_port(host: str) -> int:
    with socket.socket() as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def _check_port(host: str, port: int) -> None:
    if not (0 <= port <= 65535):
        raise InputError(f"--port = {port}: must be a whole number from 0 to 65535")
    try:
        with socket.socket() as s:
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind((host, port))
    except OSError as exc:
        raise InputError(f"--port = {port}: cannot listen on {host}:{port} ({exc.strerror}); "
                         "choose another port, or 0 for a free one") from None


def cmd_app(args) -> int:
    _check_port(args.host, args.port)
    port = args.port or _free_port(args.host)
    print("mentorsim app: preparing the model (the first start on a machine compiles it; up to a minute)",
          file=sys.stderr, flush=True)
    from mentorsim.policy import compute
    from mentorsim.policy.levers import base_scenario
    # a page run in miniature (a scenario and its comparator, 2 replicates each, costed): every
    # kernel a page run calls is compiled or loaded now, not during the first user's run
    tiny = base_scenario().with_params({"facilities.intervention": 1, "facilities.comparison": 1,
                                        "followup.months": 1})
    compute.econ_values(compute.run_scenario(tiny, seed=1, replicates=2))
    from mentorsim.app.page import serve
    print(f"mentorsim app: serving http://{args.host}:{port}/  (Ctrl-C to stop)", flush=True)
    try:
        serve(args.host, port)
    except KeyboardInterrupt:
        pass
    print("mentorsim app: stopped", file=sys.stderr)
    return 0
