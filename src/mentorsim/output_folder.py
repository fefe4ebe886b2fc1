"""Writing results to a folder so that partial results never look complete.

Files are written into a hidden staging folder beside the target and moved into place only
when everything has been written, with ``manifest.json`` (files and provenance) last. A run that
fails or is interrupted leaves the target folder without a manifest (so old files never pass for
the new results); what it had already produced is kept in ``<out>/.incomplete-<time>-<pid>/``
for inspection until the next write to the folder.
"""

from __future__ import annotations

import functools
import json
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from mentorsim.errors import input_error
from mentorsim.executors import process_alive


def _json_default(x):
    import numpy as np
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, Path):
        return str(x)
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def dumps(obj) -> str:
    return json.dumps(obj, indent=2, default=_json_default, allow_nan=False)


def check_writable(out: str | Path, flag: str = "--out", folder: bool = True) -> Path:
    """Fail now, in one line, if ``out`` (a folder, or a file with ``folder=False``) cannot be
    written: called before simulating, so a read-only place is found before the work, not after.

    Nothing is created: an existing folder gets a probe file written and removed; otherwise the
    nearest existing folder above it must be writable.
    """
    out = Path(out)
    if folder and out.exists() and not out.is_dir():
        raise input_error(str(out), None, f"{flag} must be a folder, not a file")
    if not folder and out.is_dir():
        raise input_error(str(out), None, f"{flag} must be a file, not a folder")
    where = out if folder else out.parent
    while not where.exists() and where != where.parent:
        where = where.parent
    if not where.is_dir():
        raise input_error(str(out), None, f"{flag}: {where} is a file, so nothing can be written under it")
    try:
        if where == (out if folder else out.parent):
            probe = where / f".probe-{os.getpid()}"
            probe.write_bytes(b"x")
            probe.unlink()
        elif not os.access(where, os.W_OK | os.X_OK):
            raise PermissionError(13, "Permission denied")
    except OSError as exc:
        raise input_error(str(out), None, f"{flag}: cannot write in {where} ({exc.strerror or exc})") from None
    return out


def _cleanup(out: Path, keep: Path | None = None) -> None:
    """Remove staging folders of processes that are gone, and incomplete outputs but ``keep``
    (the newest failure, kept for inspection)."""
    for old in out.glob(".incomplete-*"):
        if old != keep:
            shutil.rmtree(old, ignore_errors=True)
    for old in out.glob(".staging-*"):
        try:
            pid = int(old.name.split("-")[1])
        except (IndexError, ValueError):
            continue
        if pid != os.getpid() and not process_alive(pid):
            shutil.rmtree(old, ignore_errors=True)


