"""Re-scoring a video from the main window: import (menu and drop), thumbnails, sound lane,
scene cuts as markers, regions from scenes as one undo step, render, export, relocate.

Videos are made by ffmpeg in the test (tests.video.conftest): 4 s, 160x120, hard cuts at
1.2, 2.0 and 3.0 s, a loud tone in the first two seconds.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import QMimeData, QPoint, QPointF, Qt, QUrl
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from muzaic_studio.model import Project, Region
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.video.dialogs import RegionsFromScenesDialog
from muzaic_studio.ui.video.files import stored_video_path
from muzaic_studio.ui.video.workflow import VideoWorkflow, install_video_workflow
from tests.ui.editor_helpers import shown_window
from tests.video.conftest import CUTS, make_cut_video, picture_md5

WAIT = 30_000


@pytest.fixture(scope="module")
def video_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("videos") / "media"
    folder.mkdir()
    return make_cut_video(folder / "cuts.mp4")


@pytest.fixture
def window(qtbot, monkeypatch):
    w = shown_window(qtbot, monkeypatch, Project())
    w.files.maybe_save = lambda: True
    yield w
    workflow(w).shutdown()
    w.render_workflow.shutdown()


def workflow(window) -> VideoWorkflow:
    wf = getattr(window, "video_workflow", None)
    return wf if wf is not None else install_video_workflow(window, audio=False)


def load(window, qtbot, path: Path) -> VideoWorkflow:
    wf = workflow(window)
    wf.load_video(path, new_import=True)
    qtbot.waitUntil(lambda: wf.info is not None, timeout=WAIT)
    return wf


def test_menus_and_actions_are_installed(window):
    wf = workflow(window)
    file_texts = [a.objectName() for a in window.menus["file"].actions()]
    assert {"video.import", "video.export", "video.remove"} <= set(file_texts)
    assert file_texts.index("video.import") < file_texts.index("file.quit")
    edit_names = [a.objectName() for a in window.menus["edit"].actions()]
    assert {"video.scenes", "video.regions"} <= set(edit_names)
    assert not wf.actions["video.export"].isEnabled()  # no video yet
    # The strip sits right above the timeline and the sound lane right below it.
    layout = window.timeline.parentWidget().layout()
    i = layout.indexOf(window.timeline)
    assert (
        layout.itemAt(i - 1).widget() is wf.bands.strip
        and layout.itemAt(i + 1).widget() is wf.bands.lane
    )


def test_import_stores_relative_path_and_shows_video(window, qtbot, video_file, tmp_path):
    doc = window.doc
    doc.save(video_file.parent.parent / "score.muzaic")
    wf = workflow(window)
    wf.load_video(video_file)
    assert wf.info is None and wf.busy("probe")  # the probe runs off the GUI thread
    qtbot.waitUntil(lambda: wf.info is not None, timeout=WAIT)
    assert doc.project.video == "media/cuts.mp4"
    assert doc.project.video_path(doc.path) == video_file.resolve()
    assert doc.dirty
    assert wf.info.duration == pytest.approx(4.0, abs=0.05)
    assert wf.dock_widget.source == video_file
    assert wf.bands.strip.isVisible() and wf.bands.lane.isVisible()
    # The timeline shows the whole video.
    t0, t1 = window.timeline.visible_span()
    assert t0 <= 0.01 and t1 >= 4.0
    # Thumbnails and the sound lane arrive from their workers.
    qtbot.waitUntil(
        lambda: wf.bands.thumbnails is not None and wf.bands.sound_peaks is not None, timeout=WAIT
    )
    tiles = wf.bands.strip.visible_tiles()
    assert tiles and tiles[0][1] == 0
    # The strip's picture of 1.5 s sits on screen above the timeline's 1.5 s.
    strip, view = wf.bands.strip, window.timeline
    on_screen = strip.mapToGlobal(QPointF(strip.x_of(1.5), 0)).x()
    assert on_screen == pytest.approx(
        view.viewport().mapToGlobal(QPointF(view.scale.x(1.5), 0)).x()
    )
    assert wf.bands.sound_peaks.duration == pytest.approx(4.0, abs=0.1)
    assert wf.bands.lane.polygon() is not None
    assert wf.bands.lane.muted and wf.dock_widget.muted  # muted by default
    assert wf.actions["video.export"].isEnabled()
    # Saved file: relative path.
    doc.save()
    assert json.loads(doc.path.read_text())["video"] == "media/cuts.mp4"


def test_unsaved_project_gets_relative_path_on_save_as(window, qtbot, video_file):
    doc = window.doc
    load(window, qtbot, video_file)
    assert Path(doc.project.video).is_absolute()
    doc.save(video_file.parent / "here.muzaic")
    assert doc.project.video == "cuts.mp4"
    qtbot.waitUntil(lambda: json.loads(doc.path.read_text())["video"] == "cuts.mp4")
    assert not doc.dirty


def test_drop_a_video_on_the_window_imports_it(window, qtbot, video_file):
    wf = workflow(window)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(video_file))])
    enter = QDragEnterEvent(QPoint(300, 300), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(window, enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(300, 300), Qt.DropAction.CopyAction, mime,
                      Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(window, drop)
    assert drop.isAccepted()
    qtbot.waitUntil(lambda: wf.info is not None, timeout=WAIT)
    assert Path(window.doc.project.video).name == "cuts.mp4"


def test_drop_of_other_files_is_left_to_the_window(window, tmp_path):
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(tmp_path / "notes.txt"))])
    enter = QDragEnterEvent(QPoint(3, 3), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    enter.ignore()
    QApplication.sendEvent(window, enter)
    assert not enter.isAccepted()


def test_bad_files_get_a_clear_message(window, qtbot, tmp_path):
    wf = workflow(window)
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(b"\x00not a video" * 100)
    wf.load_video(junk)
    qtbot.waitUntil(
        lambda: window.message_bar.isVisible() and window.message_bar.kind == "error", timeout=WAIT
    )
    assert "not a video ffmpeg can read" in window.message_bar.text
    assert wf.info is None and window.doc.project.video is None


def test_scenes_become_markers_and_regions_in_one_undo_step(window, qtbot, video_file, monkeypatch):
    wf = load(window, qtbot, video_file)
    doc = window.doc
    keep = Region(0.5, 1.0, "generate", name="mine")
    doc.edit("Add", lambda regions: regions.append(keep))
    doc.set_markers([0.25])  # a user marker survives the scene markers
    steps = doc.undo_stack.count()
    task = wf.scenes.detect_scenes()
    assert task is not None and wf.busy("scenes")
    # Not "cuts is not None": an earlier test may have cached this video's cuts, which the
    # import set already (and set_markers above replaced); the detection's answer counts.
    qtbot.waitUntil(lambda: not wf.busy("scenes"), timeout=WAIT)
    assert len(wf.scenes.cuts) == len(CUTS)
    assert all(abs(a - b) <= 0.04 + 1e-6 for a, b in zip(wf.scenes.cuts, CUTS, strict=True))
    assert doc.markers == sorted([0.25, *wf.scenes.cuts])
    assert "Found 3 scene cuts" in window.message_bar.text

    chosen = {}

    def accept(dialog):
        dialog.min_spin.setValue(0.9)
        chosen["summary"] = dialog.summary.text()
        chosen["note"] = dialog.replace_note.isVisibleTo(dialog)
        return RegionsFromScenesDialog.DialogCode.Accepted

    monkeypatch.setattr(RegionsFromScenesDialog, "exec", accept)
    assert wf.scenes.regions_from_scenes()
    assert "3 generate regions" in chosen["summary"] and "1 short scene" in chosen["summary"]
    assert chosen["note"]  # says the existing region is replaced
    spans = [(r.time, r.duration) for r in doc.project.sorted_regions()]
    assert spans == [(0.0, pytest.approx(CUTS[0], abs=0.04)), (pytest.approx(CUTS[0], abs=0.04), pytest.approx(1.8, abs=0.05)),
                     (pytest.approx(3.0, abs=0.04), pytest.approx(1.0, abs=0.05))]  # fmt: skip
    assert all(r.action == "generate" for r in doc.regions)
    assert [r.name for r in doc.project.sorted_regions()] == ["Scene 1", "Scene 2", "Scene 3"]
    assert doc.undo_stack.count() == steps + 1
    doc.undo_stack.undo()
    assert [r.name for r in doc.regions] == ["mine"]
    doc.undo_stack.redo()
    assert len(doc.regions) == 3


def test_regions_from_scenes_detects_first_when_needed(window, qtbot, video_file, monkeypatch):
    wf = load(window, qtbot, video_file)
    monkeypatch.setattr(
        RegionsFromScenesDialog, "exec", lambda d: RegionsFromScenesDialog.DialogCode.Accepted
    )
    from muzaic_studio.ui.video import workflow as vw

    monkeypatch.setattr(vw, "cached_scenes", lambda *_a, **_k: None)
    wf.scenes.cuts = None
    assert not wf.scenes.regions_from_scenes()  # starts the scan; the dialog follows it
    qtbot.waitUntil(lambda: len(window.doc.regions) >= 2, timeout=WAIT)
    assert window.doc.project.sorted_regions()[0].time == 0.0


def test_cancel_scene_detection(window, qtbot, tmp_path):
    long_video = make_cut_video(
        tmp_path / "long.mp4", audio=False, seconds_per_shot=(15.0, 15.0, 15.0, 15.0)
    )
    wf = load(window, qtbot, long_video)
    wf.scenes.detect_scenes()
    assert wf.dock_widget.job.isVisible()
    wf.dock_widget.job.cancel_button.click()
    assert not wf.busy("scenes") and not wf.dock_widget.job.isVisible()
    assert wf.scenes.cuts is None and "cancelled" in window.message_bar.text
    assert wf.actions["video.scenes"].isEnabled()


def test_moved_video_is_asked_for_again(window, qtbot, video_file, tmp_path, monkeypatch):
    project_file = tmp_path / "moved.muzaic"
    Project(video="gone/cuts.mp4").save(project_file)
    window.set_document(ProjectDocument(Project.load(project_file), project_file))
    qtbot.waitUntil(
        lambda: window.message_bar.isVisible() and "not at" in window.message_bar.text, timeout=WAIT
    )
    assert window.message_bar.kind == "warning"
    from PySide6.QtWidgets import QFileDialog

    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(video_file), ""))
    window.message_bar.action_button.click()  # "Locate..."
    wf = workflow(window)
    qtbot.waitUntil(lambda: wf.info is not None, timeout=WAIT)
    assert window.doc.project.video_path(project_file) == video_file.resolve()
    assert window.doc.dirty


def test_stored_video_path_is_relative_to_the_project(tmp_path):
    video = tmp_path / "a" / "b.mp4"
    assert stored_video_path(video, tmp_path / "p.muzaic") == "a/b.mp4"
    assert stored_video_path(video, tmp_path / "x" / "p.muzaic") == "../a/b.mp4"
    assert stored_video_path(video, None) == str(video.resolve())


def test_opening_a_project_with_its_video_restores_markers(window, qtbot, video_file):
    from muzaic_studio.video import detect_scenes

    cuts = detect_scenes(video_file)  # cached for this video version
    project_file = video_file.parent.parent / "again.muzaic"
    Project(video="media/cuts.mp4").save(project_file)
    window.set_document(ProjectDocument(Project.load(project_file), project_file))
    wf = workflow(window)
    qtbot.waitUntil(lambda: wf.info is not None, timeout=WAIT)
    assert wf.scenes.cuts == cuts and window.doc.markers == cuts
    assert not window.doc.dirty  # opening changed nothing


def test_timeline_length_follows_the_video_on_an_empty_project(window, qtbot, tmp_path):
    # 40 s: longer than the timeline's own minimum span, so fitting it proves the rule.
    long_video = make_cut_video(tmp_path / "long.mp4", audio=False, seconds_per_shot=(10,) * 4)
    timeline = window.timeline
    assert window.doc.project.regions == []
    wf = load(window, qtbot, long_video)
    length = wf.info.duration
    assert window.doc.timeline_length == pytest.approx(length)
    timeline.zoom_to_fit()  # fits the video, not a default length
    assert length <= timeline.visible_span()[1] <= length * 1.2
    window.action_map["view.playhead_end"].trigger()
    assert window.doc.playhead == pytest.approx(length)
    wf.remove_video()
    assert window.doc.timeline_length == 0.0


def test_remove_video(window, qtbot, video_file):
    wf = load(window, qtbot, video_file)
    wf.remove_video()
    assert window.doc.project.video is None and wf.info is None
    assert not wf.bands.strip.isVisible() and wf.dock_widget.source is None


def test_drop_in_render_export(window, qtbot, video_file, tmp_path, monkeypatch):
    """The whole story: video in, regions from scenes, render, export with the new music."""
    wf = load(window, qtbot, video_file)
    assert wf.export.export_video() is None  # nothing rendered yet: says so instead
    assert "Render the soundtrack first" in window.message_bar.text
    qtbot.waitUntil(lambda: wf.scenes.cuts is not None or not wf.busy(), timeout=WAIT)
    if wf.scenes.cuts is None:
        wf.scenes.detect_scenes()
        qtbot.waitUntil(lambda: wf.scenes.cuts is not None, timeout=WAIT)
    assert wf.scenes.apply_scene_regions([(0.0, 2.0), (2.0, 2.0)])
    rw = window.render_workflow
    rw.ask_before_spending = False
    with qtbot.waitSignal(rw.controller.finished, timeout=60_000) as blocker:
        assert rw.render(False)
    assert blocker.args[0] is True and window.doc.audio_path.is_file()
    # Watch it: the soundtrack player moves the playhead and the picture plays along.
    from PySide6.QtMultimedia import QMediaPlayer

    dock = wf.dock_widget
    qtbot.waitUntil(lambda: dock.loaded, timeout=WAIT)
    window.doc.set_playhead(0.0)
    assert rw.player.play(0.0)
    qtbot.waitUntil(lambda: window.doc.playhead > 1.0, timeout=WAIT)
    assert dock.playing and dock.media.playbackState() == QMediaPlayer.PlaybackState.PlayingState
    assert abs(dock.media_position() - window.doc.playhead) < 0.35
    rw.player.pause()
    assert not dock.playing
    # the video's sound was muted while scoring: the export replaces it, as heard
    muted = wf.export.export_video()
    assert muted is not None and muted.mode == "replace"
    muted.close()
    wf.bands.lane.set_muted(False, available=True)
    dialog = wf.export.export_video()
    assert dialog is not None
    assert dialog.mode == "duck"  # the video's sound was heard: ducked under the music
    dialog.set_container("mkv")
    assert dialog.path_edit.text().endswith(".mkv")
    target = tmp_path / "scored.mkv"
    dialog.path_edit.setText(str(target))
    dialog.start_export()
    qtbot.waitUntil(lambda: dialog.result_path is not None or bool(dialog.last_error), timeout=WAIT)
    assert dialog.last_error == "" and target.is_file()
    assert picture_md5(target) == picture_md5(video_file)
    assert "Exported the scored video" in window.message_bar.text
    dialog.close()


def test_save_as_keeps_a_missing_video_pointing_at_the_same_place(window, qtbot, tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    first = tmp_path / "a" / "p.muzaic"
    Project(video="gone/cuts.mp4").save(first)
    window.set_document(ProjectDocument(Project.load(first), first))
    qtbot.waitUntil(lambda: "not at" in window.message_bar.text, timeout=WAIT)
    window.doc.save(tmp_path / "b" / "p.muzaic")
    assert window.doc.project.video == "../a/gone/cuts.mp4"
    qtbot.waitUntil(
        lambda: (
            json.loads((tmp_path / "b" / "p.muzaic").read_text())["video"] == "../a/gone/cuts.mp4"
        )
    )


def test_sensitivity_finds_cuts_again_and_is_remembered(window, qtbot, video_file):
    from muzaic_studio import settings
    from muzaic_studio.settings.declared import SCENE_THRESHOLD
    from muzaic_studio.video import cached_scenes

    wf = load(window, qtbot, video_file)
    wf.scenes.detect_scenes()
    qtbot.waitUntil(lambda: wf.scenes.cuts is not None and not wf.busy("scenes"), timeout=WAIT)
    wf.scenes.sensitivity_actions[0.18].trigger()
    assert wf.scenes.threshold == 0.18 and wf.scenes.sensitivity_actions[0.18].isChecked()
    assert settings.load().get(SCENE_THRESHOLD) == 0.18  # the next window starts there
    qtbot.waitUntil(lambda: not wf.busy("scenes"), timeout=WAIT)
    assert cached_scenes(video_file, 0.18) is not None  # detected with the new threshold
    assert len(wf.scenes.cuts) == len(CUTS)  # hard cuts are found at any sensitivity
    wf.scenes.sensitivity_actions[0.3].trigger()


def test_closing_the_window_stops_a_running_scan(window, qtbot, tmp_path):
    long_video = make_cut_video(
        tmp_path / "long.mp4", audio=False, seconds_per_shot=(60.0, 60.0, 60.0, 60.0)
    )
    wf = load(window, qtbot, long_video)
    wf.scenes.detect_scenes()
    qtbot.waitUntil(lambda: wf.jobs.runners["scenes"].active_threads() == 1, timeout=WAIT)
    window.close()
    qtbot.waitUntil(
        lambda: all(r.active_threads() == 0 for r in wf.jobs.runners.values()), timeout=5000
    )
    from muzaic_studio.video import cached_scenes

    assert cached_scenes(long_video) is None  # stopped, not finished


def test_import_video_of_an_untitled_project_starts_in_the_users_folders(
    window, monkeypatch, tmp_path
):
    """Not in the working directory: under `make run` that is the source checkout (bench,
    docs, muzaic_studio...), which is where a new user's first Import Video opened."""
    from PySide6.QtWidgets import QFileDialog

    from muzaic_studio.ui.window.project_files import user_folder

    checkout = tmp_path / "checkout"
    checkout.mkdir()
    monkeypatch.chdir(checkout)
    started = []
    monkeypatch.setattr(
        QFileDialog, "getOpenFileName", lambda *a, **k: (started.append(a[2]), ("", ""))[1]
    )
    workflow(window).choose_video()
    assert started == [str(user_folder(None, "videos"))]
    assert Path(started[0]).resolve() != checkout.resolve() and started[0]
