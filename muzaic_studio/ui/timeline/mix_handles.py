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

While a handle moves its mix is a preview (drawn, and heard through the player's feed),
repainting only the region(s) it touches; the release is one undo step.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QMouseEvent, QPainter, QPen, QPolygonF

from muzaic_studio.model.mix import (
    FADE_MAX,
    GAIN_MAX_DB,
    GAIN_MIN_DB,
    RegionMix,
    region_mix,
    set_region_mix,
    set_transition,
    touching_pairs,
)
from muzaic_studio.model.region import Region
from muzaic_studio.ui.document import EditError, ProjectDocument
from muzaic_studio.ui.mix_edits import edit_transition, set_fade, set_gain
from muzaic_studio.ui.timeline import gain_label
from muzaic_studio.ui.timeline.gestures import Gesture

if TYPE_CHECKING:  # numpy and the audio mix load on first use, not at start-up
    from muzaic_studio.audio.mix import MixPlan
    from muzaic_studio.audio.peaks import PeakSlice
    from muzaic_studio.ui.timeline.view import TimelineView

INSET = 3.0
HANDLE_PX = 5.0
HEADER_H = 18.0  # the region's name bar (paint.RegionPainter), kept clear of the gain label
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
    rect, mix = view.region_rect(r), shown_mix(view.doc, r)
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
        y = gain_y(rect, shown_mix(view.doc, r).gain_db)
        if rect.left() < pos.x() < rect.right() and abs(pos.y() - y) <= 3.5:
            return Handle("gain", r.uid)
    return None


# -- the drag ----------------------------------------------------------------------------
def previews(doc: ProjectDocument) -> dict[int, RegionMix]:
    """uid -> the mix a running drag shows (not yet an edit); empty when no drag runs."""
    found = getattr(doc, "_mix_preview", None)
    if found is None:
        found = doc._mix_preview = {}  # type: ignore[attr-defined]
    return found


def shown_mix(doc: ProjectDocument, r: Region) -> RegionMix:
    return previews(doc).get(r.uid) or region_mix(r)


def add_preview_listener(doc: ProjectDocument, callback: Callable[[], None]) -> None:
    """*callback* runs whenever a drag changes its preview (e.g. the player's mix feed)."""
    listeners = getattr(doc, "_mix_listeners", None)
    if listeners is None:
        listeners = doc._mix_listeners = []  # type: ignore[attr-defined]
    listeners.append(callback)


def remove_preview_listener(doc: ProjectDocument, callback: Callable[[], None]) -> None:
    with contextlib.suppress(AttributeError, ValueError):
        doc._mix_listeners.remove(callback)  # type: ignore[attr-defined]


def _set_previews(doc: ProjectDocument, mixes: dict[int, RegionMix]) -> None:
    shown = previews(doc)
    shown.clear()
    shown.update(mixes)
    for callback in list(getattr(doc, "_mix_listeners", [])):
        callback()


def _with_mix(region: Region, mix: RegionMix) -> Region:
    copy = Region.from_dict(region.to_dict())
    copy.uid = region.uid
    set_region_mix(copy, mix)
    return copy


class MixGesture(Gesture):
    """Drag one mix handle. While it moves, the new mix is a *preview* (drawn, heard by
    the player's feed, no document edit: a snapshot edit of every region per mouse move
    would cost more than the whole repaint budget); release makes it one undo step."""

    def __init__(self, view: TimelineView, event: QMouseEvent, handle: Handle) -> None:
        super().__init__(view, event)
        self.handle = handle
        horizontal = handle.kind != "gain"
        self.cursor = Qt.CursorShape.SizeHorCursor if horizontal else Qt.CursorShape.SizeVerCursor
        self.value: float | None = None
        uids = [u for u in (handle.uid, handle.partner) if u is not None]
        self.regions = [r for r in (view.doc.region(u) for u in uids) if r is not None]
        #: What a move invalidates: the handle's region(s) across the lane and the wave.
        self.dirty = self._dirty_rect()

    def _dirty_rect(self) -> QRectF:
        view = self.view
        if not self.regions:
            return QRectF(0, 0, view.viewport().width(), view.viewport().height())
        x0 = view.scale.x(min(r.time for r in self.regions)) - 40
        x1 = view.scale.x(max(r.end for r in self.regions)) + 40
        return QRectF(x0, 0, x1 - x0, view.viewport().height())

    def _mixes(self, value: float) -> dict[int, RegionMix]:
        h, regions = self.handle, self.regions
        r = regions[0]
        mix = region_mix(r)
        if h.kind == "gain":
            return {r.uid: replace(mix, gain_db=value)}
        if h.kind == "fade_in":
            return {r.uid: replace(mix, fade_in=value).fitted(r.duration)}
        if h.kind == "fade_out":
            return {r.uid: replace(mix, fade_out=value, xfade=False).fitted(r.duration)}
        a, b = (_with_mix(x, region_mix(x)) for x in regions)
        set_transition(a, b, value)
        return {a.uid: region_mix(a), b.uid: region_mix(b)}

    def move(self, event: QMouseEvent) -> None:
        self.moved = True
        if len(self.regions) != (2 if self.handle.kind == "xfade" else 1):
            return
        r, pos = self.regions[0], event.position()
        t = self.view.scale.time(pos.x())
        mix = region_mix(r)
        if self.handle.kind == "gain":
            value = db_at(self.view.region_rect(r), pos.y())
        elif self.handle.kind == "fade_in":
            value = min(max(0.0, t - r.time), FADE_MAX, r.duration - mix.fade_out)
        elif self.handle.kind == "fade_out":
            value = min(max(0.0, r.end - t), FADE_MAX, r.duration - mix.fade_in)
        else:
            value = abs(t - self.handle.boundary)
        self.value = round(value, 3)
        _set_previews(self.doc, self._mixes(self.value))

    def release(self, event: QMouseEvent) -> None:
        value, uid, doc = self.value, self.handle.uid, self.doc
        self.cancel()
        if value is None:
            return
        try:
            if self.handle.kind == "gain":
                set_gain(doc, [uid], value)
            elif self.handle.kind == "fade_in":
                set_fade(doc, [uid], "in", value)
            elif self.handle.kind == "fade_out":
                set_fade(doc, [uid], "out", value)
            elif self.handle.partner is not None:
                edit_transition(doc, uid, self.handle.partner, value)
        except EditError as exc:
            self.view.refuse(str(exc))

    def cancel(self) -> None:
        """Drop the preview (Escape, or before the release's real edit)."""
        _set_previews(self.doc, {})


def press(view: TimelineView, event: QMouseEvent) -> Gesture | None:
    """A MixGesture when the press is on a mix handle (called before the other gestures)."""
    if event.button() != Qt.MouseButton.LeftButton:
        return None
    handle = hit(view, event.position())
    return MixGesture(view, event, handle) if handle else None


# -- painting ----------------------------------------------------------------------------
def _curve(rect: QRectF, x0: float, x1: float, y_top: float, shape: str, rising: bool) -> list:
    import numpy as np

    from muzaic_studio.audio.mix import fade_curve

    n = max(2, min(24, int(abs(x1 - x0) / 3)))
    u = np.linspace(0.0, 1.0, n)
    g = fade_curve(shape, u if rising else 1.0 - u)
    base = rect.bottom() - INSET
    return [
        QPointF(x0 + (x1 - x0) * ui, base - (base - y_top) * gi)
        for ui, gi in zip(u, g, strict=True)
    ]


def mix_line(view: TimelineView, r: Region, rect: QRectF, mix: RegionMix):
    """The gain line with its fade curves (x-ascending points), the fades' own points,
    the line's y and where the fades meet it."""
    y = gain_y(rect, mix.gain_db)
    x_in, x_out = view.scale.x(r.time + mix.fade_in), view.scale.x(r.end - mix.fade_out)
    rising = _curve(rect, rect.left(), x_in, y, mix.fade_in_shape, True) if mix.fade_in else []
    falling = (
        _curve(rect, x_out, rect.right(), y, mix.fade_out_shape, False) if mix.fade_out else []
    )
    points = (rising or [QPointF(rect.left(), y)]) + (falling or [QPointF(rect.right(), y)])
    return points, rising, falling, y, x_in, x_out


def gain_label_box(points: list[QPointF], rect: QRectF, y: float, x_in: float, x_out: float,
                   width: float, height: float) -> QRectF | None:  # fmt: skip
    """The gain label's box in *rect* (see gain_label.place): clear of the region's name
    bar and of the transition diamonds at its bottom corners."""
    inner = rect.adjusted(INSET, HEADER_H, -INSET, -(8.0 + HANDLE_PX + 1))
    flat = (max(x_in, rect.left()) + min(x_out, rect.right())) / 2
    return gain_label.place(points, inner, y, flat, width, height)


def gain_label_rect(view: TimelineView, r: Region, rect: QRectF) -> QRectF | None:
    """The box the gain label of *r* is drawn in (None: no label, or no room for it)."""
    mix = shown_mix(view.doc, r)
    if not mix.gain_db:
        return None
    points, _rising, _falling, y, x_in, x_out = mix_line(view, r, rect, mix)
    text = gain_text(mix.gain_db)
    return gain_label_box(points, rect, y, x_in, x_out, *_label_size(view, text))


def _label_size(view: TimelineView, text: str) -> tuple[float, float]:
    """The label's box: the text in the timeline's small font with 2 px all round, which
    the glyphs' antialiased edges stay inside."""
    metrics = QFontMetricsF(view._small)
    return metrics.horizontalAdvance(text) + 4, metrics.height() + 4


def gain_text(db: float) -> str:
    return f"{db:+.1f} dB"


def paint_region_mix(
    view: TimelineView, p: QPainter, r: Region, rect: QRectF, selected: bool
) -> None:
    """The gain line and fade curves over a region; handles when it is selected."""
    mix = shown_mix(view.doc, r)
    if mix.is_flat and not selected:
        return
    points, rising, falling, y, x_in, x_out = mix_line(view, r, rect, mix)
    p.save()
    # Only the fades' area above the curve is shaded: polygon fills are the costliest
    # thing a handle drag repaints, so no blend over the whole region.
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(0, 0, 0, 70))
    if rising:
        p.drawPolygon(
            QPolygonF([QPointF(rect.left(), rect.top()), *rising, QPointF(x_in, rect.top())])
        )
    if falling:
        p.drawPolygon(
            QPolygonF([QPointF(x_out, rect.top()), *falling, QPointF(rect.right(), rect.top())])
        )
    p.setPen(QPen(LINE_COLOR, 0))  # cosmetic, not antialiased: the raster fast path
    p.drawPolyline(QPolygonF(points))
    if selected and rect.width() >= 24:
        p.setPen(QPen(QColor(0, 0, 0, 160), 1))
        p.setBrush(HANDLE_COLOR)
        for pt in (QPointF(x_in, y), QPointF(x_out, y)):
            p.drawRect(QRectF(pt.x() - 3.5, pt.y() - 3.5, 7, 7))
    if mix.gain_db:
        text = gain_text(mix.gain_db)
        box = gain_label_box(points, rect, y, x_in, x_out, *_label_size(view, text))
        if box is not None:
            p.setFont(view._small)
            p.setPen(LINE_COLOR)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
    p.restore()


