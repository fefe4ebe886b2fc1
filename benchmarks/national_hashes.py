"""Fingerprint national-scale runs (blocked, threaded steps) on one thread and on two, so a
change to the blocked kernels can be shown to change nothing, whatever the thread count.

    PYTHONPATH=src .venv/bin/python benchmarks/national_hashes.py [--facilities 1000 4400]

Prints one line per size: the fingerprint (``RunOutput.fingerprint``, first 16 hex digits) with
``MENTORSIM_THREADS=1`` and with 2, and whether they agree. The national model is
bench_core.national (a hub team per 10 facilities, programme only, no follow-up).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from bench_core import national  # noqa: E402

from mentorsim.runner import simulate  # noqa: E402


def fingerprint(n_facilities: int, n_threads: int, seed: int = 1) -> str:
    saved = os.environ.get("MENTORSIM_THREADS")
    os.environ["MENTORSIM_THREADS"] = str(n_threads)
    try:
        return simulate(national(n_facilities), seed=seed).fingerprint()[:16]
    finally:
        if saved is None:
            os.environ.pop("MENTORSIM_THREADS", None)
        else:
            os.environ["MENTORSIM_THREADS"] = saved


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--facilities", type=int, nargs="+", default=[1000, 4400])
    a = ap.parse_args(argv)
    for n in a.facilities:
        one, two = fingerprint(n, 1), fingerprint(n, 2)
        print(f"national {n:5d} facilities: 1 thread {one}  2 threads {two}  {'equal' if one == two else 'DIFFER'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
