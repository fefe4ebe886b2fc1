"""How a model's set-up lays out and frees its memory (session 21): a finished model is freed as
soon as it is dropped (no reference cycle runs through it), the hub mentors made at once are the
hub mentors made one by one, stream states made ahead are numpy's, and a kept row 0 of the record
is the row 0 made."""

import gc
import weakref

import numpy as np
import pytest
from conftest import params_with

from mentorsim.model import model as mm
from mentorsim.model.mentors import ACTIVE, HUB, SLOT_FIELDS, MentorPool
from mentorsim.model.model import MentorshipModel


@pytest.mark.parametrize("scenario", ["ss2020", "local_mentors"])
def test_a_run_model_is_freed_when_dropped_without_the_cyclic_collector(scenario):
    # (a model run while the kernels compile may stay referenced by frames kept from the
    # compilation, seen under pytest with an empty kernel cache: the claim is for the runs after)
    MentorshipModel(params_with(scenario=scenario), seed=4).run()
    model = MentorshipModel(params_with(scenario=scenario), seed=4, replicate=1)
    model.facility_agents  # noqa: B018  (agents of every kind)
    model.provider_agents  # noqa: B018
    model.run()
    mentors = list(model.pool.all)
    assert len(model.agents) == model.facilities.n + model.providers.n + len(mentors)
    assert all(m.model is model and m.pool is model.pool for m in mentors) and model.pool.model is model
    refs = [weakref.ref(model), weakref.ref(model.pool), weakref.ref(model.facilities), weakref.ref(model.record)]
    gc.disable()
    try:
        del model
        assert [r() for r in refs] == [None] * len(refs)  # freed by their reference counts alone
    finally:
        gc.enable()
    with pytest.raises(ReferenceError, match="the model of this Mentor no longer exists"):
        mentors[0].model  # noqa: B018
    with pytest.raises(ReferenceError, match="the pool of this Mentor no longer exists"):
        mentors[0].pool  # noqa: B018


def test_mesa_step_still_counts_steps_and_runs_weeks():
    model = MentorshipModel(params_with(scenario="ss2020"), seed=2)
    for _ in range(3):
        model.step()
    assert model.steps == model.week == 3
    model.release()


@pytest.mark.parametrize("teams", [1, 2, 3, 5])
def test_the_hub_mentors_made_at_once_are_those_made_one_by_one(teams):
    p = params_with({"mentors.teams": teams}, scenario="local_mentors")
    model = MentorshipModel(p, seed=1)
    ref = MentorPool.__new__(MentorPool)  # the pool as before: empty slots, then _new for each hub position
    pool = model.pool
    ref.__dict__.update({k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in vars(pool).items()})
    ref.all = []
    for name in SLOT_FIELDS:
        fill = {"status": 2, "leave": np.inf}.get(name, 0)  # LOST, no departure
        setattr(ref, name, np.full(8, fill, dtype=getattr(pool, name).dtype))
    ref.hub_pos = np.full((teams, 4), -1, dtype=np.int64)
    from mentorsim.model.model import AGENT_IDS
    AGENT_IDS.start_at(model, 1 + model.facilities.n)  # the same ids again
    for team in range(teams):
        for d in range(4):
            ref.hub_pos[team, d] = ref._new(d, HUB, -1, team, ACTIVE, 0).slot
    np.testing.assert_array_equal(pool.hub_pos, ref.hub_pos)
    for name in SLOT_FIELDS:
        assert len(getattr(pool, name)) == len(getattr(ref, name)), name
        assert getattr(pool, name).tobytes() == getattr(ref, name).tobytes(), name
    for a, b in zip(pool.all, ref.all, strict=True):
        assert vars(a).keys() == vars(b).keys()
        assert a.pool is pool and b.pool is ref and a.model is b.model is model
        assert {k: v for k, v in vars(a).items() if k not in ("_model_ref", "_pool_ref")} == \
            {k: v for k, v in vars(b).items() if k not in ("_model_ref", "_pool_ref")}
    model.release()


def test_stream_states_made_ahead_are_numpys():
    """stream_states makes the next replicates' states with the one asked for (randomness.py): each
    kept one is numpy's SeedSequence state, up to the last replicate of one 32-bit word."""
    from mentorsim import randomness as rnd
    for seed, replicate in ((12, 0), (2**40 + 1, 7), (5, 2**32 - 9), (5, 2**32 - 1)):
        rnd._states_kept.clear()
        rnd.stream_states(seed, replicate)  # a first replicate: its own states only
        assert list(rnd._states_kept) == [(seed, replicate)]
        rnd.stream_states(seed, replicate + 1)  # the next: made ahead
        made = {r: s for (sd, r), s in rnd._states_kept.items() if sd == seed}
        assert min(made) == replicate and len(made) == 1 + min(rnd.STATES_AHEAD, max(1, 2**32 - 2 - replicate))
        for r, states in made.items():
            assert not states.flags.writeable
            for i, name in enumerate(rnd.STREAMS):
                rep = 0 if name in rnd.SETTING_STREAMS else r + 1
                expect = np.random.SeedSequence(entropy=seed, spawn_key=(rep, rnd._key(name))).generate_state(4, np.uint64)
                np.testing.assert_array_equal(states[i], expect, err_msg=(seed, r, name))
    rnd._states_kept.clear()
    for r in range(rnd.STATES_KEPT + 40):
        rnd.stream_states(3, r)
    assert len(rnd._states_kept) <= rnd.STATES_KEPT and (3, rnd.STATES_KEPT + 39) in rnd._states_kept


@pytest.mark.parametrize("scenario", ["ss2020", "local_mentors", "no_mentorship"])
def test_a_kept_row_0_is_the_row_0_made(scenario):
    """A model whose parameter set and seed were built before copies the record's row 0 kept then
    (Recorder.baseline): every series, the pool's counts and what the run then records are those
    of a model that makes it."""
    from mentorsim.results import RunOutput
    p = params_with(scenario=scenario)
    mm._derived.clear()
    MentorshipModel(p, seed=21, replicate=2).release()  # makes row 0 and notes the seed
    assert mm._derived[mm.ParamsKey(p)]["rows0"] == {21: None}
    made = MentorshipModel(p, seed=21, replicate=3)  # makes it again and keeps it
    assert mm._derived[mm.ParamsKey(p)]["rows0"][21] is not None
    copied = MentorshipModel(dict(p), seed=21, replicate=3)
    # every array of the record, and every array of its dicts of series (a series added later is
    # checked too: what baseline writes must be in what it copies, Recorder._row0)
    checked = 0
    for name, value in vars(made.record).items():
        mine = getattr(copied.record, name)
        if isinstance(value, np.ndarray):
            assert mine.tobytes() == value.tobytes(), name
            checked += 1
        elif isinstance(value, dict):
            for k, v in value.items():
                if isinstance(v, np.ndarray):
                    assert mine[k].tobytes() == v.tobytes(), (name, k)
                    checked += 1
        elif not name.startswith("_row0"):
            assert mine == value, name
    assert checked > 30 and np.any(made.record.outcome_table[0])
    assert copied.record._pool_row == made.record._pool_row == 0 and not copied.pool.changed
    other = MentorshipModel(p, seed=22, replicate=3)  # another seed: its own row 0
    assert other.record.outcome_table[0].tobytes() != made.record.outcome_table[0].tobytes()
    outs = [RunOutput.from_model(m.run()).fingerprint() for m in (made, copied)]
    assert outs[0] == outs[1]
    other.release()
