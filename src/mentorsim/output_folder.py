"""Writing results to a folder so that partial results never look complete.

Files are written into a hidden staging folder beside the target and moved into place only
when everything has been written, with ``manifest.json`` (files and provenance) last. A run that
fails or is interrupted leaves the target folder as it was; what it had already produced is
kept in ``<out>/.incomplete-<time>/`` for inspection rather than deleted.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from contextlib import contextmanager
from pathlib import Path

from mentorsim.errors import input_error


def _json_default(x):
    import numpy as np
    if isinstance(x, np.generic):
        return x.item()
    if isinstance(x, Path):
        return str(x)
    raise TypeError(f"not JSON serialisable: {type(x).__name__}")


def dumps(obj) -> str:
    return json.dumps(obj, indent=2, default=_json_default, allow_nan=False)


@contextmanager
def output_dir(out: str | Path, metadata: dict):
    """Yield a staging folder; on success move its files into ``out`` and write the manifest."""
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise input_error(str(out), None, "--out must be a folder, not a file")
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise input_error(str(out), None, f"cannot create the output folder ({exc.strerror})") from None
    stage = out / f".staging-{os.getpid()}-{int(time.time())}"
    stage.mkdir()
    try:
        yield stage
    except BaseException:
        keep = out / f".incomplete-{time.strftime('%Y%m%d-%H%M%S')}"
        stage.rename(keep)
        raise
    files = sorted(p.name for p in stage.iterdir())
    manifest = out / "manifest.json"
    if manifest.exists():
        manifest.unlink()  # the folder is being rewritten: not complete until the new manifest
    for name in files:
        os.replace(stage / name, out / name)
    shutil.rmtree(stage, ignore_errors=True)
    tmp = out / ".manifest.json.tmp"
    tmp.write_text(dumps({"complete": True, "files": files, "metadata": metadata}))
    os.replace(tmp, manifest)
