"""The run store: one row per run, whole transactions, exports that round-trip."""

from __future__ import annotations

import math
import sqlite3

import pandas as pd
import pytest

from mentorsim.errors import InputError
from mentorsim.experiments.store import RunRecord, RunStore


def make(tmp_path):
    return RunStore.create(tmp_path / "runs.sqlite", ["a.x", "b"], ["y", "z"], {"design_hash": "abc"})


def rec(i, status="done", **kw):
    return RunRecord(run_id=i, point=i // 2, replicate=i % 2, seed=3, params={"a.x": i * 0.5, "b": 1},
                     outputs={"y": float(i), "z": math.nan}, status=status, **kw)


def test_records_read_back_in_order_with_nan_as_missing(tmp_path):
    with make(tmp_path) as s:
        assert s.record([rec(3), rec(0), rec(1, "failed", error="ValueError: no")]) == 3
        f = s.frame()
        assert list(f["run_id"]) == [0, 1, 3]
        assert list(f["a.x"]) == [0.0, 0.5, 1.5]
        assert f["z"].isna().all()
        assert f.loc[f["run_id"] == 1, "error"].item() == "ValueError: no"
        assert s.counts() == {"done": 2, "failed": 1}
        assert s.ids("done") == {0, 3} and s.meta()["design_hash"] == "abc"


def test_a_run_is_stored_once_a_retry_replaces_it(tmp_path):
    with make(tmp_path) as s:
        s.record([rec(1, "failed", error="died")])
        s.record([rec(1, attempts=2)])
        f = s.frame()
        assert len(f) == 1 and f["status"].item() == "done" and f["attempts"].item() == 2


def test_a_batch_is_all_or_nothing(tmp_path):
    with make(tmp_path) as s:
        s.record([rec(0)])
        with pytest.raises(sqlite3.IntegrityError):
            s.record([rec(1), rec(2, status="half-written")])  # the CHECK constraint refuses the second
        assert s.ids() == {0}


def test_reopen_and_exports_round_trip(tmp_path):
    with make(tmp_path) as s:
        s.record([rec(i) for i in range(6)])
    with RunStore.open(tmp_path / "runs.sqlite") as s:
        assert s.params == ("a.x", "b") and s.outputs == ("y", "z")
        s.export_csv(tmp_path / "runs.csv")
        s.export_parquet(tmp_path / "runs.parquet", {"seed": 3})
        base = s.frame()
    csv = pd.read_csv(tmp_path / "runs.csv")
    pq = pd.read_parquet(tmp_path / "runs.parquet")
    assert list(csv["y"]) == list(base["y"]) == list(pq["y"]) == [float(i) for i in range(6)]
    import pyarrow.parquet as papq
    assert b"mentorsim" in papq.read_schema(tmp_path / "runs.parquet").metadata


def test_open_refuses_what_is_not_a_store(tmp_path):
    with pytest.raises(InputError, match="no run store"):
        RunStore.open(tmp_path / "nothing.sqlite")
    (tmp_path / "junk.sqlite").write_text("not a database at all" * 100)
    with pytest.raises(InputError, match="not a mentorsim run store"):
        RunStore.open(tmp_path / "junk.sqlite")
