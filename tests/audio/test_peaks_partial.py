"""Waveform snapshots while decoding: the span in view first, unknown blocks left blank."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from muzaic_studio.audio.peaks import PeakPyramid, build_pyramid

from .conftest import make_audio


@pytest.fixture(scope="module")
def long_mp3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("partial") / "long.mp3"
    return make_audio(path, seconds=61.0, noise=True, amplitude=0.6)


def first_snapshot(path: Path, focus: tuple[float, float]) -> tuple[PeakPyramid, PeakPyramid]:
    """(the first snapshot that shows *focus* whole, the finished pyramid)."""
    shown: list[PeakPyramid] = []

    def seen(snapshot: PeakPyramid) -> None:
        if not shown and snapshot.query(*focus, 200).covered.all():
            shown.append(snapshot)

    final = build_pyramid(path, parts=2, focus=focus, on_partial=seen, chunk_frames=4096)
    assert shown, "no snapshot covered the span in view before the decode ended"
    return shown[0], final


@pytest.mark.parametrize("focus", [(0.0, 5.0), (40.0, 45.0)])
def test_the_span_in_view_is_drawn_before_the_rest(long_mp3: Path, focus) -> None:
    snapshot, final = first_snapshot(long_mp3, focus)
    assert not snapshot.complete and final.complete
    assert snapshot.frames == final.frames  # drawn at its place in the whole soundtrack
    # What is drawn is the real waveform, block for block...
    mine = snapshot.query(*focus, 200)
    real = final.query(*focus, 200)
    assert np.array_equal(mine.mins, real.mins) and np.array_equal(mine.maxs, real.maxs)
    # ...and what is not decoded yet is blank, not silence.
    assert not snapshot.query(0.0, final.duration, 500).covered.all()


def test_snapshots_do_not_change_the_finished_pyramid(long_mp3: Path) -> None:
    plain = build_pyramid(long_mp3, parts=2)
    count = [0]

    def seen(_snapshot: PeakPyramid) -> None:
        count[0] += 1

    streamed = build_pyramid(
        long_mp3, parts=2, focus=(30.0, 35.0), on_partial=seen, chunk_frames=4096
    )
    assert count[0] >= 1
    for a, b in zip(plain.levels, streamed.levels, strict=True):
        for x, y in zip(a, b, strict=True):
            assert np.array_equal(x, y)


def test_a_file_that_cannot_be_split_still_streams(tmp_path: Path) -> None:
    short = make_audio(tmp_path / "short.wav", seconds=8.0, noise=True)
    snapshots: list[PeakPyramid] = []
    final = build_pyramid(short, focus=(0.0, 2.0), on_partial=snapshots.append, chunk_frames=4096)
    assert snapshots and not snapshots[0].complete
    assert any(s.query(0.0, 2.0, 100).covered.all() for s in snapshots)
    assert final.complete and final.duration == pytest.approx(8.0, abs=0.01)
