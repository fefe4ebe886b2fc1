"""The run store: an embedded SQLite database with one row per run of a sweep.

Table ``runs``: ``run_id`` (primary key: ``point * replicates + replicate``), ``point``,
``replicate``, ``seed``, ``status`` (``done`` or ``failed``), ``error``, ``attempts``,
``elapsed_s`` (the run's own time, seconds), ``worker``, ``finished_at``, then one column per
varied parameter (named as the parameter) and one per output of interest (NULL when the run
failed or the output is not a number). Table ``meta``: the experiment, its design fingerprint and
provenance, as JSON.

Exports (``runs.csv``, ``runs.parquet``, ``columns.csv``) carry the same columns with stable types
whatever happened in the sweep: each column's type comes from :class:`Column` (``int``, ``float``,
``bool``, ``string``, ``timestamp``), not from the values, so ``error`` is a string column even when
nothing failed, whole-number parameters are integers, switches booleans and ``finished_at`` a UTC
timestamp; Parquet fields carry ``unit``, ``description`` and ``source`` metadata, and the schema
the provenance as ``DataFrame.attrs`` (read back by ``pandas.read_parquet``).

A row is written only when its run has finished, in a transaction with others, so a sweep killed
at any moment (even ``kill -9``) leaves whole rows only: a run is either stored once, completely,
or not at all, and ``--resume`` redoes exactly the missing ones. The database runs in WAL mode
with ``synchronous=FULL``.
"""

from __future__ import annotations

import json
import math
import os
import sqlite3
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from mentorsim.errors import input_error
from mentorsim.executors import process_alive
from mentorsim.output_folder import write_csv

STORE_FILE = "runs.sqlite"
FIXED_COLUMNS = ("run_id", "point", "replicate", "seed", "status", "error", "attempts", "elapsed_s",
                 "worker", "finished_at")
SCHEMA_VERSION = 1
#: Infix of the temporary file a store is created in (``runs.sqlite.creating-<pid>``).
CREATING = ".creating-"
#: Types a sweep export column can have (columns.csv ``type``), with their Arrow and pandas types.
COLUMN_TYPES = ("int", "float", "bool", "string", "timestamp")
#: The store's own columns: (type, unit, description).
FIXED_COLUMN_DOCS: dict[str, tuple[str, str, str]] = {
    "run_id": ("int", "", "Run number, point * replicates + replicate (one row per run)."),
    "point": ("int", "", "Design point (row of points.csv), from 0."),
    "replicate": ("int", "", "Replicate, from 0; replicate r shares its random streams across points."),
    "seed": ("int", "", "Experiment seed; with the replicate it fixes all of the run's randomness."),
    "status": ("string", "", "done, or failed (the target raised or the point was refused)."),
    "error": ("string", "", "Why a failed run failed ('ExceptionType: message'); empty when done."),
    "attempts": ("int", "count", "Times the run was started (a worker that died is retried)."),
    "elapsed_s": ("float", "s", "Time spent in the target itself (wall clock; model runs computed in one batch "
                  "share its time equally)."),
    "worker": ("string", "", "Worker that ran it, host:pid (empty if the worker was lost)."),
    "finished_at": ("timestamp", "UTC", "When the run was stored (UTC)."),
}


@dataclass(frozen=True)
class Column:
    """One column of a sweep's exports (a row of ``columns.csv``).

    Attributes:
        name: column name as in runs.csv / runs.parquet (parameters keep their dotted names).
        type: one of COLUMN_TYPES.
        unit: unit (``%``, ``weeks``, ``s``, ...), empty when it has none.
        description: one line.
        source: where the description comes from (``run store``, ``parameter table``,
            ``results.OUTCOME_DOCS``, ``experiment file``).
    """

    name: str
    type: str
    unit: str
    description: str
    source: str

    def __post_init__(self):
        if self.type not in COLUMN_TYPES:
            raise ValueError(f"column {self.name}: type {self.type!r} is not one of {', '.join(COLUMN_TYPES)}")


def fixed_columns() -> list[Column]:
    """The store's own columns, documented."""
    return [Column(n, t, u, d, "run store") for n, (t, u, d) in FIXED_COLUMN_DOCS.items()]


@dataclass
class RunRecord:
    """One finished run (done or failed)."""

    run_id: int
    point: int
    replicate: int
    seed: int
    params: Mapping[str, float]
    outputs: Mapping[str, float] = field(default_factory=dict)
    status: str = "done"
    error: str | None = None
    attempts: int = 1
    elapsed_s: float = 0.0
    worker: str = ""


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


class RunStore:
    """A sweep's runs in SQLite. Use :meth:`create` or :meth:`open`; close with :meth:`close`."""

    def __init__(self, path: Path, conn: sqlite3.Connection, params: Sequence[str], outputs: Sequence[str]):
        self.path = path
        self.conn = conn
        self.params = tuple(params)
        self.outputs = tuple(outputs)
        self._insert = (f"INSERT OR REPLACE INTO runs ({', '.join(_q(c) for c in self.columns)}) "
                        f"VALUES ({', '.join('?' for _ in self.columns)})")

    @property
    def columns(self) -> tuple[str, ...]:
        return FIXED_COLUMNS + self.params + self.outputs

    # -- opening -------------------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, params: Sequence[str], outputs: Sequence[str], meta: Mapping) -> RunStore:
        """A new, empty store (the file must not exist).

        Atomic: the tables and metadata are written to a temporary file beside ``path`` in one
        transaction, which is then renamed to ``path``. A kill, a full disk or a bad column name
        at any moment leaves either no store or a whole one (and at worst a temporary file,
        removed by the next attempt: :func:`remove_stale`).
        """
        path = Path(path)
        names = [c.lower() for c in (*FIXED_COLUMNS, *params, *outputs)]
        if len(set(names)) != len(names) or not all(n.strip() for n in names):
            raise input_error(str(path), None, "parameter and output names must be non-empty and distinct from "
                              "each other and from the stored columns, ignoring case", list(params) + list(outputs))
        tmp = path.with_name(f"{path.name}{CREATING}{os.getpid()}")
        cols = ["run_id INTEGER PRIMARY KEY", "point INTEGER NOT NULL", "replicate INTEGER NOT NULL",
                "seed INTEGER NOT NULL", "status TEXT NOT NULL CHECK (status IN ('done', 'failed'))",
                "error TEXT", "attempts INTEGER NOT NULL", "elapsed_s REAL", "worker TEXT", "finished_at TEXT"]
        cols += [f"{_q(p)} REAL" for p in params] + [f"{_q(o)} REAL" for o in outputs]
        try:
            tmp.unlink(missing_ok=True)
            conn = sqlite3.connect(str(tmp))  # rollback journal: one file to rename
            try:
                with conn:
                    conn.execute("CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)")
                    conn.execute(f"CREATE TABLE runs ({', '.join(cols)})")
                    rows = dict(meta) | {"schema_version": SCHEMA_VERSION, "params": list(params),
                                         "outputs": list(outputs)}
                    conn.executemany("INSERT INTO meta VALUES (?, ?)",
                                     [(k, json.dumps(v, default=str)) for k, v in rows.items()])
            finally:
                conn.close()
            _fsync(tmp)
            os.replace(tmp, path)
        except BaseException as exc:
            tmp.unlink(missing_ok=True)
            if isinstance(exc, OSError | sqlite3.OperationalError):
                raise input_error(str(path), None, f"cannot create the run store ({exc})") from None
            raise
        return cls(path, _connect(path), params, outputs)

    @staticmethod
    def remove_stale(path: str | Path) -> bool:
        """Remove what an interrupted :meth:`create` can leave beside ``path``: temporary files, and
        (from versions that created a store in several steps) a ``path`` that is an SQLite file
        without a complete ``meta`` table and holding no run. Returns whether ``path`` was removed.
        A file that is not SQLite, or that holds runs, is never touched."""
        path = Path(path)
        for tmp in path.parent.glob(f"{path.name}{CREATING}*"):
            pid = tmp.name.rsplit("-", 1)[-1]
            if not (pid.isdigit() and process_alive(int(pid))) or int(pid) == os.getpid():
                tmp.unlink(missing_ok=True)  # its creator is gone (a live one is still creating it)
        if not path.is_file():
            return False
        try:
            conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        except sqlite3.Error:
            return False
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            runs = conn.execute("SELECT COUNT(*) FROM runs").fetchone()[0] if "runs" in tables else 0
            keys = {r[0] for r in conn.execute("SELECT key FROM meta")} if "meta" in tables else set()
        except sqlite3.Error:
            return False
        finally:
            conn.close()
        if runs or {"params", "outputs"} <= keys:
            return False
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        return True

    @classmethod
    def open(cls, path: str | Path) -> RunStore:
        """An existing store."""
        path = Path(path)
        if not path.is_file():
            raise input_error(str(path), None, "no run store here (run the sweep first)")
        conn = None
        try:
            conn = _connect(path)
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
            meta["params"], meta["outputs"]
        except (sqlite3.DatabaseError, KeyError) as exc:
            if conn is not None:
                conn.close()
            raise input_error(str(path), None, f"not a mentorsim run store ({exc})") from None
        store = cls(path, conn, json.loads(meta["params"]), json.loads(meta["outputs"]))
        return store

    def meta(self) -> dict:
        return {k: json.loads(v) for k, v in self.conn.execute("SELECT key, value FROM meta").fetchall()}

    def set_meta(self, key: str, value) -> None:
        with self.conn:
            self.conn.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (key, json.dumps(value, default=str)))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    # -- writing -------------------------------------------------------------------------------
    def record(self, records: Iterable[RunRecord]) -> int:
        """Store finished runs in one transaction (all or none). Returns how many."""
        now = time.strftime("%Y-%m-%dT%H:%M:%S+00:00", time.gmtime())  # UTC, offset explicit
        rows = []
        for r in records:
            row = [r.run_id, r.point, r.replicate, r.seed, r.status, r.error, r.attempts, r.elapsed_s,
                   r.worker, now]
            row += [_num(r.params.get(p)) for p in self.params]
            row += [_num(r.outputs.get(o)) for o in self.outputs]
            rows.append(row)
        if rows:
            try:
                with self.conn:
                    self.conn.executemany(self._insert, rows)
            except sqlite3.OperationalError as exc:  # a full disk, a read-only or vanished folder
                raise input_error(str(self.path), None, f"cannot store {len(rows)} finished runs ({exc}); the runs "
                                  "stored before are kept: make room and finish with --resume") from None
        return len(rows)

    # -- reading -------------------------------------------------------------------------------
    def ids(self, status: str | None = None) -> set[int]:
        """Run ids stored (optionally only those with ``status``)."""
        if status is None:
            cur = self.conn.execute("SELECT run_id FROM runs")
        else:
            cur = self.conn.execute("SELECT run_id FROM runs WHERE status = ?", (status,))
        return {row[0] for row in cur}

    def counts(self) -> dict[str, int]:
        out = {"done": 0, "failed": 0}
        for status, n in self.conn.execute("SELECT status, COUNT(*) FROM runs GROUP BY status"):
            out[status] = n
        return out

    def frame(self) -> pd.DataFrame:
        """Every stored run, ordered by run id."""
        cols = ", ".join(_q(c) for c in self.columns)
        return pd.read_sql_query(f"SELECT {cols} FROM runs ORDER BY run_id", self.conn)

    # -- exports -------------------------------------------------------------------------------
    def export_columns(self) -> list[Column]:
        """Default documentation of the columns: the store's own, then parameters and outputs as
        floats without units (the sweep passes its documented list instead)."""
        return (fixed_columns() + [Column(p, "float", "", "", "experiment file") for p in self.params]
                + [Column(o, "float", "", "", "experiment file") for o in self.outputs])

    def typed_frame(self, columns: Sequence[Column] | None = None, attrs: Mapping | None = None) -> pd.DataFrame:
        """Every stored run, each column in its declared type (see :func:`typed_frame`)."""
        return typed_frame(self.frame(), columns or self.export_columns(), attrs)

    def export_csv(self, path: str | Path, columns: Sequence[Column] | None = None) -> None:
        """``runs.csv``: whole numbers without ``.0``, switches True/False, times ISO 8601 in UTC
        (``DataFrame.to_csv``'s bytes, by output_folder.write_csv)."""
        write_csv(self.typed_frame(columns), path)

    def export_parquet(self, path: str | Path, metadata: Mapping | None = None,
                       columns: Sequence[Column] | None = None, attrs: Mapping | None = None) -> None:
        """``runs.parquet`` (pyarrow): the schema fixed by ``columns`` (same types whatever the
        values), each field's unit, description and source as field metadata, ``metadata`` as JSON
        under the schema key ``mentorsim``, and ``attrs`` (JSON-able) as the DataFrame's ``attrs``."""
        columns = list(columns or self.export_columns())
        pq_write(typed_frame(self.frame(), columns, attrs), columns, path, metadata)


def write_columns_csv(path: str | Path, columns: Sequence[Column]) -> None:
    """``columns.csv``: name, unit, type, description, source of each column, in table order."""
    pd.DataFrame([{"name": c.name, "unit": c.unit, "type": c.type, "description": c.description,
                   "source": c.source} for c in columns]).to_csv(path, index=False)


def typed_frame(frame: pd.DataFrame, columns: Sequence[Column], attrs: Mapping | None = None) -> pd.DataFrame:
    """``frame``'s ``columns`` (in that order), each in its declared type: ``int`` -> int64,
    ``bool`` -> bool (the pandas nullable Int64/boolean if a value is missing), ``float`` ->
    float64, ``string`` -> str or None, ``timestamp`` -> datetime64 in UTC (stored times with an offset are
    read as such; older ones without, written in local time, are taken in this machine's zone)."""
    out = {}
    for c in columns:
        s = frame[c.name]
        if c.type in ("int", "bool"):
            nums = pd.to_numeric(s, errors="coerce")
            if c.type == "bool":
                s = nums.astype("boolean") if nums.isna().any() else nums.astype(bool)
            else:
                s = nums.astype("Int64") if nums.isna().any() else nums.astype("int64")
        elif c.type == "float":
            s = pd.to_numeric(s, errors="coerce").astype("float64")
        elif c.type == "string":
            # plain objects with None for missing: read back in pandas' default string dtype
            s = s.astype(object).where(s.notna(), None).map(lambda v: v if v is None else str(v))
        else:
            s = _utc(s)
        out[c.name] = s
    typed = pd.DataFrame(out, index=frame.index)
    typed.attrs = dict(attrs or {})
    return typed


