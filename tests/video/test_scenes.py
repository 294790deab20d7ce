from __future__ import annotations

import itertools
import os
import threading
from pathlib import Path

import pytest

from muzaic_studio.audio.ffmpeg import run_ffmpeg
from muzaic_studio.video import Cancelled, cached_scenes, detect_scenes, regions_from_scenes
from muzaic_studio.video import scenes as scenes_mod
from tests.video.conftest import CUTS, FPS, make_cut_video


def test_cuts_found_within_one_frame(cut_video: Path) -> None:
    reports: list[float] = []
    cuts = detect_scenes(cut_video, use_cache=False, progress=reports.append)
    assert len(cuts) == len(CUTS), cuts
    for found, truth in zip(cuts, CUTS, strict=True):
        assert abs(found - truth) <= 1.0 / FPS + 1e-6
    assert reports and reports[-1] == 1.0
    assert all(0.0 <= r <= 1.0 for r in reports)


def make_colour_video(path: Path, colours: tuple[str, ...], seconds: float = 2.0) -> Path:
    """Flat colours of *seconds* each with hard cuts, 320x240 H.264 yuv420p, and a sine."""
    args: list[str] = []
    for colour in colours:
        args += [
            "-f",
            "lavfi",
            "-i",
            f"color=c={colour}:size=320x240:rate={FPS}:duration={seconds}",
        ]
    n = len(colours)
    args += ["-f", "lavfi", "-i", f"sine=duration={seconds * n}"]
    graph = "".join(f"[{i}:v]" for i in range(n)) + f"concat=n={n}:v=1:a=0[v]"
    run_ffmpeg([
        "-y", *args, "-filter_complex", graph, "-map", "[v]", "-map", f"{n}:a",
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac",
        str(path),
    ])  # fmt: skip
    return path


@pytest.mark.parametrize("threshold", [0.1, 0.3, 0.6])
def test_cuts_between_equally_bright_colours(tmp_path: Path, threshold: float) -> None:
    # Red and green have the same luma (Y = 81): ffmpeg's luma-only score saw no cut there.
    video = make_colour_video(tmp_path / "rgb.mp4", ("red", "green", "blue"))
    cuts = detect_scenes(video, threshold=threshold, use_cache=False)
    assert len(cuts) == 2, cuts
    for found, truth in zip(cuts, [2.0, 4.0], strict=True):
        assert abs(found - truth) <= 1.0 / FPS + 1e-6, cuts


def test_score_filter_subsamples_large_frames_only() -> None:
    assert (
        scenes_mod.score_filter(160, 120, 0.3) == "format=rgb24,select='gt(scene,0.3000)',showinfo"
    )
    assert scenes_mod.score_filter(320, 240, 0.3).startswith("format=rgb24,")
    assert scenes_mod.score_filter(1280, 720, 0.3).startswith("scale=w=iw/4:h=ih/4:flags=neighbor,")
    assert scenes_mod.score_filter(3840, 2160, 0.3).startswith("scale=w=iw/11:h=ih/11:")
    assert scenes_mod.score_filter(0, 0, 0.3).startswith("format=rgb24,")


def test_cached_per_video_and_threshold(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    video = make_cut_video(tmp_path / "v.mp4", audio=False)
    assert cached_scenes(video) is None
    first = detect_scenes(video)
    assert cached_scenes(video) == first
    assert cached_scenes(video, threshold=0.5) is None

    def no_ffmpeg(*_a: object, **_k: object) -> str:
        raise AssertionError("ffmpeg ran although the cuts were cached")

    monkeypatch.setattr(scenes_mod, "run_ffmpeg_job", no_ffmpeg)
    assert detect_scenes(video) == first
    # A changed file (new mtime) is a new video: the cache no longer answers.
    st = video.stat()
    os.utime(video, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))
    assert cached_scenes(video) is None
    with pytest.raises(AssertionError, match="ffmpeg ran"):
        detect_scenes(video)


def test_cancel_stops_and_caches_nothing(tmp_path: Path) -> None:
    video = make_cut_video(
        tmp_path / "long.mp4", audio=False, seconds_per_shot=(8.0, 8.0, 8.0, 8.0)
    )
    cancel = threading.Event()
    with pytest.raises(Cancelled):
        detect_scenes(video, use_cache=False, cancel=cancel, progress=lambda _f: cancel.set())
    assert cached_scenes(video) is None


def test_parse_cuts_drops_start_and_end() -> None:
    log = "\n".join(
        f"[Parsed_showinfo_1 @ 0x1] n:{i} pts:{i} pts_time:{t} duration:512"
        for i, t in enumerate([0, 1.5, 1.5, 3.98])
    )
    assert scenes_mod.parse_cuts(log, 4.0, 0.04) == [1.5]


def test_regions_cover_the_video_one_per_scene() -> None:
    spans = regions_from_scenes([1.2, 2.0, 3.0], 4.0, min_len=0.5)
    assert spans == [(0.0, 1.2), (1.2, 0.8), (2.0, 1.0), (3.0, 1.0)]


def test_short_scenes_join_the_next() -> None:
    spans = regions_from_scenes([1.2, 2.0, 3.0], 4.0, min_len=0.9)
    assert spans == [(0.0, 1.2), (1.2, 1.8), (3.0, 1.0)]
    assert regions_from_scenes([0.3, 0.6, 5.0], 10.0, min_len=2.0) == [(0.0, 5.0), (5.0, 5.0)]


def test_short_last_scene_joins_the_previous() -> None:
    assert regions_from_scenes([4.0, 9.5], 10.0, min_len=2.0) == [(0.0, 4.0), (4.0, 6.0)]


def test_regions_edge_cases() -> None:
    assert regions_from_scenes([], 5.0, 2.0) == [(0.0, 5.0)]
    assert regions_from_scenes([1.0], 1.5, 2.0) == [(0.0, 1.5)]  # shorter than the minimum
    assert regions_from_scenes([-1, 0, 5, 7, 7.0004], 6.0, 1.0) == [(0.0, 5.0), (5.0, 1.0)]
    assert regions_from_scenes([1.0], 0.0, 1.0) == []


def test_regions_tile_without_gaps_or_short_spans() -> None:
    import random

    rng = random.Random(7)
    for _ in range(200):
        duration = rng.uniform(1, 600)
        cuts = [rng.uniform(-5, duration + 5) for _ in range(rng.randint(0, 60))]
        min_len = rng.uniform(0, 10)
        spans = regions_from_scenes(cuts, duration, min_len)
        assert spans[0][0] == 0.0
        assert sum(d for _, d in spans) == pytest.approx(duration, abs=2e-3)
        for (a, da), (b, _) in itertools.pairwise(spans):
            assert a + da == pytest.approx(b, abs=1e-9)
        if duration >= min_len:
            assert all(d >= min_len - 1e-9 for _, d in spans)
