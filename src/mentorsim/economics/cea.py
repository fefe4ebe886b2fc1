"""Incremental cost-effectiveness analysis of a set of mutually exclusive strategies.

Works on any table of strategies with columns ``strategy``, ``cost`` and ``effect`` (a
DataFrame, or a CSV file via ``read_strategies_csv``), so analysts can use it on numbers from
elsewhere. The steps are the textbook ones (Drummond et al., Methods for the Economic Evaluation
of Health Care Programmes, ch. 4):

1. Sort by cost (ties: more effective first).
2. Strong dominance: a strategy is dominated if another costs no more and achieves at least as
   much, one of them strictly. Strategies with identical cost and effect are ties: both stay,
   marked with the same status and ICER, and a note naming the twin.
3. Extended dominance, repeated until none is left: on the remaining strategies in cost order,
   a strategy whose ICER against the previous one exceeds the next one's ICER against it is
   extendedly dominated (a mix of its neighbours does better). Equal ICERs (relative tolerance
   1e-9) are kept.
4. ICERs along the efficiency frontier: each frontier strategy against the previous one
   (the cheapest frontier strategy has none). Non-frontier strategies show their increments
   against the last frontier strategy that costs no more than they do.

Net monetary benefit at a willingness to pay λ per unit of effect: NMB = λ x effect - cost; the
strategy with the highest NMB is the one to choose at λ (it is always on the frontier, at the
λ between its own ICER and the next one's). Ties in NMB go to the cheaper strategy.

Effects can be negative (a strategy worse than the comparator): such a strategy is dominated if
it also costs more, and it can start the frontier if it is cheaper.
"""

from __future__ import annotations

import csv
import itertools
import math
from collections.abc import Iterable, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from mentorsim.errors import InputError, input_error
from mentorsim.validation import number

REQUIRED = ("strategy", "cost", "effect")
FRONTIER, DOMINATED, EXTENDED = "frontier", "dominated", "extendedly dominated"
STATUSES = (FRONTIER, DOMINATED, EXTENDED)
#: Default willingness-to-pay values, as multiples of GDP per capita (0.34: the opportunity-cost
#: threshold of low-HDI countries, Daroudi et al. 2021).
DEFAULT_WTP_MULTIPLES = (0.34, 0.5, 1.0, 3.0)
ICER_RTOL = 1e-9


def default_wtp(gdp_per_capita: float, multiples: Sequence[float] = DEFAULT_WTP_MULTIPLES) -> list[float]:
    """Willingness-to-pay values (USD per unit of effect) as multiples of GDP per capita."""
    return [float(m * gdp_per_capita) for m in multiples]


# --- input --------------------------------------------------------------------------------------

def validate_table(table: pd.DataFrame, source: str = "<table>") -> pd.DataFrame:
    """Check a strategies table and return a clean copy (strategy str, cost and effect float).

    Raises:
        InputError: one line naming ``source``, the row and what is wrong.
    """
    if not isinstance(table, pd.DataFrame):
        table = pd.DataFrame(table)
    missing = [c for c in REQUIRED if c not in table.columns]
    if missing:
        raise input_error(source, None, f"missing column {missing[0]!r}; required columns: "
                          f"{', '.join(REQUIRED)} (found: {', '.join(map(str, table.columns)) or 'none'})")
    if len(table) == 0:
        raise input_error(source, None, "no strategies: the table has a header but no rows")
    rows = []
    seen: dict[str, int] = {}
    for i, rec in enumerate(table[list(REQUIRED)].itertuples(index=False), start=1):
        name = "" if rec.strategy is None or (isinstance(rec.strategy, float) and math.isnan(rec.strategy)) \
            else str(rec.strategy).strip()
        if not name:
            raise input_error(source, f"row {i}", "strategy name is empty")
        if name in seen:
            raise input_error(source, f"row {i}", f"strategy {name!r} appears twice (rows {seen[name]} "
                              f"and {i}); strategy names must be unique")
        seen[name] = i
        values = {}
        for col in ("cost", "effect"):
            values[col] = number(source, f"row {i} ({name}) {col}", getattr(rec, col), text=True)
        rows.append({"strategy": name, **values})
    return pd.DataFrame(rows, columns=list(REQUIRED))


