"""Mentor capacity: the dose each facility actually gets when the pool cannot make every visit
(issue 11, finding 6; issue 15, capacity warnings). Prints the figures quoted in the report.

    PYTHONPATH=src .venv/bin/python benchmarks/capacity.py            # all three parts
    PYTHONPATH=src .venv/bin/python benchmarks/capacity.py spread     # one part: spread|interval|scale

1. spread: weekly visits with the programme's one hub team (ss2020): lead mentor-days and visits
   made per facility over the programme (min, max, max/min), and made as a share of scheduled.
2. interval: month-12 composite and clinical skill (mean over seeds) at visit intervals of 1-13
   weeks, with the fixed pool (1 team) and an ample pool (``mentors.teams = 10``, one team per
   facility, which is enough for weekly visits only if teams can share a region).
3. scale: 200 intervention facilities, one team: visits made and missed, composite at month 12.

Uses only the public API (simulate) and the visit log, so it runs unchanged before and after
the staffing change.

Measured (2026-11-30; before = staffing in facility index order, no carry-over, commit 86d546b;
after = the staffing rule of model/dose.py):

- weekly, one team, lead mentor-days per facility (seeds 1-3): before 0-532, 4-526, 0-534
  (visits made 0-100% of scheduled); after 72-128, 84-128, 82-122 (max/min 1.5-1.8; 24-35%).
- month-12 composite by interval 1..13 weeks, mean of 5 seeds, one team: before 58.6 64.5 66.7
  68.0 68.9 69.6 67.0 64.4 62.8 61.5 60.1 58.5 56.9 (peak at 6 weeks); after 70.0 70.1 69.9 69.8
  69.8 69.6 67.0 64.4 62.8 61.5 60.1 58.5 56.9 (flat where the team is short; unchanged from 7
  weeks, where no visit is missed). Ten teams: before 71.8 79.9 84.9 78.8 75.1 70.6 ... (spare
  teams idle, so 2 teams in effect); after 99.3 93.4 86.3 78.8 75.1 70.6 68.3 65.6 62.8 62.7 59.9
  59.9 56.6.
- 200 facilities, one team: composite month 12 46.2% both; visits missed 1,047 of 1,645 (64%)
  before, 884 (54%) after (carried-over visits use days the bank cap used to waste); the summary
  now says so (capacity block and warning).
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

from mentorsim import load_scenario, simulate
from mentorsim.timeline import month_row

ROOT = Path(__file__).resolve().parents[1]
SEEDS = (1, 2, 3, 4, 5)


def params(updates=None):
    sc = load_scenario(ROOT / "scenarios" / "ss2020.toml")
    return dict(sc.with_params(updates or {}).params)


def per_facility(out):
    """(lead mentor-days, visits made) per intervention facility over the programme."""
    n, end = out.n_intervention, out.programme_weeks
    log = out.visit_array
    lead = log[(log[:, 5] == 0) & (log[:, 0] < end)]
    days = np.bincount(lead[:, 1].astype(int), weights=lead[:, 6], minlength=n)[:n]
    made = out.fac["visits"][1:end + 1, :n].sum(axis=0)
    return days, made


def ratio(x) -> str:
    return f"{x.max() / x.min():.1f}" if x.min() > 0 else "inf"


def spread() -> None:
    print("1. Weekly visits, one hub team (ss2020 + visits.interval_weeks=1), programme only")
    p = params({"visits.interval_weeks": 1})
    for seed in SEEDS[:3]:
        out = simulate(p, seed=seed, replicate=0)
        days, made = per_facility(out)
        weeks = out.programme_weeks  # one scheduled visit a week per facility
        print(f"  seed {seed}: lead mentor-days per facility {days.min():.0f}-{days.max():.0f} "
              f"(max/min {ratio(days)}); visits made {made.min():.0f}-"
              f"{made.max():.0f} of {weeks} scheduled ({100 * made.min() / weeks:.0f}%-"
              f"{100 * made.max() / weeks:.0f}%); missed {out.counters['visits_missed']}")


def interval() -> None:
    m12 = month_row(12)
    print(f"2. Month-12 composite (%) and clinical skill by visit interval, mean of seeds {SEEDS}")
    for label, extra in (("fixed pool (1 team)", {}), ("ample pool (10 teams)", {"mentors.teams": 10})):
        print(f"  {label}")
        for w in range(1, 14):
            comp, skill, missed, cost_days = [], [], [], []
            for seed in SEEDS:
                out = simulate(params({"visits.interval_weeks": w} | extra), seed=seed, replicate=0)
                n = out.n_intervention
                comp.append(100 * out.fac["composite"][m12, :n].mean())
                skill.append(out.arm_domain["skill"][m12, 0, 0])
                missed.append(out.counters["visits_missed"])
                cost_days.append(out.visit_array[:, 6].sum() + out.visit_array[:, 7].sum())
            print(f"    {w:2d} weeks: composite {np.mean(comp):5.2f} (sd {np.std(comp, ddof=1):.2f})  "
                  f"clinical skill {np.mean(skill):.4f}  missed {np.mean(missed):6.1f}  "
                  f"mentor+travel days {np.mean(cost_days):6.0f}")


def scale() -> None:
    print("3. 200 intervention facilities, one hub team, ss2020 otherwise (seeds 1-3)")
    m12 = month_row(12)
    for n_fac in (10, 200):
        p = params({"facilities.intervention": n_fac})
        for seed in SEEDS[:3]:
            out = simulate(p, seed=seed, replicate=0)
            n = out.n_intervention
            made = out.fac["visits"][1:out.programme_weeks + 1, :n].sum()
            missed = out.counters["visits_missed"]
            print(f"  {n_fac} facilities, seed {seed}: composite month 12 "
                  f"{100 * out.fac['composite'][m12, :n].mean():.1f}%, visits made {made:.0f}, "
                  f"missed {missed} ({100 * missed / max(made + missed, 1):.0f}% of scheduled)")


if __name__ == "__main__":
    parts = {"spread": spread, "interval": interval, "scale": scale}
    for name in sys.argv[1:] or parts:
        parts[name]()
