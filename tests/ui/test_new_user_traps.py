"""Traps a new user fell into (issue 13, items 1-4): stale exports, Insert replacing a
region, an open error lost behind the backend's banner, the cloud chosen without a key.

Renders run against the offline engine's real loopback server or the offline engine.
"""

from __future__ import annotations

import logging

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMessageBox

from muzaic_studio.ui.dialogs.preferences import BackendSettings
from tests.ui.editor_helpers import demo_project, shown_window, wait_for_backend
from tests.ui.render_support import render_and_wait, render_window


def test_export_after_a_change_warns_and_renders_the_changes_first(qtbot, engine_url):
    w = render_window(qtbot, engine_url)
    wf = render_and_wait(w, qtbot)
    try:
        dialog = wf.open_export()
        assert not hasattr(dialog, "stale_label")  # a current render: no warning
        assert dialog.export_button.text() == "Export"
        dialog.reject()
        doc = w.doc
        intro = doc.project.sorted_regions()[0]
        doc.edit("tone", lambda rs: next(r for r in rs if r.uid == intro.uid).params.update(tone=2))
        dialog = wf.open_export()
        assert dialog.stale_label.isVisibleTo(dialog)
        assert "'Intro' changed" in dialog.stale_label.text()
        assert dialog.export_button.text() == "Export Last Render"  # exporting it is a choice
        old_audio = doc.audio_path
        with qtbot.waitSignal(wf.controller.finished, timeout=30_000):
            qtbot.mouseClick(dialog.render_first_button, Qt.MouseButton.LeftButton)
        assert not dialog.isVisible()
        qtbot.waitUntil(lambda: wf.export_dialog is not dialog, timeout=5000)
        fresh = wf.export_dialog
        assert fresh.isVisible() and fresh.source == doc.audio_path != old_audio
        assert not hasattr(fresh, "stale_label")
        fresh.reject()
        # moving a region keeps its music but not where the render has it
        doc.edit("move", lambda rs: setattr(rs[-1], "time", rs[-1].time + 2.0))
        dialog = wf.open_export()
        assert "changed" in dialog.stale_label.text()
        dialog.reject()
    finally:
        wf.shutdown()


def test_export_asks_before_replacing_an_existing_file(
    qtbot, engine_url, tmp_path, monkeypatch, caplog
):
    w = render_window(qtbot, engine_url)
    wf = render_and_wait(w, qtbot)
    asked = []
    answer = [QMessageBox.StandardButton.No]

    def question(*args, **_kw):
        asked.append(args[2])
        return answer[0]

    monkeypatch.setattr(QMessageBox, "question", question)
    try:
        target = tmp_path / "song.mp3"
        target.write_bytes(b"mine")
        dialog = wf.open_export()
        dialog.path_edit.setText(str(target))
        dialog.export_button.click()
        assert asked and "song.mp3" in asked[0] and target.read_bytes() == b"mine"
        assert not dialog.exporting
        answer[0] = QMessageBox.StandardButton.Yes
        with caplog.at_level(logging.INFO), qtbot.waitSignal(dialog.exported, timeout=30_000):
            dialog.export_button.click()
        assert target.read_bytes() != b"mine"
        assert "exported" in caplog.text and "song.mp3" in caplog.text  # in the log
        dialog.reject()
    finally:
        wf.shutdown()


def test_library_insert_uses_free_space_and_never_replaces(qtbot, monkeypatch):
    w = shown_window(qtbot, monkeypatch, demo_project())
    wf = w.render_workflow
    doc = w.doc
    opening = doc.project.sorted_regions()[0]
    doc.set_playhead(0.0)
    doc.select(())
    wf.library_dock.select_hash("ffee00112233aabb")
    wf.library_dock.insert_button.click()
    kept = doc.region(opening.uid)
    assert kept.action == "generate" and kept.tags == [3, 17, 19]  # untouched
    added = [r for r in doc.regions if r.source_hash == "ffee00112233aabb"]
    assert len(added) == 1 and added[0].time == pytest.approx(44.0)  # the first gap after
    # a gap at the playhead is used as it is, shortened to fit
    doc.edit("gap", lambda rs: rs.remove(next(r for r in rs if r.action == "silence")))
    doc.set_playhead(20.5)
    wf.library_dock.insert_button.click()
    placed = [r for r in doc.regions if r.time == pytest.approx(20.5)]
    assert placed and placed[0].action == "copy" and placed[0].end <= 22.0 + 1e-6
    # a video ends the timeline: no room left says so and changes nothing
    doc.set_media_duration(doc.project.duration)
    before = doc.project.to_dict()
    doc.set_playhead(30.0)
    wf.library_dock.insert_button.click()
    assert doc.project.to_dict() == before
    # ... and why: the regions may run past the video, a new user saw "no free space at
    # or after the playhead" with the whole timeline after the last region empty
    said = w.message_bar.text
    assert "No free space" in said and "video's end (0:50.0)" in said, said
    doc.undo_stack.setClean()
    wf.shutdown()


