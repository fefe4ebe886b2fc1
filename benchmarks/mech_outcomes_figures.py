"""Issue 11, findings 2, 3 and 7: SSC use, the SSI/mortality chain, the secular trend.

    PYTHONPATH=src .venv/bin/python benchmarks/mech_outcomes_figures.py [--seeds 5]

Prints, as means over seeds 1..N (one replicate each):
  SSC use (%) by arm at months 0, 6, 12, 18 in ss2020;
  SSI after caesarean (%) at baseline and month 18, and the lowest caesarean SSI risk the
  SSI formula allows (every exposure at 1), for ss2020 and the shipped SSI scenarios present;
  ICER (net cost per DALY averted, ss2020 vs no mentorship) at the ends of the case-fatality range;
  the no-mentorship composite (intervention facilities) at months 0, 12, 41, its share of the
  as-run month-12 gain, and the month-41 level at secular ceilings 0.5 and 1.0 and with the trend
  stopped at month 12 (if the model has ``learning.secular_end_month``).
Written against the public API only, so it runs before and after the change (parameters that
do not exist in a version are skipped).
"""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from mentorsim import load_scenario
from mentorsim.economics.evaluation import evaluate_run
from mentorsim.parameters.model_table import PARAMS_BY_NAME
from mentorsim.runner import simulate
from mentorsim.timeline import month_row

ROOT = Path(__file__).resolve().parents[1]
SCEN = ROOT / "src" / "mentorsim" / "scenarios"


def arm_mean(out, key, arm, month):
    row = min(month_row(month), out.rows - 1)
    return 100 * out.arm_mean(key, arm)[row]


def params(name, **sets):
    sc = load_scenario(SCEN / f"{name}.toml") if (SCEN / f"{name}.toml").exists() else None
    if sc is None:
        return None
    p = dict(sc.params)
    for k, v in sets.items():
        k = k.replace("__", ".")
        if k in PARAMS_BY_NAME:
            p[k] = v
    return p


def mean_over(seeds, fn):
    return float(np.mean([fn(s) for s in seeds]))


def caesarean_ssi(out, month):
    """Expected SSI risk after caesarean (%), intervention arm, at ``month`` (recorded risk if
    the model records it, else the mean expected-SSI rate scaled to caesareans is not separable:
    report the all-operation rate)."""
    row = min(month_row(month), out.rows - 1)
    n = out.n_intervention
    if "ssi_risk_caesarean" in out.fac:
        return 100 * out.fac["ssi_risk_caesarean"][row, :n].mean()
    ops = out.fac["operations"][max(row - 4, 1):row + 1, :n].sum()
    return 100 * out.fac["ssi_expected"][max(row - 4, 1):row + 1, :n].sum() / max(ops, 1)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=5)
    a = ap.parse_args()
    seeds = range(1, a.seeds + 1)
    ss = params("ss2020")
    runs = {s: simulate(ss, s, 0) for s in seeds}
    print("== Finding 2: SSC use (%), ss2020, mean of seeds", list(seeds))
    for m in (0, 6, 12, 18):
        i = mean_over(seeds, lambda s: arm_mean(runs[s], "ssc_use", 0, m))
        c = mean_over(seeds, lambda s: arm_mean(runs[s], "ssc_use", 1, m))
        print(f"  month {m:2d}: intervention {i:5.1f}  comparison {c:5.1f}")
    if "ssc_reported" in runs[1].fac:
        for m in (6, 7):
            i = mean_over(seeds, lambda s: arm_mean(runs[s], "ssc_reported", 0, m))
            print(f"  facilities reporting SSC use, month {m}: intervention {i:5.1f}%")

    print("== Finding 3: SSI after caesarean (%), intervention arm")
    for name in ("ss2020", "ssi_trial", "ssi_association", "ssi_prepost"):
        p = params(name)
        if p is None:
            continue
        rs = runs if name == "ss2020" else {s: simulate(p, s, 0) for s in seeds}
        b = mean_over(seeds, lambda s: caesarean_ssi(rs[s], 0))
        e = mean_over(seeds, lambda s: caesarean_ssi(rs[s], 18))
        if "ssi.relative_reduction" in p:
            floor = 100 * p["ssi.risk_caesarean"] * (1 - p["ssi.relative_reduction"])
            lowest = 100 * p["ssi.risk_caesarean"] * (1 - PARAMS_BY_NAME["ssi.relative_reduction"].high)
        else:
            floor = 100 * p["ssi.risk_caesarean"] * p["ssi.relative_risk_full"]
            lowest = 100 * p["ssi.risk_caesarean"] * PARAMS_BY_NAME["ssi.relative_risk_full"].low
        print(f"  {name:16s} baseline {b:5.2f}  month 18 {e:5.2f}  floor at full exposure {floor:5.2f}"
              f"  (lowest over the declared range {lowest:5.2f})")

    print("== Finding 3: ICER (net USD per DALY averted), ss2020 vs no mentorship")
    cf_keys = [k for k in ("ssi.case_fatality", "ssi.case_fatality_caesarean", "ssi.case_fatality_other")
               if k in PARAMS_BY_NAME]
    for end in ("low", "default", "high"):
        p = dict(ss)
        for k in cf_keys:
            q = PARAMS_BY_NAME[k]
            p[k] = {"low": q.low, "high": q.high, "default": q.default}[end]
        recs = [evaluate_run(p, s, 0).record for s in seeds]
        cost = np.mean([r["cost_net_usd"] for r in recs])
        dalys = np.mean([r["dalys_averted"] for r in recs])
        vals = ", ".join(f"{k}={p[k]:g}" for k in cf_keys)
        print(f"  {end:7s} ({vals}): net cost {cost:9.0f}  DALYs {dalys:7.2f}  ICER {cost / dalys:9.0f}")

    print("== Finding 7: no-mentorship composite (%), intervention facilities")
    nm = params("no_mentorship")
    nmr = {s: simulate(nm, s, 0) for s in seeds}
    lv = {m: mean_over(seeds, lambda s: arm_mean(nmr[s], "composite", 0, m)) for m in (0, 12, 41)}
    asrun12 = mean_over(seeds, lambda s: arm_mean(runs[s], "composite", 0, 12))
    share = (lv[12] - lv[0]) / (asrun12 - lv[0])
    print(f"  month 0 {lv[0]:5.1f}  month 12 {lv[12]:5.1f}  month 41 {lv[41]:5.1f}; as-run month 12 "
          f"{asrun12:5.1f}; trend share of the month-12 gain {100 * share:4.0f}%")
    for label, sets in (("ceiling 0.5", {"learning__secular_ceiling": 0.5}),
                        ("ceiling 1.0", {"learning__secular_ceiling": 1.0}),
                        ("trend stops at month 12", {"learning__secular_end_month": 12})):
        if sets.keys() != {"learning__secular_ceiling"} and "learning.secular_end_month" not in PARAMS_BY_NAME:
            continue
        p = params("no_mentorship", **sets)
        rr = {s: simulate(p, s, 0) for s in seeds}
        l12 = mean_over(seeds, lambda s: arm_mean(rr[s], "composite", 0, 12))
        l41 = mean_over(seeds, lambda s: arm_mean(rr[s], "composite", 0, 41))
        print(f"  {label:24s}: month 12 {l12:5.1f}  month 41 {l41:5.1f}")


if __name__ == "__main__":
    main()
