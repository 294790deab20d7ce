"""JSON from outside (project files, HTTP bodies) read with bounds, and the one finite check.

`json.loads` alone lets through what later crashes with a traceback instead of a message:
an integer beyond float range (`math.isfinite(10**400)` raises OverflowError), `1e999`
(parsed as inf), `NaN`/`Infinity` (not JSON at all), and nesting deep enough for
RecursionError in deepcopy or the schema validator. `loads` refuses the last three
before anything uses the data; `finite_number` is the single test every numeric field goes
through, so a huge integer is "not a number" (a 400 / exit 2), never an OverflowError.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

MAX_DEPTH = 64  # a soundtrack nests 6 deep (body > regions > region > params > keyframes)
# Bytes scanned per regex call in `depth`: a 15 MB project read on a worker thread held
# the GIL, and so froze the GUI thread, for the whole scan (~0.3 s); between chunks it
# can switch. Chunks end at a newline, which a valid JSON string never holds.
DEPTH_CHUNK = 1 << 20

_STRING = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)  # unrolled: 2x faster
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")


class JSONError(ValueError):
    """Input that is not acceptable JSON; the message says why in one line."""


def finite_number(value: Any) -> bool:
    """True for an int or float (not bool) that is finite and within float range."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value)
    except OverflowError:  # an int beyond float range: no time, duration or value is that
        return False


def depth(raw: bytes | str) -> int:
    """Deepest nesting of arrays/objects in *raw*, counted without parsing (linear time)."""
    data = raw.encode("utf-8", "surrogatepass") if isinstance(raw, str) else raw
    level = deepest = start = 0
    while start < len(data):
        end = data.find(b"\n", start + DEPTH_CHUNK) + 1 or len(data)
        brackets = _STRING.sub(b"", data[start:end]).translate(None, _NOT_BRACKETS)
        start = end
        for c in brackets:
            if c in b"[{":
                level += 1
                deepest = max(deepest, level)
            else:
                level -= 1
    return deepest


def _no_constant(name: str) -> Any:
    raise JSONError(f"{name} is not a JSON number")


def _float(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise JSONError(f"the number {text[:20]} is out of range")
    return value


def _same(obj: dict[str, Any]) -> dict[str, Any]:
    """json's object hook that changes nothing: a Python call per object lets a worker
    thread's parse of a big file hand the GIL to the GUI thread (~3% slower)."""
    return obj


def loads(raw: bytes | str, max_depth: int = MAX_DEPTH, strict_numbers: bool = True) -> Any:
    """Parse JSON text, refusing deep nesting, NaN/Infinity and out-of-range numbers.

    With strict_numbers=False, NaN/Infinity/1e999 parse to floats, for a caller that names
    the field they are in (a project's region time) through `finite_number`. Raises JSONError (a ValueError) with a one-line reason; UnicodeDecodeError for bytes
    that are not UTF-8 is turned into one too.
    """
    if isinstance(raw, bytes | bytearray):
        try:
            raw = bytes(raw).decode("utf-8")
        except UnicodeDecodeError:
            raise JSONError("the text is not UTF-8") from None
    if depth(raw) > max_depth:
        raise JSONError(f"it nests deeper than {max_depth} levels")
    try:
        if not strict_numbers:
            return json.loads(raw, object_hook=_same)
        return json.loads(raw, parse_constant=_no_constant, parse_float=_float, object_hook=_same)
    except JSONError:
        raise
    except json.JSONDecodeError as exc:
        raise JSONError(f"line {exc.lineno}, column {exc.colno}: {exc.msg}") from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer of more than 4300 digits
        raise JSONError(str(exc).split("\n")[0] or type(exc).__name__) from None


def lone_surrogate_path(data: Any, path: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
    """The path of the first string (or key) holding a lone surrogate, which UTF-8 cannot
    store; None when there is none. JSON's "\\ud800" escape parses to exactly that."""
    if isinstance(data, str):
        return path if _has_surrogate(data) else None
    if isinstance(data, dict):
        for key, value in data.items():
            if isinstance(key, str) and _has_surrogate(key):
                return (*path, key)
            found = lone_surrogate_path(value, (*path, key))
            if found is not None:
                return found
    elif isinstance(data, list):
        for i, value in enumerate(data):
            found = lone_surrogate_path(value, (*path, i))
            if found is not None:
                return found
    return None


def path_text(path: tuple[Any, ...]) -> str:
    """`regions.2.name` for a path, printable even when a key holds a lone surrogate."""
    return ".".join(str(p).encode("utf-8", "backslashreplace").decode("utf-8") for p in path)


def _has_surrogate(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
