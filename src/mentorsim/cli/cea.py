"""``mentorsim cea`` (cost-effectiveness of scenarios, with PSA) and ``mentorsim icers`` (the
incremental analysis of any CSV of strategies).

    mentorsim cea scenarios/ss2020.toml scenarios/virtual_only.toml --psa 200 --out out/cea
    mentorsim icers strategies.csv --format json
"""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path

from mentorsim.cli.common import (
    WholeFlag,
    add_command,
    add_run_options,
    check_replicates,
    json_safe,
    load_all,
    warn_few_replicates,
    with_progress,
)
from mentorsim.errors import input_error

EFFECTS = {"dalys": "dalys_averted", "composite": "composite_point_months"}
EFFECT_LABELS = {"dalys_averted": ("DALYs averted", "DALY"),
                 "composite_point_months": ("composite point-months gained", "point-month")}


def register(sub) -> None:
    p = add_command(sub, "cea", "costs, cost-effectiveness and sustainability of scenarios",
                    ["mentorsim cea scenarios/ss2020.toml scenarios/in_person_only.toml",
                     "mentorsim cea ss2020 virtual_only local_mentors --psa 200 --out out/cea",
                     "mentorsim cea ss2020 --wtp 0.5x 1x 2000 --format json"],
                    description="Cost and evaluate scenarios against no mentorship (common random "
                    "numbers): itemised costs, DALYs and quality gained, incremental analysis, net "
                    "monetary benefit at several willingness-to-pay values, what lasts after the "
                    "programme, and optionally a probabilistic sensitivity analysis (see docs/ECONOMICS.md).")
    p.add_argument("scenarios", type=Path, nargs="+", help="scenario TOML files or shipped scenario names")
    add_run_options(p)
    p.add_argument("--psa", type=int, default=0, metavar="N",
                   help="probabilistic sensitivity analysis with N parameter draws (default 0: none)")
    p.add_argument("--wtp", nargs="+", default=None, metavar="W",
                   help="willingness to pay per DALY averted: USD values or multiples of GDP per capita "
                   "written like 0.5x (default: 0.34x 0.5x 1x 3x, 0.34 being "
                   "economics.opportunity_cost_multiple)")
    p.add_argument("--workers", type=WholeFlag("--workers", 1, 64), default=2, help="processes for the PSA and, with --out, the sensitivity analyses (default 2; 1 = serial)")
    p.add_argument("--psa-scope", choices=("default", "costs"), default="default",
                   help="parameters the PSA draws: default (prices and model uncertainty) or costs only")
    p.add_argument("--psa-distribution", choices=("beta", "pert", "triangular"), default="beta",
                   help="distribution on each uncertain parameter's declared range (default beta: mean "
                   "at the base-case value; pert and triangular peak there instead, for comparison)")
    p.add_argument("--posterior", action=argparse.BooleanOptionalAction, default=True,
                   help="draw calibrated parameters jointly from data/posterior.csv (default; "
                   "--no-posterior draws them from their ranges like the others)")
    p.add_argument("--sensitivity-replicates", type=int, default=2, metavar="N",
                   help="with --out: replicates for the one-way, two-way and scenario analyses "
                   "(default 2; 0 skips them)")
    p.set_defaults(func=cmd_cea)

    p = add_command(sub, "icers", "incremental cost-effectiveness analysis of a CSV of strategies",
                    ["mentorsim icers strategies.csv",
                     "mentorsim icers strategies.csv --wtp 500 1000 --format json"],
                    description="Read a CSV with columns strategy, cost, effect; print each strategy "
                    "with its status (frontier, dominated, extendedly dominated), incremental cost "
                    "and effect, and ICER.")
    p.add_argument("file", type=Path, help="CSV file with columns strategy, cost, effect")
    p.add_argument("--wtp", nargs="+", default=None, metavar="W",
                   help="also report net monetary benefit at these willingness-to-pay values")
    p.add_argument("--format", choices=("table", "json"), default="table", help="what to print")
    p.set_defaults(func=cmd_icers)


# --- shared helpers ------------------------------------------------------------------------------

def parse_wtp(values, gdp: float, opportunity_cost_multiple: float | None = None) -> list[float]:
    """Willingness-to-pay values: numbers, or multiples of GDP per capita written ``0.5x``.

    Default: DEFAULT_WTP_MULTIPLES x GDP per capita, plus ``economics.opportunity_cost_multiple``
    if it is set to another value."""
    from mentorsim.economics.cea import DEFAULT_WTP_MULTIPLES, default_wtp
    if not values:
        mult = set(DEFAULT_WTP_MULTIPLES)
        if opportunity_cost_multiple is not None:
            mult = (mult - {0.34}) | {float(opportunity_cost_multiple)}
        return default_wtp(gdp, sorted(mult))
    out = []
    for v in values:
        s = str(v).strip().lower()
        mult = s.endswith("x")
        try:
            x = float(s[:-1] if mult else s)
        except ValueError:
            raise input_error("--wtp", None, "must be a number (USD per unit of effect) or a multiple of "
                              "GDP per capita like 0.5x", v) from None
        if not math.isfinite(x) or x < 0:
            raise input_error("--wtp", None, "must be a finite, non-negative value", v)
        out.append(x * gdp if mult else x)
    return sorted(set(out))


