"""The pure entry points: one function to run a scenario, used by the CLI, sweeps,
calibration and sensitivity analysis alike, and the model as Mesa users run it.

``run(scenario, seed, replicates)`` returns a :class:`~mentorsim.results.Results` (e.g.
``run(load_scenario("ss2020"), seed=1, replicates=20).summary()["composite_month12_pct"]``);
``compare`` runs several scenarios with common random numbers;
``simulate(params, seed, replicate)`` runs one replicate and returns its RunOutput;
``evaluate(params, seed, replicate)`` returns just the scalar outcomes (a plain dict), the form
experiments, calibration, SALib and EMA Workbench want; ``weekly(params, seed, replicate)``
returns one replicate's weekly series (a DataFrame, percent where the summary is in percent);
:class:`MentorshipModel` is the Mesa model with keyword construction, a ``datacollector`` and
an end, for ``mesa.batch_run`` and ``SolaraViz``. Replicate ``r`` of seed ``s`` uses the same
random streams in every scenario (common random numbers), so differences between scenarios are
the intervention's, not noise.
"""

from __future__ import annotations

import gc
import math
import os
import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from mentorsim import validation
from mentorsim.errors import InputError
from mentorsim.model import model as kernel  # imports Mesa, keeping the start method (model/__init__.py)
from mentorsim.model.facilities import Facility
from mentorsim.model.loop import run_batch
from mentorsim.model.people import DOMAINS
from mentorsim.parameters.interop import canonical
from mentorsim.results import OUTCOME_DOCS, Results, RunOutput, run_outcomes
from mentorsim.scenario import Scenario, checked_params, default_scenario, load_scenario

#: Largest run seed (numpy's SeedSequence takes any non-negative integer; this keeps seeds in int64).
SEED_MAX = 2**63 - 1


def simulate(params: Mapping, seed: int = 1, replicate: int = 0) -> RunOutput:
    """Run one replicate of a full parameter set; return its output (the model is released).

    Examples:
        >>> from mentorsim import load_scenario, simulate
        >>> out = simulate(load_scenario("ss2020").params, seed=1, replicate=0)
        >>> out.programme_weeks, out.n_intervention
        (74, 10)
        >>> out.fac["composite"].shape  # (weeks + 1, intervention + comparison facilities)
        (179, 20)
    """
    model = kernel.MentorshipModel(params, seed=seed, replicate=replicate)
    try:
        return RunOutput.from_model(model.run())
    finally:
        model.release()
        settle_heap(1)


#: Runs after which a process's surviving objects are set aside from the garbage collector, once
#: (:func:`settle_heap`). Until then the collector's full passes walk every object the process
#: holds (~200,000 once Mesa, pandas and the compiled kernels are loaded), ~0.1 s each: with
#: models freed when dropped (model/weak.py) one every ~1,600 ss2020 runs, 0.073-0.076 ms a run
#: over 4,800 runs against 0.026-0.027 ms settled (benchmarks/bench_collector.py; before
#: model/weak.py, one every ~250 runs: 0.39 ms a run). Settling costs one such pass, so it pays in
#: processes that run many more runs than this (sweep and calibration workers, a PSA).
SETTLE_AFTER_RUNS = 256
_runs_here = [0, 0]  # [process id, runs finished in it]


def settle_heap(runs: int) -> bool:
    """Count ``runs`` more runs finished in this process; when the count first reaches
    SETTLE_AFTER_RUNS, collect the garbage, then freeze what survives (``gc.freeze``: modules,
    compiled kernels, kept settings) so later collections walk only the objects made since. Once
    a process (a forked worker counts its own runs); True when it settled now. Memory is not
    affected: frozen objects are live, and garbage made later is collected as before.

    Examples:
        >>> from mentorsim.runner import settle_heap
        >>> settle_heap(0)
        False
    """
    pid = os.getpid()
    if _runs_here[0] != pid:
        _runs_here[:] = [pid, 0]
    before = _runs_here[1]
    _runs_here[1] = before + runs
    if before < SETTLE_AFTER_RUNS <= before + runs:
        gc.collect()
        gc.freeze()
        return True
    return False


