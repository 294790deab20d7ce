"""Scene cuts: where the picture changes at once, found by ffmpeg's scene score.

One ffmpeg pass decodes the video and computes, for every frame, how different it is from
the one before (``select='gt(scene,T)'``); ``showinfo`` prints the time of each frame that
passes, i.e. the first frame of every new scene. Only the picture is mapped, so the
audio is never decoded.

The score is computed on RGB, not on the decoded YUV. ffmpeg's scene score (``select``
and ``scdet`` alike) sums the pixel differences of *luma only* when it is given planar
YUV, which every H.264 video decodes to, so a cut between two pictures of about the same
brightness scores nothing: red and green (ffmpeg's 0x008000) both have Y = 81, and a hard
red -> green cut scored 0.000, i.e. was missed at every threshold. Given packed RGB it
sums all three channels, so a colour change counts as much as a brightness change. The
conversion runs on a copy subsampled to about 320x240 (every F-th pixel of every F-th
row, F an integer, nearest neighbour): an unbiased sample of the full frame's difference,
so the threshold keeps its meaning, at a cost of about 10 % over a plain decode for 720p
instead of about 40 % for a full-size conversion. A hard cut scores higher on RGB than
on luma (0.6-0.8 -> 0.8-1.0 on the benchmark's shots) while steady motion still scores
near 0 (the score is the *change* in frame difference), so the default threshold stays.
Progress comes from ffmpeg's ``-progress`` report, cancel kills ffmpeg (both through
`run_ffmpeg_job`), and the result is cached per video version and threshold, so reopening
a project shows its markers without a second scan.

`regions_from_scenes` turns the cuts into the spans of one region per scene, joining
scenes shorter than a minimum, so a flash frame or a quick cutaway does not become a
one-second region of its own.
"""

from __future__ import annotations

import itertools
import math
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

#: 2: scored on RGB (version 1 scored luma only and missed cuts between equally bright colours).
_CACHE_VERSION = 2
#: Frames are scored on a copy of about this many pixels (320x240); smaller videos as they are.
_ANALYSIS_PIXELS = 320 * 240
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


def score_filter(width: int, height: int, threshold: float) -> str:
    """The -vf graph: subsample to about _ANALYSIS_PIXELS, convert to RGB, score, print.

    RGB because ffmpeg scores planar YUV on luma only (see the module docstring); an
    integer subsampling factor with nearest neighbour so the score is a plain sample of
    the full frame's (no averaging that would soften texture differences).
    """
    factor = max(1, math.ceil(math.sqrt(max(0, width) * max(0, height) / _ANALYSIS_PIXELS)))
    shrink = f"scale=w=iw/{factor}:h=ih/{factor}:flags=neighbor," if factor > 1 else ""
    return f"{shrink}format=rgb24,select='gt(scene,{threshold:.4f})',showinfo"


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
        "-vf", score_filter(info.width, info.height, threshold), "-f", "null", "-",
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
