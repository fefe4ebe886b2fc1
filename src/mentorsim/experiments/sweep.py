"""Running an experiment's design: every (design point, replicate) once, stored as it finishes.

Run ``point * replicates + replicate`` evaluates the target at design point ``point`` with the
experiment seed and replicate number ``replicate``, for the model
``runner.evaluate(params, seed=experiment.seed, replicate=replicate)``. Replicate ``r`` therefore
shares its random streams across all design points (common random numbers), and so does its draw
of the calibrated parameters the design does not vary (designs.calibrated_draws: one posterior
row per replicate by default, stored with the run as columns named as the parameters plus
``posterior_row``); a run's result
depends on nothing but its index: serial, local-parallel and Dask sweeps give identical results,
and a resumed sweep gives what an uninterrupted one would have.

Runs go to the executor in chunks; finished chunks are written to the run store (store.py) in
transactions about once a second. A run whose point is invalid (a combination the scenario checks
refuse) or whose target raises is stored as ``failed`` with its error, and the sweep goes on.
When every run is stored, the sweep exports ``runs.csv``, ``runs.parquet``, ``columns.csv`` (each
column's unit, type, description and source), ``points.csv`` (mean and 95% interval over replicates
per point), a plot, and ``manifest.json`` last; while runs are missing there is no manifest, so a
partial sweep never looks complete. Column types are declared (:func:`export_columns`), not
inferred, so two sweeps' tables concatenate; ``pandas.read_parquet`` gives the provenance
(:data:`ATTRS_KEYS`) in ``DataFrame.attrs``.
"""

from __future__ import annotations

import inspect
import math
import os
import socket
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from tqdm import tqdm

from mentorsim.errors import input_error
from mentorsim.executors import LocalExecutor, in_background
from mentorsim.experiments.designs import (
    Design,
    build_design,
    calibrated_draws,
    design_hash,
    experiment_posterior,
    posterior_fingerprint,
)
from mentorsim.experiments.experiment import POSTERIOR_ROW, Experiment, calibration_notice, resolve_target
from mentorsim.experiments.store import (
    STORE_FILE,
    Column,
    RunRecord,
    RunStore,
    fixed_columns,
    pq_write,
    write_columns_csv,
)
from mentorsim.output_folder import dumps, output_dir, write_csv
from mentorsim.parameters.model_table import PARAMS_BY_NAME
from mentorsim.provenance import metadata
from mentorsim.results import OUTCOME_DOCS, batch_outcomes, interval, run_outcomes
from mentorsim.runner import batch_size, batches, evaluate, simulate
from mentorsim.scenario import default_scenario

#: Seconds between commits of finished runs.
FLUSH_SECONDS = 1.0
MAX_CHUNK = 64


@dataclass(frozen=True)
class Job:
    """What a worker needs to compute any run of a sweep (small; sent with every chunk)."""

    key: str
    target: str
    seed: int
    outputs: tuple[str, ...]
    base_overrides: Mapping[str, Any]


@dataclass
class SweepSummary:
    """How a sweep went."""

    out: Path
    total: int
    done: int
    failed: int
    ran: int
    skipped: int
    elapsed_s: float
    complete: bool
    executor: str
    workers: int

    @property
    def rate(self) -> float:
        return self.ran / self.elapsed_s if self.elapsed_s > 0 else float("nan")


# -- in the worker -------------------------------------------------------------------------------
_CACHE: dict = {}


def _base(job: Job):
    key = ("base", job.key)
    if key not in _CACHE:
        _CACHE[key] = default_scenario().with_params(dict(job.base_overrides), source="base")
    return _CACHE[key]


def _callable(job: Job):
    key = ("target", job.target)
    if key not in _CACHE:
        fn = resolve_target(job.target)
        try:
            sig = inspect.signature(fn).parameters
            takes = {k for k in ("seed", "replicate") if k in sig} or (
                {"seed", "replicate"} if any(p.kind is p.VAR_KEYWORD for p in sig.values()) else set())
        except (TypeError, ValueError):
            takes = set()
        _CACHE[key] = (fn, takes)
    return _CACHE[key]


