"""From practice to the facility's outcomes: composite indicator, SSC use, SSIs, deaths.

Composite: the 14 observed theatre indicators are ``outcomes.safety_indicators`` safety
practices and the rest teamwork and communication. Adherence to an indicator is the mean
practised skill of the theatre team present (surgical and anaesthesia providers, theatre
nurses) in its domain, gathered by ``recording.tally`` in the same pass that records the
step's snapshot; the composite is the indicator-weighted mean (0-1, shown as %).

SSC use is an adoption process at facility level (:func:`ssc_adopted`): the share ``A`` of
operations with a completed Surgical Safety Checklist starts at ``ssc.baseline_use`` (chart
review, Ernest 2021) in both arms and each week closes a share of its gap to 1:
``h = (ssc.rollout_rate + ssc.programme_rate x push x checklist) / weeks-per-month``, where the
national roll-out acts in both arms, ``push`` is 1 at an intervention facility while the
programme runs (0 otherwise) and ``checklist`` is the theatre team's mean checklist knowledge
and skill, which mentorship raises. Self-reported use (what Hellar 2020 counted) is a
facility saying it uses the checklist: ``A >= ssc.report_threshold`` (series ``ssc_reported``).

SSI risk (:func:`ssi_risk`): log-linear in the exposure ``x = w A + (1 - w) safety`` (w =
``ssi.ssc_weight``): ``risk0 x RR^((x - x0) / (1 - x0))``, with ``x0`` the exposure at which the
baseline risk was observed (SSC use ``ssc.baseline_use``, safety ``ssi.reference_adherence``) and
RR = ``ssi.relative_risk_full`` the relative risk at full exposure (1 = no effect, as the
Ethiopian trial; 0.65 the Clean Cut association; ~0.07 the pre-post fall). Deaths: the
published post-operative mortality by type, plus ``ssi.case_fatality_caesarean`` /
``ssi.case_fatality_other`` for each SSI above or below the baseline risk.
Operations, caesareans, SSIs and deaths are drawn each week (binomial); their expectations are
recorded too, for smooth comparisons, with the caesarean SSI risk itself.
"""

from __future__ import annotations

import numpy as np

from mentorsim.model.draws import binomial_inv
from mentorsim.model.jit import kernel
from mentorsim.model.people import CHECKLIST, TEAMWORK
from mentorsim.timeline import WEEKS_PER_MONTH

TOTAL_INDICATORS = 14


@kernel
def ssc_adopted(use, rollout, programme, push, checklist):
    """SSC use after one week: closes ``rollout + programme x push x checklist`` (per week,
    capped at 1) of the gap to full use."""
    h = min(1.0, max(0.0, rollout + programme * push * checklist))
    return use + h * (1.0 - use)


@kernel
def ssi_exposure(ssc_use, safety, ssc_weight):
    """What protects against SSI (0-1): the weighted mean of SSC use and safety adherence."""
    return ssc_weight * ssc_use + (1.0 - ssc_weight) * safety


@kernel
def ssi_risk(risk0, exposure, exposure0, rr_full):
    """SSI risk at ``exposure``: ``risk0 x rr_full^((exposure - exposure0) / (1 - exposure0))``,
    capped at 1 (log-linear: each unit of exposure multiplies the risk by the same factor)."""
    return min(1.0, risk0 * ssi_factor(exposure, exposure0, rr_full))


@kernel
def ssi_factor(exposure, exposure0, rr_full):
    """What :func:`ssi_risk` multiplies the baseline risk by: ``rr_full^((exposure - exposure0)
    / (1 - exposure0))``; 1 if ``exposure0`` >= 1."""
    if exposure0 >= 1.0:
        return 1.0
    return rr_full ** ((exposure - exposure0) / (1.0 - exposure0))