def paint_transitions(view: TimelineView, p: QPainter, visible: list[Region]) -> None:
    """A diamond at every touching boundary; an X over the window of a set transition."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    lane = view.lane_rect
    for a, b in touching_pairs(visible):
        pt = transition_point(view, b.time)
        ma, mb = shown_mix(view.doc, a), shown_mix(view.doc, b)
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
    """The document's MixPlan at *rate* (a running drag's preview included), rebuilt only
    when a region's time or mix changed."""
    from muzaic_studio.audio.mix import MixPlan

    shown = previews(doc)
    key = (
        rate,
        tuple((r.uid, r.time, r.duration, repr(r.extra.get("mix"))) for r in doc.regions),
        tuple(sorted(shown.items())),
    )
    cached: Any = getattr(doc, "_mix_plan_cache", None)
    if cached is not None and cached[0] == key:
        return cached[1]
    regions = [_with_mix(r, shown[r.uid]) if r.uid in shown else r for r in doc.regions]
    plan = MixPlan.from_regions(regions, rate)
    doc._mix_plan_cache = (key, plan)  # type: ignore[attr-defined]
    return plan


def waveform_gain(doc: ProjectDocument, pyramid: Any, t0: float, t1: float, width: int):
    """(per-pixel amplitude factors, a cache key) for the waveform lane, or (None, None)."""
    import numpy as np

    rate = getattr(pyramid, "rate", 0)
    if not rate or width < 1:
        return None, None
    plan = plan_for(doc, int(rate))
    if plan.is_flat:
        return None, None
    centres = t0 + (np.arange(width) + 0.5) * ((t1 - t0) / width)
    gains = plan.display_gain(centres)
    return gains, hash(gains.tobytes())