def _wtp_label(w: float, gdp: float) -> str:
    return f"US${w:,.0f} ({w / gdp:.2g} x GDP per capita)"


def _finite(x) -> bool:
    return x is not None and math.isfinite(x)


def _money(x) -> str:
    return f"{x:,.0f}" if _finite(x) else "-"


def _num(x, d=1) -> str:
    return f"{x:,.{d}f}" if _finite(x) else "-"


def _pct(x) -> str:
    return f"{100 * x:.0f}%" if _finite(x) else "-"


def _table(header, rows, markdown=False) -> str:
    rows = [[str(c) for c in r] for r in rows]
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
        return "\n".join(lines + ["| " + " | ".join(r) + " |" for r in rows])
    widths = [max(len(str(x[i])) for x in rows + [list(header)]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*header), fmt.format(*["-" * w for w in widths])]
                     + [fmt.format(*r).rstrip() for r in rows])


# --- mentorsim icers -----------------------------------------------------------------------------

def cmd_icers(args) -> int:
    from mentorsim.economics.cea import (
        format_icer_table,
        incremental_analysis,
        read_strategies_csv,
        to_records,
        wtp_summary,
    )
    from mentorsim.output_folder import dumps
    from mentorsim.parameters.model_table import PARAMS_BY_NAME
    table = read_strategies_csv(args.file)
    result = incremental_analysis(table, str(args.file))
    gdp = float(PARAMS_BY_NAME["economics.gdp_per_capita_usd"].default)
    wtp = parse_wtp(args.wtp, gdp) if args.wtp else []
    if args.format == "json":
        from mentorsim.provenance import metadata
        payload = {"file": str(args.file), "units": "as in the file (cost and effect columns)",
                   "strategies": to_records(result), "metadata": metadata(None, file=str(args.file))}
        if wtp:
            payload["net_monetary_benefit"] = to_records(wtp_summary(table, wtp))
        print(dumps(payload))
        return 0
    print(f"Incremental analysis of {args.file} ({len(result)} strategies; units as in the file)")
    print(format_icer_table(result))
    if wtp:
        print("\nNet monetary benefit = wtp x effect - cost:")
        s = wtp_summary(table, wtp)
        print(_table(["wtp", "choose", "its NMB"], [[_money(r.wtp), r.best, _money(r.best_nmb)]
                                                      for r in s.itertuples(index=False)]))
    return 0


# --- mentorsim cea -------------------------------------------------------------------------------

def cmd_cea(args) -> int:
    from mentorsim.economics.evaluation import evaluate_strategies
    check_replicates(args.replicates)
    if args.psa < 0 or args.psa > 100000:
        raise input_error("--psa", None, "must be a whole number from 0 to 100000", args.psa)
    if args.workers < 1 or args.workers > 64:
        raise input_error("--workers", None, "must be a whole number from 1 to 64", args.workers)
    scenarios = load_all(args.scenarios, args.sets)
    if args.out is not None:
        from mentorsim.output_folder import check_writable
        check_writable(args.out)
    gdp = float(scenarios[0].params["economics.gdp_per_capita_usd"])
    wtp = parse_wtp(args.wtp, gdp, scenarios[0].params["economics.opportunity_cost_multiple"])
    strategies = [(s.name, dict(s.params)) for s in scenarios]
    _note_settings(strategies)
    warn_few_replicates(args.replicates)
    n_runs = (len(strategies) + 1) * args.replicates
    results = with_progress(lambda cb: evaluate_strategies(strategies, args.seed, args.replicates, cb),
                             n_runs, "runs")
    report = build_report(results, wtp, gdp, args)
    if args.out is None:
        psa = run_psa_for(scenarios, args) if args.psa else None
        if psa is not None:
            add_psa(report, psa, results, wtp, gdp)
        _print(report, args)
        return 0
    from mentorsim.output_folder import output_dir
    with output_dir(args.out, report["metadata"]) as stage:
        write_deterministic(results, report, stage, wtp)
        if args.psa:
            psa = run_psa_for(scenarios, args, stage / "psa_draws.csv")
            add_psa(report, psa, results, wtp, gdp)
            write_psa(psa, report, stage, wtp, gdp)
        if args.sensitivity_replicates > 0:
            write_sensitivity(scenarios, results, report, stage, wtp, gdp, args)
        from mentorsim.output_folder import dumps
        (stage / "cea.json").write_text(dumps(json_safe(report)))
        from mentorsim.economics import cheers
        (stage / "cea.md").write_text(policy_text(report, markdown=True) + "\n\n"
                                      + cheers.markdown(scenarios[0].params, psa=bool(args.psa),
                                                        voi=bool(args.psa)) + "\n")
    _print(report, args)
    if args.format == "table":
        print(f"\nwrote tables, plots and metadata to {args.out}/")
    return 0


