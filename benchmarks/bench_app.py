"""How long a page run takes: the scenario and no mentorship over replicates, the costing, the
figures. Prints medians of wall and CPU time (the machine is shared: CPU time moves less);
asserts nothing.

    PYTHONPATH=src python benchmarks/bench_app.py [replicates] [facilities] [repeats]
"""

import statistics
import sys
import time

from mentorsim.policy import compute as app_compute
from mentorsim.policy import economics as app_econ
from mentorsim.policy import figures as app_figures
from mentorsim.policy.levers import base_scenario
from mentorsim.runner import simulate


def main() -> None:
    replicates = int(sys.argv[1]) if len(sys.argv) > 1 else 20
    facilities = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    sc = base_scenario().with_params({"facilities.intervention": facilities})
    simulate(sc.params, seed=1)  # compile / load the kernels once
    app_compute.run_scenario(sc, seed=2, replicates=2)  # and the costing's first calls
    print(f"economics in {app_econ.price_label()}; {facilities} facilities, {replicates} replicates, "
          f"median of {repeats}")
    for label, params in (("first run (scenario + no mentorship + costing)", {}),
                          # a lever the comparator does not have (no mentorship has no WhatsApp
                          # groups), so its setting, and its cached runs, are the first run's; a
                          # lever such as visits.interval_weeks is part of the comparator's
                          # parameters and would run it again
                          ("second run, comparator reused", {"whatsapp.enabled": False})):
        walls, cpus, cores = [], [], []
        for _ in range(repeats):
            if not params:
                app_compute._COMPARATORS.clear()
            else:
                app_compute.run_scenario(sc, seed=1, replicates=replicates)  # the comparator to reuse
            marks = {}
            start, cpu0 = time.perf_counter(), time.process_time()
            app_compute.run_scenario(sc.with_params(params), seed=1, replicates=replicates,
                                     on_core=lambda _r: marks.setdefault("core", time.perf_counter() - start))
            walls.append(time.perf_counter() - start)
            cpus.append(time.process_time() - cpu0)
            cores.append(marks["core"])
        print(f"{label}: total {statistics.median(walls):.2f} s wall ({statistics.median(cpus):.2f} s CPU), "
              f"simulations {statistics.median(cores):.2f} s wall")
    run = app_compute.run_scenario(sc, seed=1, replicates=replicates)
    t0 = time.perf_counter()
    figs = [app_figures.composite([run]), app_figures.skills([run]), app_figures.attendance([run]),
            app_figures.gain_over_comparator([run]), app_figures.costs_by_item([run]),
            app_figures.cost_effect_plane([run])]
    for f in figs:
        app_figures.png(f, dpi=80)
    print(f"six figures: {time.perf_counter() - t0:.2f} s wall")


if __name__ == "__main__":
    main()
