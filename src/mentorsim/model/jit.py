"""Compilation of the per-provider kernels.

Each process keeps its loop over providers in a small kernel compiled by numba, next to the
Python function that calls it: a step then costs microseconds whatever the model's size, where
a chain of numpy calls would pay its per-call overhead dozens of times a week. Random numbers
are drawn outside the kernels, from the run's named streams (randomness.py).
Compiled code is cached beside the sources, so only the first run on a machine compiles.
"""

import numba
from numba.core.compiler_lock import global_compiler_lock

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