def _run_params(params, overrides: Mapping, source: str) -> Mapping:
    """Every parameter for one run: a Scenario's (already checked), or the defaults with
    ``params`` and ``overrides`` applied and checked like a scenario file."""
    if isinstance(params, Scenario):
        if not overrides:
            return params.params
        return params.with_params({canonical(str(k)): v for k, v in overrides.items()}, source=source,
                                  text=False).params
    if params is not None and not isinstance(params, Mapping):
        raise InputError(f"{source}: params = {type(params).__name__}: must be a mapping of parameter "
                         "names to values, or a Scenario")
    return checked_params({**(params or {}), **overrides}, source)


def _seed(source: str, seed, replicate) -> tuple[int, int]:
    return (validation.whole(source, "seed", seed, 0, SEED_MAX),
            validation.whole(source, "replicate", replicate, 0, SEED_MAX))


def simulate_batch(points: Sequence[tuple[Mapping, int, int]], batch: int | None = None) -> list[RunOutput]:
    """Run many ``(params, seed, replicate)`` points week by week together (model/loop.py
    ``run_batch``: each compiled step of every run in one pass over the run axis) and return
    their outputs in order. Each output is bit-identical to ``simulate(params, seed, replicate)``
    whatever the batch's size or make-up and the number of threads; runs of different lengths
    are batched by length, and a model large enough to be split into facility blocks runs alone.

    Args:
        batch: most runs advanced together. By default ``batch_size()`` runs, advanced together
            up to BATCH_POSTS posts in all (larger models fewer at a time, one alone from that
            size on). Given, exactly that many runs are advanced together. Models are built
            batch by batch, so only one batch's models are in memory at a time.

    Examples:
        >>> from mentorsim import load_scenario, simulate
        >>> from mentorsim.runner import simulate_batch
        >>> p = load_scenario("ss2020").params
        >>> outs = simulate_batch([(p, 1, 0), (p, 1, 1)])
        >>> bool((outs[1].fac["composite"] == simulate(p, seed=1, replicate=1).fac["composite"]).all())
        True
    """
    posts = BATCH_POSTS if batch is None else None  # the most posts advanced together (None: any)
    if batch is None:
        batch = batch_size()
    if batch < 1:
        raise ValueError(f"batch = {batch}: must be at least 1")
    if batch < len(points):
        return [out for lo in range(0, len(points), batch)
                for out in _simulate_together(points[lo:lo + batch], posts)]
    return _simulate_together(points, posts)


def _simulate_together(points: Sequence[tuple[Mapping, int, int]], posts: int | None) -> list[RunOutput]:
    """:func:`simulate_batch` of ``points``, all built at once, advanced together (by length) up
    to ``posts`` posts at a time (None: all of a length at once)."""
    outputs: list[RunOutput | None] = [None] * len(points)
    groups: dict[int, list[tuple[int, kernel.MentorshipModel]]] = {}
    for k, (params, seed, replicate) in enumerate(points):
        model = kernel.MentorshipModel(params, seed=seed, replicate=replicate)
        if len(model.blocks) > 1:
            try:
                outputs[k] = RunOutput.from_model(model.run())
            finally:
                model.release()
        else:
            groups.setdefault(model.time.total_weeks, []).append((k, model))
    for members in groups.values():
        for part in _up_to_posts(members, posts):
            try:
                if len(part) == 1:
                    part[0][1].run()  # one run: the plain loop, as simulate() runs it
                else:
                    run_batch([m for _, m in part])
                for k, model in part:
                    outputs[k] = RunOutput.from_model(model)
            finally:
                for _, model in part:
                    model.release()
    settle_heap(len(points))
    return outputs


