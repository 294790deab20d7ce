"""What the main window's Edit, View and tool commands do: wired to the actions here, each
a short call into `editing` (Qt-free rules) or the timeline (zoom, playhead, grid).

Kept out of main_window.py: the window builds and lays out; this object, which the window
owns, is the command table and its handlers. An edit the rules refuse (EditError) becomes a
hint on the timeline and a warning banner, never an exception out of a shortcut.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtGui import QAction, QGuiApplication

from muzaic_studio.ui import editing
from muzaic_studio.ui.document import EditError
from muzaic_studio.ui.window.chrome import GRID_MODES, TOOLS
from muzaic_studio.wording import plural

if TYPE_CHECKING:
    from muzaic_studio.ui.window.main_window import MainWindow


class WindowCommands:
    """The handlers of the window's edit, view, tool and grid actions."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window

    def wire(self) -> None:
        """Connect every action of the window's table to its handler."""
        w, a, f = self.window, self.window.action_map, self.window.files
        handlers: dict[str, Callable[[], Any]] = {
            "file.new": f.new,
            "file.open": f.open,
            "file.restore": f.restore_unsaved,
            "file.save": f.save,
            "file.save_as": f.save_as,
            "file.quit": w.close,
            "edit.undo": lambda: w.doc.undo_stack.undo(),
            "edit.redo": lambda: w.doc.undo_stack.redo(),
            "edit.cut": self.cut,
            "edit.copy": self.copy,
            "edit.paste": self.paste,
            "edit.duplicate": lambda: self._try(editing.duplicate_selection, w.doc),
            "edit.delete": lambda: self._try(editing.delete_selection, w.doc),
            "edit.split": lambda: self._try(editing.split_at_playhead, w.doc),
            "edit.another_take": self.another_take,
            "edit.select_all": lambda: w.doc.select(r.uid for r in w.doc.regions),
            "edit.deselect": lambda: w.doc.select(()),
            "edit.nudge_left": lambda: self.nudge(-1, small=True),
            "edit.nudge_right": lambda: self.nudge(1, small=True),
            "edit.nudge_left_big": lambda: self.nudge(-1, small=False),
            "edit.nudge_right_big": lambda: self.nudge(1, small=False),
            "edit.select_prev": lambda: self._select_neighbour(-1),
            "edit.select_next": lambda: self._select_neighbour(1),
            "view.zoom_in": lambda: w.timeline.zoom_by(1.5, self._zoom_anchor()),
            "view.zoom_out": lambda: w.timeline.zoom_by(1 / 1.5, self._zoom_anchor()),
            "view.zoom_fit": w.timeline.zoom_to_fit,
            "view.playhead_start": lambda: self._seek(0.0),
            "view.playhead_end": lambda: self._seek(w.doc.timeline_length),
            "view.playhead_prev": lambda: self._seek_edge(-1),
            "view.playhead_next": lambda: self._seek_edge(1),
            "help.shortcuts": self.show_shortcuts,
        }
        for key, handler in handlers.items():
            a[key].triggered.connect(lambda _checked=False, h=handler: h())
        for t in TOOLS:
            a[f"tool.{t}"].triggered.connect(lambda _c=False, t=t: self.set_tool(t))
        for mode in GRID_MODES:
            a[f"view.grid_{mode}"].triggered.connect(lambda _c=False, m=mode: self.set_grid(m))
        a["view.snap"].toggled.connect(self._set_snapping)

    def _try(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except EditError as exc:
            self.window.timeline.show_hint(str(exc))
            self.window.show_message(str(exc), "warning")
            return None

    def set_tool(self, tool: str) -> None:
        self.window.timeline.tool = tool
        self.window.action_map[f"tool.{tool}"].setChecked(True)

    def set_grid(self, mode: str) -> None:
        timeline = self.window.timeline
        timeline.grid_mode = mode
        self.window.action_map[f"view.grid_{mode}"].setChecked(True)
        timeline.viewport().update()

    def _set_snapping(self, on: bool) -> None:
        self.window.timeline.snapping = on

    def _zoom_anchor(self) -> float:
        """Zoom around the playhead when it is in view, else around the middle."""
        timeline = self.window.timeline
        x = timeline.scale.x(self.window.doc.playhead)
        width = timeline.viewport().width()
        return x if 0 <= x <= width else width / 2

    def nudge(self, direction: int, small: bool) -> None:
        step = (self.window.timeline.grid() or 0.1) if small else 1.0
        self._try(editing.nudge_selection, self.window.doc, direction * step)

    def another_take(self) -> None:
        said = self._try(editing.another_take, self.window.doc)
        if said:
            self.window.show_message(said, "info")

    def _select_neighbour(self, step: int) -> None:
        doc = self.window.doc
        region = editing.neighbour(doc, step)
        if region is not None:
            doc.select([region.uid])
            self.window.timeline.ensure_visible(region.time)

    def _seek(self, seconds: float) -> None:
        doc = self.window.doc
        doc.set_playhead(seconds)
        self.window.timeline.ensure_visible(doc.playhead)

    def _seek_edge(self, step: int) -> None:
        t = self.window.doc.playhead
        edges = editing.edge_times(self.window.doc)
        options = [e for e in edges if (e > t + 1e-6 if step > 0 else e < t - 1e-6)]
        if options:
            self._seek(options[0] if step > 0 else options[-1])

    def copy(self) -> None:
        chosen = self.window.doc.selected_regions()
        if not chosen:
            self.window.show_message("Select regions to copy.", "warning")
            return
        QGuiApplication.clipboard().setText(editing.regions_to_json(chosen))
        self.window.statusBar().showMessage(
            f"Copied {plural(len(chosen), 'region', bare_one=True)}", 2500
        )

    def cut(self) -> None:
        text = self._try(editing.cut_selection, self.window.doc)
        if text:
            QGuiApplication.clipboard().setText(text)

    def paste(self) -> None:
        text = QGuiApplication.clipboard().text()
        self._try(editing.paste, self.window.doc, text, self.window.doc.playhead)

    def show_shortcuts(self) -> None:
        from muzaic_studio.ui.dialogs.shortcuts import ShortcutsDialog

        ShortcutsDialog(self.window.findChildren(QAction), self.window).exec()
