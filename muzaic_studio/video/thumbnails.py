"""A strip of small frames along the video, for the timeline to show where you are.

One ffmpeg pass decodes the picture, keeps one frame per *interval* (``fps`` filter, the
frame nearest each slot), shrinks it and writes raw RGB to a cache file. Raw, not PNGs:
a 10-minute video gives a few hundred frames of ~17 KB that load with one
``numpy.fromfile``, and the GUI turns rows of that array into images without a decoder.
Cached per video version, so reopening a project shows the strip at once.
"""

from __future__ import annotations

import contextlib
import math
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from muzaic_studio.audio.ffmpeg import FFmpegError, ProgressFn, run_ffmpeg_job
from muzaic_studio.video import cache
from muzaic_studio.video.errors import VideoError
from muzaic_studio.video.probe import VideoInfo, probe

if TYPE_CHECKING:  # numpy only where frames are read: GUI start-up must not import it
    import numpy as np

DEFAULT_HEIGHT = 54
#: Enough for one thumbnail per ~3 s of a 20-minute video, ~4 MB of RGB at the default size.
DEFAULT_MAX_COUNT = 400
MIN_INTERVAL = 0.5


@dataclass(frozen=True)
class ThumbnailStrip:
    """Frame k shows the video at ``k * interval`` seconds; ``frames`` is (n, h, w, 3) uint8."""

    interval: float
    frames: np.ndarray

    @property
    def count(self) -> int:
        return int(self.frames.shape[0])

    @property
    def size(self) -> tuple[int, int]:
        """(width, height) of one thumbnail in pixels."""
        return int(self.frames.shape[2]), int(self.frames.shape[1])

    def index_at(self, seconds: float) -> int:
        """The thumbnail nearest *seconds* (clamped to the strip)."""
        if self.count == 0:
            return -1
        return min(self.count - 1, max(0, round(seconds / self.interval)))


def plan(info: VideoInfo, height: int, max_count: int) -> tuple[float, int, int]:
    """(interval, width, height) of the strip for *info*: even sizes, aspect kept."""
    interval = max(MIN_INTERVAL, info.duration / max(1, max_count))
    interval = math.ceil(interval * 100) / 100  # a round number keeps the cache key stable
    h = max(2, height - height % 2)
    w = max(2, round(h * info.width / max(1, info.height) / 2) * 2)
    return interval, w, h


def _files(path: str | os.PathLike[str], interval: float, w: int, h: int) -> tuple[Path, Path]:
    stem = f"thumbs-{w}x{h}-{interval:.2f}"
    folder = cache.entry_dir(path)
    return folder / f"{stem}.rgb", folder / f"{stem}.json"


def _load(raw: Path, meta: Path, interval: float, w: int, h: int) -> ThumbnailStrip | None:
    data = cache.read_json(meta)
    if not isinstance(data, dict) or data.get("complete") is not True:
        return None
    return _read_raw(raw, interval, w, h)


def _read_raw(raw: Path, interval: float, w: int, h: int) -> ThumbnailStrip | None:
    try:
        import numpy as np

        flat = np.fromfile(raw, dtype=np.uint8)
    except (OSError, ValueError):
        return None
    frame_bytes = w * h * 3
    if flat.size == 0 or flat.size % frame_bytes:
        return None
    return ThumbnailStrip(interval, flat.reshape(-1, h, w, 3))


def cached_thumbnails(
    path: str | os.PathLike[str],
    info: VideoInfo,
    *,
    height: int = DEFAULT_HEIGHT,
    max_count: int = DEFAULT_MAX_COUNT,
) -> ThumbnailStrip | None:
    interval, w, h = plan(info, height, max_count)
    return _load(*_files(path, interval, w, h), interval, w, h)


def extract_thumbnails(
    path: str | os.PathLike[str],
    info: VideoInfo | None = None,
    *,
    height: int = DEFAULT_HEIGHT,
    max_count: int = DEFAULT_MAX_COUNT,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    use_cache: bool = True,
) -> ThumbnailStrip:
    """The strip of *path*, from the cache or one ffmpeg pass (call it off the GUI thread).

    Raises VideoError when ffmpeg cannot decode the picture, Cancelled when cancelled.
    """
    info = info or probe(path, max_duration=None)
    interval, w, h = plan(info, height, max_count)
    raw, meta = _files(path, interval, w, h)
    if use_cache and (strip := _load(raw, meta, interval, w, h)) is not None:
        if progress is not None:
            progress(1.0)
        return strip
    part = raw.with_name(raw.name + f".{os.getpid()}.{threading.get_ident()}.part")
    args = [
        "-i", os.fspath(path), "-map", "0:v:0",
        "-vf", f"fps=fps=1/{interval:.2f}:start_time=0,scale={w}:{h}:flags=area",
        "-pix_fmt", "rgb24", "-f", "rawvideo", "-y", os.fspath(part),
    ]  # fmt: skip
    try:
        run_ffmpeg_job(args, duration=info.duration, progress=progress, cancel=cancel)
        os.replace(part, raw)
    except FFmpegError as exc:
        raise VideoError(f"Could not read frames from {Path(path).name}: {exc}") from exc
    except OSError as exc:
        raise VideoError(f"Could not cache thumbnails: {exc.strerror or exc}") from exc
    finally:
        with contextlib.suppress(OSError):
            part.unlink(missing_ok=True)
    cache.write_json(meta, {"complete": True, "interval": interval, "width": w, "height": h})
    strip = _read_raw(raw, interval, w, h)
    if strip is None:
        raise VideoError(f"ffmpeg produced no frames from {Path(path).name}.")
    return strip
