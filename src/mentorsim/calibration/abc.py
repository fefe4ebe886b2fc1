"""Calibration to the published targets by ABC-SMC (pyABC), resumable, replicate-aware.

Method (docs/CALIBRATION.md has the full account):

- A particle is a value for each calibrated parameter, drawn from its prior (uniform on the
  declared range; sampled in probit coordinates, :class:`ProbitCoordinates`). The model runs ``replicates`` times for it, replicate r with run seed
  ``seed + r`` (a different draw of the facility setting and of the dynamics); the target outputs
  are averaged over the replicates. Every particle uses the same seeds (common random numbers),
  so two particles differ by their parameters, not by noise.
- Distance: the weighted root mean square of z_i = (simulated_i - observed_i) / SE_i over the
  targets with role ``fit`` (:func:`rms_z`). Each target is scaled by its published uncertainty
  and weighted 1, except correlated groups (the 12 survey items of 25 respondents), whose members
  share the group's effective number of independent targets; a distance of 1 means "on average
  one standard error away".
- ABC-SMC (Toni et al. 2009; pyABC, Schaelte et al. 2022): generation 0 samples the prior;
  generation t keeps particles whose distance is below the weighted ``quantile`` of generation
  t-1's distances, proposing from a multivariate normal kernel around the last population, with
  importance weights. The history (every finished generation) is kept in SQLite, so a run can
  stop at any moment and ``--resume`` continues from the last finished generation.
- Stopping: ``generations``, ``min_epsilon``, ``min_acceptance_rate``, an evaluation budget over
  the whole history and a wall-time budget per invocation; a generation that would not fit the
  remaining budget is not started (and one that runs over it is cut and not stored).

Outputs: the last generation as the posterior (parameter columns + ``weight``) and a point
estimate per parameter (weighted median by default) written in the format calibrated.py reads.
"""

from __future__ import annotations

import json
import logging
import math
import os
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from mentorsim.calibration.config import CalibrationConfig, Target
from mentorsim.calibration.measures import outputs_of
from mentorsim.errors import input_error
from mentorsim.executors import abc_sampler, shared_counter
from mentorsim.runner import simulate_batch

HISTORY_FILE = "history.db"
RUN_FILE = "run.json"
#: Distance given to a particle whose outputs are not finite (e.g. a survey without respondents).
FAR = 1e6


def safe_name(name: str) -> str:
    """PyABC parameter names: dots would be read as attribute access."""
    return name.replace(".", "__")


class ProbitCoordinates:
    """The coordinates ABC-SMC samples in: u = Phi^-1((x - low) / (high - low)) per parameter.

    A uniform prior on [low, high] for x is exactly a standard normal prior for u, so the
    posterior is unchanged; but the perturbation kernel now lives on the whole real line, and
    its tails (a Gaussian mixture, wider than the population it was fitted to) are heavier than
    the prior's, so importance weights stay bounded. On the bounded scale, kernels near the bounds
    lose mass outside the prior, which up-weights the particles there: with ten parameters, most of
    them only weakly identified, much of the volume is near some bound and the effective sample
    size collapsed (38 of 300 in a first full run). Logit coordinates do worse: the logistic
    prior's exponential tails outweigh the kernel's Gaussian ones, so a particle that strays into
    a tail takes most of the weight.
    """

    def __init__(self, priors):
        self.priors = tuple(priors)

    def values(self, coords: Mapping[str, float]) -> dict[str, float]:
        """PyABC coordinates (safe names) -> parameter values (dotted names)."""
        from scipy.special import ndtr
        return {p.name: p.low + (p.high - p.low) * float(ndtr(float(coords[safe_name(p.name)])))
                for p in self.priors}

    def coords(self, values: Mapping[str, float]) -> dict[str, float]:
        """Parameter values -> pyABC coordinates."""
        from scipy.special import ndtri
        out = {}
        for p in self.priors:
            q = (float(values[p.name]) - p.low) / (p.high - p.low)
            out[safe_name(p.name)] = float(ndtri(min(max(q, 1e-15), 1 - 1e-15)))
        return out

    def prior(self):
        import pyabc
        return pyabc.Distribution(**{safe_name(p.name): pyabc.RV("norm", 0.0, 1.0) for p in self.priors})


