"""Segment-parallel decoding: the joined spans are the single-stream decode, sample for sample."""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np
import pytest

from muzaic_studio.audio import mp3_spans
from muzaic_studio.audio.decode import DecodeError, decode, probe
from muzaic_studio.audio.errors import Cancelled
from muzaic_studio.audio.peaks import build_pyramid
from muzaic_studio.audio.segments import map_spans, plan_spans

from .conftest import make_audio


@pytest.fixture(scope="module")
def long_mp3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("segments") / "long.mp3"
    return make_audio(path, seconds=41.3, noise=True, amplitude=0.6)


def collect(chunks, advance, _span) -> np.ndarray:
    parts = []
    for chunk in chunks:
        parts.append(chunk.copy())
        advance(chunk.shape[0])
    return np.concatenate(parts)


@pytest.mark.parametrize("parts", [2, 3, 5])
def test_joined_spans_equal_a_single_stream_decode(long_mp3: Path, parts: int) -> None:
    info = probe(long_mp3)
    spans = plan_spans(info, parts, 256)
    assert len(spans) == parts and all(s.first % 256 == 0 for s in spans)
    joined = np.concatenate(map_spans(long_mp3, info, collect, parts=parts, align=256))
    whole = np.concatenate(map_spans(long_mp3, info, collect, parts=1))
    assert joined.shape == whole.shape
    assert np.array_equal(joined, whole)


def test_mp3_spans_are_decoded_in_process_as_ffmpeg_hears_them(long_mp3: Path) -> None:
    """libsndfile decodes MP3 spans (mp3_spans): the same frames as ffmpeg's decode,
    none shifted (the encoder delay dropped the same way), values within one 16-bit step."""
    info = probe(long_mp3)
    assert mp3_spans.usable(long_mp3, info)
    ours = np.concatenate(map_spans(long_mp3, info, collect, parts=2, align=256))
    ffmpeg = decode(long_mp3).samples
    assert ours.shape == ffmpeg.shape
    diff = np.abs(ours.astype(np.int32) - ffmpeg)
    assert diff.max() <= 1 and diff.mean() < 0.05  # 1.5 % of this noise's samples
    assert not mp3_spans.usable(long_mp3.read_bytes(), info)  # bytes: ffmpeg's pipe


def test_parallel_pyramid_is_the_single_stream_pyramid(long_mp3: Path) -> None:
    one = build_pyramid(long_mp3, parts=1)
    two = build_pyramid(long_mp3, parts=2)
    assert two.frames == one.frames
    assert len(two.levels) == len(one.levels)
    for a, b in zip(one.levels, two.levels, strict=True):
        for x, y in zip(a, b, strict=True):
            assert np.array_equal(x, y)


def test_short_or_inexact_files_are_not_split(tmp_path: Path, long_mp3: Path) -> None:
    short = probe(make_audio(tmp_path / "short.mp3", seconds=5.0))
    assert len(plan_spans(short, 2, 256)) == 1
    info = probe(long_mp3)
    guessed = type(info)(info.rate, info.channels, info.duration, False, info.codec)
    assert len(plan_spans(guessed, 2, 256)) == 1


def test_progress_grows_to_one_and_cancel_stops_every_span(long_mp3: Path) -> None:
    seen: list[float] = []
    build_pyramid(long_mp3, parts=2, progress=seen.append)
    assert seen == sorted(seen) and seen[-1] == 1.0 and len(seen) > 4

    cancel = threading.Event()

    def stop_early(fraction: float) -> None:
        if fraction > 0.2:
            cancel.set()

    with pytest.raises(Cancelled):
        build_pyramid(long_mp3, parts=2, progress=stop_early, cancel=cancel)


def test_a_truncated_file_is_an_error_not_a_shorter_waveform(
    tmp_path: Path, long_mp3: Path
) -> None:
    cut = tmp_path / "cut.mp3"
    cut.write_bytes(long_mp3.read_bytes()[: long_mp3.stat().st_size // 2])
    with pytest.raises(DecodeError, match=r"incomplete|damaged|truncated"):
        build_pyramid(cut, parts=2)
