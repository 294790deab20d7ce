"""Read the GUI's old QSettings INI file without Qt, to migrate its values once.

Earlier versions kept the backend choice, recent files and scene detection settings in
the QSettings file `studio.ini`. The CLI must see them too and may run where Qt is not
installed, so this reads Qt's INI dialect directly: `[General]` holds top-level keys,
group and key names are %-encoded (`\\` separates subgroups), a value may be quoted, has
C escapes (`\\n`, `\\"`, `\\x41`), is a list when it has unquoted commas, and a leading `@`
marks a Qt type (`@Invalid()` is no value, `@ByteArray(...)` a blob we skip, `@@` a
literal `@`).
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote

IniValue = str | list[str] | None

_SIMPLE_ESCAPES = {"a": "\a", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t", "v": "\v"}
_HEX = re.compile(r"[0-9a-fA-F]+")
_OCTAL = re.compile(r"[0-7]{1,3}")


def read_qt_ini(path: Path) -> dict[str, IniValue]:
    """{"group/key": value} of a QSettings INI file; keys of `[General]` have no group.
    Qt blobs (`@ByteArray`, `@Variant`, ...) read as None."""
    out: dict[str, IniValue] = {}
    group = ""
    for line in _logical_lines(path.read_text(encoding="utf-8", errors="replace")):
        stripped = line.strip()
        if not stripped or stripped[0] in ";#":
            continue
        if stripped.startswith("[") and stripped.endswith("]"):
            name = _decode_key(stripped[1:-1])
            group = "" if name == "General" else name
            continue
        key, sep, raw = line.partition("=")
        if not sep:
            continue
        name = _decode_key(key.strip())
        out[f"{group}/{name}" if group else name] = _value(raw)
    return out


def _logical_lines(text: str) -> list[str]:
    """Lines, with a line ending in an unescaped backslash joined to the next."""
    lines: list[str] = []
    pending = ""
    for line in text.splitlines():
        body = pending + line
        trailing = len(body) - len(body.rstrip("\\"))
        if trailing % 2 == 1:
            pending = body[:-1]
            continue
        lines.append(body)
        pending = ""
    if pending:
        lines.append(pending)
    return lines


def _decode_key(key: str) -> str:
    return unquote(key.replace("\\", "/"))


def _value(raw: str) -> IniValue:
    items = [_typed(item) for item in _split(raw)]
    if len(items) == 1:
        return items[0]
    return [item for item in items if item is not None]


def _typed(item: str) -> str | None:
    if item.startswith("@@"):
        return item[1:]
    if item.startswith("@"):
        return None  # @Invalid(), @ByteArray(...), @Variant(...): no text value
    return item


def _split(raw: str) -> list[str]:
    """Unescape a value into its comma-separated items; quotes protect commas and spaces,
    unquoted spaces around an item are dropped."""
    items: list[str] = []
    chars: list[tuple[str, bool]] = []  # (char, kept as is: quoted or escaped)
    quoted = False
    i = 0
    while i < len(raw):
        ch = raw[i]
        if ch == "\\" and i + 1 < len(raw):
            text, i = _escape(raw, i + 1)
            chars.extend((c, True) for c in text)
            continue
        if ch == '"':
            quoted = not quoted
        elif ch == "," and not quoted:
            items.append(_trim(chars))
            chars = []
        else:
            chars.append((ch, quoted))
        i += 1
    items.append(_trim(chars))
    return items


def _escape(raw: str, i: int) -> tuple[str, int]:
    """The text of the escape starting at raw[i] (after the backslash), and where it ends."""
    ch = raw[i]
    if ch in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[ch], i + 1
    if ch == "x":
        match = _HEX.match(raw, i + 1)
        if match:
            return chr(int(match.group(), 16)), match.end()
        return "x", i + 1
    match = _OCTAL.match(raw, i)
    if match:
        return chr(int(match.group(), 8)), match.end()
    return ch, i + 1  # \" \' \\ \? and anything else: the character itself


def _trim(chars: list[tuple[str, bool]]) -> str:
    start, end = 0, len(chars)
    while start < end and chars[start][0].isspace() and not chars[start][1]:
        start += 1
    while end > start and chars[end - 1][0].isspace() and not chars[end - 1][1]:
        end -= 1
    return "".join(c for c, _ in chars[start:end])
