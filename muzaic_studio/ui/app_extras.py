"""What the packaged desktop app adds to the main window, in one call.

``MainWindow.__init__`` calls ``install_app_extras(self)`` once its menus exist. It:

* makes sure the rotating, key-redacting log is set up (the CLI may have done it);
* adds Help > Open Demo (the editor's window only; ui/window/demo.py), Help > Report a
  problem… and Help > About Muzaic Studio (the window's own
  ``help.about`` action, if it has one, is re-pointed to the versions dialog rather
  than duplicated);
* arms the first-run banner for the window's first show (no key -> offline engine,
  how to add a key; see first_run.FirstRunBanner);
* arms the packaging self-test when MUZAIC_STUDIO_QUIT_AFTER_MS is set (ui/smoke.py).

Kept out of main_window.py so the window's own code does not grow with packaging concerns.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QMenu

from muzaic_studio import logging_setup
from muzaic_studio.ui import smoke
from muzaic_studio.ui.dialogs import first_run
from muzaic_studio.ui.window.demo import demo_action

if TYPE_CHECKING:  # imported when opened: About reads importlib.metadata (issue 17)
    from muzaic_studio.ui.dialogs.about import AboutDialog
    from muzaic_studio.ui.dialogs.report import ReportDialog

log = logging.getLogger(__name__)


class AppExtras:
    """The actions and dialogs added to one window; kept on it as ``window.app_extras``."""

    def __init__(self, window: QMainWindow) -> None:
        self.window = window
        self.about_dialog: AboutDialog | None = None
        self.report_dialog: ReportDialog | None = None
        self._own_menu: QMenu | None = None
        self.report_action = QAction("Report a &problem…", window)
        self.report_action.setObjectName("action_report_problem")
        self.report_action.setStatusTip("Versions, folders and the log, to copy into a report")
        self.report_action.triggered.connect(self.show_report)
        self.about_action: QAction | None = None  # set by add_actions()
        self.first_run: first_run.FirstRunBanner | None = None
        self.demo_action: QAction | None = None  # Help > Open Demo

    def help_menu(self) -> QMenu:
        """The window's ``menus["help"]``; a Help menu of our own (made once) without it."""
        menus = getattr(self.window, "menus", None)
        menu = menus.get("help") if isinstance(menus, dict) else None
        if menu is None:
            if self._own_menu is None:
                self._own_menu = self.window.menuBar().addMenu("&Help")
            menu = self._own_menu
        return menu

    def _window_about_action(self) -> QAction | None:
        actions = getattr(self.window, "action_map", None)  # MainWindow: a dict of QActions
        action = actions.get("help.about") if isinstance(actions, dict) else None
        return action if isinstance(action, QAction) else None

    def add_actions(self) -> None:
        menu = self.help_menu()
        existing = self._window_about_action()
        if existing is not None and existing in menu.actions():
            # The window's About action (shortcut and all) opens the versions dialog.
            existing.triggered.connect(self.show_about)
            self.about_action = existing
            menu.insertAction(existing, self.report_action)
            return
        self.about_action = QAction("&About Muzaic Studio", self.window)
        self.about_action.setObjectName("action_about")
        self.about_action.setMenuRole(QAction.MenuRole.AboutRole)
        self.about_action.triggered.connect(self.show_about)
        if not menu.isEmpty():
            menu.addSeparator()
        menu.addAction(self.report_action)
        menu.addAction(self.about_action)

    def show_about(self) -> AboutDialog:
        from muzaic_studio.ui.dialogs.about import AboutDialog  # importlib.metadata: on use

        if self.about_dialog is None:
            self.about_dialog = AboutDialog(self.window)
        self.about_dialog.show()
        self.about_dialog.raise_()
        return self.about_dialog

    def show_report(self) -> ReportDialog:
        from muzaic_studio.ui.dialogs.report import ReportDialog

        if self.report_dialog is None:
            self.report_dialog = ReportDialog(self.window)
        else:
            self.report_dialog.refresh()  # the report must show the log as it is now
        self.report_dialog.show()
        self.report_dialog.raise_()
        return self.report_dialog


def install_app_extras(window: QMainWindow, *, first_run_check: bool = True) -> AppExtras:
    """Add Help > About / Report a problem, the first-run banner and the self-test.

    (The window icon and the desktop file name, which Wayland uses to match the window
    to muzaic-studio.desktop, are set by ui/app.py.)
    """
    if not logging_setup.is_set_up():
        log_file = logging_setup.setup_logging()
        log.info("logging to %s", log_file)

    extras = AppExtras(window)
    extras.add_actions()
    if hasattr(window, "files"):  # the editor's window: it opens projects
        extras.demo_action = demo_action(window)  # type: ignore[arg-type]
    window.app_extras = extras  # type: ignore[attr-defined]
    if first_run_check:
        extras.first_run = first_run.FirstRunBanner(window)
    smoke.install(window)
    return extras
