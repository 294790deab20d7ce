"""The timeline: a custom-painted scroll area with a ruler, the region lane and the waveform.

Why a QAbstractScrollArea and not QGraphicsView: the scene is one row of non-overlapping
boxes on a time axis. A QGraphicsItem per region would duplicate the model (1000 items to
keep in sync on every undo), and its BSP index buys nothing for a sorted 1D list, where
`bisect` finds the visible regions in O(log n). Painting straight from the model keeps a
full repaint of 1000 regions in a few milliseconds.

Paint only draws: the sorted regions and their start/end arrays are rebuilt once per
model change, waveform polygons are cached per (span, width), and each paint handles only
the exposed rectangle (canvas.py). Mouse gestures live in interaction.py.
"""

from __future__ import annotations

import contextlib
from typing import Any, cast

from PySide6.QtCore import QEvent, QPointF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QFont,
    QHelpEvent,
    QHideEvent,
    QImage,
    QKeyEvent,
    QMouseEvent,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QToolTip, QWidget

from muzaic_studio.model.region import Region
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.timeline import geometry as geo
from muzaic_studio.ui.timeline.canvas import MIN_VIEWPORT_H, RULER_H, TimelineCanvas
from muzaic_studio.ui.timeline.interaction import Interaction
from muzaic_studio.ui.timeline.paint import (
    RegionPainter,
    region_tooltip,
)

LEFT_MARGIN = 12.0
MIN_FIT_SECONDS = 10.0  # zoom to fit never zooms in further than this
EMPTY_FIT_SECONDS = 60.0  # what zoom to fit shows of an empty project
FOLLOW_AT = 0.1  # a followed playhead is put this far into the view (share of its width)