def run_one(job: Job, point: int, replicate: int, values: Mapping[str, Any]) -> tuple[dict, float]:
    """Evaluate one run; returns (outputs, seconds spent in the target itself)."""
    if job.target == "model":
        scenario = _scenario(job, point, values)
        start = time.perf_counter()
        out = evaluate(scenario, seed=job.seed, replicate=replicate)  # checked above, not again
        return out, time.perf_counter() - start
    fn, takes = _callable(job)
    params = dict(job.base_overrides) | dict(values)
    kwargs = {k: v for k, v in (("seed", job.seed), ("replicate", replicate)) if k in takes}
    start = time.perf_counter()
    out = fn(params, **kwargs)
    elapsed = time.perf_counter() - start
    if not isinstance(out, Mapping):
        raise TypeError(f"target {job.target} returned {type(out).__name__}, not a dict of outputs")
    return out, elapsed


def _scenario(job: Job, point: int, values: Mapping[str, Any]):
    """The run's checked scenario: the base with the design point's (and draw's) values."""
    values = {k: v for k, v in values.items() if k != POSTERIOR_ROW}  # a record, not a parameter
    return _base(job).with_params(values, source=f"design point {point}")


def _fail(rec: RunRecord, exc: BaseException) -> None:
    rec.status = "failed"
    rec.error = f"{type(exc).__name__}: {exc}".replace("\n", " ")[:1000]


def _store_outputs(job: Job, rec: RunRecord, out: Mapping) -> None:
    missing = [o for o in job.outputs if o not in out]
    if missing:
        raise KeyError(f"target returned no {', '.join(missing)} (it returned: "
                       f"{', '.join(sorted(out)[:12])})")
    rec.outputs = {o: _float(out[o]) for o in job.outputs}


def run_chunk(job: Job, chunk: Sequence[tuple], attempt: int = 1) -> list[RunRecord]:
    """Run a chunk of ``(run_id, point, replicate, values)``; every run comes back as a record.

    The model's runs are computed in batches (:func:`run_model_runs`); a callable target's one
    at a time."""
    worker = f"{socket.gethostname()}:{os.getpid()}"
    records = [RunRecord(run_id=run_id, point=point, replicate=replicate, seed=job.seed, params=values,
                         attempts=attempt, worker=worker) for run_id, point, replicate, values in chunk]
    if job.target == "model":
        run_model_runs(job, chunk, records)
        return records
    for rec, (_, point, replicate, values) in zip(records, chunk):
        try:
            out, rec.elapsed_s = run_one(job, point, replicate, values)
            _store_outputs(job, rec, out)
        except (Exception, SystemExit) as exc:  # a target calling sys.exit fails its run, as in a worker
            _fail(rec, exc)
    return records


def run_model_runs(job: Job, chunk: Sequence[tuple], records: Sequence[RunRecord]) -> None:
    """The model's runs of a chunk: each point checked (a refused one fails alone), the rest run
    ``runner.batch_size()`` at a time by ``runner.batches`` (each run bit-identical to
    ``runner.evaluate`` alone) and only the experiment's outputs computed, for a batch at once
    (``results.batch_outcomes(outs, names)``: the same floats as each run's ``run_outcomes``, which
    a batch whose outcomes raise falls back to, run by run). A run's ``elapsed_s``
    is its batch's time shared equally. If a batch raises, its runs are redone one at a time, so
    a failing run fails alone with its own error, as when runs were never batched."""
    names = list(dict.fromkeys(o for o in job.outputs if o in OUTCOME_DOCS))
    ready = []  # (record, params, replicate)
    for rec, (_, point, replicate, values) in zip(records, chunk):
        try:
            ready.append((rec, _scenario(job, point, values).params, replicate))
        except (Exception, SystemExit) as exc:
            _fail(rec, exc)
    points = [(params, job.seed, replicate) for _, params, replicate in ready]
    runs = iter(ready)
    start = time.perf_counter()
    for part, outs in batches(points):
        mine = [next(runs) for _ in part]
        if outs is None:
            for rec, params, replicate in mine:  # again one by one: the failing run fails alone
                try:
                    start = time.perf_counter()
                    out = simulate(params, job.seed, replicate)
                    rec.elapsed_s = time.perf_counter() - start
                    _store_outputs(job, rec, run_outcomes(out, names))
                except (Exception, SystemExit) as exc:
                    _fail(rec, exc)
        else:
            each = (time.perf_counter() - start) / len(part)
            table = _outcomes_of(outs, names)
            for k, ((rec, _, _), out) in enumerate(zip(mine, outs)):
                try:
                    rec.elapsed_s = each
                    _store_outputs(job, rec, table[k] if table is not None else run_outcomes(out, names))
                except (Exception, SystemExit) as exc:
                    _fail(rec, exc)
        start = time.perf_counter()


