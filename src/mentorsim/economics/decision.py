"""From results to a decision: deterministic against probabilistic, ICER intervals, the verdict.

Deterministic (base case): every parameter at its default (calibrated ones at their calibrated
point estimate), mean over replicates. Probabilistic: the mean over a PSA's draws (psa.py), each
draw one replicate with parameters drawn (calibrated ones jointly from the posterior, the others
from distributions whose mean is the default). The two can differ because:

1. the model is not linear, so the mean output over draws is not the output at the mean inputs;
2. some inputs' draws do not average to the base-case value: the posterior's mean is not the
   calibrated point estimate (a median, or a value set by hand), or a distribution's mean is off
   its default (``pert``/``triangular``, not the default ``beta``);
3. noise: the deterministic mean has seed noise over its replicates; the PSA mean has the
   Monte Carlo error of its draws;
4. the decision sits near a threshold, so a small shift flips it.

:func:`compare` puts both side by side per willingness to pay and, where the decisions differ,
says why in words: it regresses each draw's net-benefit difference between the two candidate
strategies on the drawn parameters (least squares on standardised inputs) and attributes the
shift of the mean to each parameter as coefficient x (mean of its draws - its base-case value)
(reason 2); what the regression does not explain is non-linearity and noise (reasons 1, 3).

:func:`icer_summary` gives, per strategy against the comparator, the ICER as a ratio of means over
the draws with a 95% interval of the per-draw ICER when every draw's incremental effect is positive
(else the share of draws in each quadrant of the cost-effectiveness plane), and the probability
that the strategy is cost-effective against the comparator at each willingness to pay (share of
draws with positive incremental net monetary benefit). These intervals are PARAMETER uncertainty
(plus one replicate's seed noise per draw). :func:`replicate_interval` gives the SEED-NOISE
interval of a deterministic ratio (bootstrap over replicates).

:func:`verdict` is the headline: probability of being cost-effective against no mentorship at
0.34x, 0.5x and 1x GDP per capita, cost per DALY with its interval, and one plain sentence.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from mentorsim.parameters.model_table import PARAMS_BY_NAME

#: The thresholds of the verdict, multiples of GDP per capita (0.34: opportunity cost in low-HDI
#: countries, Daroudi et al. 2021; 0.5 and 1: the usual range below WHO-CHOICE's 1x).
VERDICT_MULTIPLES = (0.34, 0.5, 1.0)
#: Relative gap between an ICER and a threshold under which the decision is called "close".
CLOSE = 0.15


# --- helpers -------------------------------------------------------------------------------------

def replicate_interval(costs: Sequence[float], effects: Sequence[float], seed: int = 1,
                       n_boot: int = 2000) -> tuple[float, float, float]:
    """Ratio of means sum(costs)/sum(effects) and its 95% bootstrap interval over replicates
    (seed noise only). NaN where the mean effect is not positive."""
    c, e = np.asarray(costs, float), np.asarray(effects, float)
    if len(c) == 0 or e.mean() <= 0:
        return math.nan, math.nan, math.nan
    point = float(c.mean() / e.mean())
    if len(c) < 2:
        return point, math.nan, math.nan
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, len(c), size=(n_boot, len(c)))
    ce, ee = c[idx].mean(axis=1), e[idx].mean(axis=1)
    ok = ee > 0
    if ok.mean() < 0.975:
        return point, math.nan, math.nan
    r = ce[ok] / ee[ok]
    return point, float(np.quantile(r, 0.025)), float(np.quantile(r, 0.975))


def increments(psa, strategy: str, comparator: str, effect: str = "dalys_averted",
               cost: str = "cost_net_usd") -> tuple[np.ndarray, np.ndarray]:
    """Per draw: incremental cost and effect of ``strategy`` against ``comparator``."""
    c, e = psa.matrix(cost), psa.matrix(effect)
    i, j = psa.strategies.index(strategy), psa.strategies.index(comparator)
    return c[:, i] - c[:, j], e[:, i] - e[:, j]


def icer_summary(psa, wtp: Sequence[float], comparator: str | None = None,
                 effect: str = "dalys_averted", cost: str = "cost_net_usd") -> pd.DataFrame:
    """Per strategy against ``comparator`` (default: the PSA's): mean incremental cost and effect,
    ICER as ratio of means, 95% interval of per-draw ICERs (only when every incremental effect is
    positive), quadrant shares, and P(cost-effective against the comparator) at each wtp."""
    comparator = comparator or psa.comparator or psa.strategies[0]
    rows = []
    for s in psa.strategies:
        if s == comparator:
            continue
        dc, de = increments(psa, s, comparator, effect, cost)
        row = {"strategy": s, "versus": comparator, "draws": len(dc), "inc_cost": float(dc.mean()),
               "inc_effect": float(de.mean()),
               "icer": float(dc.mean() / de.mean()) if de.mean() > 0 else math.nan,
               "icer_low": math.nan, "icer_high": math.nan,
               "share_ne": float(((dc > 0) & (de > 0)).mean()),   # costs more, does more
               "share_se": float(((dc <= 0) & (de > 0)).mean()),  # dominant: saves and does more
               "share_sw": float(((dc <= 0) & (de <= 0)).mean()),
               "share_nw": float(((dc > 0) & (de <= 0)).mean())}  # dominated
        if (de > 0).all():
            r = dc / de
            row["icer_low"], row["icer_high"] = float(np.quantile(r, 0.025)), float(np.quantile(r, 0.975))
        for w in wtp:
            row[f"p_ce_{w:g}"] = float((w * de - dc > 0).mean())
        rows.append(row)
    return pd.DataFrame(rows)


# --- deterministic against probabilistic ---------------------------------------------------------

def base_values(names: Sequence[str], params: Mapping | None = None) -> dict[str, float]:
    """The base-case (deterministic) value of each parameter: ``params`` if given, else defaults."""
    out = {}
    for n in names:
        if n in PARAMS_BY_NAME:
            v = params[n] if params is not None and n in params else PARAMS_BY_NAME[n].default
            out[n] = float(v)
    return out


def attribute_shift(y: np.ndarray, drawn: pd.DataFrame, base: Mapping[str, float]) -> pd.DataFrame:
    """Attribute the shift of mean(y) from its base-case value to the inputs.

    Least squares of ``y`` on the standardised varying columns of ``drawn`` (plus an intercept;
    a small ridge penalty when there are nearly as many inputs as draws); contribution of input j
    = coefficient_j x (mean of its draws - base value_j), in the unit of y. Returns one row per
    input, largest absolute contribution first: parameter, base, draw_mean, contribution."""
    cols = [c for c in drawn.columns if c in base and drawn[c].std() > 0]
    if not cols or len(y) < 3:
        return pd.DataFrame(columns=["parameter", "base", "draw_mean", "contribution"])
    x = drawn[cols].to_numpy(float)
    mu, sd = x.mean(axis=0), x.std(axis=0)
    z = (x - mu) / sd
    yc = y - y.mean()
    lam = 1e-6 * len(y) if len(cols) < 0.5 * len(y) else 1.0 * len(y) / 10
    coef = np.linalg.solve(z.T @ z + lam * np.eye(len(cols)), z.T @ yc)
    contrib = coef * (mu - np.array([base[c] for c in cols])) / sd
    out = pd.DataFrame({"parameter": cols, "base": [base[c] for c in cols], "draw_mean": mu,
                        "contribution": contrib})
    return out.reindex(out["contribution"].abs().sort_values(ascending=False).index).reset_index(drop=True)


def compare(det: pd.DataFrame, psa, wtp: Sequence[float], base_params: Mapping | None = None,
            effect: str = "dalys_averted", cost: str = "cost_net_usd") -> dict:
    """Deterministic and probabilistic results side by side, and why they differ.

    Args:
        det: deterministic means per strategy (columns strategy, cost, effect), the same
            strategies as the PSA.
        psa: a PSAResult.
        base_params: the base case's parameters (default: the declared defaults).
    Returns a dict: ``strategies`` (rows: deterministic and PSA-mean cost and effect, their
    ratio), ``by_wtp`` (rows: wtp, deterministic choice, probabilistic choice (highest expected
    NMB), its probability of being best, agree), ``explanations`` (one sentence per disagreement,
    and one on the means), ``drivers`` (per disagreement: the parameters that shift the mean).
    """
    det = det.set_index("strategy")
    mc = psa.records.groupby("strategy")[cost].mean()
    me = psa.records.groupby("strategy")[effect].mean()
    rows = []
    for s in psa.strategies:
        if s not in det.index:
            continue
        rows.append({"strategy": s, "det_cost": float(det.loc[s, "cost"]), "psa_cost": float(mc[s]),
                     "det_effect": float(det.loc[s, "effect"]), "psa_effect": float(me[s]),
                     "effect_ratio": float(me[s] / det.loc[s, "effect"]) if det.loc[s, "effect"] else math.nan,
                     "cost_ratio": float(mc[s] / det.loc[s, "cost"]) if det.loc[s, "cost"] else math.nan})
    names = [s for s in psa.strategies if s in det.index]
    drawn = psa.parameters.set_index("draw").sort_index()
    drawn = drawn[[c for c in drawn.columns if c in PARAMS_BY_NAME]]
    base = base_values(list(drawn.columns), base_params)
    by_wtp, explanations, drivers = [], [], {}
    ceac = psa.ceac(wtp, effect, cost)
    for w in wtp:
        dn = {s: w * det.loc[s, "effect"] - det.loc[s, "cost"] for s in names}
        d_best = max(names, key=lambda s: (dn[s], -det.loc[s, "cost"]))
        nmb = psa.nmb(w, effect, cost)
        mean = nmb.mean(axis=0)
        p_best = psa.strategies[int(np.argmax(mean))]
        by_wtp.append({"wtp": w, "deterministic": d_best, "probabilistic": p_best,
                       "probability_best": float(ceac.loc[w, p_best]), "agree": d_best == p_best})
        if d_best == p_best:
            continue
        i, j = psa.strategies.index(p_best), psa.strategies.index(d_best)
        y = nmb[:, i] - nmb[:, j]
        det_gap, psa_gap = dn[p_best] - dn[d_best], float(y.mean())
        att = attribute_shift(y, drawn, base)
        drivers[w] = att.head(5)
        explained = float(att["contribution"].sum()) if len(att) else 0.0
        parts = [f"At {w:,.0f} USD per DALY the base case chooses {d_best} and the PSA {p_best} "
                 f"(probability {ceac.loc[w, p_best]:.0%} of being best). {p_best}'s net monetary benefit over "
                 f"{d_best} is {det_gap:,.0f} in the base case and {psa_gap:,.0f} on average over the draws"]
        top = att[att["contribution"].abs() >= 0.1 * abs(psa_gap - det_gap)].head(3) if len(att) else att
        if len(top):
            parts.append("; the parameters whose draws average away from their base-case value move it most: "
                         + ", ".join(f"{r.parameter} (base {r.base:.3g}, draws average {r.draw_mean:.3g}: "
                                     f"{r.contribution:+,.0f})" for r in top.itertuples()))
        parts.append(f"; together the inputs' shifts explain {explained:+,.0f} of the {psa_gap - det_gap:+,.0f}, "
                     "the rest is the model's non-linearity and noise (seed noise of the base case, Monte "
                     f"Carlo error of {psa.n_draws} draws)")
        if ceac.loc[w, p_best] < 0.5:
            parts.append(f". {p_best} has the higher MEAN net benefit although it is best in only "
                         f"{ceac.loc[w, p_best]:.0%} of draws: its gains are skewed (large in a few draws, "
                         "small losses in many), and the mean is what decides under uncertainty")
        icer_det = _pair_icer(det, p_best, d_best)
        if icer_det is not None and math.isfinite(icer_det) and abs(icer_det - w) <= CLOSE * w:
            parts.append(f". The base-case ICER between them, {icer_det:,.0f}, is within {CLOSE:.0%} of this "
                         "threshold: the decision is close, so a small shift flips it")
        explanations.append("".join(parts) + ".")
    if not explanations:
        explanations.append("The deterministic and probabilistic analyses choose the same strategy at every "
                            "willingness to pay shown.")
    ratios = [r["effect_ratio"] for r in rows if math.isfinite(r["effect_ratio"]) and r["det_effect"] > 0]
    if ratios:
        explanations.append(f"Mean effects over the draws are {min(ratios):.2f}-{max(ratios):.2f}x the "
                            "base case's (1 = the same; the inputs' distributions have the base case as "
                            "their mean, the posterior its own mean).")
    return {"strategies": rows, "by_wtp": by_wtp, "explanations": explanations,
            "drivers": {f"{w:g}": d.to_dict(orient="records") for w, d in drivers.items()}}


def _pair_icer(det: pd.DataFrame, a: str, b: str) -> float | None:
    dc = det.loc[a, "cost"] - det.loc[b, "cost"]
    de = det.loc[a, "effect"] - det.loc[b, "effect"]
    return float(dc / de) if de != 0 else None


def posterior_check(posterior: pd.DataFrame | None, params: Mapping | None = None) -> pd.DataFrame:
    """Per calibrated parameter: base-case value, posterior weighted mean and 95% interval, and
    whether the base case lies outside that interval (a base case the data do not support)."""
    if posterior is None:
        return pd.DataFrame(columns=["parameter", "base", "posterior_mean", "low", "high", "outside"])
    w = posterior["weight"].to_numpy(float)
    w = w / w.sum()
    rows = []
    for c in posterior.columns:
        if c == "weight":
            continue
        x = posterior[c].to_numpy(float)
        order = np.argsort(x)
        cw = np.cumsum(w[order])
        lo = float(x[order][np.searchsorted(cw, 0.025)])
        hi = float(x[order][min(np.searchsorted(cw, 0.975), len(x) - 1)])
        b = float(params[c] if params is not None and c in params else PARAMS_BY_NAME[c].default)
        rows.append({"parameter": c, "base": b, "posterior_mean": float((w * x).sum()), "low": lo, "high": hi,
                     "outside": not (lo <= b <= hi)})
    return pd.DataFrame(rows)


# --- the verdict ---------------------------------------------------------------------------------

def verdict(psa, strategy: str, gdp: float, comparator: str | None = None,
            multiples: Sequence[float] = VERDICT_MULTIPLES, det_icer: tuple[float, float, float] | None = None,
            effect: str = "dalys_averted", cost: str = "cost_net_usd") -> dict:
    """The headline: ``strategy`` against ``comparator`` (default no mentorship) from a PSA.

    Returns probability of being cost-effective at each multiple of ``gdp`` (thresholds in USD per
    DALY), the ICER (ratio of PSA means) with its parameter-uncertainty interval, the base case's
    ICER with its seed-noise interval if ``det_icer`` = (point, low, high) is given, the number of
    draws, and ``sentence``: one line in plain words."""
    comparator = comparator or psa.comparator or psa.strategies[0]
    thresholds = [float(m * gdp) for m in multiples]
    summ = icer_summary(psa, thresholds, comparator, effect, cost).set_index("strategy").loc[strategy]
    probs = {m: float(summ[f"p_ce_{t:g}"]) for m, t in zip(multiples, thresholds)}
    out = {"strategy": strategy, "versus": comparator, "draws": int(summ["draws"]), "gdp_per_capita_usd": gdp,
           "thresholds": dict(zip(multiples, thresholds)), "probability": probs,
           "icer": float(summ["icer"]), "icer_low": float(summ["icer_low"]), "icer_high": float(summ["icer_high"]),
           "share_dominant": float(summ["share_se"]), "share_dominated": float(summ["share_nw"])}
    if det_icer is not None:
        out["det_icer"], out["det_low"], out["det_high"] = det_icer
    out["sentence"] = sentence(out)
    return out


def _likely(p: float) -> str:
    """Words for a probability on the IPCC's calibrated scale (Mastrandrea et al. 2010):
    very likely >= 90%, likely >= 66%, about as likely as not 33-66%, unlikely <= 33%, very
    unlikely <= 10%."""
    if p >= 0.9:
        return "very likely"
    if p >= 0.66:
        return "likely"
    if p > 0.33:
        return "about as likely as not"
    if p > 0.1:
        return "unlikely"
    return "very unlikely"


def sentence(v: Mapping) -> str:
    """Plain words for a :func:`verdict`."""
    probs = v["probability"]
    ms = sorted(probs)
    lo_m, hi_m = ms[0], ms[-1]
    icer = v["icer"]
    cost = (f"about US${icer:,.0f} per DALY averted" if math.isfinite(icer)
            else "no DALYs averted on average, so no cost per DALY")
    return (f"{v['strategy']} costs {cost} against {v['versus']}; it is {_likely(probs[hi_m])} to be worth it at "
            f"{hi_m:g}x GDP per capita (US${v['thresholds'][hi_m]:,.0f}; {probs[hi_m]:.0%} of {v['draws']} draws) "
            f"and {_likely(probs[lo_m])} at {lo_m:g}x (US${v['thresholds'][lo_m]:,.0f}; {probs[lo_m]:.0%}).")


def format_interval(point: float, low: float, high: float, digits: int = 0) -> str:
    """``point [low, high]`` with thousands separators; 'n/a' parts for NaN."""
    def f(x):
        return "n/a" if x is None or not math.isfinite(x) else f"{x:,.{digits}f}"
    if not (math.isfinite(low) and math.isfinite(high)):
        return f(point)
    return f"{f(point)} [{f(low)}, {f(high)}]"


__all__ = ["VERDICT_MULTIPLES", "attribute_shift", "compare", "format_interval", "icer_summary", "increments",
           "posterior_check", "replicate_interval", "sentence", "verdict"]
