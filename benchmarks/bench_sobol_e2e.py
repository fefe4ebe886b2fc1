"""The full Sobol analysis end to end, as a user runs it, timed by phase (issue 16: < 60 s).

Runs ``mentorsim sensitivity experiments/sobol_uncertain.toml --workers 2 --out OUT`` in this
process (26,624 runs of the model) and prints, in seconds from the start of this script:

- ``imported``: the command line imported; ``sweep start``: the sweep called (the experiment read);
- per worker: when it took its first chunk (its start-up: fork, imports, kernels, base scenario,
  then its first chunk of runs) and when it finished its last one (``idle`` = how long before the
  last run of all it ran out of work: the tail of the guided self-scheduling);
- ``first chunk`` / ``last chunk``: stored by the parent; ``done``: everything written (exports,
  indices, plots), so ``post`` = ``done - last chunk`` is what follows the runs;
- CPU: this process (user + system) and its children (workers and helper processes).

With an OUT that already holds the finished sweep, only the imports and what follows the runs
are measured (the sweep finds every run stored)::

    PYTHONPATH=src python benchmarks/bench_sobol_e2e.py OUT

The timings move with the machine's load (printed): alternate trees run by run to compare.
"""

from __future__ import annotations

import time

T0 = time.perf_counter()

import os  # noqa: E402
import resource  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

_REAL: dict = {}  # the wrapped functions, and where the workers write their chunks' spans


def run_chunk(job, chunk, attempt=1):
    """sweep.run_chunk, timed (in the workers, which inherit this module from the fork)."""
    start = time.perf_counter()
    records = _REAL["run_chunk"](job, chunk, attempt)
    with open(_REAL["spans"], "a") as f:
        f.write(f"{os.getpid()} {start - T0:.4f} {time.perf_counter() - T0:.4f} {len(chunk)}\n")
    return records


def main() -> None:
    import argparse
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out", type=Path, help="output folder (reused if it holds the finished sweep)")
    ap.add_argument("--experiment", type=Path, default=Path("experiments/sobol_uncertain.toml"))
    args = ap.parse_args()
    spans = Path(f"{args.out}.spans-{os.getpid()}")
    spans.unlink(missing_ok=True)
    marks: dict[str, float] = {}

    from mentorsim.experiments import sweep
    real_sweep = sweep.run_sweep
    _REAL.update(run_chunk=sweep.run_chunk, spans=spans)

    def run_sweep(*a, **k):
        marks["sweep start"] = time.perf_counter() - T0
        n = [0]

        def on_chunk(stored):
            now = time.perf_counter() - T0
            if n[0] == 0:
                marks["first chunk"] = now
            n[0] += 1
            marks["last chunk"] = now
        k["on_chunk"] = on_chunk
        return real_sweep(*a, **k)

    sweep.run_sweep, sweep.run_chunk = run_sweep, run_chunk
    import mentorsim.cli.main as cli
    marks["imported"] = time.perf_counter() - T0
    try:
        code = cli.main(["sensitivity", str(args.experiment), "--workers", "2", "--out", str(args.out)])
    except SystemExit as exc:
        code = exc.code
    marks["done"] = time.perf_counter() - T0
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    chunks: dict[str, list[tuple[float, float, int]]] = {}
    if spans.exists():
        for line in spans.read_text().split("\n"):
            if line:
                pid, a, b, n = line.split()
                chunks.setdefault(pid, []).append((float(a), float(b), int(n)))
        spans.unlink()
    end = max((c[1] for cs in chunks.values() for c in cs), default=float("nan"))
    print(f"exit {code}; load average {os.getloadavg()[0]:.2f} (1 min) at the end", file=sys.stderr)
    print("marks (s): " + ", ".join(f"{k} {v:.2f}" for k, v in marks.items()), file=sys.stderr)
    for pid, cs in sorted(chunks.items(), key=lambda kv: min(kv[1])):
        cs.sort()
        (a, b, n), last = cs[0], cs[-1][1]
        per_run = statistics.median((y - x) / k for x, y, k in cs[1:]) if len(cs) > 1 else float("nan")
        print(f"  worker {pid}: first chunk taken {a:.2f}, {n} runs in {b - a:.2f} s (later chunks "
              f"{1000 * per_run:.2f} ms a run, median); last chunk ended {last:.2f} (idle {end - last:.2f} s "
              f"before the last run); {sum(k for *_, k in cs)} runs in {len(cs)} chunks", file=sys.stderr)
    if "last chunk" in marks:
        print(f"post (done - last chunk) {marks['done'] - marks['last chunk']:.2f} s", file=sys.stderr)
    print(f"CPU s: this process {me.ru_utime:.2f} user + {me.ru_stime:.2f} sys; children {kids.ru_utime:.2f} "
          f"user + {kids.ru_stime:.2f} sys", file=sys.stderr)


if __name__ == "__main__":
    main()
