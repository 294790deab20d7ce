"""The mix on the timeline: gain line, fade corners and transition handles, and the
waveform drawn with the mix applied (painted by mix_paint.py).

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
from PySide6.QtGui import QMouseEvent

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
from muzaic_studio.ui.timeline.gestures import Gesture

if TYPE_CHECKING:  # numpy and the audio mix load on first use, not at start-up
    from muzaic_studio.audio.mix import MixPlan
    from muzaic_studio.ui.timeline.view import TimelineView

INSET = 3.0
HANDLE_PX = 5.0
HEADER_H = 18.0  # the region's name bar (paint.RegionPainter), kept clear of the gain label


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
