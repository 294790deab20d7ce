"""A busy server's countdown ("trying again in N s") has "Try now": the refused request
goes again at once instead of after the wait. Against the offline engine's own loopback
server with a rate limit of one request a minute (spent before the render), through the
real cloud client with its retries."""

from __future__ import annotations

import logging
import re
import sqlite3

import pytest

from muzaic_studio.api.cloud import MuzaicCloud
from tests.ui.render_support import KEY, EngineServer, render_window

COUNTDOWN = re.compile(r"Server busy \(429\): trying again in (\d+) s")


@pytest.fixture(autouse=True)
def silent(monkeypatch):
    """No sound device (asking Qt for one can take long on a loaded machine)."""
    from muzaic_studio.ui.playback import player

    monkeypatch.setattr(player, "audio_outputs_available", lambda: False)


@pytest.fixture
def busy():
    with EngineServer(rate_limit=1, tokens=None) as server:
        client = MuzaicCloud(server.url, KEY, max_retries=3, connect_timeout=2.0)
        client.account()  # the one request of this minute
        yield server, client


def free(server) -> None:
    """The server's minute is over: forget the requests its rate limit counted."""
    with sqlite3.connect(server.server.config.state_path) as db:
        db.execute("DELETE FROM hits")


def test_try_now_sends_the_refused_render_again_at_once(qtbot, busy, caplog):
    caplog.set_level(logging.INFO, "muzaic_studio.api.transport")
    server, client = busy
    w = render_window(qtbot)
    wf = w.render_workflow
    wf.autoplay = False
    wf.use_backend(client)
    progress, button = wf.progress, wf.progress.try_now_button
    try:
        assert wf.render(False)
        qtbot.waitUntil(lambda: button.isVisible(), timeout=20_000)
        said = COUNTDOWN.search(progress.label.text())
        assert said and int(said.group(1)) >= 30, progress.label.text()  # most of a minute

        qtbot.mouseClick(button, qtbot_left())  # still busy: asked again, refused again
        assert not button.isVisible() and not COUNTDOWN.search(progress.label.text())
        qtbot.waitUntil(lambda: button.isVisible(), timeout=20_000)  # the server's new 429
        retries = [r.getMessage() for r in caplog.records if r.getMessage().startswith("render:")]
        assert [m.split("; ")[-1].split(" in ")[0] for m in retries] == ["retry 1", "retry 2"]
        assert COUNTDOWN.search(progress.label.text()) and wf.controller.busy

        free(server)
        with qtbot.waitSignal(wf.controller.rendered, timeout=20_000):  # not the minute
            qtbot.mouseClick(button, qtbot_left())
        assert w.doc.audio_path is not None and w.message_bar.kind == "success"
        assert not wf.progress.isVisible()
    finally:
        wf.shutdown()


def test_try_now_is_offered_only_while_the_countdown_runs(qtbot, engine_url):
    w = render_window(qtbot, engine_url)
    wf = w.render_workflow
    wf.autoplay = False
    try:
        seen: list[bool] = []
        wf.controller.progress.connect(
            lambda *_: seen.append(wf.progress.try_now_button.isVisible())
        )
        with qtbot.waitSignal(wf.controller.finished, timeout=30_000):
            assert wf.render(False)
        assert seen and not any(seen)  # a render nobody refused: nothing to try
    finally:
        wf.shutdown()


def qtbot_left():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton
