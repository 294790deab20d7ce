"""Never a hang: a wedged ffmpeg is killed after the stall timeout, with a readable error."""

from __future__ import annotations

import stat
import time
from pathlib import Path

import pytest

from muzaic_studio.audio import decode as decode_mod
from muzaic_studio.audio import ffmpeg as ffmpeg_mod
from muzaic_studio.audio.decode import AudioInfo, DecodeError, PcmStream
from muzaic_studio.audio.ffmpeg import FFmpegError, run_ffmpeg_job
from tests.processes import exists


@pytest.fixture
def wedged_ffmpeg(tmp_path: Path) -> Path:
    """A stand-in 'ffmpeg' that prints nothing and sleeps: the shape of a real hang
    (e.g. a network share that stops answering). Records its pid so the test can check
    it was killed."""
    script = tmp_path / "ffmpeg"
    pid_file = tmp_path / "pid"
    script.write_text(f"#!/bin/sh\necho $$ > {pid_file}\nexec sleep 60\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return script


def test_stream_stall_is_killed_and_reported(
    wedged_ffmpeg: Path, sine_mp3: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decode_mod, "ffmpeg_exe", lambda: str(wedged_ffmpeg))
    info = AudioInfo(rate=44100, channels=2, duration=2.0, duration_exact=True, codec="mp3")
    began = time.monotonic()
    with pytest.raises(DecodeError, match="produced nothing"):
        for _ in PcmStream(sine_mp3, info=info, stall_timeout=0.5):
            pass
    assert time.monotonic() - began < 5
    pid = int((wedged_ffmpeg.parent / "pid").read_text())
    assert not exists(pid)  # killed and reaped by kill_process


def test_job_stall_is_killed_and_reported(
    wedged_ffmpeg: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(ffmpeg_mod, "ffmpeg_exe", lambda: str(wedged_ffmpeg))
    began = time.monotonic()
    with pytest.raises(FFmpegError, match="stopped responding"):
        run_ffmpeg_job(["-i", "x"], stall_timeout=0.5)
    assert time.monotonic() - began < 5
    pid = int((wedged_ffmpeg.parent / "pid").read_text())
    assert not exists(pid)  # killed and reaped by kill_process


def test_probe_timeout(
    wedged_ffmpeg: Path, sine_mp3: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(decode_mod, "ffmpeg_exe", lambda: str(wedged_ffmpeg))
    began = time.monotonic()
    with pytest.raises(DecodeError, match="did not answer"):
        decode_mod.probe(sine_mp3, timeout=0.5)
    assert time.monotonic() - began < 5
