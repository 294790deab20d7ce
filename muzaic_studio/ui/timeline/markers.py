"""The user's markers: add at the playhead (M), move by dragging their flag in the ruler,
rename / recolour / delete from the flag's context menu, Regions from Markers, and
markers plus region boundaries exported as CSV.

Markers are saved in the project (`model.mix`, the ``"markers"`` key) and every change is
an undo step on the document's stack. The timeline's ``doc.markers`` (what it draws and
snaps to) holds scene cuts and these markers' times, so markers snap like scene cuts.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QPointF, Qt
from PySide6.QtGui import (
    QAction,
    QColor,
    QKeySequence,
    QMouseEvent,
    QPainter,
    QPolygonF,
    QUndoCommand,
)
from PySide6.QtWidgets import QColorDialog, QFileDialog, QInputDialog, QMainWindow, QMenu

from muzaic_studio.atomic import atomic_write_text
from muzaic_studio.model.mix import (
    Marker,
    marker_rows,
    markers_csv,
    project_markers,
    set_project_markers,
)
from muzaic_studio.model.region import Region
from muzaic_studio.ui.document import EditError, ProjectDocument
from muzaic_studio.ui.timeline import geometry as geo

GRAB_PX = 6.0
FLAG_H = 14.0


class _MarkerCommand(QUndoCommand):
    def __init__(self, doc: ProjectDocument, text: str, before: list[Marker], after: list[Marker]):
        super().__init__(text)
        self._doc, self._before, self._after = doc, before, after

    def redo(self) -> None:
        _store(self._doc, self._before, self._after)

    def undo(self) -> None:
        _store(self._doc, self._after, self._before)


def _store(doc: ProjectDocument, old: list[Marker], new: list[Marker]) -> None:
    """Save *new* in the project and swap the timeline's marker times (scene cuts stay)."""
    set_project_markers(doc.project.extra, new)
    remaining = list(doc.markers)
    for m in old:
        for i, t in enumerate(remaining):
            if abs(t - m.time) < 1e-6:
                del remaining[i]
                break
    doc.set_markers([*remaining, *(m.time for m in new)])


def markers(doc: ProjectDocument) -> list[Marker]:
    return project_markers(doc.project.extra)


def sync_markers(doc: ProjectDocument) -> None:
    """After opening a project: its saved markers join the timeline's snap targets."""
    saved = markers(doc)
    known = list(doc.markers)
    doc.set_markers(
        [*known, *(m.time for m in saved if not any(abs(m.time - t) < 1e-6 for t in known))]
    )


def change_markers(doc: ProjectDocument, text: str, new: list[Marker]) -> None:
    before = markers(doc)
    new = sorted(new, key=lambda m: m.time)
    if new != before:
        doc.undo_stack.push(_MarkerCommand(doc, text, before, new))


def add_marker(doc: ProjectDocument, at: float | None = None, name: str = "") -> Marker:
    t = round(doc.playhead if at is None else max(0.0, at), 3)
    existing = markers(doc)
    if any(abs(m.time - t) < 1e-3 for m in existing):
        raise EditError(f"There is already a marker at {t:.3f} s.")
    marker = Marker(t, name or f"Marker {len(existing) + 1}")
    change_markers(doc, f"Add marker at {t:.2f} s", [*existing, marker])
    return marker


def _replace(doc: ProjectDocument, index: int, text: str, **changes: Any) -> None:
    current = markers(doc)
    if not 0 <= index < len(current):
        raise EditError("No such marker.")
    m = current[index]
    current[index] = Marker(
        round(changes.get("time", m.time), 3),
        changes.get("name", m.name),
        changes.get("color", m.color),
    )
    change_markers(doc, text, current)


def move_marker(doc: ProjectDocument, index: int, t: float) -> None:
    _replace(doc, index, "Move marker", time=max(0.0, t))


def rename_marker(doc: ProjectDocument, index: int, name: str) -> None:
    _replace(doc, index, f"Rename marker to {name!r}", name=name)


def recolor_marker(doc: ProjectDocument, index: int, color: str) -> None:
    _replace(doc, index, "Change marker colour", color=color)


