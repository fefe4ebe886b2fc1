"""Random streams: one seed per run, one spawned stream per stochastic process.

A run is identified by ``(seed, replicate)``. Each process draws from its own generator,
spawned from ``SeedSequence(seed)`` by a stable key made of the replicate number and the
process's name. Two scenarios run with the same seed therefore share common random numbers:
turnover, operations and mentor availability are the same draws in both, and they differ only
where the intervention differs. There is no global generator anywhere in the package.
Compiled weekly steps draw from these same Generators inside numba code (uniforms by numpy's
PCG64 algorithm on the Generator's own state, model/pcg.py), so a number is the same wherever
it is drawn.
"""

from __future__ import annotations

import functools
import threading
import zlib

import numpy as np
from numpy.random.bit_generator import ISpawnableSeedSequence

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
    """All streams of one run: the generators :func:`stream` makes, in STREAMS order, made at
    once (about 25 us for the 11, against 100 us one by one: :func:`stream_states`)."""
    seed, replicate = int(seed), int(replicate)
    states = stream_states(seed, replicate)
    rep = replicate + 1
    return {name: np.random.Generator(np.random.PCG64(_Seeded(seed, (0 if setting else rep, key), state)))
            for name, setting, key, state in zip(STREAMS, _IS_SETTING, _KEY_LIST, states)}


# -- numpy's SeedSequence, for the 11 streams of a run at once ------------------------------------
# ``np.random.SeedSequence(entropy=seed, spawn_key=(rep, key)).generate_state(4, np.uint64)`` is
# the state a PCG64 is seeded with (numpy/random/bit_generator.pyx, the algorithm of M. O'Neill's
# seed_seq_fe): the entropy words (the seed's 32-bit words padded with 0 to the pool size, then
# the spawn key's) are hashed into a pool of 4 words, and the pool is hashed out into the state.
# Every stream of a seed shares the seed's part of the pool (kept per seed) and every stream of a
# replicate the replicate's; only the last word (the stream's key) and the hashing out differ,
# and those are done for all streams at once on arrays. Each step wraps at 32 bits as numpy's does.
_MASK32 = 0xFFFFFFFF
_POOL_SIZE = 4
_INIT_A, _MULT_A = 0x43B0D7E5, 0x931E8875
_INIT_B, _MULT_B = 0x8B51F9DD, 0x58F38DED
_MIX_MULT_L, _MIX_MULT_R = 0xCA01F9DD, 0x4973F715
_XSHIFT = 16
_KEYS = {name: _key(name) for name in STREAMS}
_KEY_LIST = tuple(_KEYS[name] for name in STREAMS)
_IS_SETTING = tuple(name in SETTING_STREAMS for name in STREAMS)


def _words(value: int) -> list[int]:
    """``value``'s 32-bit words, least significant first ([0] for 0), as numpy coerces an entropy
    integer (a negative one is refused, as numpy refuses it)."""
    if value < 0:
        raise ValueError(f"expected a non-negative integer seed, got {value}")
    words = []
    while value > 0:
        words.append(value & _MASK32)
        value >>= 32
    return words or [0]


def _hashmix(value: int, hash_const: int) -> tuple[int, int]:
    value ^= hash_const
    hash_const = (hash_const * _MULT_A) & _MASK32
    value = (value * hash_const) & _MASK32
    return value ^ (value >> _XSHIFT), hash_const


def _mix(x: int, y: int) -> int:
    result = (_MIX_MULT_L * x - _MIX_MULT_R * y) & _MASK32
    return result ^ (result >> _XSHIFT)


def _mix_in(pool: list[int], hash_const: int, words) -> tuple[list[int], int]:
    """``pool`` after mixing in entropy ``words`` beyond the pool's size (each into every pool word)."""
    pool = list(pool)
    for word in words:
        for i in range(_POOL_SIZE):
            hashed, hash_const = _hashmix(word, hash_const)
            pool[i] = _mix(pool[i], hashed)
    return pool, hash_const


@functools.lru_cache(maxsize=64)
def _seed_pool(seed: int) -> tuple[tuple[int, ...], int, tuple[int, ...], int]:
    """The pool and hash constant after the seed's entropy words (padded to the pool size, as
    numpy pads them when there is a spawn key), and after the setting streams' replicate word
    (0) too."""
    words = _words(seed)
    words += [0] * (_POOL_SIZE - len(words))
    pool, hash_const = [], _INIT_A
    for i in range(_POOL_SIZE):
        hashed, hash_const = _hashmix(words[i], hash_const)
        pool.append(hashed)
    for src in range(_POOL_SIZE):
        for dst in range(_POOL_SIZE):
            if src != dst:
                hashed, hash_const = _hashmix(pool[src], hash_const)
                pool[dst] = _mix(pool[dst], hashed)
    pool, hash_const = _mix_in(pool, hash_const, words[_POOL_SIZE:])
    setting_pool, setting_const = _mix_in(pool, hash_const, _words(0))
    return tuple(pool), hash_const, tuple(setting_pool), setting_const


