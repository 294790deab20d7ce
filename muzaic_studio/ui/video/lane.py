"""The video's own sound as a lane under the timeline: its waveform, muted by default.

Speech and effects are what the music is placed around, so seeing them matters more than
hearing them; the lane's button unmutes the video dock's sound (one shared `muted` state,
owned by the dock). The waveform is an `audio.peaks.PeakPyramid` of the video's audio
track, built off the GUI thread by the video workflow and queried per paint in
O(pixels), like the soundtrack's; polygons are cached per visible span and size.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPainter, QPaintEvent, QPalette, QPolygonF
from PySide6.QtWidgets import QToolButton, QWidget

from muzaic_studio.ui.video.strip import TimelineBand

WAVE_COLOR = QColor(120, 200, 140, 170)
WAVE_MUTED_COLOR = QColor(140, 150, 160, 130)


def wave_polygon(pyramid: Any, t0: float, t1: float, rect: QRectF) -> QPolygonF | None:
    """The min/max outline of [t0, t1) drawn into *rect*, one point pair per pixel."""
    width = int(rect.width())
    if width < 1 or t1 <= t0:
        return None
    try:
        peaks = pyramid.query(t0, t1, width)
    except (ValueError, AttributeError):
        return None
    import numpy as np  # a pyramid exists, so numpy is loaded: kept off start-up

    covered = np.flatnonzero(peaks.covered)
    if covered.size == 0:
        return None
    mid, half = rect.center().y(), rect.height() / 2 - 1
    xs = rect.left() + covered.astype(np.float64)
    tops = mid - peaks.maxs[covered].astype(np.float64) * half
    bottoms = mid - peaks.mins[covered].astype(np.float64) * half
    points = [QPointF(x, y) for x, y in zip(xs, tops, strict=True)]
    points += [QPointF(x, y) for x, y in zip(xs[::-1], bottoms[::-1], strict=True)]
    return QPolygonF(points)


class VideoSoundLane(TimelineBand):
    """The waveform of the video's audio track, with a mute toggle at its left."""

    LANE_HEIGHT = 52
    mutedToggled = Signal(bool)  # the user asked for muted (True) or audible (False)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("videoSoundLane")
        self.setFixedHeight(self.LANE_HEIGHT)
        self.pyramid: Any = None
        self.status = ""
        self.muted = True
        self._cache: tuple[tuple, QPolygonF | None] | None = None
        self.mute_button = QToolButton(self)
        self.mute_button.setCheckable(True)
        self.mute_button.setAutoRaise(True)
        self.mute_button.move(2, 2)
        self.mute_button.toggled.connect(lambda audible: self.mutedToggled.emit(not audible))
        self.set_muted(True)

    def set_pyramid(self, pyramid: Any, duration: float) -> None:
        self.pyramid = pyramid
        self.duration = max(0.0, float(duration))
        self.status = ""
        self._cache = None
        self.update()

    def set_status(self, text: str) -> None:
        self.status = text
        self.update()

    def set_muted(self, muted: bool, *, available: bool = True) -> None:
        """Show the dock's state (does not emit `mutedToggled`)."""
        self.muted = bool(muted)
        b = self.mute_button
        b.blockSignals(True)
        b.setChecked(not self.muted)
        b.blockSignals(False)
        b.setEnabled(available)
        b.setText("Video sound: off" if self.muted else "Video sound: on")
        b.adjustSize()
        b.setToolTip(
            "Hear the video's own sound with the music"
            if available
            else "No audio output device: the video's own sound cannot be played"
        )
        self.update()

    def polygon(self) -> QPolygonF | None:
        if self.pyramid is None:
            return None
        rect = QRectF(0, 3, self.width(), self.height() - 6)
        t0, t1 = self.time_at(0), self.time_at(self.width())
        key = (id(self.pyramid), round(t0, 6), round(t1, 6), self.width(), self.height())
        if self._cache is None or self._cache[0] != key:
            self._cache = (key, wave_polygon(self.pyramid, t0, t1, rect))
        return self._cache[1]

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        pal = self.palette()
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base).darker(108))
        poly = self.polygon()
        if poly is not None:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(WAVE_MUTED_COLOR if self.muted else WAVE_COLOR)
            p.drawPolygon(poly)
        elif self.status:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            text_rect = self.rect().adjusted(self.mute_button.width() + 12, 0, -8, 0)
            p.drawText(text_rect, Qt.AlignmentFlag.AlignVCenter, self.status)
        self.paint_overlay(p)
        p.end()
