"""The people, staffing and visit kernels read their coefficients and arrays by name (issue 10):
each coefficient field follows the parameters its source names, new people start where the
named coefficients put them, and staffing keeps writing the pool's arrays after the pool grows."""

import re

import numpy as np
import pytest
from conftest import params_with

from mentorsim.model.mentors import POOL_FIELDS, SLOT_FIELDS, STAFF_COEF, staff_coefficients
from mentorsim.model.model import MentorshipModel
from mentorsim.model.people import ENTRY_COEF, entry_coefficients
from mentorsim.model.visits import VISIT_COEF, visit_coefficients
from mentorsim.timeline import WEEKS_PER_MONTH

RECORDS = {
    "entry": (ENTRY_COEF, entry_coefficients),
    "staff": (STAFF_COEF, lambda p: staff_coefficients(p, WEEKS_PER_MONTH)),
    "visit": (VISIT_COEF, visit_coefficients),
}


def _sources(source: str, p) -> set[str]:
    """The parameters a field's source text names."""
    return {name for name in re.findall(r"[a-z_]+\.[a-z_]+", source) if name in p}


def _moved(value):
    """A different value of a parameter (booleans flipped; numbers moved by 0.5 within 0-1 shares)."""
    if isinstance(value, bool):
        return not value
    return value + 0.5 if value < 0.5 else value - 0.5


@pytest.mark.parametrize("record", sorted(RECORDS))
def test_each_field_follows_the_parameters_it_names(record):
    """Changing a parameter moves exactly the fields whose source names it (so the name in the
    table is the parameter the kernel reads), and every field names at least one parameter."""
    fields, build = RECORDS[record]
    p = params_with(scenario="ss2020")
    named = {field: _sources(source, p) for field, source in fields.items()}
    assert all(named.values()), {f: s for f, s in named.items() if not s}
    base = build(p)
    for key in set().union(*named.values()):
        changed = build(dict(p, **{key: _moved(p[key])}))
        moved = {f for f in fields if not np.array_equal(changed[f], base[f])}
        expected = {f for f, keys in named.items() if key in keys}
        if record == "staff" and key == "visits.days" and not p["mentors.local_day_trips"]:
            expected.discard("local_trips")  # one return trip a visit unless local_day_trips
        assert moved == expected, (key, moved, expected)


@pytest.mark.parametrize("trained", [1.0, 0.0])
def test_new_people_start_where_the_named_coefficients_put_them(trained):
    """Without individual spread every new person starts at the facility's baseline skill and at
    the baseline knowledge (less the gap if untrained), with the resistance of their training,
    an average workload share, WhatsApp access by the share, and turnover by its weekly chances."""
    p = params_with({"providers.baseline_individual_sd": 0.0, "workload.individual_sd": 0.0,
                     "staff.trained_share": trained, "providers.whatsapp_access": 1.0 - trained,
                     "staff.annual_attrition": 0.0, "staff.hiring_delay_weeks": 1.0}, scenario="ss2020")
    model = MentorshipModel(p, seed=4)
    pr, fa = model.providers, model.facilities
    skill = np.clip(fa.baseline_skill[pr.facility], 0.0, 1.0)
    knowledge = p["providers.baseline_knowledge"] - (0.0 if trained else p["providers.untrained_knowledge_gap"])
    np.testing.assert_array_equal(pr.skill, np.repeat(skill[:, None], 4, axis=1))
    np.testing.assert_array_equal(pr.skill_floor, pr.skill)
    np.testing.assert_array_equal(pr.confidence, skill)
    np.testing.assert_array_equal(pr.knowledge, np.full((pr.n, 4), np.clip(knowledge, 0.0, 1.0)))
    resistance = p["providers.resistance_trained"] if trained else p["providers.resistance_untrained"]
    assert (pr.trained == bool(trained)).all() and (pr.resistance0 == resistance).all()
    assert (pr.workload_factor == 1.0).all() and (pr.whatsapp_access == (not trained)).all()
    assert np.isinf(pr.leave_week).all() and (pr.vacancy_weeks == 1.0).all()
    model.release()


def test_staffing_writes_the_pools_arrays_after_it_grows():
    """Regional mentors trained mid-programme (and replacements) outgrow the pool's first slots, so
    the slot arrays are replaced while visits go on: every mentor's visits, days and travel read
    from the pool's current arrays still match their rows in the visit log, mentors in the new
    slots among them."""
    p = params_with({"mentors.local_share": 1.0, "mentors.annual_attrition": 0.5,
                     "followup.local_visit_interval_weeks": 13}, scenario="ss2020")
    model = MentorshipModel(p, seed=2).run()
    pool, log = model.pool, model.pool.visit_array()
    assert len(pool.all) > 16 and pool.mentees_became_mentors > 0
    mentor = log[:, 2].astype(np.int64)
    for m in pool.all:
        rows = mentor == m.unique_id
        assert m.visits_done == rows.sum()
        assert m.days_spent == pytest.approx(log[rows, 6].sum(), rel=1e-12)
        assert m.travel_days == pytest.approx(log[rows, 7].sum(), rel=1e-12)
    late = [m for m in pool.all if m.slot >= 8 and m.trained_week > 0]
    assert sum(m.visits_done for m in late) > 50
    # the kernel's view holds the arrays the pool holds now
    view = pool.kernel_view()[0]
    assert all(getattr(view, name) is getattr(pool, name) for name in POOL_FIELDS if name in SLOT_FIELDS)
