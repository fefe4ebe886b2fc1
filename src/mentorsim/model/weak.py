"""Weak references back to the model, so that no reference cycle runs through it.

A model's agents (Mentor, Facility, Provider), its mentor pool and Mesa's wrapped ``step``
refer back to the model. Held strongly, each of those is a reference cycle, and a model in a
cycle is freed only when Python's cyclic garbage collector next runs its generation, not when
the last reference to it goes: in a batch of runs the finished models' arrays (about 1 MB for
ss2020, most of it the record) then stay allocated while the next models are built, which get
fresh memory and pay for its pages (about 170 page faults a model, a quarter of a millisecond
of its set-up, measured in benchmarks/bench_where.py's batches). Held weakly, a model is freed
at once and the next one reuses its memory. The model (or whoever runs it) holds everything
else, so these references never outlive what they point to while the model is in use.
"""

from __future__ import annotations

import weakref


class WeakModel:
    """Mixin for a class whose ``model`` attribute is kept as a weak reference (Mesa's
    ``Agent.__init__`` sets it as any attribute; reading it gives the model while it exists)."""

    __slots__ = ()

    @property
    def model(self):
        """The model (kept by weak reference)."""
        model = self._model_ref()
        if model is None:
            raise ReferenceError(f"the model of this {type(self).__name__} no longer exists")
        return model

    @model.setter
    def model(self, model) -> None:
        self._model_ref = weakref.ref(model)


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
