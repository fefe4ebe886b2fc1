"""The published sources the model's numbers rest on, keyed by a short tag.

Parameters (``parameters/model_table.py``) and calibration targets cite these keys. Each entry is the
reference and, in our own words, what we take from it.
"""

SOURCES: dict[str, str] = {
    "HRH2021": (
        "Alidina S, et al. A multimodal mentorship intervention to improve surgical quality in "
        "Tanzania's Lake Zone: a convergent, mixed methods assessment. Hum Resour Health "
        "2021;19:115. doi:10.1186/s12960-021-00652-6. The programme itself: 10 facilities, a "
        "four-person mentor team, visits every two months for two days, 80-minute ECHO sessions, "
        "regional WhatsApp groups, 17 months, survey at month 14 (n=25, 82% response)."
    ),
    "BMJQS2021": (
        "Alidina S, et al. Improving surgical quality in low-income and middle-income countries: "
        "why do some health facilities perform better than others? BMJ Qual Saf 2021. "
        "doi:10.1136/bmjqs-2020-011795. 14 safety and teamwork indicators at 0 and 12 months; "
        "composite 12% (range 5-19%) at baseline, 61% at 12 months; teamwork culture and "
        "collective learning separate higher from lower performers."
    ),
    "IJQHC2021": (
        "Alidina S, et al. Outcomes of a multicomponent safe surgery intervention in Tanzania's "
        "Lake Zone. Int J Qual Health Care 2021. Difference-in-differences against 10 comparison "
        "facilities: safety +20.5 points (7.2-33.7), teamwork and communication +33.3 (5.7-60.8); "
        "infrastructure grant up to US$10,000 a facility."
    ),
    "DiMeo": (
        "DiMeo A, et al. Lake Zone surgical capacity assessment, East Cent Afr J Surg: 4,993 "
        "operations in 3 months at 20 facilities; about 54% caesarean sections."
    ),
    "Hellar2020": (
        "Hellar A, et al. World J Surg 2020;44:689. Self-reported SSC use across 40 Lake Zone "
        "facilities rose from 0% (January 2018) to 98% (December 2018)."
    ),
    "Wurdeman2021": (
        "Wurdeman T, et al. World J Surg 2021;45:41. In-hospital post-operative mortality: "
        "non-obstetric 2.62%, laparotomy 3.92%, caesarean 0.24%; no change after SS2020."
    ),
    "DecayLMIC": (
        "Arlington L, et al. Pediatrics 2017 (Helping Babies Breathe, Tanzania: 87% pass after "
        "training, 79% at 4-6 weeks, 56% at 4-6 months) and reviews of LMIC training: knowledge "
        "gains halve in 5-15 months, skill gains in 12-22 months; monthly peer practice prevented "
        "decay (Peru, Int J Gynaecol Obstet 2018)."
    ),
    "Attrition": (
        "Health-worker attrition: about 2% a year leave service (Tabora); over 40% moved post in "
        "2011-2015 in two rural districts (Sirili et al. 2020); mean voluntary attrition 6.8% a "
        "year across 49 countries (Castro Lopes et al., Hum Resour Health 2017)."
    ),
    "Ngowi2024": (
        "Ngowi et al., J Serv Sci Manag 2024: 47% of targeted staff attended Tanzania's "
        "infection-prevention ECHO series; barriers were no CPD credit, shortage, internet."
    ),
    "SSIeffect": (
        "Forrester JA, et al. Br J Surg 2020 (Clean Cut): good compliance went with a 35% "
        "relative reduction in SSI risk (relative risk 0.65, the default); a stepped-wedge trial "
        "in Ethiopia (JAMA Netw Open 2024) found OR 0.84 (0.55-1.27), no significant effect "
        "(relative risk 1 in scenario ssi_trial); at these facilities SSI after caesarean fell "
        "from 14% to 1% (Ernest 2021, chart review, so overstated; scenario ssi_prepost). Effect "
        "priors kept modest (MODEL_BRIEF section 5): the default is the association, the range "
        "spans the trial's null to a fall larger than the pre-post one."
    ),
    "Ernest2021": (
        "Ernest EC, et al. BMJ Glob Health 2021;6:e006788, doi:10.1136/bmjgh-2021-006788. Chart "
        "review of post-caesarean care at the intervention facilities: SSC use 3.7% before, 95.1% "
        "at 18 months; SSI after caesarean 14% before, 1% at 18 months (SSIs after discharge "
        "missed, so the fall is likely overstated)."
    ),
    "SecularTrend": (
        "Comparison-arm change implied by IJQHC2021: the intervention composite rose 12% -> 61% "
        "(BMJQS2021) and the DiD is 8/14 x 20.5 + 6/14 x 33.3 = 26 points, so the comparison "
        "facilities gained about 23 points to ~35% at month 12. That is the only comparison-arm "
        "time point for practice: the ceiling must be at least ~0.35, and its value above that "
        "(and when the trend stops) is an assumption that decides the post-programme levels. "
        "Drivers: the national SSC roll-out (Hellar2020: 0% of 40 Lake Zone facilities reporting "
        "SSC use in January 2018, 98% in December 2018, both arms; modelled as its own adoption "
        "process, ssc.rollout_rate, calibrated to it) and the other SS2020 components. The share "
        "learning.secular_ssc_share of the trend follows the roll-out's pace (its weekly progress "
        "relative to month 0: strongest while the checklist spreads, fading as it completes), so "
        "the SSC trajectory's time points (Hellar2020, Ernest2021) set the trend's timing and the "
        "12-month DiDs its size; no data split the trend between the roll-out and other "
        "programmes, so the share is an assumption (0.5, range 0-1: 0 is a constant trend). No "
        "comparison-arm practice data exist after month 12, so the trend's rate is calibrated "
        "to the 12-month change and its ceiling and end stay bounded assumptions, with the "
        "secular_stops_month12 scenario beside them."
    ),
    "ChangeContinuum": (
        "Argued from BMJQS2021 (seed 003; 72 interviews at 1, 6 and 12 months): 'Higher performers "
        "had a culture of teamwork which helped them capitalise on Safe Surgery 2020 to improve ... "
        "holistically on safety practices, teamwork and communication. Lower performers prioritised "
        "overhauling safety practices and began considering organisational cultural changes much "
        "later.' Modelled as readiness: a team of teamwork culture c takes up teamwork learning fully "
        "once its theatre safety adherence reaches learning.safety_first_level x (1 - c), before that "
        "in proportion to its safety progress, with the rest of its receptivity going to safety. The "
        "paper gives no level; 0.5 (half the safety indicators performed, at no culture) is an "
        "assumption, range 0-1 (0: no prioritisation)."
    ),
    "CaseFatality": (
        "Argued from Wurdeman2021: in-hospital mortality after caesarean is 0.24% at a baseline "
        "SSI risk of 10.9% (SSIbaseline), so SSI-attributable deaths cannot exceed all deaths: "
        "the extra death risk of a caesarean SSI is at most 0.0024/0.109 = 2.2%. The default 1% "
        "attributes about 45% of post-caesarean deaths to SSI; 0 (no SSI death) is the low end, "
        "consistent with no detected mortality change after SS2020. Non-obstetric: no such bound "
        "binds (2.62%/10%); range 0-10%."
    ),
    "SSIbaseline": (
        "Mpogoro FJ, et al. 2014: SSI after caesarean at Bugando 10.9%; pooled African "
        "post-caesarean SSI about 10-11%."
    ),
    "TZcosts": (
        "Tanzanian government per diem 2015-2022 TZS 80,000-120,000 a night by grade; TZS 2,264 "
        "per US$ (2018 average). Salary scales 2024/25: certificate nurse TZS 432,000 a month, "
        "diploma nurse 680,000, medical officer about 1,480,000 (grey literature)."
    ),
    "Assumption": (
        "No published figure: a modelling assumption, with a range wide enough for sensitivity "
        "analysis to show whether it matters."
    ),
    "Manzi2018": (
        "Manzi A, et al. PLoS One 2018 (Rwanda MESH nurse mentorship): US$27,956 a year for 21 "
        "health centres (2011 USD), 80% salaries; MESH-QI: 45% staff, 40% transport, 13% mentor "
        "training. Used as an order-of-magnitude check on programme and coordination costs."
    ),
    "SSIcost": (
        "Cost of a surgical site infection: +67-75% of post-operative cost, Int EUR 331-412 "
        "(KIWI multi-country study, J Hosp Infect 2023); a post-caesarean SSI adds 8.7 bed-days "
        "at Bugando (MODEL_BRIEF section 6). Episode durations are assumptions."
    ),
    "WHOCHOICE2003": (
        "Tan-Torres Edejer T, et al. Making choices in health: WHO guide to cost-effectiveness "
        "analysis. WHO 2003. Costs and effects discounted at 3% a year; White et al., Ann Surg "
        "2022 (national SSC scale-up, Int$31-138 per year of life lost averted) also discount at 3%."
    ),
    "Daroudi2021": (
        "Daroudi R, et al. Cost Eff Resour Alloc 2021: opportunity-cost thresholds in low-HDI "
        "countries average 0.34 x GDP per capita. Tanzania GDP per capita US$1,012 in 2018 "
        "(World Bank). Results are reported at several willingness-to-pay values, never one."
    ),
    "WDI2018": (
        "World Bank, World Development Indicators: life expectancy at birth, Tanzania 2018, about "
        "65 years (not in MODEL_BRIEF; range 60-70 covers the UN and World Bank estimates)."
    ),
    "GBDdw": (
        "Global Burden of Disease disability weights (Salomon JA, et al. Lancet Glob Health 2015): "
        "severe acute infectious episode 0.133 (0.088-0.190), moderate 0.051 (0.032-0.074)."
    ),
}
