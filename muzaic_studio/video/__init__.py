"""Video for re-scoring: probe, thumbnails, scene cuts, regions from scenes, export. No Qt.

Everything here is plain Python over the shared ffmpeg binary (`audio.ffmpeg`), usable by
the CLI and tests as well as by the GUI, whose workers call the long jobs off its thread.
Names resolve on first use (PEP 562) so that the GUI's start-up does not import numpy.
"""

from __future__ import annotations

import importlib
from typing import Any

# Eager on purpose: the function `probe` shares its name with its module, and only an
# explicit import keeps the package attribute the function (probe.py is stdlib-only).
from muzaic_studio.video.probe import VideoInfo as VideoInfo
from muzaic_studio.video.probe import probe as probe

_WHERE = {
    "Cancelled": "errors",
    "VideoError": "errors",
    "AUDIO_MODES": "mux",
    "CONTAINERS": "mux",
    "ExportOptions": "mux",
    "containers_for": "mux",
    "default_container": "mux",
    "export_video": "mux",
    "length_note": "mux",
    "DEFAULT_THRESHOLD": "scenes",
    "cached_scenes": "scenes",
    "detect_scenes": "scenes",
    "regions_from_scenes": "scenes",
    "ThumbnailStrip": "thumbnails",
    "cached_thumbnails": "thumbnails",
    "extract_thumbnails": "thumbnails",
}

__all__ = sorted([*_WHERE, "VideoInfo", "probe"])


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)