def _note_settings(strategies) -> None:
    """Warn (stderr) when strategies differ in setting, not only in mentorship."""
    from mentorsim.economics.evaluation import comparator_params
    base = comparator_params(strategies[0][1])
    for name, params in strategies[1:]:
        diff = sorted(k for k, v in comparator_params(params).items() if base.get(k) != v)
        if diff:
            print(f"mentorsim: note: {name} differs from {strategies[0][0]} in its setting ("
                  f"{', '.join(diff[:4])}{', ...' if len(diff) > 4 else ''}); each strategy's effects are "
                  "against no mentorship in its own setting, and the no_mentorship row is the first "
                  "strategy's", file=sys.stderr)


def _print(report, args) -> None:
    if args.format == "json":
        from mentorsim.output_folder import dumps
        print(dumps(json_safe(report)))
    else:
        print(policy_text(report))


def build_report(results, wtp, gdp, args) -> dict:
    """Everything the tables, JSON and plots need from the deterministic runs."""
    import pandas as pd

    from mentorsim.economics import sustainability as sus
    from mentorsim.economics.cea import incremental_analysis, to_records, wtp_summary
    from mentorsim.economics.evaluation import CAPACITY_KEYS, item_table, strategy_table
    from mentorsim.parameters.cost_table import PERSPECTIVE_NAMES, PERSPECTIVES, PRICE_LABEL, perspective
    from mentorsim.provenance import metadata
    first = results[0].params
    records = pd.concat([s.records() for s in results], ignore_index=True)
    icers = {key: incremental_analysis(strategy_table(results, key)) for key in EFFECTS.values()}
    mentee = bool(first["economics.cost_mentee_time"])
    by_perspective = []
    for flag in (False, True):
        cost_key = "cost_net_health_system_usd" if not flag else "cost_net_plus_mentee_time_usd"
        for r in to_records(incremental_analysis(strategy_table(results, "dalys_averted", cost_key))):
            by_perspective.append({"perspective": PERSPECTIVE_NAMES[flag], "base_case": flag == mentee,
                                   "strategy": r["strategy"], "net_cost": r["cost"], "dalys_averted": r["effect"],
                                   "status": r["status"], "reference": r["reference"], "icer": r["icer"]})
    strat = []
    for s in results:
        m = s.mean()
        strat.append({"strategy": s.name, **{k: m[k] for k in (
            "cost_programme_usd", "savings_ssi_usd", "cost_net_usd", "cost_programme_undiscounted_usd",
            "mentee_time_usd", "cost_net_health_system_usd", "cost_net_plus_mentee_time_usd",
            "dalys_averted", "dalys_averted_undiscounted", "yll_averted", "yld_averted", "ssi_averted",
            "deaths_averted", "composite_point_months", "composite_point_months_vs_arm_per_facility",
            "cost_followup_usd", "sustain_usd_per_facility_year", "local_active_end", "local_active_f12",
            "local_active_f24", "local_trained_total", "local_lost_total", "mentees_became_mentors_total",
            "followup_local_visits", "followup_local_mentor_days", *CAPACITY_KEYS)}})
    retention = sus.retention_table(records)
    return {
        "currency": PRICE_LABEL,
        "perspective": {"name": PERSPECTIVE_NAMES[mentee], "description": perspective(first),
                        "other": PERSPECTIVE_NAMES[not mentee], "other_description": PERSPECTIVES[not mentee],
                        "parameter": "economics.cost_mentee_time"},
        "icers_by_perspective": by_perspective,
        "discounting": {"costs": first["economics.discount_rate_costs"],
                        "effects": first["economics.discount_rate_effects"],
                        "convention": "by programme year: factor (1 + r)^-floor(month / 12)"},
        "horizon": {"programme_months": first["programme.months"],
                    "followup_months": first["followup.months"],
                    "intervention_facilities": first["facilities.intervention"]},
        "gdp_per_capita_usd": gdp,
        "population": population(first),
        "wtp_usd_per_daly": wtp,
        "replicates": args.replicates,
        "strategies": strat,
        "icers": {k: to_records(v) for k, v in icers.items()},
        "net_monetary_benefit": to_records(wtp_summary(strategy_table(results, "dalys_averted"), wtp)),
        "costs_by_item": to_records(item_table(results)),
        "retention": to_records(retention),
        "capacity_warnings": capacity_warnings(strat),
        "metadata": metadata(args.seed, replicates=args.replicates, currency=PRICE_LABEL,
                             perspective=PERSPECTIVE_NAMES[mentee],
                             scenarios={s.name: {"parameters": dict(s.params)} for s in results},
                             psa_draws=args.psa, wtp=wtp),
    }


def capacity_warnings(strategies: list[dict]) -> dict[str, str]:
    """{strategy: warning} for each strategy whose mentor pool missed scheduled visits
    (``results.capacity_warning`` on its means over replicates, as ``run`` and ``compare`` give it)."""
    from mentorsim.results import capacity_warning
    warnings = {s["strategy"]: capacity_warning(s) for s in strategies}
    return {name: text for name, text in warnings.items() if text}


