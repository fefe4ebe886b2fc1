"""Probabilistic sensitivity analysis (PSA): uncertainty in parameters, propagated to decisions.

Each draw ``d`` of a PSA with seed ``s``:

1. takes the draw seed ``s_d = randomness.replicate_seed(s, d)``;
2. draws one value of every uncertain parameter (``psa_parameter_names``) from its declared
   range with a generator seeded from ``s_d`` alone, so a draw is the same whatever the order,
   the number of workers or the other draws;
3. runs every strategy, and each strategy's comparator, with the drawn values and run seed
   ``s_d``, replicate 0: common random numbers across the strategies of a draw;
4. costs them and counts their effects, all the draw's runs together (economics.evaluate_runs).

Distributions. A parameter with default m (the deterministic base case) and range [a, b] is
drawn by default (``distribution="beta"``) from a beta distribution scaled to [a, b] whose MEAN is
m, so the PSA's mean input equals the base case's (Briggs, Claxton & Sculpher 2006, ch. 4: choose
distributions by their mean and spread). With f = (m - a) / (b - a) and concentration
k = max(6, 1 / f, 1 / (1 - f)) (6 is the PERT's α + β; raised near a bound so that both shapes
stay >= 1 and the density has one peak):

    α = k f,   β = k (1 - f),   mean = a + (b - a) α / (α + β) = m

Example: case fatality m = 0.01 on [0, 0.1]: f = 0.1, k = 10, α = 1, β = 9, mean 0.01, sd 0.009.
The PERT distribution (mode m, λ = 4: α = 1 + 4 f, β = 1 + 4 (1 - f), mean (a + 4m + b) / 6) is
offered for comparison (``distribution="pert"``): its mean differs from the default when the
default is off-centre (the same case fatality has PERT mean (0 + 0.04 + 0.1) / 6 = 0.023, 2.3x the
base case, and PSA DALYs from SSI deaths about as many times the deterministic ones), so it is not
the default. ``"triangular"``
(mode m on [a, b]) likewise. A parameter whose default sits on a bound (f = 0 or 1) is held at it.
Integer parameters are rounded; switches (true/false) are never drawn. A parameter that a
scenario or ``--set`` sets explicitly is held fixed: it defines the strategy. Analysis choices
(discount rates, GDP, thresholds, the grant switch) are never drawn
(cost_parameters.ANALYSIS_CHOICES): they are varied in the scenario analyses (oneway.py).

Scopes. ``costs``: unit prices and DALY inputs only (cost_parameters.py). ``default``: those plus
the model parameters in ``MODEL_UNCERTAIN`` (learning, decay, attendance, SSI effect, attrition).

Calibrated parameters. By default (``use_posterior=True``) each draw picks one row of
``src/mentorsim/data/posterior.csv`` (columns: parameter names and ``weight``) with probability
proportional to its weight (with the draw's generator) and uses its values for those parameters,
keeping their correlations: calibrated parameters are drawn jointly from what the data allow,
never independently over their prior ranges. Without a posterior file, or with
``use_posterior=False``, they are drawn like the others (the CLI says so).

Outputs (``PSAResult``): per draw and strategy, the flat economic record; the drawn parameters;
the cost-effectiveness plane (incremental cost and effect against the comparator); the
acceptability curve (CEAC: share of draws in which each strategy has the highest net monetary
benefit, ties shared equally, so the shares sum to 1 at each threshold); the acceptability
frontier (CEAF: the strategy with the highest expected NMB and its CEAC value); the expected value
of perfect information, EVPI(λ) = E_d[max_s NMB] - max_s E_d[NMB] (USD, for the modelled
facilities and horizon).
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import pandas as pd
from scipy import stats
from tqdm import tqdm

from mentorsim.economics.evaluation import (
    COMPARATOR,
    comparator_params,
    evaluate_runs,
    is_comparator,
)
from mentorsim.errors import input_error
from mentorsim.executors import process_pool
from mentorsim.parameters.cost_table import ANALYSIS_CHOICES, COST_PARAMS
from mentorsim.parameters.model_table import PARAMS_BY_NAME, Param
from mentorsim.randomness import replicate_seed
from mentorsim.runner import simulate_batch

SCOPES = ("default", "costs")
DISTRIBUTIONS = ("beta", "pert", "triangular")
DEFAULT_DISTRIBUTION = "beta"
#: Smallest concentration α + β of the mean-matched beta (the PERT's, 2 + λ).
BETA_CONCENTRATION = 6.0
PERT_LAMBDA = 4.0
POSTERIOR_FILE = "posterior.csv"
_PSA_KEY = zlib.crc32(b"psa-parameters")

#: Model parameters whose uncertainty the default PSA propagates (learning and decay rates,
#: attendance, the SSI effect, attrition). Structural settings (durations, intervals, counts,
#: switches, shares that define a strategy) are not drawn.
MODEL_UNCERTAIN: tuple[str, ...] = (
    "staff.annual_attrition",
    "learning.visit_tacit_rate", "learning.visit_explicit_rate", "learning.echo_explicit_rate",
    "learning.whatsapp_rate", "learning.knowledge_to_skill_rate",
    "learning.skill_half_life_months", "learning.knowledge_half_life_months",
    "learning.reinforcement_protection", "learning.resistance_effect", "learning.peer_rate",
    "learning.secular_rate",
    "workload.busy_base",
    "echo.base_attendance", "echo.after_hours_penalty",
    "whatsapp.weekly_engagement",
    "mentors.unavailable_prob", "mentors.annual_attrition", "mentors.local_context_bonus",
    "ssi.risk_caesarean", "ssi.risk_other", "ssi.relative_risk_full",
    "ssi.case_fatality_caesarean", "ssi.case_fatality_other", "ssc.rollout_rate",
    "learning.secular_ceiling", "learning.secular_ssc_share", "learning.safety_first_level",
)


def psa_parameter_names(scope: str = "default") -> list[str]:
    """Names of the parameters a PSA of ``scope`` draws (sorted)."""
    if scope not in SCOPES:
        raise input_error("--psa-scope", None, f"must be one of {', '.join(SCOPES)}", scope)
    names = [p.name for p in COST_PARAMS]
    if scope == "default":
        names += list(MODEL_UNCERTAIN)
    out = []
    for name in names:
        p = PARAMS_BY_NAME[name]
        if name in ANALYSIS_CHOICES or p.kind is bool or p.high <= p.low:
            continue
        out.append(name)
    return sorted(out)


def pert_shape(p: Param, mode: float | None = None) -> tuple[float, float]:
    """(α, β) of the PERT distribution of ``p`` with mode ``mode`` (default: p.default)."""
    m = float(p.default if mode is None else mode)
    a, b = float(p.low), float(p.high)
    return 1.0 + PERT_LAMBDA * (m - a) / (b - a), 1.0 + PERT_LAMBDA * (b - m) / (b - a)


def beta_shape(p: Param, mean: float | None = None) -> tuple[float, float]:
    """(α, β) of the mean-matched beta of ``p`` on [low, high] with mean ``mean`` (default:
    p.default); (0, 0) when the mean sits on a bound (the parameter is then held there)."""
    m = float(p.default if mean is None else mean)
    a, b = float(p.low), float(p.high)
    f = (m - a) / (b - a)
    if f <= 0.0 or f >= 1.0:
        return 0.0, 0.0
    k = max(BETA_CONCENTRATION, 1.0 / f, 1.0 / (1.0 - f))
    return k * f, k * (1.0 - f)


def distribution_mean(p: Param, distribution: str = DEFAULT_DISTRIBUTION) -> float:
    """The mean of ``p``'s PSA distribution (before rounding integers)."""
    m, a, b = float(p.default), float(p.low), float(p.high)
    if distribution == "beta":
        return m
    if distribution == "pert":
        return (a + 4 * m + b) / 6
    if distribution == "triangular":
        return (a + m + b) / 3
    raise input_error("--psa-distribution", None, f"must be one of {', '.join(DISTRIBUTIONS)}", distribution)