def _up_to_posts(members: list, posts: int | None) -> list[list]:
    """``members`` ((index, model) pairs) in consecutive parts of at most ``posts`` posts in all,
    or of one model (None: one part)."""
    if posts is None:
        return [members]
    parts: list[list] = []
    total = posts  # a new part is started at the first member
    for member in members:
        n = member[1].providers.n
        if total + n > posts:
            parts.append([])
            total = 0
        parts[-1].append(member)
        total += n
    return parts


#: Runs a batch advances together. A run takes its own weeks in spans (loop.span_runs), its state
#: in cache whatever the batch's size, so the size changes little: ss2020, CPU a run, 4.36 ms
#: 16 at a time, 4.38 ms 100 together, 4.52 ms one at a time (benchmarks/bench_batch.py
#: --batch 16 100, session 22). It bounds the models in memory at once and how often a caller
#: sees progress. A batch of small models stays on one thread (loop.run_batch), so the size
#: does not depend on the threads.
BATCH_RUNS = 16
#: Posts a default batch advances together at most (16 ss2020 runs hold 7,296): larger models go
#: fewer at a time, from this size one at a time, which bounds memory (a 200-facility model,
#: ~4,200 posts, costs the same CPU a run alone or 10 together: 27.5 against 28.2 ms, session 22).
BATCH_POSTS = 8_000


def batch_size() -> int:
    """How many runs to batch (``simulate_batch``'s default, also in posts: BATCH_POSTS):
    BATCH_RUNS. The size changes only speed, never results."""
    return BATCH_RUNS


def simulate_each(points: Sequence[tuple[Mapping, int, int]], batch: int | None = None) -> Iterator[RunOutput]:
    """The outputs of ``(params, seed, replicate)`` points in order, run ``batch`` at a time
    (default ``batch_size()``) through :func:`simulate_batch`, each bit-identical to
    ``simulate(params, seed, replicate)``. A batch's outputs are yielded as soon as it is done, so
    a caller reporting progress after each output moves a batch at a time. If a batch raises, its
    runs are redone one at a time, so a failing run raises its own error after the outputs of
    the runs before it, as when runs were never batched.

    Examples:
        >>> from mentorsim import load_scenario, simulate
        >>> from mentorsim.runner import simulate_each
        >>> p = load_scenario("ss2020").params
        >>> [out.n_intervention for out in simulate_each([(p, 1, 0), (p, 1, 1)])]
        [10, 10]
    """
    for part, outs in batches(points, batch):
        if outs is None:  # again one by one: the failing run fails alone, with its own error
            for params, seed, replicate in part:
                yield simulate(params, seed, replicate)
        else:
            yield from outs


def batches(points: Sequence, batch: int | None = None) -> Iterator[tuple[Sequence, list[RunOutput] | None]]:
    """``(part, outputs)`` for each ``batch`` (default ``batch_size()``) consecutive points, in
    order: the outputs of :func:`simulate_batch` on the part, or None if it raised (the caller
    then runs the part's points one at a time, so a failing run fails alone). Computed when the
    pair is asked for, so the time between pairs is the batch's."""
    size = batch or batch_size()
    if size < 1:
        raise ValueError(f"batch = {size}: must be at least 1")
    for lo in range(0, len(points), size):
        part = points[lo:lo + size]
        try:
            outs = simulate_batch(part)
        except (Exception, SystemExit):
            outs = None
        yield part, outs


