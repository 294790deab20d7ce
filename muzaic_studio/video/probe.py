"""What a video file holds: duration, picture size, frame rate, codecs, audio or not.

imageio-ffmpeg ships no ffprobe, so this parses the input summary ``ffmpeg -i`` prints
before it complains that no output was given (one short process, ~30 ms). A file whose
header has no duration (some raw or broken streams) is measured by a stream-copy pass,
which reads packets without decoding them.

Everything a user could drop on the window is judged here, in words: a missing or empty
file, something ffmpeg cannot read, an audio-only file, a still image, and a video too long
for one Muzaic soundtrack (the API's 20-minute limit) or too large to preview.
"""

from __future__ import annotations

import os
import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

from muzaic_studio.audio import ffmpeg_log
from muzaic_studio.audio.ffmpeg import ffmpeg_exe
from muzaic_studio.model.validation import MAX_TOTAL_SECONDS
from muzaic_studio.paths import readable_file_size
from muzaic_studio.video.errors import VideoError
from muzaic_studio.wording import clock

#: Beyond 8K the preview and thumbnails would cost more than the editor can afford.
MAX_PIXELS = 8192 * 4320

#: Single-image "videos" (a PNG/JPEG dropped by mistake) are reported as not a video.
_IMAGE_CODECS = frozenset({"png", "mjpeg", "bmp", "tiff", "webp", "gif", "jpeg2000", "ppm"})


@dataclass(frozen=True)
class VideoInfo:
    path: Path
    duration: float  # seconds of the whole file
    width: int
    height: int
    fps: float  # average frame rate; 0.0 when ffmpeg cannot tell
    video_codec: str  # ffmpeg's codec name of the first video stream, e.g. "h264"
    format_names: tuple[str, ...]  # demuxer names, e.g. ("mov", "mp4", "m4a", ...)
    audio_codec: str | None = None  # first audio stream's codec; None: the video is silent
    audio_rate: int = 0
    audio_channels: int = 0
    size_bytes: int = 0

    @property
    def has_audio(self) -> bool:
        return self.audio_codec is not None

    @property
    def frame_duration(self) -> float:
        return 1.0 / self.fps if self.fps > 0 else 1.0 / 25.0


_INPUT_RE = re.compile(r"Input #0, ([^\n]+?), from ")
_VIDEO_RE = re.compile(r"Stream #0:\d+[^:\n]*: Video: ([^\s,]+)([^\n]*)")
_SIZE_RE = re.compile(r", (\d{2,5})x(\d{2,5})\b")
_FPS_RE = re.compile(r", (\d+(?:\.\d+)?)(k?) (?:fps|tbr)\b")
_TIME_RE = re.compile(r"time=(\d+):(\d+):(\d+(?:\.\d+)?)")


def _check_file(path: Path) -> int:
    return readable_file_size(path, "video", VideoError)


def _ffmpeg_log(args: list[str], timeout: float) -> str:
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", *args]
    try:
        proc = subprocess.run(cmd, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired as exc:
        raise VideoError(
            f"ffmpeg did not answer within {timeout:.0f} s while reading the video."
        ) from exc
    return proc.stderr.decode("utf-8", "replace")


def _measure_duration(path: Path, timeout: float) -> float | None:
    """Duration by reading every packet without decoding (for files with no header duration)."""
    log = _ffmpeg_log(
        ["-i", os.fspath(path), "-map", "0:v:0", "-c", "copy", "-f", "null", "-"], timeout
    )
    times = _TIME_RE.findall(log)
    return ffmpeg_log.seconds(*times[-1]) if times else None


def parse_info(path: Path, log: str, size_bytes: int = 0) -> VideoInfo:
    """Build a VideoInfo from ``ffmpeg -i`` output, or raise VideoError saying what is wrong."""
    name = path.name
    if "Permission denied" in log:
        raise VideoError(f"Cannot read the video {name}: permission denied.")
    # Cover art in an MP3/M4A shows up as an "attached pic" video stream: not a picture track.
    video = next((m for m in _VIDEO_RE.finditer(log) if "attached pic" not in m.group(2)), None)
    if video is None:
        if ffmpeg_log.audio_stream(log):
            raise VideoError(
                f"{name} contains only sound, no picture. Import a video file "
                "(MP4, MOV, MKV, WebM ...)."
            )
        raise VideoError(
            f"{name} is not a video ffmpeg can read (damaged, or another kind of file)."
        )
    codec, rest = video.group(1), video.group(2)
    inp = _INPUT_RE.search(log)
    formats = tuple(f.strip() for f in inp.group(1).split(",")) if inp else ()
    if codec in _IMAGE_CODECS and any(f.endswith("_pipe") or f == "image2" for f in formats):
        raise VideoError(f"{name} is a still image, not a video.")
    size = _SIZE_RE.search(rest)
    if size is None:
        raise VideoError(f"{name}: ffmpeg cannot tell the picture size; the file may be damaged.")
    width, height = int(size.group(1)), int(size.group(2))
    fps = 0.0
    fps_match = _FPS_RE.search(rest)
    if fps_match:
        fps = float(fps_match.group(1)) * (1000.0 if fps_match.group(2) else 1.0)
    audio = ffmpeg_log.audio_stream(log)
    return VideoInfo(
        path=path,
        duration=ffmpeg_log.duration(log) or 0.0,
        width=width,
        height=height,
        fps=fps,
        video_codec=codec,
        format_names=formats,
        audio_codec=audio.codec if audio else None,
        audio_rate=audio.rate if audio else 0,
        audio_channels=(audio.channels or 0) if audio else 0,
        size_bytes=size_bytes,
    )


def probe(
    path: str | os.PathLike[str],
    *,
    max_duration: float | None = MAX_TOTAL_SECONDS,
    timeout: float = 30.0,
) -> VideoInfo:
    """Read a video's layout; raise VideoError with a user-facing sentence when unusable.

    *max_duration* (default: the API's longest soundtrack) rejects videos that could never
    be scored in one soundtrack; pass None to only read the file.
    """
    p = Path(path)
    size = _check_file(p)
    info = parse_info(p, _ffmpeg_log(["-i", os.fspath(p)], timeout), size)
    if info.duration <= 0:
        measured = _measure_duration(p, timeout=max(timeout, 300.0))
        if not measured:
            raise VideoError(
                f"{p.name}: ffmpeg cannot tell how long the video is; it may be damaged."
            )
        info = VideoInfo(**{**info.__dict__, "duration": measured})
    if info.width * info.height > MAX_PIXELS:
        raise VideoError(
            f"{p.name} is {info.width}x{info.height}, larger than 8K; "
            "make a smaller proxy copy to score it."
        )
    if max_duration is not None and info.duration > max_duration + 0.5:
        raise VideoError(
            f"{p.name} is {clock(info.duration)} long; one Muzaic soundtrack is at most "
            f"{clock(max_duration)}. Trim the video or score it in parts."
        )
    return info
