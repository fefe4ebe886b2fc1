"""The web page for policy makers: set the programme's levers, see what it buys and what lasts.

``mentorsim app [--port P] [--host H]`` serves this page locally (Solara on uvicorn; ``serve``).
The page starts from a preset (a shipped scenario, levers.presets(): "As run (SS2020)" first);
each lever is one parameter (levers.LEVERS) and is checked as the CLI checks ``--set``: a bad
value shows its one-line message beside the field and the Run button waits until every field is
valid. A run simulates the scenario and the comparison arm (no mentorship in the same setting,
same seed) over the replicates (compute.run_scenario), then costs them (policy.economics). Up to
four runs can be kept and are shown side by side with the current one; the comparison exports
as CSV and PNG, the scenario saves as a TOML file ``mentorsim run`` accepts and loads back, and
the URL's query string holds the levers, so a reload or a shared link restores them. A run whose
mentor pool cannot make the scheduled visits opens its headline with the capacity warning
(share of visits missed; compute.capacity_warnings), pointing to ``mentorsim plan-pool``.

Layout: a bar at the top (title, Run, progress) stays in view on every screen; below it the lever
panel and the results sit side by side on a wide screen (the panel scrolls on its own) and are
stacked on a narrow one (under 900 px), where the panel folds away after Run or with its button.

Everything the page shows is computed in policy.compute, policy.economics and policy.figures,
which the report (report.py) uses too; this module holds only the layout and the page's state.
"""

from __future__ import annotations

import os
import re
import sys
import threading
import time

import ipyvuetify as ipv
import pandas as pd
import solara
import solara.lab
import traitlets

from mentorsim.errors import InputError
from mentorsim.plots import human
from mentorsim.policy import compute as app_compute
from mentorsim.policy import economics as app_econ
from mentorsim.policy import figures as app_figures
from mentorsim.policy import levers as app_levers
from mentorsim.policy.levers import LEVERS, as_text, check, describe, initial_values

MAX_SAVED = 4
PAGE_TITLE = "mentorsim: what a surgical mentorship programme buys"


def md(text) -> str:
    r"""``text`` (a scenario name or title: anything a user typed or uploaded) safe to put in
    Markdown: HTML escaped and Markdown's own marks backslash-escaped, so a name such as
    ``<img src=x onerror=alert(1)>`` or ``**x**`` shows as written and runs nothing.

    Examples:
        >>> print(md("<img src=x onerror=alert(1)>"))
        &lt;img src=x onerror=alert\(1\)&gt;
        >>> print(md("a*b_c [d](e)"))
        a\*b\_c \[d\]\(e\)
    """
    import html
    out = html.escape(str(text), quote=True)
    return re.sub(r"([\\`*_{}\[\]()#+!|~>-])", r"\\\1", out)


class Cancelled(BaseException):
    """Raised inside a run whose browser tab was closed (a BaseException, so no ``except
    Exception`` on the way swallows it): the server stops computing for nobody."""


def stop_when_closed(closed: threading.Event, progress):
    """``progress(done, total)`` that first raises :class:`Cancelled` once ``closed`` is set (the
    session's tab is gone), so the run stops at its next step."""
    def step(done, total):
        if closed.is_set():
            raise Cancelled
        progress(done, total)
    return step


def log_failure(what: str, exc: BaseException) -> str:
    """Print the traceback to the server's log (stderr) and return the one line the browser gets:
    no traceback, no exception text, no server paths; an id to find the log entry."""
    import traceback
    ref = f"{int(time.time()) % 100000:05d}-{os.getpid() % 1000:03d}"
    print(f"mentorsim app: {what} failed (ref {ref}):", file=sys.stderr)
    traceback.print_exception(exc, file=sys.stderr)
    return f"{what} failed on the server (ref {ref}; the details are in the server's log)."


def _texts(values: dict) -> dict:
    return {k: (v if isinstance(v, bool) else as_text(v)) for k, v in values.items()}


