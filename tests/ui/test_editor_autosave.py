"""Autosave: written only with unsaved changes, removed on a clean exit, offered after a crash."""

from __future__ import annotations

import json
import os
import subprocess
import sys

from PySide6.QtWidgets import QMessageBox

from muzaic_studio.model import Project
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.window.autosave import Autosave, autosave_dir, find_recoveries
from muzaic_studio.ui.window.main_window import MainWindow
from tests.ui.editor_helpers import demo_project, no_modal_dialogs, read_and_wait


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def clear_autosaves():
    for p in autosave_dir().iterdir():
        p.unlink()


def test_the_interval_is_the_saved_setting(qtbot):
    from muzaic_studio import settings
    from muzaic_studio.settings.declared import AUTOSAVE_SECONDS

    assert Autosave(lambda: None).timer.interval() == 30_000  # the default
    settings.save({AUTOSAVE_SECONDS: 120})  # e.g. `muzaic-studio settings autosave... 120`
    assert Autosave(lambda: None).timer.interval() == 120_000


def test_autosave_writes_only_unsaved_work_and_cleans_up(qtbot):
    clear_autosaves()
    doc = ProjectDocument(demo_project())
    saver = Autosave(lambda: doc, interval_ms=30_000)
    saver.start()
    assert saver.marker.exists() and saver.timer.interval() == 30_000
    assert not saver.tick() and not saver.project_file.exists()  # nothing unsaved
    doc.edit("Rename", lambda rs: setattr(rs[0], "name", "Changed"))
    assert saver.tick() and saver.project_file.exists()
    assert not saver.tick()  # unchanged since the last autosave: no rewrite
    assert Project.load(saver.project_file).to_dict() == doc.project.to_dict()
    assert find_recoveries() == []  # our own live session is never "recovered"
    saver.clean_exit()
    assert not saver.marker.exists() and not saver.project_file.exists()


def test_crashed_session_is_offered_and_restored(qtbot, tmp_path, monkeypatch):
    clear_autosaves()
    project = demo_project()
    project.regions[0].name = "Unsaved edit"
    pid = dead_pid()
    original = tmp_path / "mine.muzaic"
    (autosave_dir() / f"session-{pid}.muzaic").write_text(project.to_json())
    (autosave_dir() / f"session-{pid}.json").write_text(
        json.dumps({"pid": pid, "savedAt": 1.7e9, "path": str(original), "name": "mine"})
    )
    asked = no_modal_dialogs(monkeypatch, QMessageBox.StandardButton.Yes)
    window = MainWindow(ProjectDocument(), autosave=False)
    qtbot.addWidget(window)
    assert read_and_wait(qtbot, window, window.files.offer_restore)
    assert asked == ["Restore unsaved work?"]
    # (the render workflow may add its own keys, e.g. a cache id, to the project)
    assert [r.to_dict() for r in window.doc.regions] == [r.to_dict() for r in project.regions]
    assert window.doc.path == original and window.doc.dirty
    assert "*" in window.windowTitle() or window.isWindowModified()
    assert find_recoveries() == [] and not os.listdir(autosave_dir())
    window.doc.mark_clean()


def test_a_session_killed_a_moment_ago_is_offered_before_it_is_reaped(qtbot):
    """A crashed process its parent has not reaped yet (a zombie: os.kill(pid, 0) still
    succeeds) is gone for good: restarting right after a crash must offer its work, which
    was neither offered nor in File > Restore Unsaved Work."""
    import time
    from pathlib import Path

    clear_autosaves()
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        stat = Path(f"/proc/{proc.pid}/stat")
        deadline = time.monotonic() + 30
        while stat.read_text().rpartition(")")[2].split()[0] != "Z":  # ended, not reaped
            assert time.monotonic() < deadline
            time.sleep(0.01)
        (autosave_dir() / f"session-{proc.pid}.muzaic").write_text(demo_project().to_json())
        (autosave_dir() / f"session-{proc.pid}.json").write_text(json.dumps({"pid": proc.pid}))
        assert [r.marker.name for r in find_recoveries()] == [f"session-{proc.pid}.json"]
    finally:
        proc.wait()
    clear_autosaves()


def test_declined_restore_discards_and_a_clean_crash_offers_nothing(qtbot, monkeypatch):
    clear_autosaves()
    pid = dead_pid()
    (autosave_dir() / f"session-{pid}.muzaic").write_text(demo_project().to_json())
    (autosave_dir() / f"session-{pid}.json").write_text(json.dumps({"pid": pid}))
    other = dead_pid()
    (autosave_dir() / f"session-{other}.json").write_text(json.dumps({"pid": other}))
    asked = no_modal_dialogs(monkeypatch, QMessageBox.StandardButton.No)
    window = MainWindow(ProjectDocument(), autosave=False)
    qtbot.addWidget(window)
    assert not window.files.offer_restore()
    assert window.doc.regions == [] and asked == ["Restore unsaved work?"]
    assert not os.listdir(autosave_dir())
    assert not window.files.offer_restore() and len(asked) == 1  # nothing left to offer


def test_closing_the_window_is_a_clean_exit(qtbot, monkeypatch):
    clear_autosaves()
    no_modal_dialogs(monkeypatch)
    window = MainWindow(ProjectDocument(demo_project()))
    qtbot.addWidget(window)
    window.doc.edit("Rename", lambda rs: setattr(rs[0], "name", "x"))
    window.autosave.tick()
    assert window.autosave.project_file.exists()
    window.close()  # "save changes?" answered Discard
    assert not window.autosave.marker.exists() and not window.autosave.project_file.exists()


FULL_DATA_DISK = """
import sys
from PySide6.QtWidgets import QApplication
from muzaic_studio.model import Project, Region
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.window.main_window import MainWindow

app = QApplication([])
w = MainWindow(ProjectDocument(Project(regions=[Region(0.0, 4.0)])))
w.doc.edit("longer", lambda regions: setattr(regions[0], "duration", 5.0))
assert not w.autosave.tick()
print("BANNER", w.message_bar.kind, w.message_bar.text)
w.doc.save(sys.argv[1])  # the user saves elsewhere: nothing was lost
print("SAVED")
w.doc.undo_stack.setClean()
"""


def test_a_full_data_disk_lets_the_editor_start_and_says_autosave_failed(tmp_path):
    """Was: the autosave marker's write raised in MainWindow(): no editor at all."""
    from tests.full_disk import on_full_disk

    home = tmp_path / "home"
    saved = tmp_path / "elsewhere.muzaic"
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    env = {**os.environ, "MUZAIC_STUDIO_HOME": str(home), "PYTHONPATH": root,
           "QT_QPA_PLATFORM": "offscreen"}  # fmt: skip
    proc = on_full_disk(home, [sys.executable, "-c", FULL_DATA_DISK, str(saved)], env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "BANNER warning Autosave failed: Not enough disk space" in proc.stdout
    assert "SAVED" in proc.stdout and Project.load(saved).regions[0].duration == 5.0
