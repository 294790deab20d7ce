"""Opening a project says at once what in it can't be rendered, and nothing when all is well."""

from __future__ import annotations

import pytest

from muzaic_studio.model import Project, Region
from tests.ui.editor_helpers import demo_project, open_and_wait, shown_window


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


def test_opening_overlapping_regions_warns_and_selects_the_region(window, qtbot, tmp_path):
    assert open_and_wait(qtbot, window, overlapping(tmp_path))
    bar = window.message_bar
    assert bar.isVisible() and bar.kind == "warning"
    assert "overlaps" in bar.text and "4.00 s" in bar.text
    assert [r.name for r in window.doc.selected_regions()] == ["Theme"]
    assert window.doc.project.name == "Overlaps"  # opened all the same, nothing refused


def test_opening_a_valid_project_shows_no_warning(window, qtbot, tmp_path):
    path = tmp_path / "fine.muzaic"
    demo_project().save(path)
    window.message_bar.hide()
    assert open_and_wait(qtbot, window, path)
    assert not (window.message_bar.isVisible() and window.message_bar.kind == "warning")


def test_a_successful_open_clears_the_error_of_a_failed_one(window, qtbot, tmp_path):
    broken = tmp_path / "broken.muzaic"
    broken.write_text("{ not json")
    assert not open_and_wait(qtbot, window, broken)
    assert window.message_bar.isVisible() and window.message_bar.kind == "error"
    path = tmp_path / "fine.muzaic"
    demo_project().save(path)
    assert open_and_wait(qtbot, window, path)
    assert not window.message_bar.isVisible()


# Each crashed the editor on open (the Inspector's slider, the timeline's 32-bit pixels,
# the library panel's date, the render cache), or opened with a message of no use.
DAMAGED = {
    "nan_param": '{"regions": [{"time": 0, "duration": 2, "params": {"tone": NaN}}]}',
    "short_keyframe": '{"regions": [{"time": 0, "duration": 2, "params": {"tone": [[0, 1], [50]]}}]}',
    "text_param": '{"regions": [{"time": 0, "duration": 2, "params": {"intensity": "high"}}]}',
    "number_name": '{"regions": [{"time": 0, "duration": 2, "name": 5}]}',
    "list_method": '{"regions": [{"time": 0, "duration": 2, "method": [1]}]}',
    "number_hash": '{"regions": [{"time": 0, "duration": 2, "action": "copy", "sourceHash": 12}]}',
    "billion_seconds": '{"regions": [{"time": 0, "duration": 1e9}]}',
    "nul_video": '{"regions": [{"time": 0, "duration": 2}], "video": "\\u0000x.mp4"}',
}  # fmt: skip
OPENED_ANYWAY = {
    "list_digest": '{"regions": [{"time": 0, "duration": 2, "rendered": {"hash": 5, "spec": [1]}}]}',
    "nan_date": '{"regions": [], "library": [{"hash": "abc", "duration": 2, "created": NaN}]}',
    "number_audio": '{"regions": [{"time": 0, "duration": 2}], "lastRender": {"audio": 5}}',
    "bom": '\ufeff{"regions": [{"time": 0, "duration": 2}]}',
}  # fmt: skip


@pytest.mark.parametrize("name", DAMAGED)
def test_a_damaged_file_is_refused_with_its_field_named_and_the_editor_goes_on(
    window, tmp_path, qtbot, name
):
    path = tmp_path / f"{name}.muzaic"
    path.write_text(DAMAGED[name], "utf-8")
    before = path.read_bytes()
    assert not open_and_wait(qtbot, window, path)
    bar = window.message_bar
    assert bar.isVisible() and bar.kind == "error" and f"{name}.muzaic: " in bar.text
    assert window.doc.project.name == "Demo" and path.read_bytes() == before
    window.doc.select([r.uid for r in window.doc.project.regions])  # still usable
    qtbot.wait(50)
    window.grab()


@pytest.mark.parametrize("name", OPENED_ANYWAY)
def test_damaged_bookkeeping_opens_and_the_editor_shows_it(window, tmp_path, qtbot, name):
    path = tmp_path / f"{name}.muzaic"
    path.write_text(OPENED_ANYWAY[name], "utf-8")
    assert open_and_wait(qtbot, window, path)
    window.doc.select([r.uid for r in window.doc.project.regions])
    qtbot.wait(50)
    window.grab()
    assert window.doc.path == path


def test_a_copy_of_a_region_that_is_not_there_is_said_on_open(window, qtbot, tmp_path):
    """Was: nothing on open (the CLI's validate named it); only Render said it."""
    path = tmp_path / "dangling.muzaic"
    path.write_text(
        '{"regions": [{"time": 0, "duration": 2, "action": "copy", "sourceRegion": "r9"},'
        ' {"time": 3, "duration": 2, "action": "copy", "sourceRegion": "r1"},'
        ' {"time": 6, "duration": 2, "id": "r1"}]}'
    )
    assert open_and_wait(qtbot, window, path)
    bar = window.message_bar
    assert bar.isVisible() and bar.kind == "warning"
    assert "source region 'r9' is not in this project" in bar.text
    assert "r1" not in bar.text  # a copy of a region that is there gets its hash at render
