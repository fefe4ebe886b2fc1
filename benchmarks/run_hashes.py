"""Fingerprint the model's results: one SHA-256 per run over every field it records
(``RunOutput.fingerprint``: series, visit log, dose, survey, counters, mentors), so a refactor can
be shown to change nothing.

    .venv/bin/python benchmarks/run_hashes.py            # print the hashes
    .venv/bin/python benchmarks/run_hashes.py > a.txt    # before; diff against after

Uses only the public API, so it runs unchanged across layout changes.
"""

from __future__ import annotations

import sys
from pathlib import Path

from mentorsim import load_scenario, simulate

ROOT = Path(__file__).resolve().parents[1]
SEEDS = (1, 7)
REPLICATES = 2


def run_hash(params, seed: int, replicate: int) -> str:
    return simulate(params, seed=seed, replicate=replicate).fingerprint()[:16]


def main(argv: list[str]) -> None:
    paths = sorted((ROOT / "scenarios").glob("*.toml"))
    for path in paths:
        sc = load_scenario(path)
        hashes = [run_hash(sc.params, s, r) for s in SEEDS for r in range(REPLICATES)]
        print(f"{path.stem:24s} {' '.join(hashes)}")


if __name__ == "__main__":
    main(sys.argv[1:])