#: The key of a particle's simulated targets in what pyABC stores: one array, in the order of the
#: configuration's targets. pyABC writes one history row per entry, so one array instead of one
#: entry per target writes a population of 1,000 particles in 0.84 s instead of 2.15 s (the
#: samplers' workers wait while the parent writes; docs/BENCHMARKS.md).
SIMULATED = "simulated"


def packed(values: Mapping[str, float], targets: Sequence[Target]) -> dict[str, np.ndarray]:
    """``values`` (target name -> simulated value) as pyABC gets them: ``{SIMULATED: array}``."""
    return {SIMULATED: np.array([float(values[t.name]) for t in targets])}


def unpacked(sum_stat: Mapping, targets: Sequence[Target]) -> dict[str, float]:
    """A particle's simulated targets by name, from what pyABC stored: :func:`packed`'s array
    (named by ``targets``, in order), or one entry per target (histories written before)."""
    if SIMULATED in sum_stat:
        return {t.name: float(v) for t, v in zip(targets, np.asarray(sum_stat[SIMULATED]))}
    return {str(k): float(v) for k, v in dict(sum_stat).items()}


class PyabcModel:
    """The function pyABC calls: coordinates in, replicate-mean target outputs out (:func:`packed`).

    In a worker process (forked by the sampler) it first makes the worker ignore Ctrl-C: the
    parent alone handles the interruption (keeping the finished generations, saying how to
    resume) and the daemonic workers end with it, instead of each printing a traceback.
    """

    def __init__(self, simulator: Simulator, coords: ProbitCoordinates, targets: Sequence[Target]):
        self.simulator, self.coords, self.targets = simulator, coords, tuple(targets)
        self.parent_pid = os.getpid()
        self._worker_ready = False

    def __call__(self, pars) -> dict[str, np.ndarray]:
        if not self._worker_ready and os.getpid() != self.parent_pid:
            import signal
            signal.signal(signal.SIGINT, signal.SIG_IGN)
            self._worker_ready = True
        return packed(self.simulator(self.coords.values(dict(pars))), self.targets)


# --- the model as calibration sees it ------------------------------------------------------------

class Simulator:
    """Parameters -> replicate-mean target outputs, keyed by target name.

    Args:
        base: the full parameter mapping the calibrated values are written into.
        targets: the targets whose outputs are computed.
        seeds: run seeds of the replicates (replicate 0 of each).
        counter: optional shared counter (``multiprocessing.Value``) incremented per evaluation.
    """

    def __init__(self, base: Mapping, targets: Sequence[Target], seeds: Sequence[int], counter=None):
        self.base = dict(base)
        self.targets = tuple(targets)
        self.seeds = tuple(int(s) for s in seeds)
        self.counter = counter

    def params(self, values: Mapping[str, float]) -> dict:
        """The full parameter set with ``values`` (dotted names) written in."""
        p = dict(self.base)
        for k, v in values.items():
            p[k] = float(v)
        return p

    def replicate_outputs(self, values: Mapping[str, float], seeds: Sequence[int] | None = None
                          ) -> list[dict[str, float]]:
        """One dict of target outputs per replicate (keyed by target name). The replicates run
        together (runner.simulate_batch: each bit-identical to ``simulate(p, seed, 0)``)."""
        p = self.params(values)
        outputs = sorted({t.output for t in self.targets})
        runs = [(p, int(s), 0) for s in (self.seeds if seeds is None else seeds)]
        res = []
        for out in simulate_batch(runs):
            o = outputs_of(out, outputs)
            res.append({t.name: o[t.output] for t in self.targets})
        return res

    def __call__(self, values: Mapping[str, float]) -> dict[str, float]:
        """Mean over the replicates of each target's output."""
        reps = self.replicate_outputs(values)
        out = {k: float(np.mean([r[k] for r in reps])) for k in reps[0]}
        if self.counter is not None:
            with self.counter.get_lock():
                self.counter.value += 1
        return out


