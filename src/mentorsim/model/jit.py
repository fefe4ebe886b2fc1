"""Compilation of the per-provider kernels.

Each process keeps its loop over providers in a small kernel compiled by numba, next to the
Python function that calls it: a step then costs microseconds whatever the model's size, where
a chain of numpy calls would pay its per-call overhead dozens of times a week. Random numbers
are drawn outside the kernels, from the run's named streams (randomness.py).
Compiled code is cached beside the sources, so only the first run on a machine compiles.
"""

import numba

kernel = numba.njit(cache=True, nogil=True)