def population(params) -> dict:
    """The population a decision affects, for population EVPI: programmes of the modelled size a
    year (``economics.voi_facilities_per_year`` / ``facilities.intervention``) over
    ``economics.voi_horizon_years``, discounted at ``economics.discount_rate_costs`` (voi.py)."""
    from mentorsim.economics.voi import annuity_factor
    per_year = float(params["economics.voi_facilities_per_year"])
    size = int(params["facilities.intervention"])
    years = float(params["economics.voi_horizon_years"])
    rate = float(params["economics.discount_rate_costs"])
    programmes = per_year / size if size > 0 else 0.0
    return {"facilities_per_year": per_year, "facilities_per_programme": size, "programmes_per_year": programmes,
            "years": years, "discount_rate": rate, "multiplier": programmes * annuity_factor(years, rate)}


def policy_text(report: dict, markdown: bool = False) -> str:
    """The table a policy maker reads: costs, effects, ICERs, the choice at each threshold, and
    what lasts."""
    cur = report["currency"]
    h = report["horizon"]
    disc = report["discounting"]
    lines = [f"Cost-effectiveness of mentorship strategies at {h['intervention_facilities']} facilities: "
             f"{h['programme_months']}-month programme + {h['followup_months']}-month follow-up, "
             f"against no mentorship.",
             f"Money in {cur}; costs and effects discounted at {100 * disc['costs']:g}% and "
             f"{100 * disc['effects']:g}% a year; mean of {report['replicates']} replicates per strategy "
             "(common random numbers).",
             f"Perspective: {report['perspective']['description']}.", ""]
    for name, text in report.get("capacity_warnings", {}).items():  # first: it changes what the rows mean
        lines += [f"{'**Warning**' if markdown else 'warning'}: {name}: {text}", ""]
    icer = {r["strategy"]: r for r in report["icers"]["dalys_averted"]}
    icer_c = {r["strategy"]: r for r in report["icers"]["composite_point_months"]}
    rows = []
    for s in report["strategies"]:
        i = icer[s["strategy"]]
        rows.append([s["strategy"], _money(s["cost_programme_usd"]), _money(s["savings_ssi_usd"]),
                     _money(s["cost_net_usd"]), _num(s["dalys_averted"]), i["status"],
                     i["reference"] or "-", _money(i["icer"])])
    lines.append("Costs and health effect (all facilities, whole horizon):")
    lines.append(_table(["strategy", "programme cost", "SSI treatment saved", "net cost", "DALYs averted",
                         "status", "vs", "USD per DALY averted (ICER)"], rows, markdown))
    lines.append("")
    rows = []
    for s in report["strategies"]:
        i = icer_c[s["strategy"]]
        rows.append([s["strategy"], _money(s["cost_net_usd"]), _num(s["composite_point_months"], 0),
                     i["status"], i["reference"] or "-", _num(i["icer"])])
    lines.append("Quality effect (composite adherence gained, facility percentage-point months):")
    lines.append(_table(["strategy", "net cost", "point-months gained", "status", "vs",
                         "USD per point-month (ICER)"], rows, markdown))
    lines.append("")
    lines.append("ICER: extra cost per extra unit of effect against the next cheaper strategy on the "
                 "efficiency "
                 "frontier ('vs'); '-' for the cheapest and for dominated strategies.")
    lines += [""] + _perspective_lines(report, markdown)
    lines.append("")
    gdp = report["gdp_per_capita_usd"]
    lines.append("Strategy to choose (highest net monetary benefit) at each willingness to pay per "
                 "DALY averted:")
    for r in report["net_monetary_benefit"]:
        lines.append(f"  {_wtp_label(r['wtp'], gdp)}: {r['best']} "
                     f"(net monetary benefit {_money(r['best_nmb'])})")
    if "verdict" in report:
        v = report["verdict"]
        from mentorsim.economics.decision import format_interval
        lines[0:0] = ["Verdict: " + v["sentence"],
                      "Probability of being cost-effective against " + v["versus"] + ": " + ", ".join(
                          f"{m:g}x GDP per capita (US${t:,.0f}) {_pct(v['probability'][m])}"
                          for m, t in v["thresholds"].items()) + f" ({v['draws']} PSA draws).",
                      "Net cost per DALY averted: base case " + format_interval(
                          v.get("det_icer", math.nan), v.get("det_low", math.nan), v.get("det_high", math.nan))
                      + f" (95% interval: seed noise over {report['replicates']} replicates); PSA "
                      + format_interval(v["icer"], v["icer_low"], v["icer_high"])
                      + " (95% interval: parameter uncertainty, posterior and input distributions).", ""]
    if "psa" in report:
        psa = report["psa"]
        lines.append("")
        lines.append(f"Probabilistic sensitivity analysis ({psa['draws']} draws, {psa['scope']} scope, "
                     f"{psa['distribution']} distributions): probability each strategy is the most "
                     "cost-effective, and the expected value of perfect information.")
        names = psa["strategies"]
        pop = report["population"]
        rows = [[_money(r["wtp"])] + [_pct(r[n]) for n in names]
                + [r["optimal"], _money(r["evpi_usd"]), _money(r["evpi_population_usd"])] for r in psa["by_wtp"]]
        lines.append(_table(["wtp (USD/DALY)"] + names + ["optimal (CEAF)", "EVPI per programme",
                                                          "EVPI per population"], rows, markdown))
        lines.append(f"EVPI per programme: {h['intervention_facilities']} facilities over {h['programme_months']} + "
                     f"{h['followup_months']} months. Per population: {pop['facilities_per_year']:g} facilities "
                     f"a year (economics.voi_facilities_per_year, {pop['programmes_per_year']:.2g} programmes) for "
                     f"{pop['years']:g} years (economics.voi_horizon_years) at {100 * pop['discount_rate']:g}% "
                     f"discount: x{pop['multiplier']:,.2f}. The most a decision maker should pay for research "
                     "that removed all uncertainty.")
        o = report.get("psa_other_perspective")
        if o:
            focal = next((n for n in names if n != "no_mentorship"), names[-1])
            lines.append(f"The same draws in the {o['perspective']} perspective: P({focal} best) and EVPI per "
                         "programme / population: " + "; ".join(
                             f"US${r['wtp']:,.0f} {_pct(r[focal])}, {_money(r['evpi_usd'])} / "
                             f"{_money(r['evpi_population_usd'])}" for r in o["by_wtp"]) + ".")
        lines.extend(_comparison_lines(report, markdown))
    lines.append("")
    lines.append("What lasts (gain over no mentorship, same seed; retained = gain k months after the end "
                 "/ gain at the end):")
    ret = {(r["strategy"], r["indicator"]): r for r in report["retention"]}
    rows = []
    for s in report["strategies"]:
        r = ret.get((s["strategy"], "composite"), {})
        rows.append([s["strategy"], _num(r.get("gain_end_pp")), _pct(r.get("retained_12m")),
                     _pct(r.get("retained_24m")), _num(s["local_active_f24"], 0),
                     _num(s["followup_local_visits"], 0), _money(s["sustain_usd_per_facility_year"])])
    lines.append(_table(["strategy", "composite gain at end (pts)", "retained 12 m", "retained 24 m",
                         "local mentors on the books at 24 m", "local visits in follow-up",
                         "cost to sustain (USD/facility-year)"], rows, markdown))
    if "sensitivity" in report:
        lines += [""] + sensitivity_lines(report, markdown)
    if report.get("evppi_top"):
        lines += ["", "Which evidence is worth collecting (EVPPI per programme, above the noise floor; "
                  "evppi.csv, evppi.png): " + "; ".join(
                      f"at US${w:,.0f}: " + ", ".join(f"{r['name']} {_money(r['evppi'])}"
                                                      for r in report["evppi_top"] if r["wtp"] == w)
                      for w in sorted({r["wtp"] for r in report["evppi_top"]}))]
    lines.append("")
    lines.append(f"All costs: {cur}. Per-domain retention, costs by item and facility-month: "
                 "see the --out folder "
                 "or --format json.")
    return "\n".join(lines)


