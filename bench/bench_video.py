"""Video benchmark: `python bench/bench_video.py` (also run by `make bench`).

Issue 7: scene detection throughput on a 10-minute 720p video, as a ratio to a plain
ffmpeg decode of the same file (``-map 0:v:0 -f null -``: the floor, since detection must
decode every frame). Also the thumbnail strip (the other full pass a new video gets) and
an export (-c:v copy, ducked sound), each against the same decode.

The video (1280x720, 25 fps, H.264, AAC sine) is made once by ffmpeg and cached in /tmp:
four 10-second shots (testsrc2, SMPTE bars, mandelbrot, rgbtestsrc) encoded once and
joined 60 times by the concat demuxer without re-encoding, so it has a hard cut every
10 s (59 cuts at known times). Timings are the best of two runs (first-run file cache
effects excluded); the cut count and positions are checked too.
Exit status 1 if detection is wrong or slower than GOAL_RATIO x plain decode.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

CACHE = Path(tempfile.gettempdir()) / "muzaic-bench-video"
SHOT = 10.0
SHOTS = 60
FPS = 25
#: Detection decodes every frame like the plain decode and adds a per-frame difference; a
#: little over the decode is expected, a lot over it means something else is decoded too.
GOAL_RATIO = 1.5


def make_video() -> Path:
    from muzaic_studio.audio.ffmpeg import run_ffmpeg

    CACHE.mkdir(parents=True, exist_ok=True)
    target = CACHE / "scenes_600s_720p.mp4"
    if target.is_file() and target.stat().st_size > 1_000_000:
        return target
    sources = ["testsrc2", "smptebars", "mandelbrot", "rgbtestsrc"]
    parts = []
    for i, src in enumerate(sources):
        part = CACHE / f"shot{i}.mp4"
        run_ffmpeg([
            "-y", "-f", "lavfi", "-i", f"{src}=size=1280x720:rate={FPS}",
            "-f", "lavfi", "-i", f"sine=frequency={220 * (i + 1)}:sample_rate=48000:duration={SHOT}",
            "-c:v", "libx264", "-preset", "veryfast", "-g", "250", "-pix_fmt", "yuv420p",
            "-c:a", "aac", "-t", str(SHOT), str(part),
        ])  # fmt: skip
        parts.append(part)
    listing = CACHE / "concat.txt"
    listing.write_text("".join(f"file '{parts[k % len(parts)]}'\n" for k in range(SHOTS)))
    tmp = CACHE / "building.mp4"
    run_ffmpeg(["-y", "-f", "concat", "-safe", "0", "-i", str(listing), "-c", "copy", str(tmp)])
    os.replace(tmp, target)
    return target


def best_of(runs: int, fn) -> tuple[float, object]:
    best, result = float("inf"), None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - t0)
    return best, result


def main() -> int:
    os.environ["MUZAIC_STUDIO_HOME"] = tempfile.mkdtemp(prefix="muzaic-bench-")
    from muzaic_studio.audio.ffmpeg import run_ffmpeg
    from muzaic_studio.video import (
        ExportOptions,
        detect_scenes,
        export_video,
        extract_thumbnails,
        probe,
    )

    t0 = time.perf_counter()
    video = make_video()
    made = time.perf_counter() - t0
    info = probe(video)
    print(f"video: {video} ({info.width}x{info.height}, {info.duration:.0f} s, "
          f"{info.size_bytes / 1e6:.0f} MB, ready in {made:.1f} s)")  # fmt: skip

    decode, _ = best_of(
        2, lambda: run_ffmpeg(["-i", str(video), "-map", "0:v:0", "-f", "null", "-"])
    )
    scenes, cuts = best_of(2, lambda: detect_scenes(video, use_cache=False))
    truth = [SHOT * k for k in range(1, SHOTS)]
    ok = len(cuts) == len(truth) and all(
        abs(a - b) <= 1.0 / FPS + 1e-6 for a, b in zip(cuts, truth, strict=False)
    )
    ratio = scenes / decode
    print(f"video.scenes_600s_720p: {scenes:.1f} s = {ratio:.2f}x plain decode ({decode:.1f} s); "
          f"{len(cuts)} cuts, {'all' if ok else 'NOT all'} within one frame of the truth "
          f"(goal <= {GOAL_RATIO}x)")  # fmt: skip

    thumbs, strip = best_of(1, lambda: extract_thumbnails(video, info, use_cache=False))
    print(f"video.thumbnails_600s_720p: {thumbs:.1f} s = {thumbs / decode:.2f}x plain decode "
          f"({strip.count} frames of {strip.size[0]}x{strip.size[1]})")  # fmt: skip

    music = CACHE / "music.mp3"
    if not music.is_file():
        run_ffmpeg(
            [
                "-y",
                "-f",
                "lavfi",
                "-i",
                "sine=frequency=330:duration=600",
                "-c:a",
                "libmp3lame",
                str(music),
            ]
        )
    out = Path(tempfile.mkdtemp(prefix="muzaic-bench-export-")) / "scored.mp4"
    export, _ = best_of(
        1, lambda: export_video(video, music, out, ExportOptions(audio_mode="duck"), info=info)
    )
    print(f"video.export_duck_600s_720p: {export:.1f} s = {export / decode:.2f}x plain decode "
          f"(picture copied, {out.stat().st_size / 1e6:.0f} MB)")  # fmt: skip
    out.unlink(missing_ok=True)

    if not ok:
        print("FAIL: scene cuts wrong", cuts[:5], "...")
        return 1
    if ratio > GOAL_RATIO:
        print(f"FAIL: scene detection {ratio:.2f}x plain decode > {GOAL_RATIO}x")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
