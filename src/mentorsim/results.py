"""Results: one run's output, its scalar outcomes, and a scenario's replicates together.

- :class:`RunOutput` holds one replicate's weekly record (arrays) and what else it produced
  (facility table, survey, visit log, mentor pool). Cheap: no tables are built.
- :func:`run_outcomes` turns a RunOutput into a flat dict of named scalar outcomes: what sweeps,
  calibration and sensitivity analysis consume (see OUTCOME_DOCS for each one's meaning).
- :class:`Results` gathers a scenario's replicates: time series as DataFrames, a summary with
  means and 95% intervals, per-facility figures, and provenance metadata.
"""

from __future__ import annotations

import functools
import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields

import numpy as np
import pandas as pd
from scipy import stats

from mentorsim.model.facilities import LEVELS
from mentorsim.model.mentors import DISCIPLINES, VISIT_LOG_COLUMNS
from mentorsim.model.people import DOMAINS
from mentorsim.model.recording import ARM_SERIES, FACILITY_SERIES, POOL_SERIES
from mentorsim.model.survey import FIVE_AREAS, ITEMS
from mentorsim.provenance import metadata
from mentorsim.scenario import Scenario
from mentorsim.timeline import WEEKS_PER_MONTH, month_row

ARMS = ("intervention", "comparison")


@dataclass
class RunOutput:
    """Everything one replicate produced."""

    seed: int
    replicate: int
    programme_weeks: int
    followup_weeks: int
    n_intervention: int
    fac: dict[str, np.ndarray]  # [rows, facilities]
    arm_domain: dict[str, np.ndarray]  # [rows, 2, 4]
    arm: dict[str, np.ndarray]  # [rows, 2]
    pool: dict[str, np.ndarray]  # [rows]
    survey: dict
    counters: dict
    facility_columns: dict  # facility characteristics (arrays), see .facilities
    visit_array: np.ndarray  # rows of mentors.VISIT_LOG_COLUMNS (codes), see .visit_log
    mentor_rows: list  # one dict per mentor, see .mentors
    dose: dict = field(default_factory=dict)  # per-facility visit counts by phase (model.dose.Dose.columns)

    @classmethod
    def from_model(cls, model) -> RunOutput:
        r, fa = model.record, model.facilities
        r.fill_pool_to(model.week)  # rows of the weeks run (the pool is recorded when it changes)
        columns = {
            "facility": np.arange(fa.n), "arm": np.where(fa.intervention, ARMS[0], ARMS[1]),
            "level": [LEVELS[x] for x in fa.level],
            "region": [fa.region_name(int(x)) for x in fa.region],
            "beds": fa.beds.astype(int), "operations_per_month": fa.operations_per_month,
            "caesarean_share": fa.caesarean_share,
            "surgical_providers": fa.staff[:, 0], "anaesthesia_providers": fa.staff[:, 1],
            "theatre_nurses": fa.staff[:, 2], "ward_nurses": fa.staff[:, 3],
            "leadership_start": r.fac["leadership"][0], "teamwork_culture_start": r.fac["teamwork_culture"][0],
            "learning_orientation": fa.learning_orientation, "connectivity": fa.connectivity,
            "context": fa.context, "uptake": fa.uptake,
            "distance_hub_km": fa.distance_hub_km, "distance_local_km": fa.distance_local_km,
        }
        mentors = [{
            "mentor": m.unique_id, "discipline": DISCIPLINES[m.discipline], "origin": m.origin,
            "region": m.region, "status": m.status, "trained_week": m.trained_week,
            "lost_week": m.lost_week, "from_mentee": m.from_mentee, "experience_years": m.experience_years,
            "mentoring_skill": m.mentoring_skill, "visits_done": m.visits_done,
            "days_spent": m.days_spent, "travel_days": m.travel_days} for m in model.pool.all]
        return cls(seed=model.seed_value, replicate=model.replicate,
                   programme_weeks=model.time.programme_weeks, followup_weeks=model.time.followup_weeks,
                   n_intervention=fa.n_intervention, fac=dict(r.fac), arm_domain=r.arm_domain, arm=r.arm,
                   pool=r.pool, survey=r.survey_result or {},
                   counters=dict(model.counters) | {"trainings": list(model.pool.trainings)},
                   facility_columns=columns, visit_array=model.pool.visit_array(), mentor_rows=mentors,
                   dose=model.dose.columns())

    @property
    def facilities(self) -> pd.DataFrame:
        """One row per facility: arm, level, region, size, staffing, context, distances."""
        return pd.DataFrame(self.facility_columns)

    @property
    def visit_log(self) -> pd.DataFrame:
        """One row per mentor per visit: week, facility, mentor, origin, discipline, role, days,
        travel_days, km (``role`` lead coaches; paired accompanies a hub mentor to learn)."""
        a = self.visit_array
        df = pd.DataFrame(a, columns=list(VISIT_LOG_COLUMNS))
        for col in ("week", "facility", "mentor", "discipline"):
            df[col] = df[col].astype(np.int64)
        df["origin"] = np.where(a[:, 3] > 0, "local", "hub") if len(a) else pd.Series(dtype=str)
        df["role"] = np.where(a[:, 5] > 0, "paired", "lead") if len(a) else pd.Series(dtype=str)
        return df

    @property
    def mentors(self) -> pd.DataFrame:
        """One row per mentor who took part (hub, regional, replacements)."""
        return pd.DataFrame(self.mentor_rows)

    def fingerprint(self) -> str:
        """SHA-256 (hex) over every field of the run: each array's dtype, shape and bytes, dict keys
        in sorted order, other values as JSON. Two runs with the same fingerprint recorded the same
        results bit for bit (benchmarks/run_hashes.py, the batch identity tests)."""
        h = hashlib.sha256()

        def feed(obj):
            if isinstance(obj, np.ndarray):
                h.update(str(obj.dtype).encode() + str(obj.shape).encode())
                h.update(np.ascontiguousarray(obj).tobytes())
            elif isinstance(obj, Mapping):
                for k in sorted(obj, key=str):
                    h.update(str(k).encode())
                    feed(obj[k])
            elif isinstance(obj, (list, tuple)):
                for x in obj:
                    feed(x)
            else:
                h.update(json.dumps(obj, sort_keys=True, default=str).encode())

        for f in fields(self):
            h.update(f.name.encode())
            feed(getattr(self, f.name))
        return h.hexdigest()

    @property
    def rows(self) -> int:
        return self.fac["composite"].shape[0]

    def arm_mean(self, key: str, arm: int = 0, weights: str | None = None) -> np.ndarray:
        """[rows] mean of a facility series over one arm (0 intervention, 1 comparison)."""
        sl = slice(0, self.n_intervention) if arm == 0 else slice(self.n_intervention, None)
        x = self.fac[key][:, sl]
        if x.shape[1] == 0:
            return np.full(self.rows, np.nan)
        return x.mean(axis=1)


