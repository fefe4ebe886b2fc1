"""Writing results to a folder so that partial results never look complete.

Files are written into a hidden staging folder beside the target and moved into place only
when everything has been written, with ``manifest.json`` (files and provenance) last. A run that
fails or is interrupted leaves the target folder without a manifest (so old files never pass for
the new results); what it had already produced is kept in ``<out>/.incomplete-<time>-<pid>/``
for inspection until the next write to the folder.
"""

from __future__ import annotations

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
