"""The mix on the timeline: gain line, fade corners and transition handles, and the
waveform drawn with the mix applied.

Handles (only on selected regions, so a plain drag still moves a region):
* the gain line across the region (+12 dB at the top edge, -30 dB at the bottom): drag
  it up or down;
* a square at each end of the gain line (the top corners when there is no fade): drag it
  inwards to lengthen the fade-in / fade-out;
* a diamond at the bottom of the boundary of two touching regions (always active): drag
  it sideways to set one transition, the first region's fade-out and the second's
  fade-in together.

A drag edits the document live (merged into one undo step, closed on release), so the
Inspector, the waveform and playback follow the handle while it moves.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPainterPath, QPen, QPolygonF

from muzaic_studio.audio.mix import MixPlan, fade_curve
from muzaic_studio.model.mix import (
    FADE_MAX,
    GAIN_MAX_DB,
    GAIN_MIN_DB,
    region_mix,
    touching_pairs,
)
from muzaic_studio.model.region import Region
from muzaic_studio.ui.document import EditError, ProjectDocument
from muzaic_studio.ui.mix_edits import edit_transition, set_fade, set_gain
from muzaic_studio.ui.timeline_interaction import Gesture

if TYPE_CHECKING:
    from muzaic_studio.ui.timeline_view import TimelineView

INSET = 3.0
HANDLE_PX = 5.0
LINE_COLOR = QColor(255, 255, 255, 210)
HANDLE_COLOR = QColor("#ffd54a")
XFADE_COLOR = QColor("#7cf2a0")


@dataclass(frozen=True)
class Handle:
    kind: str  # "gain", "fade_in", "fade_out" or "xfade"
    uid: int
    partner: int | None = None  # the second region of a transition
    boundary: float = 0.0


# -- geometry ----------------------------------------------------------------------------
def gain_y(rect: QRectF, db: float) -> float:
    span = max(1.0, rect.height() - 2 * INSET)
    return rect.top() + INSET + (GAIN_MAX_DB - db) / (GAIN_MAX_DB - GAIN_MIN_DB) * span


def db_at(rect: QRectF, y: float) -> float:
    span = max(1.0, rect.height() - 2 * INSET)
    db = GAIN_MAX_DB - (y - rect.top() - INSET) / span * (GAIN_MAX_DB - GAIN_MIN_DB)
    return round(min(GAIN_MAX_DB, max(GAIN_MIN_DB, db)), 1)


def handle_points(view: TimelineView, r: Region) -> dict[str, QPointF]:
    """Where the gain-line ends (fade handles) sit for region *r*."""
    rect, mix = view.region_rect(r), region_mix(r)
    y = gain_y(rect, mix.gain_db)
    return {
        "fade_in": QPointF(view.scale.x(r.time + mix.fade_in), y),
        "fade_out": QPointF(view.scale.x(r.end - mix.fade_out), y),
    }


def transition_point(view: TimelineView, boundary: float) -> QPointF:
    return QPointF(view.scale.x(boundary), view.lane_rect.bottom() - 8.0)


def hit(view: TimelineView, pos: QPointF) -> Handle | None:
    """The mix handle under *pos*, or None (then the timeline's own gestures apply)."""
    lane = view.lane_rect
    if not lane.adjusted(0, -2, 0, 2).contains(pos):
        return None
    t0, t1 = view.scale.time(pos.x() - 12), view.scale.time(pos.x() + 12)
    near = view.regions_between(t0, t1)
    for a, b in touching_pairs(near):
        pt = transition_point(view, b.time)
        if abs(pos.x() - pt.x()) <= HANDLE_PX + 1 and abs(pos.y() - pt.y()) <= HANDLE_PX + 1:
            return Handle("xfade", a.uid, b.uid, b.time)
    selection = view.doc.selection
    for r in near:
        rect = view.region_rect(r)
        if r.uid not in selection or rect.width() < 24:
            continue
        for kind, pt in handle_points(view, r).items():
            if abs(pos.x() - pt.x()) <= HANDLE_PX + 1 and abs(pos.y() - pt.y()) <= HANDLE_PX + 1:
                return Handle(kind, r.uid)
        y = gain_y(rect, region_mix(r).gain_db)
        if rect.left() < pos.x() < rect.right() and abs(pos.y() - y) <= 3.5:
            return Handle("gain", r.uid)
    return None


# -- the drag ----------------------------------------------------------------------------
class MixGesture(Gesture):
    """Drag one mix handle; each move is a merged live edit, release closes the step."""

    def __init__(self, view: TimelineView, event: QMouseEvent, handle: Handle) -> None:
        super().__init__(view, event)
        self.handle = handle
        horizontal = handle.kind != "gain"
        self.cursor = Qt.CursorShape.SizeHorCursor if horizontal else Qt.CursorShape.SizeVerCursor
        view.doc.end_merge()

    def move(self, event: QMouseEvent) -> None:
        pos = event.position()
        self.moved = True
        h, doc = self.handle, self.doc
        region = doc.region(h.uid)
        if region is None:
            return
        t = self.view.scale.time(pos.x())
        try:
            if h.kind == "gain":
                set_gain(doc, [h.uid], db_at(self.view.region_rect(region), pos.y()), merge=True)
            elif h.kind == "fade_in":
                room = region.duration - region_mix(region).fade_out
                seconds = min(max(0.0, t - region.time), FADE_MAX, room)
                set_fade(doc, [h.uid], "in", round(seconds, 3), merge=True)
            elif h.kind == "fade_out":
                room = region.duration - region_mix(region).fade_in
                seconds = min(max(0.0, region.end - t), FADE_MAX, room)
                set_fade(doc, [h.uid], "out", round(seconds, 3), merge=True)
            elif h.partner is not None:
                seconds = round(abs(t - h.boundary), 3)
                edit_transition(doc, h.uid, h.partner, seconds, merge=True)
        except EditError as exc:
            self.view.refuse(str(exc))

    def release(self, event: QMouseEvent) -> None:
        self.doc.end_merge()


def press(view: TimelineView, event: QMouseEvent) -> Gesture | None:
    """A MixGesture when the press is on a mix handle (called before the other gestures)."""
    if event.button() != Qt.MouseButton.LeftButton:
        return None
    handle = hit(view, event.position())
    return MixGesture(view, event, handle) if handle else None


# -- painting ----------------------------------------------------------------------------
def _curve(rect: QRectF, x0: float, x1: float, y_top: float, shape: str, rising: bool) -> list:
    n = max(2, min(24, int(abs(x1 - x0) / 3)))
    u = np.linspace(0.0, 1.0, n)
    g = fade_curve(shape, u if rising else 1.0 - u)
    base = rect.bottom() - INSET
    return [
        QPointF(x0 + (x1 - x0) * ui, base - (base - y_top) * gi)
        for ui, gi in zip(u, g, strict=True)
    ]


def paint_region_mix(
    view: TimelineView, p: QPainter, r: Region, rect: QRectF, selected: bool
) -> None:
    """The gain line and fade curves over a region; handles when it is selected."""
    mix = region_mix(r)
    if mix.is_flat and not selected:
        return
    y = gain_y(rect, mix.gain_db)
    x_in, x_out = view.scale.x(r.time + mix.fade_in), view.scale.x(r.end - mix.fade_out)
    points = (
        _curve(rect, rect.left(), x_in, y, mix.fade_in_shape, True)
        if mix.fade_in
        else [QPointF(rect.left(), y)]
    )
    points += (
        _curve(rect, x_out, rect.right(), y, mix.fade_out_shape, False)
        if mix.fade_out
        else [QPointF(rect.right(), y)]
    )
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    shade = QPainterPath()
    shade.addRect(rect)
    under = QPainterPath()
    under.addPolygon(QPolygonF([QPointF(rect.left(), rect.bottom()), *points,
                                QPointF(rect.right(), rect.bottom())]))  # fmt: skip
    p.fillPath(shade.subtracted(under), QColor(0, 0, 0, 60))
    p.setPen(QPen(LINE_COLOR, 1.3))
    p.drawPolyline(QPolygonF(points))
    if selected and rect.width() >= 24:
        p.setPen(QPen(QColor(0, 0, 0, 160), 1))
        p.setBrush(HANDLE_COLOR)
        for pt in (QPointF(x_in, y), QPointF(x_out, y)):
            p.drawRect(QRectF(pt.x() - 3.5, pt.y() - 3.5, 7, 7))
    if mix.gain_db:
        p.setPen(LINE_COLOR)
        p.drawText(
            QPointF(rect.left() + 4, min(rect.bottom() - 4, y + 13)), f"{mix.gain_db:+.1f} dB"
        )
    p.restore()


def paint_transitions(view: TimelineView, p: QPainter, visible: list[Region]) -> None:
    """A diamond at every touching boundary; an X over the window of a set transition."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    lane = view.lane_rect
    for a, b in touching_pairs(visible):
        pt = transition_point(view, b.time)
        ma, mb = region_mix(a), region_mix(b)
        half = min(ma.fade_out, mb.fade_in) if ma.xfade else 0.0
        if half > 0:
            x0, x1 = view.scale.x(b.time - half), view.scale.x(b.time + half)
            p.setPen(QPen(XFADE_COLOR, 1.5))
            p.drawLine(QPointF(x0, lane.top() + INSET), QPointF(x1, lane.bottom() - INSET))
            p.drawLine(QPointF(x0, lane.bottom() - INSET), QPointF(x1, lane.top() + INSET))
        p.setPen(QPen(QColor(0, 0, 0, 170), 1))
        p.setBrush(XFADE_COLOR if half > 0 else QColor(220, 220, 220))
        r = HANDLE_PX
        p.drawPolygon(QPolygonF([QPointF(pt.x(), pt.y() - r), QPointF(pt.x() + r, pt.y()),
                                 QPointF(pt.x(), pt.y() + r), QPointF(pt.x() - r, pt.y())]))  # fmt: skip
    p.restore()


# -- the waveform ------------------------------------------------------------------------
def plan_for(doc: ProjectDocument, rate: int) -> MixPlan:
    """The document's MixPlan at *rate*, rebuilt only when a region's time or mix changed."""
    key = (rate, tuple((r.uid, r.time, r.duration, repr(r.extra.get("mix"))) for r in doc.regions))
    cached: Any = getattr(doc, "_mix_plan_cache", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    plan = MixPlan.from_regions(doc.regions, rate)
    doc._mix_plan_cache = (key, plan)  # type: ignore[attr-defined]
    return plan


def waveform_gain(doc: ProjectDocument, pyramid: Any, t0: float, t1: float, width: int):
    """(per-pixel amplitude factors, a cache key) for the waveform lane, or (None, None)."""
    rate = getattr(pyramid, "rate", 0)
    if not rate or width < 1:
        return None, None
    plan = plan_for(doc, int(rate))
    if plan.is_flat:
        return None, None
    centres = t0 + (np.arange(width) + 0.5) * ((t1 - t0) / width)
    gains = plan.display_gain(centres)
    return gains, hash(gains.tobytes())
