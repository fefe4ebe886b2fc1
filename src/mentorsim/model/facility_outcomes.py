"""From practice to the facility's outcomes: composite indicator, SSC use, SSIs, deaths.

Composite: the 14 observed theatre indicators are ``outcomes.safety_indicators`` safety
practices and the rest teamwork and communication. Adherence to an indicator is the mean
practised skill of the theatre team present (surgical and anaesthesia providers, theatre
nurses) in its domain, gathered by ``recording.tally`` in the same pass that records the
step's snapshot; the composite is the indicator-weighted mean (0-1, shown as %).

SSC use (self-reported): a logistic function of the theatre team's mean checklist knowledge and
skill, with midpoint ``outcomes.ssc_midpoint``.

SSI risk: ``risk x (1 - relative_reduction x (safety - reference) / (1 - reference))``, so the
published baseline risk holds at the baseline adherence and full adherence removes
``relative_reduction`` of it. Deaths: the published post-operative mortality by type, plus
``ssi.case_fatality`` for each SSI above or below the baseline risk.
Operations, caesareans, SSIs and deaths are drawn each week (binomial); their expectations are
recorded too, for smooth comparisons.
"""

from __future__ import annotations

import math

import numpy as np

from mentorsim.model.jit import kernel
from mentorsim.model.people import CHECKLIST, TEAMWORK
from mentorsim.model.draws import binomial_inv

TOTAL_INDICATORS = 14


@kernel
def facility_outcomes(practice, checklist, operations, caesarean_share, u, n_safety, ssc_slope,
                      ssc_mid, risk_cs0, risk_o0, rrr, ref, mort_cs, mort_o, case_fatality, out):
    """Fill ``out`` [n_fac, len(OUTCOME_COLUMNS)] for one week; ``u`` is [n_fac, 5] uniforms."""
    for f in range(practice.shape[0]):
        safety = practice[f, CHECKLIST]
        teamwork = practice[f, TEAMWORK]
        factor = max(0.0, 1.0 - rrr * (safety - ref) / (1.0 - ref))
        risk_cs = min(1.0, risk_cs0 * factor)
        risk_o = min(1.0, risk_o0 * factor)
        d_cs = min(1.0, max(0.0, mort_cs + case_fatality * (risk_cs - risk_cs0)))
        d_o = min(1.0, max(0.0, mort_o + case_fatality * (risk_o - risk_o0)))
        ops = int(operations[f])
        cs = binomial_inv(ops, caesarean_share[f], u[f, 0])
        other = ops - cs
        out[f, 0] = (n_safety * safety + (TOTAL_INDICATORS - n_safety) * teamwork) / TOTAL_INDICATORS
        out[f, 1] = safety
        out[f, 2] = teamwork
        out[f, 3] = 1.0 / (1.0 + math.exp(-ssc_slope * (checklist[f] - ssc_mid)))
        out[f, 4] = ops
        out[f, 5] = cs
        out[f, 6] = binomial_inv(cs, risk_cs, u[f, 1]) + binomial_inv(other, risk_o, u[f, 2])
        out[f, 7] = cs * risk_cs + other * risk_o
        out[f, 8] = binomial_inv(cs, d_cs, u[f, 3]) + binomial_inv(other, d_o, u[f, 4])
        out[f, 9] = cs * d_cs + other * d_o


#: Columns of a week's facility outcomes, in the order the kernel writes them.
OUTCOME_COLUMNS = ("composite", "safety", "teamwork", "ssc_use", "operations", "caesareans", "ssi",
                   "ssi_expected", "deaths", "deaths_expected")


def baseline_outcomes(model, practice, checklist) -> None:
    """Record row 0: the facilities' outcomes before the first week (no operations yet), from the
    theatre team's practice and checklist level (recording.tally)."""
    p, fa = model.p, model.facilities
    facility_outcomes(practice, checklist, np.zeros(fa.n), fa.caesarean_share, np.full((fa.n, 5), 0.5),
                      p["outcomes.safety_indicators"], p["outcomes.ssc_slope"], p["outcomes.ssc_midpoint"],
                      p["ssi.risk_caesarean"], p["ssi.risk_other"], p["ssi.relative_reduction"],
                      p["ssi.reference_adherence"], p["mortality.caesarean"], p["mortality.other"],
                      p["ssi.case_fatality"], model.record.outcome_table[0])
