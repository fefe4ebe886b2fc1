"""The pure entry points: one function to run a scenario, used by the CLI, sweeps,
calibration and sensitivity analysis alike.

``run(scenario, seed, replicates)`` returns a :class:`~mentorsim.results.Results` (e.g.
``run(load_scenario("ss2020"), seed=1, replicates=20).summary()["composite_month12_pct"]``);
``compare`` runs several scenarios with common random numbers;
``simulate(params, seed, replicate)`` runs one replicate and returns its RunOutput;
``evaluate(params, seed, replicate)`` returns just the scalar outcomes (a plain dict), the form
experiments and calibration want. Replicate ``r`` of seed ``s`` uses the same random streams
in every scenario (common random numbers), so differences between scenarios are the
intervention's, not noise.
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Mapping, Sequence

from mentorsim.model.loop import run_batch
from mentorsim.model.model import MentorshipModel
from mentorsim.results import Results, RunOutput, run_outcomes
from mentorsim.scenario import Scenario, default_scenario


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
    model = MentorshipModel(params, seed=seed, replicate=replicate)
    try:
        return RunOutput.from_model(model.run())
    finally:
        model.release()


def simulate_batch(points: Sequence[tuple[Mapping, int, int]]) -> list[RunOutput]:
    """Run many ``(params, seed, replicate)`` points week by week together (model/loop.py
    ``run_batch``: steps 7-13 of every run in one compiled pass over the run axis) and return
    their outputs in order. Each output is bit-identical to ``simulate(params, seed, replicate)``
    whatever the batch's size or make-up and the number of threads; runs of different lengths
    are batched by length, and a model large enough to be split into facility chunks runs alone.

    Examples:
        >>> from mentorsim import load_scenario, simulate
        >>> from mentorsim.runner import simulate_batch
        >>> p = load_scenario("ss2020").params
        >>> outs = simulate_batch([(p, 1, 0), (p, 1, 1)])
        >>> bool((outs[1].fac["composite"] == simulate(p, seed=1, replicate=1).fac["composite"]).all())
        True
    """
    outputs: list[RunOutput | None] = [None] * len(points)
    groups: dict[int, list[tuple[int, MentorshipModel]]] = {}
    for k, (params, seed, replicate) in enumerate(points):
        model = MentorshipModel(params, seed=seed, replicate=replicate)
        if len(model.chunks) > 1:
            try:
                outputs[k] = RunOutput.from_model(model.run())
            finally:
                model.release()
        else:
            groups.setdefault(model.time.total_weeks, []).append((k, model))
    for members in groups.values():
        try:
            run_batch([m for _, m in members])
            for k, model in members:
                outputs[k] = RunOutput.from_model(model)
        finally:
            for _, model in members:
                model.release()
    return outputs


def evaluate(params: Mapping, seed: int = 1, replicate: int = 0) -> dict[str, float]:
    """Run one replicate and return its named scalar outcomes (see results.OUTCOME_DOCS).

    Examples:
        >>> from mentorsim import evaluate, load_scenario
        >>> out = evaluate(load_scenario("ss2020").params, seed=1, replicate=0)
        >>> out["composite_month12_pct"] > out["composite_baseline_pct"]  # mentorship raises adherence
        True
    """
    return run_outcomes(simulate(params, seed, replicate))


def run(scenario: Scenario | None = None, seed: int = 1, replicates: int = 10,
        progress=None) -> Results:
    """Run ``replicates`` replicates of ``scenario`` (defaults if None) with run seed ``seed``.

    Args:
        progress: optional callable ``progress(done, total)`` called after each replicate.

    Examples:
        >>> from mentorsim import load_scenario, run
        >>> res = run(load_scenario("ss2020"), seed=1, replicates=3)
        >>> res.summary()["replicates"], len(res.outcome_table())
        (3, 3)
        >>> low, high = res.summary()["ci95"]["composite_month12_pct"]
        >>> low <= res.summary()["composite_month12_pct"] <= high
        True
    """
    scenario = scenario or default_scenario()
    if replicates < 1:
        raise ValueError("replicates must be at least 1")
    start = time.perf_counter()
    runs = []
    for r in range(replicates):
        runs.append(simulate(scenario.params, seed=seed, replicate=r))
        if progress:
            progress(r + 1, replicates)
    return Results(scenario=scenario, seed=seed, runs=runs, elapsed_s=time.perf_counter() - start)


def compare(scenarios: Sequence[Scenario], seed: int = 1, replicates: int = 10,
            progress=None) -> list[Results]:
    """Run several scenarios with the same seed and replicates (common random numbers).

    Examples:
        >>> from mentorsim import compare, load_scenario
        >>> ss, none = compare([load_scenario("ss2020"), load_scenario("no_mentorship")], seed=1, replicates=2)
        >>> ss.summary()["composite_month12_pct"] > none.summary()["composite_month12_pct"]
        True
    """
    total = len(scenarios) * replicates
    out = []
    for i, sc in enumerate(scenarios):
        cb = (lambda done, _t, i=i: progress(i * replicates + done, total)) if progress else None
        out.append(run(sc, seed=seed, replicates=replicates, progress=cb))
    return out


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