#: Each scalar outcome of a run, with its meaning (units in the name: _pct, _pp, counts).
OUTCOME_DOCS: dict[str, str] = {
    "composite_baseline_pct": "Composite adherence to the 14 indicators, intervention arm, baseline.",
    "composite_month12_pct": "Composite adherence, intervention arm, month 12.",
    "composite_end_pct": "Composite adherence, intervention arm, end of the programme.",
    "composite_followup12_pct": "Composite adherence 12 months after the programme ends.",
    "composite_followup24_pct": "Composite adherence 24 months after the programme ends.",
    "composite_retained_12m_pct": ("Difference-in-differences of the composite (intervention minus "
                                   "comparison arm, change since baseline) 12 months after the end, as a "
                                   "share of its value at the end: the gain kept, net of the secular trend."),
    "composite_retained_24m_pct": "The same, 24 months after the end.",
    "comparison_composite_baseline_pct": "Composite adherence, comparison arm, baseline.",
    "comparison_composite_month12_pct": "Composite adherence, comparison arm, month 12.",
    "safety_baseline_pct": "Safety-practice adherence, intervention arm, baseline.",
    "safety_month12_pct": "Safety-practice adherence, intervention arm, month 12.",
    "teamwork_baseline_pct": "Teamwork and communication adherence, intervention arm, baseline.",
    "teamwork_month12_pct": "Teamwork and communication adherence, intervention arm, month 12.",
    "did_safety_pp": "Difference-in-differences of safety adherence, 0 to 12 months (points).",
    "did_teamwork_pp": "Difference-in-differences of teamwork adherence, 0 to 12 months (points).",
    "ssc_use_baseline_pct": "SSC use (share of operations, as a chart review counts), intervention arm, baseline.",
    "ssc_use_month12_pct": "SSC use, intervention arm, month 12.",
    "ssc_use_month18_pct": "SSC use, intervention arm, month 18 (Ernest 2021: 95.1%); NaN beyond the run.",
    "comparison_ssc_use_month12_pct": "SSC use, comparison arm (national roll-out only), month 12.",
    "ssc_reported_month6_pct": "Facilities reporting SSC use (self-report, as Hellar 2020 counted), both arms, month 6.",
    "ssi_caesarean_baseline_pct": "SSI risk after caesarean, intervention arm, baseline (Ernest 2021: 14%).",
    "ssi_caesarean_month18_pct": ("SSI risk after caesarean, intervention arm, month 18 (Ernest 2021: 1%, "
                                  "chart review); NaN beyond the run."),
    "ssi_rate_baseline_pct": "Expected SSIs per 100 operations, intervention arm, first month.",
    "ssi_rate_end_pct": "Expected SSIs per 100 operations, intervention arm, last programme month.",
    "mortality_pct": "Post-operative deaths per 100 operations, intervention arm, programme.",
    "operations": "Operations in the intervention arm during the programme (drawn).",
    "ssi": "SSIs in the intervention arm during the programme (drawn).",
    "deaths": "Deaths in the intervention arm during the programme (drawn).",
    "providers": "Mentee posts filled in the intervention arm at baseline.",
    "mentors": "Mentors who took part (hub and regional, including replacements).",
    "visits_done": "Facility visits with at least one mentor present (programme and follow-up).",
    "visits_missed": ("Scheduled visits (programme and follow-up) that no lead mentor made by the "
                      "facility's next scheduled visit or the end of the phase (mentor capacity)."),
    "visits_scheduled": "Visits scheduled (programme and follow-up), one per facility per interval.",
    "visits_missed_share_pct": ("Share of scheduled visits missed (visits_missed / visits_scheduled): "
                                "above CAPACITY_WARNING_PCT the schedule needs more mentor days than the "
                                "pool has, and every output says so (capacity_warning)."),
    "echo_sessions": "Telementoring sessions held.",
    "echo_attendance_pct": "Attendance at sessions held, as a share of eligible staff.",
    "mentor_days": "Mentor days on visits (excluding travel).",
    "mentor_travel_days": "Mentor travel days.",
    "staff_turnover": "Providers who left their post (both arms).",
    "survey_respondents": "Survey respondents (month 14).",
    "survey_positive_pct": "Survey: experienced mentorship as positive.",
    "survey_satisfied_pct": "Survey: satisfied.",
    "survey_support_continuing_pct": "Survey: support continuing.",
    "survey_changed_practice_pct": "Survey: changed own practice.",
    "survey_facility_changes_pct": "Survey: facility made positive changes.",
    "survey_great_extent_pct": "Survey: mean over five areas of 'difference to a great extent'.",
} | {
    f"skill_{d}_month12": f"Mean {d.replace('_', ' ')} skill (0-1), intervention arm, month 12."
    for d in DOMAINS
} | {
    f"knowledge_{d}_month12": f"Mean {d.replace('_', ' ')} knowledge (0-1), intervention arm, month 12."
    for d in DOMAINS
} | {
    f"survey_{k}_pct": f"Survey: {desc}." for k, (_, desc) in ITEMS.items()
    if f"survey_{k}_pct" not in ("survey_positive_pct", "survey_satisfied_pct",
                                  "survey_support_continuing_pct", "survey_changed_practice_pct",
                                  "survey_facility_changes_pct")
}


