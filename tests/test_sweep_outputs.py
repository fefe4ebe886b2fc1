"""Sweep outputs a pandas/Parquet user can trust: declared column types (the same whether runs
failed or not, so sweeps concatenate), units and descriptions with every column, provenance in
``DataFrame.attrs``, and ``columns.csv`` describing exactly the columns of ``runs.csv``."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from mentorsim.executors import SerialExecutor
from mentorsim.experiments.experiment import load_experiment
from mentorsim.experiments.store import FIXED_COLUMNS, RunRecord, RunStore, fixed_columns, typed_frame
from mentorsim.experiments.sweep import ATTRS_KEYS, run_sweep
from mentorsim.parameters.model_table import PARAMS_BY_NAME
from mentorsim.results import OUTCOME_DOCS

ROOT = Path(__file__).resolve().parents[1]
ARROW = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "string": pa.string(),
         "timestamp": pa.timestamp("us", tz="UTC")}
#: The recipe of docs/EXPERIMENTS.md for reading runs.csv with its declared types.
CSV_TYPES = {"int": "int64", "float": "float64", "bool": "bool", "string": "str"}


def callable_sweep(tmp_path: Path, name: str, x1: list[float], seed: int = 4) -> Path:
    """A grid sweep of tests/sweep_targets.py:flaky, which fails for x1 > 1."""
    path = tmp_path / f"{name}.toml"
    path.write_text(f"""
[experiment]
name = "{name}"
seed = {seed}
replicates = 2
outputs = ["y", "noise"]
target = "sweep_targets:flaky"
[design]
method = "grid"
[parameters]
x1 = {{ values = {x1} }}
x2 = {{ values = [0.0, 1.0] }}
x3 = {{ values = [0.5] }}
""")
    out = tmp_path / name
    run_sweep(load_experiment(path), out, SerialExecutor(), progress=False)
    return out


@pytest.fixture(scope="module")
def model_sweep(tmp_path_factory) -> Path:
    """A model sweep over a whole-number parameter and a switch (4 short runs)."""
    tmp = tmp_path_factory.mktemp("model")
    path = tmp / "types.toml"
    path.write_text(f"""
