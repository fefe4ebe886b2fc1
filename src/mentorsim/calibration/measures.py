"""Outputs that calibration targets compare with, beyond ``results.run_outcomes``.

Each is a documented function of one replicate's :class:`~mentorsim.results.RunOutput`. Targets
(calibration/targets.toml) name either a key of ``results.OUTCOME_DOCS`` or one of these.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from mentorsim.results import OUTCOME_DOCS, RunOutput, run_outcomes
from mentorsim.timeline import month_row


def ssc_use_december2018_pct(out: RunOutput) -> float:
    """Facilities reporting SSC use (%), both arms, December 2018: what Hellar 2020 counted
    (self-report across Lake Zone facilities, not the share of operations a chart review sees).

    The programme started in June 2018 (month 0), so December 2018 is months 6 to 7: the mean
    over the weekly rows from ``month_row(6)`` to ``month_row(7)`` inclusive of ``ssc_reported``.
    """
    rows = slice(month_row(6), month_row(7) + 1)
    return float(100.0 * out.fac["ssc_reported"][rows].mean())


def composite_baseline_range_pp(out: RunOutput) -> float:
    """Highest minus lowest facility composite at baseline, intervention arm (points)."""
    base = out.fac["composite"][0, :out.n_intervention]
    return float(100.0 * (base.max() - base.min())) if len(base) else float("nan")


def mortality_expected_pct(out: RunOutput) -> float:
    """Expected in-hospital post-operative deaths per 100 operations, intervention arm, programme.

    Uses the recorded expectations (``deaths_expected``) rather than the drawn deaths, so the
    comparison is not blurred by binomial noise.
    """
    n, end = out.n_intervention, out.programme_weeks
    ops = out.fac["operations"][1:end + 1, :n].sum()
    return float(100.0 * out.fac["deaths_expected"][1:end + 1, :n].sum() / max(ops, 1.0))


def mortality_change_pp(out: RunOutput) -> float:
    """Change in expected post-operative mortality (points), last 3 programme months minus first 3."""
    n, end = out.n_intervention, out.programme_weeks
    q = month_row(3)
    ops, deaths = out.fac["operations"][:, :n], out.fac["deaths_expected"][:, :n]
    first = slice(1, 1 + q)
    last = slice(max(1, end + 1 - q), end + 1)
    rate = [100.0 * deaths[s].sum() / max(ops[s].sum(), 1.0) for s in (first, last)]
    return float(rate[1] - rate[0])


def ssc_reported_month0_pct(out: RunOutput) -> float:
    """Facilities reporting SSC use (%), both arms, at baseline (month 0, June 2018)."""
    return float(100.0 * out.fac["ssc_reported"][0].mean())


def gain_context_correlation(out: RunOutput) -> float:
    """Correlation, over the intervention facilities, of the 12-month composite gain with the
    facility's context (mean of leadership, teamwork culture and learning orientation): seed
    003's pattern (higher performers started with the better culture) as one summary statistic.
    NaN when undefined (fewer than 3 facilities, or no spread)."""
    n = out.n_intervention
    comp = out.fac["composite"][:, :n]
    row = min(month_row(12), comp.shape[0] - 1)
    gain = comp[row] - comp[0]
    ctx = np.asarray(out.facility_columns["context"][:n], dtype=float)
    if n < 3 or gain.std() == 0 or ctx.std() == 0:
        return float("nan")
    return float(np.corrcoef(ctx, gain)[0, 1])


#: name -> (description, function of a RunOutput)
EXTRA_OUTPUTS: dict[str, tuple[str, Callable[[RunOutput], float]]] = {
    "ssc_use_december2018_pct": ("Facilities reporting SSC use, both arms, December 2018 (months 6-7).",
                                 ssc_use_december2018_pct),
    "ssc_reported_month0_pct": ("Facilities reporting SSC use, both arms, baseline (month 0).",
                                ssc_reported_month0_pct),
    "gain_context_correlation": ("Correlation of the 12-month composite gain with facility context, "
                                 "intervention arm.", gain_context_correlation),
    "composite_baseline_range_pp": ("Range (max - min) of facility composites at baseline.",
                                    composite_baseline_range_pp),
    "mortality_expected_pct": ("Expected post-operative deaths per 100 operations, programme.",
                               mortality_expected_pct),
    "mortality_change_pp": ("Expected mortality, last 3 programme months minus first 3 (points).",
                            mortality_change_pp),
}


def known_outputs() -> dict[str, str]:
    """Every output a target may name, with its description."""
    return dict(OUTCOME_DOCS) | {k: v[0] for k, v in EXTRA_OUTPUTS.items()}


def outputs_of(out: RunOutput, names) -> dict[str, float]:
    """The named outputs of one replicate (of results.run_outcomes, only those named are computed)."""
    base = run_outcomes(out, [n for n in names if n not in EXTRA_OUTPUTS])
    res = {}
    for name in names:
        res[name] = EXTRA_OUTPUTS[name][1](out) if name in EXTRA_OUTPUTS else base[name]
    return {k: float(v) if np.isfinite(v) else float("nan") for k, v in res.items()}
