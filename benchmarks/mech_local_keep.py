"""Issue 11 follow-up 1: do local mentors from the start keep more after the programme, like for like?

Both designs keep the regional pool visiting after the programme
(``followup.local_visit_interval_weeks=13``) at the same local share; the only difference is the
handover month (hub-first: scenarios/ss2020.toml, handover at month 12 after 6 months' pairing;
local-first: scenarios/local_mentors.toml, local from month 0). Prints the month-12 composite
and the composite 24 months after the programme (``composite_followup24_pct``) for each, over
``--replicates`` seeds, and optionally over a parameter's values (``--sweep KEY=v1,v2,...``).

    PYTHONPATH=src /work/main/.venv/bin/python benchmarks/mech_local_keep.py [--replicates 8]
        [--share 0.5] [--sweep mentors.skill_per_visit_half=0,10,40] [--set KEY=VALUE ...]
"""

from __future__ import annotations

import argparse

import numpy as np

from mentorsim import load_scenario, simulate
from mentorsim.results import run_outcomes

KEYS = ("composite_month12_pct", "composite_end_pct", "composite_followup24_pct")


def figures(name: str, sets: list[str], replicates: int, seed: int) -> dict[str, np.ndarray]:
    """Per-replicate outcomes (percent) of one scenario with ``sets`` applied."""
    sc = load_scenario(f"scenarios/{name}.toml", sets=sets)
    outs = [run_outcomes(simulate(sc.params, seed=seed, replicate=r)) for r in range(replicates)]
    return {k: np.array([o[k] for o in outs]) for k in KEYS}


def compare(sets: list[str], replicates: int, seed: int) -> str:
    """One line: hub-first vs local-first, mean (and paired difference) of each outcome."""
    hub = figures("ss2020", sets, replicates, seed)
    loc = figures("local_mentors", sets, replicates, seed)
    parts = []
    for k, label in zip(KEYS, ("month 12", "end", "follow-up 24")):
        d = loc[k] - hub[k]
        parts.append(f"{label}: hub {hub[k].mean():.1f} local {loc[k].mean():.1f} "
                     f"(diff {d.mean():+.2f}, {int((d >= 0).sum())}/{len(d)} >= 0)")
    return "; ".join(parts)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=8)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--share", type=float, default=0.5)
    ap.add_argument("--sweep", action="append", default=[], help="KEY=v1,v2,... (repeatable)")
    ap.add_argument("--set", action="append", default=[], dest="sets")
    a = ap.parse_args()
    keep = [f"mentors.local_share={a.share}", "followup.local_visit_interval_weeks=13", *a.sets]
    print(f"[base] share {a.share}, pool kept: {compare(keep, a.replicates, a.seed)}")
    for spec in a.sweep:
        key, values = spec.split("=", 1)
        for v in values.split(","):
            print(f"[{key}={v}] {compare([*keep, f'{key}={v}'], a.replicates, a.seed)}")


if __name__ == "__main__":
    main()
