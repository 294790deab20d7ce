"""One way to run background work: a shared pool, an app-owned relay, keyed slots.

A dialog closes at once while its job still runs; the job's late answer finds its
receiver gone and is skipped; a library preview and a history switch both finish; the
window starts with one worker pool of its own.
"""

from __future__ import annotations

import threading

from PySide6.QtCore import QObject, QThreadPool
from shiboken6 import delete

from muzaic_studio.ui import workers
from muzaic_studio.ui.dialogs.preferences import BackendSettings, PreferencesDialog
from muzaic_studio.ui.render.history_switch import HISTORY
from muzaic_studio.ui.render.library_preview import PREVIEW
from muzaic_studio.ui.video.workflow import install_video_workflow
from muzaic_studio.ui.workers import TaskRunner
from tests.ui.render_support import render_window


def blocking_job(started: threading.Event, release: threading.Event, value: str):
    def job(_progress, cancel: threading.Event) -> str:
        started.set()
        release.wait(10)
        return value

    return job


def test_a_closed_dialog_returns_at_once_while_its_job_runs(qtbot, monkeypatch):
    started, release, returned = threading.Event(), threading.Event(), threading.Event()

    def slow_key_status():  # a keyring waiting to be unlocked
        started.set()
        release.wait(10)
        returned.set()
        return None

    monkeypatch.setattr("muzaic_studio.api.credentials.key_status", slow_key_status)
    shown: list[object] = []
    monkeypatch.setattr(PreferencesDialog, "_show_key_status", lambda _self, s: shown.append(s))
    waits: list[str] = []
    for name in ("wait", "shutdown"):
        blocking = getattr(TaskRunner, name)
        monkeypatch.setattr(
            TaskRunner,
            name,
            lambda self, *a, _b=blocking, _n=name: waits.append(_n) or _b(self, *a),
        )
    dialog = PreferencesDialog(BackendSettings(kind="offline"))
    assert started.wait(5)

    dialog.reject()  # returns while the keyring call is still stuck
    assert not returned.is_set()
    assert waits == []  # nothing on the GUI thread waited for the job
    delete(dialog)  # the dialog is gone before its answer

    release.set()
    assert returned.wait(5)
    qtbot.wait(50)  # the queued answer would arrive now
    assert shown == []


def test_a_result_for_a_deleted_receiver_is_skipped(qtbot):
    owner = QObject()
    runner = TaskRunner(owner, max_threads=1)
    started, release = threading.Event(), threading.Event()
    told_to_stop = threading.Event()
    results: list[str] = []

    def job(_progress, cancel: threading.Event) -> str:
        started.set()
        release.wait(10)
        if cancel.is_set():
            told_to_stop.set()
        return "late"

    runner.run(job, on_result=results.append)
    assert started.wait(5)
    delete(owner)  # takes the runner with it
    release.set()
    assert told_to_stop.wait(5)  # the job heard that nobody listens any more
    qtbot.wait(50)
    assert results == []


def test_preview_and_history_switch_both_complete(qtbot):
    runner = TaskRunner(max_threads=2)
    switch_started, release = threading.Event(), threading.Event()
    done: list[str] = []
    runner.run(blocking_job(switch_started, release, "history"), on_result=done.append, key=HISTORY)
    assert switch_started.wait(5)
    runner.run(lambda _p, _c: "preview", on_result=done.append, key=PREVIEW)
    release.set()
    qtbot.waitUntil(lambda: sorted(done) == ["history", "preview"], timeout=5000)

    # Within one slot the newest still wins: the older switch is dropped.
    started, release = threading.Event(), threading.Event()
    done.clear()
    runner.run(blocking_job(started, release, "old switch"), on_result=done.append, key=HISTORY)
    assert started.wait(5)
    runner.run(lambda _p, _c: "new switch", on_result=done.append, key=HISTORY)
    release.set()
    assert runner.wait(5000)
    qtbot.waitUntil(lambda: done == ["new switch"], timeout=5000)
    qtbot.wait(50)
    assert done == ["new switch"]


def test_the_window_starts_with_one_worker_pool(qtbot, monkeypatch):
    made: list[QThreadPool] = []

    class CountedPool(QThreadPool):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(workers, "QThreadPool", CountedPool)
    monkeypatch.setattr(workers, "_shared", {})
    w = render_window(qtbot)
    wf = w.render_workflow  # the render workflow: controller, backends, history, library
    video = getattr(w, "video_workflow", None) or install_video_workflow(w, audio=False)
    for runner in (wf.aux, wf.controller.runner):  # jobs of several runners, one pool
        runner.run(lambda _p, _c: None)
        assert runner.wait(5000)
    assert len(made) == 1
    assert made[0] is not QThreadPool.globalInstance()
    video.shutdown()
    wf.shutdown()


def test_run_inline_delivers_before_run_returns(qtbot):
    """The tests' synchronous runner: result, progress and finish arrive on the caller's
    thread before run() returns; outside it the same job is delivered later."""
    from muzaic_studio.ui.workers import TaskRunner, run_inline

    runner = TaskRunner()
    seen: list[object] = []

    def job(progress, cancel):
        progress(0.5, "half")
        return threading.get_ident()

    with run_inline():
        task = runner.run(job, on_result=seen.append, on_progress=lambda f, t: seen.append(t),
                          on_finished=lambda: seen.append("finished"))  # fmt: skip
    assert task.done and seen == ["half", threading.get_ident(), "finished"]
    seen.clear()
    later = runner.run(job, on_result=seen.append)
    assert not later.done and seen == []
    qtbot.waitUntil(lambda: later.done, timeout=5000)
    assert seen and seen[0] != threading.get_ident()  # ran on a pool thread
