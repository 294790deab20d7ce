"""Searching tags in the inspector: the tags found come into view, Enter adds the first.

Found by a new user at 1920x1080: the tag list sits at the bottom of the inspector,
below the fold, so typing "jaz" in the search field seemed to do nothing, and Enter
did nothing either.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QScrollArea

from muzaic_studio.model import Project, Region
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.inspector.panel import Inspector
from muzaic_studio.ui.inspector.tag_catalogue import TagCatalogue
from tests.ui.test_inspector_binding import CATALOGUE


@pytest.fixture
def insp(qtbot):
    doc = ProjectDocument(Project(regions=[Region(0.0, 10.0, tags=[10])]))
    w = Inspector(doc)
    w.set_catalogue(TagCatalogue.from_response(CATALOGUE))
    qtbot.addWidget(w)
    w.resize(360, 420)  # a short panel: the tag list starts below the fold
    w.show()
    qtbot.waitExposed(w)
    doc.select([doc.project.regions[0].uid])
    scroll(w).verticalScrollBar().setValue(0)
    return w


def scroll(insp) -> QScrollArea:
    found = insp.findChild(QScrollArea)
    assert found is not None
    return found


def shown(insp, item) -> bool:
    """Whether the tag row is on screen inside the inspector's scroll area."""
    tags = insp.tag_picker.list
    rect = tags.visualItemRect(item)
    top_left = tags.viewport().mapTo(scroll(insp).viewport(), rect.topLeft())
    bottom = top_left.y() + rect.height()
    return top_left.y() >= 0 and bottom <= scroll(insp).viewport().height()


def test_the_tags_found_scroll_into_view(insp, qtbot):
    piano = insp.tag_picker.items_by_tag[18]
    assert not shown(insp, piano)  # the premise: below the fold before searching
    insp.tag_picker.search.setFocus()
    qtbot.keyClicks(insp.tag_picker.search, "pia")
    assert shown(insp, piano)
    assert insp.tag_picker.search.visibleRegion().boundingRect().height() > 0


def test_enter_adds_the_first_tag_found_and_clears_the_search(insp, qtbot):
    search = insp.tag_picker.search
    qtbot.keyClicks(search, "pia")
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert insp.doc.project.regions[0].tags == [10, 18]
    assert search.text() == ""
    qtbot.keyClicks(search, "happ")  # already there: Enter leaves it on
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert insp.doc.project.regions[0].tags == [10, 18]
    qtbot.keyClicks(search, "zzz")  # nothing found: nothing changes
    qtbot.keyClick(search, Qt.Key.Key_Return)
    assert insp.doc.project.regions[0].tags == [10, 18] and search.text() == "zzz"