def delete_marker(doc: ProjectDocument, index: int) -> None:
    current = markers(doc)
    if 0 <= index < len(current):
        del current[index]
        change_markers(doc, "Delete marker", current)


def regions_from_markers(doc: ProjectDocument) -> int:
    """One generate region per span between markers (0 to the end), in one undo step."""
    ms = markers(doc)
    if not ms:
        raise EditError("Add markers first (M at the playhead).")
    end = max(doc.timeline_length, ms[-1].time + 1.0)
    bounds = sorted({0.0, *(m.time for m in ms if 0 < m.time < end), round(end, 3)})
    names = {m.time: m.name for m in ms}
    new = [
        Region(time=a, duration=round(b - a, 3), action="generate", name=names.get(a, "Start"))
        for a, b in itertools.pairwise(bounds)
        if b - a >= 0.1
    ]

    def change(regions: list[Region]) -> None:
        regions[:] = new

    doc.edit(f"Regions from {len(ms)} markers", change)
    return len(new)


def export_markers_csv(doc: ProjectDocument, path: str | Path) -> int:
    """Write markers and region starts/ends as ``time,name`` rows; returns the row count."""
    rows = marker_rows(markers(doc), doc.regions)
    atomic_write_text(path, markers_csv(rows))
    return len(rows)


# -- the timeline side -------------------------------------------------------------------
def marker_at(view: Any, pos: QPointF) -> int | None:
    """Index of the user marker whose flag (in the ruler) is under *pos*."""
    if pos.y() > view.lane_rect.top():
        return None
    best, best_d = None, GRAB_PX
    for i, m in enumerate(markers(view.doc)):
        d = abs(view.scale.x(m.time) - pos.x())
        if d <= best_d:
            best, best_d = i, d
    return best


def paint_user_markers(view: Any, p: QPainter) -> None:
    """A coloured flag with the name in the ruler for each user marker."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    top = view.lane_rect.top() - FLAG_H - 2
    for m in markers(view.doc):
        x = view.scale.x(m.time)
        if x < -200 or x > view.viewport().width() + 4:
            continue
        color = QColor(m.color)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(color)
        p.drawPolygon(QPolygonF([QPointF(x, top), QPointF(x + 9, top + FLAG_H / 2),
                                 QPointF(x, top + FLAG_H)]))  # fmt: skip
        p.setPen(color)
        p.drawLine(QPointF(x, top), QPointF(x, view.viewport().height()))
        if m.name:
            p.setPen(color.lighter(130))
            p.drawText(QPointF(x + 11, top + FLAG_H - 3), m.name)
    p.restore()


class MarkerDragFilter(QObject):
    """Drag a marker's flag in the ruler to move it; right-click it for a menu."""

    def __init__(self, view: Any, ask: Callable[[str, str], str | None] | None = None) -> None:
        super().__init__(view)
        self.view = view
        self.dragging: int | None = None
        self.drop_at: float | None = None
        self.ask = ask or self._ask_name
        view.viewport().installEventFilter(self)

    def _ask_name(self, title: str, current: str) -> str | None:
        text, ok = QInputDialog.getText(self.view, title, "Name:", text=current)
        return text if ok else None

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if not isinstance(event, QMouseEvent):  # only presses, drags and double-clicks
            return False
        kind = event.type()
        if kind == QEvent.Type.MouseButtonPress:
            index = marker_at(self.view, event.position())
            if index is None:
                return False
            if event.button() == Qt.MouseButton.RightButton:
                self.menu(index, event.globalPosition().toPoint())
                return True
            if event.button() == Qt.MouseButton.LeftButton:
                self.dragging, self.drop_at = index, None
                return True
        elif kind == QEvent.Type.MouseMove and self.dragging is not None:
            t = max(0.0, self.view.scale.time(event.position().x()))
            if self.view.snapping and not event.modifiers() & Qt.KeyboardModifier.ShiftModifier:
                edges = [e for r in self.view.sorted_regions() for e in (r.time, r.end)]
                targets = [0.0, self.view.doc.playhead, *edges]
                t, _ = geo.snap(t, targets, self.view.scale.seconds(geo.SNAP_PX))
            self.drop_at = t
            return True
        elif kind == QEvent.Type.MouseButtonRelease and self.dragging is not None:
            index, t = self.dragging, self.drop_at
            self.dragging = self.drop_at = None
            if t is not None:
                move_marker(self.view.doc, index, t)
            return True
        elif kind == QEvent.Type.MouseButtonDblClick:
            index = marker_at(self.view, event.position())
            if index is not None:
                self.rename(index)
                return True
        return False

    def rename(self, index: int) -> None:
        name = self.ask("Rename Marker", markers(self.view.doc)[index].name)
        if name is not None:
            rename_marker(self.view.doc, index, name.strip())

    def menu(self, index: int, at: Any) -> None:
        doc = self.view.doc
        menu = QMenu(self.view)
        menu.addAction("Rename...", lambda: self.rename(index))
        menu.addAction("Colour...", lambda: self._colour(index))
        menu.addAction("Delete", lambda: delete_marker(doc, index))
        menu.exec(at)

    def _colour(self, index: int) -> None:
        current = QColor(markers(self.view.doc)[index].color)
        color = QColorDialog.getColor(current, self.view, "Marker Colour")
        if color.isValid():
            recolor_marker(self.view.doc, index, color.name())