def _outcomes_of(outs: Sequence, names: list[str]) -> list[dict] | None:
    """The outcomes ``names`` of each run of ``outs`` (results.batch_outcomes), or None if that
    raises (the caller then computes them run by run, so a failing run fails alone)."""
    if not names:
        return None
    try:
        got, table = batch_outcomes(outs, names)
    except Exception:
        return None
    return [dict(zip(got, row.tolist())) for row in table]


def _float(v) -> float:
    try:
        return float(v)
    except (TypeError, ValueError):
        return float("nan")


# -- in the coordinator ----------------------------------------------------------------------------
def make_job(exp: Experiment, dhash: str) -> Job:
    return Job(key=dhash, target=exp.target, seed=exp.seed, outputs=exp.outputs,
               base_overrides=dict(exp.base_overrides))


def run_values(design: Design, point: int) -> dict[str, Any]:
    return design.point(point)


def stored_params(exp: Experiment, posterior=None) -> list[str]:
    """The run store's parameter columns: the varied parameters, then the drawn calibrated ones
    and, when they come from the posterior, the row they came from."""
    return list(exp.names) + list(exp.drawn) + ([POSTERIOR_ROW] if posterior is not None else [])


def calibration_meta(exp: Experiment, posterior=None) -> dict:
    """How the sweep set calibrated parameters (run store meta and manifest)."""
    meta = {"mode": exp.calibrated, "drawn": list(exp.drawn), "per": "replicate",
            "varied_by_design": list(exp.calibrated_varied), "notice": calibration_notice(exp)}
    if posterior is not None:
        meta |= {"posterior": "data/posterior.csv", "posterior_rows": len(posterior),
                 "posterior_sha256_16": posterior_fingerprint(exp, posterior)}
    return meta


def open_store(exp: Experiment, design: Design, out: Path, resume: bool, posterior=None) -> RunStore:
    """Create the sweep's store in ``out``, or reopen it with ``resume`` (same design and posterior
    only). ``posterior``: what the calibrated parameters are drawn from (designs.experiment_posterior)."""
    dhash = design_hash(exp, design, posterior)
    path = out / STORE_FILE
    RunStore.remove_stale(path)  # a store whose creation was interrupted is as good as none
    if path.exists():
        store = RunStore.open(path)
        stored_hash = store.meta().get("design_hash")
        n = sum(store.counts().values())
        if not resume:
            store.close()
            raise input_error(str(out), None, f"already holds a sweep ({n} runs stored); add --resume to "
                              "finish it, or choose another --out")
        if stored_hash != dhash:
            store.close()
            raise input_error(exp.path, None, f"the sweep in {out} was made from a different design "
                              f"(fingerprint {stored_hash}, this file gives {dhash}); use another --out")
        return store
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise input_error(str(out), None, f"cannot create the output folder ({exc.strerror or exc})") from None
    meta = {"design_hash": dhash, "experiment": exp.spec(), "experiment_file": exp.path,
            "n_points": design.n_points, "replicates": exp.replicates,
            "calibrated": calibration_meta(exp, posterior),
            "provenance": metadata(exp.seed, experiment=exp.name)}
    return RunStore.create(path, stored_params(exp, posterior), exp.outputs, meta)


def pending_runs(exp: Experiment, design: Design, store: RunStore, retry_failed: bool = False) -> list[int]:
    total = design.n_points * exp.replicates
    have = store.ids() if not retry_failed else store.ids("done")
    return [i for i in range(total) if i not in have]


