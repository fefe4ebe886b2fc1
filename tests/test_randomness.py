"""randomness.streams makes a run's generators at once from its own copy of numpy's SeedSequence
hashing (stream_states): they must be exactly numpy's, for any seed and replicate."""

import copy
import pickle

import numpy as np
import pytest

from mentorsim.randomness import SETTING_STREAMS, STREAMS, _key, stream, stream_states, streams

SEEDS = (0, 1, 7, 2**31, 2**32 - 1, 2**32, 2**32 + 5, 2**64 + 3, 2**128 - 1, 2**128, 2**160 + 9)
REPLICATES = (0, 1, 99, 2**32 - 2, 2**32 - 1, 2**32, 2**40 + 7)


def _numpy_state(seed, replicate, name):
    rep = 0 if name in SETTING_STREAMS else replicate + 1
    return np.random.SeedSequence(entropy=seed, spawn_key=(rep, _key(name))).generate_state(4, np.uint64)


@pytest.mark.parametrize("seed", SEEDS)
def test_stream_states_are_numpys_seed_sequence_states(seed):
    """Seeds of one to six 32-bit words and replicates of one or two (the pool mixing's branches)."""
    for replicate in REPLICATES:
        states = stream_states(seed, replicate)
        assert states.dtype == np.uint64 and states.shape == (len(STREAMS), 4)
        for i, name in enumerate(STREAMS):
            np.testing.assert_array_equal(states[i], _numpy_state(seed, replicate, name), err_msg=(seed, replicate, name))


def test_streams_draw_what_stream_draws():
    rng = np.random.default_rng(3)
    for seed, replicate in [(1, 0), (6, 3)] + [(int(rng.integers(2**63)), int(rng.integers(10**6))) for _ in range(20)]:
        made = streams(seed, replicate)
        assert list(made) == list(STREAMS)
        for name in STREAMS:
            ref = stream(seed, replicate, name)
            assert made[name].bit_generator.state == ref.bit_generator.state
            np.testing.assert_array_equal(made[name].random(5), ref.random(5))


def test_a_stream_copies_pickles_and_spawns_as_numpys():
    g = streams(6, 2)["turnover"]
    ref = stream(6, 2, "turnover")
    np.testing.assert_array_equal(copy.deepcopy(g).random(4), pickle.loads(pickle.dumps(ref)).random(4))
    seq = g.bit_generator.seed_seq
    assert (seq.entropy, seq.spawn_key) == (6, (3, _key("turnover")))
    for n_words, dtype in ((4, np.uint64), (4, np.uint64), (3, np.uint32)):
        np.testing.assert_array_equal(seq.generate_state(n_words, dtype),
                                      ref.bit_generator.seed_seq.generate_state(n_words, dtype))
    kids = [np.random.Generator(np.random.PCG64(s)).random(3) for s in seq.spawn(2)]
    ref_kids = [np.random.Generator(np.random.PCG64(s)).random(3) for s in ref.bit_generator.seed_seq.spawn(2)]
    np.testing.assert_array_equal(kids, ref_kids)


def test_a_negative_seed_is_refused_as_numpy_refuses_it():
    with pytest.raises(ValueError):
        np.random.SeedSequence(entropy=-1)
    with pytest.raises(ValueError):
        streams(-1, 0)