#: The outcomes of the standard comparison table, in reading order: (key in run_outcomes, label).
#: The CLI's summary table and the policy page's comparison both read it.
CORE_TABLE_KEYS: tuple[tuple[str, str], ...] = (
    ("composite_baseline_pct", "Composite adherence, baseline (%)"),
    ("composite_month12_pct", "Composite adherence, month 12 (%)"),
    ("composite_end_pct", "Composite adherence, end of programme (%)"),
    ("composite_followup24_pct", "Composite adherence, 24 months after (%)"),
    ("did_safety_pp", "DiD safety vs comparison (points)"),
    ("did_teamwork_pp", "DiD teamwork vs comparison (points)"),
    ("ssc_use_month12_pct", "SSC use, month 12 (%)"),
    ("ssi_rate_baseline_pct", "SSI per 100 operations, first month"),
    ("ssi_rate_end_pct", "SSI per 100 operations, last month"),
    ("skill_clinical_month12", "Clinical skill, month 12 (0-1)"),
    ("knowledge_clinical_month12", "Clinical knowledge, month 12 (0-1)"),
    ("echo_attendance_pct", "Telementoring attendance (%)"),
    ("visits_done", "Visits done"),
    ("visits_missed", "Visits missed (mentor capacity)"),
    ("mentor_days", "Mentor days on visits"),
    ("survey_positive_pct", "Survey: positive (%)"),
    ("survey_satisfied_pct", "Survey: satisfied (%)"),
    ("survey_support_continuing_pct", "Survey: support continuing (%)"),
    ("survey_great_extent_pct", "Survey: great extent, 5 areas (%)"),
    ("providers", "Mentees (posts filled at start)"),
    ("mentors", "Mentors"),
)

def _row(out, week: int) -> int:
    return min(max(week, 0), out.rows - 1)


class _Stacked:
    """Runs of one shape (rows, facilities, arm sizes, programme length) read together: the rows
    of an array asked for are stacked once over a leading run axis (``[runs, rows, ...]``; for
    one run, a view of its array). Every reduction runs along the facility axis as it does for
    one run's own array, so a run's outcomes do not depend on the runs beside it (tested)."""

    def __init__(self, runs: Sequence[RunOutput]):
        first = runs[0]
        self.runs = runs
        self.rows, self.programme_weeks, self.n_intervention = first.rows, first.programme_weeks, first.n_intervention
        self._cache: dict = {}

    def _stack(self, key, get) -> np.ndarray:
        if key not in self._cache:
            runs = self.runs  # one run: a view of its own array (its reductions are the run's own)
            self._cache[key] = get(runs[0])[None] if len(runs) == 1 else np.stack([get(r) for r in runs])
        return self._cache[key]

    def fac(self, key: str, rows: tuple[int, ...] | tuple[str, int, int] | None = None) -> np.ndarray:
        """[runs, rows, facilities] of a facility series: every row (``rows`` None), the rows
        numbered in a tuple, or rows ``start:stop`` given as ``("span", start, stop)``."""
        ck = (key, rows)
        x = self._cache.get(ck)
        if x is None:
            runs = self.runs
            if rows is None:
                sel = slice(None)
            elif rows[0] == "span":
                sel = slice(rows[1], rows[2])
            else:
                sel = list(rows)
            x = runs[0].fac[key][sel][None] if len(runs) == 1 else np.stack([r.fac[key][sel] for r in runs])
            self._cache[ck] = x
        return x

    def arm_mean(self, key: str, arm: int, rows: tuple[int, ...]) -> np.ndarray:
        """[runs, len(rows)] mean of a facility series over one arm (0 intervention, 1 comparison)
        at the given rows, as RunOutput.arm_mean gives them run by run."""
        n = self.n_intervention
        x = self.fac(key, rows)
        x = x[:, :, :n] if arm == 0 else x[:, :, n:]
        if x.shape[2] == 0:
            return np.full((len(self.runs), len(rows)), np.nan)
        return np.add.reduce(x, axis=2) / x.shape[2]  # x.mean(axis=2) (the same sum and division)


def _shape(out: RunOutput) -> tuple:
    """What runs must share to be stacked: every array's shape, the arm split, the programme length."""
    return (out.fac["composite"].shape, out.n_intervention, out.programme_weeks,
            tuple(v.shape for v in out.dose.values()), tuple(out.dose))


# run_outcomes computes its outcomes in groups (each a few arrays read once): a caller that needs
# only some outcomes (a sweep's outputs, calibration's targets) computes only their groups. Each
# group writes its outcomes into ``o`` ([runs] arrays, every run of a batch at once) in this
# order; together they write OUTCOME_DOCS' keys. Each array op reduces along the same axis in the
# same order as it would for one run, so a run's outcomes do not depend on the runs beside it.

def _practice(out: _Stacked, o: dict) -> None:
    """Composite, safety and teamwork adherence by arm; retention; differences-in-differences."""
    end = out.programme_weeks
    m12 = _row(out, month_row(12))
    f12, f24 = end + month_row(12), end + month_row(24)
    rows = (0, m12, end) + tuple(r for r in (f12, f24) if r < out.rows)  # the rows read, in this order
    at = {row: j for j, row in enumerate(rows)}
    comp_i, comp_c = out.arm_mean("composite", 0, rows), out.arm_mean("composite", 1, rows)
    saf_i, saf_c = out.arm_mean("safety", 0, rows), out.arm_mean("safety", 1, rows)
    tw_i, tw_c = out.arm_mean("teamwork", 0, rows), out.arm_mean("teamwork", 1, rows)
    b, y, e = 0, at[m12], at[end]
    nan = np.full(len(out.runs), np.nan)
    o["composite_baseline_pct"] = 100 * comp_i[:, b]
    o["composite_month12_pct"] = 100 * comp_i[:, y]
    o["composite_end_pct"] = 100 * comp_i[:, e]
    o["composite_followup12_pct"] = 100 * comp_i[:, at[f12]] if f12 < out.rows else nan
    o["composite_followup24_pct"] = 100 * comp_i[:, at[f24]] if f24 < out.rows else nan
    # Retention nets out the secular trend: the intervention arm's lead over the comparison arm
    # at 12 and 24 months after the end, as a share of its lead at the end of the programme.
    trend = np.where(np.isfinite(comp_c[:, :1]), comp_c - comp_c[:, :1], 0.0)
    lead = (comp_i - comp_i[:, :1]) - trend
    for key, row in (("composite_retained_12m_pct", f12), ("composite_retained_24m_pct", f24)):
        if row < out.rows:
            o[key] = _ratio(100 * lead[:, at[row]], lead[:, e], lead[:, e] > 1e-9)
        else:
            o[key] = nan
    o["comparison_composite_baseline_pct"] = 100 * comp_c[:, b]
    o["comparison_composite_month12_pct"] = 100 * comp_c[:, y]
    o["safety_baseline_pct"] = 100 * saf_i[:, b]
    o["safety_month12_pct"] = 100 * saf_i[:, y]
    o["teamwork_baseline_pct"] = 100 * tw_i[:, b]
    o["teamwork_month12_pct"] = 100 * tw_i[:, y]
    o["did_safety_pp"] = 100 * ((saf_i[:, y] - saf_i[:, b]) - (saf_c[:, y] - saf_c[:, b]))
    o["did_teamwork_pp"] = 100 * ((tw_i[:, y] - tw_i[:, b]) - (tw_c[:, y] - tw_c[:, b]))


