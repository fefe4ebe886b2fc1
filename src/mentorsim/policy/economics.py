"""The economics the page and the report show, through the economics package's public functions.

Costs, effects, the incremental analysis and retention are computed in ``mentorsim.economics``
(evaluation, cea, sustainability) with prices from ``mentorsim.parameters.cost_table``; this
module only arranges them for the page and the report.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from mentorsim.economics import cea, evaluation, sustainability
from mentorsim.parameters import cost_table
from mentorsim.results import RunOutput

#: The effects a cost is set against: record key, label, unit of "cost per".
EFFECTS: dict[str, tuple[str, str]] = {
    "dalys_averted": ("DALYs averted (discounted)", "DALY averted"),
    "composite_point_months": ("Composite point-months gained (facility-months x points)",
                               "composite point-month"),
}


def price_label() -> str:
    """Currency and price year of every money figure (``USD, 2018 prices``)."""
    return cost_table.PRICE_LABEL


def comparator_params(params: Mapping) -> dict:
    """The same setting with no mentorship at all (economics.comparator_params)."""
    return evaluation.comparator_params(params)


def evaluate(name: str, params: Mapping, seed: int, outs: Sequence[RunOutput],
             comparators: Sequence[RunOutput], tick=None):
    """Cost and count effects of runs already simulated (one per replicate) against their
    comparator runs (same seed and replicate), all replicates at once (economics.evaluate_runs).
    Returns an ``economics.StrategyEconomics``; ``tick()`` is called once per replicate."""
    runs = evaluation.evaluate_runs(params, list(outs), list(comparators))
    if tick:
        for _ in runs:
            tick()
    return evaluation.StrategyEconomics(name, params, runs)


def records(strategies: Sequence) -> pd.DataFrame:
    """One row per strategy and replicate: the economics record (economics.RECORD_DOCS)."""
    return pd.concat([s.records() for s in strategies], ignore_index=True)


def cost_effect(strategies: Sequence) -> pd.DataFrame:
    """Per strategy: costs, savings, effects and cost per unit of effect against no mentorship.

    Cost per unit of effect is the ratio of means over replicates (net cost / effect); it is
    not reported (NaN) when the mean effect is not positive.
    """
    rows = []
    for s in strategies:
        rec = s.records()
        m = rec.mean(numeric_only=True)
        row = {"strategy": s.name, "cost_programme_usd": m["cost_programme_usd"],
               "savings_ssi_usd": m["savings_ssi_usd"], "cost_net_usd": m["cost_net_usd"]}
        for key in EFFECTS:
            row[key] = m[key]
            row[f"cost_per_{key}"] = (m["cost_net_usd"] / m[key]) if m[key] > 0 else np.nan
        row["ssi_averted"] = m["ssi_averted"]
        row["deaths_averted"] = m["deaths_averted"]
        row["sustain_usd_per_facility_year"] = m.get("sustain_usd_per_facility_year", np.nan)
        rows.append(row)
    return pd.DataFrame(rows)


def incremental(strategies: Sequence, effect: str = "dalys_averted") -> pd.DataFrame:
    """The incremental analysis (cea.incremental_analysis) of mean net cost against ``effect``."""
    table = evaluation.strategy_table(strategies, effect=effect)
    return cea.incremental_analysis(table, source="page")


def wtp_table(strategies: Sequence, effect: str = "dalys_averted") -> pd.DataFrame:
    """The strategy to choose at each willingness to pay (multiples of GDP per capita)."""
    params = strategies[0].params
    gdp = float(params["economics.gdp_per_capita_usd"])
    # as `mentorsim cea`: the default multiples, with 0.34 replaced by the opportunity-cost multiple
    multiples = set(cea.DEFAULT_WTP_MULTIPLES) - {0.34}
    multiples.add(float(params.get("economics.opportunity_cost_multiple", 0.34)))
    multiples = sorted(multiples)
    table = evaluation.strategy_table(strategies, effect=effect)
    out = cea.wtp_summary(table, cea.default_wtp(gdp, multiples))
    out.insert(0, "gdp_multiple", multiples)
    return out


def items(strategies: Sequence) -> pd.DataFrame:
    """Mean discounted cost by item and modality per strategy (economics.item_table)."""
    return evaluation.item_table(strategies)


def retention(strategies: Sequence) -> pd.DataFrame:
    """Per strategy and indicator: gains over no mentorship at the end and 12 and 24 months
    later, and the share retained (sustainability.retention_table)."""
    return sustainability.retention_table(records(strategies))


#: Draws of the quick posterior PSA behind the page's and the report's verdict: enough for a
#: probability to +-8 points (binomial 95% at p = 0.5), small enough for ~10 s on two cores.
VERDICT_DRAWS = 40


def verdict(scenario, seed: int, draws: int = VERDICT_DRAWS, workers: int = 1, replicate_runs=None) -> dict:
    """The headline verdict of ``scenario`` against no mentorship from a quick PSA drawn from the
    posterior (economics.psa, economics.decision.verdict): probability of being cost-effective at
    0.34x, 0.5x and 1x GDP per capita, cost per DALY with its parameter-uncertainty interval, the
    base case's with its seed-noise interval (from ``replicate_runs``, a StrategyEconomics, if
    given), and a sentence."""
    from mentorsim.economics import decision
    from mentorsim.economics.psa import Strategy, run_psa
    psa = run_psa([Strategy.from_scenario(scenario)], draws, seed=seed, workers=workers, progress=False)
    det = None
    if replicate_runs is not None:
        rec = replicate_runs.records()
        det = decision.replicate_interval(rec["cost_net_usd"], rec["dalys_averted"], seed=seed)
    return decision.verdict(psa, scenario.name, float(scenario.params["economics.gdp_per_capita_usd"]),
                            det_icer=det)


def verdict_lines(v: dict) -> list[str]:
    """The verdict as three short lines: the sentence, the probabilities (with the PSA's size),
    and the cost per DALY with each interval labelled for what it is."""
    from mentorsim.economics.decision import format_interval
    probs = ", ".join(f"{m:g}x GDP per capita (US${t:,.0f}): {100 * v['probability'][m]:.0f}%"
                      for m, t in v["thresholds"].items())
    cost = f"PSA {format_interval(v['icer'], v['icer_low'], v['icer_high'])} (parameter uncertainty)"
    if "det_icer" in v:
        cost = (f"base case {format_interval(v['det_icer'], v['det_low'], v['det_high'])} (seed noise over "
                "replicates); " + cost)
    return [v["sentence"],
            f"Probability of being cost-effective against {v['versus']}: {probs} ({v['draws']} PSA draws, "
            "calibrated parameters from the posterior).",
            f"Net cost per DALY averted ({price_label()}, 95% intervals): {cost}."]
