"""The hash library panel (a dock of the main window): every region hash ever rendered, reusable as a copy source.

Two libraries are shown as one list: the open project's (saved in the project file, so the
project keeps its sources wherever it goes) and the user's (``data_dir()/library.json``,
shared by every project). After each render the project's entries are merged into the
user's file. Each row shows a waveform sparkline, the tags, the five params, the length
and the date.

A row drags out as ``application/x-muzaic-hash``; `TimelineDropFilter` (installed on the
timeline by the render workflow) turns a drop onto a region into "this region is now a
copy of that hash", and a drop onto empty timeline into a new copy region. Buttons do the
same for keyboard users: "Use on selection" and "Insert at playhead".
"""

from __future__ import annotations

import contextlib
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import (
    QByteArray,
    QEvent,
    QMimeData,
    QObject,
    QPointF,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import (
    QHideEvent,
    QPalette,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from muzaic_studio import paths
from muzaic_studio.model import HashLibrary, LibraryEntry, Region
from muzaic_studio.model.tag_names import tag_label
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.library.rows import (
    THUMB_SIZE,
    LibraryRow,
    params_text,
    params_tooltip,
)

MIME_TYPE = "application/x-muzaic-hash"


def global_library_path() -> Path:
    return paths.data_dir() / "library.json"


def default_tag_names() -> dict[int, str]:
    """Tag id -> name from the offline catalogue (the cloud's list replaces it when known)."""
    try:
        from muzaic_studio.engine.tags import catalogue

        return {int(t["id"]): str(t["name"]) for t in catalogue()["tags"]}
    except Exception:  # no engine in this installation: ids are shown instead
        return {}


def encode_mime(entry: LibraryEntry) -> QMimeData:
    mime = QMimeData()
    payload = json.dumps({"hash": entry.hash, "duration": entry.duration})
    mime.setData(MIME_TYPE, QByteArray(payload.encode()))
    mime.setText(entry.hash)
    return mime


def decode_mime(mime: QMimeData) -> tuple[str, float] | None:
    if not mime.hasFormat(MIME_TYPE):
        return None
    try:
        data = json.loads(bytes(mime.data(MIME_TYPE).data()).decode())
        return str(data["hash"]), float(data["duration"])
    except (ValueError, KeyError, TypeError):
        return None


class LibraryStore(QObject):
    """The project's library and the user's, seen as one; saves the user's file."""

    changed = Signal()

    def __init__(self, parent: QObject | None = None, path: Path | None = None) -> None:
        super().__init__(parent)
        self.path = path or global_library_path()
        self.user = HashLibrary.load_file(self.path)
        self.doc: ProjectDocument | None = None

    def set_document(self, doc: ProjectDocument | None) -> None:
        self.doc = doc
        self.changed.emit()

    @property
    def project(self) -> HashLibrary | None:
        return self.doc.project.library if self.doc else None

    def entries(self) -> list[LibraryEntry]:
        merged = HashLibrary()
        if self.project is not None:
            merged.merge(self.project)
        merged.merge(self.user)
        return merged.entries()

    def get(self, hash_: str) -> LibraryEntry | None:
        project = self.project
        entry = project.get(hash_) if project is not None else None
        return entry or self.user.get(hash_)

    def in_project(self, hash_: str) -> bool:
        return self.project is not None and hash_ in self.project

    def sync_from_project(self) -> None:
        """Merge the project's entries (with fresh thumbnails) into the user's file."""
        if self.project is not None:
            for entry in self.project.entries():
                old = self.user.get(entry.hash)
                if old is None or entry.created >= old.created or not old.thumbnail:
                    self.user.add(LibraryEntry.from_dict(entry.to_dict()))
        self.save()
        self.changed.emit()

    def adopt(self, hash_: str) -> None:
        """Copy a user-library entry into the project (it is used there now)."""
        if self.project is not None and hash_ not in self.project:
            entry = self.user.get(hash_)
            if entry is not None:
                self.project.add(LibraryEntry.from_dict(entry.to_dict()))

    def remove(self, hash_: str) -> None:
        self.user.remove(hash_)
        if self.project is not None:
            self.project.remove(hash_)
        self.save()
        self.changed.emit()

    def save(self) -> None:
        # A read-only data dir must not break rendering; the project keeps its entries.
        with contextlib.suppress(OSError):
            self.user.save_file(self.path)


def make_copy_region(doc: ProjectDocument, hash_: str, duration: float, at: float) -> Region:
    """Drop on empty timeline: a copy region at *at*, shortened to fit before the next one."""
    at = round(max(0.0, at), 3)
    following = [r.time for r in doc.regions if r.time >= at - 1e-6]
    limit = min(following, default=at + duration) - at
    length = min(duration, limit) if limit > 0.05 else duration
    # whole milliseconds, rounded down, so the region never pokes into the next one
    return Region(time=at, duration=math.floor(length * 1000 + 1e-6) / 1000, action="copy",
                  source_hash=hash_)  # fmt: skip


MIN_GAP = 0.1  # seconds: a gap shorter than this is no place for a sound


def free_spot(doc: ProjectDocument, at: float) -> float | None:
    """Where Insert puts a sound: *at* if nothing is there, else the first gap after it
    (never replacing a region); None when no gap is left before the timeline's end (a
    video sets the end; without one, after the last region is always free)."""
    t = max(0.0, at)
    for r in sorted(doc.regions, key=lambda r: r.time):
        if r.end <= t + 1e-6:
            continue
        if r.time - t >= MIN_GAP:
            return round(t, 3)
        t = max(t, r.end)
    end = getattr(doc, "media_duration", 0.0) or 0.0
    return round(t, 3) if not end or end - t >= MIN_GAP else None


def apply_hash_drop(
    doc: ProjectDocument, hash_: str, duration: float, at: float, target_uid: int | None
) -> str:
    """Make region *target_uid* a copy of *hash_*, or add a copy region at *at*.

    Returns what was done (for the status line); raises EditError when it cannot fit.
    """
    if target_uid is not None:

        def to_copy(regions: list[Region]) -> None:
            for r in regions:
                if r.uid == target_uid:
                    r.action = "copy"
                    r.source_hash = hash_

        doc.edit("Use Library Sound", to_copy)
        doc.select([target_uid])
        return f"The region is now a copy of {hash_[:10]}."
    inside = next((r for r in doc.regions if r.time <= at < r.end), None)
    if inside is not None:
        return apply_hash_drop(doc, hash_, duration, at, inside.uid)
    region = make_copy_region(doc, hash_, duration, at)
    doc.edit("Insert Library Sound", lambda regions: regions.append(region))
    doc.select([region.uid])
    return f"Added a copy of {hash_[:10]} at {region.time:.2f} s."


def time_at(timeline: QWidget, x: float) -> float:
    """Seconds under x (timeline widget coordinates), via whatever the timeline offers."""
    for name in ("time_at", "time_at_x", "x_to_time", "timeAt"):
        fn = getattr(timeline, name, None)
        if callable(fn):
            return float(fn(x))
    scale = getattr(timeline, "scale", None)
    if scale is not None and hasattr(scale, "time"):
        return float(scale.time(x))
    raise AttributeError("the timeline offers no x -> time conversion")


class TimelineDropFilter(QObject):
    """Accepts library drags on the timeline without changing the timeline's own code.

    *on_drop(hash, duration, seconds)* decides what the drop does (see `apply_hash_drop`).
    Positions are converted in the coordinates of the timeline's viewport, where its time
    scale lives.
    """

    def __init__(self, timeline: QWidget, on_drop: Callable[[str, float, float], Any]) -> None:
        super().__init__(timeline)
        self.timeline = timeline
        self._on_drop = on_drop
        viewport = getattr(timeline, "viewport", None)
        self.viewport: QWidget = viewport() if callable(viewport) else timeline
        self.targets = [timeline] if self.viewport is timeline else [timeline, self.viewport]
        for widget in self.targets:
            widget.setAcceptDrops(True)
            widget.installEventFilter(self)

    def time_at(self, widget: QWidget, pos: QPointF) -> float:
        point = pos.toPoint()
        if widget is not self.viewport:
            point = self.viewport.mapFrom(widget, point)
        return max(0.0, time_at(self.timeline, point.x()))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind not in (QEvent.Type.DragEnter, QEvent.Type.DragMove, QEvent.Type.Drop):
            return False
        payload = decode_mime(event.mimeData())  # type: ignore[attr-defined]
        if payload is None:
            return False
        event.acceptProposedAction()  # type: ignore[attr-defined]
        if kind == QEvent.Type.Drop:
            hash_, duration = payload
            self._on_drop(hash_, duration, self.time_at(watched, event.position()))  # type: ignore[arg-type,attr-defined]
        return True


class _LibraryTree(QTreeWidget):
    def __init__(self, panel: LibraryPanel) -> None:
        super().__init__(panel)
        self._dock = panel

    def mimeTypes(self) -> list[str]:
        return [MIME_TYPE, "text/plain"]

    def mimeData(self, items: list[QTreeWidgetItem]) -> QMimeData:  # type: ignore[override]
        entry = self._dock.entry_of(items[0]) if items else None
        return encode_mime(entry) if entry else QMimeData()


def paid_preview_question(seconds: float) -> str:
    """What previewing a sound that is not on this computer may cost, asked before it."""
    return (
        f"This sound ({seconds:g} s) is not on this computer. Previewing it asks the Muzaic "
        f"cloud for its audio (/audioFromHash), which may charge tokens: the documentation's "
        f"example does, up to about {math.ceil(seconds)} (1 per second). Fetch it?"
    )


def confirm_paid_preview(parent: QWidget | None, seconds: float) -> bool:
    """Ask before a preview that may spend tokens; True to go ahead."""
    answer = QMessageBox.question(parent, "Preview", paid_preview_question(seconds))
    return answer == QMessageBox.StandardButton.Yes


class LibraryPanel(QWidget):
    """Lists the library; drag a row onto the timeline, or use the buttons."""

    previewRequested = Signal(str)  # hash
    useOnSelectionRequested = Signal(str)
    insertRequested = Signal(str)

    def __init__(self, store: LibraryStore, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("hashLibraryPanel")
        self.store = store
        self._stale = False  # the list waits for the panel to be shown (refresh)
        self._fill_timer = QTimer(self, singleShot=True, interval=0)
        self._fill_timer.timeout.connect(self._fresh)
        self.tag_names = default_tag_names()
        body = self
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        self.filter = QLineEdit(body)
        self.filter.setPlaceholderText("Filter by tag, param or hash")
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.refresh)
        layout.addWidget(self.filter)
        self.tree = _LibraryTree(self)
        self.tree.setObjectName("hashLibraryTree")
        self.tree.setHeaderLabels(["Sound", "Length", "Created"])
        self.tree.setRootIsDecorated(False)
        self.tree.setUniformRowHeights(True)  # every row two lines and a thumbnail: no
        # size hint asked of each of thousands of rows
        self.tree.setIconSize(THUMB_SIZE)
        self.tree.setDragEnabled(True)
        self.tree.setDragDropMode(QAbstractItemView.DragDropMode.DragOnly)
        self.tree.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        header = self.tree.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        for col in (1, 2):
            header.setSectionResizeMode(col, QHeaderView.ResizeMode.ResizeToContents)
        self.tree.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.tree.setToolTip("Drag a sound onto a region to reuse it, or onto empty timeline")
        self.tree.itemActivated.connect(lambda item, _col: self._emit(self.previewRequested, item))
        self.tree.itemSelectionChanged.connect(self._update_buttons)
        layout.addWidget(self.tree)
        row = QHBoxLayout()
        self.preview_button = QPushButton("Preview", body)
        self.preview_button.setToolTip("Play this sound (Enter)")
        self.preview_button.clicked.connect(lambda: self._emit(self.previewRequested))
        self.use_button = QPushButton("Use on Selected", body)
        self.use_button.setToolTip("Turn the selected regions into copies of this sound")
        self.use_button.clicked.connect(lambda: self._emit(self.useOnSelectionRequested))
        self.insert_button = QPushButton("Insert", body)
        self.insert_button.setToolTip(
            "Insert a copy region of this sound at the playhead, or in the first free space "
            "after it (never over a region)"
        )
        self.insert_button.clicked.connect(lambda: self._emit(self.insertRequested))
        for button in (self.preview_button, self.use_button, self.insert_button):
            row.addWidget(button)
        layout.addLayout(row)
        self.empty_label = QLabel("Render to fill the library: every generated region's "
                                  "hash appears here.", body)  # fmt: skip
        self.empty_label.setWordWrap(True)
        layout.addWidget(self.empty_label)
        store.changed.connect(self.refresh)
        self.refresh()

    def set_tag_names(self, names: dict[int, str]) -> None:
        if names:
            self.tag_names = dict(names)
            self.refresh()

    def entry_of(self, item: QTreeWidgetItem | None) -> LibraryEntry | None:
        if item is None:
            return None
        return self.store.get(item.data(0, Qt.ItemDataRole.UserRole))

    def selected_entry(self) -> LibraryEntry | None:
        self._fresh()
        items = self.tree.selectedItems()
        return self.entry_of(items[0] if items else self.tree.currentItem())

    def select_hash(self, hash_: str) -> bool:
        for item in self._rows():
            if item.data(0, Qt.ItemDataRole.UserRole) == hash_:
                self.tree.setCurrentItem(item)
                return True
        return False

    def rows(self) -> list[str]:
        return [item.data(0, Qt.ItemDataRole.UserRole) for item in self._rows()]

    def _rows(self) -> list[QTreeWidgetItem]:
        """The top-level items in order (Qt's topLevelItem is None only past the end)."""
        self._fresh()
        items = (self.tree.topLevelItem(i) for i in range(self.tree.topLevelItemCount()))
        return [item for item in items if item is not None]

    def describe(self, entry: LibraryEntry) -> str:
        tags = tag_label(entry.tag_names, entry.tags, self.tag_names)
        if entry.name and tags:
            return f"{entry.name} · {tags}"
        return entry.name or tags or "(no tags)"

    def refresh(self) -> None:
        """List the library again, on the next turn of the event loop (a project opened
        is shown first; a burst of changes lists once), or when next shown while the panel
        is hidden (a tab behind another, a closed dock). Reading the rows lists them now."""
        self._stale = True
        if self.isVisible():
            self._fill_timer.start()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._fresh()

    def hideEvent(self, event: QHideEvent) -> None:
        super().hideEvent(event)
        self._fill_timer.stop()  # still stale: listed when shown again (or read)

    def _fresh(self) -> None:
        if self._stale:
            self._fill()

    def _fill(self) -> None:
        self._stale = False
        current = self.selected_entry()
        needle = self.filter.text().strip().lower()
        color = self.palette().color(QPalette.ColorRole.Highlight)
        self.tree.clear()
        items = []
        for entry in self.store.entries():
            texts = None
            if needle:
                texts = self.row_texts(entry)
                if needle not in f"{texts[0]} {entry.hash}".lower():
                    continue
            items.append(LibraryRow(entry, self, color, texts))
        self.tree.addTopLevelItems(items)  # one insertion, not one per row
        self.empty_label.setVisible(self.tree.topLevelItemCount() == 0)
        if current is not None:
            self.select_hash(current.hash)
        self._update_buttons()

    def row_texts(self, entry: LibraryEntry) -> list[str]:
        """A row's columns: what it is over its params (I T To V R; ~ = keyframed), its
        length and when it was made."""
        created = time.strftime("%d %b %H:%M", time.localtime(entry.created))
        return [f"{self.describe(entry)}\n{params_text(entry.params)}",
                f"{entry.duration:.1f} s", created]  # fmt: skip

    def row_tooltip(self, entry: LibraryEntry) -> str:
        scope = "this project" if self.store.in_project(entry.hash) else "another project"
        return (
            f"{self.describe(entry)}\n{params_tooltip(entry.params)}\nhash {entry.hash}\n"
            f"from {scope}\nDrag onto a region to reuse it, or onto empty timeline"
        )

    def _update_buttons(self) -> None:
        has = self.selected_entry() is not None
        for button in (self.preview_button, self.use_button, self.insert_button):
            button.setEnabled(has)

    def _emit(self, signal: Any, item: QTreeWidgetItem | None = None) -> None:
        entry = self.entry_of(item) if item is not None else self.selected_entry()
        if entry is not None:
            signal.emit(entry.hash)
