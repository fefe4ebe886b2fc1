"""Weak references back to the model, so that no reference cycle runs through it.

A model's agents (Mentor, Facility, Provider), its mentor pool and Mesa's wrapped ``step`` refer
back to the model, and the mentors to the pool. Held strongly, each of those is a reference cycle,
and an object in a cycle is freed only when Python's cyclic garbage collector next runs its
generation, not when the last reference to it goes: in a batch of runs the finished models'
arrays (about 1 MB for ss2020, most of it the record) then stayed allocated while the next models
were built, which got fresh memory and paid for its pages (about 170 page faults a model, a
quarter of a millisecond of its set-up, in benchmarks/bench_where.py's batches), and what outlived
a collection went on to the process's full collections (150-300 ms each with numba loaded, twice
in 1,600 runs). Held weakly, a model is freed as soon as it is dropped and the next one reuses its
memory. The model (or whoever runs it) holds what these refer to for as long as the model is in
use; an agent kept after its model is gone raises ReferenceError when asked for it.
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
        ref = obj.__dict__.get(self.key)
        if ref is None:
            raise AttributeError(f"{type(obj).__name__!r} object has no attribute {self.name!r}")
        target = ref()
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
