"""Mouse gestures on the timeline: seek, draw, move, resize, rubber-band select.

One gesture object lives from press to release. While it runs it only changes what is
*previewed* (ghost regions drawn by the view); on release it makes at most one
`ProjectDocument.edit`, so a whole drag is one undo step. A refused edit (an overlap)
leaves the document untouched and the view says why. `Interaction`
(interaction.py) decides which gesture a press starts.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPen

from muzaic_studio.model.region import Region
from muzaic_studio.ui.document import EditError
from muzaic_studio.ui.timeline import geometry as geo
from muzaic_studio.wording import plural

if TYPE_CHECKING:
    from muzaic_studio.ui.timeline.view import TimelineView

DRAG_START_PX = 3.0
SNAP_LINE = QColor("#39d5ff")


def new_region(action: str, start: float, end: float, source_hash: str | None) -> Region:
    region = Region(time=round(start, 3), duration=round(end - start, 3), action=action)
    if action == "copy":
        region.source_hash = source_hash
    return region


class Gesture:
    cursor = Qt.CursorShape.ArrowCursor

    def __init__(self, view: TimelineView, event: QMouseEvent) -> None:
        self.view = view
        self.doc = view.doc
        self.press = event.position()
        # In seconds, so the gesture stays right when the view scrolls under it.
        self.press_time = view.scale.time(self.press.x())
        self.moved = False
        self.snapped_to: float | None = None

    def should_snap(self, event: QMouseEvent) -> bool:
        shift = bool(event.modifiers() & Qt.KeyboardModifier.ShiftModifier)
        return self.view.snapping and not shift

    def targets(self, exclude: set[int]) -> list[float]:
        out = [0.0, self.doc.playhead, *self.doc.markers]
        for r in self.view.sorted_regions():
            if r.uid not in exclude:
                out += (r.time, r.end)
        return out

    def move(self, event: QMouseEvent) -> None:
        press_x = self.view.scale.x(self.press_time)
        if abs(event.position().x() - press_x) >= DRAG_START_PX:
            self.moved = True

    def release(self, event: QMouseEvent) -> None: ...

    def hidden(self) -> set[int]:
        return set()

    def paint(self, p: QPainter) -> None: ...

    def paint_snap(self, p: QPainter) -> None:
        if self.snapped_to is None:
            return
        x = round(self.view.scale.x(self.snapped_to)) + 0.5
        p.setPen(QPen(SNAP_LINE, 1, Qt.PenStyle.DashLine))
        p.drawLine(QPointF(x, 0), QPointF(x, self.view.viewport().height()))


class SeekGesture(Gesture):
    def __init__(self, view: TimelineView, event: QMouseEvent) -> None:
        super().__init__(view, event)
        self.seek(event)

    def seek(self, event: QMouseEvent) -> None:
        t = max(0.0, self.view.scale.time(event.position().x()))
        if self.should_snap(event):
            edges = [e for r in self.view.sorted_regions() for e in (r.time, r.end)]
            targets = [0.0, *self.doc.markers, *edges]
            t, self.snapped_to = geo.snap(t, targets, self.view.scale.seconds(geo.SNAP_PX))
        self.doc.set_playhead(t)

    def move(self, event: QMouseEvent) -> None:
        super().move(event)
        self.seek(event)

    def release(self, event: QMouseEvent) -> None:
        self.snapped_to = None


class DrawGesture(Gesture):
    cursor = Qt.CursorShape.CrossCursor

    def __init__(self, view: TimelineView, event: QMouseEvent, action: str) -> None:
        super().__init__(view, event)
        self.action = action
        raw = max(0.0, view.scale.time(event.position().x()))
        starts, ends = view.edges()
        self.lo, self.hi = geo.free_span(starts, ends, raw)
        self.raw_start = raw
        self.start = self.end = self._snap(raw, event)

    def _snap(self, t: float, event: QMouseEvent) -> float:
        if self.should_snap(event):
            t, self.snapped_to = geo.snap(t, self.targets(set()),
                                          self.view.scale.seconds(geo.SNAP_PX), self.view.grid())  # fmt: skip
        else:
            self.snapped_to = None
        return min(max(t, self.lo), self.hi)

    def move(self, event: QMouseEvent) -> None:
        super().move(event)
        if self.moved:
            self.end = self._snap(max(0.0, self.view.scale.time(event.position().x())), event)

    def span(self) -> tuple[float, float]:
        return min(self.start, self.end), max(self.start, self.end)

    def release(self, event: QMouseEvent) -> None:
        t0, t1 = self.span()
        if not self.moved or t1 - t0 < geo.MIN_DURATION:
            if not event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                self.doc.select(())
            self.doc.set_playhead(self.raw_start)
            return
        entries = self.doc.project.library.entries()
        region = new_region(self.action, t0, t1, entries[0].hash if entries else None)
        try:
            self.doc.edit(f"Draw {self.action} region", lambda rs: rs.append(region))
        except EditError as exc:
            self.view.refuse(str(exc))
            return
        self.doc.select([region.uid])

    def paint(self, p: QPainter) -> None:
        if not self.moved:
            return
        t0, t1 = self.span()
        ghost = new_region(self.action, t0, max(t1, t0 + 1e-3), None)
        rect = self.view.region_rect(ghost)
        self.view.paint_region(p, ghost, rect, True, invalid=t1 - t0 < geo.MIN_DURATION, ghost=True)
        self.paint_snap(p)


class MoveGesture(Gesture):
    cursor = Qt.CursorShape.ClosedHandCursor

    def __init__(self, view: TimelineView, event: QMouseEvent, clicked: Region) -> None:
        super().__init__(view, event)
        self.clicked = clicked
        self.regions = self.doc.selected_regions()
        self.uids = {r.uid for r in self.regions}
        self.static = self.targets(self.uids)
        self.delta = 0.0
        self.problem: str | None = None

    def move(self, event: QMouseEvent) -> None:
        super().move(event)
        if not self.moved:
            return
        delta = self.view.scale.time(event.position().x()) - self.press_time
        first = min(r.time for r in self.regions)
        delta = max(delta, -first)
        self.snapped_to = None
        if self.should_snap(event):
            edges = [r.time + delta for r in self.regions] + [r.end + delta for r in self.regions]
            shift, hit = geo.snap_delta(edges, self.static,
                                        self.view.scale.seconds(geo.SNAP_PX), self.view.grid())  # fmt: skip
            if hit is not None and first + delta + shift >= -1e-9:
                delta += shift
                self.snapped_to = hit
        self.delta = delta
        self.problem = self._overlap()

    def _overlap(self) -> str | None:
        for r in self.regions:
            t0, t1 = r.time + self.delta, r.end + self.delta
            for other in self.view.regions_between(t0 + 1e-6, t1 - 1e-6):
                if other.uid not in self.uids:
                    return (
                        f"Cannot move here: it would overlap '{other.label(self.view.tag_names)}'"
                    )
        return None

    def release(self, event: QMouseEvent) -> None:
        if not self.moved:
            if not event.modifiers():
                self.doc.select([self.clicked.uid])
            return
        if abs(self.delta) < 1e-9:
            return
        if self.problem:
            self.view.refuse(self.problem + " (move refused)")
            return
        delta, uids = self.delta, self.uids

        def change(regions: list[Region]) -> None:
            for r in regions:
                if r.uid in uids:
                    r.time = round(max(0.0, r.time + delta), 6)

        try:
            self.doc.edit(f"Move {plural(len(uids), 'region', bare_one=True)}", change)
        except EditError as exc:
            self.view.refuse(str(exc))

    def hidden(self) -> set[int]:
        return self.uids if self.moved else set()

    def paint(self, p: QPainter) -> None:
        if not self.moved:
            return
        for r in self.regions:
            rect = self.view.region_rect(r, self.delta)
            self.view.paint_region(p, r, rect, True, invalid=bool(self.problem), ghost=True)
        self.paint_snap(p)


class ResizeGesture(Gesture):
    cursor = Qt.CursorShape.SizeHorCursor

    def __init__(self, view: TimelineView, event: QMouseEvent, region: Region, side: str) -> None:
        super().__init__(view, event)
        self.region = region
        self.side = side
        self.start, self.end = region.time, region.end
        edge = region.time if side == "left" else region.end
        self.grab = edge - view.scale.time(event.position().x())
        self.static = self.targets({region.uid})
        self.problem: str | None = None

    def move(self, event: QMouseEvent) -> None:
        super().move(event)
        if not self.moved:
            return
        t = self.view.scale.time(event.position().x()) + self.grab
        self.snapped_to = None
        if self.should_snap(event):
            t, self.snapped_to = geo.snap(t, self.static,
                                          self.view.scale.seconds(geo.SNAP_PX), self.view.grid())  # fmt: skip
        r = self.region
        if self.side == "left":
            self.start = min(max(0.0, t), r.end - geo.MIN_DURATION)
        else:
            self.end = max(t, r.time + geo.MIN_DURATION)
        self.problem = None
        for other in self.view.regions_between(self.start + 1e-6, self.end - 1e-6):
            if other.uid != r.uid:
                self.problem = (
                    f"Cannot resize: it would overlap '{other.label(self.view.tag_names)}'"
                )
                break

    def release(self, event: QMouseEvent) -> None:
        r = self.region
        if not self.moved or (self.start == r.time and self.end == r.end):
            return
        if self.problem:
            self.view.refuse(self.problem + " (resize refused)")
            return
        uid, start, end = r.uid, round(self.start, 6), round(self.end, 6)

        def change(regions: list[Region]) -> None:
            for x in regions:
                if x.uid == uid:
                    x.time, x.duration = start, round(end - start, 6)

        try:
            self.doc.edit("Resize region", change)
        except EditError as exc:
            self.view.refuse(str(exc))

    def hidden(self) -> set[int]:
        return {self.region.uid} if self.moved else set()

    def paint(self, p: QPainter) -> None:
        if not self.moved:
            return
        rect = self.view.region_rect(self.region, start=self.start, end=self.end)
        self.view.paint_region(p, self.region, rect, True, invalid=bool(self.problem), ghost=True)
        self.paint_snap(p)


class RubberBandGesture(Gesture):
    def __init__(self, view: TimelineView, event: QMouseEvent, additive: bool) -> None:
        super().__init__(view, event)
        self.initial = self.doc.selection if additive else set()
        self.current = event.position()

    def rect(self) -> QRectF:
        start = QPointF(self.view.scale.x(self.press_time), self.press.y())
        return QRectF(start, self.current).normalized()

    def move(self, event: QMouseEvent) -> None:
        super().move(event)
        self.current = event.position()
        rect = self.rect()
        lane = self.view.lane_rect
        if rect.top() > lane.bottom() or rect.bottom() < lane.top():
            self.doc.select(self.initial)
            return
        t0, t1 = self.view.scale.time(rect.left()), self.view.scale.time(rect.right())
        hit = {r.uid for r in self.view.regions_between(t0, t1)}
        self.doc.select(self.initial | hit)

    def release(self, event: QMouseEvent) -> None:
        if not self.moved:
            self.doc.select(self.initial)
            self.doc.set_playhead(max(0.0, self.press_time))

    def paint(self, p: QPainter) -> None:
        if not self.moved:
            return
        fill = QColor(SNAP_LINE)
        fill.setAlpha(40)
        p.setPen(QPen(SNAP_LINE, 1))
        p.setBrush(fill)
        p.drawRect(self.rect())
