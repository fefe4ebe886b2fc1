"""Value of information: EVPI, EVPPI by regression, scaled to a population and a decision horizon.

Input: a PSA sample, one row per draw, each strategy's cost and effect (wide: columns
``cost.<strategy>`` and ``effect.<strategy>``) and the drawn parameter values. Net monetary
benefit of strategy s in draw i at willingness to pay λ: NMB_is = λ·effect_is − cost_is (money,
in the unit of the costs).

EVPI (expected value of perfect information), per decision unit (e.g. one programme of the size
the PSA describes):

    EVPI(λ) = mean_i max_s NMB_is − max_s mean_i NMB_is

EVPPI of a parameter or group φ (Strong, Oakley & Brennan 2014, Med Decis Making 34:311-326):
regress each strategy's incremental effect and incremental cost (against the first strategy) on
φ, so that g_s(φ) ≈ E[NMB_s − NMB_1 | φ] = λ·ĝE_s(φ) − ĝC_s(φ), and

    EVPPI(λ) = mean_i max_s g_s(φ_i) − max_s mean_i g_s(φ_i)     (g_1 = 0).

Costs and effects are fitted once each and combined for every λ (the smoothers are linear in the
response), so many λ cost nothing extra. Regression methods (scikit-learn):

- ``spline`` (1 parameter): cubic B-splines on quantile knots, ridge penalty chosen by
  generalised cross-validation (RidgeCV's efficient leave-one-out): a penalised regression spline.
- ``tensor`` (2 parameters): the row-wise tensor product of two such bases, same penalty choice.
- ``gp`` (3 or more): Gaussian process with an anisotropic (ARD) squared-exponential kernel plus
  white noise, hyperparameters by maximum marginal likelihood, fitted on at most ``gp_max_fit``
  draws and predicted at all (Strong et al. 2014 use a GP for larger groups).

Uncertainty. ``low``/``high``: 2.5% and 97.5% points of EVPPI recomputed on bootstrap resamples of
the draws' fitted values (Monte Carlo error of the outer expectation). ``noise_floor``: the EVPPI
the same method reports for the same inputs randomly permuted (so unrelated to net benefit): a
regression always finds some signal in noise, so an EVPPI at or below the floor is not
distinguishable from 0 (``clear`` is False). Spline fits take the largest of NOISE_PERMUTATIONS
permutations; a GP one. Splines get one knot per DRAWS_PER_KNOT draws (3 to 8): on a small PSA a
flexible fit finds crossings of the strategies in noise and overstates EVPPI. An estimate above
the EVPI is impossible in truth and is flagged (``above_evpi``): the sample is too small.

Population: EVPI and EVPPI are per decision unit. Over ``units_per_year`` units a year for
``years`` years discounted at ``discount_rate`` (first year undiscounted):

    population value = per-unit value × units_per_year × Σ_{t=0}^{years−1} (1 + r)^−t
"""

from __future__ import annotations

import difflib
import math
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from mentorsim.errors import input_error

COST_PREFIX = "cost."
EFFECT_PREFIX = "effect."
#: Columns never treated as parameters: identifiers the PSA writes.
ID_COLUMNS = ("draw", "posterior_row")
#: Fewest draws a regression EVPPI is attempted on.
MIN_DRAWS = 30
METHODS = ("auto", "spline", "tensor", "gp")
BOOTSTRAP = 200
GP_MAX_FIT = 500
SPLINE_KNOTS = 8
TENSOR_KNOTS = 5
#: Draws per spline knot: fewer knots on small samples, where a flexible fit finds crossings in noise.
DRAWS_PER_KNOT = 40
#: Permutations behind the noise floor of spline fits (the floor is their largest EVPPI); GP: 1.
NOISE_PERMUTATIONS = 5
#: Below this many draws the output warns that EVPPI estimates are rough (Strong et al. use 1000+).
FEW_DRAWS = 500
_ALPHAS = np.logspace(-6, 4, 41)


