"""The thumbnail strip along the top of the timeline, on the timeline's own time axis.

`TimelineBand` is the base of every band that sits above or below the timeline (this strip
and the video sound lane): it reads the timeline's `TimeScale` (x = t * px_per_sec -
scroll + left) and the horizontal offset between the timeline's viewport and itself, so a
time is at the same x in the band as in the timeline, and it repaints when the timeline
scrolls, zooms or resizes. Without a timeline it maps the video's length to its width.
Clicking or dragging in a band moves the playhead (scrubbing, as on the ruler).

The strip tiles the visible span with thumbnails in fixed time slots (slot k starts at
k x tile width in seconds), so the pictures scroll with the timeline instead of swimming
under it, and each slot shows the frame nearest its start. QImages are made once per strip.
"""

from __future__ import annotations

import contextlib
import math
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPoint, QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QImage, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

from muzaic_studio.ui.document import ProjectDocument

PLAYHEAD_COLOR = QColor("#ff4d5e")
MARKER_COLOR = QColor("#f5c542")


class TimelineBand(QWidget):
    """A horizontal band that shares the timeline's time axis and scrubs the playhead."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(False)
        self.timeline: Any = None
        self.doc: ProjectDocument | None = None
        self.duration = 0.0
        self._scrubbing = False

    # -- wiring ------------------------------------------------------------------------
    def attach(self, timeline: Any) -> None:
        """Follow *timeline* (a TimelineView: ``scale``, ``viewport()``, scroll bar, zoom)."""
        self.timeline = timeline
        timeline.horizontalScrollBar().valueChanged.connect(self.update)
        timeline.zoomChanged.connect(self.update)
        timeline.viewport().installEventFilter(self)
        self.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Move, QEvent.Type.Show):
            self.update()
        return False

    def set_document(self, doc: ProjectDocument | None) -> None:
        if self.doc is not None:
            for signal in (self.doc.playheadChanged, self.doc.markersChanged):
                with contextlib.suppress(RuntimeError, TypeError):
                    signal.disconnect(self._doc_changed)
        self.doc = doc
        if doc is not None:
            doc.playheadChanged.connect(self._doc_changed)
            doc.markersChanged.connect(self._doc_changed)
        self.update()

    def _doc_changed(self, *_args: Any) -> None:
        self.update()

    # -- the time axis -----------------------------------------------------------------
    def _offset(self) -> float:
        """x of the timeline viewport's left edge in this widget's coordinates."""
        vp = self.timeline.viewport()
        return float(self.mapFromGlobal(vp.mapToGlobal(QPoint(0, 0))).x())

    def px_per_sec(self) -> float:
        if self.timeline is not None:
            return float(self.timeline.scale.px_per_sec)
        return self.width() / max(self.duration, 1e-6)

    def x_of(self, seconds: float) -> float:
        if self.timeline is not None:
            return float(self.timeline.scale.x(seconds)) + self._offset()
        return seconds * self.px_per_sec()

    def time_at(self, x: float) -> float:
        if self.timeline is not None:
            return float(self.timeline.scale.time(x - self._offset()))
        return x / self.px_per_sec()

    # -- scrubbing ---------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton and self.doc is not None:
            self._scrubbing = True
            self._scrub(event.position().x())
            event.accept()
            return
        super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._scrubbing:
            self._scrub(event.position().x())
            event.accept()
            return
        super().mouseMoveEvent(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._scrubbing = False
        super().mouseReleaseEvent(event)

    def _scrub(self, x: float) -> None:
        t = max(0.0, self.time_at(x))
        if self.duration > 0:
            t = min(t, self.duration)
        assert self.doc is not None
        self.doc.set_playhead(t)

    # -- shared painting ---------------------------------------------------------------
    def paint_overlay(self, p: QPainter) -> None:
        """Scene markers as short ticks and the playhead as a line, like the timeline's."""
        if self.doc is None:
            return
        h = self.height()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        p.setPen(QPen(MARKER_COLOR, 1))
        for m in self.doc.markers:
            x = round(self.x_of(m)) + 0.5
            if 0 <= x <= self.width():
                p.drawLine(QPointF(x, 0), QPointF(x, 5))
                p.drawLine(QPointF(x, h - 5), QPointF(x, h))
        x = round(self.x_of(self.doc.playhead)) + 0.5
        if -2 <= x <= self.width() + 2:
            p.setPen(QPen(PLAYHEAD_COLOR, 1.5))
            p.drawLine(QPointF(x, 0), QPointF(x, h))


