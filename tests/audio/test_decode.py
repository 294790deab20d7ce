"""Decoding: exact lengths and levels of generated files, streaming, bad input."""

from __future__ import annotations

import os
import re
import subprocess
import time
from pathlib import Path

import numpy as np
import pytest

from muzaic_studio.audio.decode import (
    DecodeError,
    PcmStream,
    decode,
    iter_pcm,
    probe,
    probe_duration,
)
from muzaic_studio.audio.ffmpeg import encode_mp3, ffmpeg_exe
from tests.processes import children, exists

from .conftest import make_audio


def test_mp3_decodes_to_its_length_and_level(sine_mp3: Path) -> None:
    got = decode(sine_mp3)
    assert (got.rate, got.channels) == (44100, 2)
    # The Xing/LAME frame lets the decoder trim encoder delay and padding: exact length.
    assert got.frames == 88200
    x = got.samples.astype(np.float64) / 32768
    assert np.abs(x).max() == pytest.approx(0.5, rel=0.01)
    assert np.sqrt(np.mean(x**2)) == pytest.approx(0.5 / np.sqrt(2), rel=0.005)
    assert got.samples.dtype == np.int16 and got.samples.flags.c_contiguous


def test_wav_decodes_to_exact_samples(audio_dir: Path) -> None:
    path = make_audio(audio_dir / "mono48.wav", seconds=1.5, rate=48000, channels=1, amplitude=0.25)
    got = decode(path)
    assert (got.rate, got.channels, got.frames) == (48000, 1, 72000)
    t = np.arange(72000) / 48000
    expected = 0.25 * np.sin(2 * np.pi * 440 * t) * 32767
    assert np.abs(got.samples[:, 0] - expected).max() <= 1.5


def test_probe_reports_layout_and_duration(sine_mp3: Path) -> None:
    info = probe(sine_mp3)
    assert (info.rate, info.channels, info.codec) == (44100, 2, "mp3")
    assert info.duration == pytest.approx(2.0, abs=0.01)
    assert info.duration_exact
    assert probe_duration(sine_mp3) == pytest.approx(2.0, abs=0.01)


def test_bytes_and_file_decode_identically(sine_mp3: Path) -> None:
    from_file = decode(sine_mp3)
    from_bytes = decode(sine_mp3.read_bytes())
    assert np.array_equal(from_file.samples, from_bytes.samples)


def test_engine_style_mp3_bytes_decode_to_the_frames_encoded() -> None:
    """encode_mp3 (the offline engine's encoder) round-trips to the exact frame count,
    so a render lines up with the timeline to the sample (no 25 ms encoder delay)."""
    frames = 44100 * 2 + 77
    t = np.arange(frames) / 44100
    mono = 0.4 * np.sin(2 * np.pi * 220 * t)
    got = decode(encode_mp3(np.stack([mono, mono], axis=1)))
    assert got.frames == frames
    lag = np.argmax(np.abs(got.samples[:, 0]) > 0.1 * 32768) - np.argmax(np.abs(mono) > 0.1)
    assert abs(lag) <= 2


def test_time_range_decode(sine_wav: Path, sine_mp3: Path) -> None:
    whole = decode(sine_wav).samples
    part = decode(sine_wav, start=0.5, end=2.25)
    assert part.frames == int(1.75 * 44100)
    assert np.array_equal(part.samples, whole[22050 : 22050 + part.frames])
    # MP3: equal to the same span of a whole decode, bit for bit, from the first sample
    # (a bare ffmpeg -ss gets ~1800 samples wrong after the seek: no bit reservoir).
    whole_mp3 = decode(sine_mp3).samples
    for start, end in ((0.5, 1.5), (0.1, 0.2), (1.2345, 2.0)):
        part = decode(sine_mp3, start=start, end=end).samples
        first = round(start * 44100)
        assert part.shape[0] == round(end * 44100) - first
        assert np.array_equal(part, whole_mp3[first : first + part.shape[0]])


def test_stream_chunks_concatenate_to_the_whole(noise_mp3: Path) -> None:
    whole = decode(noise_mp3).samples
    sizes = []
    parts = []
    for block in iter_pcm(noise_mp3, chunk_frames=10_000):
        sizes.append(block.shape[0])
        parts.append(block.copy())
    assert all(n == 10_000 for n in sizes[:-1]) and 0 < sizes[-1] <= 10_000
    assert np.array_equal(np.concatenate(parts), whole)


