"""Menu/keyboard edits through the window's actions: split, delete, duplicate, clipboard,
nudge, select; each is one undo step and undo restores the exact project."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication

from muzaic_studio.model import Project, Region
from muzaic_studio.ui import editing
from tests.ui.editor_helpers import shown_window


@pytest.fixture
def window(qtbot, monkeypatch):
    regions = [
        Region(0.0, 10.0, tags=[1], params={"intensity": [[0, 2], [100, 10]], "tempo": 5,
                                            "tone": 5, "variance": 5, "rhythm": 5}),
        Region(10.0, 5.0, "silence"),
        Region(30.0, 10.0, tags=[2]),
    ]  # fmt: skip
    w = shown_window(qtbot, monkeypatch, Project(regions=regions))
    yield w
    w.doc.undo_stack.setClean()


def state(doc):
    return [r.to_dict() for r in doc.project.sorted_regions()]


def trigger_and_undo(window, key):
    """Trigger an action; check it made exactly one undo step that restores the project."""
    doc = window.doc
    before, steps = state(doc), doc.undo_stack.index()
    window.action_map[key].trigger()
    after = state(doc)
    assert doc.undo_stack.index() == steps + 1, key
    doc.undo_stack.undo()
    assert state(doc) == before
    doc.undo_stack.redo()
    assert state(doc) == after
    return after


def test_split_at_playhead_keeps_the_curve(window):
    doc = window.doc
    doc.set_playhead(2.5)
    window.action_map["edit.split"].trigger()
    assert len(doc.selection) == 2  # both halves selected
    doc.undo_stack.undo()
    after = trigger_and_undo(window, "edit.split")
    assert [(r["time"], r["duration"]) for r in after[:2]] == [(0.0, 2.5), (2.5, 7.5)]
    left, right = after[0]["params"]["intensity"], after[1]["params"]["intensity"]
    assert left == [[0.0, 2], [100.0, 4.0]] and right == [[0.0, 4.0], [100.0, 10]]


def test_split_only_selected_and_refuses_outside(window):
    doc = window.doc
    doc.set_playhead(20.0)
    window.action_map["edit.split"].trigger()
    assert window.message_bar.kind == "warning" and "Nothing to split" in window.message_bar.text
    assert doc.undo_stack.count() == 0


def test_split_cuts_the_region_under_the_playhead_even_with_another_selected(window):
    """Found by a new user: Theme selected, playhead moved into Build-up, S said "Nothing to
    split: put the playhead inside a region" although it was inside one."""
    doc = window.doc
    doc.select([doc.project.sorted_regions()[2].uid])  # the region at 30-40 s
    doc.set_playhead(2.5)  # inside the first region, not the selected one
    window.action_map["edit.split"].trigger()
    assert [(r.time, r.duration) for r in doc.project.sorted_regions()][:2] == [
        (0.0, 2.5),
        (2.5, 7.5),
    ]
    assert window.message_bar.kind != "warning"


def test_split_keyframes_math():
    left, right = editing.split_keyframes([[0, 2], [50, 10], [100, 4]], 0.25)
    assert left == [[0.0, 2], [100.0, 6.0]]
    assert right == [[0.0, 6.0], [33.333, 10], [100.0, 4]]


def test_delete_duplicate_and_select_all(window):
    doc = window.doc
    doc.select([doc.project.sorted_regions()[2].uid])
    after = trigger_and_undo(window, "edit.duplicate")
    assert [(r["time"], r["duration"]) for r in after][-2:] == [(30.0, 10.0), (40.0, 10.0)]
    window.action_map["edit.select_all"].trigger()
    assert len(doc.selection) == 4
    trigger_and_undo(window, "edit.delete")
    assert doc.regions == []
    doc.undo_stack.undo()
    assert len(doc.regions) == 4


def test_duplicate_without_room_is_refused(window):
    doc = window.doc
    doc.select([doc.project.sorted_regions()[0].uid])  # 0-10, the next 10 s are taken
    window.action_map["edit.duplicate"].trigger()
    assert "No room" in window.message_bar.text and len(doc.regions) == 3


