"""Another take from the Inspector and the timeline's context menu: one undo step each, a
new take that marks the region changed (and says what it costs); duplicates get a take of
their own."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt

from muzaic_studio.model import Project, Region
from muzaic_studio.ui import editing
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.inspector.panel import Inspector
from tests.ui.editor_helpers import shown_window


def rendered(region: Region) -> Region:
    region.rendered = {"hash": "h", "spec": region.spec_digest(), "backend": "offline"}
    return region


def test_inspector_another_take_is_one_undo_step_and_says_it_costs_tokens(qtbot):
    doc = ProjectDocument(Project(regions=[rendered(Region(0.0, 6.0, tags=[1])),
                                           Region(6.0, 2.0, "silence")]))  # fmt: skip
    insp = Inspector(doc)
    qtbot.addWidget(insp)
    insp.show()
    gen, silence = doc.project.sorted_regions()
    doc.select([silence.uid])
    assert not insp.take_button.isEnabled()  # silence has no music to take again
    doc.select([gen.uid])
    assert insp.take_button.isEnabled()
    with qtbot.waitSignal(insp.message) as said:
        qtbot.mouseClick(insp.take_button, Qt.MouseButton.LeftButton)
    assert "6 tokens" in said.args[0] and said.args[1] == "info"
    now = doc.project.sorted_regions()[0]
    assert now.take == 1 and now.changed_since_render
    assert doc.undo_stack.undoText() == "Another take"
    doc.undo_stack.undo()
    back = doc.project.sorted_regions()[0]
    assert back.take == 0 and not back.changed_since_render
    doc.undo_stack.redo()
    assert doc.project.sorted_regions()[0].take == 1


def test_context_menu_another_take_and_duplicate_give_new_takes(qtbot, monkeypatch):
    regions = [Region(0.0, 10.0, tags=[1]), Region(30.0, 10.0, tags=[1])]
    window = shown_window(qtbot, monkeypatch, Project(regions=regions))
    view, doc = window.timeline, window.doc
    view.set_zoom(20.0, 0)
    pos = QPoint(int(view.scale.x(35.0)), int(view.lane_rect.center().y()))
    menu = window.chrome.timeline_menu(pos)
    take = next(a for a in menu.actions() if a.text() == "Another &Take")
    before = [r.take for r in doc.project.sorted_regions()]
    take.trigger()
    after = [r.take for r in doc.project.sorted_regions()]
    assert after[0] == before[0] and after[1] not in before
    doc.undo_stack.undo()
    assert [r.take for r in doc.project.sorted_regions()] == before
    editing.duplicate_selection(doc)
    *old, dup = [r.take for r in doc.project.sorted_regions()]
    assert len(old) == 2 and dup not in old  # the duplicate sounds different
    doc.undo_stack.setClean()