def strip_images(frames: Any) -> list[QImage]:
    """One QImage per (h, w, 3) uint8 frame; each owns its pixels (copied once).

    QImage is not a GUI-thread object, so a worker may build these.
    """
    out = []
    for frame in frames:
        h, w = int(frame.shape[0]), int(frame.shape[1])
        data = bytes(frame.tobytes())
        out.append(QImage(data, w, h, 3 * w, QImage.Format.Format_RGB888).copy())
    return out


class VideoStrip(TimelineBand):
    """Thumbnails of the video under the timeline's visible span."""

    STRIP_HEIGHT = 46

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("videoStrip")
        self.setFixedHeight(self.STRIP_HEIGHT)
        self.setToolTip("Video thumbnails: click or drag to move the playhead")
        self.strip: Any = None  # video.thumbnails.ThumbnailStrip
        self._images: list[QImage] = []
        self.status = ""

    def set_strip(self, strip: Any, duration: float, images: list[QImage] | None = None) -> None:
        """Show *strip*; *images* (from `strip_images`, e.g. made on the worker) saves the copy."""
        self.strip = strip
        self.duration = max(0.0, float(duration))
        if strip is None:
            self._images = []
        else:
            self._images = images if images is not None else strip_images(strip.frames)
        self.status = ""
        self.update()

    def set_status(self, text: str) -> None:
        """A line shown while there are no thumbnails yet (e.g. "Reading frames...")."""
        self.status = text
        self.update()

    def tile_width(self) -> float:
        if not self._images:
            return 0.0
        img = self._images[0]
        return max(8.0, self.height() * img.width() / max(1, img.height()))

    def visible_tiles(self) -> list[tuple[QRectF, int]]:
        """(target rect, thumbnail index) of each slot drawn now; for paint and tests."""
        if not self._images or self.duration <= 0 or self.strip is None:
            return []
        tile = self.tile_width()
        slot = tile / self.px_per_sec()  # seconds per tile
        t_left = max(0.0, self.time_at(0))
        t_right = min(self.duration, self.time_at(self.width()))
        out = []
        k = math.floor(t_left / slot)
        while k * slot < t_right:
            t0 = k * slot
            x0 = self.x_of(t0)
            x1 = self.x_of(min(self.duration, t0 + slot))
            out.append((QRectF(x0, 0, x1 - x0, self.height()), self.strip.index_at(t0)))
            k += 1
        return out

    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        pal = self.palette()
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base).darker(115))
        tiles = self.visible_tiles()
        if tiles:
            p.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, True)
            tile = self.tile_width()
            for rect, index in tiles:
                img = self._images[index]
                # A slot cut by the video's end shows the left part of its picture.
                src = QRectF(0, 0, img.width() * rect.width() / tile, img.height())
                p.drawImage(rect, img, src)
            p.setPen(QColor(0, 0, 0, 90))
            for rect, _ in tiles:
                p.drawLine(QPointF(rect.left(), 0), QPointF(rect.left(), self.height()))
        elif self.status:
            p.setPen(pal.color(QPalette.ColorRole.PlaceholderText))
            p.drawText(
                self.rect().adjusted(8, 0, -8, 0), Qt.AlignmentFlag.AlignVCenter, self.status
            )
        self.paint_overlay(p)
        p.end()
