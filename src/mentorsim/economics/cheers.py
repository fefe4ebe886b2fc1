"""The CHEERS 2022 checklist for mentorsim's economic evaluation.

CHEERS 2022: Consolidated Health Economic Evaluation Reporting Standards (Husereau et al., BMJ
2022;376:e067975; Value Health 2022;25:3-9), 28 items. :func:`checklist` fills each item with
where the report (``mentorsim report``) and ``mentorsim cea --out`` answer it, or why it does not
apply, taking the perspective, horizon, discount rates, currency and price year from the
parameters actually used (``economics.*``, ``programme.months``, ``followup.months``,
``cost_table.PRICE_LABEL``). :func:`markdown` renders it as a table.

Status: ``reported`` (the outputs answer it), ``partly`` (answered with a stated gap), ``user``
(the person writing up the study must answer it: funding, conflicts, engagement), ``not
applicable``.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from mentorsim.parameters.cost_table import CURRENCY, PERSPECTIVES, PRICE_LABEL, PRICE_YEAR
from mentorsim.parameters.model_table import PARAMS_BY_NAME

STATUSES = ("reported", "partly", "user", "not applicable")

#: The 28 items: (number, section, topic).
ITEMS: tuple[tuple[int, str, str], ...] = (
    (1, "Title", "Title"),
    (2, "Abstract", "Abstract"),
    (3, "Introduction", "Background and objectives"),
    (4, "Methods", "Health economic analysis plan"),
    (5, "Methods", "Study population"),
    (6, "Methods", "Setting and location"),
    (7, "Methods", "Comparators"),
    (8, "Methods", "Perspective"),
    (9, "Methods", "Time horizon"),
    (10, "Methods", "Discount rate"),
    (11, "Methods", "Selection of outcomes"),
    (12, "Methods", "Measurement of outcomes"),
    (13, "Methods", "Valuation of outcomes"),
    (14, "Methods", "Measurement and valuation of resources and costs"),
    (15, "Methods", "Currency, price date, and conversion"),
    (16, "Methods", "Rationale and description of model"),
    (17, "Methods", "Analytics and assumptions"),
    (18, "Methods", "Characterising heterogeneity"),
    (19, "Methods", "Characterising distributional effects"),
    (20, "Methods", "Characterising uncertainty"),
    (21, "Methods", "Approach to engagement with patients and others affected by the study"),
    (22, "Results", "Study parameters"),
    (23, "Results", "Summary of main results"),
    (24, "Results", "Effect of uncertainty"),
    (25, "Results", "Effect of engagement with patients and others affected by the study"),
    (26, "Discussion", "Study findings, limitations, generalisability, and current knowledge"),
    (27, "Other relevant information", "Source of funding"),
    (28, "Other relevant information", "Conflicts of interest"),
)

#: What mentorsim costs by default, i.e. the perspective (see docs/ECONOMICS.md, "Perspective").
DEFAULT_PERSPECTIVE = PERSPECTIVES[False]


def _value(params: Mapping | None, name: str):
    if params is not None and name in params:
        return params[name]
    return PARAMS_BY_NAME[name].default


def settings(params: Mapping | None = None, perspective: str | None = None) -> dict:
    """Perspective, horizon, discounting, currency and price year of an analysis with ``params``."""
    months = int(_value(params, "programme.months"))
    follow = int(_value(params, "followup.months"))
    mentee = bool(_value(params, "economics.cost_mentee_time"))
    return {"perspective": perspective or PERSPECTIVES[mentee], "mentee_time_costed": mentee,
            "other_perspective": PERSPECTIVES[not mentee],
            "horizon_months": months + follow, "programme_months": months, "followup_months": follow,
            "discount_rate_costs": float(_value(params, "economics.discount_rate_costs")),
            "discount_rate_effects": float(_value(params, "economics.discount_rate_effects")),
            "currency": CURRENCY, "price_year": PRICE_YEAR, "price_label": PRICE_LABEL,
            "exchange_rate_tzs_per_usd": float(_value(params, "costs.exchange_rate_tzs_per_usd")),
            "gdp_per_capita_usd": float(_value(params, "economics.gdp_per_capita_usd")),
            "opportunity_cost_multiple": float(_value(params, "economics.opportunity_cost_multiple"))}


def checklist(params: Mapping | None = None, psa: bool = False, voi: bool = False,
              perspective: str | None = None) -> pd.DataFrame:
    """The 28 CHEERS 2022 items: item, section, topic, status, answer (where it is answered or why
    not). ``psa``/``voi``: whether this analysis ran a PSA / value-of-information analysis."""
    s = settings(params, perspective)
    years = s["horizon_months"] / 12
    dr_c, dr_e = 100 * s["discount_rate_costs"], 100 * s["discount_rate_effects"]
    psa_files = ("PSA: ce_plane_psa.csv, ceac.csv/ceac.png, ceaf.csv, evpi.csv" if psa else
                 "no PSA in this analysis (run cea with --psa N)")
    voi_files = ("EVPPI per parameter (evppi.csv, evppi.png; economics/voi.py)" if voi else
                 "EVPPI not run (mentorsim voi on the PSA draws)")
    a: dict[int, tuple[str, str]] = {
        1: ("user", "The write-up's title must say 'cost-effectiveness analysis' and name the strategies; "
                    "cea.md heads each table with the strategies compared."),
        2: ("user", "The write-up's abstract; cea.md's opening lines give the result at each willingness to pay."),
        3: ("reported", "Question: which mix of in-person visits, telementoring and WhatsApp mentorship gives "
                        "most quality and health per dollar (README, docs/ECONOMICS.md); setting in docs/ODD.md."),
        4: ("partly", "No pre-registered analysis plan; the analysis is fixed by the code and docs/ECONOMICS.md, "
                      "version and git commit in manifest.json."),
        5: ("reported", "Surgical staff of 10 intervention facilities (surgical providers, anaesthesia, theatre "
                        "and ward nurses) and their surgical patients (caesarean and other major operations); "
                        "docs/ODD.md, parameters staff.* and ssi.*."),
        6: ("reported", "Mara and Kagera regions, Tanzania's Lake Zone, Safe Surgery 2020 mentorship phase "
                        "(June 2018, Alidina et al. 2021); district and regional hospitals, health centres."),
        7: ("reported", "Each scenario against no mentorship in the same setting with common random numbers "
                        "(strategy no_mentorship); why: the programme's counterfactual. cea.md, icers_*.csv."),
        8: ("reported", f"Base case: {s['perspective']}. Why: the funder of a mentorship programme is the "
                        "health system; mentees' time is reported beside it because ECHO ran after hours, unpaid, "
                        "and coaching takes staff from work (Alidina et al. 2021). Also reported: "
                        f"{s['other_perspective']} (economics.cost_mentee_time; ICERs by perspective in cea.md, "
                        "icers_by_perspective.csv; a scenario analysis row in scenario_analyses.csv)."),
        9: ("reported", f"{s['horizon_months']} months ({years:.1f} years): the programme "
                        f"({s['programme_months']} months, programme.months) and follow-up "
                        f"({s['followup_months']} months, followup.months), long enough for the gain to decay; "
                        "DALYs of SSI deaths count the patient's remaining life expectancy."),
        10: ("reported", f"Costs {dr_c:g}% and effects {dr_e:g}% a year, year 1 undiscounted "
                         "(economics.discount_rate_costs/_effects; WHO-CHOICE 2003)."),
        11: ("reported", "DALYs averted (SSIs and SSI deaths averted) and composite adherence point-months "
                         "gained (quality of surgical care); cea.md, icers_dalys_averted.csv, "
                         "icers_composite_point_months.csv."),
        12: ("reported", "Simulated from the agent-based model: adherence from staff skills and knowledge, SSI "
                         "risk from adherence (ssi.relative_risk_full); docs/ODD.md, docs/OUTCOMES.md."),
        13: ("reported", "DALYs: GBD disability weights for moderate/severe infection, years of life lost to "
                         "life expectancy (economics.*); no utility survey (none in the setting)."),
        14: ("reported", "Resources counted in the run (visits, nights, km, sessions, attendees, members) times "
                         "unit prices (costs.*); costs_by_item.csv, costs_by_facility_month.csv, cost_breakdown.png."),
        15: ("reported", f"{s['price_label']}; Tanzanian shilling prices converted at "
                         f"{s['exchange_rate_tzs_per_usd']:,.0f} TZS/USD (2018 average); 2024/25 salary scales "
                         "brought to 2018 with costs.salary_price_factor."),
        16: ("reported", "Agent-based model of staff, mentors and facilities (why: learning, decay, turnover and "
                         "mentor capacity interact); open source, docs/ODD.md; parameter table in docs/PARAMETERS.md."),
        17: ("reported", "Calibration to the published outcomes (docs/CALIBRATION.md), replicates with common "
                         "random numbers, incremental analysis with dominance and extended dominance."),
        18: ("partly", "Per-facility outcomes in facilities.csv (mentorsim run --out) and costs in costs_by_facility_month.csv; no subgroup "
                       "cost-effectiveness by facility type."),
        19: ("not applicable", "No distributional (equity-weighted) analysis: the model has no socioeconomic "
                               "attributes of patients."),
        20: ("reported" if psa else "partly",
             f"Replicate intervals of every mean (seed noise); PSA with calibrated parameters drawn jointly "
             f"from the posterior and the others from beta distributions whose mean is the base case "
             f"(docs/ECONOMICS.md); {psa_files}; {voi_files}; one-way and two-way sensitivity on net "
             "monetary benefit and scenario analyses (oneway_nmb.csv, tornado.png, twoway_nmb.csv, "
             "scenario_analyses.csv)."),
        21: ("user", "No patient or stakeholder engagement in the model's design; inputs are published data "
                     "(staff interviews and surveys of Alidina et al. 2021). The write-up should say so."),
        22: ("reported", "Every input with value, range, unit, source tag and reference: mentorsim params, "
                         "docs/PARAMETERS.md, docs/SOURCES.md; values used in cea.json (metadata.scenarios)."),
        23: ("reported", "Mean costs by item, effects, incremental costs and effects, ICERs and net monetary "
                         "benefit at several willingness-to-pay values: cea.md, net_monetary_benefit.csv."),
        24: ("reported" if psa else "partly",
             f"{psa_files}; {voi_files}. Deterministic and probabilistic results side by side with the "
             "reasons they differ (cea.md); scenario analyses of the SSI-effect evidence, horizon (17 months "
             "to 10 years), discount rate (0-5%), the infrastructure grant and the perspective (scenario_analyses.csv)."),
        25: ("not applicable", "No engagement (item 21), so no effect of it to report."),
        26: ("partly", "Limits listed in docs/ECONOMICS.md, section Limits (patients' time not costed, grant without effect, "
                       "assumed prices); comparison with other evidence is for the write-up."),
        27: ("user", "mentorsim is unfunded open-source software; the study's funding is for the write-up."),
        28: ("user", "For the authors of the write-up (ICMJE form)."),
    }
    rows = [{"item": n, "section": sec, "topic": topic, "status": a[n][0], "answer": a[n][1]}
            for n, sec, topic in ITEMS]
    return pd.DataFrame(rows)


def markdown(params: Mapping | None = None, psa: bool = False, voi: bool = False,
             perspective: str | None = None) -> str:
    """The checklist as a markdown section: the key settings, then the 28 items as a table."""
    s = settings(params, perspective)
    table = checklist(params, psa, voi, perspective)
    lines = ["## CHEERS 2022 checklist", "",
             f"Perspective: {s['perspective']}. Horizon: {s['horizon_months']} months. Discounting: costs "
             f"{100 * s['discount_rate_costs']:g}%, effects {100 * s['discount_rate_effects']:g}% a year. "
             f"Currency and price year: {s['price_label']}.", "",
             "| # | section | topic | status | where answered / why not |", "|---|---|---|---|---|"]
    for r in table.itertuples(index=False):
        lines.append(f"| {r.item} | {r.section} | {r.topic} | {r.status} | {r.answer.replace('|', '/')} |")
    lines += ["", "Husereau et al., CHEERS 2022, BMJ 2022;376:e067975."]
    return "\n".join(lines)