def read_strategies_csv(path: str | Path) -> pd.DataFrame:
    """Read and validate a CSV of strategies (columns strategy, cost, effect; others ignored).

    Row numbers in errors count data rows from 1 (the header is not a row).
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise input_error(source, None, "no such file")
    try:
        with path.open(newline="", encoding="utf-8-sig") as fh:
            reader = csv.reader(fh)
            header = next(reader, None)
            if header is None or not any(h.strip() for h in header):
                raise input_error(source, None, "empty file; expected a header line with columns "
                                  + ", ".join(REQUIRED))
            header = [h.strip() for h in header]
            data = [row for row in reader if any(cell.strip() for cell in row)]
    except UnicodeDecodeError:
        raise input_error(source, None, "not a text CSV file (not UTF-8)") from None
    except csv.Error as exc:
        raise input_error(source, None, f"not a valid CSV file ({exc})") from None
    dup_cols = sorted({h for h in header if header.count(h) > 1 and h in REQUIRED})
    if dup_cols:
        raise input_error(source, None, f"column {dup_cols[0]!r} appears twice in the header")
    for i, row in enumerate(data, start=1):
        if len(row) < len(header):
            row.extend([""] * (len(header) - len(row)))
        elif len(row) > len(header):
            raise input_error(source, f"row {i}", f"has {len(row)} fields but the header has {len(header)}")
    table = pd.DataFrame(data, columns=header, dtype=object)
    return validate_table(table, source)


# --- analysis -----------------------------------------------------------------------------------

def incremental_analysis(table: pd.DataFrame, source: str = "<table>") -> pd.DataFrame:
    """Full incremental analysis (see module docstring).

    Returns:
        One row per strategy in cost order: strategy, cost, effect, status (frontier, dominated,
        extendedly dominated), reference (the strategy the increments are against), inc_cost,
        inc_effect, icer (frontier only; NaN for the first frontier strategy), note.
    """
    df = validate_table(table, source)
    df["_order"] = range(len(df))
    df = df.sort_values(["cost", "effect", "_order"], ascending=[True, False, True]).reset_index(drop=True)
    n = len(df)
    cost, eff, names = df["cost"].to_numpy(), df["effect"].to_numpy(), df["strategy"].tolist()
    twin_of: dict[int, int] = {}
    reps: list[int] = []
    for i in range(n):
        first = next((j for j in reps if cost[j] == cost[i] and eff[j] == eff[i]), None)
        if first is None:
            reps.append(i)
        else:
            twin_of[i] = first
    status = dict.fromkeys(reps, FRONTIER)
    note = dict.fromkeys(range(n), "")
    for i in reps:  # strong dominance (reps are in cost order; the first dominator is cheapest)
        for j in reps:
            if j != i and cost[j] <= cost[i] and eff[j] >= eff[i] and (cost[j] < cost[i] or eff[j] > eff[i]):
                status[i] = DOMINATED
                note[i] = f"dominated by {names[j]}"
                break
    front = [i for i in reps if status[i] == FRONTIER]
    changed = True
    while changed and len(front) > 2:  # extended dominance, one removal at a time
        changed = False
        icers = [(cost[b] - cost[a]) / (eff[b] - eff[a]) for a, b in itertools.pairwise(front)]
        for k in range(len(icers) - 1):
            if icers[k] > icers[k + 1] and not math.isclose(icers[k], icers[k + 1], rel_tol=ICER_RTOL):
                i = front[k + 1]
                status[i] = EXTENDED
                del front[k + 1]
                changed = True
                break
    for i in reps:  # name the final frontier neighbours whose mix does better
        if status[i] == EXTENDED:
            lo = max((j for j in front if cost[j] < cost[i]), key=lambda j: cost[j])
            hi = min((j for j in front if cost[j] > cost[i]), key=lambda j: cost[j])
            note[i] = f"extendedly dominated by a mix of {names[lo]} and {names[hi]}"
    ref = [None] * n
    inc_c = [np.nan] * n
    inc_e = [np.nan] * n
    icer = [np.nan] * n
    for k, i in enumerate(front):
        if k > 0:
            a = front[k - 1]
            ref[i], inc_c[i], inc_e[i] = names[a], cost[i] - cost[a], eff[i] - eff[a]
            icer[i] = inc_c[i] / inc_e[i]
    for i in reps:
        if status[i] != FRONTIER:
            a = max((j for j in front if cost[j] <= cost[i]), key=lambda j: (cost[j], eff[j]))
            ref[i], inc_c[i], inc_e[i] = names[a], cost[i] - cost[a], eff[i] - eff[a]
    for i, j in twin_of.items():
        status[i], ref[i], inc_c[i], inc_e[i], icer[i] = status[j], ref[j], inc_c[j], inc_e[j], icer[j]
        note[i] = (f"same cost and effect as {names[j]}" + (f"; {note[j]}" if note[j] else "")).strip()
        if not note[j]:
            note[j] = f"same cost and effect as {names[i]}"
    out = pd.DataFrame({"strategy": names, "cost": cost, "effect": eff,
                        "status": [status[i] for i in range(n)],
                        "reference": pd.Series(ref, dtype=object), "inc_cost": inc_c,
                        "inc_effect": inc_e, "icer": icer,
                        "note": [note[i] for i in range(n)]})
    return out


def net_monetary_benefit(table: pd.DataFrame, wtp: Iterable[float]) -> pd.DataFrame:
    """NMB = wtp x effect - cost for each strategy (rows) and willingness to pay (columns)."""
    df = validate_table(table)
    wtp = [float(w) for w in wtp]
    nmb = np.outer(df["effect"].to_numpy(), wtp) - df["cost"].to_numpy()[:, None]
    return pd.DataFrame(nmb, index=df["strategy"], columns=wtp)


def best_at(table: pd.DataFrame, wtp: Iterable[float]) -> dict[float, str]:
    """The strategy with the highest NMB at each willingness to pay (ties: the cheaper one)."""
    df = validate_table(table)
    order = np.lexsort((-df["effect"].to_numpy(), df["cost"].to_numpy()))
    nmb = net_monetary_benefit(df, wtp).to_numpy()[order]
    names = df["strategy"].to_numpy()[order]
    return {float(w): str(names[int(np.argmax(nmb[:, j]))]) for j, w in enumerate(wtp)}


def wtp_summary(table: pd.DataFrame, wtp: Iterable[float]) -> pd.DataFrame:
    """Per willingness to pay: the strategy to choose and its NMB, and each strategy's NMB."""
    wtp = [float(w) for w in wtp]
    nmb = net_monetary_benefit(table, wtp)
    best = best_at(table, wtp)
    rows = []
    for w in wtp:
        row = {"wtp": w, "best": best[w], "best_nmb": float(nmb.loc[best[w], w])}
        row.update({f"nmb_{s}": float(nmb.loc[s, w]) for s in nmb.index})
        rows.append(row)
    return pd.DataFrame(rows)