def test_closing_a_stream_early_kills_ffmpeg(noise_mp3: Path) -> None:
    stream = PcmStream(noise_mp3, chunk_frames=4096, max_chunks_ahead=1)
    it = iter(stream)
    first = next(it)
    assert first.shape == (4096, 2)
    ffmpeg = children(os.getpid(), ffmpeg_exe())
    assert len(ffmpeg) == 1  # the stream's decoder, still running
    stream.close()
    assert not exists(ffmpeg[0])  # killed and reaped
    it.close()


def test_stream_cannot_be_iterated_twice(sine_mp3: Path) -> None:
    stream = PcmStream(sine_mp3)
    assert sum(b.shape[0] for b in stream) == 88200
    with pytest.raises(RuntimeError):
        next(iter(stream))


def _assert_fails_fast(source: object, fragment: str) -> None:
    began = time.monotonic()
    with pytest.raises(DecodeError) as info:
        decode(source)  # type: ignore[arg-type]
    assert time.monotonic() - began < 5
    assert re.search(fragment, str(info.value)), str(info.value)


def test_garbage_bytes(tmp_path: Path) -> None:
    garbage = np.random.default_rng(1).integers(0, 256, 50_000, dtype=np.uint8).tobytes()
    _assert_fails_fast(garbage, "not audio")
    path = tmp_path / "garbage.mp3"
    path.write_bytes(garbage)
    _assert_fails_fast(path, "not audio")


def test_text_file_named_mp3(tmp_path: Path) -> None:
    path = tmp_path / "notes.mp3"
    path.write_text("this is not music\n" * 100)
    _assert_fails_fast(path, "not audio")


def test_truncated_mp3_is_an_error_not_a_shorter_song(tmp_path: Path, audio_dir: Path) -> None:
    full = make_audio(audio_dir / "five.mp3", seconds=5.0)
    data = full.read_bytes()
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(data[: len(data) // 2 + 333])  # mid-frame
    _assert_fails_fast(cut, "incomplete")
    _assert_fails_fast(data[: len(data) // 2], "incomplete")
    # The first few hundred bytes are not even two frames: not audio at all.
    _assert_fails_fast(data[:300], "not audio")


def test_truncation_check_can_be_relaxed(tmp_path: Path, audio_dir: Path) -> None:
    data = make_audio(audio_dir / "five_b.mp3", seconds=5.0).read_bytes()
    got = decode(data[: len(data) // 2], strict=False)
    assert 2.0 < got.duration < 3.0


def test_empty_and_missing(tmp_path: Path) -> None:
    empty = tmp_path / "empty.mp3"
    empty.write_bytes(b"")
    _assert_fails_fast(empty, "empty")
    _assert_fails_fast(b"", "empty")
    _assert_fails_fast(tmp_path / "nope.mp3", "does not exist")
    _assert_fails_fast(tmp_path, "not a file")


def test_file_without_audio_stream(tmp_path: Path) -> None:
    video = tmp_path / "silent.mp4"
    subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-f", "lavfi", "-i",
         "testsrc=d=0.5:s=64x48", "-c:v", "mpeg4", str(video)],
        check=True, capture_output=True,
    )  # fmt: skip
    _assert_fails_fast(video, "no audio")


def test_tagged_files_are_not_mistaken_for_damage(tmp_path: Path) -> None:
    """ID3v1 at the end and cover art (a video stream) are normal in MP3s: no error."""
    plain = tmp_path / "id3v1.mp3"
    cover = tmp_path / "cover.mp3"
    common = [ffmpeg_exe(), "-hide_banner", "-loglevel", "error", "-y"]
    subprocess.run(
        [*common, "-f", "lavfi", "-i", "sine=d=3", "-metadata", "title=x", "-write_id3v1", "1",
         "-c:a", "libmp3lame", str(plain)], check=True, capture_output=True,
    )  # fmt: skip
    subprocess.run(
        [*common, "-f", "lavfi", "-i", "sine=d=3", "-f", "lavfi", "-i", "testsrc=s=32x32:d=0.04",
         "-map", "0", "-map", "1", "-c:v", "png", "-disposition:v", "attached_pic",
         "-c:a", "libmp3lame", str(cover)], check=True, capture_output=True,
    )  # fmt: skip
    for path in (plain, cover):
        assert decode(path).frames == 3 * 44100


def test_corrupt_middle_is_reported(sine_mp3: Path) -> None:
    """Zeroed bytes across frame headers are detected. (Damage inside one frame's payload
    is not: MP3 frames carry no checksum unless the encoder adds CRCs, ours don't.)"""
    data = bytearray(sine_mp3.read_bytes())
    data[len(data) // 2 : len(data) // 2 + 3000] = bytes(3000)
    _assert_fails_fast(bytes(data), "damaged|incomplete")
    assert 1.9 < decode(bytes(data), strict=False).duration < 2.1
