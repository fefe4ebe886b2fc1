"""Weak references back to the model, so that no reference cycle runs through it.

A model's agents (Mentor, Facility, Provider), its mentor pool and Mesa's wrapped ``step``
refer back to the model, and the mentors to the pool. Held strongly, each of those is a reference cycle, and a model in a
cycle is freed only when Python's cyclic garbage collector next runs its generation, not when
the last reference to it goes: in a batch of runs the finished models' arrays (about 1 MB for
ss2020, most of it the record) then stay allocated while the next models are built, which get
fresh memory and pay for its pages (about 170 page faults a model, a quarter of a millisecond
of its set-up, measured in benchmarks/bench_where.py's batches), and what survives a collection
until a full one adds to the process's full collections (150-300 ms each with numba loaded,
twice in 1,600 runs). Held weakly, a model is freed at once and the next one reuses its memory. The model (or whoever runs it) holds everything
else, so these references never outlive what they point to while the model is in use.
"""

from __future__ import annotations

import weakref


class Weak:
    """An attribute kept as a weak reference (a data descriptor: ``model = Weak()`` in a class
    body; setting it stores a weak reference, reading it gives the object while it exists).
    Mesa's ``Agent.__init__`` sets ``agent.model`` as any attribute, so it works for agents too."""

    def __set_name__(self, owner, name: str) -> None:
        self.name = name
        self.key = f"_{name}_ref"

    def __get__(self, obj, owner=None):
        if obj is None:
            return self
        target = obj.__dict__[self.key]()
        if target is None:
            raise ReferenceError(f"the {self.name} of this {type(obj).__name__} no longer exists")
        return target

    def __set__(self, obj, value) -> None:
        obj.__dict__[self.key] = weakref.ref(value)


class WeakMethod:
    """A bound method called through a weak reference to its object: ``WeakMethod(model.step)()``
    calls ``model.step()`` without keeping ``model`` alive (cheaper to make than
    ``weakref.WeakMethod``: the object's plain weak reference, shared, and the function)."""

    __slots__ = ("_function", "_ref")

    def __init__(self, method):
        self._ref = weakref.ref(method.__self__)
        self._function = method.__func__

    def __call__(self, *args, **kwargs):
        obj = self._ref()
        if obj is None:
            raise ReferenceError("the model of this method no longer exists")
        return self._function(obj, *args, **kwargs)