def replicate_seeds(config: CalibrationConfig) -> list[int]:
    """Run seeds of a particle's replicates: seed, seed + 1, ..."""
    return [config.seed + r for r in range(config.replicates)]


def simulator_for(config: CalibrationConfig, counter=None) -> Simulator:
    return Simulator(config.scenario.params, config.targets, replicate_seeds(config), counter)


def rms_z(simulated: Mapping[str, float], targets: Sequence[Target]) -> float:
    """Weighted root mean square of z = (simulated - observed) / SE over ``targets`` (FAR if not
    finite): sqrt(sum w z^2 / sum w), with w each target's weight (1, or its group's share of
    the group's effective number of independent targets: config.Target.weight)."""
    z = np.array([t.z(simulated[t.name]) for t in targets], dtype=float)
    if not np.all(np.isfinite(z)):
        return FAR
    w = np.array([t.weight for t in targets], dtype=float)
    return float(np.sqrt(np.sum(w * z * z) / np.sum(w)))


class RmsZDistance:
    """pyABC distance: :func:`rms_z` over the fit targets (the observed values live in them) of a
    particle's simulated targets (:func:`unpacked` by ``targets``, all of them in order)."""

    def __init__(self, targets: Sequence[Target]):
        self.all = tuple(targets)
        self.targets = tuple(t for t in targets if t.role == "fit")

    def __call__(self, x: Mapping, x_0: Mapping) -> float:
        return rms_z(unpacked(x, self.all), self.targets)


# --- weighted statistics -------------------------------------------------------------------------

def weighted_quantile(values, weights, q: float) -> float:
    """Quantile ``q`` of ``values`` under normalised ``weights`` (midpoint interpolation)."""
    v = np.asarray(values, dtype=float)
    w = np.asarray(weights, dtype=float)
    order = np.argsort(v)
    v, w = v[order], w[order]
    cw = np.cumsum(w) - 0.5 * w
    cw /= w.sum()
    return float(np.interp(q, cw, v))


def summarise_posterior(post: pd.DataFrame, names: Sequence[str]) -> dict[str, dict]:
    """Weighted mean, median, sd and 95% interval of each parameter."""
    w = post["weight"].to_numpy()
    w = w / w.sum()
    out = {}
    for n in names:
        v = post[n].to_numpy(dtype=float)
        mean = float(np.sum(w * v))
        out[n] = {"mean": mean, "median": weighted_quantile(v, w, 0.5),
                  "sd": float(np.sqrt(np.sum(w * (v - mean) ** 2))),
                  "low95": weighted_quantile(v, w, 0.025), "high95": weighted_quantile(v, w, 0.975)}
    return out


def effective_sample_size(weights) -> float:
    w = np.asarray(weights, dtype=float)
    return float(w.sum() ** 2 / np.sum(w * w))


# --- the ABC-SMC run -----------------------------------------------------------------------------

@dataclass
class RunState:
    """What a calibration run did (also kept in run.json beside the history)."""

    out_dir: Path
    generations: pd.DataFrame = field(default_factory=pd.DataFrame)
    stop_reason: str = ""
    invocations: list = field(default_factory=list)

    @property
    def history_path(self) -> Path:
        return self.out_dir / HISTORY_FILE

    @property
    def sampling(self) -> list:
        """Invocations that evaluated particles (not those that only rewrote the outputs)."""
        return [i for i in self.invocations if i.get("evaluations", 0) > 0]

    @property
    def wall_seconds(self) -> float:
        """Wall time of the invocations that sampled (seconds)."""
        return float(sum(i.get("wall_seconds", 0.0) for i in self.sampling))

    @property
    def sampling_stop_reason(self) -> str:
        """Why the last sampling invocation stopped (this one's reason if none sampled)."""
        return self.sampling[-1].get("stop_reason", "") if self.sampling else self.stop_reason

    @property
    def evaluations(self) -> int:
        return int(self.generations["samples"].sum()) if len(self.generations) else 0


def _db_url(path: Path) -> str:
    return "sqlite:///" + str(path.resolve())


