"""Provenance stamped on every output: version, git commit, seed, parameters, libraries."""

from __future__ import annotations

import datetime as _dt
import functools
import platform
import subprocess
from pathlib import Path

from mentorsim import __version__


@functools.lru_cache(maxsize=1)
def git_commit() -> str:
    """The commit of the source tree this package runs from, with ``-dirty`` if modified."""
    here = Path(__file__).resolve().parent
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True,
                             timeout=5, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                               capture_output=True, text=True, timeout=5).stdout.strip()
        return sha + ("-dirty" if dirty else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


@functools.lru_cache(maxsize=1)
def library_versions() -> dict[str, str]:
    from importlib.metadata import version

    import numba
    import numpy
    import pandas
    return {"python": platform.python_version(), "mesa": version("mesa"), "numpy": numpy.__version__,
            "pandas": pandas.__version__, "numba": numba.__version__}


def metadata(seed: int | None = None, **extra) -> dict:
    """Provenance for an output: add run-specific fields with ``extra``."""
    out = {"mentorsim_version": __version__, "git_commit": git_commit(),
           "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
           "libraries": library_versions()}
    if seed is not None:
        out["seed"] = int(seed)
    out.update(extra)
    return out
