"""What the editor says, and when (issue 13, items 8-13): copy sources checked when typed,
problems named by region name, launch errors in a dialog, the log, the demo as a copy,
unknown actions, every problem of a file, the video label after a failed import.
"""

from __future__ import annotations

import logging
from pathlib import Path

import pytest
from PySide6.QtWidgets import QMessageBox

from muzaic_studio.model import Project, ProjectError, Region
from tests.ui.editor_helpers import demo_project, open_and_wait, shown_window, wait_for_backend


@pytest.fixture
def window(qtbot, monkeypatch):
    w = shown_window(qtbot, monkeypatch, demo_project())
    yield w
    w.doc.undo_stack.setClean()
    w.render_workflow.shutdown()


def type_source(window, text: str) -> None:
    combo = window.inspector.source_combo
    combo.setEditText(text)
    combo.lineEdit().editingFinished.emit()


def test_a_typed_copy_source_is_checked_at_once(window):
    doc = window.doc
    theme = next(r for r in doc.regions if r.name == "Theme again")
    doc.select([theme.uid])
    type_source(window, "no such sound")
    assert doc.region(theme.uid).source_hash == "a1b2c3d4e5f60718"  # refused, unchanged
    assert window.message_bar.kind == "warning" and "not a known sound" in window.message_bar.text
    assert doc.undo_stack.count() == 0
    type_source(window, "ffee0011")  # a unique prefix of a library hash
    assert doc.region(theme.uid).source_hash == "ffee00112233aabb"
    type_source(window, "theme again")  # a rendered region's name stands for its hash
    assert doc.region(theme.uid).source_hash == "a1b2c3d4e5f60718"


def test_render_problems_name_the_region_and_go_when_it_is_deleted(window, qtbot):
    doc = window.doc
    echo = Region(50.0, 4.0, "copy", name="Echo")
    doc.edit("add", lambda rs: rs.append(echo))
    wf = window.render_workflow
    wait_for_backend(qtbot, wf)
    assert not wf.render(False)
    bar = window.message_bar
    assert bar.kind == "error" and "'Echo' (at 50.00 s)" in bar.text
    assert "Region 6" not in bar.text
    doc.select([echo.uid])
    window.action_map["edit.delete"].trigger()
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=5_000)  # nothing left to complain about


def test_a_missing_project_from_a_launcher_shows_a_dialog(qtbot, tmp_path):
    from muzaic_studio.ui.app import open_window

    w = open_window(str(tmp_path / "gone.muzaic"))
    qtbot.addWidget(w)
    w.show()
    qtbot.waitUntil(lambda: w.findChild(QMessageBox, "openErrorDialog") is not None, timeout=5000)
    box = w.findChild(QMessageBox, "openErrorDialog")
    assert box.isVisible() and "No project file at" in box.text()
    box.accept()
    w.render_workflow.shutdown()


def test_failed_opens_refused_renders_and_exports_are_logged(window, qtbot, tmp_path, caplog):
    broken = tmp_path / "broken.muzaic"
    broken.write_text("{", "utf-8")
    with caplog.at_level(logging.INFO):
        assert not open_and_wait(qtbot, window, broken)
        doc = window.doc
        doc.edit("add", lambda rs: rs.append(Region(50.0, 4.0, "copy", name="Echo")))
        wf = window.render_workflow
        wait_for_backend(qtbot, wf)
        assert not wf.render(False)
    text = caplog.text
    assert "open failed" in text and "broken.muzaic" in text
    assert "render refused" in text and "'Echo'" in text


def test_the_demo_opens_as_an_untitled_copy_and_shows_its_note(
    window, monkeypatch, tmp_path, qtbot
):
    from muzaic_studio.ui.window.project_files import INSTALL_DIR, user_folder

    demo = INSTALL_DIR / "muzaic_studio" / "data" / "demo.muzaic"
    assert open_and_wait(qtbot, window, demo)
    doc = window.doc
    assert doc.path is None and doc.display_name == "Demo: a one-minute score"
    assert "Try: press Ctrl+R" in window.message_bar.text  # the demo's own note
    asked = []
    monkeypatch.setattr(
        "muzaic_studio.ui.window.project_files.QFileDialog.getSaveFileName",
        lambda _w, _t, suggestion, _f: (asked.append(suggestion), ("", ""))[1],
    )
    window.files.save()
    assert asked and not Path(asked[0]).resolve().is_relative_to(INSTALL_DIR / "resources")
    assert not user_folder(demo, "music").is_relative_to(INSTALL_DIR)
    assert user_folder(tmp_path / "song.muzaic") == tmp_path.resolve()  # the user's own


def test_unknown_actions_show_as_such_and_every_file_problem_is_reported(window, tmp_path, qtbot):
    project = Project.from_dict(
        {"regions": [{"time": 0, "duration": 4, "action": "remix", "name": ""}]}
    )
    region = project.regions[0]
    assert region.label() == "unknown action 'remix'"
    window.set_document(type(window.doc)(project))
    window.doc.select([region.uid])
    combo = window.inspector.action_combo
    assert combo.currentIndex() == -1 and combo.placeholderText() == "Unknown: remix"
    with pytest.raises(ProjectError) as info:
        Project.from_dict(
            {
                "regions": [
                    {"time": "x", "duration": 1},
                    {"time": 2, "duration": 1},
                    {"time": 5, "duration": None},
                ]
            }
        )
    assert "Region 1" in str(info.value) and "Region 3" in str(info.value)
    bad = Project(
        regions=[Region(0, 4, tags=[1], params={"tempo": 20}), Region(10, 4, "copy", name="Echo")]
    )
    path = tmp_path / "two.muzaic"
    bad.save(path)
    assert open_and_wait(qtbot, window, path)
    text = window.message_bar.text
    assert "tempo" in text and "'Echo'" in text  # both problems, not just the first


def test_a_failed_video_import_keeps_the_loaded_videos_name(window, qtbot, tmp_path):
    from tests.video.conftest import make_cut_video

    wf = window.video_workflow
    good = make_cut_video(tmp_path / "cuts.mp4")
    wf.load_video(good, new_import=True)
    qtbot.waitUntil(lambda: wf.info is not None, timeout=30_000)
    assert wf.dock_widget.name_label.text() == "cuts.mp4"
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00not a video" * 100)
    wf.load_video(junk)
    qtbot.waitUntil(lambda: window.message_bar.kind == "error", timeout=30_000)
    assert wf.info.path == good and wf.dock_widget.name_label.text() == "cuts.mp4"


def test_a_server_refusal_names_the_region_once_in_the_users_words(window, qtbot):
    wf = window.render_workflow
    wait_for_backend(qtbot, wf)
    wf.autoplay = False
    with qtbot.waitSignal(wf.controller.finished, timeout=60_000):
        assert wf.render(False)  # 'Theme again' copies a hash the engine never made
    text = window.message_bar.text
    assert "'Theme again'" in text and "Region 4" not in text
    assert text.lower().count("refused") == 1 and "sourceHash" not in text
    assert "copy source" in text