# --- page state (Solara keeps one copy per browser session) ------------------------------------
preset = solara.reactive(app_levers.DEFAULT_PRESET)  # key of the shipped scenario started from
base = solara.reactive(None)  # Scenario the levers apply to (the preset, or a loaded file); None: preset
values = solara.reactive(_texts(initial_values()))
scenario_name = solara.reactive("")  # typed by the user; "" -> levers.auto_name
progress = solara.reactive(0.0)
phase = solara.reactive("")
current = solara.reactive(None)  # app_compute.ScenarioRun
saved = solara.reactive([])  # list[ScenarioRun]
figures = solara.reactive({})  # name -> PNG bytes for the shown comparison
run_error = solara.reactive("")
revision = solara.reactive(0)  # bumped when a run gains its costs (the run object stays the same)
stale = solara.reactive(False)  # the results on screen are the previous run's; a new one is computing
levers_open = solara.reactive(True)  # narrow screens: the lever panel is unfolded
load_message = solara.reactive("")  # what loading a file or the address said ("" when it worked)
url_applied = solara.reactive(False)  # the address's query string has been read once

_PRESETS = None
_PRESETS_LOCK = threading.Lock()


def _presets():
    global _PRESETS
    with _PRESETS_LOCK:
        if _PRESETS is None:
            _PRESETS = app_levers.presets()
        return _PRESETS


def _base():
    return base.value if base.value is not None else app_levers.preset_scenario(preset.value)


def run_name() -> str:
    """The name the next run gets: what was typed, else the preset's title and what changed."""
    return scenario_name.value.strip() or app_levers.auto_name(values.value, _base())


def shown_runs(cur=None, sav=None) -> list:
    """The comparison on screen: the saved runs, then the current one if it is not saved."""
    cur = current.value if cur is None else cur
    sav = saved.value if sav is None else sav
    runs = list(sav)
    if cur is not None and all(r is not cur for r in runs):
        runs.append(cur)
    return runs


def _draw(runs, with_costs: bool) -> dict:
    figs = {"composite": app_figures.composite(runs), "skills": app_figures.skills(runs),
            "attendance": app_figures.attendance(runs), "lasts": app_figures.gain_over_comparator(runs)}
    if with_costs:
        figs["costs"] = app_figures.costs_by_item(runs)
        figs["plane"] = app_figures.cost_effect_plane(runs)
    return {k: app_figures.png(f, dpi=80) for k, f in figs.items()}


def _unique(name: str, taken) -> str:
    name = name.strip() or "scenario"
    out, k = name, 1
    while out in taken:
        k += 1
        out = f"{name} ({k})"
    return out


@solara.lab.task(prefer_threaded=True)
def run_task():
    """Run the scenario the levers describe; publish outcomes first, costs when they are done."""
    b = _base()
    checked = check(values.value, b)
    if not checked.ok:
        run_error.set("Fix the fields marked in red first.")
        return
    run_error.set("")
    progress.set(0.0)
    phase.set("simulating the scenario and no mentorship")
    stale.set(current.value is not None)
    taken = {r.name for r in saved.value}
    name = _unique(run_name(), taken)
    scenario = check(values.value, b, name=app_levers.slug(name), title=name).scenario

    try:
        closed = solara.kernel_closed_event()  # set when the browser tab (the session) goes away
    except RuntimeError:  # no session (called outside a page)
        closed = threading.Event()

    def show_progress(done, total):
        pct = round(100.0 * done / total / 5) * 5  # steps of 5%: each change redraws the bar
        if pct != progress.value:
            progress.set(pct)
    on_progress = stop_when_closed(closed, show_progress)

    def on_core(run):
        run.extra["base"] = b  # what the headline describes the run against
        figures.set(_draw(shown_runs(run), with_costs=False))
        current.set(run)
        stale.set(False)
        phase.set("costing")

    try:
        run = app_compute.run_scenario(scenario, checked.seed, checked.replicates,
                                       progress=on_progress, name=name, on_core=on_core)
    except Cancelled:
        print(f"mentorsim app: run {name!r} stopped: its page was closed", file=sys.stderr)
        return
    except Exception as exc:
        run_error.set(log_failure("The run", exc))
        phase.set("")
        stale.set(False)
        return
    phase.set("drawing")
    figures.set(_draw(shown_runs(run), with_costs=True))
    current.set(run)
    revision.set(revision.value + 1)
    progress.set(100.0)
    phase.set("")


def start_run():
    """Run, and fold the lever panel away so a phone shows the results (no effect when wide)."""
    levers_open.set(False)
    run_task()