def _abc(config: CalibrationConfig, simulator: Simulator, first: bool):
    import pyabc
    eps = pyabc.QuantileEpsilon(initial_epsilon=math.inf if first else "from_sample",
                                alpha=config.quantile, weighted=True)
    coords = ProbitCoordinates(config.priors)
    return pyabc.ABCSMC(PyabcModel(simulator, coords, config.targets), coords.prior(), RmsZDistance(config.targets),
                        population_size=config.population, eps=eps, sampler=abc_sampler(config.workers))


def generations_table(db: Path) -> pd.DataFrame:
    """Finished generations: t, epsilon, samples (evaluations), particles, acceptance, wall time."""
    from pyabc import History
    if not db.is_file():
        return pd.DataFrame(columns=["t", "epsilon", "samples", "particles", "acceptance_rate", "wall_time"])
    h = History(_db_url(db), create=False)
    pops = h.get_all_populations()
    pops = pops[pops["t"] >= 0].copy()
    pops["acceptance_rate"] = pops["particles"] / pops["samples"]
    return pops[["t", "epsilon", "samples", "particles", "acceptance_rate", "wall_time"]].reset_index(drop=True)


def discard_unfinished(db: Path) -> bool:
    """Remove a history that holds no finished generation (a calibration killed while creating
    it or during generation 0), so that both ``--resume`` and a plain rerun start it afresh.
    Returns whether one was removed. A file that is not SQLite, or that holds a finished
    generation, is never touched."""
    if not db.is_file():
        return False
    with db.open("rb") as fh:
        head = fh.read(16)
    if head and head != b"SQLite format 3\x00":
        return False
    try:
        finished = len(generations_table(db)) if head else 0
    except Exception:  # tables not made yet: pyABC was killed while creating them
        import sqlite3
        try:
            with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
                finished = conn.execute("SELECT COUNT(*) FROM populations WHERE t >= 0").fetchone()[0]
        except sqlite3.Error:
            finished = 0
    if finished:
        return False
    for suffix in ("", "-journal", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    return True


def _read_run_file(out_dir: Path) -> dict:
    p = out_dir / RUN_FILE
    return json.loads(p.read_text()) if p.is_file() else {}


def _write_run_file(out_dir: Path, data: dict) -> None:
    tmp = out_dir / (RUN_FILE + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=str))
    os.replace(tmp, out_dir / RUN_FILE)


def _first_difference(a: dict, b: dict) -> str:
    for k in sorted(set(a) | set(b)):
        if a.get(k) != b.get(k):
            return k
    return ""


