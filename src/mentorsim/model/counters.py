"""A run's event counts (people who left, posts filled, ECHO sessions held, visits missed), kept
in one integer array so compiled steps can add to them, and read by name like a dict.

    >>> from mentorsim.model.counters import Counters
    >>> c = Counters()
    >>> c["hires"] += 2
    >>> dict(c)
    {'leavers': 0, 'hires': 2, 'echo_sessions': 0, 'visits_missed': 0}
"""

from __future__ import annotations

from collections.abc import Iterator, MutableMapping

import numpy as np

#: The counts, in the order of their slots in :attr:`Counters.counts` (compiled steps add to a
#: slot by these indices).
COUNTER_NAMES = ("leavers", "hires", "echo_sessions", "visits_missed")
LEAVERS, HIRES, ECHO_SESSIONS, VISITS_MISSED = range(len(COUNTER_NAMES))


def _slot(name: str) -> int:
    try:
        return _SLOTS[name]
    except (KeyError, TypeError):
        raise KeyError(f"{name!r} is not a run counter; the counters are {', '.join(COUNTER_NAMES)}") from None


_SLOTS = {name: k for k, name in enumerate(COUNTER_NAMES)}


class Counters(MutableMapping):
    """The counts of COUNTER_NAMES as a mapping name -> int over ``counts`` (an int64 array, one
    slot a name). Names cannot be added or removed."""

    __slots__ = ("counts",)

    def __init__(self):
        self.counts = np.zeros(len(COUNTER_NAMES), dtype=np.int64)

    def __getitem__(self, name: str) -> int:
        return int(self.counts[_slot(name)])

    def __setitem__(self, name: str, value: int) -> None:
        self.counts[_slot(name)] = value

    def __delitem__(self, name: str) -> None:
        raise TypeError("a run's counters cannot be removed")

    def __iter__(self) -> Iterator[str]:
        return iter(COUNTER_NAMES)

    def __len__(self) -> int:
        return len(COUNTER_NAMES)

    def __repr__(self) -> str:
        return f"Counters({dict(self)})"
