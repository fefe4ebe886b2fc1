"""Kernel arguments by name: the model's arrays and a step's coefficients, as the compiled
kernels read them.

A kernel takes the model's state as one argument, ``state`` (:func:`state_of`), and reads it as
the Python side does: ``pr, fa = state[0]`` then ``pr.skill`` (the provider arrays, named as the
attributes of people.Providers) and ``fa.uptake`` (the facility arrays, named as the attributes
of facilities.Facilities, plus ``recept``, learning.receptivity). Its scalars come in a
coefficient record (:func:`coef_record`) whose fields each module lists beside the kernel with
the parameter each comes from (e.g. visits.VISIT_COEF), read as ``k = coef[0]; k.tacit_rate``.
So a parameter can be followed by name from the scenario file to the kernel line that uses it.

Kernels called every week that read a few arrays (WhatsApp, turnover, workload) take the same
names through plain tuples instead (:func:`arrays_of`, :func:`coef_tuple`), which a kernel names
with the module's namedtuple classes (``pr, fa = _named(state)``; ``k = WhatsAppCoef(*coef)``):
cheaper to hand to compiled code, as measured there.

The state is a typed list holding one :data:`State` namedtuple, built once per model (the
arrays are updated in place and never replaced, so the same references serve every week):
handing it to compiled code costs about 1 us whatever the number of arrays, where a bare
namedtuple of ~30 arrays costs about 3 us and as many separate arrays about 2 us.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Mapping

import numpy as np
from numba.typed import List

from mentorsim.model.jit import kernel

#: Provider (post) arrays the kernels read, by their people.Providers attribute names.
POST_FIELDS = ("first_post", "facility", "role", "filled", "skill", "skill_floor", "skill_at_entry",
               "knowledge", "knowledge_floor", "confidence", "confidence_at_entry", "trust", "resistance0",
               "resistance", "workload_factor", "busy", "trained", "whatsapp_access", "tenure_weeks",
               "leave_week", "vacancy_weeks", "fill_week", "reinforced", "coached_days", "echo_sessions",
               "echo_offered", "whatsapp_weeks", "contact_days")
Posts = namedtuple("Posts", POST_FIELDS)

#: Facility arrays the kernels read, by their facilities.Facilities attribute names, and
#: ``recept`` [n_fac, 4] (the model's learning.receptivity, updated in place).
SITE_FIELDS = ("intervention", "region", "group", "connectivity", "uptake", "leadership", "operations_per_week",
               "operations_week", "workload", "current_baseline", "recept")
Sites = namedtuple("Sites", SITE_FIELDS)

#: What a kernel's ``state[0]`` holds: ``pr, fa = state[0]``.
State = namedtuple("State", ("posts", "sites"))


def state_of(model) -> List:
    """The model's arrays as a typed list of one :data:`State` (build once the model's arrays
    exist; they must never be replaced afterwards)."""
    return _one(state_tuple(model)[0])


def state_tuple(model) -> tuple:
    """The model's arrays as a plain tuple of one :data:`State`, which kernels read as they read
    :func:`state_of` (``pr, fa = state[0]``): for a state held inside a batch's per-run tuple
    (kernel_args.run_list), where numba types a tuple of arrays in C but a typed list through
    Python."""
    fa = model.facilities
    sites = Sites(*(model.recept if name == "recept" else getattr(fa, name) for name in SITE_FIELDS))
    return (State(posts_of(model.providers), sites),)


def posts_of(providers) -> Posts:
    """The arrays of ``providers`` (people.Providers) as a :data:`Posts`."""
    return Posts(*(getattr(providers, name) for name in POST_FIELDS))


def arrays_of(model, posts: type, sites: type | None = None) -> tuple[tuple, tuple]:
    """The model's arrays named by the fields of the namedtuple classes ``posts`` (a subset of
    POST_FIELDS) and ``sites`` (of SITE_FIELDS; none if None), as two plain tuples in field order; a kernel
    names them again with the same classes: ``pr, fa = posts(*state[0]), sites(*state[1])``.

    For kernels called every week that read a few arrays: numba types and unboxes a plain
    tuple of arrays in its dispatcher's C code, where it types and unboxes :func:`state_of`'s
    typed list through Python, and ``state[0]`` adds a reference count per array it holds
    (measured on the WhatsApp step: about 0.4 us a week more than this for its 9 arrays)."""
    site_fields = sites._fields if sites is not None else ()
    unknown = sorted(set(posts._fields) - set(POST_FIELDS)) + sorted(set(site_fields) - set(SITE_FIELDS))
    if unknown:
        raise ValueError(f"{posts.__name__}, {sites}: not in POST_FIELDS or SITE_FIELDS: {unknown}")
    pr, fa = model.providers, model.facilities
    return (tuple(getattr(pr, name) for name in posts._fields),
            tuple(model.recept if name == "recept" else getattr(fa, name) for name in site_fields))


@kernel
def _one(item):
    """A typed list holding ``item`` (built in compiled code, so it is cached on disk)."""
    out = List()
    out.append(item)
    return out


@kernel
def _with_stream(run, stream):
    """A typed list holding ``(run, stream)``."""
    out = List()
    out.append((run, stream))
    return out


@kernel
def _concat(lists):
    """One typed list of the items of the typed lists in ``lists`` (a typed list of them)."""
    out = List()
    for items in lists:
        for item in items:
            out.append(item)
    return out


def run_list(run: tuple, stream=None) -> List:
    """A run's week state for a process's batch kernel (e.g. ``workforce.turnover_runs``): a
    typed list of ``run``, a namedtuple of the arrays and numbers the process reads, or of one
    ``(run, stream)`` pair if the process also calls the numpy Generator ``stream`` from compiled
    code (numba reads the Generator's own bit generator, so the numbers are numpy's, in the same
    order). A kernel that only needs uniforms draws them inline from a state in ``run``
    (pcg.words) instead: faster, and no Generator to type. The stream is handed over beside the
    tuple, not in it: numba types a tuple of arrays in its C dispatcher (about 3 us for 30
    arrays) but a tuple holding a Generator through Python (about 5 us an array)."""
    if stream is None:
        return _one(run)
    return _with_stream(run, stream)


def batch_list(lists) -> List:
    """The items of the typed lists ``lists`` (each from :func:`run_list`) in one typed list,
    which a batch kernel walks over: handing a typed list to compiled code costs under 1 us
    whatever it holds."""
    lists = list(lists)
    if len(lists) == 1:  # a batch of one (model.run()): the run's own list serves
        return lists[0]
    outer = _one(lists[0])
    for items in lists[1:]:
        _append(outer, items)
    return _concat(outer)


@kernel
def _append(items, item):
    items.append(item)


def coef_record(fields: Mapping[str, str], values: Mapping[str, float]) -> np.ndarray:
    """A one-element record array with a float64 field for each of ``fields`` (field -> the
    parameter it comes from), holding ``values[field]``; kernels read ``coef[0].field``."""
    names = tuple(fields)
    dtype = _RECORD_DTYPES.get(names)
    if dtype is None:  # made once per set of fields (making a dtype costs more than filling it)
        dtype = _RECORD_DTYPES[names] = np.dtype([(name, np.float64) for name in names])
    # the float64 values viewed as the record (its fields are float64, unpadded: the same bytes
    # as filling it from a tuple, at two thirds of the cost)
    return np.array([float(values[name]) for name in names], dtype=np.float64).view(dtype)


_RECORD_DTYPES: dict[tuple[str, ...], np.dtype] = {}


def coef_tuple(fields: Mapping[str, str], values: Mapping[str, float]) -> tuple[float, ...]:
    """``values[field]`` for each of ``fields`` (field -> the parameter it comes from), in order,
    as a plain tuple of floats; a kernel names it with a namedtuple class of the same fields
    (``k = WhatsAppCoef(*coef); k.weekly_engagement``). Numba types a plain tuple of floats in
    its C dispatcher; :func:`coef_record`'s record array it types through Python, which in a run
    costs about 1 us a call (measured on the WhatsApp step, called once a week)."""
    return tuple(float(values[name]) for name in fields)
