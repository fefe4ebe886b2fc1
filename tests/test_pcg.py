"""The inline PCG64 (model/pcg.py) draws numpy's numbers from numpy's own state.

Known answers are numpy's: the same Generator drawn by numpy, by numba's Generator support and by
the inline kernels, in any mix, gives one sequence; a jump ahead equals ``PCG64.advance``; a block's
draws at an offset equal the serial draws there. And the models that use it: a national-scale
model (several blocks, whose threads each draw their part of a week) gives the same run on one
thread or two, and the same as before the draws moved into the kernels.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

from mentorsim.model import pcg
from mentorsim.model.model import KERNEL_STREAMS, MentorshipModel
from mentorsim.randomness import streams


def _pair(seed):
    """Two Generators on the same stream: one for the kernels, one for numpy's answer."""
    return np.random.default_rng(seed), np.random.default_rng(seed)


@pytest.mark.parametrize("seed", [0, 1, 12345, 2**63 + 7])
def test_fill_and_random_are_numpys_numbers(seed):
    mine, ref = _pair(seed)
    s = pcg.words(mine)
    u = np.empty((37, 5))
    pcg.fill(s, u)
    assert np.array_equal(u, ref.random((37, 5)))
    assert [pcg.random(s) for _ in range(11)] == [ref.random() for _ in range(11)]


def test_the_generator_stays_in_step_whoever_draws():
    """numpy, numba's Generator and the inline kernels draw one stream, in any order."""
    mine, ref = _pair(99)
    s = pcg.words(mine)

    @numba.njit
    def numba_draws(g, n):
        out = np.empty(n)
        for i in range(n):
            out[i] = g.random()
        return out

    got = [mine.random(3), numba_draws(mine, 4), np.empty(5)]
    pcg.fill(s, got[2])
    got += [mine.standard_normal(6), np.empty(2)]
    pcg.fill(s, got[4])
    want = [ref.random(3), ref.random(4), ref.random(5), ref.standard_normal(6), ref.random(2)]
    for g, w in zip(got, want):
        assert np.array_equal(g, w)
    assert mine.integers(0, 2**62) == ref.integers(0, 2**62)


@pytest.mark.parametrize("delta", [0, 1, 2, 3, 64, 1000, 95_007, 123_456_789, 2**40 + 17, 2**62 + 5])
def test_advance_is_numpys_advance(delta):
    mine, ref = _pair(7)
    mine.random(3)
    ref.random(3)
    s = pcg.words(mine)
    cursor = pcg.jumped(s, delta)
    assert np.array_equal(cursor[2:], s[2:])  # the same increment: the same stream
    ref.bit_generator.advance(delta)
    assert np.array_equal(cursor, pcg.words(ref))  # the same state
    there = ref.random()
    assert pcg.random(cursor) == there
    pcg.advance(s, delta)  # the stream itself moves on, as numpy's advance
    assert mine.random() == there


def test_a_block_draws_what_the_serial_draws_would_be_there():
    mine, ref = _pair(2026)
    s = pcg.words(mine)
    before = s.copy()
    serial = ref.random(1000)
    parts = [(0, 130), (130, 131), (131, 700), (700, 1000)]  # blocks of unequal size, one empty
    got = np.empty(1000)
    for lo, hi in reversed(parts):  # any order, as threads finish
        pcg.fill_at(s, lo, got[lo:hi])
    assert np.array_equal(got, serial)
    assert np.array_equal(s, before)  # the stream itself has not moved
    pcg.advance(s, 1000)
    assert mine.random() == ref.random()