def _ssc_ssi_risk(out: _Stacked, o: dict) -> None:
    """SSC use (chart review and self-report) and SSI risk after caesarean."""
    m12, m18 = _row(out, month_row(12)), month_row(18)
    late = m18 < out.rows
    rows = (0, m12, m18) if late else (0, m12)
    ssc = out.arm_mean("ssc_use", 0, rows)
    nan = np.full(len(out.runs), np.nan)
    o["ssc_use_baseline_pct"] = 100 * ssc[:, 0]
    o["ssc_use_month12_pct"] = 100 * ssc[:, 1]
    o["ssc_use_month18_pct"] = 100 * ssc[:, 2] if late else nan
    o["comparison_ssc_use_month12_pct"] = 100 * out.arm_mean("ssc_use", 1, rows)[:, 1]
    o["ssc_reported_month6_pct"] = 100 * out.fac("ssc_reported", (_row(out, month_row(6)),))[:, 0].mean(axis=1)
    ssi_cs = out.arm_mean("ssi_risk_caesarean", 0, rows)
    o["ssi_caesarean_baseline_pct"] = 100 * ssi_cs[:, 0]
    o["ssi_caesarean_month18_pct"] = 100 * ssi_cs[:, 2] if late else nan


def _ratio(num: np.ndarray, den: np.ndarray, ok: np.ndarray) -> np.ndarray:
    """``num / den`` where ``ok``, NaN elsewhere (nothing divided there)."""
    return np.divide(num, den, out=np.full(len(num), np.nan), where=ok)


def _block_sum(x: np.ndarray) -> np.ndarray:
    """[runs] sum of each run's [rows, facilities] block, in the order ``block.sum()`` adds one
    run's block (row by row, each row's facilities pairwise)."""
    return x.sum(axis=(1, 2))


def _operations(out: _Stacked, o: dict) -> None:
    """Operations, SSIs and deaths of the intervention arm."""
    end = out.programme_weeks
    n = out.n_intervention
    first = slice(1, 1 + month_row(1))
    last = slice(max(1, end + 1 - month_row(1)), end + 1)
    prog = slice(1, end + 1)
    span = slice(1, max(end + 1, first.stop))  # rows 1.. of every block below (stacked once)

    def block(key, sl):
        return _block_sum(out.fac(key, ("span", span.start, span.stop))[:, sl.start - 1:sl.stop - 1, :n])
    o["ssi_rate_baseline_pct"] = 100 * block("ssi_expected", first) / np.maximum(block("operations", first), 1)
    o["ssi_rate_end_pct"] = 100 * block("ssi_expected", last) / np.maximum(block("operations", last), 1)
    o["operations"] = block("operations", prog)
    o["ssi"] = block("ssi", prog)
    o["deaths"] = block("deaths", prog)
    o["mortality_pct"] = 100 * o["deaths"] / np.maximum(o["operations"], 1)


def _programme(out: _Stacked, o: dict) -> None:
    """What the programme did: mentees, mentors, visits, mentor days, telementoring, turnover."""
    n = out.n_intervention
    per_run = np.array([(r.arm["providers"][0, 0], len(r.mentor_rows), r.visit_array[:, 6].sum(),
                         r.visit_array[:, 7].sum(), r.counters.get("visits_missed", 0),
                         r.counters["echo_sessions"], r.counters["leavers"]) for r in out.runs], dtype=float)
    o["providers"] = per_run[:, 0]
    o["mentors"] = per_run[:, 1]
    o["visits_done"] = _block_sum(out.fac("visits")[:, :, :n])
    o["mentor_days"] = per_run[:, 2]
    o["mentor_travel_days"] = per_run[:, 3]
    o["visits_missed"] = per_run[:, 4]
    scheduled = np.zeros(len(out.runs))
    for k in out.runs[0].dose:
        if k.startswith("visits_scheduled_"):
            scheduled = scheduled + out._stack(("dose", k), lambda r, k=k: r.dose[k]).sum(axis=1).astype(float)
    o["visits_scheduled"] = scheduled
    o["visits_missed_share_pct"] = _ratio(100 * o["visits_missed"], scheduled, scheduled != 0)
    o["echo_sessions"] = per_run[:, 5]
    elig = _block_sum(out.fac("echo_eligible")[:, :, :n])
    o["echo_attendance_pct"] = _ratio(100 * _block_sum(out.fac("echo_attended")[:, :, :n]), elig, elig != 0)
    o["staff_turnover"] = per_run[:, 6]


def _domains(out: _Stacked, o: dict) -> None:
    """Skill and knowledge by domain, intervention arm, month 12."""
    m12 = _row(out, month_row(12))
    skill = out._stack(("skill", m12), lambda r: r.arm_domain["skill"][m12, 0])
    knowledge = out._stack(("knowledge", m12), lambda r: r.arm_domain["knowledge"][m12, 0])
    for d_i, d in enumerate(DOMAINS):
        o[f"skill_{d}_month12"] = skill[:, d_i]
        o[f"knowledge_{d}_month12"] = knowledge[:, d_i]


def _survey(out: _Stacked, o: dict) -> None:
    """The month-14 survey."""
    answers = np.array([[r.survey.get("respondents", 0)] + [r.survey.get(k, np.nan) for k in ITEMS]
                        + [r.survey.get(k, np.nan) for k in FIVE_AREAS] for r in out.runs], dtype=float)
    o["survey_respondents"] = answers[:, 0]
    for j, k in enumerate(ITEMS, start=1):
        o[f"survey_{k}_pct"] = answers[:, j]
    o["survey_great_extent_pct"] = np.ascontiguousarray(answers[:, 1 + len(ITEMS):]).mean(axis=1)