def evaluate(params: Mapping | Scenario | None = None, seed: int = 1, replicate: int = 0, *,
             errors: str = "raise", **overrides) -> dict[str, float]:
    """Run one replicate and return its named scalar outcomes (see results.OUTCOME_DOCS).

    Args:
        params: some or all parameters by dotted name or alias (the defaults fill the rest), or a
            Scenario; checked exactly like a scenario file.
        overrides: more parameters as keyword arguments (aliases such as
            ``visits__interval_weeks``, or dotted names through ``**``), as EMA Workbench passes
            its uncertainties.
        errors: ``"raise"`` (an invalid design point raises InputError) or ``"nan"`` (every
            outcome NaN instead, so one bad point does not stop a whole experiment).

    Raises:
        InputError: an unknown key (with a did-you-mean), a wrong type, a fractional value for a
            whole-number parameter, a string for a switch, a value out of range or an impossible
            combination: one line naming the key, the value and what is allowed.

    Examples:
        >>> from mentorsim import evaluate
        >>> out = evaluate({"visits.interval_weeks": 4}, seed=1, replicate=0)
        >>> out["composite_month12_pct"] > out["composite_baseline_pct"]  # mentorship raises adherence
        True
        >>> evaluate({"visits.interval_week": 4}, seed=1, replicate=0)
        Traceback (most recent call last):
        ...
        mentorsim.errors.InputError: evaluate(): visits.interval_week: unknown parameter; ... (did you mean visits.interval_weeks?)
    """
    validation.choice("evaluate()", "errors", errors, ("raise", "nan"))
    try:
        seed, replicate = _seed("evaluate()", seed, replicate)
        p = _run_params(params, overrides, "evaluate()")
    except InputError:
        if errors == "nan":
            return dict.fromkeys(OUTCOME_DOCS, math.nan)
        raise
    return run_outcomes(simulate(p, seed, replicate))


def weekly(params: Mapping | Scenario | None = None, seed: int = 1, replicate: int = 0,
           **overrides) -> pd.DataFrame:
    """One replicate's weekly series: one row per week and arm (intervention, comparison), the
    columns of :meth:`Results.timeseries` (``composite_pct``, ``ssc_use_pct``, ... in percent as in
    the summary; ``skill_*`` and ``knowledge_*`` 0-1; counts per week). Week 0 is the baseline,
    week ``w`` the state after ``w`` weeks; ``month`` is ``week / (52/12)``. Parameters are checked
    as in :func:`evaluate`.

    Examples:
        >>> from mentorsim import weekly
        >>> df = weekly({"visits.interval_weeks": 4}, seed=1)
        >>> int(df.loc[df["arm"] == "intervention", "week"].max()), "composite_pct" in df
        (178, True)
    """
    seed, replicate = _seed("weekly()", seed, replicate)
    p = _run_params(params, overrides, "weekly()")
    sc = params if isinstance(params, Scenario) else default_scenario("weekly")
    out = simulate(p, seed, replicate)
    return Results(scenario=sc, seed=seed, runs=[out]).timeseries().drop(columns="scenario")


def _intervention_mean(key: str):
    return lambda m: float(100 * m.record.fac[key][m.week, :m.facilities.n_intervention].mean()) \
        if m.facilities.n_intervention else math.nan


def _ssi_rate(m) -> float:
    n, w = m.facilities.n_intervention, m.week
    ops = m.record.fac["operations"][w, :n].sum()
    return float(100 * m.record.fac["ssi_expected"][w, :n].sum() / ops) if ops > 0 else math.nan


def _arm_domain(key: str, d: int):
    return lambda m: float(m.record.arm_domain[key][m.week, 0, d])


def _facility(key: str, scale: float = 1.0):
    return lambda a: float(scale * a.model.record.fac[key][a.model.week, a.index])


#: Model reporters collected every week (intervention arm; named like Results.timeseries columns).
WEEKLY_REPORTERS = {
    "week": "week",
    "composite_pct": _intervention_mean("composite"),
    "safety_pct": _intervention_mean("safety"),
    "teamwork_pct": _intervention_mean("teamwork"),
    "ssc_use_pct": _intervention_mean("ssc_use"),
    "ssi_rate_pct": _ssi_rate,
    "comparison_composite_pct": lambda m: float(100 * m.record.fac["composite"][
        m.week, m.facilities.n_intervention:].mean()) if m.facilities.n > m.facilities.n_intervention
    else math.nan,
} | {f"skill_{d}": _arm_domain("skill", j) for j, d in enumerate(DOMAINS)} \
  | {f"knowledge_{d}": _arm_domain("knowledge", j) for j, d in enumerate(DOMAINS)}