@contextmanager
def output_dir(out: str | Path, metadata: dict):
    """Yield a staging folder; on success move its files into ``out`` and write the manifest.

    The old ``manifest.json`` of ``out`` is removed first: from then on the folder does not look
    complete until the new manifest is written, whatever happens (a failure leaves the old files
    without a manifest, and what was written in ``.incomplete-<time>``). Leftovers of earlier
    failures (``.incomplete-*``, staging folders of dead processes) are removed. A write that
    fails (a full disk, a read-only folder) raises a one-line InputError naming the path.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise input_error(str(out), None, "--out must be a folder, not a file")
    try:
        out.mkdir(parents=True, exist_ok=True)
        stage = out / f".staging-{os.getpid()}-{time.time_ns()}"
        stage.mkdir()
        manifest = out / "manifest.json"
        manifest.unlink(missing_ok=True)  # the folder is being rewritten: not complete until the new manifest
    except OSError as exc:
        raise input_error(str(out), None, f"cannot write the output folder ({exc.strerror or exc})") from None
    try:
        yield stage
    except BaseException as exc:
        keep = out / f".incomplete-{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}"
        try:
            stage.rename(keep)
            _cleanup(out, keep)
        except OSError:
            pass
        if isinstance(exc, OSError):
            path = getattr(exc, "filename", None) or stage
            raise input_error(str(out), None, f"cannot write {path} ({exc.strerror or exc}); what was written "
                              f"is in {keep.name}/") from None
        raise
    try:
        files = sorted(p.name for p in stage.iterdir())
        for name in files:
            os.replace(stage / name, out / name)
        shutil.rmtree(stage, ignore_errors=True)
        tmp = out / ".manifest.json.tmp"
        tmp.write_text(dumps({"complete": True, "files": files, "metadata": metadata}))
        os.replace(tmp, manifest)
    except OSError as exc:
        raise input_error(str(out), None, f"cannot write {getattr(exc, 'filename', None) or out} "
                          f"({exc.strerror or exc})") from None
    _cleanup(out)


# -- CSV (the same bytes as DataFrame.to_csv, faster) ------------------------------------------
def write_csv(frame, path: str | Path, parts: int = 1, step=None) -> None:
    """``frame.to_csv(path, index=False)``, the same bytes, faster: floats formatted once per
    distinct value (:func:`float_reprs`). When nothing needs quoting, each slice's fields are made
    as Arrow string columns (:func:`_arrow_column`) and Arrow joins them into lines: no Python
    work per row or field; otherwise csv.writer writes the fields, and pandas writes a frame with
    a column of a type not covered here. ``parts``: written in this many slices of rows, calling
    ``step()`` after each (a progress bar)."""
    import csv
    step = step or (lambda: None)
    n = len(frame)
    fast = all(_column_strings(frame.iloc[:0, k]) is not None for k in range(frame.shape[1]))
    plain = fast and frame.shape[1] > 1 and not any(
        any(ch in str(x) for ch in ',"\r\n') for c in frame.columns
        for x in ([c] + (frame[c].dropna().unique().tolist() if frame[c].dtype.kind not in "fiub" else [])))
    slices = [frame.iloc[k * n // parts:(k + 1) * n // parts] for k in range(parts)]
    if plain:  # nothing to quote: csv.writer would write exactly these lines
        import pyarrow as pa
        import pyarrow.csv as pa_csv
        options = pa_csv.WriteOptions(include_header=False, quoting_style="none")
        names = [f"c{j}" for j in range(frame.shape[1])]
        with open(path, "wb") as fh:
            fh.write((",".join(str(c) for c in frame.columns) + "\n").encode())
            for part in slices:
                if len(part):
                    columns = [_arrow_column(part.iloc[:, j]) for j in range(part.shape[1])]
                    pa_csv.write_csv(pa.table(columns, names=names), fh, options)
                step()
        return
    with open(path, "w", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        for k, part in enumerate(slices):
            if k == 0 or len(part):
                if fast:
                    if k == 0:
                        writer.writerow([str(c) for c in frame.columns])
                    writer.writerows(zip(*(_column_strings(part.iloc[:, j]) for j in range(part.shape[1]))))
                else:
                    part.to_csv(fh, index=False, header=k == 0)
            step()


def _arrow_column(col):
    """The column's fields (as :func:`_column_strings` gives them) as an Arrow string array:
    each distinct float formatted once (:func:`float_reprs`) and taken by index, whole numbers
    cast by Arrow (the digits ``str`` writes), anything else through ``_column_strings``."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa
    import pyarrow.compute as pc
    dtype = col.dtype
    if dtype == np.float64:
        v = col.to_numpy()
        bits, inverse = np.unique(v.view(np.int64), return_inverse=True)
        x = bits.view(np.float64)
        if _arrow_matches_repr():
            text = _arrow_reprs(x, nan="")  # Arrow strings throughout: no Python str per value
        else:
            text = float_reprs(x)
            text[np.isnan(x)] = ""
            text = pa.array(text, type=pa.string())
        return pc.take(text, pa.array(inverse.ravel()))
    if dtype == np.int64 or dtype == np.int32:
        return pa.array(col.to_numpy()).cast(pa.string())
    if isinstance(dtype, pd.StringDtype):
        return pc.fill_null(pa.array(col, type=pa.string()), "")
    return pa.array(_column_strings(col), type=pa.string())


