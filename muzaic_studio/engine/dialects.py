"""`serve --dialect`: the offline server answers in each shape the Muzaic docs show.

Which answer shape the live server sends is unknown (../shared/muzaic-api/README.md), so
the client reads three, and this stand-in can speak each one, so that the client is tested
against all of them through a real socket:

* ``openapi``: the contract, OpenAPI 1.0.0 (base64 `mp3`, `regionHashes`, `status` list,
  `audioDuration`, `{"error"}`); what the server always spoke.
* ``docs``: the older prose pages (apiVersion 1.2.0): `mp3` is a link to the audio on this
  server (`/result/<id>.mp3`), `regions` is `[{"number", "hash"}]` without silence regions,
  `status` is one string, `executionTime`, no `audioDuration`; errors are `{"Error"}`;
  /accountDetails echoes `secretKey` as the prose page shows (the client must mask it).
* ``mcp``: what the official MCP client reads: the audio as a link in `url` (`wav` for WAV),
  `soundtrackHash` only, `duration`, no token count.

Pure functions over the openapi-shaped dicts the server builds, plus the store of audio
served at /result/<id>: the HTTP transport only calls them, so any transport can.
"""

from __future__ import annotations

import base64
import contextlib
import re
import threading
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import Any

from muzaic_studio.atomic import atomic_write_bytes

DIALECTS = ("openapi", "docs", "mcp")
DOCS_API_VERSION = "1.2.0"
RESULT_PATH = re.compile(r"/result/([0-9a-f]{32})\.(mp3|wav)")
_CONTENT_TYPES = {"mp3": "audio/mpeg", "wav": "audio/wav"}


