"""The timeline: a custom-painted scroll area with a ruler, the region lane and the waveform.

Why a QAbstractScrollArea and not QGraphicsView: the scene is one row of non-overlapping
boxes on a time axis. A QGraphicsItem per region would duplicate the model (1000 items to
keep in sync on every undo), and its BSP index buys nothing for a sorted 1D list, where
`bisect` finds the visible regions in O(log n). Painting straight from the model keeps a
full repaint of 1000 regions in a few milliseconds.

Paint only draws: the sorted regions and their start/end arrays are rebuilt once per
model change, waveform polygons are cached per (span, width), and each paint handles only
the exposed rectangle. Mouse gestures live in timeline_interaction.py.
"""

from __future__ import annotations

import bisect
import contextlib
from typing import Any

from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, QTimer, Signal
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QMouseEvent,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
    QWheelEvent,
)
from PySide6.QtWidgets import QAbstractScrollArea, QToolTip, QWidget

from muzaic_studio.model.region import Region
from muzaic_studio.ui import mix_handles
from muzaic_studio.ui import timeline_geometry as geo
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.markers import paint_user_markers
from muzaic_studio.ui.timeline_interaction import Interaction
from muzaic_studio.ui.timeline_paint import (
    MARKER_COLOR,
    PLAYHEAD_COLOR,
    RegionPainter,
    action_color,
    mix,
    region_tooltip,
    waveform_image,
)

RULER_H = 30
LANE_GAP = 8
LEFT_MARGIN = 12.0
MIN_FIT_SECONDS = 10.0  # zoom to fit never zooms in further than this
EMPTY_FIT_SECONDS = 60.0  # what zoom to fit shows of an empty project