def paint_mixed_waveform(
    view: TimelineView, p: QPainter, pyramid: Any, wave: QRectF, exposed: QRectF
) -> bool:
    """Draw the exposed columns of the waveform with the mix applied; False when the mix
    is flat (then the timeline's cached plain image is right).

    A partial repaint (a handle drag) queries and builds only the exposed columns, so it
    costs O(the region's width); a full repaint (playhead ticks while playing) reuses the
    whole lane's image while the plan, span and size stay the same."""

    rate = getattr(pyramid, "rate", 0)
    plan = plan_for(view.doc, int(rate)) if rate else None
    if plan is None or plan.is_flat:
        return False
    width = view.viewport().width()
    area = exposed.intersected(wave)
    x0, x1 = int(max(0.0, area.left())), int(min(width, area.right() + 1))
    if x1 <= x0:
        return True
    whole = x0 == 0 and x1 >= width
    # The plan's own cache key (regions, mixes, preview), not id(plan): ids are reused.
    plan_key = view.doc._mix_plan_cache[0]  # type: ignore[attr-defined]
    key = (plan_key, id(pyramid), view.scale.time(0), view.scale.time(width), width, wave.height())
    cached = getattr(view, "_mix_wave", None)
    if whole or (cached is not None and cached[0] == key):
        if cached is None or cached[0] != key:
            cached = (key, _mixed_image(view, plan, pyramid, 0, width, wave))
            view._mix_wave = cached
        if cached[1] is not None:
            src = QRectF(x0, 0, x1 - x0, wave.height())
            p.drawImage(QRectF(x0, wave.top(), x1 - x0, wave.height()), cached[1], src)
        return True
    image = _mixed_image(view, plan, pyramid, x0, x1, wave)
    if image is not None:
        p.drawImage(QPointF(x0, wave.top()), image)
    return True


