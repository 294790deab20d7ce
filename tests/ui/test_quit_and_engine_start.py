"""Issue 17: the offline engine's child starts after the window is painted (and a render
asked for before that still happens), and quitting during an offline render kills the
child instead of waiting for the render."""

from __future__ import annotations

import pytest

from muzaic_studio.api import engine_child
from muzaic_studio.model import Project, Region
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.window.main_window import MainWindow
from tests.processes import exists
from tests.ui.render_support import render_window


@pytest.fixture
def no_child():
    """No shared engine child from an earlier test; none left behind by this one."""
    engine_child.stop_shared(at_once=True)
    yield
    engine_child.stop_shared(at_once=True)


def test_the_engine_child_waits_for_the_window_to_be_shown(qtbot, no_child):
    w = MainWindow(ProjectDocument(Project(regions=[Region(0.0, 4.0, tags=[1])])), autosave=False)
    w.files.maybe_save = lambda: True
    qtbot.addWidget(w)
    wf = w.render_workflow
    assert not wf.backends.building and wf.backends.backend is None
    assert not engine_child.shared_engine().alive
    w.show()
    qtbot.waitUntil(lambda: wf.backends.backend is not None, timeout=30_000)
    assert wf.controller.backend.name == "offline"
    assert engine_child.shared_engine().alive
    wf.shutdown()


def test_a_render_asked_for_right_after_start_is_made(qtbot, no_child):
    w = render_window(qtbot)
    wf = w.render_workflow
    assert wf.actions["render.render"].isEnabled()
    with qtbot.waitSignal(wf.controller.finished, timeout=60_000) as blocker:
        assert wf.render(False)  # before the first paint: the backend is not there yet
    assert blocker.args == [True]
    assert w.doc.audio_path
    wf.shutdown()


def test_quitting_during_an_offline_render_leaves_no_engine_child(qtbot, no_child):
    w = MainWindow(ProjectDocument(Project(regions=[Region(0.0, 600.0, tags=[1])])), autosave=False)
    w.files.maybe_save = lambda: True
    qtbot.addWidget(w)
    w.show()
    wf = w.render_workflow
    wf.ask_before_spending = False
    qtbot.waitUntil(lambda: wf.backends.backend is not None, timeout=30_000)
    pid = engine_child.shared_engine().pid
    assert pid is not None and engine_child.shared_engine().alive
    assert wf.render(False)
    qtbot.waitUntil(lambda: wf.controller.runner.active_threads() == 1, timeout=10_000)
    assert w.close()  # offline work needs no question
    qtbot.waitUntil(lambda: not wf.controller.runner.busy, timeout=10_000)
    assert not exists(pid)  # killed and reaped, not still rendering
    assert not engine_child.shared_engine().alive
    assert wf.controller.runner.wait(0)  # the render thread has ended too


def test_quitting_during_a_cloud_render_asks_first(qtbot, monkeypatch, engine_url):
    from PySide6.QtWidgets import QMessageBox

    w = render_window(qtbot, engine_url)
    wf = w.render_workflow
    asked = []

    def no(*args):
        asked.append(args[1])
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", no)
    assert wf.render(False)
    assert wf.controller.busy
    wf.ask_before_spending = True  # render_window turned the questions off
    assert not w.close()
    assert asked and w.isVisible()
    wf.controller.cancel(quiet=True)
    assert w.close()
    wf.shutdown()


def test_quitting_through_the_save_question_still_stops_the_workflows(qtbot, no_child):
    """Quit, "Save changes?", Discard: the question runs its own event loop, during which
    the window's 'closed?' check found it still open, and nothing was stopped once it
    closed. With a render (here) or playback (a QThread) still running, the real app then
    crashed on exit (SIGSEGV, or "QThread: Destroyed while thread 'audio-sink' is still
    running" and abort)."""
    from PySide6.QtCore import QEventLoop, QTimer

    w = MainWindow(ProjectDocument(Project(regions=[Region(0.0, 600.0, tags=[1])])), autosave=False)
    qtbot.addWidget(w)

    def asked_then_discarded() -> bool:  # as QMessageBox.question: a loop until answered
        loop = QEventLoop()
        QTimer.singleShot(200, loop.quit)
        loop.exec()
        return True

    w.files.maybe_save = asked_then_discarded
    w.show()
    wf = w.render_workflow
    wf.ask_before_spending = False
    qtbot.waitUntil(lambda: wf.backends.backend is not None, timeout=30_000)
    pid = engine_child.shared_engine().pid
    assert wf.render(False)
    qtbot.waitUntil(lambda: wf.controller.runner.active_threads() == 1, timeout=10_000)
    assert w.close()
    qtbot.waitUntil(lambda: not wf.controller.runner.busy, timeout=10_000)
    assert pid is not None and not exists(pid)
    assert not engine_child.shared_engine().alive


def test_a_quit_right_after_an_unattended_close_stops_the_workflows(qtbot, no_child):
    """SIGTERM (a logout): the handler closes the window and quits at once, and Qt 6's
    quit ends the event loop before the window's queued 'closed?' check, so nothing was
    stopped: while playing, the process then aborted on exit ("QThread: Destroyed while
    thread 'audio-sink' is still running", exit 134). Stopping on aboutToQuit is in time."""
    from PySide6.QtWidgets import QApplication

    w = MainWindow(ProjectDocument(Project(regions=[Region(0.0, 600.0, tags=[1])])), autosave=False)
    qtbot.addWidget(w)
    w.show()
    wf = w.render_workflow
    wf.ask_before_spending = False
    qtbot.waitUntil(lambda: wf.backends.backend is not None, timeout=30_000)
    assert wf.render(False)
    qtbot.waitUntil(lambda: wf.controller.runner.active_threads() == 1, timeout=10_000)
    w.close_unattended()
    QApplication.instance().aboutToQuit.emit()  # what app.quit() does next, synchronously
    assert not engine_child.shared_engine().alive  # stopped before the loop ended
    qtbot.waitUntil(lambda: not wf.controller.runner.busy, timeout=10_000)


def test_closing_while_the_engine_child_starts_builds_no_engine_in_process(
    qtbot, no_child, monkeypatch
):
    """Quitting while the child was still starting killed it, and the backend build then
    fell back to importing the whole offline engine into the editor's process (numpy,
    scipy: ~95 MB and a second or more of CPU) for a window already gone, while the quit
    waited for that job (up to 5 s). The build now ends with no backend, and no new child."""
    import sys

    import muzaic_studio.engine as engine

    built: list[int] = []
    monkeypatch.setattr(engine, "OfflineEngine", lambda *a, **k: built.append(1))
    # a child that never announces: the window closes while it is starting
    slow = [sys.executable, "-c", "import time; time.sleep(60)"]
    monkeypatch.setattr(engine_child, "serve_command", lambda: slow)
    w = MainWindow(ProjectDocument(Project(regions=[Region(0.0, 4.0, tags=[1])])), autosave=False)
    w.files.maybe_save = lambda: True
    qtbot.addWidget(w)
    w.show()
    wf = w.render_workflow
    process = engine_child.shared_engine()
    qtbot.waitUntil(lambda: process._starting is not None, timeout=30_000)
    starting = process._starting
    assert w.close()
    runner = wf.backends.build_runner
    qtbot.waitUntil(lambda: runner.active_threads() == 0, timeout=15_000)  # the job returned
    assert starting.poll() is not None  # the child was killed, not waited for
    assert built == [] and wf.backends.backend is None
    assert not engine_child.shared_engine().alive  # and no new one was started
