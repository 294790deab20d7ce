"""Export: formats round-trip with tags, ranges are sample-exact, writes are atomic."""

from __future__ import annotations

import os
import stat
import threading
from pathlib import Path

import numpy as np
import pytest

from muzaic_studio.atomic import WriteError
from muzaic_studio.audio.decode import DecodeError, decode, probe
from muzaic_studio.audio.errors import Cancelled
from muzaic_studio.audio.export import ExportOptions, export_audio

from .conftest import make_audio, read_tags, tmpfs

TAGS = {"title": "Sunrise Cue – 1", "artist": "Muzaic Studio", "comment": "region 3, take 2"}


@pytest.mark.parametrize(("fmt", "codec"), [("mp3", "mp3"), ("wav", "pcm_s16le"), ("flac", "flac")])
def test_round_trip_with_tags(sine_mp3: Path, tmp_path: Path, fmt: str, codec: str) -> None:
    target = tmp_path / f"out.{fmt}"
    result = export_audio(sine_mp3, target, ExportOptions(format=fmt, **TAGS))
    assert result.path == target and result.size_bytes == target.stat().st_size > 0
    info = probe(target)
    assert (info.codec, info.rate, info.channels) == (codec, 44100, 2)
    assert info.duration == pytest.approx(2.0, abs=0.002)
    tags = read_tags(target)
    for key, value in TAGS.items():
        assert tags[key] == value
    source = decode(sine_mp3).samples
    back = decode(target).samples
    assert back.shape == source.shape  # exact length, no encoder delay added
    if fmt != "mp3":  # lossless: the very samples of the render
        assert np.array_equal(back, source)
    assert [p.name for p in tmp_path.iterdir()] == [target.name]


@pytest.mark.parametrize("kbps", [128, 320])
def test_mp3_bitrate(sine_mp3: Path, tmp_path: Path, kbps: int) -> None:
    target = tmp_path / "out.mp3"
    export_audio(sine_mp3, target, ExportOptions(format="mp3", bitrate_kbps=kbps))
    audio_bytes = target.stat().st_size
    assert audio_bytes == pytest.approx(kbps * 1000 / 8 * 2.0, rel=0.08)


@pytest.mark.parametrize("fmt", ["wav", "flac"])
def test_time_range_is_sample_exact(sine_mp3: Path, tmp_path: Path, fmt: str) -> None:
    target = tmp_path / f"range.{fmt}"
    result = export_audio(sine_mp3, target, ExportOptions(format=fmt, start=0.5, end=1.25))
    assert result.duration == pytest.approx(0.75)
    back = decode(target).samples
    expected = decode(sine_mp3, start=0.5, end=1.25).samples
    assert back.shape[0] == int(0.75 * 44100)
    assert np.array_equal(back, expected)
    whole = decode(sine_mp3).samples
    # Content is exactly that part of the song, from its first sample.
    assert np.array_equal(back, whole[22050 : 22050 + back.shape[0]])


def test_mp3_time_range_length(sine_mp3: Path, tmp_path: Path) -> None:
    target = tmp_path / "range.mp3"
    export_audio(sine_mp3, target, ExportOptions(start=1.0))
    assert decode(target).frames == 44100
    assert probe(target).duration == pytest.approx(1.0, abs=0.002)


def test_range_end_beyond_song_is_clipped(sine_mp3: Path, tmp_path: Path) -> None:
    result = export_audio(
        sine_mp3, tmp_path / "a.wav", ExportOptions(format="wav", start=1.5, end=9.0)
    )
    assert result.duration == pytest.approx(0.5, abs=0.01)
    assert decode(tmp_path / "a.wav").frames == 22050


def test_invalid_options(sine_mp3: Path, tmp_path: Path) -> None:
    for options in (
        ExportOptions(format="ogg"),
        ExportOptions(bitrate_kbps=100),
        ExportOptions(start=1.0, end=1.0),
        ExportOptions(start=-1.0),
        ExportOptions(start=5.0),
    ):
        with pytest.raises(ValueError):
            export_audio(sine_mp3, tmp_path / "x.mp3", options)
    assert list(tmp_path.iterdir()) == []


def test_progress_and_file_mode(audio_dir: Path, tmp_path: Path) -> None:
    source = make_audio(audio_dir / "thirty.mp3", seconds=30.0, amplitude=0.2, noise=True)
    seen: list[float] = []
    target = tmp_path / "p.flac"
    export_audio(source, target, ExportOptions(format="flac"), progress=seen.append)
    assert seen[-1] == 1.0 and seen == sorted(seen) and len(seen) >= 2
    mode = stat.S_IMODE(target.stat().st_mode)
    assert mode == 0o666 & ~_umask()  # like any saved file, not mkstemp's private 0600


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def test_cancel_leaves_nothing_and_keeps_old_file(audio_dir: Path, tmp_path: Path) -> None:
    source = make_audio(audio_dir / "thirty_b.mp3", seconds=30.0, amplitude=0.2, noise=True)
    target = tmp_path / "song.wav"
    target.write_bytes(b"previous export")
    cancel = threading.Event()

    def progress(fraction: float) -> None:
        if fraction > 0:
            cancel.set()

    with pytest.raises(Cancelled):
        export_audio(source, target, ExportOptions(format="wav"), progress=progress, cancel=cancel)
    assert target.read_bytes() == b"previous export"
    assert [p.name for p in tmp_path.iterdir()] == ["song.wav"]


def test_bad_source_writes_nothing(tmp_path: Path) -> None:
    junk = tmp_path / "junk.mp3"
    junk.write_bytes(os.urandom(10_000))
    with pytest.raises(DecodeError):
        export_audio(junk, tmp_path / "out.mp3")
    with pytest.raises(DecodeError):
        export_audio(tmp_path / "missing.mp3", tmp_path / "out.mp3")
    assert [p.name for p in tmp_path.iterdir()] == ["junk.mp3"]


def test_missing_folder(sine_mp3: Path, tmp_path: Path) -> None:
    with pytest.raises(WriteError, match="does not exist"):
        export_audio(sine_mp3, tmp_path / "no" / "such" / "out.mp3")


def test_read_only_folder(sine_mp3: Path, tmp_path: Path) -> None:
    folder = tmp_path / "ro"
    if os.geteuid() == 0:  # root ignores chmod: use a real read-only file system
        with tmpfs(folder, read_only=True):
            _expect_write_error(sine_mp3, folder, "read-only")
        return
    folder.mkdir()
    folder.chmod(0o555)
    try:
        _expect_write_error(sine_mp3, folder, "read-only")
    finally:
        folder.chmod(0o755)


def test_full_disk_leaves_no_half_file(audio_dir: Path, tmp_path: Path) -> None:
    source = make_audio(audio_dir / "ten.mp3", seconds=10.0, amplitude=0.2, noise=True)
    with tmpfs(tmp_path / "small", size="256k") as folder:
        old = folder / "song.wav"
        old.write_bytes(b"previous export")
        with pytest.raises(WriteError, match="Not enough disk space") as info:
            export_audio(source, old, ExportOptions(format="wav"))  # 1.7 MB into 256 KiB
        assert info.value.errno == 28
        assert old.read_bytes() == b"previous export"
        assert [p.name for p in folder.iterdir()] == ["song.wav"]


def _expect_write_error(source: Path, folder: Path, words: str) -> None:
    with pytest.raises(WriteError, match=words):
        export_audio(source, folder / "out.mp3")
    assert list(folder.iterdir()) == []
