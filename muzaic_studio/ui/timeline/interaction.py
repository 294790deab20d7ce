"""Mouse input on the timeline: which gesture a press starts, hover cursors, autoscroll.

`Interaction` hit-tests a press (ruler, wave, region edge, body, empty lane) and starts
the matching gesture from gestures.py (seek, draw, move, resize, rubber band);
it routes moves and the release to it, scrolls the view while a drag is past its edge,
and handles clicks that only select.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QEvent, QPointF, Qt, QTimer
from PySide6.QtGui import QMouseEvent, QPainter

from muzaic_studio.model.region import Region
from muzaic_studio.ui.timeline.gestures import (
    DrawGesture,
    Gesture,
    MoveGesture,
    ResizeGesture,
    RubberBandGesture,
    SeekGesture,
)

if TYPE_CHECKING:
    from muzaic_studio.ui.timeline.view import TimelineView

EDGE_PX = 6.0
AUTOSCROLL_PX = 24.0  # within this of the view's edge, a drag scrolls the view


class Interaction:
    """Routes the view's mouse events to the gesture under the cursor."""

    def __init__(self, view: TimelineView) -> None:
        self.view = view
        self.gesture: Gesture | None = None
        self.anchor: int | None = None  # last clicked region, for Shift+click ranges
        # Dragging past the left/right edge scrolls the view and keeps the gesture going.
        self._last: tuple[QPointF, Qt.KeyboardModifier] | None = None
        self._scroll_speed = 0.0
        self.autoscroll = QTimer(view)
        self.autoscroll.setInterval(30)
        self.autoscroll.timeout.connect(self._autoscroll_step)

    @property
    def active(self) -> bool:
        return self.gesture is not None

    def hit(self, pos: QPointF) -> tuple[str, Region | None]:
        """What is under *pos*: ruler, wave, left/right edge, body or empty."""
        view = self.view
        if pos.y() < view.lane_rect.top() - 2:
            return "ruler", None
        if pos.y() > view.lane_rect.bottom() + 2:
            return "wave", None
        region = view.region_at(pos.x())
        zone_px = EDGE_PX
        # Also catch an edge a few pixels outside the region it belongs to.
        for r in (
            [region]
            if region
            else view.regions_between(
                view.scale.time(pos.x() - zone_px), view.scale.time(pos.x() + zone_px)
            )
        ):
            if r is None:
                continue
            x0, x1 = view.scale.x(r.time), view.scale.x(r.end)
            zone = min(zone_px, (x1 - x0) / 4)
            if abs(pos.x() - x0) <= zone:
                return "left", r
            if abs(pos.x() - x1) <= zone:
                return "right", r
        return ("body", region) if region else ("empty", None)

    def press(self, event: QMouseEvent) -> None:
        if event.button() != Qt.MouseButton.LeftButton:
            return
        view, doc = self.view, self.view.doc
        from muzaic_studio.ui.timeline import mix_handles

        mixing = mix_handles.press(view, event)  # gain/fade/transition handles come first
        if mixing is not None:
            self.gesture = mixing
            view.viewport().setCursor(mixing.cursor)
            return
        kind, region = self.hit(event.position())
        mods = event.modifiers()
        ctrl = bool(mods & (Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.MetaModifier))
        shift = bool(mods & Qt.KeyboardModifier.ShiftModifier)
        if kind in ("ruler", "wave"):
            self.gesture = SeekGesture(view, event)
        elif kind in ("left", "right") and region and not ctrl:
            if region.uid not in doc.selection:
                doc.select([region.uid])
            self.anchor = region.uid
            self.gesture = ResizeGesture(view, event, region, kind)
        elif region is not None:
            if ctrl:
                doc.select(doc.selection ^ {region.uid})
                self.anchor = region.uid
                return
            if shift and self.anchor is not None and (a := doc.region(self.anchor)):
                lo, hi = min(a.time, region.time), max(a.end, region.end)
                doc.select({r.uid for r in view.regions_between(lo + 1e-6, hi - 1e-6)})
                return
            if region.uid not in doc.selection:
                doc.select([region.uid])
            self.anchor = region.uid
            self.gesture = MoveGesture(view, event, region)
        elif view.tool == "select" or ctrl:
            self.gesture = RubberBandGesture(view, event, additive=ctrl)
        else:
            self.gesture = DrawGesture(view, event, view.tool)
        view.viewport().setCursor(self.gesture.cursor)
        view.viewport().update()

    def move(self, event: QMouseEvent) -> None:
        if self.gesture is None:
            self._hover(event)
            return
        self.gesture.move(event)
        self._update_autoscroll(event)
        dirty = getattr(self.gesture, "dirty", None)  # a mix handle repaints only its region
        self.view.viewport().update() if dirty is None else self.view.viewport().update(
            dirty.toAlignedRect()
        )

    def _update_autoscroll(self, event: QMouseEvent) -> None:
        x, width = event.position().x(), self.view.viewport().width()
        margin = AUTOSCROLL_PX
        if x < margin:
            self._scroll_speed = -(margin - x)
        elif x > width - margin:
            self._scroll_speed = x - (width - margin)
        else:
            self._scroll_speed = 0.0
        self._last = (event.position(), event.modifiers())
        if self._scroll_speed and not self.autoscroll.isActive():
            self.autoscroll.start()
        elif not self._scroll_speed:
            self.autoscroll.stop()

    def _autoscroll_step(self) -> None:
        if self.gesture is None or self._last is None or not self._scroll_speed:
            self.autoscroll.stop()
            return
        bar = self.view.horizontalScrollBar()
        before = bar.value()
        step = int(self._scroll_speed)
        if before + step > bar.maximum():
            bar.setMaximum(before + step)  # drawing or moving past the end grows the range
        bar.setValue(max(0, before + step))
        if bar.value() == before:
            return
        pos, mods = self._last
        event = QMouseEvent(QEvent.Type.MouseMove, pos, self.view.viewport().mapToGlobal(pos),
                            Qt.MouseButton.NoButton, Qt.MouseButton.LeftButton, mods)  # fmt: skip
        self.gesture.move(event)
        self.view.viewport().update()

    def release(self, event: QMouseEvent) -> None:
        self.autoscroll.stop()
        gesture, self.gesture = self.gesture, None
        if gesture is not None:
            gesture.release(event)
        self._hover(event)
        self.view.viewport().update()

    def double_click(self, event: QMouseEvent) -> None:
        _kind, region = self.hit(event.position())
        if region is not None:
            self.view.doc.select([region.uid])

    def cancel(self) -> None:
        self.autoscroll.stop()
        if self.gesture is not None and hasattr(self.gesture, "cancel"):
            self.gesture.cancel()  # a mix handle's preview goes with it
        self.gesture = None
        self.view.viewport().update()

    def hidden_uids(self) -> set[int]:
        return self.gesture.hidden() if self.gesture else set()

    def paint_overlay(self, p: QPainter) -> None:
        if self.gesture is not None:
            p.save()
            self.gesture.paint(p)
            p.restore()

    def _hover(self, event: QMouseEvent) -> None:
        from muzaic_studio.ui.timeline import mix_handles

        handle = mix_handles.hit(self.view, event.position())
        if handle is not None:
            vertical = handle.kind == "gain"
            self.view.viewport().setCursor(
                Qt.CursorShape.SizeVerCursor if vertical else Qt.CursorShape.SizeHorCursor
            )
            return
        kind, _ = self.hit(event.position())
        shape = {
            "ruler": Qt.CursorShape.PointingHandCursor,
            "wave": Qt.CursorShape.PointingHandCursor,
            "left": Qt.CursorShape.SizeHorCursor,
            "right": Qt.CursorShape.SizeHorCursor,
            "body": Qt.CursorShape.OpenHandCursor,
            "empty": Qt.CursorShape.ArrowCursor
            if self.view.tool == "select"
            else Qt.CursorShape.CrossCursor,
        }[kind]
        self.view.viewport().setCursor(shape)