def test_chosen_facilities_posts_get_the_serial_draws_at_their_posts_and_the_rest_is_untouched():
    mine, ref = _pair(31)
    s = pcg.words(mine)
    first_post = np.array([0, 3, 3, 10, 12, 20, 25])  # six facilities, one without posts
    chosen = np.array([True, True, False, True, True, False])
    serial = ref.random(25)
    out = np.full(25, -1.0)
    pcg.fill_facilities(s, out, first_post, chosen, 1, 6)  # a block from facility 1
    drawn = np.zeros(25, dtype=bool)
    for f in (1, 3, 4):
        drawn[first_post[f]:first_post[f + 1]] = True
    assert np.array_equal(out[drawn], serial[drawn])
    assert np.all(out[~drawn] == -1.0)
    assert np.array_equal(s, pcg.words(np.random.default_rng(31)))  # the stream has not moved


def test_only_pcg64_streams():
    with pytest.raises(TypeError, match="PCG64"):
        pcg.words(np.random.Generator(np.random.Philox(1)))


def test_a_models_kernel_streams_are_views_of_its_generators():
    from mentorsim.scenario import load_scenario

    model = MentorshipModel(dict(load_scenario("scenarios/ss2020.toml").params), seed=3, replicate=1)
    fresh = streams(3, 1)
    for name in KERNEL_STREAMS:
        s = model.rng_states[name]
        assert np.shares_memory(s, pcg.words(model.streams[name]))
        ahead = fresh[name]
        assert np.array_equal(s, pcg.words(ahead))  # set-up drew nothing from it yet
        assert pcg.random(s) == ahead.random()
        assert model.streams[name].random() == ahead.random()  # numpy's Generator moved with it
    model.release()


def _fingerprint(model) -> bytes:
    rec = model.record
    parts = [rec.outcome_table, model.providers.skill, model.providers.knowledge, model.providers.trust,
             *(rec.fac[k] for k in ("visits", "echo_attended", "whatsapp_active", "consultations"))]
    return b"".join(np.ascontiguousarray(a).tobytes() for a in parts)


def test_national_scale_draws_in_blocks_give_one_run_on_any_threads(monkeypatch):
    """A model of several blocks draws each block's part of a week on its thread: one thread or
    two give the same run, and visits, ECHO and WhatsApp all act in the weeks run."""
    from mentorsim.model import blocks
    from mentorsim.scenario import load_scenario

    p = dict(load_scenario("scenarios/ss2020.toml").params)
    p.update({"facilities.intervention": 1000, "facilities.comparison": 0, "mentors.teams": 100,
              "followup.months": 0})
    runs = {}
    for threads in ("1", "2"):
        monkeypatch.setenv("MENTORSIM_THREADS", threads)
        model = MentorshipModel(p, seed=5, replicate=1)
        assert len(model.blocks) > 1 and blocks.threads() == int(threads)
        for _ in range(20):
            model.step()
        assert model.record.fac["visits"][1:21].sum() > 0
        assert model.record.fac["echo_attended"][1:21].sum() > 0
        assert model.record.fac["whatsapp_active"][1:21].sum() > 0
        runs[threads] = _fingerprint(model)
        model.release()
    assert runs["1"] == runs["2"]


def test_blocks_draw_the_numbers_one_block_would(monkeypatch):
    """The blocks' draws are the serial draws at their offsets: the same national model run as
    one block (every step through the one-block kernels) gives the same run."""
    from mentorsim.model import blocks
    from mentorsim.model import model as model_module
    from mentorsim.scenario import load_scenario

    p = dict(load_scenario("scenarios/ss2020.toml").params)
    p.update({"facilities.intervention": 1000, "facilities.comparison": 0, "mentors.teams": 100,
              "followup.months": 0})
    runs = {}
    for min_posts in (blocks.PARALLEL_MIN_POSTS, 10**9):
        monkeypatch.setattr(blocks, "PARALLEL_MIN_POSTS", min_posts)
        model = model_module.MentorshipModel(p, seed=5, replicate=1)
        for _ in range(20):
            model.step()
        runs[len(model.blocks)] = _fingerprint(model)
        model.release()
    assert sorted(runs) == [1, blocks.CHUNKS]
    assert runs[1] == runs[blocks.CHUNKS]
