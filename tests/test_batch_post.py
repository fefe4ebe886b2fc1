"""What ``run`` and ``compare`` do with a batch of replicates after the model (issue 16): outcomes,
summaries and facility figures computed for all replicates at once give, bit for bit, what each
replicate gives alone and what each quantity's definition gives from the run's own arrays; a
summary is computed once per Results; economics' remembered constants equal fresh ones."""

from __future__ import annotations

import math

import numpy as np
import pytest
from conftest import params_with

from mentorsim import results
from mentorsim.economics.costs import cost_account
from mentorsim.economics.discounting import weekly_factors
from mentorsim.economics.evaluation import comparator_params
from mentorsim.results import Results, batch_outcomes, facility_dose, facility_doses, interval, run_outcomes
from mentorsim.runner import simulate
from mentorsim.scenario import default_scenario
from mentorsim.timeline import month_row


def _bits(x) -> bytes:
    return np.asarray(x, dtype=np.float64).tobytes()


@pytest.fixture(scope="module")
def runs():
    """Runs of four shapes (arm sizes, lengths), interleaved so a shape's runs are not adjacent."""
    ss = params_with(scenario="ss2020")
    return [simulate(ss, 1, 0), simulate(params_with(scenario="local_mentors"), 2, 1), simulate(ss, 1, 1),
            simulate(params_with({"followup.months": 0}, scenario="virtual_only"), 3, 0), simulate(ss, 4, 2),
            simulate(params_with(scenario="ssi_trial"), 1, 0), simulate(ss, 5, 0)]


def test_a_batch_gives_each_run_its_outcomes_alone(runs, monkeypatch):
    """Any grouping and chunking of the runs: the same floats as each run alone, NaNs included."""
    for chunk in (1, 2, 64):
        monkeypatch.setattr(results, "OUTCOME_CHUNK", chunk)
        names, table = batch_outcomes(runs)
        assert names == list(run_outcomes(runs[0]))
        for i, out in enumerate(runs):
            alone = run_outcomes(out)
            assert _bits(table[i]) == _bits(list(alone.values())), (chunk, i)
    assert any(math.isnan(v) for v in run_outcomes(runs[3]).values())  # NaN outcomes are compared too
    names, table = batch_outcomes(runs, ["visits_missed", "composite_month12_pct"])
    assert names == ["visits_missed", "composite_month12_pct"] and table.shape == (len(runs), 2)


def _definition(out) -> dict[str, float]:
    """Some outcomes as their definitions read one run's own arrays (full weekly means, sums of
    the run's [weeks, facilities] blocks): the arithmetic results.py used before batching."""
    n, end, rows = out.n_intervention, out.programme_weeks, out.rows
    m12 = min(month_row(12), rows - 1)
    comp_i, comp_c = out.arm_mean("composite", 0), out.arm_mean("composite", 1)
    saf_i, saf_c = out.arm_mean("safety", 0), out.arm_mean("safety", 1)
    ops, ssi_e = out.fac["operations"][:, :n], out.fac["ssi_expected"][:, :n]
    last = slice(max(1, end + 1 - month_row(1)), end + 1)
    f24 = end + month_row(24)
    lead = (comp_i - comp_i[0]) - ((comp_c - comp_c[0]) if np.isfinite(comp_c[0]) else 0.0)
    elig = out.fac["echo_eligible"][:, :n].sum()
    return {"composite_month12_pct": 100 * comp_i[m12],
            "composite_retained_24m_pct": 100 * lead[f24] / lead[end] if f24 < rows and lead[end] > 1e-9 else np.nan,
            "did_safety_pp": 100 * ((saf_i[m12] - saf_i[0]) - (saf_c[m12] - saf_c[0])),
            "ssi_rate_end_pct": 100 * ssi_e[last].sum() / max(ops[last].sum(), 1),
            "operations": float(ops[1:end + 1].sum()),
            "deaths": float(out.fac["deaths"][1:end + 1, :n].sum()),
            "visits_done": float(out.fac["visits"][:, :n].sum()),
            "echo_attendance_pct": 100 * out.fac["echo_attended"][:, :n].sum() / elig if elig else np.nan,
            "ssc_reported_month6_pct": 100 * out.fac["ssc_reported"][month_row(6)].mean(),
            "survey_great_extent_pct": float(np.mean([out.survey.get(k, np.nan) for k in results.FIVE_AREAS]))}


def test_batched_outcomes_are_their_definitions(runs):
    names, table = batch_outcomes(runs)
    for i, out in enumerate(runs):
        for key, value in _definition(out).items():
            assert _bits(table[i, names.index(key)]) == _bits(value), (i, key)
            assert _bits(run_outcomes(out, [key])[key]) == _bits(value), (i, key)


def test_facility_doses_of_a_batch_are_each_runs(runs):
    same_shape = [r for r in runs if r.fac["composite"].shape == runs[0].fac["composite"].shape
                  and r.programme_weeks == runs[0].programme_weeks]
    assert len(same_shape) >= 3
    batch = facility_doses(same_shape)
    for i, out in enumerate(same_shape):
        for key, value in facility_dose(out).items():
            assert _bits(batch[key][i]) == _bits(value), (i, key)
    assert batch["mentor_days"].sum() > 0 and (batch["visits_made"] > 0).any()