[experiment]
name = "types"
seed = 7
replicates = 1
outputs = ["composite_month12_pct", "visits_missed", "skill_clinical_month12", "did_safety_pp"]
base = "{ROOT / 'scenarios' / 'ss2020.toml'}"
[fixed]
"followup.months" = 0
"facilities.comparison" = 2
[design]
method = "grid"
[parameters]
"visits.interval_weeks" = {{ values = [4, 13] }}
"echo.enabled" = {{ values = [true, false] }}
""")
    out = tmp / "out"
    s = run_sweep(load_experiment(path), out, SerialExecutor(), progress=False)
    assert s.complete and s.done == 4
    return out


def read_csv_typed(folder: Path) -> pd.DataFrame:
    cols = pd.read_csv(folder / "columns.csv", keep_default_na=False)
    return pd.read_csv(folder / "runs.csv",
                       dtype={c.name: CSV_TYPES[c.type] for c in cols.itertuples() if c.type in CSV_TYPES},
                       parse_dates=list(cols.name[cols.type == "timestamp"]))


def test_types_are_the_same_with_and_without_failures_and_sweeps_concatenate(tmp_path):
    ok = callable_sweep(tmp_path, "ok", [0.25, 0.75])
    bad = callable_sweep(tmp_path, "bad", [0.25, 2.0], seed=5)
    assert pd.read_parquet(ok / "runs.parquet")["error"].isna().all()
    assert pd.read_parquet(bad / "runs.parquet")["error"].notna().sum() == 4  # x1 = 2: 2 points x 2 replicates
    sa, sb = pq.read_schema(ok / "runs.parquet"), pq.read_schema(bad / "runs.parquet")
    assert sa.field("error").type == pa.string()  # was null when nothing failed
    assert sa.equals(sb, check_metadata=False)
    table = pa.concat_tables([pq.read_table(ok / "runs.parquet"), pq.read_table(bad / "runs.parquet")])
    assert table.num_rows == 16 and table.schema.field("error").type == pa.string()
    fa, fb = pd.read_parquet(ok / "runs.parquet"), pd.read_parquet(bad / "runs.parquet")
    assert dict(fa.dtypes) == dict(fb.dtypes)
    both = pd.concat([fa, fb], ignore_index=True)
    assert dict(both.dtypes) == dict(fa.dtypes) and list(both["error"].dropna().unique()) == [
        "ValueError: x1 = 2.000 is too large for this target"]
    # runs.csv read with columns.csv's types gives the Parquet frame's types and values
    for folder, frame in ((ok, fa), (bad, fb)):
        csv = read_csv_typed(folder)
        assert dict(csv.dtypes) == dict(frame.dtypes)
        pd.testing.assert_frame_equal(csv.drop(columns="elapsed_s"), frame.drop(columns="elapsed_s"),
                                      check_dtype=True)


def test_whole_numbers_switches_and_times_are_typed(model_sweep):
    schema = pq.read_schema(model_sweep / "runs.parquet")
    assert schema.field("visits.interval_weeks").type == pa.int64()
    assert schema.field("echo.enabled").type == pa.bool_()
    assert schema.field("finished_at").type == pa.timestamp("us", tz="UTC")
    df = pd.read_parquet(model_sweep / "runs.parquet")
    assert sorted(df["visits.interval_weeks"].tolist()) == [4, 4, 13, 13]
    assert df["echo.enabled"].tolist().count(True) == 2 and df["echo.enabled"].dtype == bool
    now = pd.Timestamp.now(tz="UTC")
    assert ((now - df["finished_at"]) < pd.Timedelta(hours=1)).all() and (df["finished_at"] <= now).all()
    # the dotted-name queries of docs/EXPERIMENTS.md
    assert len(df.query("`visits.interval_weeks` == 4")) == 2 == (df["visits.interval_weeks"] == 4).sum()
    csv = (model_sweep / "runs.csv").read_text().splitlines()
    header = csv[0].split(",")
    row = dict(zip(header, csv[1].split(",")))
    assert row["visits.interval_weeks"] == "4" and row["echo.enabled"] == "True"
    assert row["finished_at"].endswith("+00:00")


def test_units_and_descriptions_travel_with_the_columns(model_sweep):
    schema = pq.read_schema(model_sweep / "runs.parquet")
    cols = pd.read_csv(model_sweep / "columns.csv", keep_default_na=False)
    runs = pd.read_csv(model_sweep / "runs.csv", nrows=1)
    assert list(cols["name"]) == list(runs.columns) == schema.names
    assert list(cols.columns) == ["name", "unit", "type", "description", "source"]
    for c in cols.itertuples():
        field = schema.field(c.name)
        meta = {k.decode(): v.decode() for k, v in field.metadata.items()}
        assert meta == {"unit": c.unit, "description": c.description, "source": c.source}
        assert field.type == ARROW[c.type], c.name
        assert c.description, c.name  # every column of a model sweep is described
    by = cols.set_index("name")
    p = PARAMS_BY_NAME["visits.interval_weeks"]
    assert (by.loc[p.name, "unit"], by.loc[p.name, "type"], by.loc[p.name, "description"],
            by.loc[p.name, "source"]) == (p.unit, "int", p.description, "parameter table")
    assert by.loc["echo.enabled", "type"] == "bool"
    assert by.loc["composite_month12_pct", "description"] == OUTCOME_DOCS["composite_month12_pct"]
    assert by.loc["composite_month12_pct", "source"] == "results.OUTCOME_DOCS"
    units = dict(zip(by.index, by["unit"]))
    assert (units["composite_month12_pct"], units["did_safety_pp"], units["skill_clinical_month12"],
            units["visits_missed"], units["elapsed_s"], units["finished_at"]) == (
        "%", "percentage points", "share", "count", "s", "UTC")
    assert set(FIXED_COLUMNS) <= set(by.index)


def test_provenance_is_in_attrs_after_plain_read_parquet(model_sweep):
    manifest = json.loads((model_sweep / "manifest.json").read_text())
    assert "columns.csv" in manifest["files"]
    meta = manifest["metadata"]
    for df in (pd.read_parquet(model_sweep / "runs.parquet"), pq.read_table(model_sweep / "runs.parquet").to_pandas()):
        assert set(df.attrs) == set(ATTRS_KEYS)
        assert df.attrs["experiment"] == "types" == meta["experiment"]["name"]
        assert df.attrs["design_hash"] == meta["design_hash"]
        assert df.attrs["mentorsim_version"] == meta["mentorsim_version"]
        assert df.attrs["git_commit"] == meta["git_commit"] and df.attrs["git_commit"]
        assert df.attrs["seed"] == 7 and df.attrs["replicates"] == 1 and df.attrs["runs_done"] == 4
    # the whole manifest (experiment spec, libraries) stays in the schema for pyarrow users
    full = json.loads(pq.read_schema(model_sweep / "runs.parquet").metadata[b"mentorsim"])
    assert full["experiment"]["parameters"]["echo.enabled"] == {"values": [True, False]}


def test_times_stored_without_an_offset_are_local_times(tmp_path, monkeypatch):
    """Stores written before times carried an offset hold the coordinator's local time."""
    monkeypatch.setenv("TZ", "Africa/Dar_es_Salaam")  # UTC+3, no daylight saving
    time.tzset()
    try:
        frame = pd.DataFrame({"finished_at": ["2026-01-01T12:00:00", "2026-01-01T12:00:00+00:00", None]})
        cols = [c for c in fixed_columns() if c.name == "finished_at"]
        got = typed_frame(frame, cols)["finished_at"]
    finally:
        monkeypatch.delenv("TZ")
        time.tzset()
    assert str(got.dtype) == "datetime64[us, UTC]"
    assert got[0] == pd.Timestamp("2026-01-01T09:00:00Z") and got[1] == pd.Timestamp("2026-01-01T12:00:00Z")
    assert pd.isna(got[2])