def _redraw():
    runs = shown_runs()
    figures.set(_draw(runs, with_costs=True) if runs else {})


def save_current():
    run = current.value
    if run is None or any(r is run for r in saved.value) or len(saved.value) >= MAX_SAVED:
        return
    saved.set(saved.value + [run])
    revision.set(revision.value + 1)


def remove_saved(name: str):
    saved.set([r for r in saved.value if r.name != name])
    _redraw()
    revision.set(revision.value + 1)


def _set_value(key, value):
    values.set({**values.value, key: value})


def choose_preset(key: str):
    """Start from a shipped scenario: its lever values; the run settings stay."""
    sc = app_levers.preset_scenario(key)
    run_settings = {k: values.value[k] for k in app_levers.NOT_PARAMS if k in values.value}
    preset.set(key)
    base.set(None)
    values.set({**_texts(initial_values(sc)), **run_settings})
    scenario_name.set("")
    load_message.set("")


def load_scenario_text(name: str, text) -> None:
    """Load a saved scenario file: it becomes the base, its lever values fill the fields."""
    try:
        sc = app_levers.scenario_from_text(text, source=name or "uploaded file")
    except InputError as exc:
        load_message.set(str(exc))
        return
    run_settings = {k: values.value[k] for k in app_levers.NOT_PARAMS if k in values.value}
    preset.set(app_levers.DEFAULT_PRESET)
    base.set(sc)
    values.set({**_texts(initial_values(sc)), **run_settings})
    scenario_name.set(sc.label)
    load_message.set("")


def apply_query(query: str) -> None:
    """Restore the levers from the address's query string (levers.from_query)."""
    try:
        state = app_levers.from_query(query)
    except InputError as exc:
        load_message.set(f"The address could not be read ({exc}); starting from the programme as run.")
        return
    preset.set(state.preset)
    plain = dict(state.base.overrides) == dict(app_levers.preset_scenario(state.preset).overrides)
    base.set(None if plain else state.base)
    values.set(state.values)
    scenario_name.set(state.name)
    load_message.set("")


def current_query() -> str:
    """The query string for the levers as they are ("" while a field is wrong)."""
    checked = check(values.value, _base())
    if not checked.ok:
        return ""
    return app_levers.to_query(checked.scenario, preset.value, checked.replicates, checked.seed,
                               scenario_name.value.strip())


class TomlUpload(ipv.VuetifyTemplate):
    """A button that opens the file chooser (works on phones) and sends the chosen file's text."""

    template = traitlets.Unicode("""
<template>
  <label class="ms-load v-btn v-btn--outlined theme--light v-size--default primary--text"
         style="cursor: pointer; padding: 0 12px; height: 36px; display: inline-flex; align-items: center;">
    <input type="file" accept=".toml,text/plain,application/toml" style="display: none" @change="read" />
    <span class="v-btn__content">{{ label }}</span>
  </label>
</template>
<script>
module.exports = {
  methods: {
    read(e) {
      const f = e.target.files[0];
      if (!f) return;
      f.text().then(t => { this.upload = {name: f.name, text: t, at: Date.now()}; e.target.value = ""; });
    }
  }
}
</script>""").tag(sync=True)
    label = traitlets.Unicode("Load scenario (TOML)").tag(sync=True)
    upload = traitlets.Dict(default_value={}).tag(sync=True)


# --- components -------------------------------------------------------------------------------

