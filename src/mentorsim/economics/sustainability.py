"""What lasts after the programme: retained gains, the local mentor pool, the cost to sustain.

The follow-up horizon (``followup.months``, default 24) runs after the programme's last week;
only what the scenario keeps continues (``followup.local_visit_interval_weeks``,
``followup.whatsapp``, ``followup.echo_interval_weeks``).

Retained gain. For each indicator X (composite, safety, teamwork, SSC use, and skill in each of
the four domains), the gain at time t is the intervention facilities' mean in the strategy's run
minus their mean in the comparator run with the same seed (``no_mentorship`` in the same
setting):

    gain(t) = X_strategy(t) - X_comparator(t)

Both runs share the secular trend (everyone's practice floor drifts up) and the same random
draws, so the difference nets the trend out: a raw "end minus baseline" would credit the
programme with the trend, and its decay would be masked by the trend's rise. The share retained
k months after the end is

    retained(k) = gain(end + k months) / gain(end)

computed on gains averaged over replicates (a ratio of means: single-run ratios explode when a
gain is near zero), and not reported (NaN) when the end gain is under 0.1 point. The
within-run alternative (``gain_vs_arm``) uses the run's own comparison facilities as a
difference-in-differences, (I(t) - I(0)) - (C(t) - C(0)); it needs no second run but compares
different facilities.

Net of the trend, with the assumption beside it. The trend itself is an assumption: its ceiling
(``learning.secular_ceiling``) and whether it stops (``learning.secular_end_month``) are
constrained by comparison-arm data at one time point only (month 12, the DiD), yet they set how
high both runs climb after the programme. Every retention row therefore carries the trend it
was computed under (``trend_assumption``, the column ``net_of_trend``); the shipped scenario
``secular_stops_month12`` gives the sensitivity.

Local mentor pool over time: hub and local mentors active, paired, lost to attrition, trained
(pool and replacements), mentees who became mentors (``RunOutput.pool``), and the visits and
days local mentors gave in follow-up (from the visit log): a pool that is kept visiting shows
follow-up visits; one that is only kept on paper does not.

Cost to sustain: undiscounted follow-up costs divided by facility-years of follow-up
(intervention facilities x follow-up months / 12), by item (costs.py).
"""

from __future__ import annotations

import itertools

import numpy as np
import pandas as pd

from mentorsim.economics.costs import CostAccount, RunStack
from mentorsim.model.people import DOMAINS
from mentorsim.model.recording import POOL_SERIES
from mentorsim.results import RunOutput
from mentorsim.timeline import WEEKS_PER_MONTH, month_row

FACILITY_INDICATORS = ("composite", "safety", "teamwork", "ssc_use")
#: Every indicator whose retention is reported.
INDICATORS = FACILITY_INDICATORS + tuple(f"skill_{d}" for d in DOMAINS)
#: Months after the end of the programme at which retention is reported.
HORIZONS = (12, 24)
MIN_GAIN = 0.001  # 0.1 percentage point


def indicator_series(out: RunOutput, arm: int = 0) -> dict[str, np.ndarray]:
    """[rows] mean of each indicator (0-1) over one arm's facilities."""
    return {k: v[0] for k, v in indicators_batch(RunStack([out], [{}]), arm).items()}


def indicators_batch(stack: RunStack, arm: int = 0) -> dict[str, np.ndarray]:
    """[runs, rows] ``indicator_series`` of every run of ``stack``."""
    s = {k: stack.arm_mean(k, arm) for k in FACILITY_INDICATORS}
    skill = stack.arm_domain("skill")
    for j, d in enumerate(DOMAINS):
        s[f"skill_{d}"] = skill[:, :, arm, j]
    return s


def gain_series(out: RunOutput, comparator: RunOutput) -> dict[str, np.ndarray]:
    """[rows] gain of each indicator over the comparator run (intervention facilities, 0-1)."""
    return {k: v[0] for k, v in gains_batch(RunStack([out], [{}]), RunStack([comparator], [{}])).items()}


def gains_batch(stack: RunStack, comparators: RunStack) -> dict[str, np.ndarray]:
    """[runs, rows] ``gain_series`` of every run of ``stack`` against its comparator."""
    a, b = indicators_batch(stack), indicators_batch(comparators)
    return {k: a[k] - b[k] for k in INDICATORS}


def gain_vs_arm(out: RunOutput) -> dict[str, np.ndarray]:
    """[rows] difference-in-differences of each indicator against the run's comparison arm."""
    i, c = indicator_series(out, 0), indicator_series(out, 1)
    return {k: (i[k] - i[k][0]) - (c[k] - c[k][0]) for k in INDICATORS}