def _mixed_image(view: TimelineView, plan: MixPlan, pyramid: Any, x0: int, x1: int, wave: QRectF):
    from muzaic_studio.ui.timeline.paint import waveform_image

    t0, t1 = view.scale.time(x0), view.scale.time(x1)
    peaks = mixed_peaks(plan, pyramid, t0, t1, x1 - x0)
    axis = QColor(view.palette().color(view.palette().ColorRole.Text))
    axis.setAlpha(40)
    return waveform_image(pyramid, t0, t1, x1 - x0, int(wave.height()), axis, peaks=peaks)


def mixed_peaks(plan: MixPlan, pyramid: Any, t0: float, t1: float, width: int) -> PeakSlice:
    """The pyramid's peaks of [t0, t1) as the mix plays them: scaled by each column's
    gain, and inside a transition combined (power sum) with the mirrored side's peaks,
    queried from the same pyramid at the mirrored time - what the crossfade sounds like."""
    import numpy as np

    from muzaic_studio.audio.peaks import PeakSlice

    base = pyramid.query(t0, t1, width)
    step = (t1 - t0) / width
    centres = t0 + (np.arange(width) + 0.5) * step
    own = plan.display_gain(centres, power_sum=False)
    mins, maxs, rms = base.mins * own, base.maxs * own, base.rms * own
    for t in plan.transitions:
        b, h = t.boundary / plan.rate, t.half / plan.rate
        lo, hi = np.searchsorted(centres, [b - h, b + h])
        if hi <= lo:
            continue
        # Columns [lo, hi) mirrored around b: the same column width, in reverse order.
        m0, m1 = 2 * b - (t0 + hi * step), 2 * b - (t0 + lo * step)
        mirror = pyramid.query(m0, m1, int(hi - lo))
        other = plan.mirror_gain(t, centres[lo:hi])
        mm, mx, mr = (a[::-1] * other for a in (mirror.mins, mirror.maxs, mirror.rms))
        maxs[lo:hi] = np.sqrt(maxs[lo:hi] ** 2 + mx**2)
        mins[lo:hi] = -np.sqrt(mins[lo:hi] ** 2 + mm**2)
        rms[lo:hi] = np.sqrt(rms[lo:hi] ** 2 + mr**2)
    return PeakSlice(mins, maxs, rms, base.covered, base.block_frames)
