"""Opening a project says at once what in it can't be rendered, and nothing when all is well."""

from __future__ import annotations

import pytest

from muzaic_studio.model import Project, Region
from tests.ui.editor_helpers import demo_project, shown_window


@pytest.fixture
def window(qtbot, monkeypatch):
    w = shown_window(qtbot, monkeypatch, demo_project())
    yield w
    w.doc.undo_stack.setClean()


def overlapping(tmp_path):
    project = Project(
        regions=[
            Region(0.0, 6.0, name="Intro"),
            Region(4.0, 8.0, name="Theme"),
            Region(20.0, 5.0, name="Outro"),
        ],
        name="Overlaps",
    )
    path = tmp_path / "overlaps.muzaic"
    project.save(path)
    return path


def test_opening_overlapping_regions_warns_and_selects_the_region(window, tmp_path):
    assert window.files.open(overlapping(tmp_path))
    bar = window.message_bar
    assert bar.isVisible() and bar.kind == "warning"
    assert "overlaps" in bar.text and "4.00 s" in bar.text
    assert [r.name for r in window.doc.selected_regions()] == ["Theme"]
    assert window.doc.project.name == "Overlaps"  # opened all the same, nothing refused


def test_opening_a_valid_project_shows_no_warning(window, tmp_path):
    path = tmp_path / "fine.muzaic"
    demo_project().save(path)
    window.message_bar.hide()
    assert window.files.open(path)
    assert not (window.message_bar.isVisible() and window.message_bar.kind == "warning")


def test_a_successful_open_clears_the_error_of_a_failed_one(window, tmp_path):
    broken = tmp_path / "broken.muzaic"
    broken.write_text("{ not json")
    assert not window.files.open(broken)
    assert window.message_bar.isVisible() and window.message_bar.kind == "error"
    path = tmp_path / "fine.muzaic"
    demo_project().save(path)
    assert window.files.open(path)
    assert not window.message_bar.isVisible()
