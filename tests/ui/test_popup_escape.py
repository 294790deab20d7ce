"""Escape that closes a popup goes no further: closing the toolbar's » overflow with Escape
once also cleared the timeline's selection (Edit > Select None's shortcut)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QToolButton

from tests.ui.editor_helpers import demo_project, shown_window


def test_escape_closes_the_toolbar_overflow_and_keeps_the_selection(qtbot, monkeypatch):
    w = shown_window(qtbot, monkeypatch, demo_project())
    w.resize(1024, 700)
    qtbot.waitUntil(lambda: w.width() == 1024)
    region = w.doc.project.sorted_regions()[1]
    w.doc.select([region.uid])
    w.timeline.setFocus()
    more = w.toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
    assert more.isVisible()
    collapsed = w.toolbar.height()
    qtbot.mouseClick(more, Qt.MouseButton.LeftButton)  # » shows the tools that did not fit
    qtbot.waitUntil(lambda: w.toolbar.height() > collapsed)
    qtbot.keyClick(QApplication.focusWidget() or w.timeline, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: w.toolbar.height() == collapsed)  # Escape closed it ...
    assert w.doc.selection == {region.uid}  # ... and did not reach the timeline
    # with the overflow closed, Escape is Select None again
    qtbot.keyClick(w.timeline, Qt.Key.Key_Escape)
    assert w.doc.selection == set()
    w.render_workflow.shutdown()
