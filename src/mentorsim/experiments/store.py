"""The run store: an embedded SQLite database with one row per run of a sweep.

Table ``runs``: ``run_id`` (primary key: ``point * replicates + replicate``), ``point``,
``replicate``, ``seed``, ``status`` (``done`` or ``failed``), ``error``, ``attempts``,
``elapsed_s`` (the run's own time, seconds), ``worker``, ``finished_at``, then one column per
varied parameter (named as the parameter) and one per output of interest (NULL when the run
failed or the output is not a number). Table ``meta``: the experiment, its design fingerprint and
provenance, as JSON.

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

import pandas as pd

from mentorsim.errors import input_error

STORE_FILE = "runs.sqlite"
FIXED_COLUMNS = ("run_id", "point", "replicate", "seed", "status", "error", "attempts", "elapsed_s",
                 "worker", "finished_at")
SCHEMA_VERSION = 1
#: Infix of the temporary file a store is created in (``runs.sqlite.creating-<pid>``).
CREATING = ".creating-"


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
            if not (pid.isdigit() and _alive(int(pid))) or int(pid) == os.getpid():
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
        now = time.strftime("%Y-%m-%dT%H:%M:%S")
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

    def export_csv(self, path: str | Path) -> None:
        self.frame().to_csv(path, index=False)

    def export_parquet(self, path: str | Path, metadata: Mapping | None = None) -> None:
        """Parquet (pyarrow) with the experiment's metadata in the schema."""
        # deliberately lazy: pyarrow is heavy and needed only for the export at the end of a sweep
        import pyarrow as pa
        import pyarrow.parquet as pq
        table = pa.Table.from_pandas(self.frame(), preserve_index=False)
        if metadata:
            table = table.replace_schema_metadata(
                (table.schema.metadata or {}) | {b"mentorsim": json.dumps(metadata, default=str).encode()})
        pq.write_table(table, path)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


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