CSS = """
.ms-topbar { position: sticky; top: 0; z-index: 6; background: #fff; border-bottom: 1px solid #ddd;
  display: flex; flex-wrap: wrap; align-items: center; gap: 6px 12px; padding: 8px 12px; }
.ms-topbar h1 { font-size: 18px; font-weight: 500; margin: 0; flex: 1 1 260px; line-height: 1.3; }
.ms-topbar .ms-run { min-width: 120px; }
.ms-progress-box { flex: 1 1 100%; }
.ms-main { display: grid; grid-template-columns: 360px minmax(0, 1fr); gap: 16px; padding: 8px 12px; }
.ms-panel { position: sticky; top: 64px; max-height: calc(100vh - 72px); overflow-y: auto; padding-right: 6px; }
.ms-toggle-levers { display: none !important; }
.ms-results { min-width: 0; }
.ms-results img { max-width: 100%; height: auto; }
.v-card__title { word-break: normal; overflow-wrap: break-word; }
.ms-stale .ms-result-body { opacity: 0.45; filter: grayscale(60%); transition: opacity 0.2s; }
.ms-presets { display: flex; flex-wrap: wrap; gap: 4px; margin: 4px 0 10px 0; }
.ms-presets .v-btn { text-transform: none; letter-spacing: 0; }
.ms-preset-active { background: #e3f0fb !important; }
.ms-table-wrap { overflow-x: auto; }
table.ms-table { border-collapse: collapse; font-size: 13px; margin: 6px 0 12px 0; }
table.ms-table th, table.ms-table td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: right; }
table.ms-table td:first-child, table.ms-table th:first-child { text-align: left; }
@media (max-width: 899px) {
  .ms-main { grid-template-columns: minmax(0, 1fr); }
  .ms-panel { position: static; max-height: none; overflow: visible; }
  .ms-toggle-levers { display: inline-flex !important; }
  .ms-panel-closed .ms-panel-body { display: none; }
  .ms-topbar h1 { font-size: 15px; }
}
"""


@solara.component
def Layout(children=[]):  # noqa: B006 - Solara's layout signature
    """The page lays itself out (top bar, panel, results): no app bar or drawer from Solara."""
    solara.Column(children=children, gap="0px", style={"padding": "0", "width": "100%"})


@solara.component
def LeverField(lever, errors):
    value = values.value[lever.key]
    cls = ["ms-lever", "ms-lever-" + lever.key.replace(".", "-")]
    if lever.kind == "bool":
        solara.Switch(label=lever.label, value=bool(value), on_value=lambda v: _set_value(lever.key, v),
                      classes=cls)
        return
    msg = errors.get(lever.key)
    solara.InputText(lever.label, value=str(value), on_value=lambda v: _set_value(lever.key, v),
                     error=bool(msg), message=msg or lever.help, classes=cls, continuous_update=False)


@solara.component
def Presets():
    """One button per shipped scenario; the one started from is marked."""
    solara.Markdown("**Start from**")
    with solara.Div(classes=["ms-presets"]):
        for p in _presets():
            active = base.value is None and preset.value == p.key
            solara.Button(p.title, on_click=lambda key=p.key: choose_preset(key), small=True,
                          outlined=not active, depressed=active,
                          classes=["ms-preset", f"ms-preset-{p.key}"] + (["ms-preset-active"] if active else []))


@solara.component
def ScenarioFile(checked):
    """Save the levers as a TOML file the CLI runs; load one back."""
    with solara.Row(classes=["ms-files"], style={"flex-wrap": "wrap", "gap": "6px"}):
        if checked.ok:
            name = run_name()
            sc = check(values.value, _base(), name=app_levers.slug(name), title=name).scenario
            text = app_levers.scenario_toml(sc, checked.replicates, checked.seed)
            solara.FileDownload(text.encode("utf-8"), filename=app_levers.slug(name) + ".toml",
                                label="Save scenario (TOML)", mime_type="application/toml")
        TomlUpload.element(on_upload=lambda d: load_scenario_text(d.get("name", ""), d.get("text", "")))
    if load_message.value:
        solara.Error(load_message.value, classes=["ms-load-error"])


@solara.component
def Levers(checked):
    b = _base()
    Presets()
    desc = b.description.rstrip(".") + "." if b.description else ""
    solara.Markdown(f"Levers for **{md(b.label)}**: {md(desc)} Each field is one parameter, checked "
                    "as `mentorsim run --set` checks it.")
    group = None
    for lever in LEVERS:
        if lever.group != group:
            group = lever.group
            solara.HTML(tag="h4", unsafe_innerHTML=group, classes=["ms-lever-group"])
        LeverField(lever, checked.field_errors)
    if checked.general_error:
        solara.Error(checked.general_error, classes=["ms-general-error"])
    solara.InputText("Scenario name", value=scenario_name, continuous_update=True, classes=["ms-name"],
                     message=f"Empty: \"{app_levers.auto_name(values.value, b)}\"")
    if not checked.ok:
        solara.Text("Fix the fields marked in red to run.", classes=["ms-fix-fields"])
    ScenarioFile(checked)
    solara.Button("Reset levers", on_click=lambda: choose_preset(preset.value), text=True, classes=["ms-reset"])


