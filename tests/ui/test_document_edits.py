"""A refused edit names the region the user changed, not whichever comes later in time."""

from __future__ import annotations

import pytest

from muzaic_studio.model import Project, Region
from muzaic_studio.ui.document import EditError, ProjectDocument
from muzaic_studio.ui.inspector.panel import Inspector


def doc_with(*regions: Region) -> ProjectDocument:
    return ProjectDocument(Project(regions=list(regions)))


def theme_and_reprise() -> ProjectDocument:
    return doc_with(
        Region(0.0, 15.0, name="Opening"),
        Region(15.0, 32.5, name="Theme"),
        Region(50.0, 10.0, name="Reprise of the opening"),
    )


def test_lengthening_a_region_into_the_next_names_the_lengthened_one(qtbot):
    doc = theme_and_reprise()
    inspector = Inspector(doc)
    qtbot.addWidget(inspector)
    messages = []
    inspector.message.connect(lambda text, kind: messages.append(text))
    doc.select([doc.project.sorted_regions()[1].uid])
    inspector.duration_spin.setValue(40.0)
    assert messages == ["Refused: 'Theme' would overlap 'Reprise of the opening' (50.00-60.00 s)"]
    assert doc.project.sorted_regions()[1].duration == 32.5


def test_moving_a_region_back_onto_an_earlier_one_names_the_moved_one():
    doc = theme_and_reprise()

    def move(regions):
        next(r for r in regions if r.name == "Reprise of the opening").time = 40.0

    with pytest.raises(
        EditError, match=r"^'Reprise of the opening' would overlap 'Theme' \(15.00-47.50 s\)$"
    ):
        doc.edit("Move", move)


def test_an_overlap_already_in_the_project_does_not_block_unrelated_edits():
    doc = doc_with(
        Region(0.0, 6.0, name="A"), Region(4.0, 4.0, name="B"), Region(20.0, 5.0, name="C")
    )
    doc.edit("Rename", lambda rs: setattr(rs[2], "name", "Outro"))
    assert doc.project.sorted_regions()[2].name == "Outro"
    doc.edit("Move B clear", lambda rs: setattr(rs[1], "time", 6.0))  # the user fixes it
    with pytest.raises(EditError, match="'Outro' would overlap 'B'"):
        doc.edit("Move C", lambda rs: setattr(rs[2], "time", 7.0))


def test_an_overlap_past_a_short_region_is_caught_either_way_round():
    """A long region reaches over a short one onto a third: the check still finds the
    pair the user made, whichever of the two was changed."""
    doc = doc_with(
        Region(0.0, 10.0, name="Bed"), Region(2.0, 1.0, name="Hit"), Region(12.0, 3.0, name="End")
    )  # Bed and Hit overlap already: not the user's doing now
    with pytest.raises(EditError, match=r"^'End' would overlap 'Bed' \(0.00-10.00 s\)$"):
        doc.edit("Move End", lambda rs: setattr(rs[2], "time", 5.0))
    clear = doc_with(
        Region(0.0, 4.0, name="Bed"), Region(5.0, 1.0, name="Hit"), Region(12.0, 3.0, name="End")
    )
    with pytest.raises(EditError, match=r"^'Bed' would overlap 'Hit' \(5.00-6.00 s\)$"):
        clear.edit("Lengthen Bed", lambda rs: setattr(rs[0], "duration", 13.0))


def test_undo_and_redo_of_a_drag_in_a_big_project_restore_each_state_exactly():
    """Edits store only the regions they change (a slider step in a 20,000-region project
    took ~2 s when every edit copied every region); what undo and redo show is the same."""
    doc = doc_with(*[Region(2.0 * i, 1.5, name=f"R{i}") for i in range(300)])
    saved = [r.to_dict() for r in doc.regions]
    for value in (6, 7, 8):  # one drag: merged into one step
        doc.edit("Intensity", lambda rs, v=value: rs[7].params.update(intensity=v), merge_key="i7")
    doc.end_merge()
    doc.edit("Delete", lambda rs: rs.pop(3))
    doc.edit("Split", lambda rs: rs.insert(4, Region(9.6, 0.3, name="new")))
    edited = [r.to_dict() for r in doc.regions]
    assert doc.undo_stack.count() == 3
    for _ in range(3):
        doc.undo_stack.undo()
    assert [r.to_dict() for r in doc.regions] == saved
    for _ in range(3):
        doc.undo_stack.redo()
    assert [r.to_dict() for r in doc.regions] == edited
    assert next(r for r in doc.regions if r.name == "R7").params["intensity"] == 8