class TimelineView(TimelineCanvas):
    """Shows one ProjectDocument; every edit goes through the document."""

    cursorTimeChanged = Signal(float)
    message = Signal(str, str)  # text, kind ("info" | "warning" | "error")
    zoomChanged = Signal(float)

    def __init__(self, doc: ProjectDocument | None = None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timeline")
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOn)
        self.setFrameShape(QAbstractScrollArea.Shape.NoFrame)
        self.viewport().setMouseTracking(True)
        self.viewport().setAttribute(Qt.WidgetAttribute.WA_OpaquePaintEvent)
        # Never squeezed below a readable region lane and waveform (the Video Layout's
        # splitter and a small window shrink the video or the docks instead).
        self.setMinimumHeight(MIN_VIEWPORT_H + self.horizontalScrollBar().sizeHint().height())
        self.setToolTip("")
        self.scale = geo.TimeScale(px_per_sec=24.0, left=LEFT_MARGIN)
        self.tool = "generate"
        self.snapping = True
        self.grid_mode = "seconds"
        self.tag_names: dict[int, str] = {}
        self.doc: ProjectDocument = doc or ProjectDocument()
        self._shown_playhead = self.doc.playhead
        self.interaction = Interaction(self)
        self._sorted: list[Region] = []
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._wave_cache: dict[tuple, QImage | None] = {}
        self.empty_text = ""  # said by an empty timeline instead of how to draw (set_empty_text)
        self._hint = ""
        self.refusal = ""  # the last refused gesture's reason (see refuse)
        self._hint_timer = QTimer(self, singleShot=True, interval=3500)
        self._hint_timer.timeout.connect(self._clear_hint)
        self._font = QFont(self.font())
        self._small = QFont(self.font())
        self._small.setPointSizeF(max(6.5, self.font().pointSizeF() * 0.78))
        self.region_painter = RegionPainter(self)
        self.banner_room = lambda: 0  # the main window's message bar (main_window.py)
        self._connect(self.doc)
        self._rebuild()

    # -- document --------------------------------------------------------------------
    def set_document(self, doc: ProjectDocument) -> None:
        self._disconnect(self.doc)
        self.doc = doc
        self._shown_playhead = doc.playhead
        self.interaction.cancel()
        self._connect(doc)
        self._wave_cache.clear()
        self._rebuild()
        self.zoom_to_fit()

    def _connect(self, doc: ProjectDocument) -> None:
        doc.regionsChanged.connect(self._rebuild)
        doc.selectionChanged.connect(self.viewport().update)
        doc.playheadChanged.connect(self._on_playhead)
        doc.waveformChanged.connect(self._on_waveform)
        doc.markersChanged.connect(self.viewport().update)
        doc.settingsChanged.connect(self._rebuild)  # the video's length moves the end

    def _disconnect(self, doc: ProjectDocument) -> None:
        for signal, slot in (
            (doc.regionsChanged, self._rebuild),
            (doc.selectionChanged, self.viewport().update),
            (doc.playheadChanged, self._on_playhead),
            (doc.waveformChanged, self._on_waveform),
            (doc.markersChanged, self.viewport().update),
            (doc.settingsChanged, self._rebuild),
        ):
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)

    def _rebuild(self) -> None:
        """Cache the sorted regions and their edges: paint and hit tests bisect these."""
        self._sorted = self.doc.project.sorted_regions()
        self._starts = [r.time for r in self._sorted]
        self._ends = [r.end for r in self._sorted]
        self._update_scrollbar()
        self.viewport().update()

    def _on_playhead(self, seconds: float) -> None:
        """A playhead that leaves the view from inside it (playback running off the right
        edge, a loop wrapping back) is followed, a page at a time so the picture does not
        crawl; one the user scrolled away from, or drags (the drag scrolls), is left alone."""
        width = self.viewport().width()
        was, now = self.scale.x(self._shown_playhead), self.scale.x(seconds)
        self._shown_playhead = seconds
        if 0 <= was <= width and not 0 <= now <= width and not self.interaction.active:
            self.scroll_to(seconds * self.scale.px_per_sec + LEFT_MARGIN - width * FOLLOW_AT)
        self.viewport().update()

    def _on_waveform(self) -> None:
        self._wave_cache.clear()
        self._mix_wave: Any = None  # keyed by id(): a new snapshot may reuse a freed one's id
        self.viewport().update()

    # -- zoom and scroll -------------------------------------------------------------
    def set_zoom(self, px_per_sec: float, anchor_x: float | None = None) -> None:
        px_per_sec = geo.clamp_zoom(px_per_sec)
        if anchor_x is None:
            anchor_x = self.viewport().width() / 2
        anchor_t = self.scale.time(anchor_x)
        self.scale.px_per_sec = px_per_sec
        self._wave_cache.clear()
        self._update_scrollbar()
        self.scroll_to(anchor_t * px_per_sec + LEFT_MARGIN - anchor_x)
        self.viewport().update()
        self.zoomChanged.emit(px_per_sec)

    def zoom_by(self, factor: float, anchor_x: float | None = None) -> None:
        self.set_zoom(self.scale.px_per_sec * factor, anchor_x)

    def zoom_to_fit(self) -> None:
        width = max(100, self.viewport().width() - 2 * LEFT_MARGIN)
        length = self.doc.timeline_length
        # An empty project shows a normal soundtrack's length to draw in, not 10 s.
        length = max(length, MIN_FIT_SECONDS) if length > 0 else EMPTY_FIT_SECONDS
        self.set_zoom(width / (length * 1.04), 0)
        self.scroll_to(0)

    def _update_scrollbar(self) -> None:
        bar = self.horizontalScrollBar()
        total = self.content_seconds() * self.scale.px_per_sec + 2 * LEFT_MARGIN
        bar.setRange(0, max(0, int(total - self.viewport().width())))
        bar.setPageStep(self.viewport().width())
        bar.setSingleStep(max(1, self.viewport().width() // 20))

    def scroll_to(self, pixels: float) -> None:
        """Scroll so that content x *pixels* is at the viewport's left edge."""
        bar = self.horizontalScrollBar()
        if pixels > bar.maximum():
            bar.setMaximum(int(pixels) + 1)
        bar.setValue(max(0, round(pixels)))
        self.scale.scroll = bar.value()

    def ensure_visible(self, seconds: float) -> None:
        x = self.scale.x(seconds)
        if x < 0 or x > self.viewport().width():
            self.scroll_to(
                seconds * self.scale.px_per_sec + LEFT_MARGIN - self.viewport().width() * 0.3
            )
            self.viewport().update()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.scale.scroll = self.horizontalScrollBar().value()
        self.viewport().update()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._update_scrollbar()

    def hideEvent(self, event: QHideEvent) -> None:
        """Hidden (its window closed or minimised): the hint goes, nothing left ticking."""
        self._clear_hint()
        self.interaction.autoscroll.stop()
        super().hideEvent(event)

    def wheelEvent(self, event: QWheelEvent) -> None:
        delta = event.angleDelta()
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            steps = delta.y() / 120.0
            self.zoom_by(1.25**steps, event.position().x())
        else:
            amount = delta.x() or delta.y()
            bar = self.horizontalScrollBar()
            bar.setValue(bar.value() - int(amount * bar.singleStep() / 40))
        event.accept()

    # -- hint inside the timeline ----------------------------------------------------
    @property
    def hint(self) -> str:
        """The short note shown inside the timeline (why an edit was refused), or ""."""
        return self._hint

    def show_hint(self, text: str) -> None:
        self._hint = text
        self._hint_timer.start()
        self.viewport().update()

    def _clear_hint(self) -> None:
        self._hint_timer.stop()
        self._hint = ""
        self.viewport().update()

    def set_empty_text(self, text: str) -> None:
        """What the empty timeline says ("" = how to draw a region). While the start-up's
        file is read it said "Drag here to draw a region", inviting work the file replaces."""
        self.empty_text = text
        self.viewport().update()

    def refuse(self, reason: str) -> None:
        """An edit was refused: say why in the timeline and in the window's message bar.
        Remembered as `refusal`, so the window can take the warning down once a later
        edit goes through (it stayed up, naming a region the user had since deleted)."""
        self.refusal = reason
        self.show_hint(reason)
        self.message.emit(reason, "warning")

    # -- events ----------------------------------------------------------------------
    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
            event = cast(QHelpEvent, event)
            pos = event.pos()
            region = self.region_at(pos.x()) if self.lane_rect.contains(QPointF(pos)) else None
            if region is not None:
                QToolTip.showText(event.globalPos(), self.tooltip_html(region), self.viewport())
            elif pos.y() < RULER_H:
                QToolTip.showText(
                    event.globalPos(), "Click or drag to move the playhead", self.viewport()
                )
            else:
                QToolTip.hideText()
            return True
        return super().viewportEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        self.setFocus(Qt.FocusReason.MouseFocusReason)
        self.interaction.press(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        self.cursorTimeChanged.emit(max(0.0, self.scale.time(event.position().x())))
        self.interaction.move(event)

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self.interaction.release(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        self.interaction.double_click(event)

    def event(self, event: QEvent) -> bool:
        # Escape during a drag cancels the drag; it must not reach the window's
        # "Select None" shortcut first.
        if (
            event.type() == QEvent.Type.ShortcutOverride
            and self.interaction.active
            and cast(QKeyEvent, event).key() == Qt.Key.Key_Escape
        ):
            event.accept()
            return True
        return super().event(event)

    def keyPressEvent(self, event: Any) -> None:
        if event.key() == Qt.Key.Key_Escape and self.interaction.active:
            self.interaction.cancel()
            return
        super().keyPressEvent(event)

    def tooltip_html(self, r: Region) -> str:
        return region_tooltip(r, self.tag_names, self.doc.project)
