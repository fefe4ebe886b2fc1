"""Errors that reach the user as one line and exit code 2."""

import tomllib
from pathlib import Path


class InputError(Exception):
    """Bad input: a file, a key, a value. The message is the one line the user sees.

    Build it with :func:`input_error` so the message always names the file, the key, the value
    and what is allowed.

    Examples:
        >>> from mentorsim import InputError, load_scenario
        >>> try:
        ...     load_scenario("no_such_file.toml")
        ... except InputError as exc:
        ...     print(exc)
        no_such_file.toml: no such scenario file
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


def read_toml(path: str | Path, what: str = "file") -> dict:
    """Parse a TOML input file; a missing file or malformed TOML raises a one-line InputError.

    Args:
        what: what the file is, for the message ("no such scenario file").
    """
    path = Path(path)
    source = str(path)
    if not path.is_file():
        raise input_error(source, None, f"no such {what}")
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except tomllib.TOMLDecodeError as exc:
        raise input_error(source, None, f"not valid TOML ({exc})") from None
    except UnicodeDecodeError:
        raise input_error(source, None, "not valid TOML (not UTF-8 text)") from None
