"""A plain `kill` (SIGTERM) closes the app as a quit would, and a leftover autosave of
another project does not hijack opening a named file (new-user trial: the next start asked
to restore "Untitled" although the user opened another file)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from PySide6.QtWidgets import QMessageBox

from muzaic_studio.model import Project, Region
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.term_signal import TermHandler
from muzaic_studio.ui.window.autosave import autosave_dir, find_recoveries
from muzaic_studio.ui.window.main_window import MainWindow
from tests.ui.editor_helpers import demo_project, no_modal_dialogs, read_and_wait

ROOT = Path(__file__).resolve().parents[2]


def clear_autosaves() -> None:
    for p in autosave_dir().iterdir():
        p.unlink()


def dead_pid() -> int:
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def test_sigterm_reaches_the_event_loop(qtbot):
    called: list[bool] = []
    handler = TermHandler(lambda: called.append(True))
    try:
        os.kill(os.getpid(), signal.SIGTERM)  # would kill the test run without the handler
        qtbot.waitUntil(lambda: called == [True], timeout=5000)
    finally:
        handler.uninstall()
        handler.deleteLater()


def test_unattended_close_keeps_unsaved_work_only(qtbot, monkeypatch):
    clear_autosaves()
    asked = no_modal_dialogs(monkeypatch)
    saved = MainWindow(ProjectDocument(Project(regions=[Region(0, 4)])))
    qtbot.addWidget(saved)
    saved.close_unattended()
    assert not saved.isVisible() and asked == []
    assert not saved.autosave.marker.exists()  # nothing unsaved: a clean exit, no "crash"
    edited = MainWindow(ProjectDocument(Project(regions=[Region(0, 4)])))
    qtbot.addWidget(edited)
    edited.doc.edit("Rename", lambda rs: setattr(rs[0], "name", "Unsaved"))
    edited.close_unattended()
    assert asked == []  # nobody to ask: the autosave keeps it for the next start
    assert edited.autosave.marker.exists() and edited.autosave.project_file.exists()
    assert Project.load(edited.autosave.project_file).regions[0].name == "Unsaved"
    assert not edited.autosave.timer.isActive()
    clear_autosaves()


def test_kill_of_a_saved_project_leaves_no_recovery(tmp_path):
    home = tmp_path / "home"
    project = tmp_path / "mine.muzaic"
    Project(regions=[Region(0, 4)]).save(project)
    env = {**os.environ, "MUZAIC_STUDIO_HOME": str(home), "PYTHONPATH": str(ROOT),
           "QT_QPA_PLATFORM": "offscreen"}  # fmt: skip
    proc = subprocess.Popen([sys.executable, "-m", "muzaic_studio", str(project)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)  # fmt: skip
    try:
        marker_dir = home / "data" / "autosave"
        deadline = time.monotonic() + 60
        while not list(home.rglob(f"session-{proc.pid}.json")):
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
            assert time.monotonic() < deadline, "the app did not start"
            time.sleep(0.1)
        marker_dir = next(home.rglob(f"session-{proc.pid}.json")).parent
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, proc.stderr.read().decode()[-2000:] if proc.stderr else ""
    assert list(marker_dir.iterdir()) == []  # the next start offers nothing


def _crashed_untitled_beside_my_file(monkeypatch, tmp_path) -> tuple[list, Path]:
    """The autosave of a crashed untitled session (the demo), and a file of the user's
    own to open; modal questions answered Yes and recorded in the list returned."""
    clear_autosaves()
    pid = dead_pid()
    (autosave_dir() / f"session-{pid}.muzaic").write_text(demo_project().to_json())
    (autosave_dir() / f"session-{pid}.json").write_text(
        json.dumps({"pid": pid, "name": "Untitled"})
    )
    asked = no_modal_dialogs(monkeypatch, QMessageBox.StandardButton.Yes)
    mine = tmp_path / "mine.muzaic"
    Project(regions=[Region(0, 4, name="Mine")]).save(mine)
    return asked, mine


def test_a_recovery_of_another_project_waits_in_the_message_bar(qtbot, monkeypatch, tmp_path):
    asked, mine = _crashed_untitled_beside_my_file(monkeypatch, tmp_path)
    window = MainWindow(ProjectDocument(Project.load(mine), mine), autosave=False)
    qtbot.addWidget(window)
    assert not window.files.offer_restore()
    assert asked == []  # no question in front of the file the user opened
    assert window.doc.path == mine and window.doc.regions[0].name == "Mine"
    assert "Untitled" in window.message_bar.text and len(find_recoveries()) == 1
    assert read_and_wait(qtbot, window, window.message_bar.action_button.click)  # Restore
    assert window.doc.path is None and len(window.doc.regions) == len(demo_project().regions)
    assert find_recoveries() == []
    window.doc.mark_clean()


def test_an_ignored_restore_banner_is_not_shown_again_but_stays_in_the_file_menu(
    qtbot, monkeypatch, tmp_path
):
    """Was: the banner came back at every start until the user pressed Restore or Discard."""
    asked, mine = _crashed_untitled_beside_my_file(monkeypatch, tmp_path)

    def start() -> MainWindow:
        window = MainWindow(ProjectDocument(Project.load(mine), mine), autosave=False)
        qtbot.addWidget(window)
        window.files.offer_restore()
        return window

    first = start()
    assert not first.message_bar.isHidden() and "Untitled" in first.message_bar.text
    assert "File > Restore Unsaved Work" in first.message_bar.text
    first.message_bar.dismiss()  # closed, not answered: the user carries on with their file
    first.close()
    second = start()  # the next start
    assert second.message_bar.isHidden() and asked == []
    restore = second.action_map["file.restore"]
    assert restore in second.menus["file"].actions()
    second.menus["file"].aboutToShow.emit()
    assert restore.isEnabled()
    assert read_and_wait(qtbot, second, restore.trigger)
    assert second.doc.path is None and len(second.doc.regions) == len(demo_project().regions)
    assert find_recoveries() == []
    second.menus["file"].aboutToShow.emit()
    assert not restore.isEnabled()  # nothing left to restore
    second.doc.mark_clean()