def _table_html(df: pd.DataFrame, cls: str) -> str:
    return '<div class="ms-table-wrap">' + df.to_html(index=False, classes=cls, border=0, na_rep="n/a",
                                                       escape=True) + "</div>"


@solara.component
def Headline(run, rev):
    s = app_compute.summary(run)
    econ = app_compute.econ_values(run)
    lines = [
        f"Composite adherence at month 12: **{s['composite_month12_pct']:.1f}%** "
        f"(no mentorship: {app_compute.summary(run, comparator=True)['composite_month12_pct']:.1f}%)",
        f"24 months after the end: **{s['composite_followup24_pct']:.1f}%**"
        if s.get("composite_followup24_pct") is not None else "24 months after the end: beyond the horizon",
    ]
    if "gain_end_composite_pp" in econ:
        lines.append(lasts_sentence(run))
    if "cost_per_dalys_averted" in econ:
        c = econ["cost_per_dalys_averted"][0]
        lines.append(f"Net cost per DALY averted: **{c:,.0f}** ({app_econ.price_label()})" if c == c
                     else "Net cost per DALY averted: not defined (no DALYs averted)")
    else:
        lines.append("Costs: " + md(run.econ_message or "being computed..."))
    took = f"; {run.elapsed_s:.1f} s" if run.elapsed_s > 0 else ""
    lines.append(f"{run.replicates} replicates, seed {run.seed}{took}; "
                 f"{md(describe(run.scenario, run.extra.get('base')))}")
    with solara.Card(f"Current run: {run.name}", classes=["ms-headline"]):
        for _, text in app_compute.capacity_warnings([run]):  # first: the pool cannot make the visits
            solara.Warning(text, classes=["ms-capacity-warning"])
        Verdict(run, rev)
        solara.Markdown("\n\n".join("- " + x for x in lines))


def lasts_sentence(run) -> str:
    """What lasts, in one line: the composite gain over no mentorship at the end and the share of
    it kept 12 and 24 months after (net of the secular trend), and what is kept."""
    econ = app_compute.econ_values(run)
    end = econ["gain_end_composite_pp"][0]

    def later(h):
        g, kept = econ[f"gain_{h}m_composite_pp"][0], econ[f"retained_{h}m_composite_pct"][0]
        if g != g:
            return f"{h} months after: beyond the horizon"
        return f"**{g:.1f}** points ({kept:.0f}%) {h} months after" if kept == kept else f"{g:.1f} points {h} months after"

    return (f"What lasts: a gain of **{end:.1f}** points over no mentorship at the end; {later(12)}, "
            f"{later(24)} (kept: {app_compute.kept_after(run.scenario)})")


@solara.component
def Verdict(run, rev):
    """The verdict line: a quick posterior PSA of the run against no mentorship (policy.economics
    .verdict, its size shown), computed in a thread after the run so the page stays live."""
    def compute():
        if run.economics is None:
            return None
        return app_econ.verdict(run.scenario, run.seed, replicate_runs=run.economics)

    task = solara.lab.use_task(compute, dependencies=[id(run), rev, run.economics is not None])
    if task.finished and task.value is not None:
        first, certainty, cost = app_econ.verdict_lines(task.value)
        with solara.Div(classes=["ms-verdict"]):
            solara.Markdown(f"**Verdict:** {first}\n\n{certainty} {cost}")
    elif task.error:
        solara.Warning("Verdict not available: " + log_failure("The verdict", task.exception), classes=["ms-verdict"])
    elif run.economics is not None:
        solara.Text(f"Verdict: running a {app_econ.VERDICT_DRAWS}-draw probabilistic analysis...",
                    classes=["ms-verdict"])


@solara.component
def SavedCapacity(runs, rev):
    """Capacity warnings of the saved runs shown beside the current one."""
    cur = current.value
    for name, text in app_compute.capacity_warnings([r for r in runs if r is not cur]):
        solara.Warning(f"{name}: {text}", classes=["ms-capacity-warning"])


@solara.component
def Plot(name, caption):
    figs = figures.value
    if name in figs:
        solara.Image(figs[name], classes=["ms-figure", f"ms-figure-{name}"])
    else:
        solara.Text(caption + ": being computed...")


