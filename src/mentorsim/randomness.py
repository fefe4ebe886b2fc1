"""Random streams: one seed per run, one spawned stream per stochastic process.

A run is identified by ``(seed, replicate)``. Each process draws from its own generator,
spawned from ``SeedSequence(seed)`` by a stable key made of the replicate number and the
process's name. Two scenarios run with the same seed therefore share common random numbers:
turnover, operations and mentor availability are the same draws in both, and they differ only
where the intervention differs. There is no global generator anywhere in the package.
Compiled weekly steps draw from these same Generators inside numba code (``stream.random()``
there calls the Generator's own bit generator), so a number is the same wherever it is drawn.
"""

from __future__ import annotations

import zlib

import numpy as np

#: Every stochastic process of the model, by the name of its stream.
STREAMS = (
    "facilities",  # facility characteristics (fixed across replicates of one seed)
    "providers",  # baseline provider states (fixed across replicates of one seed)
    "turnover",  # who leaves, which vacancies are filled, new hires' states
    "operations",  # weekly operations, SSIs and deaths
    "visits",  # who is taken by caseload on a visit day
    "mentors",  # mentor availability and attrition
    "rescheduled",  # mentor availability on visits carried over from an earlier week (dose.py)
    "echo",  # telementoring attendance
    "whatsapp",  # WhatsApp activity
    "survey",  # survey response and answers
    "mesa",  # the Mesa model's own generator (agent shuffles, if any)
)

#: Streams that describe the setting rather than its dynamics: the same for every replicate.
SETTING_STREAMS = ("facilities", "providers")


def _key(name: str) -> int:
    return zlib.crc32(name.encode())


def stream(seed: int, replicate: int, name: str) -> np.random.Generator:
    """Generator for process ``name`` in replicate ``replicate`` of run seed ``seed``."""
    if name not in STREAMS:
        raise KeyError(f"unknown random stream {name!r}; known: {', '.join(STREAMS)}")
    rep = 0 if name in SETTING_STREAMS else replicate + 1
    ss = np.random.SeedSequence(entropy=int(seed), spawn_key=(rep, _key(name)))
    return np.random.Generator(np.random.PCG64(ss))


def streams(seed: int, replicate: int) -> dict[str, np.random.Generator]:
    """All streams of one run."""
    return {name: stream(seed, replicate, name) for name in STREAMS}


def replicate_seed(seed: int, index: int) -> int:
    """A derived integer seed for the ``index``-th element of a design (sweeps, draws)."""
    ss = np.random.SeedSequence(entropy=int(seed), spawn_key=(int(index),))
    return int(ss.generate_state(1, np.uint32)[0])