class TimelineView(QAbstractScrollArea):
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
        self.setMinimumHeight(180)
        self.setToolTip("")
        self.scale = geo.TimeScale(px_per_sec=24.0, left=LEFT_MARGIN)
        self.tool = "generate"
        self.snapping = True
        self.grid_mode = "seconds"
        self.tag_names: dict[int, str] = {}
        self.doc: ProjectDocument = doc or ProjectDocument()
        self.interaction = Interaction(self)
        self._sorted: list[Region] = []
        self._starts: list[float] = []
        self._ends: list[float] = []
        self._wave_cache: dict[tuple, QImage | None] = {}
        self._hint = ""
        self._hint_timer = QTimer(self, singleShot=True, interval=3500)
        self._hint_timer.timeout.connect(self._clear_hint)
        self._font = QFont(self.font())
        self._small = QFont(self.font())
        self._small.setPointSizeF(max(6.5, self.font().pointSizeF() * 0.78))
        self.region_painter = RegionPainter(self)
        self._connect(self.doc)
        self._rebuild()

    # -- document --------------------------------------------------------------------
    def set_document(self, doc: ProjectDocument) -> None:
        self._disconnect(self.doc)
        self.doc = doc
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
        self.viewport().update()

    def _on_waveform(self) -> None:
        self._wave_cache.clear()
        self.viewport().update()

    # -- geometry --------------------------------------------------------------------
    @property
    def lane_rect(self) -> QRectF:
        h = self.viewport().height()
        lane_h = max(60.0, min(240.0, (h - RULER_H - 3 * LANE_GAP) * 0.5))
        return QRectF(0, RULER_H + LANE_GAP, self.viewport().width(), lane_h)

    @property
    def wave_rect(self) -> QRectF:
        lane = self.lane_rect
        top = lane.bottom() + LANE_GAP
        return QRectF(
            0, top, self.viewport().width(), max(0.0, self.viewport().height() - top - LANE_GAP)
        )

    def content_seconds(self) -> float:
        """How far the scroll range reaches: past the end, so there is room to draw."""
        view = self.viewport().width() / self.scale.px_per_sec
        return max(self.doc.timeline_length + view * 0.5, view, 30.0)

    def visible_span(self) -> tuple[float, float]:
        return self.scale.time(0), self.scale.time(self.viewport().width())

    def regions_between(self, t0: float, t1: float) -> list[Region]:
        """Regions overlapping [t0, t1], found by bisection (regions never overlap)."""
        i = bisect.bisect_right(self._ends, t0)
        j = bisect.bisect_left(self._starts, t1)
        return self._sorted[i:j]

    def region_at(self, x: float) -> Region | None:
        t = self.scale.time(x)
        i = bisect.bisect_right(self._starts, t) - 1
        if 0 <= i < len(self._sorted) and t <= self._ends[i]:
            return self._sorted[i]
        return None

    def region_rect(self, region: Region, dt: float = 0.0, start: float | None = None,
                    end: float | None = None) -> QRectF:  # fmt: skip
        lane = self.lane_rect
        t0 = (region.time if start is None else start) + dt
        t1 = (region.end if end is None else end) + dt
        x0, x1 = self.scale.x(t0), self.scale.x(t1)
        return QRectF(x0, lane.top(), max(1.0, x1 - x0), lane.height())

    def sorted_regions(self) -> list[Region]:
        return self._sorted

    def edges(self) -> tuple[list[float], list[float]]:
        return self._starts, self._ends

    def grid(self) -> float | None:
        return geo.grid_step(self.grid_mode, self.scale.px_per_sec, self.doc.project.tempo_bpm)

    # -- zoom and scroll -------------------------------------------------------------
    def set_zoom(self, px_per_sec: float, anchor_x: float | None = None) -> None:
        px_per_sec = geo.clamp_zoom(px_per_sec)
        if anchor_x is None:
            anchor_x = self.viewport().width() / 2
        anchor_t = self.scale.time(anchor_x)
        self.scale.px_per_sec = px_per_sec
        self._wave_cache.clear()
        self._update_scrollbar()
        self._scroll_to(anchor_t * px_per_sec + LEFT_MARGIN - anchor_x)
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
        self._scroll_to(0)

    def _update_scrollbar(self) -> None:
        bar = self.horizontalScrollBar()
        total = self.content_seconds() * self.scale.px_per_sec + 2 * LEFT_MARGIN
        bar.setRange(0, max(0, int(total - self.viewport().width())))
        bar.setPageStep(self.viewport().width())
        bar.setSingleStep(max(1, self.viewport().width() // 20))

    def _scroll_to(self, pixels: float) -> None:
        bar = self.horizontalScrollBar()
        if pixels > bar.maximum():
            bar.setMaximum(int(pixels) + 1)
        bar.setValue(max(0, round(pixels)))
        self.scale.scroll = bar.value()

    def ensure_visible(self, seconds: float) -> None:
        x = self.scale.x(seconds)
        if x < 0 or x > self.viewport().width():
            self._scroll_to(
                seconds * self.scale.px_per_sec + LEFT_MARGIN - self.viewport().width() * 0.3
            )
            self.viewport().update()

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        self.scale.scroll = self.horizontalScrollBar().value()
        self.viewport().update()

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._update_scrollbar()

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
    def show_hint(self, text: str) -> None:
        self._hint = text
        self._hint_timer.start()
        self.viewport().update()

    def _clear_hint(self) -> None:
        self._hint = ""
        self.viewport().update()

    def refuse(self, reason: str) -> None:
        """An edit was refused: say why in the timeline and in the window's message bar."""
        self.show_hint(reason)
        self.message.emit(reason, "warning")

    # -- events ----------------------------------------------------------------------
    def viewportEvent(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ToolTip:
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
            and event.key() == Qt.Key.Key_Escape
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
        return region_tooltip(r, self.tag_names)

    def paint_region(self, p: QPainter, r: Region, rect: QRectF, selected: bool,
                     invalid: bool = False, ghost: bool = False) -> None:  # fmt: skip
        self.region_painter.paint(p, r, rect, selected, invalid, ghost)

    # -- painting --------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self.viewport())
        self.paint(p, QRectF(event.rect()))
        p.end()

    def paint(self, p: QPainter, exposed: QRectF) -> None:
        pal = self.palette()
        base = pal.color(QPalette.ColorRole.Base)
        window = pal.color(QPalette.ColorRole.Window)
        text = pal.color(QPalette.ColorRole.Text)
        p.fillRect(exposed, base)
        t0 = self.scale.time(exposed.left() - 2)
        t1 = self.scale.time(exposed.right() + 2)
        lane, wave = self.lane_rect, self.wave_rect
        dark = base.lightness() < 128
        lane_bg = base.lighter(125) if dark else base.darker(104)
        if exposed.intersects(lane):
            p.fillRect(lane.intersected(exposed), lane_bg)
        if exposed.intersects(wave) and wave.height() > 4:
            p.fillRect(wave.intersected(exposed), lane_bg)
        self._paint_grid(p, exposed, t0, t1, text)
        if exposed.intersects(wave) and wave.height() > 4:
            self._paint_waveform(p, wave, exposed, text)
        if exposed.intersects(lane):
            self._paint_regions(p, lane, t0, t1, text)
            self.interaction.paint_overlay(p)
        if exposed.top() < RULER_H:
            self._paint_ruler(p, exposed, t0, t1, window, text)
        self._paint_markers_and_playhead(p, exposed)
        paint_user_markers(self, p)
        if self._hint:
            self._paint_hint(p)
        if not self._sorted and not self.interaction.active:
            self._paint_empty_hint(p, lane, text)

    def _paint_grid(self, p: QPainter, exposed: QRectF, t0: float, t1: float, text: QColor) -> None:
        step = self.grid()
        if not step:
            return
        top, height = float(RULER_H), float(self.viewport().height() - RULER_H)
        base = self.palette().color(QPalette.ColorRole.Base)
        weak, strong = mix(base, text, 0.09), mix(base, text, 0.18)
        bar = 240.0 / max(1.0, self.doc.project.tempo_bpm) if self.grid_mode == "bars" else None
        unit = bar or geo.tick_steps(self.scale.px_per_sec)[0]
        # Opaque 1 px rects: far cheaper than alpha-blended lines in the raster engine.
        for t in geo.ticks(max(0.0, t0), t1, step):
            x = float(round(self.scale.x(t)))
            major = abs(t / unit - round(t / unit)) < 1e-6
            p.fillRect(QRectF(x, top, 1.0, height), strong if major else weak)

    def _paint_ruler(self, p: QPainter, exposed: QRectF, t0: float, t1: float,
                     window: QColor, text: QColor) -> None:  # fmt: skip
        w = self.viewport().width()
        p.fillRect(QRectF(exposed.left(), 0, exposed.width(), RULER_H), window)
        line = QColor(text)
        line.setAlpha(70)
        p.setPen(QPen(line, 1))
        p.drawLine(QPointF(exposed.left(), RULER_H - 0.5), QPointF(exposed.right(), RULER_H - 0.5))
        major, minor = geo.tick_steps(self.scale.px_per_sec)
        lo = max(0.0, t0)
        tick = mix(window, text, 0.3)
        for t in geo.ticks(lo, t1, minor):
            p.fillRect(QRectF(float(round(self.scale.x(t))), RULER_H - 6, 1.0, 5.0), tick)
        p.setPen(QPen(text, 1))
        p.setFont(self._small)
        label_t0 = max(0.0, self.scale.time(exposed.left() - 80))
        for t in geo.ticks(label_t0, t1, major):
            x = round(self.scale.x(t)) + 0.5
            p.fillRect(QRectF(x - 0.5, RULER_H - 12, 1.0, 11.0), text)
            if x < w:
                p.drawText(QPointF(x + 4, RULER_H - 14), geo.format_time(t, major))
        if (
            self.grid_mode == "bars"
            and self.scale.px_per_sec * 240 / self.doc.project.tempo_bpm > 40
        ):
            self._paint_bar_numbers(p, lo, t1)

    def _paint_bar_numbers(self, p: QPainter, t0: float, t1: float) -> None:
        bar = 240.0 / max(1.0, self.doc.project.tempo_bpm)
        color = QColor(self.palette().color(QPalette.ColorRole.Text))
        color.setAlpha(110)
        p.setPen(color)
        for t in geo.ticks(t0, t1, bar):
            p.drawText(QPointF(self.scale.x(t) + 3, 10), str(round(t / bar) + 1))

    def _paint_regions(self, p: QPainter, lane: QRectF, t0: float, t1: float, text: QColor) -> None:
        moving = self.interaction.hidden_uids()
        selection = self.doc.selection
        visible = self.regions_between(t0, t1)
        p.save()
        p.setClipRect(lane.adjusted(0, -2, 0, 2))
        tiny = [r for r in visible if (r.end - r.time) * self.scale.px_per_sec < 4]
        if len(tiny) > 64:
            # Zoomed far out: one flat bar per region, no text, no antialiasing.
            top, height = lane.top(), lane.height()
            pps, off = self.scale.px_per_sec, self.scale.left - self.scale.scroll
            colors: dict[tuple[str, str, bool], QColor] = {}
            for r in tiny:
                if r.uid in moving:
                    continue
                sel = r.uid in selection
                key = (r.action, r.color, sel)
                color = colors.get(key)
                if color is None:
                    color = action_color(r)
                    colors[key] = color = color.lighter(150) if sel else color
                x0 = r.time * pps + off
                p.fillRect(QRectF(x0, top, max(1.0, r.duration * pps - 0.5), height), color)
            tiny_ids = {r.uid for r in tiny}
            visible = [r for r in visible if r.uid not in tiny_ids]
        for r in visible:
            if r.uid in moving:
                continue
            self.paint_region(p, r, self.region_rect(r), r.uid in selection)
            mix_handles.paint_region_mix(self, p, r, self.region_rect(r), r.uid in selection)
        mix_handles.paint_transitions(self, p, visible)
        p.restore()

    def _paint_waveform(self, p: QPainter, wave: QRectF, exposed: QRectF, text: QColor) -> None:
        pyramid = self.doc.waveform
        if pyramid is None:
            if not self._sorted:
                return
            self._paint_faint_text(
                p, wave, text, 90, "Render the soundtrack to see its waveform here"
            )
            return
        width = int(self.viewport().width())
        t0, t1 = self.scale.time(0), self.scale.time(width)
        if mix_handles.paint_mixed_waveform(self, p, pyramid, wave, exposed):
            return  # the app's mix scales the peaks: drawn per exposed column, not cached
        key = (id(pyramid), round(t0, 6), round(t1, 6), width, int(wave.height()))
        if key not in self._wave_cache:
            if len(self._wave_cache) > 4:
                self._wave_cache.clear()
            axis = QColor(self.palette().color(QPalette.ColorRole.Text))
            axis.setAlpha(40)
            self._wave_cache[key] = waveform_image(pyramid, t0, t1, width, int(wave.height()), axis)
        image = self._wave_cache[key]
        if image is None:
            return
        src = exposed.intersected(wave).translated(0, -wave.top())
        p.drawImage(src.translated(0, wave.top()), image, src)

    def _paint_markers_and_playhead(self, p: QPainter, exposed: QRectF) -> None:
        h = self.viewport().height()
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        pen = QPen(MARKER_COLOR, 1, Qt.PenStyle.DashLine)
        for m in self.doc.markers:
            x = round(self.scale.x(m)) + 0.5
            if exposed.left() - 6 <= x <= exposed.right() + 6:
                p.setPen(pen)
                p.drawLine(QPointF(x, RULER_H - 8), QPointF(x, h))
                p.setPen(Qt.PenStyle.NoPen)
                p.setBrush(MARKER_COLOR)
                p.drawPolygon(QPolygonF([QPointF(x, RULER_H - 8), QPointF(x + 6, RULER_H - 11),
                                         QPointF(x, RULER_H - 14)]))  # fmt: skip
        x = round(self.scale.x(self.doc.playhead)) + 0.5
        if exposed.left() - 8 <= x <= exposed.right() + 8:
            p.setPen(QPen(PLAYHEAD_COLOR, 1.5))
            p.drawLine(QPointF(x, RULER_H - 10), QPointF(x, h))
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(PLAYHEAD_COLOR)
            p.drawPolygon(QPolygonF([QPointF(x - 6, RULER_H - 14), QPointF(x + 6, RULER_H - 14),
                                     QPointF(x, RULER_H - 6)]))  # fmt: skip
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _paint_hint(self, p: QPainter) -> None:
        p.setFont(self._font)
        fm = QFontMetrics(self._font)
        text = fm.elidedText(self._hint, Qt.TextElideMode.ElideRight, self.viewport().width() - 40)
        w = fm.horizontalAdvance(text) + 24
        rect = QRectF((self.viewport().width() - w) / 2, self.lane_rect.bottom() - 30, w, 24)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(40, 12, 16, 225))
        p.drawRoundedRect(rect, 12, 12)
        p.setPen(QColor("#ffd0d4"))
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _paint_empty_hint(self, p: QPainter, lane: QRectF, text: QColor) -> None:
        words = "Drag here to draw a region · G generate · C copy · M silence"
        self._paint_faint_text(p, lane, text, 120, words)

    def _paint_faint_text(
        self, p: QPainter, rect: QRectF, text: QColor, alpha: int, words: str
    ) -> None:
        """*words* centred in *rect*, in the text colour at *alpha*."""
        color = QColor(text)
        color.setAlpha(alpha)
        p.setPen(color)
        p.setFont(self._font)
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, words)
