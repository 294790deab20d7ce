"""The one-pass loudness meter: the same numbers as ffmpeg's ebur128, whole or in segments."""

from __future__ import annotations

import subprocess
from pathlib import Path

import numpy as np
import pytest

from muzaic_studio.audio.decode import decode
from muzaic_studio.audio.ffmpeg import ffmpeg_exe
from muzaic_studio.audio.loudness import measure_loudness, parse_ebur128_summary
from muzaic_studio.audio.loudness_meter import LoudnessMeter, combine

from .conftest import make_audio


@pytest.fixture(scope="module")
def dynamic_mp3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """41 s of noise that swells and fades (a loudness range to measure), as an MP3 long
    enough to be measured in segments."""
    path = tmp_path_factory.mktemp("meter") / "dynamic.mp3"
    expr = "(0.05+0.45*abs(sin(2*PI*t/17)))*(2*random(0)-1)"
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", "-f", "lavfi",
         "-i", f"aevalsrc=exprs='{expr}|{expr}':s=44100:d=41", "-c:a", "libmp3lame",
         "-b:a", "192k", str(path)],
        check=True,
    )  # fmt: skip
    return path


def ebur128(path: Path) -> tuple[float, float, float, float]:
    """ffmpeg's own meter: (integrated LUFS, true peak dBTP, sample peak dBFS, LRA LU)."""
    log = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-i", str(path), "-af",
         "ebur128=peak=true+sample", "-f", "null", "-"],
        capture_output=True, text=True, check=True,
    ).stderr  # fmt: skip
    return parse_ebur128_summary(log)


def test_one_pass_equals_ffmpeg_ebur128(dynamic_mp3: Path) -> None:
    integrated, true_peak, sample_peak, lra = ebur128(dynamic_mp3)
    report = measure_loudness(dynamic_mp3)
    assert report.integrated_lufs == pytest.approx(integrated, abs=0.1)
    assert report.sample_peak_dbfs == pytest.approx(sample_peak, abs=0.1)
    # ffmpeg oversamples with its own resampler, this meter with BS.1770's FIR.
    assert report.true_peak_dbtp == pytest.approx(true_peak, abs=0.2)
    assert report.loudness_range_lu == pytest.approx(lra, abs=0.5)
    assert lra > 3  # the file does have a range to measure


@pytest.mark.parametrize("cut", [441_000, 882_017])
def test_segments_join_to_the_single_stream_numbers(dynamic_mp3: Path, cut: int) -> None:
    """Two segments split anywhere (mid-hop too) measure what one stream does."""
    samples = decode(dynamic_mp3).samples
    whole = LoudnessMeter(44100, 2)
    for at in range(0, samples.shape[0], 131072):
        whole.feed(samples[at : at + 131072])
    first, second = LoudnessMeter(44100, 2), LoudnessMeter(44100, 2, first=cut)
    first.feed(samples[:cut])
    for at in range(cut, samples.shape[0], 50_000):
        second.feed(samples[at : at + 50_000])
    one = combine([whole.out], whole.hop)
    two = combine([first.out, second.out], whole.hop)
    assert two.integrated_lufs == pytest.approx(one.integrated_lufs, abs=0.01)
    assert two.range_lu == pytest.approx(one.range_lu, abs=0.05)
    assert two.sample_peak_dbfs == one.sample_peak_dbfs
    assert two.true_peak_dbtp == pytest.approx(one.true_peak_dbtp, abs=1e-4)


def test_an_intersample_peak_at_a_segment_join_is_found(tmp_path: Path) -> None:
    """The loudest interpolated point straddles the join: computed from both sides."""
    path = make_audio(tmp_path / "quiet.wav", seconds=2.0, amplitude=0.05, freq=997)
    samples = decode(path).samples.copy()
    cut = 44_100
    samples[cut - 1] = samples[cut] = 30_000  # two full-scale samples across the cut
    whole = LoudnessMeter(44100, 2)
    whole.feed(samples)
    first, second = LoudnessMeter(44100, 2), LoudnessMeter(44100, 2, first=cut)
    first.feed(samples[:cut])
    second.feed(samples[cut:])
    one = combine([whole.out], whole.hop).true_peak_dbtp
    two = combine([first.out, second.out], whole.hop).true_peak_dbtp
    assert two == pytest.approx(one, abs=1e-4)
    assert one > 20 * np.log10(30_000 / 32768) + 0.5  # between the two samples: higher
