"""Scene cuts: where the picture changes at once, found by ffmpeg's scene score.

One ffmpeg pass decodes the video and computes, for every frame, how different it is from
the one before (``select='gt(scene,T)'``); ``showinfo`` prints the time of each frame that
passes, i.e. the first frame of every new scene. Only the picture is mapped, so the
audio is never decoded.
Progress comes from ffmpeg's ``-progress`` report, cancel kills ffmpeg (both through
`run_ffmpeg_job`), and the result is cached per video version and threshold, so reopening
a project shows its markers without a second scan.

`regions_from_scenes` turns the cuts into the spans of one region per scene, joining
scenes shorter than a minimum, so a flash frame or a quick cutaway does not become a
one-second region of its own.
"""

from __future__ import annotations

import itertools
import os
import re
import threading
from pathlib import Path

from muzaic_studio.audio.ffmpeg import FFmpegError, ProgressFn, run_ffmpeg_job
from muzaic_studio.video import cache
from muzaic_studio.video.errors import VideoError
from muzaic_studio.video.probe import probe

#: ffmpeg's scene score is 0..1; 0.3 catches hard cuts between shots and ignores camera
#: motion and lighting drift in ordinary footage (the value most ffmpeg guides settle on).
DEFAULT_THRESHOLD = 0.3

_CACHE_VERSION = 1
_PTS_TIME_RE = re.compile(r"Parsed_showinfo.*?\bpts_time:\s*(-?\d+(?:\.\d+)?)")


def _cache_file(path: str | os.PathLike[str], threshold: float) -> Path:
    return cache.entry_dir(path) / f"scenes-{threshold:.3f}.json"


def cached_scenes(
    path: str | os.PathLike[str], threshold: float = DEFAULT_THRESHOLD
) -> list[float] | None:
    """The cuts found before for this version of the video, or None (cheap: one file read)."""
    try:
        data = cache.read_json(_cache_file(path, threshold))
    except OSError:
        return None
    if not isinstance(data, dict) or data.get("version") != _CACHE_VERSION:
        return None
    cuts = data.get("cuts")
    if not isinstance(cuts, list) or not all(isinstance(c, int | float) for c in cuts):
        return None
    return [float(c) for c in cuts]


def parse_cuts(log: str, duration: float, frame: float) -> list[float]:
    """Cut times from showinfo lines, without a cut at the very start or end, sorted, unique."""
    cuts: list[float] = []
    for match in _PTS_TIME_RE.finditer(log):
        t = float(match.group(1))
        if frame * 0.5 <= t < duration - frame * 0.5 and (not cuts or t - cuts[-1] > 1e-6):
            cuts.append(round(t, 6))
    return sorted(set(cuts))


def detect_scenes(
    path: str | os.PathLike[str],
    *,
    threshold: float = DEFAULT_THRESHOLD,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    use_cache: bool = True,
) -> list[float]:
    """Times (s) where a new scene starts; raises VideoError, or Cancelled when cancelled.

    Runs for about as long as decoding the video once; call it from a worker thread.
    """
    if not 0.0 < threshold < 1.0:
        raise ValueError(f"threshold must be between 0 and 1, not {threshold}")
    if use_cache:
        found = cached_scenes(path, threshold)
        if found is not None:
            if progress is not None:
                progress(1.0)
            return found
    info = probe(path, max_duration=None)
    args = [
        "-i", os.fspath(path), "-map", "0:v:0",
        "-vf", f"select='gt(scene,{threshold:.4f})',showinfo", "-f", "null", "-",
    ]  # fmt: skip
    try:
        log = run_ffmpeg_job(
            args, duration=info.duration, progress=progress, cancel=cancel, loglevel="info"
        )
    except FFmpegError as exc:
        raise VideoError(f"Scene detection failed on {Path(path).name}: {exc}") from exc
    cuts = parse_cuts(log, info.duration, info.frame_duration)
    cache.write_json(
        _cache_file(path, threshold),
        {"version": _CACHE_VERSION, "threshold": threshold, "cuts": cuts},
    )
    return cuts


def regions_from_scenes(
    cuts: list[float], duration: float, min_len: float = 2.0
) -> list[tuple[float, float]]:
    """(start, length) of one region per scene, covering 0..duration without gaps.

    A scene shorter than *min_len* is joined to the scene after it (the last one, having
    none after it, to the one before), so every span is at least *min_len* long unless the
    whole video is shorter. Cuts outside (0, duration) and duplicates are ignored. Times
    are rounded to the millisecond, so regions line up exactly end to start.
    """
    if duration <= 0:
        return []
    min_len = max(0.0, float(min_len))
    bounds = [0.0]
    for cut in sorted({round(float(c), 3) for c in cuts}):
        if cut <= 0.0 or cut >= duration:
            continue
        if cut - bounds[-1] >= min_len:
            bounds.append(cut)
    end = round(float(duration), 3)
    if len(bounds) > 1 and end - bounds[-1] < min_len:
        bounds.pop()  # the last scene is too short: it joins the one before
    bounds.append(end)
    return [(a, round(b - a, 3)) for a, b in itertools.pairwise(bounds) if b > a]
