"""The web page for policy makers: set the programme's levers, see what it buys and what lasts.

``mentorsim app [--port P] [--host H]`` serves this page locally (Solara on uvicorn; ``serve``).
The page starts from scenarios/ss2020.toml; each lever is one parameter (app_levers.LEVERS) and
is checked as the CLI checks ``--set``: a bad value shows its one-line message beside the field
and the Run button waits until every field is valid. A run simulates the scenario and the
comparison arm (no mentorship in the same setting, same seed) over the replicates
(app_compute.run_scenario), then costs them (app_econ). Up to four runs can be saved and are
shown side by side with the current one; the comparison exports as CSV and PNG. A run whose
mentor pool cannot make the scheduled visits opens its headline with the capacity warning
(share of visits missed; app_compute.capacity_warnings), pointing to ``mentorsim plan-pool``.

Everything the page shows is computed in app_compute, app_econ and app_figures, which the
report (report.py) uses too; this module holds only the layout and the page's state.
"""

from __future__ import annotations

import os
import sys
import threading

import pandas as pd
import solara
import solara.lab

from mentorsim.policy import compute as app_compute
from mentorsim.policy import economics as app_econ
from mentorsim.policy import figures as app_figures
from mentorsim.policy.levers import LEVERS, PARAM_LEVERS, as_text, base_scenario, check, describe, initial_values

MAX_SAVED = 4
PAGE_TITLE = "mentorsim: what a surgical mentorship programme buys"

# --- page state (Solara keeps one copy per browser session) ------------------------------------
values = solara.reactive({k: (v if isinstance(v, bool) else as_text(v)) for k, v in initial_values().items()})
scenario_name = solara.reactive("custom")
progress = solara.reactive(0.0)
phase = solara.reactive("")
current = solara.reactive(None)  # app_compute.ScenarioRun
saved = solara.reactive([])  # list[ScenarioRun]
figures = solara.reactive({})  # name -> PNG bytes for the shown comparison
run_error = solara.reactive("")
revision = solara.reactive(0)  # bumped when a run gains its costs (the run object stays the same)

_BASE = None
_BASE_LOCK = threading.Lock()


def _base():
    global _BASE
    with _BASE_LOCK:
        if _BASE is None:
            _BASE = base_scenario()
        return _BASE


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
    name = name.strip() or "custom"
    out, k = name, 1
    while out in taken:
        k += 1
        out = f"{name}-{k}"
    return out


@solara.lab.task(prefer_threaded=True)
def run_task():
    """Run the scenario the levers describe; publish outcomes first, costs when they are done."""
    checked = check(values.value, _base())
    if not checked.ok:
        run_error.set("Fix the fields marked in red first.")
        return
    run_error.set("")
    progress.set(0.0)
    phase.set("simulating the scenario and no mentorship")
    taken = {r.name for r in saved.value}
    name = _unique(scenario_name.value, taken)

    def on_progress(done, total):
        pct = round(100.0 * done / total / 5) * 5  # steps of 5%: each change redraws the bar
        if pct != progress.value:
            progress.set(pct)

    def on_core(run):
        figures.set(_draw(shown_runs(run), with_costs=False))
        current.set(run)
        phase.set("costing")

    try:
        run = app_compute.run_scenario(checked.scenario, checked.seed, checked.replicates,
                                       progress=on_progress, name=name, on_core=on_core)
    except Exception as exc:  # noqa: BLE001 - the page keeps working and says what happened
        import traceback
        traceback.print_exc(file=sys.stderr)
        run_error.set(f"The run failed: {type(exc).__name__}: {exc}")
        phase.set("")
        return
    phase.set("drawing")
    figures.set(_draw(shown_runs(run), with_costs=True))
    current.set(run)
    revision.set(revision.value + 1)
    progress.set(100.0)
    phase.set("")


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


# --- components -------------------------------------------------------------------------------

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
def Levers():
    checked = check(values.value, _base())
    solara.Markdown("### Levers\nStarts from **ss2020**, the programme as run. Each field is one "
                    "parameter; values are checked as `mentorsim run --set` checks them.")
    for lever in LEVERS:
        LeverField(lever, checked.field_errors)
    if checked.general_error:
        solara.Error(checked.general_error, classes=["ms-general-error"])
    solara.InputText("Scenario name", value=scenario_name, continuous_update=True, classes=["ms-name"])
    solara.Button("Run", on_click=run_task, color="primary", disabled=(not checked.ok) or run_task.pending,
                  classes=["ms-run"], block=True)
    if not checked.ok:
        solara.Text("Fix the fields marked in red to run.", classes=["ms-fix-fields"])
    with solara.Row():
        solara.Button("Reset levers", on_click=lambda: values.set(
            {k: (v if isinstance(v, bool) else as_text(v)) for k, v in initial_values().items()}),
            text=True, classes=["ms-reset"])


def _table_html(df: pd.DataFrame, cls: str) -> str:
    return df.to_html(index=False, classes=cls, border=0, na_rep="n/a", escape=True)


