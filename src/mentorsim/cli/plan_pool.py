"""``mentorsim plan-pool``: size a mentor pool for N facilities visited every W weeks."""

from __future__ import annotations

from pathlib import Path

from mentorsim.cli.common import (
    DEFAULT_REPLICATES,
    SEED,
    WORKERS,
    add_allow_large,
    add_command,
    check_workers,
    json_safe,
)


def register(sub) -> None:
    p = add_command(sub, "plan-pool", "size a mentor pool: mentor days, attrition, training, coverage, cost",
                    ["mentorsim plan-pool --facilities 50 --visit-interval-weeks 8",
                     "mentorsim plan-pool --facilities 20 --visit-interval-weeks 6 --local-share 0 --out out/pool",
                     "mentorsim plan-pool --facilities 30 --visit-interval-weeks 8 --vary days --format json"],
                    description="For N facilities visited every W weeks: the mentor days needed by discipline "
                    "and origin (arithmetic), then simulated coverage (the chance every facility gets all "
                    "its visits) as the pool grows, and the smallest pool that reaches --target, with "
                    "its training needs and cost a year.")
    p.add_argument("--facilities", type=int, required=True, help="intervention facilities to visit")
    p.add_argument("--visit-interval-weeks", type=int, required=True, help="weeks between visits to a facility")
    p.add_argument("--local-share", type=float, default=0.5,
                   help="share of the four positions held by regional mentors after the handover (default 0.5)")
    p.add_argument("--years", type=float, default=2.0, help="planning horizon in years (default 2)")
    p.add_argument("--target", type=float, default=0.9,
                   help="wanted chance that every facility gets all its visits (default 0.9)")
    p.add_argument("--replicates", type=int, default=DEFAULT_REPLICATES,
                   help=f"simulations per pool size (default {DEFAULT_REPLICATES})")
    p.add_argument("--seed", type=SEED, default=1, help="run seed (default 1)")
    p.add_argument("--vary", choices=("teams", "days"), default="teams",
                   help="grow the pool by hub teams (default) or by mentor days a month")
    p.add_argument("--max-size", type=int, default=None, help="largest pool size to try")
    p.add_argument("--every-size", action="store_true",
                   help="simulate every pool size from the smallest (slower) instead of searching from the "
                   "arithmetic's size")
    p.add_argument("--day-rate", type=float, default=None,
                   help="price every mentor-day at this many USD instead of the cost table's salary day rates")
    p.add_argument("--set", dest="sets", action="append", default=[], metavar="KEY=VALUE",
                   help="override another parameter, e.g. --set mentors.available_days_per_month=10")
    p.add_argument("--workers", type=WORKERS, default=None,
                   help="worker processes (default: all cores; more needs --allow-large)")
    add_allow_large(p)
    p.add_argument("--out", type=Path, default=None, help="folder for the table, plot and metadata")
    p.add_argument("--format", choices=("table", "json"), default="table", help="what to print")
    p.set_defaults(func=cmd_plan_pool)


def request_from_args(args):
    from mentorsim.errors import input_error
    from mentorsim.parameters.model_table import PARAMS_BY_NAME
    from mentorsim.planner import PlanRequest
    from mentorsim.scenario import parse_sets

    def check(flag, value, ok, allowed):
        if not ok:
            raise input_error(flag, None, f"must be {allowed}", value)

    fac = PARAMS_BY_NAME["facilities.intervention"]
    check("--facilities", args.facilities, 1 <= args.facilities <= fac.high, f"a whole number from 1 to {fac.high:g}")
    vi = PARAMS_BY_NAME["visits.interval_weeks"]
    check("--visit-interval-weeks", args.visit_interval_weeks, vi.low <= args.visit_interval_weeks <= vi.high,
          f"a whole number from {vi.low:g} to {vi.high:g}")
    check("--local-share", args.local_share, 0 <= args.local_share <= 1, "a share from 0 to 1")
    check("--years", args.years, 1 / 12 <= args.years <= 5 and 12 * args.years <= PARAMS_BY_NAME["programme.months"].high,
          "a number of years from 1/12 to 5")
    check("--target", args.target, 0 < args.target <= 1, "a probability in (0, 1]")
    check("--replicates", args.replicates, 2 <= args.replicates <= 10000, "a whole number from 2 to 10000")
    if args.max_size is not None:
        check("--max-size", args.max_size, 1 <= args.max_size <= (500 if args.vary == "teams" else 30),
              "from 1 to 500 teams (--vary teams) or 1 to 30 days (--vary days)")
    if args.day_rate is not None:
        check("--day-rate", args.day_rate, 0 <= args.day_rate <= 10000, "USD from 0 to 10000")
    if args.workers is not None:
        check("--workers", args.workers, args.workers >= 1, "a whole number of at least 1")
    check_workers(args.workers, args.allow_large)
    sets = parse_sets(args.sets)
    req = PlanRequest(facilities=args.facilities, interval_weeks=args.visit_interval_weeks,
                      local_share=args.local_share, years=args.years, target=args.target,
                      replicates=args.replicates, seed=args.seed, vary=args.vary, max_size=args.max_size,
                      overrides=sets, day_rate=args.day_rate,
                      search="scan" if args.every_size else "bracket")
    from mentorsim.planner import base_params
    base_params(req, 1 if args.vary == "teams" else 16)  # every input checked before any run
    import os
    import sys

    from mentorsim.planner import check_size
    note = check_size(req, args.allow_large, args.workers or os.cpu_count() or 1)
    if note:
        print(f"mentorsim: plan-pool: {note}", file=sys.stderr)
    return req


