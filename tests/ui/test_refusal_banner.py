"""A refused timeline gesture's warning goes with the next edit that goes through: it
stayed up naming a region the user had since deleted (new-user trial)."""

from __future__ import annotations

from PySide6.QtCore import Qt

from muzaic_studio.model import Project, Region
from tests.ui.editor_helpers import drag, shown_window


def test_the_refusal_warning_goes_with_the_next_edit(qtbot, monkeypatch):
    w = shown_window(
        qtbot, monkeypatch, Project(regions=[Region(0.0, 10.0, tags=[1]), Region(30.0, 10.0)])
    )
    view, bar, doc = w.timeline, w.message_bar, w.doc
    view.set_zoom(20.0, 0)
    view.scroll_to(0)
    drag(view, 35.0, 8.0, modifiers=Qt.KeyboardModifier.ShiftModifier)  # onto the first
    assert bar.isVisible() and "overlap" in bar.text and bar.kind == "warning"
    doc.edit("delete", lambda rs: rs.pop(0))  # the region it named is gone
    assert not bar.isVisible()
    w.doc.undo_stack.setClean()
    w.render_workflow.shutdown()