# -- window wiring -----------------------------------------------------------------------
ACTIONS = (
    ("markers.add", "Add &Marker at Playhead", ("M",), "A named marker at the playhead; regions snap to it"),
    ("markers.regions", "Regions from &Markers", (), "One generate region per span between markers, in one undo step"),
    ("markers.csv", "Export Markers as &CSV...", (), "Markers and region starts/ends as time,name rows"),
)  # fmt: skip


class MarkerWorkflow(QObject):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.drag = MarkerDragFilter(window.timeline)  # type: ignore[attr-defined]
        handlers = {
            "markers.add": self.add,
            "markers.regions": self.regions,
            "markers.csv": self.export_csv,
        }
        self.actions: dict[str, QAction] = {}
        edit = getattr(window, "menus", {}).get("edit")
        if edit is not None:
            edit.addSeparator()
        for key, text, keys, tip in ACTIONS:
            action = QAction(text, window)
            action.setObjectName(key)
            action.setShortcuts([QKeySequence(k) for k in keys])
            action.setStatusTip(tip)
            action.setToolTip(tip)
            action.triggered.connect(lambda _c=False, h=handlers[key]: h())
            window.addAction(action)
            if edit is not None:
                edit.addAction(action)
            self.actions[key] = action
        sync_markers(self.doc)
        window.documentChanged.connect(sync_markers)  # type: ignore[attr-defined]

    @property
    def doc(self) -> ProjectDocument:
        return self.window.doc  # type: ignore[attr-defined]

    def _say(self, text: str, kind: str) -> None:
        self.window.show_message(text, kind)  # type: ignore[attr-defined]

    def add(self) -> None:
        try:
            add_marker(self.doc)
        except EditError as exc:
            self._say(str(exc), "info")

    def regions(self) -> None:
        try:
            n = regions_from_markers(self.doc)
        except EditError as exc:
            self._say(str(exc), "info")
            return
        self._say(f"{n} regions from the markers (Ctrl+Z undoes).", "success")

    def export_csv(self, path: str | None = None) -> None:
        if path is None:
            start = str((self.doc.path or Path.home() / "soundtrack").with_suffix(".csv"))
            path, _ = QFileDialog.getSaveFileName(
                self.window, "Export Markers", start, "CSV (*.csv)"
            )
            if not path:
                return
        try:
            n = export_markers_csv(self.doc, path)
        except OSError as exc:
            self._say(f"Could not write {path}: {exc}", "error")
            return
        self._say(f"Wrote {n} rows to {path}.", "success")


def install_marker_workflow(window: QMainWindow) -> MarkerWorkflow:
    workflow = MarkerWorkflow(window)
    window.marker_workflow = workflow  # type: ignore[attr-defined]
    return workflow
