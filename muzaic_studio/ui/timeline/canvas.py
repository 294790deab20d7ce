"""Where things are on the timeline and how it paints them: the lane and wave rectangles,
regions by bisection, and the ruler, grid, region lane, waveform, markers, playhead and
hints, each drawn only inside the exposed rectangle.

The base class of `TimelineView`, which keeps the sorted regions, the waveform cache,
the fonts and the scale these methods read, and adds the document, zoom and input.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from typing import TYPE_CHECKING, cast

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPaintEvent,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QAbstractScrollArea

from muzaic_studio.model.region import Region
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.timeline import geometry as geo
from muzaic_studio.ui.timeline import mix_paint
from muzaic_studio.ui.timeline.interaction import Interaction
from muzaic_studio.ui.timeline.markers import paint_user_markers
from muzaic_studio.ui.timeline.paint import (
    MARKER_COLOR,
    PLAYHEAD_COLOR,
    RegionPainter,
    action_color,
    mix,
    waveform_image,
)
from muzaic_studio.ui.window.actions import SPEC_BY_KEY

if TYPE_CHECKING:
    from muzaic_studio.ui.timeline.view import TimelineView

RULER_H = 30
LANE_GAP = 8
MIN_LANE_H = 80.0  # the region lane and the waveform each keep this much (readable)
MIN_VIEWPORT_H = int(RULER_H + 3 * LANE_GAP + 2 * MIN_LANE_H)


def empty_hint() -> str:
    """What an empty timeline says, with the drawing tools' keys read from the action
    table (a hand-written "M silence" once taught the marker key as the silence tool)."""
    tools = " · ".join(
        f"{SPEC_BY_KEY[f'tool.{tool}'].shortcuts[0]} {tool}"
        for tool in ("generate", "copy", "silence")
    )
    return f"Drag here to draw a region · {tools}"


class TimelineCanvas(QAbstractScrollArea):
    """Paints the timeline's viewport from the document and the view's caches."""

    # Made by TimelineView.__init__:
    scale: geo.TimeScale
    doc: ProjectDocument
    grid_mode: str
    empty_text: str
    interaction: Interaction
    _sorted: list[Region]
    _wave_cache: dict[tuple, QImage | None]
    _hint: str
    _font: QFont
    _small: QFont
    _starts: list[float]
    _ends: list[float]
    region_painter: RegionPainter
    banner_room: Callable[[], int]  # px a banner under the timeline takes from it now

    # -- geometry --------------------------------------------------------------------
    @property
    def lane_rect(self) -> QRectF:
        # Half the height (at most 240 px) reckoned with the room a banner under the
        # timeline borrows: the regions and their handles keep their size as one comes
        # and goes (the waveform gives the room), unless that would squeeze the waveform.
        room = self.viewport().height() - RULER_H - 3 * LANE_GAP
        half = (room + self.banner_room()) * 0.5
        lane_h = max(MIN_LANE_H, min(240.0, half, room - MIN_LANE_H))
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

    def paint_region(self, p: QPainter, r: Region, rect: QRectF, selected: bool,
                     invalid: bool = False, ghost: bool = False) -> None:  # fmt: skip
        self.region_painter.paint(p, r, rect, selected, invalid, ghost)

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
            mix_paint.paint_region_mix(
                cast("TimelineView", self), p, r, self.region_rect(r), r.uid in selection
            )
        mix_paint.paint_transitions(cast("TimelineView", self), p, visible)
        p.restore()

    def _paint_waveform(self, p: QPainter, wave: QRectF, exposed: QRectF, text: QColor) -> None:
        pyramid = self.doc.shown_waveform
        width = int(self.viewport().width())
        t0, t1 = self.scale.time(0), self.scale.time(width)
        self.doc.view_span = (t0, t1)  # where a decode starting now begins
        if pyramid is None:
            if not self._sorted:
                return
            self._paint_faint_text(
                p, wave, text, 90, "Render the soundtrack to see its waveform here"
            )
            return
        if mix_paint.paint_mixed_waveform(cast("TimelineView", self), p, pyramid, wave, exposed):
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
        self._paint_faint_text(p, lane, text, 120, self.empty_text or empty_hint())

    def _paint_faint_text(
        self, p: QPainter, rect: QRectF, text: QColor, alpha: int, words: str
    ) -> None:
        """*words* centred in *rect*, in the text colour at *alpha*."""
        color = QColor(text)
        color.setAlpha(alpha)
        p.setPen(color)
        p.setFont(self._font)
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, words)