def test_store_exports_keep_types_without_a_sweep(tmp_path):
    """RunStore's own exports (no experiment at hand): parameters and outputs as floats, the
    store's columns typed and documented, no attrs unless given."""
    with RunStore.create(tmp_path / "runs.sqlite", ["a"], ["y"], {"design_hash": "x"}) as s:
        s.record([RunRecord(run_id=0, point=0, replicate=0, seed=1, params={"a": 2}, outputs={"y": 1.5})])
        s.export_parquet(tmp_path / "runs.parquet", {"seed": 1})
        s.export_parquet(tmp_path / "attrs.parquet", attrs={"experiment": "e"})
    schema = pq.read_schema(tmp_path / "runs.parquet")
    assert schema.field("error").type == pa.string() and schema.field("a").type == pa.float64()
    assert schema.field("attempts").metadata[b"unit"] == b"count"
    assert pd.read_parquet(tmp_path / "runs.parquet").attrs == {}
    assert pd.read_parquet(tmp_path / "attrs.parquet").attrs == {"experiment": "e"}


def test_fast_csv_gives_pandas_bytes_for_the_sweeps_tables(model_sweep, tmp_path):
    """runs.csv and points.csv (output_folder.write_csv) are the bytes DataFrame.to_csv writes,
    including times (UTC, with and without fractions of a second, missing) and quoted strings."""
    import numpy as np

    from mentorsim.output_folder import write_csv
    runs = pd.read_parquet(model_sweep / "runs.parquet")
    runs.to_csv(tmp_path / "pandas.csv", index=False)
    assert (model_sweep / "runs.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
    times = pd.Series(pd.to_datetime(["2026-01-02T03:04:05+00:00", "2026-01-02T03:04:05.25+00:00", None,
                                      "2026-01-02T03:04:05+00:00"], utc=True, format="ISO8601"))
    for frame in (pd.DataFrame({"t": times, "x": [1.0, np.nan, 1e-7, 2.0], "e": [None, "a,b", "c", 'q"']}),
                  pd.DataFrame({"t": times.iloc[[0, 2, 3]], "x": [1.0, 2.0, 3.0]}),
                  pd.DataFrame({"t": pd.to_datetime(["2026-01-02", None, "2026-01-03"]), "i": [1, 2, 3]})):
        write_csv(frame, tmp_path / "fast.csv")
        frame.to_csv(tmp_path / "pandas.csv", index=False)
        assert (tmp_path / "fast.csv").read_bytes() == (tmp_path / "pandas.csv").read_bytes()
