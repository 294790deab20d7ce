"""The main window's chrome: menu bar, toolbar, status bar and the Open Recent menu.

An object the `MainWindow` owns, built once the window has its actions (actions.py), its
timeline and its project files; it lays those actions out in menus and bars and keeps the
status labels current. What the actions do is wired in main_window.py and commands.py.
The chrome reads the window's current document on each update, since New and Open swap it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QActionGroup
from PySide6.QtWidgets import QMenu, QToolBar, QToolButton

from muzaic_studio.ui import icons
from muzaic_studio.ui.window.status import WindowStatus

if TYPE_CHECKING:
    from muzaic_studio.ui.window.main_window import MainWindow

TOOLS = ("select", "generate", "copy", "silence")
GRID_MODES = ("off", "seconds", "bars")


class WindowChrome:
    """Builds and updates the window's menus, toolbar and status bar labels."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.action_map = window.action_map
        self.menus = window.menus  # filled here; other features add theirs to the same dict
        self.timeline = window.timeline
        self.files = window.files
        self._build_menus()
        self._build_toolbar()
        self.status = WindowStatus(window.statusBar())
        self.files.recentChanged.connect(self.fill_recent_menu)
        self.fill_recent_menu()
        self.timeline.cursorTimeChanged.connect(self.status.show_cursor)
        self.timeline.zoomChanged.connect(lambda _z: self.update_status())
        self.timeline.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.timeline.customContextMenuRequested.connect(self._open_timeline_menu)

    def _build_menus(self) -> None:
        a = self.action_map
        bar = self.window.menuBar()
        file = self.menus["file"] = bar.addMenu("&File")
        file.addActions([a["file.new"], a["file.open"]])
        self.menus["recent"] = file.addMenu("Open &Recent")
        file.addAction(a["file.restore"])
        file.aboutToShow.connect(self.files.update_restore_action)
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
        self.tool_group = QActionGroup(self.window)
        for t in TOOLS:
            self.tool_group.addAction(a[f"tool.{t}"])
            tools.addAction(a[f"tool.{t}"])
        a["tool.generate"].setChecked(True)
        view = self.menus["view"] = bar.addMenu("&View")
        view.addActions([a["view.zoom_in"], a["view.zoom_out"], a["view.zoom_fit"]])
        view.addSeparator()
        view.addAction(a["view.snap"])
        a["view.snap"].setChecked(True)
        self.grid_group = QActionGroup(self.window)
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
        tb = self.toolbar = QToolBar("Main toolbar", self.window)
        tb.setObjectName("main_toolbar")
        tb.setMovable(False)
        tb.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonIconOnly)
        self.window.addToolBar(Qt.ToolBarArea.TopToolBarArea, tb)
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

    def fill_recent_menu(self) -> None:
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

    def update_status(self, *_args: object) -> None:
        self.status.show_project(self.window.doc.project, self.timeline.scale.px_per_sec)

    def show_playhead(self, seconds: float) -> None:
        layout = getattr(self.window, "video_layout", None)
        if layout is not None:  # the same clock, with the video's frame number
            layout.update_clock(seconds)
        else:
            self.status.show_playhead(seconds)

    # -- the timeline's right-click menu ------------------------------------------------
    def timeline_menu(self, pos: QPoint) -> QMenu:
        """The right-click menu at *pos* (viewport coordinates); selects the region there."""
        view = self.timeline
        region = view.region_at(pos.x()) if view.lane_rect.contains(QPointF(pos)) else None
        doc = self.window.doc
        if region is not None and region.uid not in doc.selection:
            doc.select([region.uid])
        if region is None:
            doc.set_playhead(max(0.0, view.scale.time(pos.x())))
        a = self.action_map
        menu = QMenu(self.window)
        menu.addActions([a["edit.cut"], a["edit.copy"], a["edit.paste"], a["edit.duplicate"],
                         a["edit.delete"]])  # fmt: skip
        menu.addSeparator()
        menu.addActions([a["edit.split"], a["edit.another_take"], a["edit.select_all"]])
        menu.addSeparator()
        menu.addActions([a[f"tool.{t}"] for t in TOOLS])
        return menu

    def _open_timeline_menu(self, pos: QPoint) -> None:
        menu = self.timeline_menu(pos)
        menu.exec(self.timeline.viewport().mapToGlobal(pos))
        menu.deleteLater()