def _column_strings(col) -> list[str] | None:
    """The column's fields as ``DataFrame.to_csv`` writes them (floats by their shortest repr, as
    numpy's ``astype(str)`` gives them, missing values empty), or None for a type this does not
    cover (then pandas writes the file). Each distinct float (by its bits, so -0.0 stays apart from
    0.0) is formatted once: about 3x faster than pandas on timeseries.csv, where 60% of the values
    repeat (tests/test_cli_help.py checks the bytes against pandas)."""
    import numpy as np
    import pandas as pd
    dtype = col.dtype
    if dtype == np.float64:
        v = col.to_numpy()
        bits, inverse = np.unique(v.view(np.int64), return_inverse=True)
        text = float_reprs(bits.view(np.float64))
        text[np.isnan(bits.view(np.float64))] = ""
        return text[inverse.ravel()].tolist()
    if dtype == np.int64 or dtype == np.int32 or dtype == np.bool_:
        return [str(x) for x in col.tolist()]
    if pd.api.types.is_string_dtype(dtype) and not isinstance(dtype, pd.CategoricalDtype):
        return ["" if x is None or (isinstance(x, float) and x != x) else str(x) for x in col.tolist()]
    if isinstance(dtype, pd.DatetimeTZDtype) or dtype.kind == "M":
        # each distinct time formatted once, by pandas itself (its format depends on the set of
        # distinct times only: with fractions of a second if any has them); NaT empty
        codes, distinct = pd.factorize(col)
        text = pd.Series(distinct).to_csv(index=False, header=False, lineterminator="\n").split("\n")[:-1]
        text = np.array(text + [""], dtype=object)
        return text[codes].tolist()
    return None


def float_reprs(x):
    """``repr`` of each float64 of ``x`` (an object array of str), formatted by Arrow's shortest
    round-trip formatter where that gives the same text (about 3x faster than ``repr``, which is
    most of the time timeseries.csv takes): in Python's fixed-point range (1e-4 <= |x| < 1e16,
    or 0) Arrow writes the same shortest digits, leaving out ``.0`` on whole numbers, which is
    added; anything else it writes differently (scientific notation, nan, inf) gets ``repr``.
    Arrow is used only if it passes ``_arrow_matches_repr`` in this process."""
    import numpy as np
    x = np.ascontiguousarray(x, dtype=np.float64)
    if not len(x) or not _arrow_matches_repr():
        return np.array(list(map(repr, x.tolist())), dtype=object)
    return _arrow_reprs(x).to_numpy(zero_copy_only=False)


def _arrow_reprs(x, nan: str = "nan"):
    """Arrow string array of ``repr`` of each float of ``x`` (``nan`` for NaN), as float_reprs
    describes: Arrow's text in the fixed-point range, ``repr`` for the rest."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc
    a = np.abs(x)
    with np.errstate(invalid="ignore"):
        fixed = (a < 1e16) & ((a >= 1e-4) | (x == 0))  # False for nan and inf
        whole = fixed & (x == np.floor(x))
    s = pc.cast(pa.array(x), pa.string())
    s = pc.if_else(pa.array(whole), pc.binary_join_element_wise(s, ".0", ""), s)
    redo = ~fixed | pc.match_substring(s, "e").to_numpy(zero_copy_only=False)
    if redo.any():
        text = [nan if v != v else repr(v) for v in x[redo].tolist()]
        s = pc.replace_with_mask(s, pa.array(redo), pa.array(text, type=pa.string()))
    return s


@functools.lru_cache(maxsize=1)
def _arrow_matches_repr() -> bool:
    """True if Arrow's formatter (as float_reprs uses it) gives ``repr``'s text on a sample of
    tricky and random floats; checked once a process, so another pyarrow version that formats
    differently only costs speed, never a changed byte."""
    import numpy as np
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        return False
    rng = np.random.default_rng(16)
    sample = np.concatenate([
        [0.0, -0.0, 1.0, -1.0, 100.0, 0.1, 0.5, 1 / 3, 200 / 3, 1e-4, 9.999999999999999e-05, 0.00012345678901234,
         123456.789, 1e15 - 1, 1e15, 9.999999999999998e15, 1e16, 2.0**53 + 2, 5e-324, 1e300, np.nan, np.inf, -np.inf,
         12.0, 14.285714285714286, 33.33333333333333, 0.30000000000000004],
        rng.random(500) * 100, rng.random(500) * 10.0 ** rng.integers(-5, 17, 500),
        np.round(rng.random(500) * 1000, 2), rng.integers(-10**6, 10**6, 500).astype(float)])
    try:
        return _arrow_reprs(sample).to_pylist() == list(map(repr, sample.tolist()))
    except Exception:  # any failure of the fast path: use repr
        return False