@functools.lru_cache(maxsize=16)
def _key_hashes(hash_const: int) -> tuple[np.ndarray, int]:
    """[len(STREAMS), pool] each stream key's word hashed for each pool word, from ``hash_const``
    on, and the hash constant after them."""
    out = np.zeros((len(STREAMS), _POOL_SIZE), dtype=np.uint32)
    for s, name in enumerate(STREAMS):
        h = hash_const
        for i in range(_POOL_SIZE):
            out[s, i], h = _hashmix(_KEYS[name], h)
    return out, h


def _out_constants() -> tuple[np.ndarray, np.ndarray]:
    """The hash constants with which ``generate_state`` hashes out 8 words (4 uint64): the one
    xored in and the one multiplied by, for each word."""
    xor, mult, h = [], [], _INIT_B
    for _ in range(2 * _POOL_SIZE):
        xor.append(h)
        h = (h * _MULT_B) & _MASK32
        mult.append(h)
    return np.array(xor, dtype=np.uint32), np.array(mult, dtype=np.uint32)


_OUT_XOR, _OUT_MULT = _out_constants()
_OUT_WORD = np.arange(2 * _POOL_SIZE) % _POOL_SIZE  # the pool word each state word comes from
_SETTING = np.array([name in SETTING_STREAMS for name in STREAMS])
_GROUP = np.where(_SETTING, 0, 1)  # row of each stream's pool: the setting's or the replicate's


def stream_states(seed: int, replicate: int) -> np.ndarray:
    """[len(STREAMS), 4] uint64 (read-only): the PCG64 seeding state of each of the run's streams,
    in STREAMS order; row ``i`` equals ``np.random.SeedSequence(entropy=seed, spawn_key=(rep,
    key)).generate_state(4, np.uint64)`` for stream ``STREAMS[i]`` (``rep`` and ``key`` as
    :func:`stream` sets them).

    Kept for the last STATES_KEPT runs, and, when the previous replicate's were asked for, made
    STATES_AHEAD replicates at a time (this one and the next ones, on arrays: ~2 us a replicate
    against ~10-20 us for one alone): the runs of a sweep or a sensitivity analysis share the
    experiment's seed and replicates, and a batch of replicates asks for the next ones next, so
    most runs find theirs made (~0.3 us)."""
    seed, replicate = int(seed), int(replicate)
    key = (seed, replicate)
    states = _states_kept.get(key)
    if states is None:
        # ahead only when the previous replicate was asked for (a batch of replicates), not for
        # a seed's first replicate (a sweep's points of new seeds)
        ahead = STATES_AHEAD if (seed, replicate - 1) in _states_kept else 1
        last = min(replicate + ahead, _ONE_WORD_REPLICATES)
        if replicate + 1 < last:
            made = _states_of_replicates(seed, np.arange(replicate, last, dtype=np.uint64))
        else:  # one run (cheaper alone than on arrays), or a replicate number of more than one 32-bit word
            made = _states_of_run(seed, replicate)[None]
        made.flags.writeable = False  # kept and shared (PCG64 copies the state it is seeded with)
        with _states_lock:
            while len(_states_kept) + len(made) > STATES_KEPT:
                del _states_kept[next(iter(_states_kept))]  # the oldest out
            _states_kept.update(zip(((seed, replicate + i) for i in range(len(made))), made))
        states = made[0]
    return states


#: Runs (seed, replicate) whose stream states :func:`stream_states` keeps (352 bytes each), and
#: how many replicates' it makes at a time.
STATES_KEPT = 512
STATES_AHEAD = 16
_states_kept: dict[tuple[int, int], np.ndarray] = {}
_states_lock = threading.Lock()
#: Replicates below this have a spawn-key word ``replicate + 1`` of one 32-bit word.
_ONE_WORD_REPLICATES = _MASK32