def test_summary_statistics_are_each_outcomes_interval(runs):
    """The summary's means, intervals and percentiles, computed for all outcomes at once, are
    interval() and np.percentile of each outcome's column (outcomes with NaNs, and one replicate)."""
    ss = [r for r in runs if r.n_intervention == runs[0].n_intervention and r.rows == runs[0].rows]
    for group in (ss, ss[:1]):
        res = Results(scenario=default_scenario(), seed=1, runs=group)
        s = res.summary()
        for key in res.outcomes[0]:
            v = np.array([o[key] for o in res.outcomes])
            mean, lo, hi = interval(v)
            f = v[np.isfinite(v)]
            p = [float(np.percentile(f, 2.5)), float(np.percentile(f, 97.5))] if len(f) else [np.nan, np.nan]
            got = [s[key], *s["ci95"][key], *s["range95"][key]]
            want = [x if np.isfinite(x) else None for x in (mean, lo, hi, *p)]
            assert [None if x is None else _bits(x) for x in got] == \
                   [None if x is None else _bits(x) for x in want], key


def test_a_summary_is_computed_once_and_handed_out_fresh(runs, monkeypatch):
    ss = [r for r in runs if r.n_intervention == runs[0].n_intervention and r.rows == runs[0].rows]
    res = Results(scenario=default_scenario(), seed=1, runs=ss)
    calls = []
    compute = Results._compute_summary
    monkeypatch.setattr(Results, "_compute_summary", lambda self: calls.append(1) or compute(self))
    first = res.summary()
    first["composite_month12_pct"] = -1.0
    first["facilities"][0]["id"] = -1
    second = res.summary()
    assert len(calls) == 1 and second["composite_month12_pct"] != -1.0 and second["facilities"][0]["id"] != -1
    res.runs = ss[:2]  # a Results given other runs is summarised again
    res.outcomes = []
    res.__post_init__()
    assert res.summary()["replicates"] == 2 and len(calls) == 2


def test_remembered_costing_constants_equal_fresh_ones(runs):
    f = weekly_factors(200, 0.03)
    assert not f.flags.writeable and f is weekly_factors(200, 0.03)
    assert f[0] == 1.0 and f[-1] < 1.0
    p = params_with(scenario="ss2020")
    out, comp = runs[0], simulate(comparator_params(p), 1, 0)
    acc = cost_account(out, p, comp)
    prog = slice(0, out.programme_weeks)
    for rate, weeks in ((0.03, slice(None)), (0.0, prog), (0.03, slice(None))):
        got = acc.item_totals(rate, weeks)
        got["visits"] = -1.0  # a caller changing the dict it got changes nothing remembered
        fresh = cost_account(out, p, comp).item_totals(rate, weeks)
        assert _bits(list(acc.item_totals(rate, weeks).values())) == _bits(list(fresh.values()))
    assert acc.total(0.03) == cost_account(out, p, comp).total(0.03) > 0


def test_csv_floats_are_written_as_repr_writes_them(monkeypatch):
    """timeseries.csv's fast float formatting (Arrow's, where it matches) gives repr's text for
    floats of every magnitude, sign and kind, and repr's own path gives the same."""
    from mentorsim.cli import run as cli_run
    rng = np.random.default_rng(3)
    bits = rng.integers(0, 2**63, 100_000, dtype=np.int64) * rng.choice([1, -1], 100_000)
    x = np.concatenate([bits.view(np.float64), rng.random(50_000) * 10.0 ** rng.integers(-8, 20, 50_000),
                        np.round(rng.random(20_000) * 100, rng.integers(0, 8, 20_000)[0]),
                        rng.integers(-10**15, 10**15, 20_000).astype(float),
                        [0.0, -0.0, np.nan, -np.nan, np.inf, -np.inf, 5e-324, 1e16, 1e-4, 1e15, 2.0**53]])
    want = list(map(repr, x.tolist()))
    assert cli_run._arrow_matches_repr()
    assert cli_run.float_reprs(x).tolist() == want
    from mentorsim import output_folder
    monkeypatch.setattr(output_folder, "_arrow_matches_repr", lambda: False)
    assert cli_run.float_reprs(x).tolist() == want


def test_csv_writer_with_nothing_to_quote_matches_pandas(tmp_path):
    """The Arrow path (nothing needs quoting): missing strings, booleans, int32, awkward floats,
    a frame cut into uneven parts, give pandas' bytes."""
    import pandas as pd

    from mentorsim.cli import run as cli_run
    n = 57
    floats = [np.nan, -0.0, 0.0, 1e-5, np.inf, 1e16, 0.1 + 0.2, 5e-324, -np.inf, 1e15, 2.5, 1 / 3, 100.0, -7.0]
    frame = pd.DataFrame({"s": (["a", None, "", "arm b"] * 15)[:n], "f": (floats * 5)[:n],
                          "i": np.arange(n, dtype=np.int32) - 20, "j": np.arange(n) * 10**12,
                          "b": ([True, False, True] * 19)[:n], "g": np.linspace(-3, 3, n)})
    steps = []
    cli_run._csv_in_parts(frame, tmp_path / "fast.csv", lambda: steps.append(1))
    frame.to_csv(tmp_path / "pandas.csv", index=False)
    assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
    assert len(steps) == cli_run.CSV_PARTS