TABLE_CSS = """
<style>
table.ms-table { border-collapse: collapse; font-size: 13px; margin: 6px 0 12px 0; }
table.ms-table th, table.ms-table td { border-bottom: 1px solid #ddd; padding: 3px 8px; text-align: right; }
table.ms-table td:first-child, table.ms-table th:first-child { text-align: left; }
</style>
"""


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
    if "cost_per_dalys_averted" in econ:
        c = econ["cost_per_dalys_averted"][0]
        lines.append(f"Net cost per DALY averted: **{c:,.0f}** ({app_econ.price_label()})" if c == c
                     else "Net cost per DALY averted: not defined (no DALYs averted)")
    else:
        lines.append("Costs: " + (run.econ_message or "being computed..."))
    took = f"; {run.elapsed_s:.1f} s" if run.elapsed_s > 0 else ""
    lines.append(f"{run.replicates} replicates, seed {run.seed}{took}; {describe(run.scenario)}")
    with solara.Card(f"Current run: {run.name}", classes=["ms-headline"]):
        for _, text in app_compute.capacity_warnings([run]):  # first: the pool cannot make the visits
            solara.Warning(text, classes=["ms-capacity-warning"])
        solara.Markdown("\n\n".join("- " + x for x in lines))


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
    solara.HTML(tag="div", unsafe_innerHTML=TABLE_CSS + _table_html(show, "ms-table ms-cost-table"))
    with solara.Columns([1, 1]):
        Plot("costs", "Costs by item")
        Plot("plane", "Cost against effect")
    if app_compute.same_setting(runs) and len(strategies) == len(runs):
        inc = app_econ.incremental(app_compute.strategies(runs))
        tab = pd.DataFrame({
            "strategy": inc["strategy"], "net cost": inc["cost"].map("{:,.0f}".format),
            "DALYs averted": inc["effect"].map("{:,.1f}".format), "status": inc["status"],
            "vs": inc["reference"].fillna("-"),
            "ICER (per DALY averted)": inc["icer"].map(lambda x: "-" if x != x else f"{x:,.0f}"),
            "note": inc["note"]})
        solara.Markdown("**Incremental analysis** (strategies sorted by cost; dominated ones removed; "
                        "ICERs along the efficiency frontier):")
        solara.HTML(tag="div", unsafe_innerHTML=_table_html(tab, "ms-table ms-icer-table"))
        wtp = app_econ.wtp_table(app_compute.strategies(runs))
        solara.Markdown("Choice at each willingness to pay per DALY averted: " + "; ".join(
            f"{r.gdp_multiple:g} x GDP per capita ({r.wtp:,.0f}): **{r.best}**" for r in wtp.itertuples()))
    else:
        solara.Info("The incremental analysis needs the scenarios in one setting (facilities, horizon, "
                    "seed, replicates); each is shown against its own no-mentorship run instead.")


@solara.component
def Comparison(runs, rev):
    frame = app_compute.comparison_frame(runs)
    solara.HTML(tag="div", unsafe_innerHTML=_table_html(frame.drop(columns=["section"]), "ms-table ms-comparison"))


@solara.component
def Exports(runs, rev):
    names = "_".join(r.name for r in runs)[:60]
    with solara.Row(classes=["ms-exports"]):
        solara.FileDownload(lambda: app_compute.comparison_csv(runs), filename=f"mentorsim_{names}.csv",
                            label="Download comparison (CSV)", mime_type="text/csv")
        solara.FileDownload(lambda: app_figures.png(app_figures.dashboard(runs), dpi=90),
                            filename=f"mentorsim_{names}.png", label="Download comparison (PNG)",
                            mime_type="image/png")


@solara.component
def Saved():
    runs = saved.value
    cur = current.value
    can_save = cur is not None and all(r is not cur for r in runs) and len(runs) < MAX_SAVED \
        and not run_task.pending
    with solara.Row(classes=["ms-saved"]):
        solara.Button(f"Save for comparison ({len(runs)}/{MAX_SAVED})", on_click=save_current,
                      disabled=not can_save, classes=["ms-save"])
        for r in runs:
            solara.Button(f"remove {r.name}", on_click=lambda name=r.name: remove_saved(name), text=True,
                          icon_name="mdi-close", classes=["ms-remove"])


@solara.component
def ProgressPanel():
    """Only this component reads the progress, so a tick redraws the bar and nothing else."""
    if run_task.pending:
        solara.ProgressLinear(progress.value or True, classes=["ms-progress"])
        solara.Text(f"Running: {phase.value} ({progress.value:.0f}%)", classes=["ms-progress-text"])


@solara.component
def Page():
    solara.Title(PAGE_TITLE)
    with solara.Sidebar():
        Levers()
    solara.Markdown("Safe Surgery 2020 mentorship in Tanzania's Lake Zone: set the levers on the left and "
                    "press **Run**. Bands show where 95% of single runs fall.")
    ProgressPanel()
    rev = revision.value  # passed to the panels: a run that gains its costs is the same object
    if run_error.value:
        solara.Error(run_error.value, classes=["ms-run-error"])
    if run_task.error:
        solara.Error(f"The run failed: {run_task.exception}", classes=["ms-run-error"])
    runs = shown_runs()
    if not runs:
        solara.Info("No run yet: press Run to simulate ss2020 as set.", classes=["ms-no-run"])
        return
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
    solara.Markdown("### Costs and cost per unit of effect")
    CostPanels(runs, rev)
    solara.Markdown("### What remains after the programme")
    Plot("lasts", "What lasts")
    solara.Markdown("### Comparison table (mean [95% CI] over replicates)")
    Comparison(runs, rev)


# --- server -----------------------------------------------------------------------------------

def serve(host: str = "127.0.0.1", port: int = 8765) -> None:
    """Serve the page with uvicorn until interrupted (Ctrl-C). Blocks."""
    os.environ["SOLARA_APP"] = "mentorsim.app.page"
    os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "False")
    os.environ["SERVER_NAME"] = host
    os.environ["SERVER_PORT"] = str(port)
    import uvicorn
    import solara.server.settings as settings
    settings.telemetry.mixpanel_enable = False
    settings.main.mode = "production"
    settings.theme.title = "mentorsim"
    from solara.server.starlette import app as asgi_app
    uvicorn.run(asgi_app, host=host, port=port, log_level="warning")