class AudioLinks:
    """Audio of the latest answers, fetched by link at /result/<id>.<mp3|wav>. Thread-safe.

    *base_url* prefixes the links ("" gives a path on the API host, as some servers send;
    the HTTP app then names its own address from the request). The newest *keep* files are
    held, which bounds what a long session keeps: in memory, or with *directory* in files
    there, so that every worker process of `serve --workers N` can answer every link.
    """

    def __init__(self, base_url: str = "", keep: int = 16, directory: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.keep = keep
        self.directory = Path(directory) if directory else None
        self._items: OrderedDict[str, bytes] = OrderedDict()
        self._lock = threading.Lock()

    def put(self, audio: bytes, fmt: str = "mp3") -> str:
        """Store *audio*; returns its link."""
        path = f"/result/{uuid.uuid4().hex}.{fmt if fmt in _CONTENT_TYPES else 'mp3'}"
        if self.directory is not None:
            self.directory.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(self.directory / path.rsplit("/", 1)[1], audio)
            self._prune_files()
            return self.base_url + path
        with self._lock:
            self._items[path] = audio
            while len(self._items) > self.keep:
                self._items.popitem(last=False)
        return self.base_url + path

    def _prune_files(self) -> None:
        assert self.directory is not None
        files = sorted(self.directory.glob("*.*"), key=lambda f: f.stat().st_mtime_ns)
        for old in files[: max(0, len(files) - self.keep)]:
            with contextlib.suppress(OSError):
                old.unlink()

    def get(self, path: str) -> tuple[bytes, str] | None:
        """(audio, content type) for a /result/ path, or None when unknown or dropped."""
        match = RESULT_PATH.fullmatch(path)
        if match is None:
            return None
        if self.directory is not None:
            try:
                audio: bytes | None = (self.directory / path.rsplit("/", 1)[1]).read_bytes()
            except OSError:
                audio = None
        else:
            with self._lock:
                audio = self._items.get(path)
        return None if audio is None else (audio, _CONTENT_TYPES[match.group(2)])


def absolute_links(body: dict[str, Any], base_url: str) -> dict[str, Any]:
    """Links that are paths on this server ("/result/...") made absolute with *base_url*."""
    for field in ("mp3", "wav", "url"):
        value = body.get(field)
        if isinstance(value, str) and value.startswith("/result/"):
            body[field] = base_url.rstrip("/") + value
    return body


def check_dialect(dialect: str) -> str:
    if dialect not in DIALECTS:
        raise ValueError(f"unknown dialect {dialect!r}; use one of {', '.join(DIALECTS)}")
    return dialect


def _link_audio(answer: dict[str, Any], links: AudioLinks) -> tuple[str, str] | None:
    """(link, format) of the answer's base64 audio, moved into *links*."""
    data = answer.get("mp3") or answer.get("wav")
    if not isinstance(data, str):
        return None
    fmt = "wav" if "wav" in answer and not answer.get("mp3") else "mp3"
    return links.put(base64.b64decode(data), fmt), fmt


def shape_answer(
    answer: dict[str, Any],
    dialect: str,
    links: AudioLinks | None,
    request: dict[str, Any] | None = None,
    execution_time: float = 0.0,
) -> dict[str, Any]:
    """An openapi-shaped 200 body (/soundtrack, /singleFile, /audioFromHash) in *dialect*."""
    if dialect == "openapi" or links is None or "audioFile" in answer:
        return answer
    linked = _link_audio(answer, links)
    hashes = answer.get("regionHashes") or []
    if dialect == "docs":
        sent = (request or {}).get("regions") or []
        regions = [
            {"number": i, "hash": h}
            for i, h in enumerate(hashes)
            if h and not (i < len(sent) and (sent[i] or {}).get("action") == "silence")
        ]
        out: dict[str, Any] = {
            "apiVersion": DOCS_API_VERSION,
            "status": " | ".join(answer.get("status") or []) or "ok",
            "executionTime": round(execution_time, 3),
            "tokensUsed": answer.get("tokensUsed", 0),
        }
        if "regionHashes" in answer:
            out["regions"] = regions
        elif answer.get("hash"):
            out["hash"] = answer["hash"]
        if linked:
            out["mp3"] = linked[0]
        return out
    out = {"duration": answer.get("audioDuration")}  # mcp
    whole = answer.get("soundtrackHash") or answer.get("hash")
    if whole:
        out["soundtrackHash"] = whole
    if linked:
        out["wav" if linked[1] == "wav" else "url"] = linked[0]
    return out


def shape_error(body: dict[str, Any], dialect: str) -> dict[str, Any]:
    """An error body in *dialect*: the prose pages spell it {"Error": ...}."""
    if dialect != "docs" or "error" not in body:
        return body
    out = dict(body)
    out["Error"] = out.pop("error")
    return out


def shape_account(
    balance: int | None, used: int | None, dialect: str, key: str | None
) -> dict[str, Any]:
    """/accountDetails as the OpenAPI page (openapi, mcp) or the prose page (docs) shows it.

    The prose shape echoes the caller's own key in `secretKey`, as documented, so that the
    client's masking is tested against the real thing."""
    if dialect == "docs":
        return {
            "apiVersion": DOCS_API_VERSION,
            "secretKey": key,
            "freeTokensAvailable": balance,
            "totalUsedTokens": used,
            "currentBalance": 0,
        }
    return {
        "accountId": "offline",
        "name": "Muzaic Studio offline engine",
        "tokensRemaining": balance,
        "tokensUsed": used,
        "plan": "offline",
        # The engine's own older names, read by clients of before the documented shape.
        "balance": balance,
        "used": used,
    }


def shape_tags(catalogue: dict[str, Any], dialect: str) -> dict[str, Any]:
    """/getTags: the prose calls the relations `tagRelations`; MCP expects a list."""
    if dialect == "openapi":
        return catalogue
    out = dict(catalogue)
    relations = out.pop("tagsRelations", {}) or {}
    if dialect == "docs":
        out["tagRelations"] = relations
        return out
    out["tagsRelations"] = [
        {"tag1": a, "tag2": b, "value": v}
        for a, row in relations.items()
        for b, v in (row or {}).items()
    ]
    return out
