"""The WhatsApp and workforce kernels, which read the model's arrays and coefficients by name
(kernel_args.arrays_of, coef_tuple): each week equals its rule written out in numpy on a copy of
the model's state; a model split into facility blocks gives the one-block result; each named
coefficient follows the parameter it names."""

import copy

import numpy as np
import pytest
from conftest import params_with

from mentorsim.model import whatsapp, workforce
from mentorsim.model.draws import poisson_inv
from mentorsim.model.kernel_args import POST_FIELDS, SITE_FIELDS, arrays_of
from mentorsim.model.model import MentorshipModel
from mentorsim.model.people import SURGICAL
from mentorsim.parameters.model_table import PARAMS_BY_NAME


def _model(weeks: int, seed: int = 3, updates=None) -> MentorshipModel:
    """An ss2020 model advanced ``weeks`` weeks (a state with some learning in it)."""
    model = MentorshipModel(params_with(updates, scenario="ss2020"), seed=seed)
    for _ in range(weeks):
        model.step()
    return model


def test_whatsapp_week_is_its_rule():
    model = _model(10)
    p, pr, fa, week = model.p, model.providers, model.facilities, model.week
    assert whatsapp.groups_running(model, week)
    u = copy.deepcopy(model.streams["whatsapp"]).random(pr.n)  # the draws the step will make
    knowledge, weeks = pr.knowledge.copy(), pr.whatsapp_weeks.copy()
    reinforced = pr.reinforced.copy()
    n_groups = fa.n_regions
    best = np.zeros((n_groups, 4))
    for f in np.flatnonzero(fa.intervention):
        posts = np.arange(pr.first_post[f], pr.first_post[f + 1])
        present = posts[pr.filled[posts]]
        if len(present):
            best[fa.group[f]] = np.maximum(best[fa.group[f]], knowledge[present].mean(axis=0))
    active = np.zeros(fa.n)
    closed_by_exchange = 0
    for f in np.flatnonzero(fa.intervention):
        kept = 1.0 - min(1.0, p["learning.whatsapp_rate"] * fa.uptake[f])
        for i in range(pr.first_post[f], pr.first_post[f + 1]):
            if pr.filled[i] and pr.whatsapp_access[i] and u[i] < p["whatsapp.weekly_engagement"]:
                active[f] += 1
                x = 1.0 - (1.0 - knowledge[i]) * kept
                gap = best[fa.group[f]] - x
                closed_by_exchange += int((gap > 0).sum())
                knowledge[i] = x + p["whatsapp.exchange_rate"] * np.maximum(gap, 0.0)
                weeks[i] += 1.0
                reinforced[i] = True
    assert active.sum() > 5 and closed_by_exchange > 0  # the rule's branches are all exercised

    whatsapp.whatsapp(model, week)
    np.testing.assert_allclose(pr.knowledge, knowledge, rtol=0, atol=1e-12)
    np.testing.assert_array_equal(pr.whatsapp_weeks, weeks)
    np.testing.assert_array_equal(pr.reinforced, reinforced)
    np.testing.assert_array_equal(model.record.fac["whatsapp_active"][week + 1], active)
    np.testing.assert_allclose(model.record.fac["consultations"][week + 1],
                               p["whatsapp.consultations_per_active"] * active, rtol=1e-15)


def test_workload_week_is_its_rule():
    model = _model(5)
    p, pr, fa = model.p, model.providers, model.facilities
    u = copy.deepcopy(model.streams["operations"]).random(fa.n)
    ops = np.array([poisson_inv(m, x) for m, x in zip(fa.operations_per_week, u)])
    surgical = np.array([np.sum(pr.filled[lo:hi] & (pr.role[lo:hi] == SURGICAL))
                         for lo, hi in zip(pr.first_post[:-1], pr.first_post[1:])])
    load = ops / (np.maximum(surgical, 0.5) * p["workload.operations_per_provider_month"] / (52.0 / 12.0))
    busy = np.clip(p["workload.busy_base"] + p["workload.busy_sensitivity"]
                   * (load[pr.facility] * pr.workload_factor - 1.0), 0.0, 0.95)
    busy *= 1.0 - p["workload.leadership_release"] * fa.leadership[pr.facility]
    assert len(np.unique(busy)) > 100 and len(np.unique(ops)) > 5  # varied state and draws

    workforce.workload(model, model.week)
    np.testing.assert_array_equal(fa.operations_week, ops)
    np.testing.assert_allclose(fa.workload, load, rtol=1e-14)
    np.testing.assert_allclose(pr.busy, busy, rtol=1e-14)


