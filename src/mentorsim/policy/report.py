"""A shareable report: one self-contained HTML file (plots embedded as PNG, no external assets).

``mentorsim report SCENARIO... --out report.html [--replicates N] [--seed S]`` runs the
scenarios with common random numbers, each with its comparison arm (no mentorship in the same
setting), and writes:

0. first, a three-line summary: the verdict (probability of being cost-effective against no
   mentorship at 0.34x, 0.5x and 1x GDP per capita from a quick PSA drawn from the posterior,
   ``app_econ.verdict``, its size shown), its certainty (cost per DALY with its intervals, each
   labelled: seed noise or parameter uncertainty), and what lasts (share of the gain kept 24
   months after the end); then a warning for each scenario whose mentor pool cannot make its scheduled visits
   (the share missed; ``app_compute.capacity_warnings``), pointing to ``mentorsim plan-pool``;
1. what was run: model version, git commit, seed, replicates, the scenarios and what they change;
2. the comparison table (mean [95% CI] over replicates) and the quality plots;
3. cost-effectiveness: costs, effects and net cost per unit of effect against no mentorship,
   the incremental analysis (no mentorship as the comparator), the choice at several
   willingness-to-pay values, costs by item (economics modules, via app_econ);
4. sustainability: what is left 12 and 24 months after the end;
5. the assumptions that matter most (app_assumptions: a one-at-a-time screen of the
   assumption-tagged parameters over their ranges), and every assumption with its value,
   range, tag and source.

The file is written to a temporary file beside ``--out`` and renamed into place when complete,
so a partial report never looks complete.
"""

from __future__ import annotations

import base64
import html
import math
import os
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from mentorsim.parameters.sources import SOURCES
from mentorsim.policy import compute as app_compute
from mentorsim.policy import economics as app_econ
from mentorsim.policy import figures as app_figures
from mentorsim.policy.assumptions import (
    MODEL_OUTCOMES,
    assumption_params,
    decision_swings,
    economic_swings,
    model_swings,
)

CSS = """
body { font-family: -apple-system, Segoe UI, Helvetica, Arial, sans-serif; max-width: 1100px;
       margin: 2em auto; padding: 0 1em; color: #222; line-height: 1.4; }
h1 { font-size: 1.6em; } h2 { border-bottom: 2px solid #1f77b4; padding-bottom: 3px; margin-top: 2em; }
table { border-collapse: collapse; font-size: 0.85em; margin: 0.6em 0 1.2em 0; }
th, td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: right; vertical-align: top; }
th { background: #f3f6fa; } td:first-child, th:first-child { text-align: left; }
td.text, th.text { text-align: left; }
img { max-width: 100%; display: block; margin: 0.5em 0 1.5em 0; }
.note { color: #555; font-size: 0.9em; }
.summary { background: #eef5fb; border-left: 4px solid #1f77b4; padding: 0.3em 1em; margin: 1em 0; }
.summary h2 { border: none; margin-top: 0.3em; }
.capacity { background: #fdecea; border-left: 4px solid #d93025; padding: 0.5em 1em; margin: 1em 0; }
.missing { background: #fff4e5; border-left: 4px solid #f0a020;
        padding: 0.5em 1em; }
code { background: #f4f4f4; padding: 0 3px; }
"""

SECTIONS = ("run", "comparison", "cost-effectiveness", "sustainability", "assumptions", "provenance")


def _e(x) -> str:
    return html.escape(str(x))


def _img(fig, alt: str) -> str:
    data = base64.b64encode(app_figures.png(fig, dpi=100)).decode("ascii")
    return f'<img alt="{_e(alt)}" src="data:image/png;base64,{data}">'


def _table(df: pd.DataFrame, text_cols: Sequence[str] = ()) -> str:
    head = "".join(f'<th class="{"text" if c in text_cols else ""}">{_e(c)}</th>' for c in df.columns)
    rows = []
    for rec in df.itertuples(index=False):
        cells = "".join(f'<td class="{"text" if c in text_cols else ""}">{_e(v)}</td>'
                        for c, v in zip(df.columns, rec))
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>"


def _num(x, digits: int = 0) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{x:,.{digits}f}"


def _fmt_value(v) -> str:
    if isinstance(v, bool):
        return str(v).lower()
    return f"{v:g}" if isinstance(v, (int, float)) else str(v)


# --- sections ---------------------------------------------------------------------------------

