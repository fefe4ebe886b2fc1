"""Small caches of set-up products kept between models (a setting, a parameter set's derived
records, a visit schedule): plain dicts, oldest entry out first.

    >>> from mentorsim.model.kept import make_room
    >>> cache = {"a": 1, "b": 2}
    >>> make_room(cache, 2)
    >>> cache
    {'b': 2}
"""


def make_room(cache: dict, most: int) -> None:
    """Drop the oldest entries of ``cache`` until one more fits within ``most``. Safe when
    another thread drops entries at the same time (what it finds gone it does not drop again)."""
    while len(cache) >= most:
        try:
            cache.pop(next(iter(cache)), None)
        except (StopIteration, RuntimeError):
            break