@solara.component
def CostPanels(runs, rev):
    missing = [r for r in runs if r.economics is None]
    if missing:
        msg = "; ".join(f"{r.name}: {r.econ_message or 'being computed...'}" for r in missing)
        solara.Warning(msg, classes=["ms-econ-missing"])
    strategies = [r.economics for r in runs if r.economics is not None]
    if not strategies:
        return
    solara.Markdown(f"All money in {app_econ.price_label()}, costs and effects discounted. Effects are "
                    "counted against no mentorship in the same setting with the same seed.")
    ce = app_econ.cost_effect(strategies)
    show = pd.DataFrame({
        "scenario": ce["strategy"],
        "programme cost": ce["cost_programme_usd"].map("{:,.0f}".format),
        "SSI treatment averted": ce["savings_ssi_usd"].map("{:,.0f}".format),
        "net cost": ce["cost_net_usd"].map("{:,.0f}".format),
        "DALYs averted": ce["dalys_averted"].map("{:,.1f}".format),
        "net cost per DALY averted": ce["cost_per_dalys_averted"].map(lambda x: "n/a" if x != x else f"{x:,.0f}"),
        "composite point-months": ce["composite_point_months"].map("{:,.0f}".format),
        "net cost per point-month": ce["cost_per_composite_point_months"].map(
            lambda x: "n/a" if x != x else f"{x:,.1f}"),
    })
    solara.HTML(tag="div", unsafe_innerHTML=_table_html(show, "ms-table ms-cost-table"))
    Plot("costs", "Costs by item")
    Plot("plane", "Cost against effect")
    if current.value is not None and current.value.economics is not None:
        Drivers(current.value, rev)
    if app_compute.same_setting(runs) and len(strategies) == len(runs):
        inc = app_econ.incremental(app_compute.strategies(runs))
        tab = pd.DataFrame({
            "strategy": inc["strategy"].map(human), "net cost": inc["cost"].map("{:,.0f}".format),
            "DALYs averted": inc["effect"].map("{:,.1f}".format), "status": inc["status"],
            "vs": inc["reference"].map(lambda x: human(x) if isinstance(x, str) else "-"),
            "ICER (per DALY averted)": inc["icer"].map(lambda x: "-" if x != x else f"{x:,.0f}"),
            "note": inc["note"]})
        solara.Markdown("**Incremental analysis** (strategies sorted by cost; dominated ones removed; "
                        "ICERs along the efficiency frontier):")
        solara.HTML(tag="div", unsafe_innerHTML=_table_html(tab, "ms-table ms-icer-table"))
        wtp = app_econ.wtp_table(app_compute.strategies(runs))
        solara.Markdown("Choice at each willingness to pay per DALY averted: " + "; ".join(
            f"{r.gdp_multiple:g} x GDP per capita ({r.wtp:,.0f} USD per DALY): **{md(human(r.best))}**"
            for r in wtp.itertuples()))
    else:
        solara.Info("The incremental analysis needs the scenarios in one setting (facilities, horizon, "
                    "seed, replicates); each is shown against its own no-mentorship run instead.")


@solara.component
def Drivers(run, rev):
    """What drives the decision for the current run: a tornado of the one-way sensitivity of its
    net monetary benefit against no mentorship (policy.assumptions.decision_swings, one replicate
    per parameter end), on request: it runs every parameter twice (about 15 s)."""
    asked, set_asked = solara.use_state(None)

    def compute():
        if asked is None or asked != id(run):
            return None
        from mentorsim.policy.assumptions import decision_swings
        return app_figures.png(app_figures.tornado(decision_swings(run.scenario, run.seed, 1)), dpi=80)

    task = solara.lab.use_task(compute, dependencies=[asked, id(run)])
    if asked != id(run):
        solara.Button("What drives the decision? (about 15 s)", on_click=lambda: set_asked(id(run)),
                      outlined=True, classes=["ms-drivers-button"])
    elif task.pending:
        solara.Text("Setting each parameter to the ends of its range, one at a time...", classes=["ms-drivers"])
    elif task.error:
        solara.Warning("Not available: " + log_failure("The analysis", task.exception), classes=["ms-drivers"])
    elif task.value is not None:
        solara.Image(task.value, classes=["ms-figure", "ms-figure-tornado"])