#: The groups of run_outcomes in order, each with the outcomes it computes (in its order).
OUTCOME_GROUPS: tuple[tuple[object, tuple[str, ...]], ...] = (
    (_practice, ("composite_baseline_pct", "composite_month12_pct", "composite_end_pct",
                 "composite_followup12_pct", "composite_followup24_pct", "composite_retained_12m_pct",
                 "composite_retained_24m_pct", "comparison_composite_baseline_pct",
                 "comparison_composite_month12_pct", "safety_baseline_pct", "safety_month12_pct",
                 "teamwork_baseline_pct", "teamwork_month12_pct", "did_safety_pp", "did_teamwork_pp")),
    (_ssc_ssi_risk, ("ssc_use_baseline_pct", "ssc_use_month12_pct", "ssc_use_month18_pct",
                     "comparison_ssc_use_month12_pct", "ssc_reported_month6_pct", "ssi_caesarean_baseline_pct",
                     "ssi_caesarean_month18_pct")),
    (_operations, ("ssi_rate_baseline_pct", "ssi_rate_end_pct", "operations", "ssi", "deaths", "mortality_pct")),
    (_programme, ("providers", "mentors", "visits_done", "mentor_days", "mentor_travel_days", "visits_missed",
                  "visits_scheduled", "visits_missed_share_pct", "echo_sessions", "echo_attendance_pct",
                  "staff_turnover")),
    (_domains, tuple(f"{kind}_{d}_month12" for d in DOMAINS for kind in ("skill", "knowledge"))),
    (_survey, ("survey_respondents", *(f"survey_{k}_pct" for k in ITEMS), "survey_great_extent_pct")),
)
_GROUP_OF = {name: fn for fn, names in OUTCOME_GROUPS for name in names}
_ALL = ([fn for fn, _ in OUTCOME_GROUPS], [n for _, group in OUTCOME_GROUPS for n in group])

#: Most runs stacked at once by batch_outcomes (bounds the memory of the stacked arrays).
OUTCOME_CHUNK = 32


def _groups(names: Sequence[str] | None) -> tuple[list, list[str]]:
    """(the groups to compute, the outcome names in order) for all outcomes or ``names``."""
    if names is None:
        return _ALL
    unknown = [n for n in names if n not in _GROUP_OF]
    if unknown:
        raise KeyError(f"not a run outcome: {', '.join(unknown)} (see results.OUTCOME_DOCS)")
    needed = {_GROUP_OF[n] for n in names}
    return [fn for fn, _ in OUTCOME_GROUPS if fn in needed], list(names)


def batch_outcomes(runs: Sequence[RunOutput], names: Sequence[str] | None = None) -> tuple[list[str], np.ndarray]:
    """``(names, table)``: the named scalar outcomes (see OUTCOME_DOCS; all, or only ``names``)
    of many runs at once, ``table[i, j]`` being outcome ``names[j]`` of ``runs[i]``, bit-identical
    to ``run_outcomes(runs[i])``. Runs of one shape are computed together (the arrays read
    stacked over the runs, OUTCOME_CHUNK at a time), not in a Python loop per run.

    Raises:
        KeyError: a name that is not an outcome.
    """
    groups, names = _groups(names)
    names = list(names)
    table = np.empty((len(runs), len(names)))
    by_shape: dict[tuple, list[int]] = {}
    for i, r in enumerate(runs):
        by_shape.setdefault(_shape(r), []).append(i)
    for members in by_shape.values():
        for lo in range(0, len(members), OUTCOME_CHUNK):
            rows = members[lo:lo + OUTCOME_CHUNK]
            stacked = _Stacked([runs[i] for i in rows])
            o: dict = {}
            for fn in groups:
                fn(stacked, o)
            table[rows] = np.column_stack([o[k] for k in names])
    return names, table


def run_outcomes(out: RunOutput, names: Sequence[str] | None = None) -> dict[str, float]:
    """The named scalar outcomes of one run (see OUTCOME_DOCS): all of them, or only ``names``
    (in that order; only their groups are computed, with the same floats as for all). The same
    floats as :func:`batch_outcomes` gives for the run among others (the same code, on one run).

    Raises:
        KeyError: a name that is not an outcome.
    """
    groups, names = _groups(names)
    stacked = _Stacked([out])
    o: dict = {}
    for fn in groups:
        fn(stacked, o)
    return dict(zip(names, np.concatenate([o[k] for k in names]).tolist()))


#: Facility context columns reported beside each facility's gain (RunOutput.facility_columns).
FACILITY_CONTEXT = ("leadership_start", "teamwork_culture_start", "learning_orientation", "context", "uptake")


def positive_deviance(facilities: list[dict], k: int = 3) -> dict:
    """Seed 003's grouping: the ``k`` facilities with the largest 12-month composite gain
    (higher performers) and the ``k`` with the smallest (lower performers), each with its
    context, plus the spread of gains (sd, points) and its correlation with context and with
    baseline (nan when undefined), and where the facilities carry safety and teamwork gains,
    each group's place on the change continuum (:func:`change_continuum`)."""
    if not facilities:
        return {}
    order = sorted(facilities, key=lambda f: f["composite_gain_pp"], reverse=True)
    gain = np.array([f["composite_gain_pp"] for f in facilities])
    base = np.array([f["composite_baseline_pct"] for f in facilities])

    def corr(x):
        ok = len(gain) > 2 and np.std(x) > 0 and np.std(gain) > 0
        return float(np.corrcoef(x, gain)[0, 1]) if ok else float("nan")
    out = {"higher_performers": order[:k], "lower_performers": order[::-1][:k],
           "gain_sd_pp": float(gain.std(ddof=1)) if len(gain) > 1 else float("nan"),
           "gain_baseline_correlation": corr(base)}
    if "context" in facilities[0]:
        out["gain_context_correlation"] = corr(np.array([f["context"] for f in facilities]))
    if all(key in facilities[0] for key in CONTINUUM_COLUMNS):
        out["change_continuum"] = {group: change_continuum(out[group])
                                   for group in ("higher_performers", "lower_performers")}
    return out


#: Per-facility columns the change continuum reads (Results.facility_summary).
CONTINUUM_COLUMNS = ("safety_gain_pp", "teamwork_gain_pp", "safety_half_gain_month", "teamwork_half_gain_month")


def change_continuum(group: list[dict]) -> dict:
    """Seed 003's change continuum for a group of facilities: ``teamwork_safety_gain_ratio``,
    the group's 12-month teamwork gain over its safety gain (ratio of sums; above 1 where
    teamwork and communication improved more than safety practice, nan when the safety gain is
    not positive), and ``teamwork_lag_months``, the mean over the group of the months teamwork
    took to reach half its 12-month gain minus the months safety took (positive when teamwork
    trails; facilities without a positive gain left out, nan when none is left)."""
    safety = sum(f["safety_gain_pp"] for f in group)
    lags = np.array([f["teamwork_half_gain_month"] - f["safety_half_gain_month"] for f in group], dtype=float)
    lags = lags[np.isfinite(lags)]
    return {"teamwork_safety_gain_ratio": sum(f["teamwork_gain_pp"] for f in group) / safety
            if safety > 0 else float("nan"),
            "teamwork_lag_months": float(lags.mean()) if len(lags) else float("nan")}