def section_capacity(runs) -> str:
    """At the top: a warning for each scenario whose visits the mentor pool cannot all make
    (empty when every scheduled visit is made)."""
    warnings = app_compute.capacity_warnings(runs)
    if not warnings:
        return ""
    items = "".join(f"<li><b>{_e(name)}</b>: {_e(text)}</li>" for name, text in warnings)
    return (f'<div class="capacity" id="capacity"><b>Visits missed for lack of mentors.</b><ul>{items}</ul>'
            "Quality in these scenarios is what the pool could deliver, not what the schedule "
            "promised; each facility's visits and mentor-days are in the run's facility table "
            "(<code>mentorsim run ... --out</code>, <code>facilities.csv</code>).</div>")


def section_summary(runs, verdict_draws: int, progress=None) -> str:
    """The three lines a reader needs first: the verdict, its certainty, what lasts."""
    run = next((r for r in runs if r.name != app_compute.COMPARATOR_NAME), None)
    if run is None or verdict_draws <= 0 or run.economics is None:
        return ""
    v = app_econ.verdict(run.scenario, run.seed, draws=verdict_draws, replicate_runs=run.economics)
    if progress:
        progress()
    first, certainty, cost = app_econ.verdict_lines(v)
    ret = app_econ.retention([run.economics])
    comp = ret[(ret["strategy"] == run.name) & (ret["indicator"] == "composite")]
    lasts = "What lasts: beyond the horizon (no follow-up months)."
    if len(comp) and math.isfinite(float(comp["retained_24m"].iloc[0])):
        r = comp.iloc[0]
        lasts = (f"What lasts: of the {r['gain_end_pp']:.1f}-point composite gain at the end of the programme, "
                 f"{100 * r['retained_24m']:.0f}% is kept 24 months later ({r['gain_24m_pp']:.1f} points).")
    elif len(comp) and math.isfinite(float(comp["retained_12m"].iloc[0])):
        r = comp.iloc[0]
        lasts = (f"What lasts: {100 * r['retained_12m']:.0f}% of the {r['gain_end_pp']:.1f}-point composite gain "
                 "is kept 12 months after the end (the follow-up is shorter than 24 months).")
    return ('<div class="summary" id="summary"><h2>Summary</h2><ol>'
            f"<li><b>Verdict.</b> {_e(first)}</li>"
            f"<li><b>How sure.</b> {_e(certainty)} {_e(cost)}</li>"
            f"<li><b>{_e(lasts.split(':')[0])}.</b>{_e(lasts.split(':', 1)[1])}</li></ol></div>")


def section_run(runs, meta: dict, argv: Sequence[str]) -> str:
    rows = pd.DataFrame([{
        "scenario": r.name, "file": r.scenario.source, "description": r.scenario.description,
        "changes from the defaults": ", ".join(f"{k} = {_fmt_value(v)}" for k, v in r.scenario.overrides.items())
        or "none"} for r in runs])
    return (
        '<h2 id="run">What was run</h2>'
        f"<p>mentorsim {_e(meta['mentorsim_version'])}, git commit <code>{_e(meta['git_commit'])}</code>, "
        f"seed <b>{meta['seed']}</b>, <b>{runs[0].replicates}</b> replicates per scenario (common random "
        f"numbers across scenarios), created {_e(meta['created'])}.</p>"
        + _table(rows, text_cols=list(rows.columns))
        + f'<p class="note">Command: <code>{_e(" ".join(argv))}</code>. Each scenario is compared with '
        "no mentorship of any kind in the same setting (same facilities, horizon, seed and replicates). "
        "Intervals are 95% confidence intervals of the mean over replicates; bands in the plots show "
        "where 95% of single runs fall.</p>"
    )


def section_comparison(runs) -> str:
    frame = app_compute.comparison_frame(runs)
    outcomes = frame[frame["section"] == "outcomes"].drop(columns=["section"])
    return ('<h2 id="comparison">Comparison</h2>'
            + _table(outcomes, text_cols=["label"])
            + _img(app_figures.composite(runs), "composite adherence over time")
            + _img(app_figures.skills(runs), "skills by domain over time")
            + _img(app_figures.attendance(runs), "telementoring attendance"))


