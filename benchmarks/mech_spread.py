"""Issue 11 follow-up 2 (report only, no tuning): SD across intervention facilities of the
12-month composite gain and its correlation with facility context and with baseline, at the
ends of the declared ranges of the context heterogeneity parameters (4 replicates each).

    PYTHONPATH=src /work/main/.venv/bin/python benchmarks/mech_spread.py
"""

import numpy as np

from mentorsim import load_scenario, simulate
from mentorsim.timeline import month_row


def fig(sets):
    sc = load_scenario("scenarios/ss2020.toml", sets=sets)
    sds, cc, cb = [], [], []
    for r in range(4):
        o = simulate(sc.params, seed=1, replicate=r)
        n = o.n_intervention
        base = 100 * o.fac["composite"][0, :n]
        gain = 100 * o.fac["composite"][month_row(12), :n] - base
        ctx = np.asarray(o.facility_columns["context"])[:n]
        sds.append(gain.std(ddof=1))
        cc.append(np.corrcoef(ctx, gain)[0, 1])
        cb.append(np.corrcoef(base, gain)[0, 1])
    return f"SD {np.mean(sds):.1f} corr(ctx) {np.mean(cc):+.2f} corr(base) {np.mean(cb):+.2f}"
print("default", fig([]))
for key, vals in (("facilities.context_sd", (0, 0.4)), ("facilities.context_baseline_slope", (0, 1.0)),
                  ("learning.context_uptake", (0, 4.0)), ("facilities.teamwork_culture_mean", (0.1, 0.9))):
    for v in vals:
        print(key, v, fig([f"{key}={v}"]))
print("all max", fig(["facilities.context_sd=0.4", "facilities.context_baseline_slope=1.0", "learning.context_uptake=4.0"]))
