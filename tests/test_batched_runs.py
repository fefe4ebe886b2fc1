"""run/compare, cea and the page on the batch path (issue 16): their runs go through
runner.simulate_each in batches and give exactly what one run at a time gave, a failing run
still fails alone with its own error, and progress still counts every replicate."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from conftest import params_with

from mentorsim.economics.evaluation import comparator_params, evaluate_run, evaluate_strategies
from mentorsim.policy import compute as app_compute
from mentorsim.results import run_outcomes
from mentorsim.runner import compare, run, simulate, simulate_each
from mentorsim.scenario import load_scenario


def _same_run(a, b) -> bool:
    """Two RunOutputs with the same facility series and outcomes, bit for bit (NaN equal to NaN)."""
    oa, ob = run_outcomes(a), run_outcomes(b)
    return (set(a.fac) == set(b.fac) and all(np.array_equal(a.fac[k], b.fac[k], equal_nan=True) for k in a.fac)
            and np.array_equal(a.visit_array, b.visit_array, equal_nan=True)
            and list(oa) == list(ob) and all(np.float64(oa[k]).tobytes() == np.float64(ob[k]).tobytes() for k in oa))


def test_compare_gives_every_replicate_as_run_alone_and_counts_each():
    scenarios = [load_scenario("ss2020"), load_scenario("local_mentors").with_params({"followup.months": 3})]
    seen = []
    results = compare(scenarios, seed=4, replicates=5, progress=lambda d, t: seen.append((d, t)))
    assert [d for d, _ in seen] == list(range(1, 11)) and {t for _, t in seen} == {10}
    for sc, res in zip(scenarios, results):
        assert res.scenario is sc and res.seed == 4 and len(res.runs) == 5
        for r, out in enumerate(res.runs):
            assert _same_run(out, simulate(sc.params, 4, r)), (sc.name, r)
    one = run(scenarios[1], seed=4, replicates=2)
    assert all(_same_run(a, b) for a, b in zip(one.runs, results[1].runs[:2]))


def test_simulate_each_gives_runs_alone_whatever_the_batch():
    p, q = params_with(scenario="ss2020"), params_with({"followup.months": 2}, scenario="in_person_only")
    points = [(p, 1, 0), (q, 2, 1), (p, 1, 2), (q, 5, 0), (p, 3, 1)]
    alone = [simulate(*pt) for pt in points]
    for batch in (1, 2, 4, 16):
        outs = list(simulate_each(points, batch=batch))
        assert len(outs) == len(points) and all(_same_run(a, b) for a, b in zip(outs, alone)), batch


def test_a_failing_run_fails_alone_with_its_own_error():
    p = params_with(scenario="ss2020")
    bad = dict(p)
    del bad["visits.interval_weeks"]  # the model cannot be built from it
    with pytest.raises(KeyError) as alone:
        simulate(bad, 1, 2)
    points = [(p, 1, 0), (p, 1, 1), (bad, 1, 2), (p, 1, 3)]
    outs = []
    with pytest.raises(KeyError) as batched:
        for out in simulate_each(points, batch=4):
            outs.append(out)
    assert str(batched.value) == str(alone.value)
    assert len(outs) == 2 and all(_same_run(o, simulate(p, 1, r)) for r, o in enumerate(outs))


def test_cea_records_are_those_of_one_run_at_a_time():
    ss, local = params_with(scenario="ss2020"), params_with(scenario="local_mentors")
    seen = []
    res = evaluate_strategies([("ss2020", ss), ("local", local)], seed=2, replicates=3,
                              progress=lambda d, t: seen.append((d, t)))
    assert [s.name for s in res] == ["no_mentorship", "ss2020", "local"]
    assert seen == [(d, 9) for d in range(1, 10)]
    for s in res:
        expected = []
        for r in range(3):
            comp = simulate(comparator_params(s.params), 2, r)
            own = comp if s.name == "no_mentorship" else None
            expected.append(evaluate_run(s.params, 2, r, comparator=comp, out=own).record)
        pd.testing.assert_frame_equal(s.records().drop(columns=["strategy", "replicate"]),
                                      pd.DataFrame(expected), check_exact=True)


def test_the_page_runs_its_scenario_and_comparator_as_alone():
    sc = load_scenario("ss2020").with_params({"facilities.intervention": 4, "facilities.comparison": 2,
                                              "followup.months": 2})
    seen = []
    first = app_compute.run_scenario(sc, seed=6, replicates=3, progress=lambda d, t: seen.append((d, t)))
    assert [d for d, _ in seen][:6] == list(range(1, 7)) and seen[-1] == (12, 12)
    comp = app_compute.comparator_scenario(sc)
    for r in range(3):
        assert _same_run(first.results.runs[r], simulate(sc.params, 6, r))
        assert _same_run(first.comparator.runs[r], simulate(comp.params, 6, r))
    seen.clear()
    again = app_compute.run_scenario(sc, seed=6, replicates=3, name="again",
                                     progress=lambda d, t: seen.append((d, t)))
    assert again.comparator is first.comparator  # the setting's comparator reused, not run again
    assert [d for d, _ in seen][:3] == [1, 2, 3] and seen[-1] == (6, 6)
    assert all(_same_run(a, b) for a, b in zip(again.results.runs, first.results.runs))


def test_a_process_settles_its_heap_once_after_many_runs():
    """runner.settle_heap: after SETTLE_AFTER_RUNS runs in a process (here 3) the surviving
    objects are frozen out of the garbage collector's passes, once; runs are the same before and
    after. In a fresh interpreter, so this test process's collector is left as it is."""
    import subprocess
    import sys
    import textwrap

    code = textwrap.dedent("""
        import gc
        from mentorsim import load_scenario, runner
        runner.SETTLE_AFTER_RUNS = 3
        p = load_scenario("ss2020").params
        first = [o.fingerprint() for o in runner.simulate_batch([(p, 1, 0), (p, 1, 1)])]
        assert gc.get_freeze_count() == 0
        again = [o.fingerprint() for o in runner.simulate_batch([(p, 1, 0), (p, 1, 1)])]
        frozen = gc.get_freeze_count()
        assert frozen > 10_000 and again == first, (frozen, again == first)
        runner.simulate(p, seed=1)
        assert gc.get_freeze_count() == frozen  # once a process
        print("ok", frozen)
    """)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.startswith("ok"), done.stderr[-2000:]
