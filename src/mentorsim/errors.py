"""Errors that reach the user as one line and exit code 2."""


class InputError(Exception):
    """Bad input: a file, a key, a value. The message is the one line the user sees.

    Build it with :func:`input_error` so the message always names the file, the key, the value
    and what is allowed.
    """


def input_error(source: str, key: str | None, problem: str, value=None) -> InputError:
    """Make an :class:`InputError` naming ``source`` (a file or ``--set``) and ``key``."""
    where = f"{source}: " if source else ""
    what = f"{key}" if key else ""
    if value is not None:
        what += f" = {value!r}"
    if what:
        return InputError(f"{where}{what}: {problem}")
    return InputError(f"{where}{problem}")