def horizon_rows(out: RunOutput) -> dict[str, int | None]:
    """Record rows of the end of the programme and of each horizon (None beyond the run)."""
    end = out.programme_weeks
    rows = {"end": end}
    for k in HORIZONS:
        r = end + month_row(k)
        rows[f"f{k}"] = r if r < out.rows else None
    return rows


def gains_at_horizons(gains: dict[str, np.ndarray], rows: dict[str, int | None]) -> dict[str, float]:
    """Flat ``gain_<when>_<indicator>`` (percentage points) at the end and each horizon."""
    at = horizon_gains_batch({k: series[None] for k, series in gains.items()}, rows)
    return {k: float(v[0]) for k, v in at.items()}


def horizon_gains_batch(gains: dict[str, np.ndarray], rows: dict[str, int | None]) -> dict[str, np.ndarray]:
    """[runs] ``gains_at_horizons`` of gains [runs, rows] of many runs."""
    out = {}
    at = [r for r in rows.values() if r is not None]
    for k, series in gains.items():
        points = iter(100 * series[:, at].T)  # each horizon's gain of every run, in one step
        for when, r in rows.items():
            out[f"gain_{when}_{k}"] = next(points) if r is not None else np.full(len(series), np.nan)
    return out


def retention(gain_end: float, gain_later: float) -> float:
    """Share of the end-of-programme gain still there later (NaN if no gain to retain)."""
    if not np.isfinite(gain_end) or not np.isfinite(gain_later) or gain_end < 100 * MIN_GAIN:
        return float("nan")
    return float(gain_later / gain_end)


#: The trend parameters each evaluation record carries (``trend_record``), for the label.
TREND_KEYS = ("learning.secular_rate", "learning.secular_ceiling", "learning.secular_end_month",
              "learning.secular_ssc_share")


def trend_record(params) -> dict[str, float]:
    """The secular-trend parameters a strategy ran under, as record fields ``trend_<key>``."""
    return {f"trend_{k.split('.')[1]}": float(params[k]) for k in TREND_KEYS}


def trend_assumption(rate: float, ceiling: float, end_month: float, horizon_months: float | None = None,
                     ssc_share: float = 0.0) -> str:
    """One line saying what the gains are net of and what that assumes.

    >>> "roll-out sets the timing of 50% of it" in trend_assumption(0.01, 0.8, 180.0, 41.0, ssc_share=0.5)
    True
    """
    stops = ("and does not stop" if horizon_months is not None and end_month >= horizon_months
             else f"until month {end_month:g}")
    paced = (f"; the SSC roll-out sets the timing of {100 * ssc_share:.0f}% of it" if ssc_share > 0 else "")
    return (f"gain over no mentorship in the same setting, net of a secular trend shared by both "
            f"(floors rise up to {rate:.4g}/week toward {ceiling:g} {stops}{paced}); assumption: "
            f"comparison-arm practice data constrain the trend at month 12 only")


def retention_table(records: pd.DataFrame) -> pd.DataFrame:
    """Per strategy and indicator: mean gains (points) at the end and horizons, and the share
    retained (ratio of the mean gains). ``records`` has a ``strategy`` column and the
    ``gain_*`` columns of ``gains_at_horizons``; with the ``trend_*`` columns of
    ``trend_record`` each row also says, in ``net_of_trend``, the trend it is net of."""
    rows = []
    for strategy, g in records.groupby("strategy", sort=False):
        note = None
        if {f"trend_{k.split('.')[1]}" for k in TREND_KEYS} <= set(g.columns):
            horizon = None
            if {"followup_months", "programme_months"} <= set(g.columns):
                horizon = float(g["programme_months"].iloc[0] + g["followup_months"].iloc[0])
            note = trend_assumption(g["trend_secular_rate"].iloc[0], g["trend_secular_ceiling"].iloc[0],
                                    g["trend_secular_end_month"].iloc[0], horizon,
                                    g["trend_secular_ssc_share"].iloc[0])
        for k in INDICATORS:
            end = g[f"gain_end_{k}"].mean()
            row = {"strategy": strategy, "indicator": k, "gain_end_pp": end}
            for h in HORIZONS:
                later = g[f"gain_f{h}_{k}"].mean()
                row[f"gain_{h}m_pp"] = later
                row[f"retained_{h}m"] = retention(end, later)
            if note is not None:
                row["net_of_trend"] = note
            rows.append(row)
    return pd.DataFrame(rows)


