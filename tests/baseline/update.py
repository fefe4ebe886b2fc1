"""Regenerate the frozen baseline, deliberately: run this only when a change to the model's
results is intended, review the diff of baseline/ss2020.json, and say why in the commit.

    .venv/bin/python tests/baseline/update.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from baseline_spec import KEYS, REPLICATES, SCENARIOS, SEED, compute  # noqa: E402


def main() -> None:
    data = {"seed": SEED, "replicates": REPLICATES, "keys": list(KEYS),
            "scenarios": {name: compute(name) for name in SCENARIOS}}
    path = HERE / "ss2020.json"
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
