from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from muzaic_studio.video import VideoError, probe
from muzaic_studio.video.probe import parse_info
from tests.video.conftest import DURATION, FPS


def test_reads_duration_size_rate_and_codecs(cut_video: Path) -> None:
    info = probe(cut_video)
    assert info.duration == pytest.approx(DURATION, abs=0.05)
    assert (info.width, info.height) == (160, 120)
    assert info.fps == pytest.approx(FPS)
    assert info.video_codec == "h264"
    assert info.has_audio and info.audio_codec == "aac" and info.audio_rate == 44100
    assert info.size_bytes == cut_video.stat().st_size


def test_silent_video_has_no_audio(silent_video: Path) -> None:
    info = probe(silent_video)
    assert not info.has_audio
    assert info.duration == pytest.approx(DURATION, abs=0.05)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(VideoError, match="does not exist"):
        probe(tmp_path / "gone.mp4")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.mp4").write_bytes(b"")
    with pytest.raises(VideoError, match="empty"):
        probe(tmp_path / "empty.mp4")


def test_unreadable_file(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(os.urandom(4096))
    with pytest.raises(VideoError, match="not a video ffmpeg can read"):
        probe(junk)


def test_audio_only_file(audio_only: Path) -> None:
    with pytest.raises(VideoError, match="only sound, no picture"):
        probe(audio_only)


def test_too_long_for_one_soundtrack(cut_video: Path) -> None:
    with pytest.raises(VideoError, match="at most 0:02"):
        probe(cut_video, max_duration=2.0)
    assert probe(cut_video, max_duration=None).duration > 2.0


def test_cover_art_is_not_a_picture_track() -> None:
    log = (
        "Input #0, mp3, from 'song.mp3':\n  Duration: 00:03:00.00, start: 0.0, bitrate: 128 kb/s\n"
        "  Stream #0:0: Audio: mp3 (mp3float), 44100 Hz, stereo, fltp, 128 kb/s\n"
        "  Stream #0:1: Video: mjpeg (Baseline), yuvj420p(pc), 500x500, 90k tbr, 90k tbn (attached pic)\n"
    )
    with pytest.raises(VideoError, match="only sound"):
        parse_info(Path("song.mp3"), log)


def test_still_image_is_refused(tmp_path: Path) -> None:
    from muzaic_studio.audio.ffmpeg import run_ffmpeg

    png = tmp_path / "frame.png"
    run_ffmpeg(["-f", "lavfi", "-i", "color=size=32x32:duration=0.04", "-frames:v", "1", str(png)])
    with pytest.raises(VideoError, match="still image"):
        probe(png)


def test_video_package_does_not_import_qt() -> None:
    code = (
        "import sys, muzaic_studio.video, muzaic_studio.video.mux, muzaic_studio.video.scenes;"
        "bad = [m for m in sys.modules if m.startswith('PySide6')];"
        "sys.exit(f'Qt imported: {bad}' if bad else 0)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
