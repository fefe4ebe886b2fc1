"""CPU time of building one `ss2020` model (``MentorshipModel.__init__``, the per-run set-up), median
over many models after a warm-up (figures printed; no assertions):

- first replicate of a seed: a seed not seen before (replicate 0), so the setting (facilities and
  their staff) is drawn, as in a sweep whose every point is new;
- later replicates: replicates 2, 3, ... of one seed, which copy the setting kept from the
  earlier ones (model.setting), as ``run --replicates N`` and a batch of replicates do;
- new points: replicate 0 of one seed, each with a new value of a parameter the setting does
  not read (``learning.peer_rate``), as another strategy or most points of a Sobol design: the
  parameters' records are made again, and the setting is copied if it is kept under the
  parameters it reads (session 20) or drawn again if it was kept under all of them (before).

The two kinds are built in alternating blocks, so a change in the machine's load touches both
alike (in blocks: a new seed pushes the kept setting out of model.setting's small cache).
The package comes from ``PYTHONPATH`` if set there (to time another checkout's source with the
same script: ``PYTHONPATH=/other/src``), else from this checkout's ``src``.

    PYTHONPATH=src python benchmarks/bench_setup.py [--models 400]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if not os.environ.get("PYTHONPATH"):  # else the package comes from there (to time another checkout)
    sys.path.insert(0, str(ROOT / "src"))

import mentorsim  # noqa: E402
from mentorsim.model.model import MentorshipModel  # noqa: E402
from mentorsim.scenario import load_scenario  # noqa: E402


def setup_times(models: int, rounds: int = 10) -> dict[str, list[float]]:
    """CPU milliseconds of building each of ``models`` ss2020 models of each kind (see module doc),
    in ``rounds`` rounds of a block of each kind."""
    p = dict(load_scenario(ROOT / "scenarios" / "ss2020.toml").params)
    MentorshipModel(p, seed=1, replicate=0).run()  # warm-up: compiled kernels loaded
    out: dict[str, list[float]] = {"first": [], "later": [], "point": []}
    n_points = 0
    per_round = max(1, models // rounds)
    for k in range(rounds):
        for r in range(2):  # seed 1's setting kept again (new seeds, below, push it out of the cache)
            MentorshipModel(p, seed=1, replicate=r).release()
        for i in range(per_round):
            t0 = time.thread_time()
            m = MentorshipModel(p, seed=1, replicate=2 + k * per_round + i)
            out["later"].append(1000 * (time.thread_time() - t0))
            m.release()
        for i in range(per_round):
            t0 = time.thread_time()
            m = MentorshipModel(p, seed=100_000 + k * per_round + i, replicate=0)
            out["first"].append(1000 * (time.thread_time() - t0))
            m.release()
        for r in range(2):  # seed 2's setting kept again
            MentorshipModel(p, seed=2, replicate=r).release()
        for _ in range(per_round):
            n_points += 1
            point = p | {"learning.peer_rate": p["learning.peer_rate"] * (1.0 + 1e-6 * n_points)}
            t0 = time.thread_time()
            m = MentorshipModel(point, seed=2, replicate=0)
            out["point"].append(1000 * (time.thread_time() - t0))
            m.release()
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--models", type=int, default=400, help="models of each kind (default 400)")
    a = ap.parse_args(argv)
    t = setup_times(a.models)
    src = Path(mentorsim.__file__).resolve().parents[1]
    print(f"ss2020 set-up, CPU ms a model (median of {len(t['first'])}; source {src}): "
          f"first replicate of a seed {statistics.median(t['first']):.3f}, "
          f"later replicates {statistics.median(t['later']):.3f}, "
          f"new points outside the setting {statistics.median(t['point']):.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