def run_calibration(config: CalibrationConfig, out_dir: str | Path, resume: bool = False,
                    progress: bool = True, on_generation: Callable[[pd.Series], None] | None = None,
                    simulator: Simulator | None = None) -> RunState:
    """Run (or continue) ABC-SMC until a stopping rule or the budget ends it.

    Args:
        config: the validated configuration (its budget fields bound this invocation).
        out_dir: folder for ``history.db`` and ``run.json``.
        resume: continue the history in ``out_dir``; without it, an existing history is refused.
        progress: show a tqdm bar of particle evaluations on stderr.
        on_generation: called with each finished generation's row.
        simulator: replaces the model (tests); default :func:`simulator_for`.

    Raises:
        InputError: a history exists and ``resume`` is False, or ``resume`` without a history,
            or the configuration changed since the history was started.
    """
    out_dir = Path(out_dir)
    db = out_dir / HISTORY_FILE
    fp = config.fingerprint()
    if discard_unfinished(db) and not resume:
        resume = bool(_read_run_file(out_dir))  # keep the record of the interrupted invocation
    if resume:
        if not db.is_file() and _read_run_file(out_dir).get("fingerprint") is not None:
            pass  # killed before its first generation finished: start the history again
        elif not db.is_file() or generations_table(db).empty:
            raise input_error(str(db), None, "no finished generation to resume; run without --resume")
        old = _read_run_file(out_dir).get("fingerprint")
        if old is not None and json.loads(json.dumps(fp)) != old:
            key = _first_difference(json.loads(json.dumps(fp)), old)
            raise input_error(config.source, key, "differs from the configuration the history in "
                              f"{out_dir} was started with; use a new --out to start afresh")
    elif db.exists():
        raise input_error(str(out_dir), None, "already holds a calibration history; continue it with "
                          "--resume, or choose another --out")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise input_error(str(out_dir), None, f"cannot create the output folder ({exc.strerror})") from None

    import pyabc  # noqa: F401 - importing it configures its loggers; quieten them afterwards
    logging.getLogger("ABC").setLevel(logging.WARNING)
    run_info = _read_run_file(out_dir) if resume else {}
    run_info["fingerprint"] = fp
    run_info.setdefault("invocations", [])
    from mentorsim.provenance import git_commit
    invocation = {"started": time.strftime("%Y-%m-%dT%H:%M:%S"), "resume": resume, "git_commit": git_commit(),
                  "budget_evaluations": config.budget_evaluations, "budget_minutes": config.budget_minutes,
                  "workers": config.workers}
    run_info["invocations"].append(invocation)
    _write_run_file(out_dir, run_info)

    counter = shared_counter() if config.workers > 1 else _LocalCounter()
    sim = simulator or simulator_for(config)
    sim.counter = counter
    start = time.perf_counter()
    middle = {p.name: 0.5 * (p.low + p.high) for p in config.priors}
    sim(middle)  # warm-up: loads the compiled kernels
    t_one = time.perf_counter()
    sim(middle)  # timing of one evaluation, for the wall-time budget until a generation has run
    sec_per_eval = (time.perf_counter() - t_one) / config.workers
    counter.value = 0

    gens = generations_table(db)
    done_before = int(gens["samples"].sum()) if len(gens) else 0
    bar = _Progress(config.budget_evaluations, done_before, counter, progress)
    reason = ""
    try:
        while True:
            gens = generations_table(db)
            n_gen = len(gens)
            used = int(gens["samples"].sum()) if n_gen else 0
            elapsed = time.perf_counter() - start
            bar.generation(gens)
            if n_gen >= config.generations:
                reason = f"reached {config.generations} generations"
                break
            if n_gen and gens["epsilon"].iloc[-1] <= config.min_epsilon:
                reason = f"threshold {gens['epsilon'].iloc[-1]:.3f} reached min_epsilon {config.min_epsilon:g}"
                break
            remaining_evals = config.budget_evaluations - used
            remaining_s = config.budget_minutes * 60.0 - elapsed
            expected = _expected_evaluations(gens, config.population)
            if remaining_evals < expected:
                reason = (f"evaluation budget: {used} used of {config.budget_evaluations}; the next generation "
                          f"would need about {expected}")
                break
            if remaining_s < expected * sec_per_eval:
                reason = (f"wall-time budget: {elapsed / 60:.1f} of {config.budget_minutes:g} minutes used; the "
                          f"next generation would need about {expected * sec_per_eval / 60:.1f}")
                break
            caps = {"acceptance": (config.population / config.min_acceptance_rate
                                   if config.min_acceptance_rate > 0 else math.inf),
                    "evaluations": remaining_evals, "time": remaining_s / sec_per_eval}
            binding = min(caps, key=caps.get)
            max_eval = max(caps[binding], config.population)
            t0 = time.perf_counter()
            n_before = counter.value
            abc = _abc(config, sim, first=(n_gen == 0))
            if n_gen == 0:
                abc.new(_db_url(db), packed({t.name: t.value for t in config.targets}, config.targets))
            else:
                abc.load(_db_url(db), 1)
            abc.run(max_nr_populations=1, min_acceptance_rate=config.population / max_eval)
            gens_after = generations_table(db)
            if len(gens_after) == n_gen:  # the generation was cut by its evaluation cap
                spent = counter.value - n_before
                reason = {"acceptance": f"acceptance rate below min_acceptance_rate {config.min_acceptance_rate:g}",
                          "evaluations": "evaluation budget ran out", "time": "wall-time budget ran out",
                          }[binding] + f" during generation {n_gen} (abandoned after {spent} evaluations)"
                break
            last = gens_after.iloc[-1]
            sec_per_eval = (time.perf_counter() - t0) / max(int(last["samples"]), 1)
            if on_generation:
                on_generation(last)
    finally:
        bar.close()
        invocation["wall_seconds"] = round(time.perf_counter() - start, 1)
        invocation["evaluations"] = int(counter.value)
        invocation["stop_reason"] = reason or "interrupted"
        _write_run_file(out_dir, run_info)
    return RunState(out_dir=out_dir, generations=generations_table(db), stop_reason=reason,
                    invocations=run_info["invocations"])


