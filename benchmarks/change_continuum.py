"""Measure seed 003's change continuum (issue 11): do the model's lower performers trail the
higher performers, fixing safety practice first and teamwork and communication later?

    PYTHONPATH=src .venv/bin/python benchmarks/change_continuum.py [--seeds 10] [--replicates 2]

Per seed (each seed brings its own facilities; replicates of a seed are averaged per facility,
as ``Results.facility_summary`` does), the intervention facilities are grouped two ways: seed
003's top 3 / bottom 3 by 12-month composite gain, and top 3 / bottom 3 by context (the upper
and lower tercile of 10 facilities; context is set before the programme, so this grouping is not
selected on the outcome). For each group it prints the teamwork gain over the safety gain
(ratio of group sums, points since baseline) at months 3, 6, 12, 18 and 24, the months safety
and teamwork took to reach half their 12-month gain and the lag between them, and the teamwork
culture at months 0 and 12, and the lag again net of the secular trend (the gains minus those
of the same facilities without mentorship, same seed and replicate). Means over seeds, the higher-minus-lower difference, its standard
error over seeds and the number of seeds where it is positive. The same again without the
safety-first readiness (``learning.safety_first_level = 0``) and with teamwork learning
independent of culture (``learning.culture_floor = learning.teamwork_receptivity_full = 1``, no
readiness), to show which mechanism makes which difference. (Parameters absent from a version
of the model are dropped, so the script runs before and after the readiness rule.)
"""

from __future__ import annotations

import argparse

import numpy as np

from mentorsim import load_scenario, simulate
from mentorsim.parameters.model_table import PARAMS_BY_NAME
from mentorsim.results import half_gain_month
from mentorsim.timeline import month_row

MONTHS = (3, 6, 12, 18, 24)
NO_READINESS = ["learning.safety_first_level=0.0"]
NO_CULTURE = ["learning.culture_floor=1.0", "learning.teamwork_receptivity_full=1.0", *NO_READINESS]


def seed_figures(params, nm_params, seed: int, replicates: int) -> dict:
    """{grouping: {group: {figure: value}}} for one seed (replicate means per facility)."""
    outs = [simulate(params, seed=seed, replicate=r) for r in range(replicates)]
    nms = [simulate(nm_params, seed=seed, replicate=r) for r in range(replicates)]
    n = outs[0].n_intervention
    m12 = month_row(12)

    def gain(key, runs=outs):  # [rows, facilities] points since baseline, mean over replicates
        return np.mean([100 * (o.fac[key][:, :n] - o.fac[key][0, :n]) for o in runs], axis=0)
    safety, team, comp = gain("safety"), gain("teamwork"), gain("composite")
    # net of the secular trend: minus the same facilities without mentorship (same seed, replicate)
    net_s = half_gain_month(safety - gain("safety", nms), m12)
    net_t = half_gain_month(team - gain("teamwork", nms), m12)
    culture = np.mean([o.fac["teamwork_culture"][:, :n] for o in outs], axis=0)
    half_s, half_t = half_gain_month(safety, m12), half_gain_month(team, m12)
    context = np.asarray(outs[0].facility_columns["context"])[:n]
    out = {}
    for grouping, score in (("composite gain", comp[m12]), ("context", context)):
        order = np.argsort(-score, kind="stable")
        out[grouping] = {}
        for name, g in (("higher", order[:3]), ("lower", order[::-1][:3])):
            fig = {f"ratio m{m}": team[month_row(m), g].sum() / safety[month_row(m), g].sum() for m in MONTHS}
            fig |= {"safety half (months)": np.nanmean(half_s[g]), "teamwork half (months)": np.nanmean(half_t[g]),
                    "lag (months)": np.nanmean(half_t[g] - half_s[g]),
                    "lag net of trend (months)": np.nanmean(net_t[g] - net_s[g]),
                    "safety gain m12 (pts)": safety[m12, g].mean(), "teamwork gain m12 (pts)": team[m12, g].mean(),
                    "culture m0": culture[0, g].mean(), "culture m12": culture[m12, g].mean()}
            out[grouping][name] = fig
    return out


def report(label: str, sets: list[str], seeds: int, replicates: int) -> None:
    sets = [s for s in sets if s.split("=")[0] in PARAMS_BY_NAME]
    params = load_scenario("scenarios/ss2020.toml", sets=sets).params
    nm_params = load_scenario("scenarios/no_mentorship.toml", sets=sets).params
    per_seed = [seed_figures(params, nm_params, s, replicates) for s in range(1, seeds + 1)]
    print(f"== {label} ({seeds} seeds x {replicates} replicates)")
    for grouping in per_seed[0]:
        print(f"  grouped by {grouping}: higher | lower | higher - lower (se over seeds; seeds > 0)")
        for fig in per_seed[0][grouping]["higher"]:
            hi = np.array([s[grouping]["higher"][fig] for s in per_seed])
            lo = np.array([s[grouping]["lower"][fig] for s in per_seed])
            d = hi - lo
            se = d.std(ddof=1) / np.sqrt(len(d)) if len(d) > 1 else float("nan")
            print(f"    {fig:24s} {hi.mean():7.3f} | {lo.mean():7.3f} | {d.mean():+7.3f} ({se:.3f}; {int((d > 0).sum())}/{len(d)})")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=10)
    ap.add_argument("--replicates", type=int, default=2)
    a = ap.parse_args()
    report("as run (ss2020)", [], a.seeds, a.replicates)
    if "learning.safety_first_level" in PARAMS_BY_NAME:
        report("without safety-first readiness", NO_READINESS, a.seeds, a.replicates)
    report("teamwork learning independent of culture", NO_CULTURE, a.seeds, a.replicates)


if __name__ == "__main__":
    main()
