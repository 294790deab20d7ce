"""The timeline draws the waveform while it is still being decoded, the span in view first."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from PySide6.QtGui import QColor

from muzaic_studio.audio.peaks import build_pyramid
from muzaic_studio.model import Project, Region
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.render.peaks_feed import PeaksFeed
from muzaic_studio.ui.timeline.view import TimelineView
from tests.audio.conftest import make_audio

WAVE = QColor(70, 140, 230).rgba()  # the waveform's outer colour (timeline.paint)
#: Three times the first minute the view asks for first: when that minute is decoded, the
#: rest of the first of the two segments is not, however fast the machine decodes.
LENGTH = 181.0


@pytest.fixture(scope="module")
def long_mp3(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("progressive") / "long.mp3"
    return make_audio(path, seconds=LENGTH, noise=True, amplitude=0.6)


def wave_columns(view: TimelineView) -> set[int]:
    """x of every column of the viewport where the waveform is drawn."""
    image = view.viewport().grab().toImage()
    top, bottom = int(view.wave_rect.top()), int(view.wave_rect.bottom())
    rows = range(top + 2, bottom - 2, 3)
    return {x for x in range(image.width()) if any(image.pixel(x, y) == WAVE for y in rows)}


def test_the_view_shows_partial_peaks_before_the_decode_ends(qtbot, long_mp3: Path) -> None:
    doc = ProjectDocument(Project(regions=[Region(0.0, LENGTH, tags=[1])]))
    view = TimelineView(doc)
    qtbot.addWidget(view)
    view.resize(1200, 300)
    view.show()
    view.zoom_to_fit()
    qtbot.waitExposed(view)
    view.viewport().repaint()
    assert wave_columns(view) == set()  # nothing rendered yet

    feed = PeaksFeed(doc)
    first_shown, release = threading.Event(), threading.Event()

    def send(snapshot) -> None:  # the decode thread: hold it after the first snapshot
        feed.send(snapshot)
        first_shown.set()
        release.wait(30)

    result: list = []
    worker = threading.Thread(
        target=lambda: result.append(
            build_pyramid(long_mp3, parts=2, focus=doc.view_span, on_partial=send)
        )
    )
    worker.start()
    try:
        assert first_shown.wait(30)
        qtbot.waitUntil(lambda: doc.preview_waveform is not None, timeout=5000)
        view.viewport().repaint()
        drawn = wave_columns(view)
        everything = range(int(view.scale.x(0.0)) + 2, int(view.scale.x(LENGTH)) - 2)
        # The user sees part of the waveform already, and a blank where it is not decoded.
        assert drawn, "no waveform drawn from the first snapshot"
        assert not set(everything) <= drawn, "the whole waveform before the decode ended"
        assert not doc.preview_waveform.complete and doc.waveform is None
    finally:
        release.set()
        worker.join(30)
    doc.set_waveform(result[0])
    feed.close()
    feed.send(result[0])  # a late snapshot after the decode is over: dropped
    qtbot.wait(50)
    assert doc.preview_waveform is None and doc.shown_waveform is result[0]
    view.viewport().repaint()
    assert len(wave_columns(view)) > len(drawn)
