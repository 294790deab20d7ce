"""The hash library: every region hash a render produced, reusable as a copy source.

Kept inside each project and, across projects, in the user data dir (merged by hash).
"""

from __future__ import annotations

import copy
import json
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from muzaic_studio.atomic import atomic_write_text
from muzaic_studio.jsonsafe import finite_number


def _finite(value: Any, limit: float = 1e10) -> float:
    """A number the library can show (a date, a peak); a NaN, 1e300 or -1 read from a
    file is 0 (time.localtime(NaN) crashed the panel). 1e10 s is the year 2286."""
    return float(value) if finite_number(value) and 0 <= value <= limit else 0.0


def _length(value: Any) -> float:
    """An entry's length; one that no region could have is a damaged entry (ValueError)."""
    if not (finite_number(value) and 0 <= value <= 24 * 3600.0):
        raise ValueError(f"not a region length: {value!r}")
    return float(value)


@dataclass
class LibraryEntry:
    hash: str
    duration: float
    action: str = "generate"
    tags: list[int] = field(default_factory=list)
    params: dict[str, Any] = field(default_factory=dict)
    created: float = field(default_factory=time.time)
    thumbnail: list[float] = field(default_factory=list)  # 0..1 peak envelope, ~64 points
    name: str = ""
    tag_names: list[str] = field(default_factory=list)
    backend: str = ""  # who made the hash: "offline" or the cloud's address; "" unknown

    def to_dict(self) -> dict[str, Any]:
        out = {
            "hash": self.hash,
            "duration": self.duration,
            "action": self.action,
            "tags": list(self.tags),
            "params": copy.deepcopy(self.params),
            "created": self.created,
        }
        if self.thumbnail:
            out["thumbnail"] = [round(float(v), 3) for v in self.thumbnail]
        if self.name:
            out["name"] = self.name
        if self.tag_names:
            out["tagNames"] = list(self.tag_names)
        if self.backend:
            out["backend"] = self.backend
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LibraryEntry:
        return cls(
            hash=str(data["hash"]),
            duration=_length(data.get("duration", 0.0)),
            action=str(data.get("action", "generate")),
            tags=[int(t) for t in data.get("tags") or []],
            params=dict(data.get("params") or {}),
            created=_finite(data.get("created")),
            thumbnail=[_finite(v, 1.0) for v in data.get("thumbnail") or []],
            name=str(data.get("name") or ""),
            tag_names=[str(n) for n in data.get("tagNames") or []],
            backend=str(data.get("backend") or ""),
        )


class HashLibrary:
    """An ordered set of entries keyed by hash: newest first, no duplicates."""

    def __init__(self, entries: list[LibraryEntry] | None = None) -> None:
        self._by_hash: dict[str, LibraryEntry] = {}
        for entry in entries or []:
            self.add(entry)

    def add(self, entry: LibraryEntry) -> None:
        old = self._by_hash.pop(entry.hash, None)
        if old and not entry.thumbnail:
            entry.thumbnail = old.thumbnail
        self._by_hash[entry.hash] = entry

    def merge(self, other: HashLibrary) -> None:
        for entry in other.entries():
            if entry.hash not in self._by_hash:
                self._by_hash[entry.hash] = entry

    def get(self, hash_: str) -> LibraryEntry | None:
        return self._by_hash.get(hash_)

    def remove(self, hash_: str) -> None:
        self._by_hash.pop(hash_, None)

    def entries(self) -> list[LibraryEntry]:
        return sorted(self._by_hash.values(), key=lambda e: e.created, reverse=True)

    def __len__(self) -> int:
        return len(self._by_hash)

    def __contains__(self, hash_: object) -> bool:
        return hash_ in self._by_hash

    # Value semantics, so that Project equality (a dataclass) compares libraries by content:
    # equal when they would save the same.
    def __eq__(self, other: object) -> bool:
        if not isinstance(other, HashLibrary):
            return NotImplemented
        return self.to_list() == other.to_list()

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        return f"HashLibrary({len(self)} entries)"

    def to_list(self) -> list[dict[str, Any]]:
        return [e.to_dict() for e in self.entries()]

    @classmethod
    def from_list(cls, data: Any) -> HashLibrary:
        if not isinstance(data, list):
            return cls()
        entries = []
        for d in data:
            if not isinstance(d, dict) or not isinstance(d.get("hash"), str):
                continue
            try:
                entries.append(LibraryEntry.from_dict(d))
            except (TypeError, ValueError, OverflowError):  # OverflowError: int(1e400)
                continue  # one damaged entry must not make the project unopenable
        return cls(entries)

    # The cross-project library in the user data dir.
    @classmethod
    def load_file(cls, path: Path) -> HashLibrary:
        try:
            return cls.from_list(json.loads(path.read_text("utf-8")).get("entries"))
        except (OSError, ValueError, AttributeError, KeyError, TypeError):
            return cls()  # a damaged global library must never stop the app

    def save_file(self, path: Path) -> None:
        atomic_write_text(path, json.dumps({"entries": self.to_list()}, indent=1))
