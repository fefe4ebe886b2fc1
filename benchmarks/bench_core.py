"""Core speed benchmarks (figures printed; no assertions). Run: `make bench` or
`.venv/bin/python benchmarks/bench_core.py [--quick]`.

1. One replicate of scenarios/ss2020.toml (17 months + 24-month follow-up), in process:
   median wall time over many runs after a warm-up (target: under 20 ms).
2. Throughput at national scale: provider-weeks per second at ~100,000 providers over the whole
   programme (target: at least 10 million), with all cores and with one, and memory per provider
   at three sizes (should be flat: linear memory).
3. Mesa's Boltzmann wealth example run side by side on the same machine, for a reference ratio.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

import mesa
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from mentorsim.model.blocks import threads  # noqa: E402
from mentorsim.model.model import MentorshipModel  # noqa: E402
from mentorsim.runner import simulate  # noqa: E402
from mentorsim.scenario import load_scenario  # noqa: E402


def bench_ss2020(runs: int) -> dict:
    p = dict(load_scenario(ROOT / "scenarios" / "ss2020.toml").params)
    simulate(p, seed=0)  # warm-up: compiles or loads the cached kernels
    times = []
    for i in range(runs):
        t = time.perf_counter()
        simulate(p, seed=1, replicate=i)
        times.append(time.perf_counter() - t)
    return {"runs": runs, "median_ms": 1000 * statistics.median(times),
            "p10_ms": 1000 * float(np.percentile(times, 10)), "p90_ms": 1000 * float(np.percentile(times, 90))}


def national(n_facilities: int) -> dict:
    """A national scale-up: n facilities, a hub team per 10 facilities, programme only."""
    p = dict(load_scenario(ROOT / "scenarios" / "ss2020.toml").params)
    p.update({"facilities.intervention": n_facilities, "facilities.comparison": 0,
              "mentors.teams": max(1, n_facilities // 10), "followup.months": 0})
    return p


def bench_throughput(n_facilities: int, repeats: int = 5) -> dict:
    """Provider-weeks per second over the whole programme (17 months: training, handover and
    the survey included; set-up timed apart), median of ``repeats`` fresh models after a
    warm-up; plus the steady state of weeks 3-22 (visits, ECHO and WhatsApp only). Runs with
    the default threads (all cores) and with one (``MENTORSIM_THREADS=1``: the same blocks one
    after another), alternating, so both see the same machine conditions."""
    p = national(n_facilities)
    warm = MentorshipModel(p, seed=0)
    for _ in range(3):
        warm.step()
    warm.release()
    modes = {"default": None, "one thread": "1"}
    whole = {k: [] for k in modes}
    steady = {k: [] for k in modes}
    init = []
    saved = os.environ.get("MENTORSIM_THREADS")
    try:
        for r in range(repeats):
            for mode, env in modes.items():
                if env is None:
                    os.environ.pop("MENTORSIM_THREADS", None)
                else:
                    os.environ["MENTORSIM_THREADS"] = env
                t = time.perf_counter()
                m = MentorshipModel(p, seed=1, replicate=r)
                init.append(time.perf_counter() - t)
                weeks = m.time.total_weeks
                t = time.perf_counter()
                for w in range(weeks):
                    if w == 2:
                        t_steady = time.perf_counter()
                    m.step()
                    if w == 21:
                        steady[mode].append(20 / (time.perf_counter() - t_steady))
                whole[mode].append(weeks / (time.perf_counter() - t))
                m.release()
    finally:
        if saved is None:
            os.environ.pop("MENTORSIM_THREADS", None)
        else:
            os.environ["MENTORSIM_THREADS"] = saved
    n = m.providers.n
    return {"providers": n, "facilities": n_facilities, "weeks": weeks, "repeats": repeats,
            "blocks": len(m.blocks), "threads": threads(), "init_s": statistics.median(init),
            "seconds_per_week": 1.0 / statistics.median(whole["default"]),
            "provider_weeks_per_s": n * statistics.median(whole["default"]),
            "steady_provider_weeks_per_s": n * statistics.median(steady["default"]),
            "one_thread_provider_weeks_per_s": n * statistics.median(whole["one thread"]),
            "one_thread_steady_provider_weeks_per_s": n * statistics.median(steady["one thread"])}


def bench_memory(n_facilities: int) -> dict:
    p = national(n_facilities)
    tracemalloc.start()
    m = MentorshipModel(p, seed=1)
    for _ in range(3):
        m.step()
    _current, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return {"providers": m.providers.n, "peak_mb": peak / 1e6, "bytes_per_provider": peak / m.providers.n}


class WealthAgent(mesa.Agent):
    def __init__(self, model):
        super().__init__(model)
        self.wealth = 1

    def step(self):
        if self.wealth > 0:
            other = self.random.choice(self.model.agent_list)
            other.wealth += 1
            self.wealth -= 1


class BoltzmannWealth(mesa.Model):
    """Mesa's Boltzmann wealth example (no grid): each agent gives a unit to a random agent."""

    def __init__(self, n, seed=1):
        super().__init__(seed=seed)
        WealthAgent.create_agents(self, n)
        self.agent_list = list(self.agents)

    def step(self):
        self.agents.shuffle_do("step")


