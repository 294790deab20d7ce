"""The main window's chrome: menu bar, toolbar, status bar and the Open Recent menu.

A mixin of `MainWindow`, which creates the actions (actions.py), the timeline and the
project files before building; what the actions do is wired in main_window.py.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMainWindow, QMenu, QToolBar, QToolButton

from muzaic_studio.ui import icons
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.timeline.view import TimelineView
from muzaic_studio.ui.window.project_files import ProjectFiles
from muzaic_studio.ui.window.status import WindowStatus

TOOLS = ("select", "generate", "copy", "silence")
GRID_MODES = ("off", "seconds", "bars")


class WindowChrome(QMainWindow):
    """Builds and updates the window's menus, toolbar and status bar labels."""

    # Made by MainWindow.__init__ before the chrome is built:
    doc: ProjectDocument
    action_map: dict[str, QAction]
    menus: dict[str, QMenu]
    timeline: TimelineView
    files: ProjectFiles

    def _build_menus(self) -> None:
        a = self.action_map
        bar = self.menuBar()
        file = self.menus["file"] = bar.addMenu("&File")
        file.addActions([a["file.new"], a["file.open"]])
        self.menus["recent"] = file.addMenu("Open &Recent")
        file.addSeparator()
        file.addActions([a["file.save"], a["file.save_as"]])
        file.addSeparator()
        file.addAction(a["file.quit"])
        edit = self.menus["edit"] = bar.addMenu("&Edit")
        edit.addActions([a["edit.undo"], a["edit.redo"]])
        edit.addSeparator()
        edit.addActions([a["edit.cut"], a["edit.copy"], a["edit.paste"], a["edit.duplicate"],
                         a["edit.delete"]])  # fmt: skip
        edit.addSeparator()
        edit.addActions([a["edit.split"], a["edit.another_take"], a["edit.nudge_left"], a["edit.nudge_right"],
                         a["edit.nudge_left_big"], a["edit.nudge_right_big"]])  # fmt: skip
        edit.addSeparator()
        edit.addActions([a["edit.select_all"], a["edit.deselect"], a["edit.select_prev"],
                         a["edit.select_next"]])  # fmt: skip
        edit.addSeparator()
        tools = edit.addMenu("&Tool")
        self.tool_group = QActionGroup(self)
        for t in TOOLS:
            self.tool_group.addAction(a[f"tool.{t}"])
            tools.addAction(a[f"tool.{t}"])
        a["tool.generate"].setChecked(True)
        view = self.menus["view"] = bar.addMenu("&View")
        view.addActions([a["view.zoom_in"], a["view.zoom_out"], a["view.zoom_fit"]])
        view.addSeparator()
        view.addAction(a["view.snap"])
        a["view.snap"].setChecked(True)
        self.grid_group = QActionGroup(self)
        for mode in GRID_MODES:
            self.grid_group.addAction(a[f"view.grid_{mode}"])
            view.addAction(a[f"view.grid_{mode}"])
        a["view.grid_seconds"].setChecked(True)
        view.addSeparator()
        view.addActions([a["view.playhead_start"], a["view.playhead_end"],
                         a["view.playhead_prev"], a["view.playhead_next"]])  # fmt: skip
        view.addSeparator()
        self.menus["panels"] = view.addMenu("&Panels")
        self.menus["render"] = bar.addMenu("&Render")
        help_ = self.menus["help"] = bar.addMenu("&Help")
        help_.addActions([a["help.shortcuts"], a["help.about"]])
        for key in ("edit.nudge_left", "edit.nudge_right", "edit.nudge_left_big",
                    "edit.nudge_right_big"):  # fmt: skip
            self.timeline.addAction(a[key])

    def _build_toolbar(self) -> None:
        a = self.action_map
        tb = self.toolbar = QToolBar("Main toolbar", self)
        tb.setObjectName("main_toolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
        tb.addActions([a["file.new"], a["file.open"], a["file.save"]])
        tb.addSeparator()
        tb.addActions([a["edit.undo"], a["edit.redo"]])
        tb.addSeparator()
        tb.addActions([a[f"tool.{t}"] for t in TOOLS])
        for t in TOOLS[1:]:
            # The button shows the action's iconText and Qt re-reads it on every
            # action change (checking a tool), so a button.setText() would not last.
            a[f"tool.{t}"].setIconText(t.capitalize())
            button = tb.widgetForAction(a[f"tool.{t}"])
            if isinstance(button, QToolButton):  # always, for an action in a toolbar
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        tb.addSeparator()
        tb.addActions([a["edit.split"], a["edit.duplicate"], a["edit.delete"]])
        tb.addSeparator()
        tb.addActions([a["view.zoom_out"], a["view.zoom_in"], a["view.zoom_fit"], a["view.snap"],
                       a["view.grid_bars"]])  # fmt: skip
        # The overflow button reaches the actions a narrow window hides; Fusion's own
        # arrow is dark grey, next to invisible on the dark palette.
        more = tb.findChild(QToolButton, "qt_toolbar_ext_button")
        if more is not None:
            more.setIcon(icons.icon("more"))
            more.setToolTip("More tools")

    def _build_status_bar(self) -> None:
        self.status = WindowStatus(self.statusBar())

    def _fill_recent_menu(self) -> None:
        menu = self.menus["recent"]
        menu.clear()
        recent = self.files.recent()
        for i, path in enumerate(recent):
            act = menu.addAction(f"&{i + 1} {Path(path).name}")
            act.setToolTip(path)
            act.setStatusTip(path)
            act.triggered.connect(lambda _c=False, p=path: self.files.open(p))
        if recent:
            menu.addSeparator()
            menu.addAction("Clear Recent", self.files.clear_recent)
        menu.setEnabled(bool(recent))

    def _update_status(self) -> None:
        self.status.show_project(self.doc.project, self.timeline.scale.px_per_sec)

    def set_status_compact(self, on: bool) -> None:
        """While a render shows its progress, the status labels step aside."""
        self.status.set_compact(on)

    def _on_playhead(self, seconds: float) -> None:
        layout = getattr(self, "video_layout", None)
        if layout is not None:  # the same clock, with the video's frame number
            layout.update_clock(seconds)
        else:
            self.status.show_playhead(seconds)

    def _on_cursor(self, seconds: float) -> None:
        self.status.show_cursor(seconds)

    # -- the timeline's right-click menu ------------------------------------------------
    def timeline_menu(self, pos: QPoint) -> QMenu:
        """The right-click menu at *pos* (viewport coordinates); selects the region there."""
        view = self.timeline
        region = view.region_at(pos.x()) if view.lane_rect.contains(QPointF(pos)) else None
        if region is not None and region.uid not in self.doc.selection:
            self.doc.select([region.uid])
        if region is None:
            self.doc.set_playhead(max(0.0, view.scale.time(pos.x())))
        a = self.action_map
        menu = QMenu(self)
        menu.addActions([a["edit.cut"], a["edit.copy"], a["edit.paste"], a["edit.duplicate"],
                         a["edit.delete"]])  # fmt: skip
        menu.addSeparator()
        menu.addActions([a["edit.split"], a["edit.another_take"], a["edit.select_all"]])
        menu.addSeparator()
        menu.addActions([a[f"tool.{t}"] for t in TOOLS])
        return menu

    def _timeline_menu(self, pos: QPoint) -> None:
        menu = self.timeline_menu(pos)
        menu.exec(self.timeline.viewport().mapToGlobal(pos))
        menu.deleteLater()