def _utc(s: pd.Series) -> pd.Series:
    from dateutil import tz  # a pandas dependency
    text = s.astype("str")
    present = s.notna()
    aware = present & text.str.contains(r"(?:Z|[+-]\d\d:?\d\d)$", regex=True)
    out = pd.Series(pd.NaT, index=s.index, dtype="datetime64[us, UTC]")
    if aware.any():
        out[aware] = pd.to_datetime(text[aware], format="ISO8601", utc=True).astype("datetime64[us, UTC]")
    naive = present & ~aware
    if naive.any():
        local = pd.to_datetime(text[naive], format="ISO8601").dt.tz_localize(tz.tzlocal(), ambiguous="NaT",
                                                                            nonexistent="NaT")
        out[naive] = local.dt.tz_convert("UTC").astype("datetime64[us, UTC]")
    return out


def pq_write(frame: pd.DataFrame, columns: Sequence[Column], path: str | Path, metadata: Mapping | None) -> None:
    """Write ``frame`` (from :func:`typed_frame`) as Parquet with the schema of ``columns``."""
    # deliberately lazy: pyarrow is heavy and needed only for the export at the end of a sweep
    import pyarrow as pa
    import pyarrow.parquet as pq
    schema = pa.schema([pa.field(c.name, _ARROW[c.type](pa), nullable=True,
                                 metadata={"unit": c.unit, "description": c.description, "source": c.source})
                        for c in columns])
    table = pa.Table.from_pandas(frame, schema=schema, preserve_index=False)  # attrs -> b"pandas"
    extra: dict[bytes, bytes] = {}
    if frame.attrs:  # as DataFrame.to_parquet writes them (pandas >= 2.1 reads this key)
        extra[b"PANDAS_ATTRS"] = json.dumps(frame.attrs, default=str).encode()
    if metadata:
        extra[b"mentorsim"] = json.dumps(metadata, default=str).encode()
    pq.write_table(table.replace_schema_metadata((table.schema.metadata or {}) | extra), path)


_ARROW: dict[str, Any] = {
    "int": lambda pa: pa.int64(), "float": lambda pa: pa.float64(), "bool": lambda pa: pa.bool_(),
    "string": lambda pa: pa.string(), "timestamp": lambda pa: pa.timestamp("us", tz="UTC"),
}


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _connect(path: Path) -> sqlite3.Connection:
    conn = sqlite3.connect(str(path), timeout=30)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    return conn


def _num(v):
    if v is None:
        return None
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None