def quantile(p: Param, u: float, distribution: str = DEFAULT_DISTRIBUTION, mode: float | None = None):
    """The value of ``p`` at uniform ``u`` (inverse CDF), within [low, high]. ``mode``: the
    centre to use instead of p.default (the mean for ``beta``, the mode otherwise)."""
    m = float(p.default if mode is None else mode)
    a, b = float(p.low), float(p.high)
    if distribution == "beta":
        al, be = beta_shape(p, m)
        x = m if al == 0.0 else a + (b - a) * float(stats.beta.ppf(u, al, be))
    elif distribution == "pert":
        al, be = pert_shape(p, m)
        x = a + (b - a) * float(stats.beta.ppf(u, al, be))
    elif distribution == "triangular":
        c = (m - a) / (b - a)
        x = a + (b - a) * float(stats.triang.ppf(u, c))
    else:
        raise input_error("--psa-distribution", None, f"must be one of {', '.join(DISTRIBUTIONS)}",
                          distribution)
    x = min(max(x, a), b)
    return int(round(x)) if p.kind is int else x


def quantiles(params: Sequence[Param], u: np.ndarray, distribution: str = DEFAULT_DISTRIBUTION) -> list:
    """``[quantile(p, u_i, distribution)]`` for every parameter, with one call of scipy's inverse
    CDF for them all (elementwise, so the same floats as one at a time; scipy's per-call overhead
    was 4% of a PSA draw)."""
    if distribution not in DISTRIBUTIONS:
        raise input_error("--psa-distribution", None, f"must be one of {', '.join(DISTRIBUTIONS)}",
                          distribution)
    a = np.array([float(p.low) for p in params])
    b = np.array([float(p.high) for p in params])
    m = np.array([float(p.default) for p in params])
    held = np.zeros(len(params), dtype=bool)  # beta with its mean on a bound: held there
    if distribution == "triangular":
        q = stats.triang.ppf(u, (m - a) / (b - a))
    else:
        shape = beta_shape if distribution == "beta" else pert_shape
        al, be = np.array([shape(p) for p in params], dtype=float).reshape(-1, 2).T
        held = al == 0.0 if distribution == "beta" else held
        q = stats.beta.ppf(u, np.where(held, 1.0, al), np.where(held, 1.0, be))
    out = []
    for i, p in enumerate(params):
        x = float(m[i]) if held[i] else float(a[i]) + (float(b[i]) - float(a[i])) * float(q[i])
        x = min(max(x, float(a[i])), float(b[i]))
        out.append(int(round(x)) if p.kind is int else x)
    return out


