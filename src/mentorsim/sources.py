"""The published sources the model's numbers rest on, keyed by a short tag.

Parameters (``parameters.py``) and calibration targets cite these keys. Each entry is the
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
        "relative reduction in SSI risk; a stepped-wedge trial in Ethiopia (JAMA Netw Open 2024) "
        "found OR 0.84 (0.55-1.27). Effect priors kept modest."
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
}
