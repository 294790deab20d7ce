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
