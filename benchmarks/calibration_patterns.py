"""Pattern figures at the calibrated defaults, for docs/CALIBRATION.md: the SSC trajectory in
both arms, the comparison arm's composite over time (the secular trend) with and without the
trend stopping at month 12, and the per-facility heterogeneity (seed 003's pattern).

    PYTHONPATH=src python benchmarks/calibration_patterns.py [--replicates 10]
"""

from __future__ import annotations

import argparse

import numpy as np

from mentorsim.runner import simulate
from mentorsim.scenario import load_scenario
from mentorsim.timeline import month_row


def arm_series(out, key: str, arm: int, months) -> list[float]:
    s = out.arm_mean(key, arm)
    return [100 * float(s[min(month_row(m), len(s) - 1)]) for m in months]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=10)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    months = (0, 6, 12, 17, 18, 41)
    for name in ("ss2020", "secular_stops_month12", "no_mentorship"):
        p = dict(load_scenario(f"src/mentorsim/scenarios/{name}.toml").params)
        runs = [simulate(p, seed=a.seed, replicate=r) for r in range(a.replicates)]
        print(f"\n{name} (seed {a.seed}, {a.replicates} replicates), months {months}")
        for label, key, arm in (("composite, intervention", "composite", 0), ("composite, comparison", "composite", 1),
                                ("SSC use, intervention", "ssc_use", 0), ("SSC use, comparison", "ssc_use", 1)):
            v = np.mean([arm_series(o, key, arm, months) for o in runs], axis=0)
            print(f"  {label:26s} " + "  ".join(f"{x:5.1f}" for x in v))
        rep = [100 * float(o.fac["ssc_reported"][min(month_row(m), o.rows - 1)].mean()) for o in runs[:1]
               for m in months]
        print(f"  {'SSC reported, both arms':26s} " + "  ".join(f"{x:5.1f}" for x in rep))
        if name == "ss2020":
            n = runs[0].n_intervention
            gains, corr = [], []
            for o in runs:
                c = o.fac["composite"][:, :n]
                g = 100 * (c[month_row(12)] - c[0])
                ctx = np.asarray(o.facility_columns["context"][:n], dtype=float)
                gains.append(g)
                corr.append(np.corrcoef(ctx, g)[0, 1])
            g = np.mean(gains, axis=0)
            print(f"  per-facility 12-month gain (points): mean {g.mean():.1f}, sd {np.mean([x.std(ddof=1) for x in gains]):.1f}, "
                  f"range {g.min():.1f}-{g.max():.1f}; gain-context correlation mean {np.mean(corr):+.2f} "
                  f"(replicates {min(corr):+.2f} to {max(corr):+.2f})")


if __name__ == "__main__":
    main()