@kernel
def facility_outcomes(practice, checklist, operations, caesarean_share, u, ssc, push, k, out):
    """Fill ``out`` [n_fac, len(OUTCOME_COLUMNS)] for one week; ``u`` is [n_fac, 5] uniforms;
    ``ssc`` [n_fac] (SSC use) is advanced one week in place first, pushed by ``push`` [n_fac];
    ``k`` is the run's coefficient record (any record with the OUTCOME_COEF fields; rates per week)."""
    n_safety, rollout, programme, report_threshold = k.n_safety, k.ssc_rollout, k.ssc_programme, k.ssc_report
    ssc_weight, exposure0, rr_full = k.ssc_weight, k.exposure0, k.rr_full
    risk_cs0, risk_o0, mort_cs, mort_o, cf_cs, cf_o = k.risk_cs, k.risk_o, k.mort_cs, k.mort_o, k.cf_cs, k.cf_o
    for f in range(practice.shape[0]):
        safety = practice[f, CHECKLIST]
        teamwork = practice[f, TEAMWORK]
        ssc[f] = ssc_adopted(ssc[f], rollout, programme, push[f], checklist[f])
        x = ssi_exposure(ssc[f], safety, ssc_weight)
        factor = ssi_factor(x, exposure0, rr_full)  # one power for both types of operation
        risk_cs = min(1.0, risk_cs0 * factor)
        risk_o = min(1.0, risk_o0 * factor)
        d_cs = min(1.0, max(0.0, mort_cs + cf_cs * (risk_cs - risk_cs0)))
        d_o = min(1.0, max(0.0, mort_o + cf_o * (risk_o - risk_o0)))
        ops = int(operations[f])
        cs = binomial_inv(ops, caesarean_share[f], u[f, 0])
        other = ops - cs
        out[f, 0] = (n_safety * safety + (TOTAL_INDICATORS - n_safety) * teamwork) / TOTAL_INDICATORS
        out[f, 1] = safety
        out[f, 2] = teamwork
        out[f, 3] = ssc[f]
        out[f, 4] = ops
        out[f, 5] = cs
        out[f, 6] = binomial_inv(cs, risk_cs, u[f, 1]) + binomial_inv(other, risk_o, u[f, 2])
        out[f, 7] = cs * risk_cs + other * risk_o
        out[f, 8] = binomial_inv(cs, d_cs, u[f, 3]) + binomial_inv(other, d_o, u[f, 4])
        out[f, 9] = cs * d_cs + other * d_o
        out[f, 10] = 1.0 if ssc[f] >= report_threshold else 0.0
        out[f, 11] = risk_cs


#: Columns of a week's facility outcomes, in the order the kernel writes them.
OUTCOME_COLUMNS = ("composite", "safety", "teamwork", "ssc_use", "operations", "caesareans", "ssi",
                   "ssi_expected", "deaths", "deaths_expected", "ssc_reported", "ssi_risk_caesarean")


def ssc_exposure0(p) -> float:
    """The SSI exposure at which the baseline SSI risks were observed."""
    return ssi_exposure(p["ssc.baseline_use"], p["ssi.reference_adherence"], p["ssi.ssc_weight"])


#: Fields of the coefficient record :func:`facility_outcomes` reads, with the parameter each comes
#: from (loop.COEF_FIELDS ends with them; ``loop.coefficients`` fills them).
OUTCOME_COEF = {
    "n_safety": "outcomes.safety_indicators",
    "ssc_rollout": "ssc.rollout_rate (per week)",
    "ssc_programme": "ssc.programme_rate (per week)",
    "ssc_report": "ssc.report_threshold",
    "ssc_weight": "ssi.ssc_weight",
    "exposure0": "ssc.baseline_use, ssi.reference_adherence, ssi.ssc_weight (ssc_exposure0)",
    "risk_cs": "ssi.risk_caesarean",
    "risk_o": "ssi.risk_other",
    "rr_full": "ssi.relative_risk_full",
    "mort_cs": "mortality.caesarean",
    "mort_o": "mortality.other",
    "cf_cs": "ssi.case_fatality_caesarean",
    "cf_o": "ssi.case_fatality_other",
}


def outcome_coefficients(p) -> dict[str, float]:
    """The OUTCOME_COEF fields from the parameters (rates per week)."""
    return {"n_safety": float(p["outcomes.safety_indicators"]),
            "ssc_rollout": p["ssc.rollout_rate"] / WEEKS_PER_MONTH,
            "ssc_programme": p["ssc.programme_rate"] / WEEKS_PER_MONTH,
            "ssc_report": p["ssc.report_threshold"], "ssc_weight": p["ssi.ssc_weight"],
            "exposure0": ssc_exposure0(p), "risk_cs": p["ssi.risk_caesarean"], "risk_o": p["ssi.risk_other"],
            "rr_full": p["ssi.relative_risk_full"], "mort_cs": p["mortality.caesarean"],
            "mort_o": p["mortality.other"], "cf_cs": p["ssi.case_fatality_caesarean"],
            "cf_o": p["ssi.case_fatality_other"]}


def baseline_outcomes(model, practice, checklist) -> None:
    """Record row 0: the facilities' outcomes before the first week (no operations yet, SSC use
    at its baseline), from the theatre team's practice and checklist level (recording.tally)."""
    p, fa = model.p, model.facilities
    k = model.coef.copy()
    k["ssc_rollout"] = k["ssc_programme"] = 0.0  # no adoption step before the first week
    facility_outcomes(practice, checklist, np.zeros(fa.n), fa.caesarean_share, np.full((fa.n, 5), 0.5),
                      np.full(fa.n, float(p["ssc.baseline_use"])), np.zeros(fa.n), k[0],
                      model.record.outcome_table[0])