# --- the PSA sample ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Sample:
    """A PSA sample: costs and effects [draws, strategies] and parameters [draws, parameters]."""

    strategies: tuple[str, ...]
    costs: np.ndarray
    effects: np.ndarray
    parameters: pd.DataFrame

    @property
    def n(self) -> int:
        return self.costs.shape[0]

    def nmb(self, wtp: float) -> np.ndarray:
        """Net monetary benefit [draws, strategies] at ``wtp`` (money per unit of effect)."""
        return float(wtp) * self.effects - self.costs


def sample_from_frame(frame: pd.DataFrame, source: str = "<table>") -> Sample:
    """Split a wide PSA frame (``cost.<s>``, ``effect.<s>``, parameters) into a Sample.

    Raises InputError (one line, naming ``source``) for no strategies, unmatched columns,
    non-numeric or missing values, or fewer than MIN_DRAWS rows."""
    cols = [str(c) for c in frame.columns]
    frame = frame.copy()
    frame.columns = cols
    costs = {c[len(COST_PREFIX):]: c for c in cols if c.startswith(COST_PREFIX)}
    effects = {c[len(EFFECT_PREFIX):]: c for c in cols if c.startswith(EFFECT_PREFIX)}
    if not costs and not effects:
        raise input_error(source, None, "no strategies: expected columns cost.<strategy> and "
                          "effect.<strategy> for each strategy")
    for name in costs:
        if name not in effects:
            raise input_error(source, COST_PREFIX + name, f"has no matching column {EFFECT_PREFIX}{name}")
    for name in effects:
        if name not in costs:
            raise input_error(source, EFFECT_PREFIX + name, f"has no matching column {COST_PREFIX}{name}")
    strategies = tuple(costs)
    if len(strategies) < 2:
        raise input_error(source, None, f"only one strategy ({strategies[0]}); value of information "
                          "compares at least two")
    if len(frame) < MIN_DRAWS:
        raise input_error(source, None, f"{len(frame)} rows; need at least {MIN_DRAWS} draws (one per row)")
    for c in cols:
        if c in ID_COLUMNS:
            continue
        values = pd.to_numeric(frame[c], errors="coerce")
        bad = values.isna() & frame[c].notna()
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise input_error(source, f"row {i + 1} {c}", "not a number (every column but draw must be "
                              "numeric)", frame[c].iloc[i])
        if values.isna().any() or not np.isfinite(values.to_numpy(dtype=float)).all():
            i = int(np.flatnonzero(~np.isfinite(values.to_numpy(dtype=float)))[0])
            raise input_error(source, f"row {i + 1} {c}", "missing or not finite (NaN/inf); every "
                              "draw needs every value")
        frame[c] = values.astype(float)
    used = set(costs.values()) | set(effects.values()) | set(ID_COLUMNS)
    params = frame[[c for c in cols if c not in used]]
    return Sample(strategies,
                  frame[[costs[s] for s in strategies]].to_numpy(dtype=float),
                  frame[[effects[s] for s in strategies]].to_numpy(dtype=float),
                  params.reset_index(drop=True))


def read_sample_csv(path: str | Path) -> Sample:
    """A PSA sample from a CSV (UTF-8, a byte-order mark is fine); InputError if unusable."""
    path = Path(path)
    if not path.is_file():
        raise input_error(str(path), None, "no such CSV file")
    try:
        frame = pd.read_csv(path, encoding="utf-8-sig")
    except pd.errors.EmptyDataError:
        raise input_error(str(path), None, "empty file: expected a header and one row per draw") from None
    except (pd.errors.ParserError, UnicodeDecodeError) as exc:
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise input_error(str(path), None, f"not a readable CSV ({msg})") from None
    return sample_from_frame(frame, str(path))


