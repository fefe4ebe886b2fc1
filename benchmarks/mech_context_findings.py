"""Measure issue 11's findings 1, 4, 5 and 8 (facility context, complementarity, local mentors,
teamwork): run before and after a change to the mechanisms and compare the printed figures.

    PYTHONPATH=src .venv/bin/python benchmarks/mech_context_findings.py [--replicates N]

Finding 1: SD across intervention facilities of the 12-month composite gain, and its
correlation with baseline (and with facility context, when the run records it).
Finding 4: month-12 composite gain over baseline as run, in-person only, virtual only; and the
virtual-only safety DiD. Finding 5: month-12 composite and follow-up retention, local mentors
from the start vs as run, at local share 0.5 and 1.0. Finding 8: DiD safety vs teamwork as run
and with a high-culture setting.
"""

from __future__ import annotations

import argparse

import numpy as np

from mentorsim import load_scenario, simulate
from mentorsim.results import run_outcomes
from mentorsim.timeline import month_row


def runs(name, sets=(), replicates=5, seed=1):
    sc = load_scenario(f"scenarios/{name}.toml", sets=list(sets))
    return [simulate(sc.params, seed=seed, replicate=r) for r in range(replicates)]


def mean(outs, key):
    return float(np.mean([run_outcomes(o)[key] for o in outs]))


def facility_figures(outs):
    sds, cors, ctx_cors = [], [], []
    for o in outs:
        n = o.n_intervention
        m12 = month_row(12)
        base = 100 * o.fac["composite"][0, :n]
        gain = 100 * o.fac["composite"][m12, :n] - base
        sds.append(gain.std(ddof=1))
        cors.append(np.corrcoef(base, gain)[0, 1])
        fc = o.facility_columns
        if "context" in fc:
            ctx_cors.append(np.corrcoef(np.asarray(fc["context"])[:n], gain)[0, 1])
    return np.mean(sds), np.mean(cors), (np.mean(ctx_cors) if ctx_cors else float("nan"))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--replicates", type=int, default=5)
    ap.add_argument("--sweep", action="store_true",
                    help="also sweep the parameters that decide local against hub (share 1.0, both keep the pool)")
    a = ap.parse_args()
    R = a.replicates
    if a.sweep:
        keep = ["mentors.local_share=1.0", "followup.local_visit_interval_weeks=13"]
        for key, values in (("mentors.local_context_bonus", (0.0, 0.1, 0.2, 0.25, 0.4, 0.6)),
                            ("mentors.local_mentoring_skill", (0.6, 0.7, 0.8)),
                            ("mentors.local_experience_years", (3.0, 6.0, 12.0))):
            for v in values:
                sets = keep + [f"{key}={v}"]
                hub, loc = runs("ss2020", sets, R), runs("local_mentors", sets, R)
                print(f"[5 sweep] {key}={v}: month-12 hub-first {mean(hub, 'composite_month12_pct'):.1f}"
                      f" local-first {mean(loc, 'composite_month12_pct'):.1f}; follow-up 24m"
                      f" {mean(hub, 'composite_followup24_pct'):.1f} vs {mean(loc, 'composite_followup24_pct'):.1f}")
        return
    ss = runs("ss2020", replicates=R)
    sd, cor, ctx = facility_figures(ss)
    print(f"[1] gain SD across facilities {sd:.1f} pts; corr(gain, baseline) {cor:+.2f}; corr(gain, context) {ctx:+.2f}")
    def gain(outs):  # month-12 composite gain net of the comparison arm's (DiD, points)
        return (mean(outs, "composite_month12_pct") - mean(outs, "composite_baseline_pct")
                - mean(outs, "comparison_composite_month12_pct") + mean(outs, "comparison_composite_baseline_pct"))
    ip, vo = runs("in_person_only", replicates=R), runs("virtual_only", replicates=R)
    print(f"[4] month-12 composite DiD: as run {gain(ss):.1f}, in-person only {gain(ip):.1f}, virtual only {gain(vo):.1f}"
          f" (sum {gain(ip) + gain(vo):.1f}); virtual-only DiD safety {mean(vo, 'did_safety_pp'):.1f}")
    for share in (0.5, 1.0):
        base = runs("ss2020", [f"mentors.local_share={share}", "followup.local_visit_interval_weeks=13"], R)
        loc = runs("local_mentors", [f"mentors.local_share={share}"], R)
        print(f"[5] share {share}: month-12 composite hub-first {mean(base, 'composite_month12_pct'):.1f}"
              f" vs local from start {mean(loc, 'composite_month12_pct'):.1f}; retained 24m"
              f" {mean(base, 'composite_retained_24m_pct'):.0f}% vs {mean(loc, 'composite_retained_24m_pct'):.0f}%;"
              f" mentor travel days {mean(base, 'mentor_travel_days'):.0f} vs {mean(loc, 'mentor_travel_days'):.0f}")
    print(f"[8] as run: DiD safety {mean(ss, 'did_safety_pp'):.1f}, teamwork {mean(ss, 'did_teamwork_pp'):.1f}")
    hi = runs("ss2020", ["facilities.teamwork_culture_mean=0.9", "facilities.learning_orientation_mean=0.9"], R)
    print(f"[8] high culture (0.9): DiD safety {mean(hi, 'did_safety_pp'):.1f}, teamwork {mean(hi, 'did_teamwork_pp'):.1f}")
    print(f"[targets] composite baseline {mean(ss, 'composite_baseline_pct'):.1f} month12 {mean(ss, 'composite_month12_pct'):.1f}")


if __name__ == "__main__":
    main()