#: Facility reporters collected every week (agent-type reporters of Facility agents).
FACILITY_REPORTERS = {
    "arm": "arm", "level": "level", "region": "region",
    "composite_pct": _facility("composite", 100), "ssc_use_pct": _facility("ssc_use", 100),
    "visits": _facility("visits"), "leadership": _facility("leadership"),
}


class MentorshipModel(kernel.MentorshipModel):
    """The model as Mesa users expect it: built from keywords with defaults, validated like a
    scenario file, with a ``datacollector`` and an end.

    ``MentorshipModel()`` is the programme as run (the shipped ``ss2020`` scenario, seed 1).
    Parameters come from ``scenario`` (a Scenario, or a shipped name or TOML path), then
    ``params`` (a mapping), then keyword ``overrides`` (aliases such as
    ``visits__interval_weeks=4``, or dotted names through ``**``, as ``mesa.batch_run`` passes
    them). ``running`` turns False after the follow-up's last week, so ``run_model()`` and
    ``mesa.batch_run`` stop by themselves, and the model is then released (Mesa keeps no
    reference to it). Every agent (facilities, providers, mentors) is in ``model.agents`` from the
    start; mentors who join later are added when they join.

    ``model.datacollector`` collects after every step (row ``i`` is the state after week
    ``i + 1``; the ``week`` reporter says which): the weekly intervention-arm series of
    ``WEEKLY_REPORTERS`` (``composite_pct``, ``ssc_use_pct``, ``ssi_rate_pct``, ``skill_*``, ...),
    every run-summary outcome of ``results.OUTCOME_DOCS`` (NaN until the run ends, then the
    values :func:`evaluate` returns), and ``FACILITY_REPORTERS`` per Facility agent
    (``get_agenttype_vars_dataframe(Facility)``).

    Args:
        params: some or all parameters (dotted names or aliases).
        seed: run seed (default 1); ``rng`` may be given instead: an int is the seed, anything
            ``numpy.random.default_rng`` takes gives one draw as the seed.
        replicate: replicate number (0-based); with the seed it fixes every random stream.
        scenario: where the parameters start (default ``"ss2020"``).

    Raises:
        InputError: any bad key or value, as a scenario file would.

    Examples:
        >>> from mentorsim import MentorshipModel, evaluate
        >>> import mesa
        >>> model = MentorshipModel(seed=1)
        >>> model.run_model()
        >>> model.running, model.week == model.time.total_weeks, len(model.agents) > 400
        (False, True, True)
        >>> df = model.datacollector.get_model_vars_dataframe()
        >>> len(df), bool(df["composite_month12_pct"].iloc[-1] == evaluate(seed=1)["composite_month12_pct"])
        (178, True)
        >>> runs = mesa.batch_run(MentorshipModel, {"visits.interval_weeks": [4, 13], "seed": [1, 2]},
        ...                       max_steps=10_000, display_progress=False)
        >>> len(runs), sorted({r["visits.interval_weeks"] for r in runs})
        (4, [4, 13])
    """

    def __init__(self, params: Mapping | None = None, seed: int | None = None, replicate: int = 0, *,
                 scenario: Scenario | str | Path | None = None, rng=None, **overrides):
        source = "MentorshipModel()"
        if seed is not None and rng is not None:
            raise InputError(f"{source}: seed = {seed!r}, rng = {rng!r}: give a seed or an rng, not both")
        if rng is not None:
            seed = rng if validation.is_number(rng) else int(np.random.default_rng(rng).integers(2**62))
        seed, replicate = _seed(source, 1 if seed is None else seed, replicate)
        if scenario is None:
            scenario = load_scenario("ss2020")
        elif not isinstance(scenario, Scenario):
            scenario = load_scenario(scenario)
        self.scenario = scenario
        p = _run_params(scenario, {**(params or {}), **overrides}, source) \
            if (params or overrides) else scenario.params
        super().__init__(p, seed=seed, replicate=replicate)
        self.facility_agents  # noqa: B018  (every agent in model.agents from the start)
        self.provider_agents  # noqa: B018
        self.outcomes: dict[str, float] = {}
        summary = {k: (lambda m, k=k: m.outcomes.get(k, math.nan)) for k in OUTCOME_DOCS}
        self.datacollector = kernel.mesa.DataCollector(model_reporters=WEEKLY_REPORTERS | summary,
                                                agenttype_reporters={Facility: dict(FACILITY_REPORTERS)})

    def step(self) -> None:
        """One week, then the data collection (and, after the last week, the run's outcomes)."""
        super().step()
        if self.finished:
            self.outcomes = run_outcomes(RunOutput.from_model(self))
        self.datacollector.collect(self)

    def run(self) -> MentorshipModel:
        """Run to the end through :meth:`step` (collecting data every week)."""
        self.run_model()
        return self

    def output(self) -> RunOutput:
        """The run's output (as :func:`simulate` returns it)."""
        return RunOutput.from_model(self)