@solara.component
def WhatLasts(runs, rev):
    """Per run: the gain kept 12 and 24 months after the programme (net of the secular trend, the
    retention rows' note beside it), what is kept, and what keeping it costs."""
    df = app_compute.what_lasts(runs)
    if df.empty:
        solara.Text("What lasts: being computed (needs the costing)...", classes=["ms-lasts"])
        return

    def pts(x):
        return "n/a" if x != x else f"{x:.1f}"

    def pct(x):
        return "n/a" if x != x else f"{x:.0f}%"

    show = pd.DataFrame({
        "scenario": df["scenario"], "kept after the programme": df["kept"],
        "gain at the end (points)": df["gain_end_pp"].map(pts),
        "12 months after": [f"{pts(g)} ({pct(k)})" for g, k in zip(df["gain_12m_pp"], df["retained_12m_pct"])],
        "24 months after": [f"{pts(g)} ({pct(k)})" for g, k in zip(df["gain_24m_pp"], df["retained_24m_pct"])],
        f"follow-up cost per facility-year ({app_econ.price_label()})":
            df["sustain_usd_per_facility_year"].map(lambda x: "n/a" if x != x else f"{x:,.0f}"),
    })
    solara.HTML(tag="div", unsafe_innerHTML=_table_html(show, "ms-table ms-lasts-table"))
    notes = sorted({n for n in df["net_of_trend"] if n})
    solara.Text("Composite gain over no mentorship (points, share of the end gain kept in brackets): "
                + (notes[0] if len(notes) == 1 else "each " + "; ".join(notes)) + ". Levers that make it "
                "last: local visits afterwards, WhatsApp and telementoring afterwards, the handover month.",
                style={"font-size": "12px", "color": "#555"}, classes=["ms-lasts-note"])


@solara.component
def Comparison(runs, rev):
    frame = app_compute.comparison_frame(runs)
    solara.HTML(tag="div", unsafe_innerHTML=_table_html(frame.drop(columns=["section"]), "ms-table ms-comparison"))


@solara.component
def Exports(runs, rev):
    names = app_levers.slug("_".join(r.name for r in runs))[:60]
    with solara.Row(classes=["ms-exports"], style={"flex-wrap": "wrap"}):
        solara.FileDownload(lambda: app_compute.comparison_csv(runs), filename=f"mentorsim_results_{names}.csv",
                            label="Download results table (CSV)", mime_type="text/csv")
        solara.FileDownload(lambda: app_figures.png(app_figures.dashboard(runs), dpi=90),
                            filename=f"mentorsim_results_{names}.png", label="Download figures (PNG)",
                            mime_type="image/png")
    solara.Text("The CSV is a results table: one row per scenario and quantity (mean and 95% interval over "
                "replicates) and each scenario's levers. To run a scenario again, save it as TOML.",
                style={"font-size": "12px", "color": "#555"})


@solara.component
def Saved():
    runs = saved.value
    cur = current.value
    can_save = cur is not None and all(r is not cur for r in runs) and len(runs) < MAX_SAVED \
        and not run_task.pending
    with solara.Row(classes=["ms-saved"], style={"flex-wrap": "wrap"}):
        solara.Button(f"Keep for comparison ({len(runs)}/{MAX_SAVED})", on_click=save_current,
                      disabled=not can_save, classes=["ms-save"])
        for r in runs:
            solara.Button(f"remove {r.name}", on_click=lambda name=r.name: remove_saved(name), text=True,
                          icon_name="mdi-close", classes=["ms-remove"])


@solara.component
def ProgressPanel():
    """Only this component reads the progress, so a tick redraws the bar and nothing else."""
    if run_task.pending:
        with solara.Div(classes=["ms-progress-box"]):
            solara.ProgressLinear(progress.value or True, classes=["ms-progress"])
            solara.Text(f"Running: {phase.value} ({progress.value:.0f}%)", classes=["ms-progress-text"])


