"""Help > Open Demo, and the offer of the demo on a first start.

The demo project ships inside the package (muzaic_studio/data), so an installed app has
it too. It always opens as an untitled copy: the user's Save asks where, instead of
writing into the installation (or, in a checkout, into the repository's demo).

A first start (no project given, nothing in Open Recent, never offered before) shows a
banner offering it: a new user otherwise meets an empty timeline and no idea what the
app sounds like. The offer is made once; Help > Open Demo stays for later.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction

from muzaic_studio.data import DEMO_PROJECT
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.settings import app_settings, read_flag
from muzaic_studio.ui.window.project_files import show_note
from muzaic_studio.ui.window.project_loader import Loaded

if TYPE_CHECKING:
    from muzaic_studio.ui.window.main_window import MainWindow

OFFERED_KEY = "firstRun/demoOffered"
OFFER_TEXT = (
    "New to Muzaic Studio? Open the demo project: a one-minute score to render, play and change."
)
log = logging.getLogger(__name__)


def open_demo(window: MainWindow) -> bool:
    """Show an untitled copy of the shipped demo once read (off the GUI thread, as Open
    reads); asks to save unsaved changes first, as Open does. True when the read started."""

    def show(loaded: Loaded) -> bool:
        project = loaded.project
        if not window.files.may_show():
            return False
        if not project.name:
            project.name = "Demo (copy)"
        window.set_document(ProjectDocument(project, None))
        log.info("opened the demo (%d regions)", len(project.regions))
        show_note(window, project)
        return True

    def failed(text: str) -> None:  # a broken installation: say so, keep the open project
        log.warning("the demo cannot be opened: %s", text)
        window.show_message(f"The demo project cannot be opened. {text}", "error")

    return window.files.read(DEMO_PROJECT, "the demo", show, failed)


def demo_action(window: MainWindow) -> QAction:
    """Help > Open Demo, at the top of the Help menu."""
    action = QAction("Open &Demo", window)
    action.setObjectName("help.open_demo")
    tip = "Open the demo project as a new, untitled project"
    action.setStatusTip(tip)
    action.setToolTip(tip)
    action.triggered.connect(lambda _checked=False: open_demo(window))
    menu = window.menus["help"]
    if menu.actions():
        first = menu.actions()[0]
        menu.insertAction(first, action)
        menu.insertSeparator(first)
    else:
        menu.addAction(action)
    return action


def is_first_start(window: MainWindow) -> bool:
    """An empty untitled project, nothing opened before, and never offered the demo."""
    doc = window.doc
    if doc.path is not None or doc.project.regions or window.files.recent():
        return False
    return not read_flag(OFFERED_KEY)


def offer_demo(window: MainWindow) -> bool:
    """On a first start, a banner with an Open Demo button; True when it was shown."""
    if not is_first_start(window):
        return False
    window.show_message(OFFER_TEXT, "info", "Open Demo", lambda: open_demo(window))
    app_settings().setValue(OFFERED_KEY, True)
    return True