def wide_from_psa(records: pd.DataFrame, parameters: pd.DataFrame, effect: str = "dalys_averted",
                  cost: str = "cost_net_usd") -> pd.DataFrame:
    """The wide frame (``cost.<s>``, ``effect.<s>``, parameters) of a PSA's long records
    (columns draw, strategy, ``effect``, ``cost``) and its drawn parameters (draw, names)."""
    strategies = list(dict.fromkeys(records["strategy"]))
    c = records.pivot(index="draw", columns="strategy", values=cost)[strategies]
    e = records.pivot(index="draw", columns="strategy", values=effect)[strategies]
    c.columns = [COST_PREFIX + s for s in strategies]
    e.columns = [EFFECT_PREFIX + s for s in strategies]
    p = parameters.set_index("draw").drop(columns=[x for x in ID_COLUMNS if x in parameters.columns
                                                   and x != "draw"])
    p = p.select_dtypes(include=["number", "bool"]).astype(float)
    return pd.concat([c, e, p], axis=1).sort_index().reset_index()


# --- EVPI ------------------------------------------------------------------------------------------

def evpi(sample: Sample, wtp: float) -> float:
    """EVPI at ``wtp`` per decision unit (money)."""
    nmb = sample.nmb(wtp)
    v = float(nmb.max(axis=1).mean() - nmb.mean(axis=0).max())
    return 0.0 if v < 1e-9 * float(np.abs(nmb).mean()) else v  # >= 0 by Jensen; below is rounding


def _evppi_from_fits(inc_e: np.ndarray, inc_c: np.ndarray, wtp: float) -> float:
    g = float(wtp) * inc_e - inc_c  # [draws, strategies-1]
    g = np.concatenate([np.zeros((g.shape[0], 1)), g], axis=1)
    v = float(g.max(axis=1).mean() - g.mean(axis=0).max())
    return 0.0 if v < 1e-9 * float(np.abs(g).mean()) else v  # >= 0 by Jensen; below is rounding


def annuity_factor(years: float, discount_rate: float) -> float:
    """Σ_{t=0}^{years−1} (1 + r)^−t for whole years; a part year counts pro rata."""
    if years < 0 or discount_rate < 0:
        raise ValueError("years and discount rate must be non-negative")
    whole = int(math.floor(years))
    total = sum((1 + discount_rate) ** -t for t in range(whole))
    return total + (years - whole) * (1 + discount_rate) ** -whole


def population_value(per_unit: float, units_per_year: float, years: float, discount_rate: float) -> float:
    """A per-unit value of information over ``units_per_year`` units a year for ``years`` years."""
    return float(per_unit) * float(units_per_year) * annuity_factor(years, discount_rate)


# --- EVPPI -------------------------------------------------------------------------------------

def _spline_basis(x: np.ndarray, knots: int) -> np.ndarray:
    from sklearn.preprocessing import SplineTransformer
    n_unique = len(np.unique(x))
    k = max(3, min(knots, n_unique - 2, len(x) // DRAWS_PER_KNOT))
    if n_unique <= 3:  # a switch or a three-level factor: indicator columns
        return (x[:, None] == np.unique(x)[None, :]).astype(float)
    return SplineTransformer(n_knots=k, degree=3, knots="quantile").fit_transform(x[:, None])


def _ridge_fit(basis: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Ridge regression of each column of ``y`` [draws, targets] on ``basis``, the penalty chosen
    per column by efficient leave-one-out (RidgeCV over _ALPHAS, ``alpha_per_target``): the
    fitted values, a constant column as itself. One fit for every column, which shares the
    basis's decomposition (a column at a time cost ~4 ms of sklearn's set-up each)."""
    from sklearn.linear_model import RidgeCV
    fitted = np.array(y, dtype=float, copy=True)
    varies = np.ptp(fitted, axis=0) != 0
    if varies.any():
        fitted[:, varies] = RidgeCV(alphas=_ALPHAS, alpha_per_target=True).fit(
            basis, fitted[:, varies]).predict(basis).reshape(len(fitted), -1)
    return fitted


def _gp_fit(x: np.ndarray, y: np.ndarray, seed: int, max_fit: int) -> np.ndarray:
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.gaussian_process import GaussianProcessRegressor
    from sklearn.gaussian_process.kernels import RBF, ConstantKernel, WhiteKernel
    if np.ptp(y) == 0:
        return np.full_like(y, y[0])
    sd = x.std(axis=0)
    sd[sd == 0] = 1.0
    z = (x - x.mean(axis=0)) / sd
    rng = np.random.default_rng(seed)
    idx = rng.choice(len(y), size=min(max_fit, len(y)), replace=False)
    kernel = (ConstantKernel(1.0, (1e-3, 1e3)) * RBF(np.ones(x.shape[1]), (1e-2, 1e3))
              + WhiteKernel(0.5, (1e-6, 1e1)))
    gp = GaussianProcessRegressor(kernel, normalize_y=True, random_state=seed, n_restarts_optimizer=0)
    with warnings.catch_warnings():  # a length scale at its upper bound is a near-linear effect: fine
        warnings.simplefilter("ignore", ConvergenceWarning)
        gp.fit(z[idx], y[idx])
    # the predictive mean: the white-noise term smooths it, as the nugget of a regression should
    return gp.predict(z)


def choose_method(n_params: int, method: str = "auto") -> str:
    if method not in METHODS:
        raise input_error("--method", None, f"must be one of {', '.join(METHODS)}", method)
    if method != "auto":
        return method
    return "spline" if n_params == 1 else "tensor" if n_params == 2 else "gp"


def fitted_increments(sample: Sample, x: np.ndarray, method: str = "auto", seed: int = 1,
                      gp_max_fit: int = GP_MAX_FIT) -> tuple[np.ndarray, np.ndarray, str]:
    """Fitted E[incremental effect | x] and E[incremental cost | x], [draws, strategies−1] each,
    against the first strategy, and the method used. ``x`` is [draws, k]."""
    x = np.asarray(x, dtype=float).reshape(sample.n, -1)
    method = choose_method(x.shape[1], method)
    inc_e = sample.effects[:, 1:] - sample.effects[:, [0]]
    inc_c = sample.costs[:, 1:] - sample.costs[:, [0]]
    if method == "spline":
        if x.shape[1] != 1:
            raise input_error("--method", None, "spline fits one parameter; use tensor (2) or gp", method)
        basis = _spline_basis(x[:, 0], SPLINE_KNOTS)
    elif method == "tensor":
        if x.shape[1] != 2:
            raise input_error("--method", None, "tensor fits two parameters; use spline (1) or gp", method)
        a, b = _spline_basis(x[:, 0], TENSOR_KNOTS), _spline_basis(x[:, 1], TENSOR_KNOTS)
        basis = (a[:, :, None] * b[:, None, :]).reshape(sample.n, -1)
    else:
        basis = None
    if basis is not None:  # every increment's regression on the one basis, fitted together
        fitted = _ridge_fit(basis, np.concatenate([inc_e, inc_c], axis=1))
        return fitted[:, :inc_e.shape[1]], fitted[:, inc_e.shape[1]:], method
    fe, fc = np.empty_like(inc_e), np.empty_like(inc_c)
    for j in range(inc_e.shape[1]):
        fe[:, j] = _gp_fit(x, inc_e[:, j], seed, gp_max_fit)
        fc[:, j] = _gp_fit(x, inc_c[:, j], seed + 1, gp_max_fit)
    return fe, fc, method


@dataclass(frozen=True)
class EVPPIResult:
    """EVPPI of one parameter or group at each wtp (money per decision unit)."""

    name: str
    parameters: tuple[str, ...]
    method: str
    wtp: tuple[float, ...]
    evppi: tuple[float, ...]
    low: tuple[float, ...]
    high: tuple[float, ...]
    noise_floor: tuple[float, ...]

    def clear(self, k: int) -> bool:
        """Whether the EVPPI at wtp index ``k`` is above the noise floor and its interval excludes it."""
        return self.evppi[k] > self.noise_floor[k] and self.low[k] > self.noise_floor[k]


def evppi(sample: Sample, parameters: Sequence[str], wtp: Iterable[float], method: str = "auto",
          seed: int = 1, bootstrap: int = BOOTSTRAP, noise_floor: bool = True,
          gp_max_fit: int = GP_MAX_FIT, name: str | None = None) -> EVPPIResult:
    """EVPPI of ``parameters`` (one, or a group learnt together) at each ``wtp``.

    Args:
        seed: seeds the bootstrap, the permutation of the noise floor and the GP subsample.
        bootstrap: resamples for the interval (0: the interval is the estimate itself).
        noise_floor: also estimate the EVPPI of the permuted inputs (doubles the fitting time).
    """
    parameters = tuple(parameters)
    wtp = tuple(float(w) for w in wtp)
    x = sample.parameters[list(parameters)].to_numpy(dtype=float)
    fe, fc, used = fitted_increments(sample, x, method, seed, gp_max_fit)
    rng = np.random.default_rng(seed)
    values, low, high, floor = [], [], [], []
    boots = [rng.integers(0, sample.n, sample.n) for _ in range(bootstrap)]
    nulls = []
    if noise_floor:
        for _ in range(1 if used == "gp" else NOISE_PERMUTATIONS):
            perm = rng.permutation(sample.n)
            nulls.append(fitted_increments(sample, x[perm], used, seed, gp_max_fit)[:2])
    for w in wtp:
        v = _evppi_from_fits(fe, fc, w)
        values.append(v)
        if boots:
            b = np.array([_evppi_from_fits(fe[i], fc[i], w) for i in boots])
            low.append(float(np.percentile(b, 2.5)))
            high.append(float(np.percentile(b, 97.5)))
        else:
            low.append(v)
            high.append(v)
        floor.append(max((_evppi_from_fits(ne, nc, w) for ne, nc in nulls), default=0.0))
    return EVPPIResult(name or "+".join(parameters), parameters, used, wtp, tuple(values), tuple(low),
                       tuple(high), tuple(floor))


def check_names(sample: Sample, names: Iterable[str], source: str = "--parameters") -> None:
    """InputError (with a did-you-mean) for a name that is not a parameter column."""
    known = list(sample.parameters.columns)
    for n in names:
        if n not in known:
            close = difflib.get_close_matches(n, known, n=1)
            hint = f"; did you mean {close[0]}?" if close else f"; parameters: {', '.join(known[:12])}" + (
                " ..." if len(known) > 12 else "")
            raise input_error(source, None, f"no parameter column named {n!r}{hint}")


def parse_groups(text: str) -> list[tuple[str, ...]]:
    """``"A+B,C"`` -> [("A", "B"), ("C",)]."""
    out = []
    for part in str(text).split(","):
        names = tuple(p.strip() for p in part.split("+") if p.strip())
        if not names:
            raise input_error("--groups", None, "empty group: write groups like \"A+B,C\"", text)
        out.append(names)
    return out


def varying_parameters(sample: Sample) -> list[str]:
    """Parameter columns that take more than one value (a constant one has EVPPI 0)."""
    return [c for c in sample.parameters.columns if sample.parameters[c].nunique() > 1]


def analyse(sample: Sample, wtp: Sequence[float], groups: Sequence[Sequence[str]] | None = None,
            method: str = "auto", seed: int = 1, bootstrap: int = BOOTSTRAP, noise_floor: bool = True,
            population: Mapping[str, float] | None = None) -> dict:
    """EVPI and EVPPI of each group (default: each varying parameter alone) at each wtp.

    ``population``: optional {"units_per_year", "years", "discount_rate"}: adds population values.
    Returns a JSON-ready dict: ``evpi`` {wtp: value}, ``evppi`` {name: {wtp: {...}}}, settings."""
    wtp = [float(w) for w in wtp]
    if groups is None:
        groups = [(p,) for p in varying_parameters(sample)]
    for g in groups:
        check_names(sample, g, "--groups" if len(g) > 1 else "--parameters")
    factor = None
    if population is not None:
        factor = population_value(1.0, population["units_per_year"], population["years"],
                                  population["discount_rate"])
    ev = {w: evpi(sample, w) for w in wtp}
    out: dict = {"draws": sample.n, "strategies": list(sample.strategies), "wtp": wtp,
                 "evpi": {_key(w): ev[w] for w in wtp}, "evppi": {}, "population": None}
    for g in groups:
        r = evppi(sample, g, wtp, method, seed, bootstrap, noise_floor)
        out["evppi"][r.name] = {
            "parameters": list(r.parameters), "method": r.method,
            "values": {_key(w): {"evppi": r.evppi[k], "low": r.low[k], "high": r.high[k],
                                 "noise_floor": r.noise_floor[k], "clear": r.clear(k),
                                 "above_evpi": r.evppi[k] > ev[w] * (1 + 1e-9),
                                 "share_of_evpi": (r.evppi[k] / ev[w]) if ev[w] > 0 else None}
                       for k, w in enumerate(wtp)}}
    if factor is not None:
        out["population"] = dict(population) | {
            "multiplier": factor,
            "evpi": {_key(w): ev[w] * factor for w in wtp},
            "evppi": {name: {k: v["evppi"] * factor for k, v in d["values"].items()}
                      for name, d in out["evppi"].items()}}
    return out


def _key(w: float) -> str:
    return f"{w:g}"


def evppi_table(psa_frame: pd.DataFrame, params_frame: pd.DataFrame, wtps: Sequence[float],
                effect: str = "dalys_averted", cost: str = "cost_net_usd",
                groups: Sequence[Sequence[str]] | None = None, seed: int = 1,
                bootstrap: int = BOOTSTRAP) -> pd.DataFrame:
    """EVPPI of each varying PSA parameter (or ``groups``) at each wtp, for ``mentorsim cea``.

    Args:
        psa_frame: the PSA's long records (draw, strategy, ``effect``, ``cost``): PSAResult.records.
        params_frame: the drawn values (draw, one column per parameter): PSAResult.parameters.
    Returns one row per parameter/group and wtp: name, method, wtp, evppi, low, high, noise_floor,
    clear, above_evpi, evpi, share_of_evpi; sorted by wtp then EVPPI, largest first."""
    sample = sample_from_frame(wide_from_psa(psa_frame, params_frame, effect, cost), "PSA draws")
    res = analyse(sample, wtps, groups, seed=seed, bootstrap=bootstrap)
    rows = []
    for name, d in res["evppi"].items():
        for w in res["wtp"]:
            v = d["values"][_key(w)]
            rows.append({"name": name, "method": d["method"], "wtp": w, "evppi": v["evppi"], "low": v["low"],
                         "high": v["high"], "noise_floor": v["noise_floor"], "clear": v["clear"],
                         "above_evpi": v["above_evpi"],
                         "evpi": res["evpi"][_key(w)], "share_of_evpi": v["share_of_evpi"]})
    table = pd.DataFrame(rows)
    if len(table):
        table = table.sort_values(["wtp", "evppi"], ascending=[True, False], kind="stable")
    return table.reset_index(drop=True)


# --- output ----------------------------------------------------------------------------------------

def format_table(result: dict, money: str = "", top: int | None = None) -> str:
    """The text table of :func:`analyse`'s result: EVPI, then EVPPI per parameter/group at each wtp."""
    wtp = result["wtp"]
    unit = f" ({money})" if money else ""
    lines = [f"Value of information per decision unit{unit}, {result['draws']} draws, strategies: "
             f"{', '.join(result['strategies'])}"]
    header = ["", *[f"wtp {w:,.6g}" for w in wtp]]
    rows = [["EVPI", *[_fmt(result["evpi"][_key(w)]) for w in wtp]]]
    names = sorted(result["evppi"], key=lambda n: -max(result["evppi"][n]["values"][_key(w)]["evppi"]
                                                        for w in wtp))
    for n in names[:top] if top else names:
        vals = result["evppi"][n]["values"]
        rows.append([f"EVPPI {n}", *[_cell(vals[_key(w)]) for w in wtp]])
    widths = [max(len(r[i]) for r in rows + [header]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines += [fmt.format(*header).rstrip(), fmt.format(*["-" * w for w in widths])]
    lines += [fmt.format(*r).rstrip() for r in rows]
    if top and len(names) > top:
        lines.append(f"({len(names) - top} more parameters with smaller EVPPI; --format json lists all)")
    lines.append("EVPPI: estimate [95% bootstrap interval]; '~0' = not above the noise floor (the EVPPI "
                 "of the same inputs shuffled); '!' = above the EVPI, impossible in truth: too few draws. "
                 "Strong, Oakley & Brennan 2014.")
    if result["draws"] < FEW_DRAWS:
        lines.append(f"warning: {result['draws']} draws; EVPPI by regression is rough below {FEW_DRAWS} "
                     "(1000 or more is usual)")
    pop = result.get("population")
    if pop:
        lines.append(f"\nOver {pop['units_per_year']:g} units a year for {pop['years']:g} years at "
                     f"{100 * pop['discount_rate']:g}% discount (x{pop['multiplier']:,.2f}):")
        prow = [["EVPI", *[_fmt(pop["evpi"][_key(w)]) for w in wtp]]]
        prow += [[f"EVPPI {n}", *[_fmt(pop["evppi"][n][_key(w)]) for w in wtp]]
                 for n in (names[:top] if top else names)]
        widths = [max(len(r[i]) for r in prow + [header]) for i in range(len(header))]
        fmt = "  ".join(f"{{:<{w}}}" for w in widths)
        lines += [fmt.format(*header).rstrip(), fmt.format(*["-" * w for w in widths])]
        lines += [fmt.format(*r).rstrip() for r in prow]
    return "\n".join(lines)


def _fmt(x: float) -> str:
    return f"{x:,.0f}" if abs(x) >= 100 else f"{x:,.3g}"


def _cell(v: Mapping) -> str:
    if v["evppi"] == 0 and v["high"] == 0:
        return "0"
    s = f"{_fmt(v['evppi'])} [{_fmt(v['low'])}, {_fmt(v['high'])}]" + ("!" if v.get("above_evpi") else "")
    return s if v["clear"] else f"~0 ({s})"


def plot_evppi(table: pd.DataFrame, path: str | Path, money: str = "", top: int = 12,
               title: str | None = None) -> Path:
    """Bar chart of EVPPI per parameter/group (the ``top`` largest at any wtp), one bar per wtp,
    with bootstrap intervals, EVPI as a dashed line per wtp and the noise floor shaded.

    ``table``: :func:`evppi_table`'s output (name, wtp, evppi, low, high, noise_floor, evpi)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from mentorsim.plots import save_figure
    wtps = sorted(table["wtp"].unique())
    order = (table.groupby("name")["evppi"].max().sort_values(ascending=False).index[:top].tolist())
    fig, ax = plt.subplots(figsize=(10, min(11.0, 2.0 + 0.25 * len(order) * len(wtps) ** 0.5 * 1.6)))
    height = 0.8 / len(wtps)
    cycle = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    y = np.arange(len(order))[::-1]
    for k, w in enumerate(wtps):
        sub = table[table["wtp"] == w].set_index("name").reindex(order)
        pos = y + 0.4 - height * (k + 0.5)
        err = np.vstack([np.clip(sub["evppi"] - sub["low"], 0, None), np.clip(sub["high"] - sub["evppi"], 0, None)])
        color = cycle[k % len(cycle)]
        ax.barh(pos, sub["evppi"], height=height * 0.9, xerr=err, color=color, alpha=0.85,
                error_kw={"elinewidth": 0.8, "capsize": 2}, label=f"wtp {w:,.0f}")
        ax.scatter(sub["noise_floor"], pos, marker="|", color="k", s=60, zorder=3,
                   label="noise floor" if k == 0 else None)
        ax.axvline(float(sub["evpi"].iloc[0]), color=color, ls="--", lw=1)
    ax.set_yticks(y)
    ax.set_yticklabels(order)
    unit = f" ({money})" if money else ""
    ax.set_xlabel(f"EVPPI per decision unit{unit}\ndashed lines: EVPI at each wtp (same colour)")
    ax.xaxis.set_major_formatter(lambda x, _pos: f"{x:,.0f}")
    ax.set_xlim(left=0)
    ax.set_title(title or "Which evidence is worth collecting: EVPPI by parameter")
    ax.legend(loc="lower right", fontsize=8)
    ax.grid(axis="x", alpha=0.3)
    return save_figure(fig, Path(path))
