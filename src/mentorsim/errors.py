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
        if what:
            what += f" = {value!r}"
        else:  # a flag with no key: ``--years = 0.08: ...``
            where, what = "", f"{source} = {value!r}" if source else f"{value!r}"
    message = f"{where}{what}: {problem}" if what else f"{where}{problem}"
    return InputError(message.replace("\r", "\\r").replace("\n", "\\n"))


#: Deepest nesting of arrays and tables a TOML input may have (the parser recurses per level; no
#: mentorsim file needs more than 4).
MAX_TOML_DEPTH = 50


def read_toml(path: str | Path, what: str = "file") -> dict:
    """Parse a TOML input file; anything wrong raises a one-line InputError naming the file.

    Refused: a missing file or a folder, an unreadable file, text that is not UTF-8, malformed
    TOML, and arrays or tables nested deeper than MAX_TOML_DEPTH. A UTF-8 byte order mark
    (which some editors write) is ignored, as it is in CSV files.

    Args:
        what: what the file is, for the message ("no such scenario file").
    """
    path = Path(path)
    source = str(path)
    if path.is_dir():
        raise input_error(source, None, f"is a folder, not a {what}")
    if not path.is_file():
        raise input_error(source, None, f"no such {what}")
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise input_error(source, None, f"cannot read the {what} ({exc.strerror or exc})") from None
    return parse_toml(raw, source)


def parse_toml(text: str | bytes, source: str) -> dict:
    """Parse TOML text (or UTF-8 bytes) read from ``source``, refused in one line as
    :func:`read_toml` refuses a file (not UTF-8, malformed, nested too deep; a BOM is ignored)."""
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8-sig")
        except UnicodeDecodeError:
            raise input_error(source, None, "not valid TOML (not UTF-8 text)") from None
    text = text.removeprefix("\ufeff")
    depth = _nesting(text)
    if depth > MAX_TOML_DEPTH:
        raise input_error(source, None, f"not valid TOML here: arrays or tables nested {depth} deep "
                          f"(at most {MAX_TOML_DEPTH})")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise input_error(source, None, f"not valid TOML ({exc})") from None
    except RecursionError:
        raise input_error(source, None, "not valid TOML here: nested too deep") from None


def _nesting(text: str) -> int:
    """An upper bound on how deep ``[``/``{`` nest outside strings and comments (a cheap scan, so a
    hostile file cannot exhaust the parser's recursion), counting dotted header keys too."""
    depth = deepest = 0
    quote = None
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if quote:
            if c == "\\" and quote == '"':
                i += 2
                continue
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
        elif c == "#":
            j = text.find("\n", i)
            i = n if j < 0 else j
            continue
        elif c in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif c in "]}":
            depth = max(0, depth - 1)
        elif c == "\n" and depth == 1:
            depth = 0  # a table header such as [visits] ends with its line
        i += 1
    header_dots = max((line.count(".") + 1 for line in text.splitlines() if line.lstrip().startswith("[")),
                      default=0)
    return max(deepest, header_dots)
