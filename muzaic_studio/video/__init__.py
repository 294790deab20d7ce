"""Video for re-scoring: probe, thumbnails, scene cuts, regions from scenes, export. No Qt.

Everything here is plain Python over the shared ffmpeg binary (`audio.ffmpeg`), usable by
the CLI and tests as well as by the GUI, whose workers call the long jobs off its thread.
"""

from muzaic_studio.video.errors import Cancelled, VideoError
from muzaic_studio.video.mux import (
    AUDIO_MODES,
    CONTAINERS,
    ExportOptions,
    containers_for,
    default_container,
    export_video,
)
from muzaic_studio.video.probe import VideoInfo, probe
from muzaic_studio.video.scenes import (
    DEFAULT_THRESHOLD,
    cached_scenes,
    detect_scenes,
    regions_from_scenes,
)
from muzaic_studio.video.thumbnails import ThumbnailStrip, cached_thumbnails, extract_thumbnails

__all__ = [
    "AUDIO_MODES",
    "CONTAINERS",
    "DEFAULT_THRESHOLD",
    "Cancelled",
    "ExportOptions",
    "ThumbnailStrip",
    "VideoError",
    "VideoInfo",
    "cached_scenes",
    "cached_thumbnails",
    "containers_for",
    "default_container",
    "detect_scenes",
    "export_video",
    "extract_thumbnails",
    "probe",
    "regions_from_scenes",
]