# --- presentation -------------------------------------------------------------------------------

def _fmt(x, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:,.{digits}f}"


def format_icer_table(result: pd.DataFrame, cost_unit: str = "", effect_unit: str = "",
                      effect_digits: int = 2) -> str:
    """Plain-text table of ``incremental_analysis`` output."""
    header = ["strategy", f"cost{cost_unit}", f"effect{effect_unit}", "status", "vs",
              "inc. cost", "inc. effect", "ICER", "note"]
    rows = [[r.strategy, _fmt(r.cost), _fmt(r.effect, effect_digits), r.status,
             r.reference if isinstance(r.reference, str) else "-",
             _fmt(r.inc_cost), _fmt(r.inc_effect, effect_digits), _fmt(r.icer), r.note]
            for r in result.itertuples(index=False)]
    widths = [max(len(str(x[i])) for x in rows + [header]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    lines = [fmt.format(*header), fmt.format(*["-" * w for w in widths])]
    lines += [fmt.format(*r).rstrip() for r in rows]
    return "\n".join(lines)


def to_records(result: pd.DataFrame) -> list[dict]:
    """JSON-safe rows (NaN -> None)."""
    out = []
    for rec in result.to_dict(orient="records"):
        out.append({k: (None if isinstance(v, float) and not math.isfinite(v) else v)
                    for k, v in rec.items()})
    return out


__all__ = ["DEFAULT_WTP_MULTIPLES", "DOMINATED", "EXTENDED", "FRONTIER", "InputError", "best_at",
           "default_wtp", "format_icer_table", "incremental_analysis", "net_monetary_benefit",
           "read_strategies_csv", "to_records", "validate_table", "wtp_summary"]
