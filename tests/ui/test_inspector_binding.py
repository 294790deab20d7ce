"""The inspector: model -> controls and controls -> model, one undo step per gesture."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt

from muzaic_studio.model import LibraryEntry, Project, Region
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.inspector.panel import Inspector
from muzaic_studio.ui.inspector.tag_catalogue import TagCatalogue
from tests.ui.editor_helpers import mouse

CATALOGUE = {
    "tags": [{"id": 10, "name": "Happy", "tagCategoryId": 2}, {"id": 11, "name": "Sad", "tagCategoryId": 2},
             {"id": 18, "name": "Piano", "tagCategoryId": 3}],
    "tagsRelations": {"10": {"11": -1}, "11": {"10": -1}},
    "categories": [{"id": 2, "name": "Mood"}, {"id": 3, "name": "Instrument"}],
}  # fmt: skip


@pytest.fixture
def insp(qtbot):
    doc = ProjectDocument(
        Project(
            regions=[Region(0.0, 10.0, tags=[10]), Region(10.0, 5.0), Region(20.0, 4.0, "copy")]
        )
    )
    doc.project.library.add(LibraryEntry("abc123def456", 4.0))
    w = Inspector(doc)
    w.set_catalogue(TagCatalogue.from_response(CATALOGUE))
    qtbot.addWidget(w)
    w.resize(360, 900)
    w.show()
    return w


def select(insp, *indices):
    regions = insp.doc.project.sorted_regions()
    insp.doc.select([regions[i].uid for i in indices])


def test_shows_the_selected_region(insp):
    select(insp, 0)
    assert insp.pages.currentIndex() == 1
    assert insp.rows["tempo"].slider.value() == 5
    assert insp.start_spin.value() == 0.0 and insp.duration_spin.value() == 10.0
    assert insp.tag_picker.items_by_tag[10].checkState() == Qt.CheckState.Checked
    assert not insp.source_box.isVisibleTo(insp) and insp.params_box.isVisibleTo(insp)
    insp.doc.select(())
    assert insp.pages.currentIndex() == 0


def test_slider_drag_is_one_undo_step_and_model_comes_back(insp):
    select(insp, 0)
    doc, slider = insp.doc, insp.rows["intensity"].slider
    slider.setSliderDown(True)
    for v in (6, 7, 8):
        slider.setValue(v)
    slider.setSliderDown(False)  # emits sliderReleased -> end_merge
    assert doc.project.sorted_regions()[0].params["intensity"] == 8
    assert doc.undo_stack.count() == 1
    assert doc.undo_stack.undoText() == "Set intensity to 8"  # the merged step says where it ended
    slider.setSliderDown(True)
    slider.setValue(9)
    slider.setSliderDown(False)
    assert doc.undo_stack.count() == 2  # the next drag is a new step
    doc.undo_stack.undo()
    assert slider.value() == 8 and insp.rows["intensity"].value.text() == "8"
    doc.undo_stack.undo()
    assert slider.value() == 5 and doc.project.sorted_regions()[0].params["intensity"] == 5


def test_keyboard_slider_steps_merge_into_one_undo_step(insp, qtbot):
    select(insp, 0)
    slider = insp.rows["tone"].slider
    slider.setFocus()
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    qtbot.keyClick(slider, Qt.Key.Key_Right)
    assert insp.doc.project.sorted_regions()[0].params["tone"] == 7
    assert insp.doc.undo_stack.count() == 1  # one Undo takes the arrow presses back
    assert insp.doc.undo_stack.undoText() == "Set tone to 7"
    slider.setSliderDown(True)  # a drag afterwards is a step of its own
    slider.setValue(9)
    slider.setSliderDown(False)
    assert insp.doc.undo_stack.count() == 2
    insp.doc.undo_stack.undo()
    insp.doc.undo_stack.undo()
    assert insp.doc.project.sorted_regions()[0].params["tone"] == 5


def test_multi_selection_edits_all_in_one_step(insp):
    select(insp, 0, 1)
    assert insp.title.text() == "2 regions selected"
    insp.rows["tempo"].slider.setValue(9)
    insp.method_combo.activated.emit(2)  # Smart
    doc = insp.doc
    assert [r.params["tempo"] for r in doc.project.sorted_regions()[:2]] == [9, 9]
    assert [r.method for r in doc.project.sorted_regions()[:2]] == ["smart", "smart"]
    assert doc.undo_stack.count() == 2 and "(2 regions)" in doc.undo_stack.undoText()
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert [r.params["tempo"] for r in doc.project.sorted_regions()[:2]] == [5, 5]


def test_mixed_values_are_marked(insp):
    insp.doc.edit("x", lambda rs: rs[1].params.__setitem__("rhythm", 2))
    select(insp, 0, 1)
    assert insp.rows["rhythm"].value.text().endswith("*")


def test_tags_toggle_and_conflict_warning(insp):
    select(insp, 0)
    item = insp.tag_picker.items_by_tag[11]
    item.setCheckState(Qt.CheckState.Checked)
    region = insp.doc.project.sorted_regions()[0]
    assert region.tags == [10, 11]
    assert insp.tag_picker.warning.isVisibleTo(insp)
    assert "Happy conflicts with Sad" in insp.tag_picker.warning.text()
    insp.tag_picker.items_by_tag[10].setCheckState(Qt.CheckState.Unchecked)
    assert insp.doc.project.sorted_regions()[0].tags == [11]
    assert not insp.tag_picker.warning.isVisibleTo(insp)


def test_tag_search_filters(insp):
    select(insp, 0)
    insp.tag_picker.search.setText("pia")
    visible = [i.text() for i in insp.tag_picker.items_by_tag.values() if not i.isHidden()]
    assert visible == ["Piano"]


def test_partial_tags_on_multi_selection_then_add_to_all(insp):
    select(insp, 0, 1)
    item = insp.tag_picker.items_by_tag[10]
    assert item.checkState() == Qt.CheckState.PartiallyChecked
    item.setCheckState(Qt.CheckState.Checked)
    assert all(10 in r.tags for r in insp.doc.project.sorted_regions()[:2])


def test_keyframes_toggle_and_curve_drag(insp, qtbot):
    select(insp, 0)
    row = insp.rows["variance"]
    row.toggle.setChecked(True)
    region = insp.doc.project.sorted_regions()[0]
    assert region.params["variance"] == [[0.0, 5], [100.0, 5]]
    assert row.curve.isVisibleTo(insp) and not row.slider.isEnabled()
    curve = row.curve
    curve.resize(220, 64)
    start = curve.to_pos(100.0, 5)
    mouse(curve, "press", start)
    mouse(curve, "move", curve.to_pos(100.0, 7))
    mouse(curve, "move", curve.to_pos(100.0, 9))
    mouse(curve, "release", curve.to_pos(100.0, 9))
    assert insp.doc.project.sorted_regions()[0].params["variance"] == [[0.0, 5], [100.0, 9]]
    mouse(curve, "press", curve.to_pos(50.0, 2))  # adds a point
    mouse(curve, "release", curve.to_pos(50.0, 2))
    assert insp.doc.project.sorted_regions()[0].params["variance"][1] == [50.0, 2]
    steps = insp.doc.undo_stack.count()
    assert steps == 3  # animate, drag, add point
    assert row.toggle.isEnabled() and not insp.rows["tempo"].toggle.isEnabled()
    row.toggle.setChecked(False)
    assert insp.doc.project.sorted_regions()[0].params["variance"] == 5
    for _ in range(4):
        insp.doc.undo_stack.undo()
    assert insp.doc.project.sorted_regions()[0].params["variance"] == 5
    assert not row.toggle.isChecked()


def test_copy_source_picker_and_action_change(insp):
    select(insp, 2)
    assert insp.source_box.isVisibleTo(insp) and not insp.params_box.isVisibleTo(insp)
    assert "copy source" in insp.problems.text() and "sourceHash" not in insp.problems.text()
    insp.source_combo.activated.emit(0)
    region = insp.doc.project.sorted_regions()[2]
    assert region.source_hash == "abc123def456"
    assert not insp.problems.isVisibleTo(insp)
    insp.action_combo.activated.emit(0)
    assert insp.doc.project.sorted_regions()[2].action == "generate"


def test_time_fields_and_refused_overlap(insp, qtbot):
    select(insp, 1)
    messages = []
    insp.message.connect(lambda text, kind: messages.append(text))
    insp.duration_spin.setValue(7.5)
    assert insp.doc.project.sorted_regions()[1].duration == 7.5
    insp.duration_spin.setValue(12.0)  # would run into the copy region at 20 s
    assert insp.doc.project.sorted_regions()[1].duration == 7.5
    assert messages and "overlap" in messages[-1]
    assert insp.duration_spin.value() == 7.5  # the control went back
    insp.start_spin.setValue(11.0)
    assert insp.doc.project.sorted_regions()[1].time == 11.0


def test_rename(insp, qtbot):
    select(insp, 0)
    insp.name_edit.setText("Intro")
    insp.name_edit.editingFinished.emit()
    assert insp.doc.project.sorted_regions()[0].name == "Intro"
    assert insp.title.text() == "Intro"


def test_curve_editor_point_rules(qtbot):
    from muzaic_studio.ui.inspector.keyframe_editor import KeyframeEditor, normalized

    assert normalized([[30, 3.4], [120, 12]]) == [[0.0, 3], [30.0, 3], [100.0, 10]]
    ed = KeyframeEditor()
    qtbot.addWidget(ed)
    ed.resize(200, 64)
    ed.set_points([[0, 1], [50, 10], [100, 1]])
    got = []
    ed.pointsChanged.connect(lambda pts, final: got.append((pts, final)))
    mouse(ed, "double", ed.to_pos(50, 10))
    assert ed.points == [[0.0, 1], [100.0, 1]] and got[-1][1] is True
    mouse(ed, "press", ed.to_pos(0, 1), button=Qt.MouseButton.RightButton)
    assert len(ed.points) == 2  # the end points stay
    assert QPointF(ed.to_pos(100, 10)).y() < QPointF(ed.to_pos(100, 1)).y()


def test_several_regions_show_mixed_times_and_a_typed_duration_sets_all(insp, qtbot):
    select(insp, 0, 1)  # 0-10 s and 10-15 s
    doc = insp.doc
    before = [(r.time, r.duration) for r in doc.project.sorted_regions()]
    for spin in (insp.start_spin, insp.duration_spin):
        assert spin.lineEdit().text() == "mixed"  # not the first region's value as if shared
    assert not insp.start_spin.isEnabled()  # one start can't be typed for both
    insp.start_spin.setValue(3.0)  # even if a value arrives, nothing moves
    assert [(r.time, r.duration) for r in doc.project.sorted_regions()] == before
    insp.duration_spin.lineEdit().setFocus()
    insp.duration_spin.lineEdit().selectAll()
    qtbot.keyClicks(insp.duration_spin.lineEdit(), "4")
    qtbot.keyClick(insp.duration_spin.lineEdit(), Qt.Key.Key_Return)
    regions = doc.project.sorted_regions()
    assert [(r.time, r.duration) for r in regions[:2]] == [(0.0, 4.0), (10.0, 4.0)]
    assert insp.duration_spin.lineEdit().text() == "4.000 s"  # now shared, shown as such
    select(insp, 1)
    assert insp.start_spin.isEnabled() and insp.start_spin.lineEdit().text() == "10.000 s"


def test_subtitle_tells_never_rendered_from_changed_since_render(insp):
    select(insp, 1)
    assert "not rendered yet" in insp.subtitle.text()
    assert "changed since render" not in insp.subtitle.text()
    region = insp.doc.project.sorted_regions()[1]
    region.rendered = {"hash": "feedbeef", "spec": region.spec_digest()}
    insp.refresh()
    assert "not rendered" not in insp.subtitle.text()
    assert "changed" not in insp.subtitle.text()
    insp.duration_spin.setValue(4.0)
    assert "changed since render" in insp.subtitle.text()


def test_tag_list_shows_several_rows_whatever_the_font(insp, qtbot):
    from muzaic_studio.engine.tags import catalogue

    insp.set_catalogue(TagCatalogue.from_response(catalogue()))
    font = insp.font()
    font.setPointSize(20)  # a large desktop font: a fixed pixel height showed ~1.5 rows
    insp.setFont(font)
    select(insp, 0)
    qtbot.wait(10)
    tags = insp.tag_picker.list
    row = tags.sizeHintForRow(1)
    assert tags.viewport().height() >= 6 * row


def test_a_catalogue_arriving_while_regions_are_selected_changes_no_tags(insp):
    """Was: each tag's colour, set when a catalogue arrived (start-up, a backend switch),
    read as a click: a tag some selected regions had was added to all of them."""
    select(insp, 0, 1)
    before = [list(r.tags) for r in insp.doc.project.sorted_regions()]
    insp.set_catalogue(TagCatalogue.from_response(CATALOGUE))
    assert [list(r.tags) for r in insp.doc.project.sorted_regions()] == before
    assert insp.doc.undo_stack.count() == 0


def test_a_region_past_twenty_minutes_shows_its_own_start_and_length(qtbot):
    """A project may run past the 20 minutes a render allows (the banner says so): the
    fields showed a region at 25:00 lasting 30 min as "1200.000 s" and "1200.000 s"."""
    doc = ProjectDocument(Project(regions=[Region(1500.0, 1800.0)]))
    w = Inspector(doc)
    qtbot.addWidget(w)
    doc.select([doc.project.regions[0].uid])
    assert w.start_spin.value() == 1500.0 and w.duration_spin.value() == 1800.0
    assert doc.project.regions[0].time == 1500.0  # showing it moved nothing


def test_a_copy_of_a_project_region_names_that_region_in_its_source_field(qtbot):
    """The demo's reprise copies the region 'Opening' (sourceRegion, no hash yet): its
    Source field was empty with "Pick from the library or paste a hash", as if it copied
    nothing, while the timeline said "⟲ region opening"."""
    opening = Region(0.0, 12.0, name="Opening", region_id="opening")
    reprise = Region(50.0, 10.0, "copy", name="Reprise", source_region="opening")
    doc = ProjectDocument(Project(regions=[opening, reprise]))
    w = Inspector(doc)
    qtbot.addWidget(w)
    doc.select([reprise.uid])
    edit = w.source_combo.lineEdit()
    assert edit.text() == "" and "Opening" in edit.placeholderText()
    plain = Region(70.0, 4.0, "copy")
    doc.edit("Add", lambda rs: rs.append(plain))
    doc.select([plain.uid])
    assert "Opening" not in w.source_combo.lineEdit().placeholderText()