@solara.component
def TopBar(checked):
    with solara.Div(classes=["ms-topbar"]):
        solara.HTML(tag="h1", unsafe_innerHTML="What a surgical mentorship programme buys")
        solara.Button("Levers" if not levers_open.value else "Hide levers",
                      on_click=lambda: levers_open.set(not levers_open.value), outlined=True,
                      icon_name="mdi-tune", classes=["ms-toggle-levers"])
        solara.Button("Run", on_click=start_run, color="primary", disabled=(not checked.ok) or run_task.pending,
                      classes=["ms-run"])
        ProgressPanel()


@solara.component
def UrlState():
    """Reads the address once (a shared link or a reload restores the levers), then keeps the
    address's query string equal to the levers as they are."""
    router = solara.use_router()
    query = current_query()

    def sync():
        if not url_applied.value:
            url_applied.set(True)
            if router.search:
                apply_query(router.search)
                return
        if query and (router.search or "") != query:
            router.push(f"{router.path or '/'}?{query}")

    solara.use_effect(sync, [query])


@solara.component
def Results():
    rev = revision.value  # passed to the panels: a run that gains its costs is the same object
    if run_error.value:
        solara.Error(run_error.value, classes=["ms-run-error"])
    if run_task.error:
        solara.Error(log_failure("The run", run_task.exception), classes=["ms-run-error"])
    runs = shown_runs()
    if not runs:
        solara.Info("No run yet: choose where to start, set the levers and press Run.", classes=["ms-no-run"])
        return
    if stale.value and run_task.pending:
        solara.Warning("Old results: they are from the previous run; the new run is computing.",
                       classes=["ms-stale-note"])
    elif current.value is not None and not run_task.pending:
        checked = check(values.value, _base())
        if checked.ok and (dict(checked.scenario.params) != dict(current.value.scenario.params)
                           or checked.seed != current.value.seed
                           or checked.replicates != current.value.replicates):
            solara.Text("The levers have changed since this run: press Run to see them.",
                        classes=["ms-changed-note"], style={"color": "#8a6d00"})
    with solara.Div(classes=["ms-result-body"]):
        if current.value is not None:
            Headline(current.value, rev)
        SavedCapacity(runs, rev)
        Saved()
        Exports(runs, rev)
        solara.Markdown("### Quality over time")
        Plot("composite", "Composite indicator")
        Plot("skills", "Skills")
        solara.Markdown("### Telementoring attendance")
        Plot("attendance", "Attendance")
        solara.Markdown("### Costs and cost per DALY averted")
        CostPanels(runs, rev)
        solara.Markdown("### What remains after the programme")
        WhatLasts(runs, rev)
        Plot("lasts", "What lasts")
        solara.Markdown("### Comparison table (mean [95% interval over replicates: seed noise only])")
        Comparison(runs, rev)


@solara.component
def Page():
    error, clear = solara.use_exception()  # anything that fails while drawing: one line, not a traceback
    if error is not None:
        solara.Title(PAGE_TITLE)
        solara.Error(log_failure("Drawing the page", error), classes=["ms-page-error"])
        solara.Button("Start again", on_click=lambda: (choose_preset(app_levers.DEFAULT_PRESET), clear()))
        return
    PageBody()


@solara.component
def PageBody():
    solara.Title(PAGE_TITLE)
    solara.Style(CSS)
    UrlState()
    checked = check(values.value, _base())
    TopBar(checked)
    with solara.Div(classes=["ms-main"]):
        with solara.Div(classes=["ms-panel"] + ([] if levers_open.value else ["ms-panel-closed"])):
            with solara.Div(classes=["ms-panel-body"]):
                Levers(checked)
        with solara.Div(classes=["ms-results"] + (["ms-stale"] if stale.value and run_task.pending else [])):
            solara.Markdown("Safe Surgery 2020 mentorship in Tanzania's Lake Zone: choose where to start, set "
                            "the levers and press **Run**. Bands show where 95% of single runs fall.")
            Results()


# --- server -----------------------------------------------------------------------------------

def serve(host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the page with uvicorn until interrupted (Ctrl-C). Blocks."""
    os.environ["SOLARA_APP"] = "mentorsim.app.page"
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    import solara.server.settings as settings
    import uvicorn
    settings.telemetry.mixpanel_enable = False
    settings.main.mode = "production"
    settings.theme.title = "mentorsim"
    from solara.server.starlette import app as asgi_app
    uvicorn.run(asgi_app, host=host, port=port, log_level="warning")