def section_cea(runs) -> str:
    out = ['<h2 id="cost-effectiveness">Cost-effectiveness</h2>']
    missing = [r for r in runs if r.economics is None]
    if missing:
        msg = missing[0].econ_message or "economics not computed"
        out.append(f'<div class="missing">Costs and cost-effectiveness are missing from this report. {_e(msg)}</div>')
        return "".join(out)
    label = app_econ.price_label()
    strategies = app_compute.strategies(runs)
    ce = app_econ.cost_effect([r.economics for r in runs])
    tab = pd.DataFrame({
        "scenario": ce["strategy"], "programme cost": ce["cost_programme_usd"].map(_num),
        "SSI treatment averted": ce["savings_ssi_usd"].map(_num), "net cost": ce["cost_net_usd"].map(_num),
        "DALYs averted": ce["dalys_averted"].map(lambda x: _num(x, 1)),
        "net cost per DALY averted": ce["cost_per_dalys_averted"].map(_num),
        "composite point-months": ce["composite_point_months"].map(_num),
        "net cost per point-month": ce["cost_per_composite_point_months"].map(lambda x: _num(x, 1)),
        "SSIs averted": ce["ssi_averted"].map(lambda x: _num(x, 1)),
        "deaths averted": ce["deaths_averted"].map(lambda x: _num(x, 2))})
    out.append(f"<p>Money in {_e(label)}; costs and effects discounted. Effects are counted against no "
               "mentorship in the same setting with the same seed; net cost is programme cost minus the "
               "SSI treatment it averts. Cost per unit of effect is a ratio of means over replicates.</p>")
    out.append(_table(tab, text_cols=["scenario"]))
    if not app_compute.same_setting(runs):
        out.append('<p class="missing">The scenarios differ in facilities, horizon or programme length, so '
                   "an incremental analysis across them would compare different settings; each is shown "
                   "against its own no-mentorship run above.</p>")
    else:
        for effect, (elabel, unit) in app_econ.EFFECTS.items():
            inc = app_econ.incremental(strategies, effect=effect)
            show = pd.DataFrame({
                "strategy": inc["strategy"], "net cost": inc["cost"].map(_num),
                elabel: inc["effect"].map(lambda x: _num(x, 1)), "status": inc["status"],
                "versus": inc["reference"].fillna("-"), "incremental cost": inc["inc_cost"].map(_num),
                "incremental effect": inc["inc_effect"].map(lambda x: _num(x, 1)),
                f"ICER (per {unit})": inc["icer"].map(_num), "note": inc["note"]})
            out.append(f"<h3>Incremental analysis: {_e(elabel)}</h3>"
                       "<p>Sorted by cost; strongly and extendedly dominated strategies removed; ICERs "
                       "along the efficiency frontier (no mentorship is the comparator).</p>"
                       + _table(show, text_cols=["strategy", "status", "versus", "note"]))
        wtp = app_econ.wtp_table(strategies)
        show = pd.DataFrame({"x GDP per capita": wtp["gdp_multiple"].map(lambda x: f"{x:g}"),
                             "willingness to pay per DALY averted": wtp["wtp"].map(_num),
                             "strategy to choose (highest net monetary benefit)": wtp["best"],
                             "its net monetary benefit": wtp["best_nmb"].map(_num)})
        out.append("<h3>Choice at several willingness-to-pay values</h3>" + _table(show, text_cols=[
            "strategy to choose (highest net monetary benefit)"]))
    out.append(_img(app_figures.costs_by_item(runs), "costs by item"))
    out.append(_img(app_figures.cost_effect_plane(runs), "cost against effect"))
    items = app_econ.items([r.economics for r in runs])
    wide = items.pivot_table(index="item", columns="strategy", values="cost_usd", sort=False)[[r.name for r in runs]]
    wide = wide.map(_num).reset_index()
    out.append(f"<h3>Costs by item ({_e(label)}, discounted)</h3>" + _table(wide, text_cols=["item"]))
    return "".join(out)


def section_sustainability(runs) -> str:
    out = ['<h2 id="sustainability">Sustainability: what remains after the programme</h2>',
           "<p>The gain is the intervention facilities' composite minus that of the no-mentorship run with the "
           "same seed: the secular trend both share is netted out.</p>",
           _img(app_figures.gain_over_comparator(runs), "composite gain over no mentorship")]
    frame = app_compute.comparison_frame(runs)
    sus = frame[frame["section"] == "sustainability"].drop(columns=["section"])
    out.append(_table(sus, text_cols=["label"]))
    if all(r.economics is not None for r in runs):
        ret = app_econ.retention([r.economics for r in runs])
        show = pd.DataFrame({"scenario": ret["strategy"], "indicator": ret["indicator"],
                             "gain at the end (points)": ret["gain_end_pp"].map(lambda x: _num(x, 1)),
                             "gain 12 months after": ret["gain_12m_pp"].map(lambda x: _num(x, 1)),
                             "gain 24 months after": ret["gain_24m_pp"].map(lambda x: _num(x, 1)),
                             "share kept at 24 months": ret["retained_24m"].map(
                                 lambda x: "n/a" if not math.isfinite(x) else f"{100 * x:.0f}%")})
        out.append("<h3>Retained gains by indicator</h3>" + _table(show, text_cols=["scenario", "indicator"]))
        rec = app_econ.records([r.economics for r in runs])
        cols = [c for c in ("local_active_end", "local_active_f24", "local_trained_total", "local_lost_total",
                            "followup_local_visits", "sustain_usd_per_facility_year") if c in rec.columns]
        if cols:
            pool = rec.groupby("strategy", sort=False)[cols].mean().reset_index()
            pool = pool[pool["strategy"] != app_compute.COMPARATOR_NAME]
            for c in cols:
                pool[c] = pool[c].map(lambda x: _num(x, 1))
            out.append("<h3>Local mentor pool and the cost to sustain</h3>"
                       + _table(pool, text_cols=["strategy"]))
    else:
        out.append('<p class="missing">Retention by indicator and the mentor pool need the economics '
                   "modules (sustainability.py); shown above is what the core model gives.</p>")
    return "".join(out)