def _states_of_run(seed: int, replicate: int) -> np.ndarray:
    """[len(STREAMS), 4] the stream states of one run (see :func:`stream_states`), any replicate."""
    pool, hash_const, setting_pool, setting_const = _seed_pool(seed)
    run_pool, run_const = _mix_in(pool, hash_const, _words(replicate + 1))
    pools = np.array((setting_pool, run_pool), dtype=np.uint32)[_GROUP]
    if setting_const == run_const:
        hashed = _key_hashes(run_const)[0]
    else:  # a replicate of more than one word
        hashed = np.where(_SETTING[:, None], _key_hashes(setting_const)[0], _key_hashes(run_const)[0])
    return _hash_out(pools, hashed)


def _states_of_replicates(seed: int, replicates: np.ndarray) -> np.ndarray:
    """[len(replicates), len(STREAMS), 4] the stream states of runs ``replicates`` (each below
    _ONE_WORD_REPLICATES) of ``seed``: :func:`_states_of_run` of each, on arrays. The replicate's
    word (``replicate + 1``) is mixed into every run's copy of the seed's pool at once, each step
    wrapping at 32 bits as numpy's does."""
    pool, hash_const, setting_pool, setting_const = _seed_pool(seed)
    word = (replicates + np.uint64(1)).astype(np.uint32)
    run_pools = np.empty((len(replicates), _POOL_SIZE), dtype=np.uint32)
    for i in range(_POOL_SIZE):  # _mix_in of one word, for every run at once
        value = word ^ np.uint32(hash_const)
        hash_const = (hash_const * _MULT_A) & _MASK32
        value *= np.uint32(hash_const)
        value ^= value >> _XSHIFT
        run_pools[:, i] = np.uint32((_MIX_MULT_L * pool[i]) & _MASK32) - _MIX_MULT_R * value
        run_pools[:, i] ^= run_pools[:, i] >> _XSHIFT
    if hash_const != setting_const:  # (one word each: the same hash constants)
        raise AssertionError("the setting's and the runs' hash constants differ")
    pools = np.empty((len(replicates), len(STREAMS), _POOL_SIZE), dtype=np.uint32)
    pools[:] = np.array(setting_pool, dtype=np.uint32)
    pools[:, ~_SETTING] = run_pools[:, None]
    return _hash_out(pools, _key_hashes(hash_const)[0])


def _hash_out(pools: np.ndarray, hashed: np.ndarray) -> np.ndarray:
    """The states (``[..., 4]`` uint64) from the streams' pools after their last word (the stream
    key, ``hashed``: [len(STREAMS), pool]) is mixed in: ``generate_state``'s hashing out."""
    mixed = _MIX_MULT_L * pools - _MIX_MULT_R * hashed  # uint32 arithmetic: wraps at 32 bits
    mixed ^= mixed >> _XSHIFT
    state = np.take(mixed, _OUT_WORD, axis=-1)
    state ^= _OUT_XOR
    state *= _OUT_MULT
    state ^= state >> _XSHIFT
    return state.astype("<u4", order="C").view("<u8").astype(np.uint64)  # as numpy: little-endian pairs


class _Seeded(ISpawnableSeedSequence):
    """The SeedSequence of a stream (entropy ``seed``, ``spawn_key``) with its PCG64 state already
    computed (:func:`stream_states`): ``PCG64`` reads it from here instead of having numpy's
    SeedSequence compute it, the costly part of making a generator. Anything else is asked of a
    real ``np.random.SeedSequence`` of the same entropy and key (so ``spawn`` works as numpy's)."""

    def __init__(self, seed: int, spawn_key: tuple[int, ...], state: np.ndarray):
        self.entropy = seed
        self.spawn_key = spawn_key
        self._state: np.ndarray | None = state  # handed over once, to the PCG64 being made
        self._real: np.random.SeedSequence | None = None

    @property
    def real(self) -> np.random.SeedSequence:
        if self._real is None:
            self._real = np.random.SeedSequence(entropy=self.entropy, spawn_key=self.spawn_key)
        return self._real

    def generate_state(self, n_words: int, dtype=np.uint32) -> np.ndarray:
        state = self._state
        if state is not None and n_words == 4 and (dtype is np.uint64 or np.dtype(dtype) == np.uint64):
            self._state = None  # later calls get fresh arrays from the real SeedSequence
            return state
        return self.real.generate_state(n_words, dtype)

    def spawn(self, n_children: int) -> list[np.random.SeedSequence]:
        return self.real.spawn(n_children)


def replicate_seed(seed: int, index: int) -> int:
    """A derived integer seed for the ``index``-th element of a design (sweeps, draws)."""
    ss = np.random.SeedSequence(entropy=int(seed), spawn_key=(int(index),))
    return int(ss.generate_state(1, np.uint32)[0])
