"""Where Muzaic Studio keeps its files on this machine.

One module so the CLI, the engine's hash store, autosave and the log all agree, and so
tests can redirect everything with one environment variable (MUZAIC_STUDIO_HOME).
"""

from __future__ import annotations

import os
from pathlib import Path

import platformdirs

APP = "muzaic-studio"


def _base(kind: str) -> Path:
    home = os.environ.get("MUZAIC_STUDIO_HOME")
    if home:
        path = Path(home) / kind
    else:
        path = Path(
            {
                "cache": platformdirs.user_cache_dir,
                "data": platformdirs.user_data_dir,
                "log": platformdirs.user_log_dir,
                "config": platformdirs.user_config_dir,
            }[kind](APP, appauthor=False)
        )
    path.mkdir(parents=True, exist_ok=True)
    return path


def cache_dir() -> Path:
    """Rendered audio, region audio store, thumbnails: safe to delete."""
    return _base("cache")


def data_dir() -> Path:
    """Autosave and the cross-project hash library: worth keeping."""
    return _base("data")


def log_dir() -> Path:
    return _base("log")


def config_dir() -> Path:
    return _base("config")


def readable_file_size(path: Path, noun: str, error: type[Exception]) -> int:
    """The size of a file the user picked, or `error` saying in words why it cannot be read.

    Audio and video inputs fail the same ways (moved, a folder, unreadable, empty); one check
    keeps their messages alike and stops ffmpeg's log from being the first thing a user sees.
    """
    if not path.exists():
        raise error(f"The {noun} {path} does not exist (was it moved or renamed?).")
    if not path.is_file():
        raise error(f"{path} is not a file.")
    try:
        size = path.stat().st_size
        with path.open("rb"):
            pass
    except OSError as exc:
        raise error(f"Cannot read the {noun} {path}: {exc.strerror or exc}.") from exc
    if size == 0:
        raise error(f"The {noun} {path.name} is empty (0 bytes).")
    return size