def cmd_plan_pool(args) -> int:
    import os
    import sys

    import pandas as pd
    from tqdm import tqdm

    from mentorsim import planner
    from mentorsim.output_folder import dumps, output_dir
    from mentorsim.provenance import metadata

    req = request_from_args(args)
    if args.out is not None:
        from mentorsim.output_folder import check_writable
        check_writable(args.out)
    need = planner.demand(req)
    workers = args.workers or os.cpu_count() or 1
    bar = tqdm(unit="size", file=sys.stderr, disable=None, leave=False, desc="pool sizes")
    try:
        def step(res):
            bar.update(1)
            bar.set_postfix(size=res.size, coverage=f"{res.coverage:.2f}")
        curve = planner.coverage_curve(req, workers, progress=step)
    finally:
        bar.close()
    best = planner.recommend(req, curve)
    chosen = best or curve[-1]
    table = planner.pool_table(req, chosen.size)
    curve_df = pd.DataFrame([{k: v for k, v in vars(r).items() if k != "days_by_group"} for r in curve])
    payload = {"request": {k: (dict(v) if k == "overrides" else v) for k, v in vars(req).items()},
               "demand": need.to_dict(orient="records"), "curve": curve_df.to_dict(orient="records"),
               "recommended": None if best is None else {"size": best.size, "vary": req.vary,
                                                         "pool": table.to_dict(orient="records"),
                                                         "cost_per_year_usd": best.cost_per_year,
                                                         "cost_source": best.cost_source,
                                                         "mentor_days_by_group_per_year": best.days_by_group}}
    meta = metadata(req.seed, command="plan-pool", replicates=req.replicates,
                    parameters=planner.base_params(req, chosen.size))
    if args.out is not None:
        with output_dir(args.out, meta) as stage:
            (stage / "plan.json").write_text(dumps(json_safe(payload)))
            need.to_csv(stage / "demand.csv", index=False)
            curve_df.to_csv(stage / "coverage.csv", index=False)
            table.to_csv(stage / "pool.csv", index=False)
            planner.plot_coverage(req, curve, stage / "coverage.png", best)
    if args.format == "json":
        print(dumps(json_safe(payload)))
        return 0
    print(report(req, need, curve, best, table, chosen))
    if args.out is not None:
        print(f"\nwrote plan.json, demand.csv, coverage.csv, pool.csv and coverage.png to {args.out}/")
    return 0


def _plural(n, one: str, many: str) -> str:
    return f"{n:g} {one if n == 1 else many}"