def _expected_evaluations(gens: pd.DataFrame, population: int) -> int:
    """Evaluations the next generation will probably need (acceptance falls as the threshold does)."""
    if len(gens) == 0:
        return population
    last = float(gens["samples"].iloc[-1])
    if len(gens) >= 2:
        growth = float(np.clip(last / float(gens["samples"].iloc[-2]), 1.0, 3.0))
    else:
        growth = 2.0
    return int(math.ceil(last * growth))


class _LocalCounter:
    """Stand-in for a shared counter when everything runs in-process."""

    def __init__(self):
        self.value = 0

    def get_lock(self):
        return _NoLock()


class _NoLock:
    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False


class _Progress:
    """tqdm bar of particle evaluations against the budget, refreshed from the shared counter."""

    def __init__(self, total: int, done: int, counter, enabled: bool):
        import sys

        from tqdm import tqdm
        self.counter, self.done = counter, done
        self.bar = tqdm(total=total, initial=done, unit="eval", file=sys.stderr, disable=not enabled or None,
                        leave=True, desc="ABC-SMC")
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._poll, daemon=True)
        self._thread.start()

    def _poll(self):
        while not self._stop.wait(0.5):
            self.bar.n = self.done + int(self.counter.value)
            self.bar.refresh()

    def generation(self, gens: pd.DataFrame) -> None:
        if len(gens):
            last = gens.iloc[-1]
            self.bar.set_postfix_str(f"generation {int(last['t'])} done, eps {last['epsilon']:.3f}, "
                                     f"acceptance {last['acceptance_rate']:.3f}")

    def close(self):
        self._stop.set()
        self._thread.join(timeout=2)
        self.bar.n = self.done + int(self.counter.value)
        self.bar.close()


# --- the posterior and the calibrated defaults ---------------------------------------------------

def posterior_frame(out_dir: str | Path, config: CalibrationConfig, t: int | None = None) -> pd.DataFrame:
    """The last (or ``t``-th) generation: one row per particle, parameter columns, ``weight``
    (normalised), ``distance`` to the targets and the particle's simulated target outputs
    (columns ``sim:<target>``)."""
    from pyabc import History
    h = History(_db_url(Path(out_dir) / HISTORY_FILE), create=False)
    pop = h.get_population(t=t)
    coords = ProbitCoordinates(config.priors)
    rows = []
    for particle in pop.particles:
        row = coords.values(dict(particle.parameter))
        row["weight"] = float(particle.weight)
        row["distance"] = float(particle.distance)
        row.update({f"sim:{k}": v for k, v in unpacked(particle.sum_stat, config.targets).items()})
        rows.append(row)
    post = pd.DataFrame(rows)
    post["weight"] /= post["weight"].sum()
    first = list(config.parameter_names) + ["weight", "distance"]
    return post[first + [c for c in post.columns if c not in first]]


def point_estimate(post: pd.DataFrame, config: CalibrationConfig) -> dict[str, float]:
    """The calibrated default of each parameter (``config.point``: median, mean or best particle)."""
    names = config.parameter_names
    if config.point == "best":
        row = post.loc[post["distance"].idxmin()]
        return {n: float(row[n]) for n in names}
    s = summarise_posterior(post, names)
    return {n: s[n][config.point] for n in names}