def test_a_corrupt_project_is_reported_with_the_cloud_chosen_and_no_key(
    qtbot, tmp_path, saved_settings
):
    from muzaic_studio.ui.app import open_window

    BackendSettings(kind="cloud").save()
    broken = tmp_path / "corrupt.muzaic"
    broken.write_text('{"format": "muzaic-studio/1", "regions": [', "utf-8")
    w = open_window(str(broken))
    qtbot.addWidget(w)
    wf = w.render_workflow
    with qtbot.waitSignal(wf.backends.backendChanged, timeout=20_000):
        w.show()
    qtbot.waitUntil(lambda: w.findChild(QMessageBox, "openErrorDialog") is not None, timeout=5000)
    box = w.findChild(QMessageBox, "openErrorDialog")
    assert "not valid JSON" in box.text() and box.isVisible()
    bar = w.message_bar
    assert "not valid JSON" in bar.text and bar.kind == "error"  # the key banner waits
    assert bar.waiting >= 1
    box.accept()
    bar.dismiss()
    assert "no API key" in bar.text  # and comes next
    wf.shutdown()


def test_choosing_the_cloud_without_a_key_stays_chosen_and_asks_for_one(
    qtbot, monkeypatch, saved_settings
):
    BackendSettings(kind="offline").save()
    w = render_window(qtbot)
    wf = w.render_workflow
    wait_for_backend(qtbot, wf)
    opened = []
    monkeypatch.setattr(wf.backend_choice, "open_key_dialog", lambda: opened.append(True))
    with qtbot.waitSignal(wf.backends.backendChanged, timeout=20_000):
        wf.backend_choice.combo.setCurrentIndex(1)
        wf.backend_choice.combo.activated.emit(1)
    qtbot.waitUntil(lambda: opened == [True], timeout=5000)  # the key dialog opens
    assert wf.backend_choice.combo.currentData() == "cloud"  # no snapping back
    assert BackendSettings.load().kind == "cloud"
    assert "no API key" in w.status.backend.text()
    assert wf.controller.backend is None
    assert not wf.render(False)  # refused, not rendered offline behind the user's back
    bar = w.message_bar
    assert bar.kind == "warning" and "no API key" in bar.text
    assert (
        bar.action_button.text() == "Set API key..."
        and bar.second_button.text() == "Use offline engine"
    )
    with qtbot.waitSignal(wf.backends.backendChanged, timeout=20_000):
        qtbot.mouseClick(bar.second_button, Qt.MouseButton.LeftButton)
    assert wf.controller.backend.name == "offline"
    assert (
        wf.backend_choice.combo.currentData() == "offline"
        and BackendSettings.load().kind == "offline"
    )
    render_and_wait(w, qtbot)
    assert "nothing charged" in bar.text and "tokens used" not in bar.text
    assert w.doc.project.last_render["tokensUsed"] == 0
    assert "free · offline" in wf.history_dock.list.item(0).text()
    wf.shutdown()


def test_setting_a_key_clears_the_no_key_banner(qtbot, saved_settings, memory_keyring):
    from muzaic_studio.api import credentials
    from tests.ui.render_support import KEY, refused_url

    BackendSettings(kind="cloud", api_url=refused_url()).save()
    w = render_window(qtbot)
    wf = w.render_workflow
    qtbot.waitUntil(lambda: wf.backends.needs_key, timeout=20_000)
    bar = w.message_bar
    qtbot.waitUntil(lambda: "no API key" in bar.text and bar.isVisible(), timeout=5000)
    credentials.set_key(KEY)
    with qtbot.waitSignal(wf.backends.backendChanged, timeout=20_000):
        wf.backends.rebuild()  # what the key dialog's keyChanged does
    assert wf.controller.backend.name == "cloud"
    assert not (bar.isVisible() and "no API key" in bar.text)
    wf.shutdown()