def chunked(exp: Experiment, design: Design, run_ids: Sequence[int], workers: int,
            chunk_size: int | None = None, draws: Mapping[int, Mapping] | None = None) -> Iterator[list[tuple]]:
    """Group runs into chunks (made as they are needed): about 16 per worker, at most MAX_CHUNK runs
    each, and (unless ``chunk_size`` is given) smaller towards the end (:func:`chunk_sizes`), so
    the workers finish together. A run is ``(run_id, point, replicate, parameter values)``: the
    design point's values and the replicate's calibrated draw (``draws``, from
    designs.calibrated_draws)."""
    reps = exp.replicates
    start = 0
    for size in chunk_sizes(len(run_ids), workers, chunk_size):
        cur = []
        for run_id in run_ids[start:start + size]:
            point, replicate = divmod(run_id, reps)
            values = design.point(point) | dict((draws or {}).get(replicate, {}))
            cur.append((run_id, point, replicate, values))
        start += size
        yield cur


def chunk_sizes(total: int, workers: int, chunk_size: int | None = None) -> Iterator[int]:
    """Sizes of the chunks ``total`` runs go to ``workers`` in: ``chunk_size`` each if given, else
    about 16 chunks per worker of at most MAX_CHUNK runs, whole batches of the model's runs
    (``runner.batch_size()``) each, shrinking over the last ~4 chunks per worker to one batch:
    while a worker computes the last chunk the others have nothing left to do, so the last chunks
    are short (guided self-scheduling; chunking changes no result).

    Examples:
        >>> list(chunk_sizes(10, 2, 4))
        [4, 4, 2]
        >>> sizes = list(chunk_sizes(26_624, 2))
        >>> sum(sizes), sizes[0], sizes[-1] < sizes[0]
        (26624, 64, True)
    """
    size = chunk_size or max(1, min(MAX_CHUNK, math.ceil(total / (16 * max(1, workers)))))
    batch = batch_size()
    left = total
    while left > 0:
        n = size
        if chunk_size is None and size > batch:  # the tail: shorter chunks, still whole batches
            n = batch * max(1, min(size // batch, math.ceil(left / (4 * max(1, workers) * batch))))
        n = min(n, left)
        yield n
        left -= n


def run_sweep(exp: Experiment, out: str | Path, executor=None, resume: bool = False,
              retry_failed: bool = False, progress: bool = True, chunk_size: int | None = None,
              on_chunk: Callable[[int], None] | None = None, export: bool = True,
              max_runs: int | None = None) -> SweepSummary:
    """Run (or finish) the sweep of ``exp`` into folder ``out``.

    Args:
        executor: from executors.py (default: local processes on all cores).
        resume: continue a sweep already in ``out`` (same design), running only the missing runs.
        retry_failed: with resume, run failed runs again too.
        progress: show a tqdm bar on stderr (runs done, rate, time left).
        chunk_size: runs per chunk sent to a worker (default: automatic).
        on_chunk: called with the number of runs stored so far after each finished chunk.
        export: write CSV, Parquet, points, plot and manifest when every run is stored.
        max_runs: run at most this many of the missing runs, in run order (benchmarks, smoke tests);
            the sweep stays incomplete, and ``resume`` finishes it.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise input_error(str(out), None, "--out must be a folder, not a file")
    if not exp.is_model:
        resolve_target(exp.target, exp.path)  # now that it runs: import it, one line if it cannot be had
    design = build_design(exp)
    posterior = experiment_posterior(exp)
    notice = calibration_notice(exp)
    if notice:
        print(f"mentorsim: {notice}", file=sys.stderr)  # never mixed in silently
    store = open_store(exp, design, out, resume, posterior)
    own_executor = executor is None
    executor = executor or LocalExecutor()
    manifest = out / "manifest.json"
    try:
        total = design.n_points * exp.replicates
        todo = pending_runs(exp, design, store, retry_failed)
        if max_runs is not None:
            todo = todo[:max_runs]
        stored_before = store.ids()
        skipped = len(stored_before - set(todo))  # stored before and not run again
        if todo and manifest.exists():
            manifest.unlink()  # about to add runs: the folder is not complete until the new manifest
        draws = calibrated_draws(exp, sorted({r % exp.replicates for r in todo}), posterior)
        chunks = chunked(exp, design, todo, executor.workers, chunk_size, draws)
        job = make_job(exp, store.meta()["design_hash"])
        buffer: list[RunRecord] = []
        state = {"last": time.monotonic(), "stored": skipped, "ran": 0}
        bar = tqdm(total=total, initial=skipped, unit="run", file=sys.stderr,
                   disable=None if progress else True, desc=exp.name, smoothing=0.05)

        def flush():
            if buffer:
                store.record(buffer)
                buffer.clear()
            state["last"] = time.monotonic()

        def on_result(chunk, records):
            buffer.extend(records)
            state["ran"] += len(records)
            state["stored"] += len(records)
            bar.update(len(records))
            if time.monotonic() - state["last"] >= FLUSH_SECONDS:
                flush()
            if on_chunk is not None:
                on_chunk(state["stored"])

        def on_lost(chunk, attempt, message):
            on_result(chunk, [RunRecord(run_id=r, point=p, replicate=rep, seed=exp.seed, params=v,
                                        status="failed", error=message, attempts=attempt, worker="")
                              for r, p, rep, v in chunk])

        start = time.perf_counter()
        try:
            executor.map(run_chunk, job, chunks, on_result, on_lost)
        finally:
            flush()  # whole records only: what finished is kept, whatever stopped us
            bar.close()
        elapsed = time.perf_counter() - start
        counts = store.counts()
        complete = counts["done"] + counts["failed"] == total
        summary = SweepSummary(out=out, total=total, done=counts["done"], failed=counts["failed"],
                               ran=state["ran"], skipped=skipped, elapsed_s=elapsed,
                               complete=complete, executor=executor.label, workers=executor.workers)
        store.set_meta("last_sweep", {"executor": executor.label, "workers": executor.workers,
                                      "ran": state["ran"], "elapsed_s": round(elapsed, 3)})
        if complete and export:
            export_sweep(exp, design, store, out)
        return summary
    finally:
        store.close()
        if own_executor:
            executor.close()


def point_summary(exp: Experiment, design: Design, frame: pd.DataFrame) -> pd.DataFrame:
    """Per design point: parameter values, runs done, and each output's mean and 95% interval.

    Computed column by column (a sweep has up to tens of thousands of points): a point's values
    are ``design.point(i)``'s, and a point with one finite value has that value as mean and both
    bounds, as ``results.interval`` gives it; points with more runs go through ``interval``."""
    done = frame[frame["status"] == "done"]
    point = done["point"].to_numpy(dtype=np.int64)
    order = np.argsort(point, kind="stable")  # a point's runs in stored (run id) order
    point = point[order]
    starts = np.searchsorted(point, np.arange(design.n_points), side="left")
    counts = np.searchsorted(point, np.arange(design.n_points), side="right") - starts
    cols: dict[str, Any] = {"point": np.arange(design.n_points, dtype=np.int64)}
    for j, (name, kind) in enumerate(zip(design.names, design.kinds)):
        v = design.values[:, j]
        cols[name] = v >= 0.5 if kind is bool else np.round(v).astype(np.int64) if kind is int else \
            v.astype(float)
    cols["runs_done"] = counts.astype(np.int64)
    several = np.flatnonzero(counts > 1)
    single = np.flatnonzero(counts == 1)
    for o in exp.outputs:
        y = done[o].to_numpy(dtype=float)[order]
        m, lo, hi = (np.full(design.n_points, np.nan) for _ in range(3))
        one = y[starts[single]]
        one = np.where(np.isfinite(one), one, np.nan)
        m[single] = lo[single] = hi[single] = one
        for i in several:
            m[i], lo[i], hi[i] = interval(y[starts[i]:starts[i] + counts[i]])
        cols[o], cols[f"{o}_low"], cols[f"{o}_high"] = m, lo, hi
    return pd.DataFrame(cols)


#: Provenance put in ``DataFrame.attrs`` of runs.parquet (flat: pandas copies attrs often).
ATTRS_KEYS = ("experiment", "design_hash", "mentorsim_version", "git_commit", "seed", "replicates",
              "target", "created", "runs_done", "runs_failed")
#: Column types of the parameter table's types.
_PARAM_TYPES = {"int": "int", "float": "float", "bool": "bool", "choice": "string"}


def outcome_unit(name: str) -> str:
    """Unit of a model outcome, from its name (results.OUTCOME_DOCS: units in the name)."""
    if name.endswith("_pct"):
        return "%"
    if name.endswith("_pp"):
        return "percentage points"
    if name.startswith(("skill_", "knowledge_")):
        return "share"  # 0-1, as the parameter table's unit for shares
    if name.endswith("_days"):
        return "days"
    return "count"


def export_columns(exp: Experiment) -> list[Column]:
    """Every column of runs.csv / runs.parquet, documented: the run store's own, then each varied
    parameter (type, unit and description from the parameter table), then each output (unit and
    description from results.OUTCOME_DOCS for the model; a callable's are floats without docs)."""
    cols = fixed_columns()
    for p in exp.params:
        decl = PARAMS_BY_NAME.get(p.name) if exp.is_model else None
        if decl is not None:
            cols.append(Column(p.name, _PARAM_TYPES[decl.type], decl.unit, decl.description, "parameter table"))
        else:
            cols.append(Column(p.name, "float", "", f"parameter of {exp.target}", "experiment file"))
    for name in exp.drawn:
        decl = PARAMS_BY_NAME[name]
        how = "posterior row" if exp.calibrated == "posterior" else "prior range"
        cols.append(Column(name, _PARAM_TYPES[decl.type], decl.unit, f"{decl.description} (calibrated; drawn "
                           f"per replicate from its {how})", "parameter table"))
    if exp.calibrated == "posterior" and exp.drawn:
        cols.append(Column(POSTERIOR_ROW, "int", "", "Row of data/posterior.csv (from 0) the replicate's "
                           "calibrated parameters were drawn from (with probability proportional to its weight).",
                           "run store"))
    for o in exp.outputs:
        if exp.is_model and o in OUTCOME_DOCS:
            cols.append(Column(o, "float", outcome_unit(o), OUTCOME_DOCS[o], "results.OUTCOME_DOCS"))
        else:
            cols.append(Column(o, "float", "", f"output of {exp.target}", "experiment file"))
    return cols


def export_folder(exp: Experiment, out: str | Path) -> bool:
    """Export the sweep of ``exp`` stored in ``out`` as :func:`run_sweep` does once every run is
    stored, for a caller that runs the sweep with ``export=False`` and exports beside other work
    (``mentorsim sensitivity``, in executors.in_background). Returns whether it exported (not
    while runs are missing)."""
    out = Path(out)
    design = build_design(exp)
    with RunStore.open(out / STORE_FILE) as store:
        counts = store.counts()
        if counts["done"] + counts["failed"] != design.n_points * exp.replicates:
            return False
        export_sweep(exp, design, store, out)
    return True


def _plot_sweep(exp: Experiment, design: Design, points: pd.DataFrame, path: Path) -> Path:
    """The sweep's plot (experiments.plots.plot_sweep), importing matplotlib where it runs."""
    from mentorsim.experiments import plots as sweep_plots  # deliberately lazy: matplotlib, for exports only
    return sweep_plots.plot_sweep(exp, design, points, path)


def export_sweep(exp: Experiment, design: Design, store: RunStore, out: Path) -> None:
    """Exports and plot, moved into ``out`` together, manifest last (outputs.output_dir).

    The plot (the longest part, about half of a 26,624-run export) is drawn in a process of its
    own while this one writes the tables (executors.in_background; here when this process is
    itself such a helper, as under ``mentorsim sensitivity``); the files are the same either way."""
    meta = store.meta()
    counts = store.counts()
    manifest = meta["provenance"] | {"experiment": meta["experiment"], "design_hash": meta["design_hash"],
                                     "database": STORE_FILE, "runs_done": counts["done"],
                                     "runs_failed": counts["failed"]}
    if "calibrated" in meta:
        manifest["calibrated"] = meta["calibrated"]
    flat = manifest | {"experiment": exp.name, "replicates": exp.replicates, "target": exp.target}
    attrs = {k: flat[k] for k in ATTRS_KEYS if k in flat}
    columns = export_columns(exp)
    frame = store.typed_frame(columns, attrs)
    points = point_summary(exp, design, frame)
    with output_dir(out, manifest) as stage, \
            in_background(_plot_sweep, exp, design, points, stage / f"{exp.name}.png") as plot:
        write_csv(frame, stage / "runs.csv")  # frame.to_csv's bytes, ~5x faster
        pq_write(frame, columns, stage / "runs.parquet", manifest)
        write_columns_csv(stage / "columns.csv", columns)
        write_csv(points, stage / "points.csv")
        (stage / "experiment.json").write_text(dumps(meta["experiment"]))
        plot.result()