def write_posterior_csv(post: pd.DataFrame, config: CalibrationConfig, path: str | Path) -> None:
    """Posterior samples: parameter columns + ``weight`` (normalised), one row per particle."""
    cols = list(config.parameter_names) + ["weight"]
    path = Path(path)
    tmp = path.with_suffix(path.suffix + ".tmp")
    post[cols].to_csv(tmp, index=False, float_format="%.8g")
    os.replace(tmp, path)


def calibrated_toml(post: pd.DataFrame, config: CalibrationConfig, state: RunState,
                    point: Mapping[str, float], meta: Mapping) -> str:
    """The calibrated-defaults file calibrated.py reads (``[parameters."name"] default = ...``)."""
    summary = summarise_posterior(post, config.parameter_names)
    gens = state.generations
    lines = [
        "# Calibrated defaults, written by `mentorsim calibrate` (src/mentorsim/calibration/abc.py).",
        "# calibrated.py reads `default` of each [parameters.\"name\"]; the other fields are provenance.",
        "# The posterior itself (samples with weights) is posterior.csv beside this file.",
        "",
        "[calibration]",
        f"method = {_q('ABC-SMC (pyABC ' + meta.get('pyabc', '?') + '), uniform priors on the declared ranges, distance = weighted RMS of (simulated - observed)/SE over the fit targets (grouped targets share their group weight), ' + str(config.replicates) + ' replicates per particle')}",
        f"config = {_q(meta.get('config', config.source))}",
        f"date = {_q(meta.get('date', time.strftime('%Y-%m-%d')))}",
        f"git_commit = {_q(meta.get('git_commit', 'unknown'))}",
        f"sampling_git_commits = {json.dumps(sorted({i['git_commit'] for i in state.invocations if i.get('git_commit') and i.get('evaluations', 0) > 0}))}",
        f"mentorsim_version = {_q(meta.get('mentorsim_version', '?'))}",
        f"seed = {config.seed}",
        f"replicates_per_particle = {config.replicates}",
        f"population = {config.population}",
        f"generations = {len(gens)}",
        f"final_epsilon = {float(gens['epsilon'].iloc[-1]) if len(gens) else float('nan'):.6g}",
        f"evaluations = {state.evaluations}",
        f"wall_seconds = {state.wall_seconds:.1f}",
        f"stop_reason = {_q(state.sampling_stop_reason)}",
        f"point_estimate = {_q(config.point)}",
        f"effective_sample_size = {effective_sample_size(post['weight']):.1f}",
        "",
    ]
    for p in config.priors:
        s = summary[p.name]
        lines += [
            f'[parameters."{p.name}"]',
            f"default = {point[p.name]:.6g}",
            f"prior = {_q(f'uniform [{p.low:g}, {p.high:g}]')}",
            f"posterior_mean = {s['mean']:.6g}",
            f"posterior_median = {s['median']:.6g}",
            f"posterior_sd = {s['sd']:.6g}",
            f"posterior_interval95 = [{s['low95']:.6g}, {s['high95']:.6g}]",
            "",
        ]
    return "\n".join(lines)


def _q(s: str) -> str:
    return json.dumps(str(s))


def package_data_dir() -> Path:
    """src/mentorsim/data: where calibrated.toml and posterior.csv are installed."""
    return Path(__file__).resolve().parents[1] / "data"


def load_posterior() -> pd.DataFrame | None:
    """The installed posterior (parameter columns + ``weight``), or None if not calibrated.

    For experiments and probabilistic sensitivity analysis: draw rows with probability ``weight``.
    """
    from importlib import resources
    try:
        with resources.files("mentorsim").joinpath("data", "posterior.csv").open("r") as fh:
            return pd.read_csv(fh)
    except (FileNotFoundError, OSError):
        return None


def draw_posterior(post: pd.DataFrame, n: int, rng: np.random.Generator) -> list[dict[str, float]]:
    """``n`` parameter sets drawn from a weighted posterior (with replacement)."""
    names = [c for c in post.columns if c not in ("weight", "distance") and not c.startswith("sim:")]
    w = post["weight"].to_numpy(dtype=float)
    idx = rng.choice(len(post), size=n, replace=True, p=w / w.sum())
    return [{k: float(post.iloc[i][k]) for k in names} for i in idx]
