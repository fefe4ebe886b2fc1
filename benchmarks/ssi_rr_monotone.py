"""Issue 11 follow-up 3: is the programme's SSI benefit monotone in ``ssi.relative_risk_full``?

For each relative risk at full exposure, runs ss2020 and its comparator (no mentorship, same
seed and replicate) and prints expected SSIs averted, the SSI treatment savings, the DALYs
averted (with ``--set ssi.case_fatality_caesarean=0`` etc. only YLD) and where the averted SSIs
come from: the comparator's and the strategy's mean caesarean SSI risk at month 12 and 24
months after the programme.

    PYTHONPATH=src /work/main/.venv/bin/python benchmarks/ssi_rr_monotone.py [--replicates 6]
        [--rr 0.02,0.05,0.1,0.265,0.5,0.65,1] [--set KEY=VALUE ...]
"""

from __future__ import annotations

import argparse

import numpy as np

from mentorsim import load_scenario
from mentorsim.economics.evaluation import comparator_params, evaluate_run
from mentorsim.runner import simulate
from mentorsim.timeline import month_row


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=6)
    ap.add_argument("--rr", default="0.02,0.05,0.1,0.265,0.5,0.65,1")
    ap.add_argument("--set", action="append", default=[], dest="sets")
    a = ap.parse_args()
    cf0 = ["ssi.case_fatality_caesarean=0", "ssi.case_fatality_other=0"]
    print(f"{'RR':>6} {'SSI averted':>12} {'savings USD':>12} {'DALYs':>8} {'INMB@GDP':>10}"
          f" {'risk cs m12 comp/strat':>24} {'fu24 comp/strat':>18}")
    for rr in a.rr.split(","):
        sc = load_scenario("scenarios/ss2020.toml", sets=[*cf0, f"ssi.relative_risk_full={rr}", *a.sets])
        p = sc.params
        recs, risks = [], []
        for r in range(a.replicates):
            out = simulate(p, 1, r)
            comp = simulate(comparator_params(p), 1, r)
            recs.append(evaluate_run(p, 1, r, comparator=comp, out=out).record)
            n = out.n_intervention
            rows = (month_row(12), out.rows - 1)
            risks.append([comp.fac["ssi_risk_caesarean"][t, :n].mean() for t in rows]
                         + [out.fac["ssi_risk_caesarean"][t, :n].mean() for t in rows])
        m = {k: np.mean([x[k] for x in recs]) for k in ("ssi_averted", "savings_ssi_usd", "dalys_averted",
                                                         "cost_programme_usd")}
        wtp = p["economics.gdp_per_capita_usd"]
        inmb = wtp * m["dalys_averted"] - (m["cost_programme_usd"] - m["savings_ssi_usd"])
        k = 100 * np.mean(risks, axis=0)
        print(f"{float(rr):6.3f} {m['ssi_averted']:12.1f} {m['savings_ssi_usd']:12.0f} {m['dalys_averted']:8.2f}"
              f" {inmb:10.0f} {k[0]:10.2f}/{k[2]:5.2f}% {k[1]:10.2f}/{k[3]:5.2f}%")


if __name__ == "__main__":
    main()