def report(req, need, curve, best, table, chosen) -> str:
    """The plan as text: what a team is, the arithmetic, coverage by pool size (with its cost,
    idle headcount included), why coverage plateaus if it does, and the pool by discipline and
    origin with the months each position is held and how busy it is."""
    from mentorsim.planner import base_params, idle_days, plateau_reason
    p = base_params(req)
    days = p["visits.days"]
    months = int(round(12 * req.years))
    regions = -(-req.facilities // int(p["mentors.facilities_per_trip"]))
    idle_share = p["costs.idle_mentor_day_share"]
    lines = [f"Mentor pool for {req.facilities} facilities, a {days}-day visit every "
             f"{req.interval_weeks} weeks, local share {req.local_share:g}, {req.years:g} years = months "
             f"0-{months} (seed {req.seed}, {req.replicates} replicates per pool size)",
             "A team is one hub mentor of each of the four disciplines (surgery/obstetrics, anaesthesia, "
             "theatre nursing, ward nursing) visiting together. Regional (local) mentors are not in teams: "
             f"one per region and discipline they hold ({regions} regions of "
             f"{p['mentors.facilities_per_trip']:g} facilities), from the handover month "
             f"{p['mentors.handover_month']:g}.", "",
             "Mentor days needed a year (arithmetic, mean distances):"]
    for r in need.itertuples():
        extra = ""
        if r.origin == "local":
            by_days = -(-r.days_needed_per_year // r.days_per_mentor_per_year) if r.days_needed_per_year else 0
            extra = (f" (one per region; {by_days:g} would do by days alone); "
                     f"{r.leavers_per_year:.1f} leave a year -> train {r.trainings_per_year:.1f} new a year")
        lines.append(f"  {r.discipline:<16} {r.origin:<5} {r.days_needed_per_year:7.0f} days "
                     f"({r.days_per_visit:.1f} a visit, {r.share_of_horizon:.0%} of the horizon) -> "
                     f"{r.mentors_needed} mentor(s) at {r.days_per_mentor_per_year:.0f} days each{extra}")
    lines += ["", "Coverage by pool size (simulated; chance every visit is made, Wilson 95%; cost a year "
              f"includes idle days paid at {idle_share:g} x the day rate, costs.idle_mentor_day_share):"]
    if req.search == "bracket":
        from mentorsim.planner import first_guess
        guess = round(first_guess(req))
        start = _plural(guess, "team", "teams") if req.vary == "teams" else f"{guess:g} days a month"
        lines.append(f"  (sizes tried by a search: first the arithmetic's {start}, then up "
                     "until the target is met, halving the gap to the largest size short of it, and the size "
                     "above the one found; sizes between were not simulated: --every-size for all)")
    for r in curve:
        size = _plural(r.size, "team", "teams") if req.vary == "teams" else f"{r.size:g} days/month"
        lines.append(f"  {size:>9}: {100 * r.coverage:5.1f}% [{100 * r.coverage_low:.0f}, "
                     f"{100 * r.coverage_high:.0f}]  visits made {r.visits_made_pct:5.1f}%  "
                     f"mentor days/yr {(r.mentor_days + r.travel_days) / req.years:6.0f}  "
                     f"cost/yr US${r.cost_per_year:,.0f} (idle US${r.idle_cost_per_year:,.0f})")
    why = plateau_reason(req, curve)
    if why:
        lines.append(f"Why coverage plateaus: {why}.")
    lines.append("")
    chosen_size = (_plural(chosen.size, "team", "teams") if req.vary == "teams"
                   else f"{chosen.size:g} days a month each")
    if best is None:
        lines.append(f"Target {100 * req.target:g}% NOT reached with up to {chosen_size} "
                     f"(best {100 * max(r.coverage for r in curve):.0f}%). If visits made stay below 100% as "
                     "hub teams grow, the bottleneck is the regional mentors (one per region and discipline in "
                     "the model): lower --local-share, lengthen the interval, or --vary days.")
        lines.append(f"Largest pool tried ({chosen_size}):")
    else:
        lines.append(f"Recommended: {chosen_size} (coverage {100 * best.coverage:.0f}% >= target "
                     f"{100 * req.target:g}%):")
    busy = idle_days(req, chosen.size, chosen.days_by_group)
    total = 0
    for r, b in zip(table.itertuples(), busy.itertuples()):
        total += r.mentors
        lines.append(f"  {r.discipline:<16} {r.origin:<5} {r.mentors:>4} mentor(s), {r.until}; "
                     f"busy {b.busy_pct:.0f}% of {b.days_held_per_year / max(r.mentors, 1):.0f} days held a year each"
                     + (f", plus {b.cover_days_per_year / max(r.mentors, 1):.0f} days a year each covering vacant "
                        "regional posts after the handover" if b.cover_days_per_year > 0.5 * max(r.mentors, 1)
                        else ""))
    hub = int(table.loc[table["origin"] == "hub", "mentors"].sum())
    lines.append(f"  in all {total} positions: {hub} hub, {total - hub} regional")
    lines.append(f"  regional mentors over {req.years:g} years: {chosen.trainings - chosen.replacements:.1f} trained "
                 f"for the pool, {chosen.local_lost:.1f} lost to attrition, {chosen.replacements:.1f} replacements "
                 f"trained (means over replicates)")
    lines.append(f"Cost a year: US${chosen.cost_per_year:,.0f} = days used, travel and training "
                 f"US${chosen.used_cost_per_year:,.0f} + idle days US${chosen.idle_cost_per_year:,.0f} "
                 f"({chosen.cost_source}); mentor days a year "
                 f"{(chosen.mentor_days + chosen.travel_days) / req.years:,.0f} "
                 f"(visits {chosen.mentor_days / req.years:,.0f}, travel {chosen.travel_days / req.years:,.0f})")
    return "\n".join(lines)