def half_gain_month(gain: np.ndarray, row12: int) -> np.ndarray:
    """[facilities] months until each column of ``gain`` [rows, facilities] (change since row 0)
    first reaches half its value at row ``row12`` (linear between weekly rows); nan where that
    value is not positive."""
    target = 0.5 * gain[row12]
    out = np.full(gain.shape[1], np.nan)
    for f in np.flatnonzero(target > 0):
        w = int(np.argmax(gain[: row12 + 1, f] >= target[f]))  # first row at or above half (row 0 is 0)
        lo, hi = gain[w - 1, f], gain[w, f]
        out[f] = (w - 1 + (target[f] - lo) / (hi - lo)) / WEEKS_PER_MONTH
    return out


def interval(values: np.ndarray, level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high): the mean over replicates and its t-based confidence interval."""
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return (np.nan, np.nan, np.nan)
    m = float(v.mean())
    if len(v) < 2:
        return (m, m, m)
    half = float(_t_quantile(0.5 + level / 2, len(v) - 1) * v.std(ddof=1) / np.sqrt(len(v)))
    return (m, m - half, m + half)


def _column_stats(table: np.ndarray, level: float = 0.95) -> list[tuple[float, float, float, float, float]]:
    """(mean, low, high, 2.5th, 97.5th percentile) over the finite values of each row of
    ``table`` [outcomes, replicates]: :func:`interval` and ``np.percentile`` of each outcome,
    the rows without a missing value computed together (the same floats: each row is reduced
    alone, in the same order)."""
    stats_: list = [None] * len(table)
    finite = np.isfinite(table).all(axis=1)
    full = np.flatnonzero(finite)
    n = table.shape[1]
    if n >= 2 and len(full):
        v = table[full]
        mean = v.mean(axis=1)
        half = _t_quantile(0.5 + level / 2, n - 1) * v.std(axis=1, ddof=1) / np.sqrt(n)
        p_lo, p_hi = np.percentile(v, [2.5, 97.5], axis=1)
        for j, k in enumerate(full.tolist()):
            m, h = float(mean[j]), float(half[j])
            stats_[k] = (m, m - h, m + h, float(p_lo[j]), float(p_hi[j]))
    for k in range(len(table)):
        if stats_[k] is None:
            v = table[k][np.isfinite(table[k])]
            stats_[k] = interval(v, level) + ((float(np.percentile(v, 2.5)), float(np.percentile(v, 97.5)))
                                              if len(v) else (np.nan, np.nan))
    return stats_


@functools.lru_cache(maxsize=256)
def _t_quantile(q: float, df: int) -> float:
    """Student's t quantile (scipy's, remembered: a sweep asks for the same few thousands of times)."""
    return stats.t.ppf(q, df)


@dataclass
class Results:
    """A scenario run over replicates with a seed (common random numbers across scenarios).

    Examples:
        >>> from mentorsim import load_scenario, run
        >>> res = run(load_scenario("ss2020"), seed=1, replicates=2)
        >>> res.name, res.seed, len(res.runs)
        ('ss2020', 1, 2)
        >>> sorted(set(res.timeseries()["arm"]))
        ['comparison', 'intervention']
    """

    scenario: Scenario
    seed: int
    runs: list[RunOutput]
    outcomes: list[dict[str, float]] = field(default_factory=list)
    elapsed_s: float = 0.0
    _summary: tuple | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self):
        if not self.outcomes and self.runs:
            keys, table = batch_outcomes(self.runs)
            self.outcomes = [dict(zip(keys, row)) for row in table.tolist()]

    @property
    def name(self) -> str:
        return self.scenario.name

    def outcome_table(self) -> pd.DataFrame:
        """One row per replicate, one column per scalar outcome."""
        df = pd.DataFrame(self.outcomes)
        df.insert(0, "replicate", [r.replicate for r in self.runs])
        df.insert(0, "scenario", self.name)
        return df

    def summary(self) -> dict:
        """Means over replicates, with 95% confidence intervals of the mean (``ci95``), the
        2.5-97.5 percentiles of single runs (``range95``), and per-facility figures. Computed
        once (a fresh JSON-safe copy each call), for every outcome at once."""
        key = (id(self.runs), len(self.runs), id(self.outcomes), len(self.outcomes))
        if self._summary is None or self._summary[0] != key:
            self._summary = (key, self._compute_summary())
        return _clean(self._summary[1])

    def _compute_summary(self) -> dict:
        names, table = self._outcome_columns()
        out: dict = {}
        ci: dict = {}
        spread: dict = {}
        for col, (mean, lo, hi, p_lo, p_hi) in zip(names, _column_stats(table)):
            out[col] = mean
            ci[col] = [lo, hi]
            spread[col] = [p_lo, p_hi]
        out["replicates"] = len(self.runs)
        out["ci95"] = ci
        out["range95"] = spread
        out["facilities"] = self.facility_summary()
        out["positive_deviance"] = positive_deviance(out["facilities"])
        out["capacity"] = capacity_block(out)
        return out

    def _outcome_columns(self) -> tuple[list[str], np.ndarray]:
        """(outcome names, [outcomes, replicates] array): the outcome table by column."""
        if self.outcomes and all(o.keys() == self.outcomes[0].keys() for o in self.outcomes):
            names = list(self.outcomes[0])
            return names, np.array([list(o.values()) for o in self.outcomes], dtype=float).T.copy()
        table = pd.DataFrame(self.outcomes)
        return list(table.columns), np.array([table[c].to_numpy(dtype=float) for c in table.columns])

    def facility_summary(self) -> list[dict]:
        """Each intervention facility: id, level, region, composite at baseline and month 12 and
        the gain between (points; means over replicates), its context at the start (leadership,
        teamwork culture, learning orientation, their mean, and the absorptive capacity it gives),
        its 12-month safety and teamwork gains (points) and the months each took to reach half of
        it (the change continuum, see change_continuum), and the in-person dose it got during the
        programme (see facility_dose). Facilities are the same in every replicate of a seed."""
        runs = self.runs
        first = runs[0]
        n = first.n_intervention
        m12 = _row(first, month_row(12))
        # every replicate at once: [replicates, ...] arrays, means over the replicate axis
        comp = np.stack([r.fac["composite"][[0, m12]] for r in runs])
        base = comp[:, 0, :n].mean(axis=0)
        at12 = comp[:, 1, :n].mean(axis=0)

        def gain(key):  # [rows to month 12, facilities] mean change since baseline (points)
            x = np.stack([r.fac[key][: m12 + 1] for r in runs])[:, :, :n]
            return (100 * (x - x[:, :1])).mean(axis=0)
        safety, team = gain("safety"), gain("teamwork")
        continuum = {"safety_gain_pp": safety[m12], "teamwork_gain_pp": team[m12],
                     "safety_half_gain_month": half_gain_month(safety, m12),
                     "teamwork_half_gain_month": half_gain_month(team, m12)}
        dose = {k: v.mean(axis=0) for k, v in facility_doses(runs).items()}
        fac = first.facility_columns
        context = {k: fac[k] for k in FACILITY_CONTEXT if k in fac}
        return [{"id": int(f), "level": fac["level"][f], "region": fac["region"][f],
                 "composite_baseline_pct": float(100 * base[f]),
                 "composite_month12_pct": float(100 * at12[f]),
                 "composite_gain_pp": float(100 * (at12[f] - base[f])),
                 **{k: float(v[f]) for k, v in context.items()},
                 **{k: float(v[f]) for k, v in continuum.items()}}
                | {k: float(dose[k][f]) for k in DOSE_COLUMNS} for f in range(n)]

    def timeseries(self) -> pd.DataFrame:
        """Weekly series by arm: one row per replicate, arm and week (in that order). Computed for
        all replicates at once (arrays stacked over a replicate axis); the same table as
        concatenating :func:`run_timeseries` of each replicate."""
        runs = self.runs
        first = runs[0]
        if any(r.fac["composite"].shape != first.fac["composite"].shape or r.n_intervention != first.n_intervention
               for r in runs):
            return pd.concat([run_timeseries(r, self.name) for r in runs], ignore_index=True)
        rows, n = first.rows, first.n_intervention
        week = np.arange(rows)
        blocks = []  # (arm name, {column: [replicates, rows] array}) for each arm with facilities
        for a, arm in enumerate(ARMS):
            sl = slice(0, n) if a == 0 else slice(n, None)
            if first.fac["composite"][:, sl].shape[1] == 0:
                continue

            def fac(key, sl=sl):
                return np.stack([r.fac[key][:, sl] for r in runs])  # [replicates, rows, facilities]

            d = {}
            for key in _TS_PCT:
                d[f"{key}_pct"] = 100 * fac(key).mean(axis=2)
            for key in _TS_SUM:
                d[key] = fac(key).sum(axis=2)
            with np.errstate(invalid="ignore", divide="ignore"):
                d["echo_attendance_pct"] = np.where(d["echo_eligible"] > 0,
                                                    100 * d["echo_attended"] / d["echo_eligible"], np.nan)
            for key in _TS_MEAN:
                d[key] = fac(key).mean(axis=2)
            for j, dom in enumerate(DOMAINS):
                d[f"skill_{dom}"] = np.stack([r.arm_domain["skill"][:, a, j] for r in runs])
                d[f"knowledge_{dom}"] = np.stack([r.arm_domain["knowledge"][:, a, j] for r in runs])
            for key in ARM_SERIES:
                d[key] = np.stack([r.arm[key][:, a] for r in runs])
            if a == 0:
                for key in POOL_SERIES:
                    d[f"mentors_{key}"] = np.stack([r.pool[key] for r in runs])
            blocks.append((arm, d))
        # rows in the order replicate, arm, week: block k of replicate i is rows (i, k, :)
        n_runs, n_arms = len(runs), len(blocks)
        columns = {"scenario": self.name,
                   "replicate": np.repeat([r.replicate for r in runs], n_arms * rows),
                   "week": np.tile(week, n_runs * n_arms), "month": np.tile(week / WEEKS_PER_MONTH, n_runs * n_arms),
                   "arm": np.tile(np.repeat([arm for arm, _ in blocks], rows), n_runs)}
        for key in blocks[0][1]:
            parts = [d.get(key) for _, d in blocks]
            if any(p is None for p in parts):  # the pool's series: intervention rows only
                parts = [p if p is not None else np.full((n_runs, rows), np.nan) for p in parts]
            columns[key] = np.stack(parts, axis=1).ravel()
        return pd.DataFrame(columns)

    def facility_timeseries(self) -> pd.DataFrame:
        """Weekly facility series: one row per replicate, week and facility."""
        frames = []
        for r in self.runs:
            rows, n_fac = r.fac["composite"].shape
            d = {"scenario": self.name, "replicate": r.replicate,
                 "week": np.repeat(np.arange(rows), n_fac), "facility": np.tile(np.arange(n_fac), rows)}
            for key in FACILITY_SERIES:
                d[key] = r.fac[key].ravel()
            frames.append(pd.DataFrame(d))
        return pd.concat(frames, ignore_index=True)

    def metadata(self) -> dict:
        return metadata(self.seed, scenario=self.name, scenario_source=self.scenario.source,
                        description=self.scenario.description, replicates=len(self.runs),
                        overrides=dict(self.scenario.overrides), parameters=dict(self.scenario.params),
                        elapsed_seconds=round(self.elapsed_s, 3))


#: Facility series the weekly table reports per arm: as a % mean, a sum, a plain mean.
_TS_PCT = ("composite", "safety", "teamwork", "ssc_use", "ssc_reported", "ssi_risk_caesarean")
_TS_SUM = ("operations", "caesareans", "ssi", "ssi_expected", "deaths", "deaths_expected", "visits",
           "whatsapp_active", "consultations", "echo_attended", "echo_eligible")
_TS_MEAN = ("leadership", "teamwork_culture", "workload")


def run_timeseries(r: RunOutput, name: str) -> pd.DataFrame:
    """Weekly series by arm for one replicate (the reference for Results.timeseries)."""
    frames = []
    week = np.arange(r.rows)
    for a, arm in enumerate(ARMS):
        n = r.n_intervention
        sl = slice(0, n) if a == 0 else slice(n, None)
        if r.fac["composite"][:, sl].shape[1] == 0:
            continue
        d = {"scenario": name, "replicate": r.replicate, "week": week, "month": week / WEEKS_PER_MONTH, "arm": arm}
        for key in _TS_PCT:
            d[f"{key}_pct"] = 100 * r.fac[key][:, sl].mean(axis=1)
        for key in _TS_SUM:
            d[key] = r.fac[key][:, sl].sum(axis=1)
        with np.errstate(invalid="ignore", divide="ignore"):
            d["echo_attendance_pct"] = np.where(d["echo_eligible"] > 0,
                                                100 * d["echo_attended"] / d["echo_eligible"], np.nan)
        for key in _TS_MEAN:
            d[key] = r.fac[key][:, sl].mean(axis=1)
        for j, dom in enumerate(DOMAINS):
            d[f"skill_{dom}"] = r.arm_domain["skill"][:, a, j]
            d[f"knowledge_{dom}"] = r.arm_domain["knowledge"][:, a, j]
        for key in ARM_SERIES:
            d[key] = r.arm[key][:, a]
        if a == 0:
            for key in POOL_SERIES:
                d[f"mentors_{key}"] = r.pool[key]
        frames.append(pd.DataFrame(d))
    return pd.concat(frames, ignore_index=True)


#: Per-facility dose during the programme (facility_dose), with its meaning.
DOSE_COLUMNS = {
    "visits_scheduled": "visits scheduled during the programme",
    "visits_made": "visits with at least one lead mentor (on time or carried over)",
    "visits_missed": "scheduled visits no lead mentor made by the next one or the programme's end",
    "visits_delayed": "visits made late (carried over from the week they were due)",
    "mentor_days": "lead mentor-days on site (coaching days, excluding travel)",
    "days_since_last_visit": "days from the last visit to the programme's end (from its start if never)",
}

#: Mean share of scheduled visits missed (%) from which outputs carry a capacity warning. Small
#: enough that a schedule the pool cannot staff is always flagged; above the rare visit missed
#: when every mentor due is called away twice running (``mentors.unavailable_prob``) or a
#: regional post is vacant.
CAPACITY_WARNING_PCT = 1.0


def facility_dose(out: RunOutput) -> dict[str, np.ndarray]:
    """[n intervention facilities] of each DOSE_COLUMNS quantity for one run (programme only)."""
    return {k: v[0] for k, v in facility_doses([out]).items()}


def facility_doses(runs: Sequence[RunOutput]) -> dict[str, np.ndarray]:
    """[runs, n intervention facilities] of each DOSE_COLUMNS quantity (programme only), for runs
    of one shape at once; row ``i`` is ``facility_dose(runs[i])``."""
    first = runs[0]
    n, end, k = first.n_intervention, first.programme_weeks, len(runs)
    zeros = np.zeros(n)

    def dose(key):
        return np.stack([r.dose.get(key, zeros)[:n].astype(float) for r in runs])
    logs = [r.visit_array for r in runs if len(r.visit_array)]
    log = np.concatenate(logs) if logs else np.empty((0, len(VISIT_LOG_COLUMNS)))
    run = np.repeat(np.arange(k), [len(r.visit_array) for r in runs])
    lead = (log[:, 5] == 0) & (log[:, 0] < end) & (log[:, 1] < n)
    log, run = log[lead], run[lead]
    cell = run * n + log[:, 1].astype(np.int64)  # (run, facility), so a run's visits stay in its row
    last = np.full(k * n, -1.0)
    np.maximum.at(last, cell, log[:, 0])
    last = last.reshape(k, n)
    since = np.where(last >= 0, end - 1 - last, end) * 7.0
    visits = np.stack([r.fac["visits"][1:end + 1] for r in runs])[:, :, :n]
    return {"visits_scheduled": dose("visits_scheduled_programme"),
            "visits_made": visits.sum(axis=1).astype(float),
            "visits_missed": dose("visits_missed_programme"),
            "visits_delayed": dose("visits_delayed_programme"),
            "mentor_days": np.bincount(cell, weights=log[:, 6], minlength=k * n)[:k * n].reshape(k, n),
            "days_since_last_visit": since}


def capacity_block(summary: Mapping) -> dict:
    """The ``capacity`` block of a summary: visits scheduled, made and missed (means over
    replicates, programme and follow-up), the share missed, the spread of lead mentor-days
    across facilities during the programme, and the warning sentence (None when none is due)."""
    fac = summary.get("facilities") or []
    days = [f["mentor_days"] for f in fac if f.get("mentor_days") is not None]
    scheduled, missed = summary.get("visits_scheduled"), summary.get("visits_missed")
    block = {"visits_scheduled": scheduled,
             "visits_made": (scheduled - missed) if scheduled is not None and missed is not None else None,
             "visits_missed": missed,
             "visits_missed_share_pct": summary.get("visits_missed_share_pct"),
             "facility_mentor_days_min": min(days) if days else None,
             "facility_mentor_days_max": max(days) if days else None,
             "warning_threshold_pct": CAPACITY_WARNING_PCT}
    block["warning"] = capacity_warning(summary | {"capacity": block})
    return block


def capacity_warning(summary: Mapping) -> str | None:
    """One sentence when the schedule needs more mentor days than the pool has (mean share of
    scheduled visits missed at or above CAPACITY_WARNING_PCT), pointing to ``mentorsim plan-pool``;
    None otherwise. ``summary`` is a ``Results.summary()`` (or any mapping with
    ``visits_missed_share_pct``, ``visits_missed`` and ``visits_scheduled``)."""
    share = summary.get("visits_missed_share_pct")
    if share is None or not np.isfinite(share) or share < CAPACITY_WARNING_PCT:
        return None
    missed, scheduled = summary.get("visits_missed"), summary.get("visits_scheduled")
    counts = f" ({missed:,.0f} of {scheduled:,.0f} per run)" if missed is not None and scheduled else ""
    cap = summary.get("capacity") or {}
    lo, hi = cap.get("facility_mentor_days_min"), cap.get("facility_mentor_days_max")
    spread = (f"; facilities got {lo:,.0f} to {hi:,.0f} lead mentor-days in the programme"
              if lo is not None and hi is not None else "")
    pct = f"{share:.0f}" if share >= 10 else f"{share:.1f}"
    return (f"Mentor capacity: {pct}% of scheduled visits were missed{counts}: the schedule needs more "
            f"mentor days than the pool has, so facilities got fewer visits than planned{spread}. "
            "Size the pool with the planner: mentorsim plan-pool.")


def _clean(x):
    """JSON-safe: NaN -> None, numpy scalars -> Python."""
    if isinstance(x, Mapping):
        return {k: _clean(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_clean(v) for v in x]
    if isinstance(x, (np.floating, float)):
        return None if not np.isfinite(x) else float(x)
    if isinstance(x, np.integer):
        return int(x)
    return x
