"""How the timeline draws things: region boxes, the waveform image, tooltips, colours.

Split from view.py so the view keeps geometry, events and the paint order,
and this module keeps the look. Everything here is drawn with plain fills and only the
region outlines antialiased, which is what keeps a 1000-region repaint in budget.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import (
    QBrush,
    QColor,
    QFont,
    QFontMetrics,
    QImage,
    QPainter,
    QPalette,
    QPen,
    QPolygonF,
)
from PySide6.QtWidgets import QWidget

from muzaic_studio.model.copy_names import region_label
from muzaic_studio.model.region import (
    DEFAULT_PARAM,
    PARAM_NAMES,
    PARAM_SHORT,
    Region,
    param_at,
)
from muzaic_studio.model.tag_names import tag_label
from muzaic_studio.ui.timeline import geometry as geo

ACTION_COLORS = {"generate": "#3d7fe0", "copy": "#9a62e6", "silence": "#6f7a8c"}
PARAM_COLORS = dict(
    zip(PARAM_NAMES, ("#ff8a65", "#ffd54f", "#81c784", "#4fc3f7", "#ce93d8"), strict=True)
)
CHANGED_COLOR = QColor("#ffb020")
PLAYHEAD_COLOR = QColor("#ff4d5e")
MARKER_COLOR = QColor("#f5c542")
INVALID_COLOR = QColor("#ff4d5e")


def action_color(region: Region) -> QColor:
    color = QColor(region.color) if region.color else QColor()
    return color if color.isValid() else QColor(ACTION_COLORS.get(region.action, "#6f7a8c"))


def mix(a: QColor, b: QColor, f: float) -> QColor:
    """The opaque colour *f* of the way from *a* to *b* (a blended line without blending)."""
    return QColor(
        round(a.red() + (b.red() - a.red()) * f),
        round(a.green() + (b.green() - a.green()) * f),
        round(a.blue() + (b.blue() - a.blue()) * f),
    )


def waveform_image(
    pyramid: Any,
    t0: float,
    t1: float,
    width: int,
    height: int,
    axis: QColor,
    gains: Any = None,
    peaks: Any = None,
) -> QImage | None:
    """The waveform lane drawn once per view span (min/max and RMS per pixel column).

    *gains* (one amplitude factor per column, from the client-side mix) scale the peaks:
    the mixed waveform comes from the same pyramid, never from a new decode. *peaks*
    (a PeakSlice) replaces the query when the caller has combined them already.
    """
    if height < 4 or width < 1:
        return None
    import numpy as np  # here, not at start-up: a window with no render never needs it

    try:
        peaks = peaks if peaks is not None else pyramid.query(t0, t1, width)
    except (ValueError, AttributeError):
        return None
    scale = 1.0 if gains is None else gains
    mins = np.clip(peaks.mins * scale, -1, 1)
    maxs = np.clip(peaks.maxs * scale, -1, 1)
    rms = np.minimum(np.minimum(peaks.rms * scale, maxs), -mins)
    # Built as one pixel array with numpy (not 2 fillRects per column): a redraw while a
    # mix handle moves costs about a millisecond at 1920 px instead of tens.
    mid, half = height / 2.0, height / 2.0 - 2
    rows = np.arange(height, dtype=np.float32)[:, None] + 0.5
    top = mid - maxs * half
    bottom = top + np.maximum(1.0, (maxs - mins) * half)
    r = rms * half
    outer = (rows >= top) & (rows < bottom) & peaks.covered
    inner = (np.abs(rows - mid) < r) & (r > 0.5) & peaks.covered
    pixels = np.zeros((height, width), np.uint32)
    pixels[outer] = QColor(70, 140, 230).rgba()
    pixels[inner] = QColor(150, 205, 255).rgba()
    image = QImage(pixels.data, width, height, 4 * width, QImage.Format.Format_ARGB32_Premultiplied)
    image = image.copy()  # own the pixels: the numpy buffer goes away
    painter = QPainter(image)
    painter.fillRect(QRectF(0, mid, width, 1.0), axis)
    painter.end()
    return image


def region_tooltip(r: Region, tag_names: dict[int, str], project: Any = None) -> str:
    rows = [f"<b>{_esc(region_label(r, project, tag_names))}</b>",
            f"{r.action}{' · ' + r.method if r.method else ''} · "
            f"{geo.format_precise(r.time)} - {geo.format_precise(r.end)} ({r.duration:.2f} s)"]  # fmt: skip
    if r.action == "generate":
        tags = tag_label(r.tag_names, r.tags, tag_names) or "no tags"
        rows.append(f"Tags: {_esc(tags)}")
        parts = []
        for name in PARAM_NAMES:
            v = r.params.get(name, DEFAULT_PARAM)
            shown = (
                "/".join(f"{val:g}" for _, val in v) + " (keyframes)"
                if isinstance(v, list)
                else str(v)
            )
            parts.append(f"{name} {shown}")
        rows.append(" · ".join(parts))
        rows.append(f"{r.tokens} tokens")
    elif r.action == "copy":
        if r.source_region and not r.source_hash:
            rows.append(f"Copy of region '{r.source_region}' (its hash on the backend)")
        else:
            rows.append(f"Source hash: {r.source_hash or '<i>none chosen</i>'}")
    if r.changed_since_render:
        rows.append("<span style='color:#ffb020'>● changed since the last render</span>")
    elif r.last_hash:
        rows.append(f"Last render hash: {r.last_hash[:12]}")
    return "<br>".join(rows)


class RegionPainter:
    """Draws one region box; fonts, metrics and stripe textures are made once."""

    def __init__(self, widget: QWidget) -> None:
        self.widget = widget
        self._font = QFont(widget.font())
        self._small = QFont(widget.font())
        self._small.setPointSizeF(max(6.5, widget.font().pointSizeF() * 0.78))
        self._bold = QFont(widget.font())
        self._bold.setBold(True)
        self._fm = QFontMetrics(self._bold)
        self._fm_small = QFontMetrics(self._small)
        self._hatches: dict[int, QBrush] = {}

    @property
    def tag_names(self) -> dict[int, str]:
        return getattr(self.widget, "tag_names", {})

    @property
    def project(self) -> Any:
        """The widget's project, so a copy is labelled after its source region or entry."""
        return getattr(getattr(self.widget, "doc", None), "project", None)

    def palette(self) -> QPalette:
        return self.widget.palette()

    def paint(self, p: QPainter, r: Region, rect: QRectF, selected: bool,
              invalid: bool = False, ghost: bool = False) -> None:  # fmt: skip
        color = action_color(r)
        w = rect.width()
        lane_bg = self.palette().color(QPalette.ColorRole.Base)
        if ghost:
            body = QColor(color)
            body.setAlpha(120)
        else:  # opaque, pre-blended over the lane: no per-pixel blending
            body = mix(lane_bg, color, 0.8)
        if selected:
            body = body.lighter(125)
        box = rect.adjusted(0.5, 0.5, -0.5, -0.5)
        header_h = 18.0
        # Fills are plain rects (cheap); only the outline is antialiased, with small
        # corners, which is what keeps 1000 regions well inside the paint budget.
        if r.action == "silence" and w > 6:
            p.fillRect(box, self._hatch(body))
        else:
            p.fillRect(box, body)
        if w > 14:
            p.fillRect(QRectF(box.left(), box.top(), box.width(), header_h),
                       color.darker(135) if not selected else color)  # fmt: skip
        border = (
            INVALID_COLOR if invalid else (QColor("#ffffff") if selected else color.darker(150))
        )
        radius = 3.0 if w > 12 else 0.0
        p.setRenderHint(QPainter.RenderHint.Antialiasing, w > 12)
        p.setPen(QPen(border, 2.0 if (selected or invalid) else 1.0))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRoundedRect(box, radius, radius)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        changed = r.changed_since_render
        if w > 26:
            p.setFont(self._bold)
            p.setPen(QColor("#ffffff"))
            room = int(w - 10 - (12 if changed else 0))
            label = self._fm.elidedText(
                region_label(r, self.project, self.tag_names), Qt.TextElideMode.ElideRight, room
            )
            p.drawText(QRectF(box.left() + 5, box.top(), room, header_h),
                       Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft, label)  # fmt: skip
        if changed and w > 14:
            p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
            p.setPen(QPen(QColor("#402800"), 1))
            p.setBrush(CHANGED_COLOR)
            p.drawEllipse(QPointF(box.right() - 8, box.top() + header_h / 2), 3.6, 3.6)
            p.setRenderHint(QPainter.RenderHint.Antialiasing, False)
        if r.action == "generate" and w > 40 and rect.height() > 56:
            self._paint_params(p, r, QRectF(box.left() + 5, box.top() + header_h + 4,
                                            box.width() - 10, box.height() - header_h - 8))  # fmt: skip
        elif r.action == "copy" and w > 60:
            p.setFont(self._small)
            p.setPen(QColor(255, 255, 255, 200))
            src = r.source_hash[:12] if r.source_hash else "choose a source hash"
            if r.source_region and not r.source_hash:
                src = f"region {r.source_region}"
            p.drawText(QRectF(box.left() + 5, box.top() + header_h + 2, w - 10, 16),
                       Qt.AlignmentFlag.AlignLeft, self._fm_small.elidedText(
                           "⟲ " + src, Qt.TextElideMode.ElideRight, int(w - 10)))  # fmt: skip

    def _paint_params(self, p: QPainter, r: Region, area: QRectF) -> None:
        """Five small bars (I T O V R) and the curves of keyframed params across the body."""
        bar_w, gap = 6.0, 3.0
        letters_h = 11.0 if area.width() > 60 else 0.0
        top = area.top()
        height = min(64.0, max(24.0, area.height() * 0.45), area.height() - letters_h)
        if height < 8:
            return
        bottom = top + height
        keyed: list[tuple[str, list[list[float]]]] = []  # (name, its keyframes)
        track = QColor(0, 0, 0, 60)
        for k, name in enumerate(PARAM_NAMES):
            value = r.params.get(name, DEFAULT_PARAM)
            x = area.left() + k * (bar_w + gap)
            if x + bar_w > area.right():
                break
            level = param_at(value, 0.0)
            if isinstance(value, list):
                keyed.append((name, value))
                level = sum(param_at(value, f / 8) for f in range(9)) / 9
            p.fillRect(QRectF(x, top, bar_w, height), track)
            h = height * level / 10.0
            p.fillRect(QRectF(x, bottom - h, bar_w, h), QColor(PARAM_COLORS[name]))
            if letters_h:
                p.setFont(self._small)
                p.setPen(QColor(255, 255, 255, 190))
                p.drawText(QRectF(x - 2, bottom + 1, bar_w + 4, letters_h),
                           Qt.AlignmentFlag.AlignHCenter, PARAM_SHORT[name])  # fmt: skip
        curve_left = area.left() + 5 * (bar_w + gap) + 6
        if area.right() - curve_left > 70:
            self._paint_details(
                p, r, QRectF(curve_left + 2, top - 2, area.right() - curve_left - 2, 40)
            )
        if not keyed or area.right() - curve_left < 30:
            return
        span = QRectF(curve_left, area.top(), area.right() - curve_left, area.height())
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        for name, keys in keyed:
            points = sorted(keys)
            poly = QPolygonF()
            for pct, val in points:
                poly.append(QPointF(span.left() + span.width() * float(pct) / 100.0,
                                    span.bottom() - span.height() * (float(val) - 1) / 9.0))  # fmt: skip
            if points and points[0][0] > 0:
                poly.prepend(QPointF(span.left(), poly.first().y()))
            if points and points[-1][0] < 100:
                poly.append(QPointF(span.right(), poly.last().y()))
            p.setPen(QPen(QColor(PARAM_COLORS[name]), 1.6))
            p.drawPolyline(poly)
        p.setRenderHint(QPainter.RenderHint.Antialiasing, False)

    def _hatch(self, body: QColor) -> QBrush:
        """An opaque diagonal-stripe texture for silence (pattern brushes blend: slow)."""
        key = body.rgba()
        brush = self._hatches.get(key)
        if brush is None:
            tile = QImage(8, 8, QImage.Format.Format_RGB32)
            tile.fill(body)
            stripe = mix(body, QColor("#ffffff"), 0.16)
            for i in range(8):
                tile.setPixelColor(7 - i, i, stripe)
            brush = self._hatches[key] = QBrush(tile)
        return brush

    def _paint_details(self, p: QPainter, r: Region, area: QRectF) -> None:
        """Small text beside the param bars: tags (when a name is the label), method, tokens."""
        lines = []
        if r.name and r.tags:
            lines.append(" · ".join(self.tag_names.get(t, f"#{t}") for t in r.tags))
        lines.append(f"{r.method + ' · ' if r.method else ''}{r.tokens} tokens")
        p.setFont(self._small)
        p.setPen(QColor(255, 255, 255, 185))
        line_h = self._fm_small.height()
        for k, line in enumerate(lines):
            text = self._fm_small.elidedText(line, Qt.TextElideMode.ElideRight, int(area.width()))
            p.drawText(
                QPointF(area.left(), area.top() + self._fm_small.ascent() + k * line_h), text
            )


def _esc(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