def _perspective_lines(report: dict, markdown: bool) -> list[str]:
    """Net cost and ICER of each strategy under both perspectives (from the same runs)."""
    rows = [[r["perspective"] + (" (base case)" if r["base_case"] else ""), r["strategy"], _money(r["net_cost"]),
             _num(r["dalys_averted"]), r["status"], r["reference"] or "-", _money(r["icer"])]
            for r in report["icers_by_perspective"]]
    mentee = {s["strategy"]: s["mentee_time_usd"] for s in report["strategies"]}
    return ["By perspective (health system; health system plus mentees' time, costs.* mentee parameters; "
            "value of mentee time: " + ", ".join(f"{k} {_money(v)}" for k, v in mentee.items()) + "):",
            _table(["perspective", "strategy", "net cost", "DALYs averted", "status", "vs",
                    "USD per DALY averted (ICER)"], rows, markdown)]


def _comparison_lines(report: dict, markdown: bool) -> list[str]:
    """Deterministic and probabilistic results side by side, the explanation, ICER intervals."""
    lines: list[str] = []
    cmp_ = report.get("deterministic_vs_probabilistic")
    if cmp_:
        lines += ["", "Deterministic (base case) and probabilistic (PSA mean) results side by side:"]
        rows = [[r["strategy"], _money(r["det_cost"]), _money(r["psa_cost"]), _num(r["det_effect"]),
                 _num(r["psa_effect"]), _num(r["effect_ratio"], 2)] for r in cmp_["strategies"]]
        lines.append(_table(["strategy", "net cost, base case", "net cost, PSA mean", "DALYs averted, base case",
                             "DALYs averted, PSA mean", "PSA / base DALYs"], rows, markdown))
        rows = [[_money(r["wtp"]), r["deterministic"], r["probabilistic"], _pct(r["probability_best"]),
                 "yes" if r["agree"] else "NO"] for r in cmp_["by_wtp"]]
        lines.append(_table(["wtp (USD/DALY)", "choice, base case", "choice, PSA (highest expected NMB)",
                             "P(PSA choice is best)", "agree"], rows, markdown))
        lines += ["Why: " + e for e in cmp_["explanations"]]
    chk = [r for r in report.get("posterior_check", []) if r["outside"]]
    if chk:
        lines.append("Note: calibrated defaults outside their posterior's 95% interval (the base case is "
                     "then not a value the data support): " + "; ".join(
                         f"{r['parameter']} = {r['base']:.3g} (posterior mean {r['posterior_mean']:.3g}, "
                         f"[{r['low']:.3g}, {r['high']:.3g}])" for r in chk) + ".")
    icers = report.get("icers_psa")
    if icers:
        lines += ["", "ICERs against no mentorship over the PSA draws (95% interval of per-draw ICERs: "
                  "parameter uncertainty; shown only when every draw averts DALYs):"]
        rows = [[r["strategy"], _money(r["inc_cost"]), _num(r["inc_effect"]), _money(r["icer"]),
                 f"[{_money(r['icer_low'])}, {_money(r['icer_high'])}]", _pct(r["share_se"]),
                 _pct(r["share_nw"])] for r in icers]
        lines.append(_table(["strategy", "inc. cost (mean)", "inc. DALYs (mean)", "ICER (ratio of means)",
                             "95% interval", "draws dominant", "draws dominated"], rows, markdown))
    return lines