def test_copy_paste_and_cut(window):
    doc = window.doc
    doc.select([r.uid for r in doc.project.sorted_regions()[:2]])
    window.action_map["edit.copy"].trigger()
    assert "muzaic-studio/regions" in QGuiApplication.clipboard().text()
    doc.set_playhead(50.0)
    after = trigger_and_undo(window, "edit.paste")
    assert [(r["time"], r["action"]) for r in after][-2:] == [(50.0, "generate"), (60.0, "silence")]
    assert after[-2]["params"]["intensity"] == [[0, 2], [100, 10]]
    doc.set_playhead(5.0)
    window.action_map["edit.paste"].trigger()  # would land on the first region
    assert "Cannot paste" in window.message_bar.text
    doc.select([doc.project.sorted_regions()[0].uid])
    trigger_and_undo(window, "edit.cut")
    assert len(doc.regions) == 4
    QGuiApplication.clipboard().setText("not regions")
    window.action_map["edit.paste"].trigger()
    assert "no Muzaic regions" in window.message_bar.text


def test_arrow_nudge_merges_into_one_step(window, qtbot):
    doc = window.doc
    last = doc.project.sorted_regions()[2]
    doc.select([last.uid])
    window.commands.set_grid("off")
    window.timeline.setFocus()
    for _ in range(3):
        qtbot.keyClick(window.timeline, Qt.Key.Key_Right)
    assert doc.region(last.uid).time == pytest.approx(30.3)
    qtbot.keyClick(window.timeline, Qt.Key.Key_Left, Qt.KeyboardModifier.ShiftModifier)
    assert doc.region(last.uid).time == pytest.approx(29.3)
    assert doc.undo_stack.count() == 1  # repeated nudges of one selection are one step
    doc.undo_stack.undo()
    assert doc.region(last.uid).time == 30.0


def test_nudge_into_neighbour_is_refused(window):
    doc = window.doc
    doc.select([doc.project.sorted_regions()[1].uid])
    window.commands.nudge(-1, small=False)
    assert "Cannot nudge" in window.message_bar.text
    assert doc.project.sorted_regions()[1].time == 10.0


def test_alt_arrows_walk_the_selection_and_playhead_edges(window):
    doc = window.doc
    window.action_map["edit.select_next"].trigger()
    assert doc.selected_regions()[0].time == 0.0
    window.action_map["edit.select_next"].trigger()
    assert doc.selected_regions()[0].time == 10.0
    window.action_map["view.playhead_next"].trigger()
    assert doc.playhead == 10.0
    window.action_map["view.playhead_end"].trigger()
    assert doc.playhead == 40.0
    window.action_map["view.playhead_prev"].trigger()
    assert doc.playhead == 30.0


def test_tools_and_grid_actions_drive_the_timeline(window):
    window.action_map["tool.silence"].trigger()
    assert window.timeline.tool == "silence"
    window.action_map["view.grid_bars"].trigger()
    assert window.timeline.grid_mode == "bars"
    window.action_map["view.snap"].trigger()
    assert window.timeline.snapping is False


def test_right_click_menu_selects_the_region_under_it(window):
    from PySide6.QtCore import QPoint

    view, doc = window.timeline, window.doc
    view.set_zoom(20.0, 0)
    last = doc.project.sorted_regions()[2]
    pos = QPoint(int(view.scale.x(35.0)), int(view.lane_rect.center().y()))
    menu = window.chrome.timeline_menu(pos)
    assert doc.selection == {last.uid}
    texts = [a.text() for a in menu.actions() if not a.isSeparator()]
    assert "&Split at Playhead" in texts and "D&uplicate" in texts and "&Delete" in texts
    window.chrome.timeline_menu(QPoint(int(view.scale.x(22.0)), pos.y()))  # empty space
    assert doc.playhead == pytest.approx(22.0, abs=0.05)


def test_escape_cancels_a_drag_inside_the_window(window, qtbot):
    from PySide6.QtCore import QPointF

    from tests.ui.editor_helpers import mouse

    view, doc = window.timeline, window.doc
    view.set_zoom(20.0, 0)
    last = doc.project.sorted_regions()[2]
    doc.select([last.uid])
    vp, y = view.viewport(), view.lane_rect.center().y()
    view.setFocus()
    mouse(vp, "press", QPointF(view.scale.x(35), y))
    mouse(vp, "move", QPointF(view.scale.x(45), y))
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert not view.interaction.active
    mouse(vp, "release", QPointF(view.scale.x(45), y))
    assert doc.region(last.uid).time == 30.0 and doc.undo_stack.count() == 0
    assert doc.selection == {last.uid}  # Escape cancelled the drag, not the selection
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    assert doc.selection == set()  # with no drag, Escape is "Select None"