def section_assumptions(runs, sensitivity_replicates: int, progress=None) -> str:
    run = next((r for r in runs if r.name != app_compute.COMPARATOR_NAME), runs[0])
    out = ['<h2 id="assumptions">The assumptions that matter most</h2>']
    if sensitivity_replicates > 0:
        out.append(f"<p>One at a time, each parameter tagged <i>assumption</i> was set to the low and then the "
                   f"high end of its range for <b>{_e(run.name)}</b>, with the same seed and "
                   f"{sensitivity_replicates} replicate(s): the swing is the difference between the two. "
                   "A screen, not a global analysis: interactions are missed.</p>")
        if run.economics is not None:
            out.append(_decision_table(run, sensitivity_replicates, progress))
        swings = model_swings(run.scenario, run.seed, sensitivity_replicates, tick=progress)
        keys = [k for k, _ in MODEL_OUTCOMES]
        top = [s for s in swings if math.isfinite(s.max_swing(keys))][:12]
        rows = []
        for s in top:
            p = s.param
            rows.append({"parameter": p.name, "value": _fmt_value(s.value), "range": f"{p.low:g} - {p.high:g}",
                         "unit": p.unit, "tag": p.tag, "source": p.source,
                         **{lab: _num(s.swing(k), 1) for k, lab in MODEL_OUTCOMES},
                         "description": p.description + (f" ({s.note})" if s.note else "")})
        out.append("<h3>Model assumptions: swing in the composite (percentage points)</h3>"
                   + _table(pd.DataFrame(rows), text_cols=["parameter", "unit", "tag", "source", "description"]))
        if run.economics is not None:
            n = sensitivity_replicates
            eswings = economic_swings(run.scenario, run.seed, run.results.runs[:n], run.comparator.runs[:n],
                                      tick=progress)
            rows = [{"parameter": s.param.name, "value": _fmt_value(s.value),
                     "range": f"{s.param.low:g} - {s.param.high:g}", "unit": s.param.unit, "source": s.param.source,
                     "net cost per DALY, low end": _num((s.low or {}).get("cost_per_dalys_averted")),
                     "high end": _num((s.high or {}).get("cost_per_dalys_averted")),
                     "swing": _num(s.swing("cost_per_dalys_averted")), "description": s.param.description}
                    for s in eswings[:10]]
            out.append(f"<h3>Price and economics assumptions: swing in net cost per DALY averted "
                       f"({_e(app_econ.price_label())})</h3>"
                       + _table(pd.DataFrame(rows), text_cols=["parameter", "unit", "source", "description"]))
    else:
        out.append('<p class="note">The screen was skipped (--sensitivity-replicates 0); every assumption '
                   "is listed below.</p>")
    allp = [{"parameter": p.name, "value": _fmt_value(run.scenario.params[p.name]), "unit": p.unit,
             "range": "true/false" if p.kind is bool else f"{p.low:g} - {p.high:g}", "tag": p.tag,
             "source": p.source, "description": p.description}
            for p in assumption_params() + list(_switches())]
    out.append(f"<details><summary>All {len(allp)} parameters tagged <i>assumption</i> (values as in "
               f"{_e(run.name)})</summary>"
               + _table(pd.DataFrame(allp), text_cols=["parameter", "unit", "tag", "source", "description"])
               + "</details>")
    out.append("<details><summary>Sources</summary><ul>"
               + "".join(f"<li><b>{_e(k)}</b>: {_e(v)}</li>" for k, v in SOURCES.items()) + "</ul></details>")
    return "".join(out)


