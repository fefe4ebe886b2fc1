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
    r"""Make an :class:`InputError` naming ``source`` (a file or ``--set``) and ``key``.

    The message is ``source: key = value: problem`` (parts left out when not given), always one
    line: line breaks inside any part (a strategy name read from a CSV with an open quote, a
    parser's message) are written as ``\\n``.

    Examples:
        >>> str(input_error("s.toml", "visits.days", "must be in [1, 10] (days)", 20))
        's.toml: visits.days = 20: must be in [1, 10] (days)'
    """
    where = f"{source}: " if source else ""
    what = f"{key}" if key else ""
    if value is not None:
        what += f" = {value!r}"
    message = f"{where}{what}: {problem}" if what else f"{where}{problem}"
    return InputError(message.replace("\r", "\\r").replace("\n", "\\n"))


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
