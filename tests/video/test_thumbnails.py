from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from muzaic_studio.video import cached_thumbnails, extract_thumbnails, probe
from muzaic_studio.video import thumbnails as thumbs_mod
from tests.video.conftest import DURATION, make_cut_video


def test_strip_shows_each_scene(cut_video: Path) -> None:
    strip = extract_thumbnails(cut_video, use_cache=False)
    assert strip.interval == pytest.approx(0.5)
    assert strip.count == pytest.approx(DURATION / strip.interval, abs=1)
    w, h = strip.size
    assert h == thumbs_mod.DEFAULT_HEIGHT and w == 72  # 4:3 kept
    red = strip.frames[strip.index_at(1.5)].reshape(-1, 3).mean(axis=0)
    blue = strip.frames[strip.index_at(3.5)].reshape(-1, 3).mean(axis=0)
    assert red[0] > 180 and red[1] < 60 and red[2] < 60
    assert blue[2] > 180 and blue[0] < 60 and blue[1] < 60
    assert strip.index_at(-3) == 0 and strip.index_at(1e6) == strip.count - 1


def test_cached_per_video(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    video = make_cut_video(tmp_path / "v.mp4", audio=False)
    info = probe(video)
    assert cached_thumbnails(video, info) is None
    first = extract_thumbnails(video, info)

    def no_ffmpeg(*_a: object, **_k: object) -> str:
        raise AssertionError("ffmpeg ran although the strip was cached")

    monkeypatch.setattr(thumbs_mod, "run_ffmpeg_job", no_ffmpeg)
    again = cached_thumbnails(video, info)
    assert again is not None and np.array_equal(again.frames, first.frames)
    assert np.array_equal(extract_thumbnails(video, info).frames, first.frames)
    assert not list(tmp_path.glob("*.part"))


def test_long_video_is_capped(cut_video: Path) -> None:
    info = probe(cut_video)
    interval, w, h = thumbs_mod.plan(
        info.__class__(**{**info.__dict__, "duration": 1200.0}), 54, 400
    )
    assert interval == pytest.approx(3.0)
    assert (w, h) == (72, 54)
