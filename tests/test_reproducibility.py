"""Reproducibility: same seed, same result (serial or parallel); different seeds differ;
scenarios compared with one seed share common random numbers."""

import multiprocessing as mp
from concurrent.futures import ProcessPoolExecutor
from itertools import pairwise

import numpy as np
from conftest import params_with

from mentorsim.model.blocks import CHUNKS, PARALLEL_MIN_POSTS, facility_blocks
from mentorsim.model.model import MentorshipModel
from mentorsim.runner import evaluate, simulate


def _same(a, b):
    for key in a.fac:
        np.testing.assert_array_equal(a.fac[key], b.fac[key], err_msg=key)
    for key in a.arm_domain:
        np.testing.assert_array_equal(a.arm_domain[key], b.arm_domain[key], err_msg=key)
    np.testing.assert_array_equal(a.visit_array, b.visit_array)
    assert a.survey == b.survey


def test_same_seed_same_output():
    p = params_with(scenario="ss2020")
    _same(simulate(p, seed=9, replicate=2), simulate(p, seed=9, replicate=2))


def test_different_seeds_or_replicates_differ():
    p = params_with(scenario="ss2020")
    a, b, c = simulate(p, seed=9), simulate(p, seed=10), simulate(p, seed=9, replicate=1)
    assert not np.array_equal(a.fac["ssi"], b.fac["ssi"])
    assert not np.array_equal(a.fac["composite"], c.fac["composite"])


def test_national_scale_same_result_on_one_thread_or_several(monkeypatch):
    """A model large enough to be split into facility blocks (blocks.py) gives the same run
    whether the blocks run one after another or in threads."""
    p = params_with({"facilities.intervention": 700, "facilities.comparison": 300, "mentors.teams": 70,
                     "followup.months": 6}, scenario="ss2020")
    monkeypatch.setenv("MENTORSIM_THREADS", "1")
    model = MentorshipModel(p, seed=4)
    assert model.providers.n >= PARALLEL_MIN_POSTS and len(model.blocks) == CHUNKS
    model.release()
    one = simulate(p, seed=4)
    monkeypatch.setenv("MENTORSIM_THREADS", "3")
    _same(one, simulate(p, seed=4))
    assert one.survey["respondents"] > 0


def test_facility_blocks_cover_every_facility_once_with_balanced_posts():
    rng = np.random.default_rng(0)
    first_post = np.concatenate(([0], np.cumsum(rng.integers(5, 40, 3000))))
    blocks = facility_blocks(first_post)
    assert len(blocks) == CHUNKS
    assert blocks[0][0] == 0 and blocks[-1][1] == 3000
    assert all(a[1] == b[0] and a[0] < a[1] for a, b in pairwise(blocks))
    posts = [first_post[hi] - first_post[lo] for lo, hi in blocks]
    assert max(posts) - min(posts) <= 2 * 40
    small = np.concatenate(([0], np.cumsum(rng.integers(5, 40, 20))))
    assert facility_blocks(small) == [(0, 20)]


def _eval(args):
    p, seed, rep = args
    return evaluate(p, seed, rep)


def test_parallel_equals_serial():
    p = params_with(scenario="ss2020")
    jobs = [(p, 3, r) for r in range(4)]
    serial = [_eval(j) for j in jobs]
    with ProcessPoolExecutor(2, mp_context=mp.get_context("spawn")) as ex:
        parallel = list(ex.map(_eval, jobs))
    assert serial == parallel


def test_common_random_numbers_across_scenarios():
    """The comparison arm is untouched by the intervention, so with one seed its whole history is
    identical across scenarios; the intervention arm's operations are identical too."""
    a = simulate(params_with(scenario="ss2020"), seed=6)
    b = simulate(params_with(scenario="in_person_only"), seed=6)
    n = a.n_intervention
    for key in ("composite", "operations", "ssi", "deaths", "staff_present"):
        np.testing.assert_array_equal(a.fac[key][:, n:], b.fac[key][:, n:], err_msg=key)
    np.testing.assert_array_equal(a.fac["operations"], b.fac["operations"])
    np.testing.assert_array_equal(a.fac["composite"][0], b.fac["composite"][0])
    assert not np.array_equal(a.fac["composite"][:, :n], b.fac["composite"][:, :n])


def test_facility_setting_is_fixed_per_seed():
    p = params_with(scenario="ss2020")
    a, b = simulate(p, seed=6, replicate=0), simulate(p, seed=6, replicate=3)
    assert a.facility_columns["beds"].tolist() == b.facility_columns["beds"].tolist()