# --- PSA -----------------------------------------------------------------------------------------

def run_psa_for(scenarios, args, draws_csv: Path | None = None):
    """Run the PSA; if ``draws_csv`` is given, append each draw's records as it completes."""
    import pandas as pd

    from mentorsim.economics.psa import Strategy, run_psa
    header = [True]

    def on_draw(_draw, _drawn, records):
        if draws_csv is None:
            return
        pd.DataFrame(records).to_csv(draws_csv, mode="a", header=header[0], index=False)
        header[0] = False

    from mentorsim.economics.psa import POSTERIOR_FILE, load_posterior
    if not args.posterior:
        print("mentorsim: note: --no-posterior: calibrated parameters are drawn independently over their "
              "prior ranges, ignoring what the calibration data allow", file=sys.stderr)
    elif load_posterior() is None:
        print(f"mentorsim: note: no data/{POSTERIOR_FILE} yet; calibrated parameters are drawn from "
              "their ranges like the others", file=sys.stderr)
    return run_psa([Strategy.from_scenario(s) for s in scenarios], args.psa, seed=args.seed,
                   workers=args.workers, scope=args.psa_scope, distribution=args.psa_distribution,
                   use_posterior=args.posterior, on_draw=on_draw)


def add_psa(report: dict, psa, results, wtp, gdp) -> None:
    """Add the PSA's summary, the deterministic-probabilistic comparison, the ICER intervals, the
    verdict and the posterior check to ``report``."""
    import pandas as pd

    from mentorsim.economics import decision
    from mentorsim.economics.cea import to_records
    from mentorsim.economics.evaluation import strategy_table
    from mentorsim.economics.psa import load_posterior
    report["psa"] = psa_summary(psa, wtp, report["population"]["multiplier"])
    other = report["perspective"]["other"]
    other_cost = "cost_net_plus_mentee_time_usd" if other != "health_system" else "cost_net_health_system_usd"
    if other_cost in psa.records.columns:  # the same draws costed in the other perspective
        ceac, evpi = psa.ceac(wtp, cost=other_cost), psa.evpi(wtp, cost=other_cost)
        report["psa_other_perspective"] = {"perspective": other, "by_wtp": [
            {"wtp": w, **{n: float(ceac.loc[w, n]) for n in psa.strategies}, "evpi_usd": float(evpi.loc[w]),
             "evpi_population_usd": float(evpi.loc[w]) * report["population"]["multiplier"]} for w in wtp]}
    first = results[0].params if results[0].name != psa.comparator or len(results) < 2 else results[1].params
    report["deterministic_vs_probabilistic"] = decision.compare(strategy_table(results, "dalys_averted"), psa,
                                                                wtp, base_params=first)
    grid = sorted(set(wtp) | {m * gdp for m in decision.VERDICT_MULTIPLES})
    report["icers_psa"] = to_records(decision.icer_summary(psa, grid))
    focal = next((s for s in results if s.name != psa.comparator), None)
    if focal is not None:
        rec = focal.records()
        det = decision.replicate_interval(rec["cost_net_usd"], rec["dalys_averted"], seed=psa.seed)
        report["verdict"] = decision.verdict(psa, focal.name, gdp, det_icer=det)
    if report["psa"]["posterior_used"]:
        chk = decision.posterior_check(load_posterior(), first)
        report["posterior_check"] = to_records(pd.DataFrame(chk))


def psa_summary(psa, wtp, multiplier: float = 1.0) -> dict:
    """CEAC, CEAF and EVPI at each wtp; ``multiplier`` scales EVPI per programme to the population."""
    ceac = psa.ceac(wtp)
    ceaf = psa.ceaf(wtp).set_index("wtp")
    evpi = psa.evpi(wtp)
    rows = []
    for w in wtp:
        row = {"wtp": w}
        row.update({s: float(ceac.loc[w, s]) for s in psa.strategies})
        row["optimal"] = ceaf.loc[w, "optimal"]
        row["expected_nmb"] = float(ceaf.loc[w, "expected_nmb"])
        row["evpi_usd"] = float(evpi.loc[w])
        row["evpi_population_usd"] = float(evpi.loc[w]) * multiplier
        rows.append(row)
    means = psa.records.groupby("strategy", sort=False)[["cost_net_usd", "dalys_averted",
                                                          "composite_point_months"]].agg(["mean", "std"])
    means.columns = [f"{a}_{b}" for a, b in means.columns]
    return {"draws": psa.n_draws, "seed": psa.seed, "scope": psa.scope, "distribution": psa.distribution,
            "posterior_used": "posterior_row" in psa.parameters.columns,
            "strategies": psa.strategies, "by_wtp": rows,
            "means": means.reset_index().to_dict(orient="records")}