def run(scenario: Scenario | None = None, seed: int = 1, replicates: int = 10,
        progress=None) -> Results:
    """Run ``replicates`` replicates of ``scenario`` (defaults if None) with run seed ``seed``,
    ``batch_size()`` at a time (:func:`simulate_each`: each bit-identical to ``simulate``).

    Args:
        progress: optional callable ``progress(done, total)`` called after each replicate (those
            of a batch together, as the batch finishes).

    Examples:
        >>> from mentorsim import load_scenario, run
        >>> res = run(load_scenario("ss2020"), seed=1, replicates=3)
        >>> res.summary()["replicates"], len(res.outcome_table())
        (3, 3)
        >>> low, high = res.summary()["ci95"]["composite_month12_pct"]
        >>> low <= res.summary()["composite_month12_pct"] <= high
        True
    """
    return compare([scenario or default_scenario()], seed=seed, replicates=replicates, progress=progress)[0]


def compare(scenarios: Sequence[Scenario], seed: int = 1, replicates: int = 10,
            progress=None) -> list[Results]:
    """Run several scenarios with the same seed and replicates (common random numbers). The runs
    of every scenario are batched together (:func:`simulate_each`, in order: each scenario's
    replicates, scenario by scenario), so a batch may hold runs of two scenarios; each scenario's
    ``elapsed_s`` is an equal share of the wall time of all the runs.

    Examples:
        >>> from mentorsim import compare, load_scenario
        >>> ss, none = compare([load_scenario("ss2020"), load_scenario("no_mentorship")], seed=1, replicates=2)
        >>> ss.summary()["composite_month12_pct"] > none.summary()["composite_month12_pct"]
        True
    """
    if replicates < 1:
        raise ValueError("replicates must be at least 1")
    points = [(sc.params, seed, r) for sc in scenarios for r in range(replicates)]
    total = len(points)
    runs: list[RunOutput] = []
    start = time.perf_counter()
    for out in simulate_each(points):
        runs.append(out)
        if progress:
            progress(len(runs), total)
    each = (time.perf_counter() - start) / max(1, len(scenarios))
    return [Results(scenario=sc, seed=seed, runs=runs[i * replicates:(i + 1) * replicates], elapsed_s=each)
            for i, sc in enumerate(scenarios)]


def unique_names(scenarios: Iterable[Scenario]) -> list[Scenario]:
    """Rename scenarios that share a name (``name``, ``name-2``, ...) so tables stay readable."""
    seen: dict[str, int] = {}
    out = []
    for sc in scenarios:
        k = seen.get(sc.name, 0) + 1
        seen[sc.name] = k
        if k > 1:
            sc = Scenario(name=f"{sc.name}-{k}", description=sc.description, params=sc.params,
                          overrides=sc.overrides, source=sc.source)
        out.append(sc)
    return out
