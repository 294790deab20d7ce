"""The main window's size and dock layout: a first-start default, the saved one restored,
saved again on quit.

Kept out of main_window.py because it has its own state: the saved dock state is applied
again after every dock added later (the render and video workflows add theirs after the
window restored its layout), so a dock comes back where the user left it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import QByteArray, Qt
from PySide6.QtGui import QGuiApplication

from muzaic_studio.ui.settings import app_settings

if TYPE_CHECKING:
    from muzaic_studio.ui.window.main_window import MainWindow


class WindowLayout:
    """Default size, default dock arrangement, and the saved geometry and dock state."""

    def __init__(self, window: MainWindow) -> None:
        self.window = window
        self.saved_state: QByteArray | None = None

    def dock_added(self) -> None:
        """A dock joined the window: put it where the saved layout has it."""
        if self.saved_state is not None:
            self.window.restoreState(self.saved_state)

    def default_size(self) -> None:
        """First start: most of the screen (the toolbar needs ~1440 px to show everything),
        never less than 1280x780; a saved geometry replaces this in `restore`."""
        width, height = 1280, 780
        screen = self.window.screen()
        # The offscreen platform (tests, benches) reports a fictional 800x600 screen.
        if screen is not None and QGuiApplication.platformName() != "offscreen":
            avail = screen.availableGeometry()
            width = max(width, min(1680, int(avail.width() * 0.9)))
            height = max(height, min(1050, int(avail.height() * 0.9)))
            width, height = min(width, avail.width()), min(height, avail.height())
        self.window.resize(width, height)

    def arrange_docks(self) -> None:
        """Default layout: the inspector on the right, other right-hand panels as tabs under it."""
        w = self.window
        inspector = w.docks["Inspector"]
        others = [d for d in w.docks.values() if d is not inspector
                  and w.dockWidgetArea(d) == Qt.DockWidgetArea.RightDockWidgetArea]  # fmt: skip
        if not others:
            return
        w.splitDockWidget(inspector, others[0], Qt.Orientation.Vertical)
        for dock in others[1:]:
            w.tabifyDockWidget(others[0], dock)
        others[0].raise_()
        # the inspector (tags, params) gets most of a tall screen; the panels under it a quarter
        height = max(780, w.height())
        w.resizeDocks([inspector, others[0]], [height * 3 // 4, height // 4],
                      Qt.Orientation.Vertical)  # fmt: skip
        w.resizeDocks([inspector], [360], Qt.Orientation.Horizontal)

    def restore(self) -> None:
        s = app_settings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.window.restoreGeometry(geometry)
        state = s.value("window/state")
        self.saved_state = state if isinstance(state, QByteArray) and not state.isEmpty() else None
        if self.saved_state is not None:
            self.window.restoreState(self.saved_state)

    def save(self) -> None:
        s = app_settings()
        s.setValue("window/geometry", self.window.saveGeometry())
        s.setValue("window/state", self.window.saveState())
        s.sync()
