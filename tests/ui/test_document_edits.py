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
