"""Fingerprint the model's results: one SHA-256 per shipped scenario over every array a run
records (facility, arm, domain and pool series, the visit log, survey and counters), so a
refactor can be shown to change nothing.

    .venv/bin/python benchmarks/run_hashes.py            # print the hashes
    .venv/bin/python benchmarks/run_hashes.py > a.txt    # before; diff against after

Uses only the public API, so it runs unchanged across layout changes.
"""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

import numpy as np

from mentorsim import load_scenario, simulate

ROOT = Path(__file__).resolve().parents[1]
SEEDS = (1, 7)
REPLICATES = 2


def _feed(h, obj) -> None:
    if isinstance(obj, np.ndarray):
        h.update(str(obj.dtype).encode() + str(obj.shape).encode())
        h.update(np.ascontiguousarray(obj).tobytes())
    elif isinstance(obj, dict):
        for k in sorted(obj, key=str):
            h.update(str(k).encode())
            _feed(h, obj[k])
    elif isinstance(obj, (list, tuple)):
        for x in obj:
            _feed(h, x)
    else:
        h.update(json.dumps(obj, sort_keys=True, default=str).encode())


def run_hash(params, seed: int, replicate: int) -> str:
    out = simulate(params, seed=seed, replicate=replicate)
    h = hashlib.sha256()
    for part in (out.fac, out.arm_domain, out.arm, out.pool, out.survey, out.counters,
                 out.facility_columns, out.visit_array, out.mentor_rows):
        _feed(h, part)
    return h.hexdigest()[:16]


def main(argv: list[str]) -> None:
    paths = sorted((ROOT / "scenarios").glob("*.toml"))
    for path in paths:
        sc = load_scenario(path)
        hashes = [run_hash(sc.params, s, r) for s in SEEDS for r in range(REPLICATES)]
        print(f"{path.stem:24s} {' '.join(hashes)}")


if __name__ == "__main__":
    main(sys.argv[1:])