def _decision_table(run, replicates: int, progress=None) -> str:
    """The parameters that move the decision most (assumptions.decision_swings), top 12."""
    t = decision_swings(run.scenario, run.seed, replicates, tick=progress)
    wtp = t.attrs.get("wtp", float("nan"))
    rows = [{"parameter": r.parameter, "range": f"{r.low_value:.3g} - {r.high_value:.3g} ({r.range})",
             "INMB at low end": _num(r.inmb_low), "INMB at high end": _num(r.inmb_high), "swing": _num(r.swing),
             "winner low / high": f"{r.winner_low} / {r.winner_high}",
             "switch value": "-" if not math.isfinite(r.switch_value) else f"{r.switch_value:.3g}"}
            for r in t.head(12).itertuples()]
    return (f"<h3>For the decision: incremental net monetary benefit of {_e(run.name)} against no mentorship "
            f"at US${wtp:,.0f} per DALY (0.5x GDP per capita; base case {_num(t.attrs.get('inmb_base'))}, "
            f"{_e(app_econ.price_label())})</h3>"
            "<p>Every parameter that moves cost or effect, one at a time over its range (calibrated ones over "
            "their posterior's 95% interval); positive: mentorship is worth its cost at this threshold. The "
            "switch value is where the choice flips.</p>"
            + _img(app_figures.tornado(t), "tornado: what drives the decision")
            + "<details><summary>The same as a table</summary>"
            + _table(pd.DataFrame(rows), text_cols=["parameter", "range", "winner low / high"]) + "</details>")


def _switches():
    from mentorsim.parameters.model_table import PARAMS
    return [p for p in PARAMS if p.tag == "assumption" and p.kind is bool]


def section_provenance(meta: dict) -> str:
    libs = ", ".join(f"{k} {v}" for k, v in meta.get("libraries", {}).items())
    return ('<h2 id="provenance">Provenance</h2>'
            f"<p>mentorsim version <b>{_e(meta['mentorsim_version'])}</b>; git commit "
            f"<code>{_e(meta['git_commit'])}</code>; seed <b>{meta['seed']}</b>; created {_e(meta['created'])}; "
            f"{_e(libs)}.</p>")


def build(runs, argv: Sequence[str], sensitivity_replicates: int = 2, progress=None,
          verdict_draws: int = app_econ.VERDICT_DRAWS) -> str:
    """The report's HTML text for runs already computed (app_compute.run_scenario);
    ``verdict_draws``: size of the summary's quick PSA (0: no summary)."""
    meta = app_compute.provenance(runs)
    title = "mentorsim report: " + ", ".join(r.name for r in runs)
    body = [f"<h1>{_e(title)}</h1>",
            section_summary(runs, verdict_draws, progress),
            '<p class="note">Safe Surgery 2020 multimodal surgical mentorship, Lake Zone, Tanzania: '
            "simulated scenarios compared with no mentorship.</p>",
            section_capacity(runs),
            "<nav>" + " · ".join(f'<a href="#{s}">{s}</a>' for s in SECTIONS) + "</nav>",
            section_run(runs, meta, argv), section_comparison(runs), section_cea(runs),
            section_sustainability(runs), section_assumptions(runs, sensitivity_replicates, progress),
            section_provenance(meta)]
    return ("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
            f"<title>{_e(title)}</title><style>{CSS}</style></head><body>\n"
            + "\n".join(body) + "\n</body></html>\n")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file in the same folder and a rename."""
    path = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)  # mkstemp makes it private; a report is for sharing
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def progress_total(n_scenarios: int, replicates: int, sensitivity_replicates: int) -> int:
    from mentorsim.policy.assumptions import assumption_params as ap
    sims = n_scenarios * replicates * 4
    from mentorsim.economics.psa import psa_parameter_names
    screen = (2 * (len(ap(economic=False)) + len(ap(economic=True)) + len(psa_parameter_names("default")))
              if sensitivity_replicates > 0 else 0)
    return sims + screen + 1  # + 1: the summary's quick PSA


def main_report(scenarios, out: Path, replicates: int, seed: int, sensitivity_replicates: int,
                argv: Sequence[str]) -> Path:
    """Run the scenarios and write the report; tqdm progress on stderr."""
    from tqdm import tqdm
    total = progress_total(len(scenarios), replicates, sensitivity_replicates)
    with tqdm(total=total, unit="step", file=sys.stderr, disable=None, leave=False) as bar:
        runs = []
        for sc in scenarios:
            base = bar.n
            runs.append(app_compute.run_scenario(sc, seed, replicates,
                                                 progress=lambda d, _t, b=base: bar.update(b + d - bar.n)))
        html_text = build(runs, argv, sensitivity_replicates, progress=lambda: bar.update(1))
    write_atomic(out, html_text)
    return out