def pool_metrics(out: RunOutput) -> dict[str, float]:
    """The local pool at the end of the programme and the horizons, and what it did in follow-up."""
    return {k: float(v[0]) for k, v in pool_metrics_batch(RunStack([out], [{}])).items()}


def pool_metrics_batch(stack: RunStack) -> dict[str, np.ndarray]:
    """[runs] ``pool_metrics`` of every run of ``stack``."""
    rows = horizon_rows(stack.outs[0])  # the same for runs of one shape
    m = {}
    for key in ("hub_active", "local_active"):
        series = stack.pool(key)
        for when, r in rows.items():
            m[f"{key}_{when}"] = series[:, r] if r is not None else np.full(stack.size, np.nan)
    last = stack.rows - 1
    for key in ("local_trained", "local_lost", "mentees_became_mentors"):
        m[f"{key}_total"] = stack.pool(key)[:, last]
    run, a = stack.visits()
    fu = _local_lead(a) & (a[:, 0] >= stack.programme_weeks)
    run, local_fu = run[fu], a[fu]
    # (run, week, facility) visited, as one integer each (week and facility are whole numbers)
    weeks, facilities = stack.rows, stack.shape[4]
    visited = np.unique((run * weeks + local_fu[:, 0].astype(np.int64)) * facilities + local_fu[:, 1].astype(np.int64))
    m["followup_local_visits"] = np.bincount(visited // (weeks * facilities), minlength=stack.size).astype(float)
    # each run's days summed alone (numpy's pairwise sum of its rows), as for a run by itself
    bounds = np.searchsorted(run, np.arange(stack.size + 1))
    days = local_fu[:, 6]
    m["followup_local_mentor_days"] = np.array([days[lo:hi].sum() for lo, hi in itertools.pairwise(bounds)])
    return m


def _local_lead(a: np.ndarray) -> np.ndarray:
    """[rows] True for rows of a visit array (columns mentors.VISIT_LOG_COLUMNS) of local mentors
    leading a visit."""
    return (a[:, 3] > 0) & ~(a[:, 5] > 0)


def _local_lead_visits(out: RunOutput) -> np.ndarray:
    """Rows of ``out.visit_array`` of local mentors leading a visit (arrays rather than
    ``out.visit_log``)."""
    a = out.visit_array
    return a[_local_lead(a)]


def pool_by_month(out: RunOutput) -> pd.DataFrame:
    """The mentor pool at the start of each month, with local visits and days that month."""
    months = np.arange(int((out.rows - 1) / WEEKS_PER_MONTH) + 1)
    rows = np.minimum([month_row(m) for m in months], out.rows - 1)
    cols = {"month": months} | {key: out.pool[key][rows] for key in POOL_SERIES}
    local = _local_lead_visits(out)
    size = max(len(months), int(local[:, 0].max() / WEEKS_PER_MONTH) + 1 if len(local) else 0)
    visit_weeks = np.unique(local[:, :2], axis=0)[:, 0]  # one row per (week, facility) visited
    cols["local_visits"] = np.bincount(np.floor(visit_weeks / WEEKS_PER_MONTH).astype(int),
                                       minlength=size)[:len(months)].astype(float)
    cols["local_mentor_days"] = np.bincount(np.floor(local[:, 0] / WEEKS_PER_MONTH).astype(int),
                                            weights=local[:, 6], minlength=size)[:len(months)].astype(float)
    cols["phase"] = np.where(rows < out.programme_weeks, "programme", "followup")
    df = pd.DataFrame(cols)  # built at once: inserting columns one by one cost ~0.4 ms each
    return df


def sustain_costs(account: CostAccount) -> dict[str, float]:
    """Undiscounted follow-up cost per facility-year (USD), in total and by item."""
    items = account.item_totals(0.0, slice(account.programme_weeks, None))
    per_year = sustain_batch({k: np.array([v]) for k, v in items.items()}, account.n_facilities,
                             account.followup_weeks)
    return {k: float(v[0]) for k, v in per_year.items()}


def sustain_batch(followup_items: dict[str, np.ndarray], n_facilities: int, followup_weeks: int
                  ) -> dict[str, np.ndarray]:
    """[runs] ``sustain_costs`` from each item's undiscounted follow-up cost [runs] (USD)."""
    years = n_facilities * followup_weeks / 52.0
    out = {f"sustain_{k}_usd_per_facility_year": (v / years if years > 0 else np.full(len(v), np.nan))
           for k, v in followup_items.items()}
    total = sum(followup_items.values())
    out["sustain_usd_per_facility_year"] = total / years if years > 0 else np.full(len(total), np.nan)
    return out