def test_turnover_week_is_its_rule():
    model = _model(3)
    pr, week = model.providers, model.week
    # schedule two leavers and two arrivals this week, beside whatever the draws scheduled
    pr.leave_week[np.flatnonzero(pr.filled)[[3, 40]]] = week
    pr.filled[[7, 90]] = False
    pr.fill_week[[7, 90]] = week - 1.0
    filled, leave, fill, tenure = pr.filled.copy(), pr.leave_week.copy(), pr.fill_week.copy(), pr.tenure_weeks.copy()
    leaving = filled & (leave <= week)
    arriving = ~filled & (fill <= week)
    staying = filled & ~leaving
    before = dict(model.counters)
    first_id = pr.next_person_id

    workforce.turnover(model, week)
    assert model.counters["leavers"] - before["leavers"] == leaving.sum() >= 2
    assert model.counters["hires"] - before["hires"] == arriving.sum() >= 2
    np.testing.assert_array_equal(pr.filled, staying | arriving)
    np.testing.assert_array_equal(pr.fill_week[leaving], week + pr.vacancy_weeks[leaving])
    np.testing.assert_array_equal(pr.tenure_weeks[staying], tenure[staying] + 1.0)
    # new hires get new people, numbered in post order, arriving now
    np.testing.assert_array_equal(pr.person_id[arriving], np.arange(first_id, first_id + arriving.sum()))
    assert (pr.leave_week[arriving] > week).all()


@pytest.mark.parametrize("step", ["turnover", "workload", "whatsapp"])
def test_facility_blocks_give_the_one_block_week(step):
    """The blocked path (national-scale models) on a small model split into three blocks equals
    the one-block path, for the same state and draws."""
    one, split = _model(12, seed=8), _model(12, seed=8)
    pr = split.providers
    for model in (one, split):  # some hires this week
        model.providers.filled[[2, 50, 200]] = False
        model.providers.fill_week[[2, 50, 200]] = model.week
    n_fac = split.facilities.n
    split.blocks[:] = [(0, 4), (4, n_fac // 2), (n_fac // 2, n_fac)]  # the step holders share the list
    process = {"turnover": workforce.turnover, "workload": workforce.workload, "whatsapp": whatsapp.whatsapp}[step]
    process(one, one.week)
    process(split, split.week)
    for name in POST_FIELDS:
        np.testing.assert_array_equal(getattr(one.providers, name), getattr(pr, name), err_msg=name)
    np.testing.assert_array_equal(one.providers.person_id, pr.person_id)
    for name in ("operations_week", "workload"):
        np.testing.assert_array_equal(getattr(one.facilities, name), getattr(split.facilities, name))
    for name in ("whatsapp_active", "consultations"):
        np.testing.assert_array_equal(one.record.fac[name], split.record.fac[name])
    assert one.counters == split.counters


@pytest.mark.parametrize("fields, coefficients", [(whatsapp.WHATSAPP_COEF, whatsapp.whatsapp_coefficients),
                                                  (workforce.WORKLOAD_COEF, workforce.workload_coefficients)])
def test_named_coefficients_follow_their_parameters(fields, coefficients):
    """Each field is fed by the parameter it names, a row of the parameter table: changing that
    parameter changes that field and no other."""
    p = params_with(scenario="ss2020")
    base = coefficients(p)
    assert len(base) == len(fields)
    for position, (field, source) in enumerate(fields.items()):
        key = source.split()[0]
        assert key in PARAMS_BY_NAME, (field, key)
        changed = coefficients(dict(p, **{key: p[key] * 0.7 + 0.003}))
        moved = [name for name, a, b in zip(fields, base, changed) if a != b]
        assert moved == [field], (field, moved)
        assert changed[position] != base[position]


def test_arrays_by_name_only_from_the_declared_fields():
    from collections import namedtuple

    model = _model(0)
    posts, sites = arrays_of(model, whatsapp.WhatsAppPosts, whatsapp.WhatsAppSites)
    assert posts[whatsapp.WhatsAppPosts._fields.index("knowledge")] is model.providers.knowledge
    assert sites[whatsapp.WhatsAppSites._fields.index("uptake")] is model.facilities.uptake
    assert set(workforce.WorkloadSites._fields) <= set(SITE_FIELDS)
    Unknown = namedtuple("Unknown", ("knowledge", "skil"))
    with pytest.raises(ValueError, match="skil"):
        arrays_of(model, Unknown)


def test_counters_are_a_mapping_over_the_compiled_steps_counts():
    """model.counters reads and writes the int64 slots compiled steps add to (counters.py)."""
    from mentorsim.model.counters import COUNTER_NAMES, HIRES, Counters

    c = Counters()
    c["hires"] += 3
    c.counts[HIRES] += 1
    assert c["hires"] == 4 and isinstance(c["hires"], int)
    assert list(c) == list(COUNTER_NAMES) and dict(c)["leavers"] == 0
    assert c == dict(c)
    with pytest.raises(KeyError, match="not a run counter"):
        c["trainings"] = 1
    assert c.get("trainings", 0) == 0
    with pytest.raises(TypeError):
        del c["hires"]