def bench_boltzmann(n: int, steps: int) -> dict:
    m = BoltzmannWealth(n)
    t = time.perf_counter()
    for _ in range(steps):
        m.step()
    el = time.perf_counter() - t
    return {"agents": n, "steps": steps, "agent_steps_per_s": n * steps / el}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs and a smaller national model")
    a = ap.parse_args(argv)
    runs = 20 if a.quick else 100
    big = 1000 if a.quick else 4400
    print(f"mentorsim core benchmarks (mesa {mesa.__version__}, numpy {np.__version__})\n")
    r = bench_ss2020(runs)
    print(f"ss2020, 1 replicate, 41 months (178 weeks), {r['runs']} runs: median {r['median_ms']:.1f} ms "
          f"(p10 {r['p10_ms']:.1f}, p90 {r['p90_ms']:.1f})   target < 20 ms")
    t = bench_throughput(big, repeats=1 if a.quick else 5)
    print(f"national scale: {t['providers']:,} providers, {t['facilities']} facilities in {t['blocks']} blocks, "
          f"whole programme ({t['weeks']} weeks, median of {t['repeats']}), {t['threads']} threads: "
          f"{t['provider_weeks_per_s'] / 1e6:.1f} M provider-weeks/s ({1000 * t['seconds_per_week']:.1f} ms/week, "
          f"set-up {t['init_s']:.2f} s)   target >= 10 M")
    print(f"  steady state (weeks 3-22): {t['steady_provider_weeks_per_s'] / 1e6:.1f} M provider-weeks/s")
    print(f"  one thread (MENTORSIM_THREADS=1): whole programme {t['one_thread_provider_weeks_per_s'] / 1e6:.1f} M, "
          f"steady state {t['one_thread_steady_provider_weeks_per_s'] / 1e6:.1f} M provider-weeks/s")
    for n in ((250, 500, 1000) if a.quick else (1100, 2200, 4400)):
        mem = bench_memory(n)
        print(f"memory: {mem['providers']:>7,} providers: peak {mem['peak_mb']:7.1f} MB, "
              f"{mem['bytes_per_provider']:6.0f} bytes/provider")
    b = bench_boltzmann(1000, 50 if a.quick else 200)
    print(f"Mesa Boltzmann wealth, {b['agents']} agents: {b['agent_steps_per_s'] / 1e6:.2f} M agent-steps/s")
    print(f"ratio: mentorsim national throughput (whole programme) / Mesa Boltzmann = "
          f"{t['provider_weeks_per_s'] / b['agent_steps_per_s']:.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
