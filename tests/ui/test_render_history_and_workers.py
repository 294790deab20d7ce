"""Render history on disk, reopening a rendered project, edits during a render, workers."""

from __future__ import annotations

import base64
import threading
import time

import numpy as np
import pytest

from muzaic_studio.audio.ffmpeg import encode_mp3
from muzaic_studio.model import Project
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.render.history import KEEP, RenderHistory, RenderRecord
from muzaic_studio.ui.workers import TaskRunner
from tests.ui.render_support import Scripted, ScriptedServer, cloud, render_and_wait, render_window


@pytest.fixture
def window(qtbot):
    w = render_window(qtbot)
    yield w
    w.render_workflow.shutdown()


def sine_mp3(seconds: float) -> bytes:
    t = np.arange(int(44100 * seconds)) / 44100
    tone = 0.3 * np.sin(2 * np.pi * 220 * t)
    return encode_mp3(np.stack([tone, tone], axis=1), 44100)


def test_a_region_edited_during_the_render_stays_marked_changed(window, qtbot):
    reply = Scripted(200, {"apiVersion": "1", "status": ["ok"], "regions": 2,
                           "regionHashes": ["hash-one", "hash-two"], "audioDuration": 14.0,
                           "mp3": base64.b64encode(sine_mp3(14.0)).decode(), "tokensUsed": 14},
                     delay=1.0)  # fmt: skip
    wf = window.render_workflow
    doc = window.doc
    intro, second = doc.project.sorted_regions()
    with ScriptedServer(reply) as srv:
        wf.use_backend(cloud(srv.url))
        with qtbot.waitSignal(wf.controller.finished, timeout=20_000) as blocker:
            assert wf.render(False)
            assert srv.arrived.wait(10)
            doc.edit("tempo", lambda rs: next(r for r in rs if r.uid == second.uid)
                     .params.update(tempo=9))  # fmt: skip
    assert blocker.args == [True]
    assert doc.region(intro.uid).last_hash == "hash-one"
    assert not doc.region(intro.uid).changed_since_render
    edited = doc.region(second.uid)
    assert edited.params["tempo"] == 9  # the edit survives the render
    assert edited.last_hash == "hash-two" and edited.changed_since_render
    # the library describes what was sent, not the edit
    assert doc.project.library.get("hash-two").params["tempo"] == 6
    # undoing the edit returns to the rendered spec: unchanged again
    doc.undo_stack.undo()
    assert not doc.region(second.uid).changed_since_render


def test_reopening_a_rendered_project_shows_its_last_render(window, qtbot, engine_url, tmp_path):
    wf = window.render_workflow
    wf.use_backend(cloud(engine_url))
    render_and_wait(window, qtbot)
    audio = window.doc.audio_path
    path = tmp_path / "scored.muzaic"
    window.doc.save(path)
    reopened = ProjectDocument(Project.load(path), path)
    window.set_document(reopened)  # its waveform loads from the cache, off the GUI thread
    assert reopened.waveform is None
    qtbot.waitUntil(lambda: reopened.waveform is not None, timeout=10_000)
    assert reopened.audio_path == audio and reopened.waveform.duration == pytest.approx(14.0, 0.01)
    assert wf.player.source == audio
    assert wf.history_dock.list.count() == 1
    assert wf.history.folder == audio.parent  # the same cache folder (id kept in the file)


def test_history_keeps_the_last_renders_and_deletes_older_files(tmp_path):
    history = RenderHistory(tmp_path / "renders")
    for i in range(KEEP + 2):
        path = history.new_audio_path()
        path.write_bytes(b"mp3")
        history.add(RenderRecord(path.name, rendered_at=float(i), duration=1.0, tokens=i))
    records = history.records()
    assert len(records) == KEEP and records[0].tokens == KEEP + 1  # newest first
    assert len(list(history.folder.glob("*.mp3"))) == KEEP
    again = RenderHistory(tmp_path / "renders")  # read back from history.json
    assert [r.file for r in again.records()] == [r.file for r in records]


def test_newest_request_wins_and_cancel_drops_late_results(qtbot):
    runner = TaskRunner(max_threads=2)
    release = threading.Event()
    results, errors = [], []

    def slow(progress, cancel):
        release.wait(5)
        progress(0.5, "late")
        return "old"

    first = runner.run(slow, on_result=results.append, on_progress=lambda f, t: results.append(t))
    second = runner.run(lambda p, c: "new", on_result=results.append)
    assert first.cancelled  # superseded
    qtbot.waitUntil(lambda: results == ["new"], timeout=5000)
    release.set()
    assert runner.wait(5000)
    qtbot.wait(50)  # queued deliveries of the old job would arrive now
    assert results == ["new"] and second.done

    def boom(progress, cancel):
        raise ValueError("typed failure")

    runner.run(boom, on_error=errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValueError)
    ticks = []
    task = runner.run(lambda p, c: (c.wait(5), "done")[1], on_result=ticks.append)
    started = time.monotonic()
    runner.cancel(task)
    assert task.done and time.monotonic() - started < 0.1  # cancel never waits
    assert runner.shutdown(5000)
    assert ticks == []


def test_summary_estimate_and_confirmation_text(window, monkeypatch):
    from PySide6.QtWidgets import QMessageBox

    from muzaic_studio.ui.render.controller import RenderSummary, SecondsPerSecond

    summary = RenderSummary(duration=75.0, tokens=40, tokens_saved=35, reused=2, regions=4,
                            balance=30, backend="cloud", only_changes=True, estimate=8.5)  # fmt: skip
    assert summary.text() == (
        "1:15 of music, estimate 40 tokens, 35 saved by reusing 2 unchanged regions, balance 30"
    )
    assert summary.over_balance
    speed = SecondsPerSecond()
    assert speed.estimate("cloud", 60.0) == pytest.approx(7.0)  # 6 s per minute + overhead
    speed.learn("cloud", 60.0, 3.0)
    assert speed.estimate("cloud", 60.0) == pytest.approx(3.0)
    asked = []

    def question(parent, title, text, *args):
        asked.append(text)
        return QMessageBox.StandardButton.No

    monkeypatch.setattr(QMessageBox, "question", question)
    wf = window.render_workflow
    wf.ask_before_spending = True
    assert not wf.backend_choice.confirm(summary)
    assert "only 30 are left" in asked[0] and "40 tokens" in asked[0]


def test_closing_the_window_leaves_no_worker_running(qtbot, engine_url):
    w = render_window(qtbot, engine_url)
    wf = w.render_workflow
    assert wf.render(False)
    w.close()
    qtbot.waitUntil(lambda: not wf.controller.busy, timeout=10_000)
    runners = [wf.controller.runner, wf.aux, wf.backends.runner, wf.backends.build_runner]
    qtbot.waitUntil(lambda: all(r.active_threads() == 0 for r in runners), timeout=10_000)
    assert not wf.player.playing