# --- files ---------------------------------------------------------------------------------------

def write_deterministic(results, report, stage: Path, wtp) -> None:
    import pandas as pd

    from mentorsim.economics import plots as econ_plots
    from mentorsim.economics.cea import incremental_analysis
    from mentorsim.economics.evaluation import item_table, strategy_table
    pd.concat([s.records() for s in results]).to_csv(stage / "strategies_by_replicate.csv", index=False)
    for key in EFFECTS.values():
        incremental_analysis(strategy_table(results, key)).to_csv(stage / f"icers_{key}.csv", index=False)
    pd.DataFrame(report["net_monetary_benefit"]).to_csv(stage / "net_monetary_benefit.csv", index=False)
    pd.DataFrame(report["icers_by_perspective"]).to_csv(stage / "icers_by_perspective.csv", index=False)
    items = item_table(results)
    items.to_csv(stage / "costs_by_item.csv", index=False)
    pd.concat([s.cost_by_facility_month() for s in results]).to_csv(stage / "costs_by_facility_month.csv",
                                                                   index=False)
    pd.DataFrame(report["retention"]).to_csv(stage / "retention.csv", index=False)
    pool = pd.concat([s.pool_by_month() for s in results])
    pool.to_csv(stage / "mentor_pool_by_month.csv", index=False)
    means = strategy_table(results, "dalys_averted")
    econ_plots.ce_plane(means, incremental_analysis(means), stage / "ce_plane.png", wtp=wtp)
    econ_plots.cost_breakdown(items, stage / "cost_breakdown.png")
    econ_plots.retained_gain({s.name: s.mean_gains() for s in results},
                             results[0].runs[0].account.programme_weeks,
                             stage / "retained_gain.png")
    econ_plots.mentor_pool(pool, stage / "mentor_pool.png")


def write_psa(psa, report, stage: Path, wtp, gdp) -> None:
    import pandas as pd

    from mentorsim.economics import plots as econ_plots
    from mentorsim.economics.cea import incremental_analysis
    from mentorsim.economics.psa import wtp_grid
    psa.parameters.to_csv(stage / "psa_parameters.csv", index=False)
    grid = sorted(set(wtp_grid(max(3 * gdp, max(wtp))).tolist()) | set(wtp))
    curves = psa.ceac(grid)
    curves.to_csv(stage / "ceac.csv")
    frontier = psa.ceaf(grid)
    frontier.to_csv(stage / "ceaf.csv", index=False)
    evpi = psa.evpi(grid).to_frame()
    evpi["evpi_population_usd"] = evpi["evpi_usd"] * report["population"]["multiplier"]
    evpi.to_csv(stage / "evpi.csv")
    econ_plots.ceac(curves, stage / "ceac.png", frontier, marks=wtp)
    plane = psa.ce_plane()
    plane.to_csv(stage / "ce_plane_psa.csv", index=False)
    means = pd.DataFrame([{"strategy": s["strategy"], "cost": s["cost_net_usd"], "effect": s["dalys_averted"]}
                          for s in report["strategies"]])
    econ_plots.ce_plane(means, incremental_analysis(means), stage / "ce_plane.png", psa_plane=plane, wtp=wtp)
    from mentorsim.economics import voi
    from mentorsim.parameters.cost_table import PRICE_LABEL
    if psa.n_draws >= voi.MIN_DRAWS:
        t = voi.evppi_table(psa.records, psa.parameters, wtp, seed=psa.seed)
        t["evppi_population"] = t["evppi"] * report["population"]["multiplier"]
        t.to_csv(stage / "evppi.csv", index=False)
        voi.plot_evppi(t, stage / "evppi.png", money=PRICE_LABEL)
        report["evppi_top"] = _evppi_top(t)
    cmp_ = report.get("deterministic_vs_probabilistic", {})
    for w, rows in cmp_.get("drivers", {}).items():
        pd.DataFrame(rows).to_csv(stage / f"psa_shift_drivers_wtp{w}.csv", index=False)
    pd.DataFrame(report.get("icers_psa", [])).to_csv(stage / "icers_psa.csv", index=False)


def _evppi_top(table, top: int = 5) -> list[dict]:
    """The parameters with the largest EVPPI at each wtp (above the noise floor)."""
    out = []
    for w, sub in table.groupby("wtp"):
        sub = sub[sub["clear"]].head(top)
        out += [{"wtp": float(w), "name": r.name, "evppi": float(r.evppi), "evpi": float(r.evpi)}
                for r in sub.itertuples()]
    return out



