"""Loudness report: known sines give known LUFS / dBTP; pyloudnorm agrees on noise."""

from __future__ import annotations

import math
import threading
from pathlib import Path

import numpy as np
import pyloudnorm
import pytest

from muzaic_studio.audio.decode import DecodeError, decode
from muzaic_studio.audio.errors import Cancelled
from muzaic_studio.audio.loudness import LoudnessReport, measure_loudness, parse_ebur128_summary

from .conftest import make_audio


def test_minus_20_dbfs_sine_is_minus_20_lufs(audio_dir: Path) -> None:
    """BS.1770: a 997 Hz sine at 0 dBFS in both channels of a stereo file reads 0 LUFS
    (-3.01 per channel, summed), so amplitude 0.1 (-20 dBFS) reads -20 LUFS."""
    path = make_audio(audio_dir / "m20.wav", seconds=5.0, rate=48000, amplitude=0.1, freq=997)
    report = measure_loudness(path)
    assert report.integrated_lufs == pytest.approx(-20.0, abs=0.2)
    assert report.sample_peak_dbfs == pytest.approx(-20.0, abs=0.1)
    assert report.true_peak_dbtp == pytest.approx(-20.0, abs=0.2)
    assert report.loudness_range_lu == pytest.approx(0.0, abs=0.5)
    assert report.duration == pytest.approx(5.0, abs=0.01)
    assert not report.clipping_risk and not report.is_silent
    assert report.summary().startswith("-20.0 LUFS integrated · true peak -20.0 dBTP")


def test_true_peak_sees_between_samples(audio_dir: Path) -> None:
    """A sine at fs/4 shifted by 45° is sampled at ±0.707 of its crest: sample peak
    -9.0 dBFS, but the waveform a DAC rebuilds reaches -6.0 dBTP. Only the oversampled
    true-peak meter can report it. (The fade-in avoids a step at t=0, whose ringing after
    reconstruction is a genuine overshoot of +0.6 dB and not what this test is about.)"""
    path = make_audio(
        audio_dir / "isp.wav",
        seconds=2.0,
        amplitude=0.5,
        freq=11025,
        phase=math.pi / 4,
        fade_in=0.2,
    )
    report = measure_loudness(path)
    assert report.sample_peak_dbfs == pytest.approx(-9.03, abs=0.15)
    assert report.true_peak_dbtp == pytest.approx(-6.02, abs=0.15)


def test_agrees_with_pyloudnorm_on_noise(noise_mp3: Path) -> None:
    decoded = decode(noise_mp3)
    reference = pyloudnorm.Meter(decoded.rate).integrated_loudness(
        decoded.samples.astype(np.float64) / 32768
    )
    assert measure_loudness(noise_mp3).integrated_lufs == pytest.approx(reference, abs=0.3)


def test_hot_master_warns(audio_dir: Path) -> None:
    path = make_audio(audio_dir / "hot.wav", seconds=2.0, amplitude=0.99, freq=997)
    report = measure_loudness(path)
    assert report.clipping_risk
    assert "may clip" in report.summary()


def test_silence(audio_dir: Path) -> None:
    path = make_audio(audio_dir / "silence.wav", seconds=1.0, amplitude=0.0)
    report = measure_loudness(path)
    assert report.is_silent
    assert report.summary().startswith("Silent")
    assert report.sample_peak_dbfs == -math.inf


def test_time_range(audio_dir: Path, sine_mp3: Path) -> None:
    whole = measure_loudness(sine_mp3)
    part = measure_loudness(sine_mp3, start=0.5, end=1.5)
    assert part.duration == pytest.approx(1.0)
    assert part.integrated_lufs == pytest.approx(whole.integrated_lufs, abs=0.2)


def test_progress_and_cancel(audio_dir: Path) -> None:
    path = make_audio(audio_dir / "long_noise.mp3", seconds=60.0, amplitude=0.2, noise=True)
    seen: list[float] = []
    measure_loudness(path, progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen)
    cancel = threading.Event()
    cancel.set()
    with pytest.raises(Cancelled):
        measure_loudness(path, cancel=cancel)


def test_bad_input(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(b"\x00\x01junk" * 1000)
    with pytest.raises(DecodeError):
        measure_loudness(junk)
    with pytest.raises(DecodeError):
        measure_loudness(tmp_path / "missing.mp3")


def test_summary_parser_rejects_missing_summary() -> None:
    from muzaic_studio.audio.loudness import LoudnessError

    with pytest.raises(LoudnessError):
        parse_ebur128_summary("size=N/A time=00:00:01.00")
    report = LoudnessReport(-9.0, -0.5, -0.6, 4.0, 10.0)
    assert "may clip" in report.summary()
    assert "streaming" in LoudnessReport(-9.0, -3.0, -3.1, 4.0, 10.0).summary()
