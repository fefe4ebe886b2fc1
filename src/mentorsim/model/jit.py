"""Compilation of the per-provider kernels.

Each process keeps its loop over providers in a small kernel compiled by numba, next to the
Python function that calls it: a step then costs microseconds whatever the model's size, where
a chain of numpy calls would pay its per-call overhead dozens of times a week. Random numbers
come from the run's named streams (randomness.py): the weekly kernels draw them inside the
compiled code from the same numpy Generators (uniforms by numpy's PCG64 compiled inline on the
Generator's own state, pcg.py; normals through numba's Generator support), so the numbers and
their order are numpy's; the rest (set-up, the mentor pool, a national-scale model's few draws
a facility) draw them in numpy.
Compiled code is cached on disk, so only the first run on a machine compiles. Numba checks a
cached kernel only against its own source file, not the files of the kernels it calls and
inlines, so an edit to ``learning.py`` would leave ``loop.weekly_dynamics``'s stale machine code
in use. The cache therefore lives in a folder named by a digest of every source of this package
(:func:`cache_dir`): any edit starts a fresh cache.
"""

import hashlib
import os
from pathlib import Path

import numba
from numba.core.compiler_lock import global_compiler_lock


def kernel_sources_digest(package: Path) -> str:
    """SHA-256 (hex) over the sources kernels can come from in ``package``: every module of its
    ``model/`` folder and every other module that imports ``mentorsim.model.jit`` (about 2 ms)."""
    digest = hashlib.sha256()
    for path in sorted(package.rglob("*.py")):
        text = path.read_bytes()
        if path.parent == package / "model" or b"mentorsim.model.jit import" in text:
            digest.update(path.relative_to(package).as_posix().encode())
            digest.update(text)
    return digest.hexdigest()


def cache_dir() -> Path:
    """Where compiled kernels are cached: ``$NUMBA_CACHE_DIR`` if set (numba's own setting),
    else ``$XDG_CACHE_HOME`` (default ``~/.cache``) ``/mentorsim/numba``, in a subfolder named by
    the first 16 hex digits of :func:`kernel_sources_digest` of this package."""
    base = os.environ.get("NUMBA_CACHE_DIR") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") \
        / "mentorsim" / "numba"
    return Path(base) / kernel_sources_digest(Path(__file__).resolve().parents[1])[:16]


def _use_cache_dir() -> None:
    """Point numba's cache at :func:`cache_dir` (before any kernel below is decorated); if it
    cannot be created, numba's default (beside the sources) stays."""
    path = cache_dir()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError:
        return
    numba.config.CACHE_DIR = str(path)


_use_cache_dir()
kernel = numba.njit(cache=True, nogil=True)


def vector_kernel(fn):
    """A :data:`kernel` compiled with LLVM's SLP vectorizer on: straight-line code doing the same
    thing to four neighbouring numbers (a post's four skill domains) becomes one vector operation.
    Numba leaves SLP off by default (numba PR #8852, after miscompilations in older LLVMs) and
    only as a process-wide setting, so it is switched on here for these kernels' own compilation
    only (under numba's compiler lock). It changes no result: the vector operations are the same
    IEEE operations in the same order (no fast-math, no reassociation); benchmarks/run_hashes.py
    and tests/test_dynamics_equivalence.py check it. For the few weekly kernels that walk every
    post (loop.weekly_dynamics)."""
    dispatcher = kernel(fn)
    compile_plain = dispatcher.compile

    def compile_vectorized(sig):
        with global_compiler_lock:
            saved = numba.config.SLP_VECTORIZE
            numba.config.SLP_VECTORIZE = 1
            try:
                return compile_plain(sig)
            finally:
                numba.config.SLP_VECTORIZE = saved

    dispatcher.compile = compile_vectorized
    return dispatcher
