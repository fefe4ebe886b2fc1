"""How long a page run takes: the scenario and no mentorship over replicates, the costing, the
figures. Prints figures; run with `python benchmarks/bench_app.py [replicates] [facilities]`."""

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
    sc = base_scenario().with_params({"facilities.intervention": facilities})
    simulate(sc.params, seed=1)  # compile / load the kernels once
    print(f"economics: {app_econ.status()[1]}")
    for label, params in (("first run (scenario + no mentorship + costing)", {}),
                          ("second run, comparator reused", {"visits.interval_weeks": 4})):
        marks = {}
        start = time.perf_counter()
        run = app_compute.run_scenario(sc.with_params(params), seed=1, replicates=replicates,
                                       on_core=lambda _r: marks.setdefault("core", time.perf_counter() - start))
        total = time.perf_counter() - start
        t0 = time.perf_counter()
        figs = [app_figures.composite([run]), app_figures.skills([run]), app_figures.attendance([run]),
                app_figures.gain_over_comparator([run]), app_figures.costs_by_item([run]),
                app_figures.cost_effect_plane([run])]
        for f in figs:
            app_figures.png(f, dpi=80)
        draw = time.perf_counter() - t0
        print(f"{label}: {facilities} facilities, {replicates} replicates: simulations {marks['core']:.2f} s, "
              f"total with costing {total:.2f} s, six figures {draw:.2f} s")


if __name__ == "__main__":
    main()
