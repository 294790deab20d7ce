"""Where per-video analysis (thumbnails, scene cuts) is cached, keyed by file and mtime.

The key is the resolved path plus size and modification time, so a video edited in place
is analysed again, while a project reopened tomorrow finds its thumbnails at once. Files
are written atomically, so a crash mid-write leaves no half entry that later reads as valid.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path
from typing import Any

from muzaic_studio.atomic import WriteError, atomic_write_bytes
from muzaic_studio.paths import cache_dir


def video_key(path: str | os.PathLike[str]) -> str:
    p = Path(path).resolve()
    st = p.stat()
    ident = f"{p}\0{st.st_size}\0{st.st_mtime_ns}"
    return hashlib.sha256(ident.encode("utf-8", "surrogateescape")).hexdigest()[:24]


def entry_dir(path: str | os.PathLike[str]) -> Path:
    """The cache folder of this version of the video (created on demand)."""
    folder = cache_dir() / "video" / video_key(path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def read_json(file: Path) -> Any | None:
    try:
        return json.loads(file.read_text("utf-8"))
    except (OSError, ValueError):
        return None


def write_json(file: Path, data: Any) -> None:
    """Best effort: a cache that cannot be written only costs time on the next run."""
    with contextlib.suppress(WriteError):
        atomic_write_bytes(file, json.dumps(data).encode("utf-8"))
