"""The Inspector reads a region's tags by name and shows each slider with its tags' bonus."""

from __future__ import annotations

from PySide6.QtCore import Qt

from muzaic_studio.model import Project, Region
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.inspector.panel import Inspector
from muzaic_studio.ui.inspector.tag_catalogue import TagCatalogue


def tag(tid: str, name: str, **bonus: str) -> dict:
    fields = dict.fromkeys(("int_bonus", "tem_bonus", "rhy_bonus", "ton_bonus", "var_bonus"), "0")
    return {"id": tid, "name": name, "tagCategoryId": "1", **fields, **bonus}


# A cloud-shaped catalogue (strings for numbers), numbered unlike the offline engine.
CATALOGUE = {
    "tags": [
        tag("1", "acoustic", int_bonus="1", ton_bonus="1"),
        tag("2", "electronic", int_bonus="1", ton_bonus="-3"),
        tag("3", "calm", tem_bonus="-2"),
    ],
    "tagsRelations": {},
}


def inspector(qtbot, region: Region) -> Inspector:
    doc = ProjectDocument(Project(regions=[region]))
    w = Inspector(doc)
    w.set_catalogue(TagCatalogue.from_response(CATALOGUE))
    qtbot.addWidget(w)
    w.show()
    doc.select([region.uid])
    return w


def test_sliders_show_the_combined_tag_bonus_by_the_docs_rule(qtbot):
    # Ids from another catalogue (the offline engine's): the names decide.
    w = inspector(qtbot, Region(0, 8, tags=[14, 15], tag_names=["Acoustic", "ELECTRONIC"]))
    assert w.tag_picker.items_by_tag[1].checkState() == Qt.CheckState.Checked
    assert w.tag_picker.items_by_tag[2].checkState() == Qt.CheckState.Checked
    # +1 and +1: the largest, not the sum (+2), so 5 reads "5 (+1)".
    assert w.rows["intensity"].value.text() == "5 (+1)"
    assert w.rows["tone"].value.text() == "5 (-1)"  # +1 and -3: the rounded average
    assert w.rows["tempo"].value.text() == "5"
    w.rows["intensity"].slider.setValue(6)
    assert w.rows["intensity"].value.text() == "6 (+1)"
    assert w.doc.project.regions[0].params["intensity"] == 6


def test_ticking_a_tag_stores_its_name_and_updates_the_bonus(qtbot):
    w = inspector(qtbot, Region(0, 8))
    w.tag_picker.items_by_tag[3].setCheckState(Qt.CheckState.Checked)
    region = w.doc.project.regions[0]
    assert (region.tags, region.tag_names) == ([3], ["calm"])
    assert w.rows["tempo"].value.text() == "5 (-2)"
    w.doc.undo_stack.undo()
    assert w.doc.project.regions[0].tag_names == []
    assert w.rows["tempo"].value.text() == "5"


def test_a_library_hash_is_labelled_by_its_saved_names_not_by_this_catalogues_ids(qtbot):
    from muzaic_studio.model import LibraryEntry

    region = Region(0, 8, action="copy")
    w = inspector(qtbot, region)
    # Made offline in 0.1, where id 2 was Cinematic; in this catalogue 2 is electronic.
    w.doc.project.library.add(LibraryEntry("h" * 32, 8.0, tags=[2], tag_names=["Cinematic"]))
    w.refresh()
    assert "Cinematic" in w.source_combo.itemText(0)
    assert "electronic" not in w.source_combo.itemText(0)
