"""A copy region is titled after its source ("copy of Intro"), not "copy 48ec7ad2", when
its source is a region of the project or a named library entry; the hash stays in the
tooltip (new-user trial)."""

from __future__ import annotations

from muzaic_studio.model import LibraryEntry, Project, Region
from muzaic_studio.model.copy_names import region_label
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.inspector.panel import Inspector
from muzaic_studio.ui.timeline.view import TimelineView

HASH = "48ec7ad2aa11bb22"


def project() -> Project:
    intro = Region(0.0, 8.0, name="Intro", region_id="intro")
    intro.rendered = {"hash": HASH, "spec": intro.spec_digest()}
    by_hash = Region(10.0, 8.0, "copy", source_hash=HASH)
    by_region = Region(20.0, 8.0, "copy", source_region="intro")
    from_library = Region(30.0, 4.0, "copy", source_hash="ffee0011")
    unknown = Region(40.0, 4.0, "copy", source_hash="99998888")
    p = Project(regions=[intro, by_hash, by_region, from_library, unknown])
    p.library.add(LibraryEntry("ffee0011", 4.0, name="Rainy theme"))
    return p


def test_copies_are_named_after_their_source():
    p = project()
    labels = [region_label(r, p) for r in p.regions]
    assert labels[1:] == ["copy of Intro", "copy of Intro", "copy of Rainy theme", "copy 99998888"]


def test_timeline_tooltip_names_the_source_and_keeps_the_hash(qtbot):
    view = TimelineView(ProjectDocument(project()))
    qtbot.addWidget(view)
    html = view.tooltip_html(view.doc.project.regions[1])
    assert "copy of Intro" in html and HASH in html


def test_inspector_title_names_the_source(qtbot):
    doc = ProjectDocument(project())
    insp = Inspector(doc)
    qtbot.addWidget(insp)
    doc.select([doc.project.regions[1].uid])
    assert insp.title.text() == "copy of Intro"