def write_sensitivity(scenarios, results, report, stage: Path, wtp, gdp, args) -> None:
    """One-way (tornado) and two-way sensitivity on net monetary benefit, and the scenario
    analyses (economics/oneway.py), at 0.5x GDP per capita; tables, plots and report entries."""
    from mentorsim.economics import oneway
    from mentorsim.economics.decision import VERDICT_MULTIPLES, posterior_check
    from mentorsim.economics.evaluation import COMPARATOR
    from mentorsim.economics.psa import load_posterior, psa_parameter_names
    from mentorsim.parameters.cost_table import PRICE_LABEL
    from mentorsim.parameters.model_table import PARAMS_BY_NAME
    focal_scs = [s for s in scenarios if s.name != COMPARATOR]
    if not focal_scs:
        return
    ref = 0.5 * gdp
    post = load_posterior() if args.posterior else None
    chk = posterior_check(post, focal_scs[0].params)
    names = sorted(set(psa_parameter_names(args.psa_scope))
                   | {p.name for p in PARAMS_BY_NAME.values() if p.tag == "calibrated" and p.kind is not bool
                      and p.name in set(chk["parameter"])})
    n = args.sensitivity_replicates
    settings = oneway.scenario_settings(focal_scs[0].params)
    if not focal_scs[0].params["economics.cost_mentee_time"]:  # they move nothing in this perspective
        from mentorsim.economics.costs import MENTEE_PARAMS
        names = [n for n in names if n not in MENTEE_PARAMS]
    total = 2 * len(names) + 25 + len(settings)
    from contextlib import nullcontext

    from tqdm import tqdm

    from mentorsim.executors import process_pool
    workers = args.workers or 1
    with tqdm(total=total, unit="step", desc="sensitivity", file=sys.stderr, disable=None, leave=False) as bar, \
            (process_pool(workers) if workers > 1 else nullcontext()) as pool:
        tick = lambda: bar.update(1)  # noqa: E731 - a one-line callback
        # with --workers, every setting's runs go to the worker processes (the same tables)
        every = oneway.pool_evaluate_all(pool, args.seed, n) if pool is not None else None
        table = oneway.one_way(focal_scs, names, args.seed, n, ref, ranges=oneway.parameter_ranges(names, chk),
                               tick=tick, evaluate_all=every)
        table.to_csv(stage / "oneway_nmb.csv", index=False)
        oneway.plot_tornado(table, stage / "tornado.png", money=PRICE_LABEL)
        top = table.dropna(subset=["swing"])["parameter"].head(2).tolist()
        if len(top) == 2:
            ranges = oneway.parameter_ranges(top, chk)
            grid = oneway.two_way(focal_scs, top[0], top[1], args.seed, n, ref, ranges=ranges, tick=tick,
                                  evaluate_all=every)
            grid.to_csv(stage / "twoway_nmb.csv", index=False)
            oneway.plot_two_way(grid, top[0], top[1], stage / "twoway_nmb.png", money=PRICE_LABEL)
        thresholds = [m * gdp for m in VERDICT_MULTIPLES]
        scen = oneway.scenario_analyses(focal_scs, args.seed, n, thresholds, settings=settings, tick=tick,
                                        evaluate_all=every)
        scen.to_csv(stage / "scenario_analyses.csv", index=False)
    report["sensitivity"] = {"wtp": ref, "perspective": report["perspective"]["name"], "replicates": n, "focal": focal_scs[0].name,
                             "inmb_base": table.attrs.get("inmb_base"),
                             "tornado_top": table.head(10).to_dict(orient="records"),
                             "twoway": top, "scenarios": scen.to_dict(orient="records")}
    with open(stage / "sensitivity.md", "w") as fh:
        fh.write("\n".join(sensitivity_lines(report, markdown=True)) + "\n")


def sensitivity_lines(report: dict, markdown: bool = False) -> list[str]:
    """The tornado's top rows and the scenario analyses as text."""
    s = report.get("sensitivity")
    if not s:
        return []
    lines = [f"One-way sensitivity of {s['focal']} against no mentorship: incremental net monetary benefit "
             f"(INMB) at US${s['wtp']:,.0f} per DALY (0.5x GDP per capita; base case {_money(s['inmb_base'])}; "
             f"{s['replicates']} replicates per point, common random numbers; perspective "
             f"{s.get('perspective', '-')}):"]
    rows = [[r["parameter"], r["range"], f"{r['low_value']:.3g} - {r['high_value']:.3g}", _money(r["inmb_low"]),
             _money(r["inmb_high"]), _money(r["swing"]), f"{r['winner_low']} / {r['winner_high']}",
             f"{_money(r['icer_low'])} / {_money(r['icer_high'])}",
             "-" if not _finite(r["switch_value"]) else f"{r['switch_value']:.3g}"] for r in s["tornado_top"]]
    lines.append(_table(["parameter", "range", "low - high", "INMB low", "INMB high", "swing", "winner low / high",
                         "ICER low / high", "switch value"], rows, markdown))
    lines += ["", "Scenario analyses (all strategies, no mentorship included, with the setting changed):"]
    keys = [k for k in s["scenarios"][0] if k.startswith("winner_")] if s["scenarios"] else []
    rows = [[r["group"], r["setting"], _money(r.get("inc_cost")), _num(r.get("inc_dalys")), _money(r.get("icer"))]
            + [r.get(k, "-") for k in keys] for r in s["scenarios"]]
    lines.append(_table(["analysis", "setting", "inc. cost", "inc. DALYs", "ICER"]
                        + [f"choice at US${float(k[7:]):,.0f}" for k in keys], rows, markdown))
    return lines