def draw_generator(seed: int, draw: int) -> np.random.Generator:
    """The generator of draw ``draw``'s parameter values (independent of the model's streams)."""
    ss = np.random.SeedSequence(entropy=replicate_seed(seed, draw), spawn_key=(_PSA_KEY,))
    return np.random.Generator(np.random.PCG64(ss))


def load_posterior(path=None) -> pd.DataFrame | None:
    """The calibration posterior (parameter columns and ``weight``), or None if there is none."""
    try:
        if path is None:
            ref = resources.files("mentorsim").joinpath("data", POSTERIOR_FILE)
            if not ref.is_file():
                return None
            source = f"data/{POSTERIOR_FILE}"
            with ref.open("r") as fh:
                df = pd.read_csv(fh)
        else:
            source = str(path)
            df = pd.read_csv(path)
    except (OSError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise input_error(str(path or POSTERIOR_FILE), None, f"cannot read the posterior ({exc})") from None
    if "weight" not in df.columns:
        raise input_error(source, None, "missing column 'weight'")
    unknown = [c for c in df.columns if c != "weight" and c not in PARAMS_BY_NAME]
    if unknown:
        raise input_error(source, unknown[0], "not a parameter; columns must be parameter names and weight")
    if len(df) == 0:
        raise input_error(source, None, "no rows")
    w = pd.to_numeric(df["weight"], errors="coerce")
    if w.isna().any() or (w < 0).any() or w.sum() <= 0:
        raise input_error(source, "weight", "weights must be non-negative numbers with a positive sum")
    for c in df.columns:
        if c == "weight":
            continue
        for i, v in enumerate(df[c]):
            PARAMS_BY_NAME[c].check(v, source, f"row {i + 1} {c}", text=True)
    return df


def draw_parameters(seed: int, draw: int, names: Sequence[str], distribution: str = DEFAULT_DISTRIBUTION,
                    posterior: pd.DataFrame | None = None) -> dict[str, object]:
    """One draw of the uncertain parameters (plus posterior parameters, if given)."""
    rng = draw_generator(seed, draw)
    u = rng.random(len(names))
    values: dict[str, object] = dict(zip(names, quantiles([PARAMS_BY_NAME[n] for n in names], u, distribution)))
    if posterior is not None:
        w = posterior["weight"].to_numpy(dtype=float)
        row = int(rng.choice(len(w), p=w / w.sum()))
        for c in posterior.columns:
            if c != "weight":
                values[c] = PARAMS_BY_NAME[c].check(posterior[c].iloc[row], f"data/{POSTERIOR_FILE}", text=True)
        values["posterior_row"] = row
    return values


@dataclass(frozen=True)
class Strategy:
    """A strategy for PSA: its name, full parameters, and the keys it fixes (never drawn)."""

    name: str
    params: Mapping
    fixed: frozenset = frozenset()

    @classmethod
    def from_scenario(cls, scenario) -> Strategy:
        return cls(scenario.name, dict(scenario.params), frozenset(scenario.overrides))


def _apply(strategy: Strategy, drawn: Mapping) -> dict:
    p = dict(strategy.params)
    for k, v in drawn.items():
        if k in PARAMS_BY_NAME and k not in strategy.fixed:
            p[k] = v
    return p


def _run_draw(args) -> tuple[int, dict, list[dict]]:
    """Worker: one draw, every strategy (module-level so processes can pickle it)."""
    seed, draw, strategies, names, distribution, posterior = args
    drawn = draw_parameters(seed, draw, names, distribution, posterior)
    run_seed = replicate_seed(seed, draw)
    params = [_apply(s, drawn) for s in strategies]
    outs = _draw_runs(params, run_seed)
    comps = [outs[_comparator_key(p)] for p in params]
    own = [comp if is_comparator(p) else outs[id(p)] for p, comp in zip(params, comps)]
    evs = evaluate_runs(params, own, comps)  # the draw's strategies costed together
    records = [{"draw": draw, "strategy": s.name} | ev.record for s, ev in zip(strategies, evs)]
    return draw, drawn, records


def _comparator_key(params: Mapping) -> tuple:
    """Strategies whose comparators have the same parameters share one comparator run."""
    return tuple(sorted(comparator_params(params).items()))


def _draw_runs(params: Sequence[Mapping], run_seed: int) -> dict:
    """Every run of a draw, advanced together (runner.simulate_batch, each run bit-identical to
    ``simulate(p, run_seed, 0)``): each distinct comparator once (keyed by its parameters, as
    economics.ComparatorCache shares them) and each strategy that is not a comparator (keyed by
    ``id`` of its parameters)."""
    todo: dict = {}
    for p in params:
        todo.setdefault(_comparator_key(p), comparator_params(p))
        if not is_comparator(p):
            todo[id(p)] = p
    outs = simulate_batch([(p, run_seed, 0) for p in todo.values()])
    return dict(zip(todo, outs))


@dataclass
class PSAResult:
    """The draws of a PSA and what is derived from them."""

    records: pd.DataFrame  # one row per draw and strategy
    parameters: pd.DataFrame  # one row per draw: the drawn values
    seed: int
    scope: str
    distribution: str
    strategies: list[str] = field(default_factory=list)
    comparator: str | None = None

    @property
    def n_draws(self) -> int:
        return int(self.records["draw"].nunique()) if len(self.records) else 0

    def matrix(self, column: str) -> np.ndarray:
        """[draws, strategies] values of a record column (strategies in self.strategies order)."""
        wide = self.records.pivot(index="draw", columns="strategy", values=column)
        return wide[self.strategies].to_numpy(dtype=float)

    def nmb(self, wtp: float, effect: str = "dalys_averted", cost: str = "cost_net_usd") -> np.ndarray:
        return wtp * self.matrix(effect) - self.matrix(cost)

    def ce_plane(self, effect: str = "dalys_averted", cost: str = "cost_net_usd") -> pd.DataFrame:
        """Incremental cost and effect of each strategy against the comparator, per draw.

        Effects are already against each draw's own comparator run; costs subtract the
        comparator strategy's cost in the same draw when it is in the set (else its cost is 0)."""
        c, e = self.matrix(cost), self.matrix(effect)
        if self.comparator in self.strategies:
            j = self.strategies.index(self.comparator)
            c = c - c[:, [j]]
            e = e - e[:, [j]]
        draws = np.sort(self.records["draw"].unique())
        rows = []
        for k, s in enumerate(self.strategies):
            rows.append(pd.DataFrame({"draw": draws, "strategy": s, "inc_cost": c[:, k],
                                      "inc_effect": e[:, k]}))
        return pd.concat(rows, ignore_index=True)

    def ceac(self, wtp: Iterable[float], effect: str = "dalys_averted",
             cost: str = "cost_net_usd") -> pd.DataFrame:
        """Probability each strategy is the most cost-effective (rows: wtp; columns: strategies)."""
        wtp = [float(w) for w in wtp]
        out = np.zeros((len(wtp), len(self.strategies)))
        for i, w in enumerate(wtp):
            nmb = self.nmb(w, effect, cost)
            best = np.isclose(nmb, nmb.max(axis=1, keepdims=True), rtol=1e-12, atol=1e-9)
            out[i] = (best / best.sum(axis=1, keepdims=True)).mean(axis=0)
        return pd.DataFrame(out, index=pd.Index(wtp, name="wtp"), columns=self.strategies)

    def ceaf(self, wtp: Iterable[float], effect: str = "dalys_averted",
             cost: str = "cost_net_usd") -> pd.DataFrame:
        """Per wtp: the strategy with the highest expected NMB and its probability of being best."""
        wtp = [float(w) for w in wtp]
        ceac = self.ceac(wtp, effect, cost)
        rows = []
        for w in wtp:
            mean = self.nmb(w, effect, cost).mean(axis=0)
            k = int(np.argmax(mean))
            rows.append({"wtp": w, "optimal": self.strategies[k], "expected_nmb": float(mean[k]),
                         "probability": float(ceac.loc[w, self.strategies[k]])})
        return pd.DataFrame(rows)

    def evpi(self, wtp: Iterable[float], effect: str = "dalys_averted",
             cost: str = "cost_net_usd") -> pd.Series:
        """Expected value of perfect information (USD) at each wtp."""
        wtp = [float(w) for w in wtp]
        vals = []
        for w in wtp:
            nmb = self.nmb(w, effect, cost)
            vals.append(float(nmb.max(axis=1).mean() - nmb.mean(axis=0).max()))
        return pd.Series(vals, index=pd.Index(wtp, name="wtp"), name="evpi_usd")


def run_psa(strategies: Sequence[Strategy], n_draws: int, seed: int = 1, workers: int = 2,
            scope: str = "default", distribution: str = DEFAULT_DISTRIBUTION, use_posterior: bool = True,
            progress: bool = True, on_draw: Callable[[int, dict, list[dict]], None] | None = None,
            include_comparator: bool = True) -> PSAResult:
    """Run a PSA of ``n_draws`` draws over ``strategies``.

    Args:
        workers: processes (1 = serial in this process). Results are identical either way.
        use_posterior: draw calibrated parameters jointly from data/posterior.csv if it exists
            (the default; False draws them from their ranges like the others).
        on_draw: called with (draw, drawn values, records) as each draw completes, in draw order.
        include_comparator: add the comparator (no mentorship in the first strategy's setting)
            when no strategy is one.
    """
    if n_draws < 1:
        raise input_error("--psa", None, "must be at least 1 draw", n_draws)
    if distribution not in DISTRIBUTIONS:
        raise input_error("--psa-distribution", None, f"must be one of {', '.join(DISTRIBUTIONS)}",
                          distribution)
    strategies = list(strategies)
    if include_comparator and strategies and not any(is_comparator(s.params) for s in strategies):
        strategies.insert(0, Strategy(COMPARATOR, comparator_params(strategies[0].params), frozenset()))
    names = psa_parameter_names(scope)
    posterior = load_posterior() if use_posterior else None
    tasks = [(seed, d, strategies, names, distribution, posterior) for d in range(n_draws)]
    all_records: list[dict] = []
    drawn_rows: list[dict] = []
    bar = tqdm(total=n_draws, unit="draw", desc="PSA", file=sys.stderr, disable=None, leave=False)
    try:
        if workers <= 1:
            results = map(_run_draw, tasks)
            _collect(results, all_records, drawn_rows, bar, on_draw)
        else:
            with process_pool(workers) as pool:
                _collect(pool.map(_run_draw, tasks), all_records, drawn_rows, bar, on_draw)
    finally:
        bar.close()
    comparator = next((s.name for s in strategies if is_comparator(s.params)), None)
    return PSAResult(pd.DataFrame(all_records), pd.DataFrame(drawn_rows), seed, scope, distribution,
                     [s.name for s in strategies], comparator)


def _collect(results, all_records, drawn_rows, bar, on_draw) -> None:
    for draw, drawn, records in results:
        all_records.extend(records)
        drawn_rows.append({"draw": draw} | drawn)
        if on_draw:
            on_draw(draw, drawn, records)
        bar.update(1)


def wtp_grid(max_wtp: float, points: int = 61) -> np.ndarray:
    """Evenly spaced willingness-to-pay values from 0 to ``max_wtp`` (for CEAC plots)."""
    return np.linspace(0.0, float(max_wtp), points)
