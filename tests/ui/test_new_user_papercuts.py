"""Papercuts a new user hit in a real window (the "newuser" walk): each test is one of them."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QAction, QWheelEvent
from PySide6.QtWidgets import QApplication, QScrollArea

from muzaic_studio.model import Project, Region
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.inspector.panel import Inspector
from muzaic_studio.ui.timeline.canvas import empty_hint
from tests.ui.editor_helpers import open_and_wait, shown_window

DEMO = Path(__file__).resolve().parents[2] / "muzaic_studio" / "data" / "demo.muzaic"


def wheel_down(widget, notches: int = 1) -> bool:
    """A wheel turn over the middle of *widget*; True if the widget kept it (accepted).
    (Qt hands an unaccepted wheel event to the parents, the scroll area here, only for
    events from the window system, so a test reads the acceptance.)"""
    pos = QPointF(widget.width() / 2, widget.height() / 2)
    event = QWheelEvent(pos, widget.mapToGlobal(pos), QPoint(), QPoint(0, -120 * notches),
                        Qt.MouseButton.NoButton, Qt.KeyboardModifier.NoModifier,
                        Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
    QApplication.sendEvent(widget, event)
    return event.isAccepted()


def test_the_wheel_scrolls_the_inspector_instead_of_turning_a_param(qtbot):
    doc = ProjectDocument(Project(regions=[Region(0.0, 10.0)]))
    insp = Inspector(doc)
    qtbot.addWidget(insp)
    insp.resize(360, 300)  # short: the form scrolls
    insp.show()
    doc.select([doc.project.regions[0].uid])
    scroll = insp.findChild(QScrollArea).verticalScrollBar()
    assert scroll.maximum() > 0
    slider = insp.rows["intensity"].slider
    for control in (slider, insp.duration_spin, insp.method_combo, insp.mix_box.gain_spin):
        assert not wheel_down(control, 3)  # passed on to the scroll area
    assert doc.project.regions[0].params["intensity"] == 5 and slider.value() == 5
    assert doc.project.regions[0].duration == 10.0 and doc.project.regions[0].method is None
    assert wheel_down(insp.findChild(QScrollArea).viewport(), 3) and scroll.value() > 0
    assert doc.undo_stack.count() == 0
    # clicked (focused), the slider takes the wheel as usual
    slider.setFocus()
    qtbot.waitUntil(slider.hasFocus)
    wheel_down(slider, 2)
    assert doc.project.regions[0].params["intensity"] != 5


def test_the_empty_timeline_names_the_keys_the_drawing_tools_really_have(qtbot, monkeypatch):
    """It said "M silence", but M adds a marker (silence is Shift+M)."""
    w = shown_window(qtbot, monkeypatch, Project())
    hint = empty_hint()
    for tool in ("generate", "copy", "silence"):
        key = w.action_map[f"tool.{tool}"].shortcut().toString()
        assert f"{key} {tool}" in hint
    marker = w.findChild(QAction, "markers.add").shortcut().toString()
    assert f"· {marker} " not in hint
    w.render_workflow.shutdown()


def test_the_shortcuts_dialog_opens_at_the_size_it_was_left(qtbot):
    from muzaic_studio.ui.dialogs.shortcuts import ShortcutsDialog
    from muzaic_studio.ui.settings import app_settings

    app_settings().remove("dialogs/shortcuts")  # as on a first start
    first = ShortcutsDialog([])
    qtbot.addWidget(first)
    assert (first.width(), first.height()) == (640, 560)  # the default, the first time
    first.resize(700, 420)
    first.reject()  # Close
    again = ShortcutsDialog([])
    qtbot.addWidget(again)
    assert (again.width(), again.height()) == (700, 420)


def test_the_demos_tips_are_not_saved_into_the_users_project(qtbot, monkeypatch, tmp_path):
    w = shown_window(qtbot, monkeypatch, Project())
    w.files.maybe_save = lambda: True
    assert open_and_wait(qtbot, w, DEMO)
    assert w.message_bar.text.startswith("Try:")  # the demo says what to try
    mine = tmp_path / "mine.muzaic"
    w.doc.save(mine)
    assert "Try:" not in mine.read_text()
    w.message_bar.dismiss()
    assert open_and_wait(qtbot, w, mine)
    assert not (w.message_bar.isVisible() and w.message_bar.text.startswith("Try:"))
    w.render_workflow.shutdown()
