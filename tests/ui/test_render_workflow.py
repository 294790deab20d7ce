"""Render from the main window against the offline engine's real loopback server.

The window talks to the server through the real cloud client (MuzaicCloud over HTTP on
127.0.0.1): nothing is mocked. Failure modes the engine never produces (500, garbage,
slow answers) come from a scripted loopback server standing in for the remote cloud.
"""

from __future__ import annotations

import base64

import pytest
from PySide6.QtCore import Qt, QTimer

from muzaic_studio.model import Region
from tests.ui.editor_helpers import wait_for_backend
from tests.ui.render_support import (
    KEY,
    EngineServer,
    Scripted,
    ScriptedServer,
    cloud,
    refused_url,
    render_window,
    snapshot,
)


@pytest.fixture
def window(qtbot):
    w = render_window(qtbot)
    yield w
    w.render_workflow.shutdown()


def use(window, url, qtbot):
    wf = window.render_workflow
    wf.use_backend(cloud(url))
    return wf


def render(window, qtbot, only_changes=False, timeout=30_000):
    wf = window.render_workflow
    with qtbot.waitSignal(wf.controller.finished, timeout=timeout) as blocker:
        assert wf.render(only_changes)
    return blocker.args[0]


def test_render_two_regions_shows_waveform_hashes_and_library(window, engine_url, qtbot):
    wf = use(window, engine_url, qtbot)
    assert "127.0.0.1" in window.status.backend.text()  # the backend is named
    doc = window.doc
    ok = render(window, qtbot)
    assert ok
    assert doc.waveform is not None and doc.waveform.duration == pytest.approx(14.0, abs=0.1)
    hashes = [r.last_hash for r in doc.project.sorted_regions()]
    assert all(hashes) and len(set(hashes)) == 2
    assert not any(r.changed_since_render for r in doc.regions)
    # both generated hashes are in the project's library, the user's file and the dock
    assert set(hashes) <= {e.hash for e in doc.project.library.entries()}
    assert set(hashes) <= set(wf.library_dock.rows())
    assert all(len(doc.project.library.get(h).thumbnail) == 64 for h in hashes)
    from muzaic_studio.model import HashLibrary

    assert set(hashes) <= {e.hash for e in HashLibrary.load_file(wf.library.path).entries()}
    # the render is kept in the project's cache folder and listed
    assert doc.audio_path.is_file() and doc.audio_path.parent == wf.history.folder
    assert len(wf.history) == 1 and wf.history_dock.list.count() == 1
    assert (
        "Rendered 0:14" in window.message_bar.text or "Rendered 14.0 s" in window.message_bar.text
    )
    assert doc.dirty  # a render is worth saving
    assert wf.player.source == doc.audio_path


def test_render_changes_spends_tokens_only_for_the_changed_region(window, engine_url, qtbot):
    wf = use(window, engine_url, qtbot)
    doc = window.doc
    assert render(window, qtbot)
    first = doc.project.last_render["tokensUsed"]
    assert first == 14
    before = {r.uid: r.last_hash for r in doc.regions}
    intro, second = doc.project.sorted_regions()
    doc.edit("tempo", lambda rs: next(r for r in rs if r.uid == second.uid).params.update(tempo=9))
    plan = wf.controller.plan(True)
    assert plan.tokens == 8 and plan.tokens_saved == 6 and plan.reused == 1
    qtbot.waitUntil(lambda: "8 tokens, 6 saved" in wf.actions["render.changes"].toolTip())
    assert plan.body["regions"][0] == {
        "time": 0.0, "duration": 6.0, "action": "copy", "sourceHash": before[intro.uid]
    }  # fmt: skip
    assert render(window, qtbot, only_changes=True)
    assert doc.project.last_render["tokensUsed"] == 8  # the server charged the change only
    assert "8 tokens charged, 6 tokens saved by reusing 1 unchanged region" in (
        window.message_bar.text
    )
    assert not any(r.changed_since_render for r in doc.regions)
    after = {r.uid: r.last_hash for r in doc.regions}
    assert after[second.uid] != before[second.uid]
    assert len(wf.history) == 2 and wf.actions["render.ab"].isEnabled()
    # nothing changed now: render changes says so and sends nothing
    assert not wf.render(True)
    assert "Nothing changed" in window.message_bar.text


def test_ab_switches_between_the_last_two_renders(window, engine_url, qtbot):
    wf = use(window, engine_url, qtbot)
    doc = window.doc
    assert render(window, qtbot)
    first_audio = doc.audio_path
    doc.edit("tone", lambda rs: rs[0].params.update(tone=2))
    assert render(window, qtbot, only_changes=True)
    second_audio = doc.audio_path
    assert second_audio != first_audio
    with qtbot.waitSignal(doc.waveformChanged, timeout=10_000):
        wf.history_switch.ab_switch()
    assert doc.audio_path == first_audio and wf.player.source == first_audio
    said = window.message_bar.text  # one line, not the history list's two-line label
    assert said.startswith("Now showing the render of ") and "\n" not in said and "  " not in said
    with qtbot.waitSignal(doc.waveformChanged, timeout=10_000):
        wf.history_switch.ab_switch()
    assert doc.audio_path == second_audio


def test_validation_error_selects_the_region_and_sends_nothing(window, qtbot):
    with ScriptedServer(Scripted(500, {"error": "must not be called"})) as srv:
        use(window, srv.url, qtbot)
        doc = window.doc
        bad = Region(20.0, 4.0, params={"tempo": 11})
        doc.edit("add", lambda rs: rs.append(bad))
        before = snapshot(doc)
        assert not window.render_workflow.render(False)
        assert doc.selection == {bad.uid}
        assert doc.playhead == pytest.approx(20.0)
        assert "Region 3" in window.message_bar.text and "tempo" in window.message_bar.text
        assert window.message_bar.kind == "error"
        assert srv.hits == [h for h in srv.hits if "soundtrack" not in h]
        assert snapshot(doc) == before


def mp3_b64() -> str:
    return base64.b64encode(b"\xff\xfb\x90\x00" + b"\x00" * 400).decode()


# Failures the offline engine's server produces itself: a wrong key, too few tokens, a
# rate limit of one request per minute (spent by an account call before the render).
ENGINE_ERRORS = {
    "401": ({"tokens": None}, "wrong-key-0000000000000", "Set API key...", "invalid api key"),
    "402": ({"tokens": 3}, KEY, None, "Not enough tokens: 14 needed, 3 left"),
    "429": ({"rate_limit": 1}, KEY, "Retry in", "too many requests"),
}


@pytest.mark.parametrize("case", list(ENGINE_ERRORS))
def test_engine_errors_show_their_fix_and_leave_the_project_untouched(window, qtbot, case):
    options, key, action_text, words = ENGINE_ERRORS[case]
    wf = window.render_workflow
    with EngineServer(**options) as server:
        client = cloud(server.url, key)
        if case == "429":
            client.account()  # the one request of this minute
        wf.use_backend(client)
        before = snapshot(window.doc)
        assert not render(window, qtbot)
    assert_failed_cleanly(window, before, action_text, words)


# Failures only a remote server produces: they come from a scripted loopback server.
SCRIPTED_ERRORS = {
    "500": (Scripted(500, {"error": "boom"}), "Retry", "server"),
    "garbage": (Scripted(200, b"<html>not json</html>"), "Retry", ""),
}  # fmt: skip


@pytest.mark.parametrize("case", list(SCRIPTED_ERRORS))
def test_server_failures_show_their_fix_and_leave_the_project_untouched(window, qtbot, case):
    reply, action_text, words = SCRIPTED_ERRORS[case]
    with ScriptedServer(reply) as srv:
        use(window, srv.url, qtbot)
        before = snapshot(window.doc)
        assert not render(window, qtbot)
        assert any("soundtrack" in hit for hit in srv.hits), "the request reached the server"
    assert_failed_cleanly(window, before, action_text, words)


def assert_failed_cleanly(window, before, action_text, words) -> None:
    wf = window.render_workflow
    bar = window.message_bar
    assert bar.isVisible() and bar.kind in ("error", "warning")
    assert words.lower() in bar.text.lower(), bar.text
    if action_text:
        assert bar.action_button.isVisible() and bar.action_button.text().startswith(action_text), (
            bar.action_button.text()
        )
    assert snapshot(window.doc) == before
    assert len(wf.history) == 0 and not list(wf.history.folder.glob("*.mp3"))
    assert not wf.controller.busy and wf.actions["render.render"].isEnabled()


def test_a_copy_without_source_is_named_in_the_users_words(window, qtbot):
    # the backend is built after the first paint; before that a render is queued for it
    wait_for_backend(qtbot, window.render_workflow)
    doc = window.doc
    doc.edit("add", lambda rs: rs.append(Region(20.0, 4.0, "copy")))
    assert not window.render_workflow.render(False)
    assert "copy source" in window.message_bar.text
    assert "sourceHash" not in window.message_bar.text


def test_refused_connection_says_so_and_offers_retry(window, qtbot):
    use(window, refused_url(), qtbot)
    before = snapshot(window.doc)
    assert not render(window, qtbot)
    bar = window.message_bar
    assert bar.kind == "error" and bar.action_button.text() == "Retry"
    assert "127.0.0.1" in bar.text or "connect" in bar.text.lower()
    assert snapshot(window.doc) == before


def test_401_action_opens_the_key_dialog(window, qtbot, monkeypatch):
    opened = []
    choice = window.render_workflow.backend_choice
    monkeypatch.setattr(choice, "open_key_dialog", lambda: opened.append(1))
    with ScriptedServer(Scripted(401, {"error": "Invalid API key"})) as srv:
        use(window, srv.url, qtbot)
        window.render_workflow.controller.open_key_dialog = choice.open_key_dialog
        assert not render(window, qtbot)
    window.message_bar.action_button.click()
    assert opened == [1]


def test_cancel_stops_waiting_at_once_and_keeps_the_project(window, qtbot):
    wf = window.render_workflow
    with ScriptedServer(Scripted(200, {"error": "never sent"}, delay=20.0)) as srv:
        use(window, srv.url, qtbot)
        before = snapshot(window.doc)
        assert wf.render(False)
        assert srv.arrived.wait(10)
        assert wf.progress.isVisible() and wf.actions["render.cancel"].isEnabled()
        with qtbot.waitSignal(wf.controller.finished, timeout=1000) as blocker:
            wf.actions["render.cancel"].trigger()
        assert blocker.args == [False]
        assert not wf.controller.busy and not wf.progress.isVisible()
        assert "tokens" in window.message_bar.text and "cancel" in window.message_bar.text.lower()
        assert snapshot(window.doc) == before
    assert len(wf.history) == 0


def test_gui_stays_responsive_and_progress_moves_during_a_slow_render(window, qtbot):
    wf = window.render_workflow
    ticks = []
    timer = QTimer()
    timer.setInterval(20)
    timer.timeout.connect(lambda: ticks.append(1))
    progress = []
    wf.controller.progress.connect(lambda f, text: progress.append((f, text)))
    with ScriptedServer(Scripted(503, {"error": "busy"}, delay=1.5)) as srv:
        use(window, srv.url, qtbot)
        timer.start()
        with qtbot.waitSignal(wf.controller.finished, timeout=20_000):
            assert wf.render(False)
        timer.stop()
    assert len(ticks) >= 30  # 1.5 s of waiting: the event loop kept running
    fractions = [f for f, _ in progress]
    assert len(progress) >= 10 and fractions == sorted(fractions) and fractions[-1] > 0
    assert any("of about" in text for _, text in progress)  # elapsed against the estimate


def test_keyboard_render_changes_play_and_export(window, engine_url, qtbot):
    """The user's path with the keyboard only: Ctrl+R, edit, Ctrl+Shift+R, Space, Ctrl+E."""
    from PySide6.QtCore import Qt

    wf = use(window, engine_url, qtbot)
    window.activateWindow()
    window.timeline.setFocus()
    ctrl = Qt.KeyboardModifier.ControlModifier
    with qtbot.waitSignal(wf.controller.finished, timeout=30_000) as blocker:
        qtbot.keyClick(window.timeline, Qt.Key.Key_R, ctrl)
    assert blocker.args == [True] and window.doc.waveform is not None
    doc = window.doc
    doc.edit("tone", lambda rs: rs[0].params.update(tone=1))
    with qtbot.waitSignal(wf.controller.finished, timeout=30_000) as blocker:
        qtbot.keyClick(window.timeline, Qt.Key.Key_R, ctrl | Qt.KeyboardModifier.ShiftModifier)
    assert blocker.args == [True] and doc.project.last_render["tokensUsed"] == 6
    qtbot.keyClick(window.timeline, Qt.Key.Key_Space)
    assert wf.player.playing
    qtbot.keyClick(window.timeline, Qt.Key.Key_Space)
    assert not wf.player.playing
    qtbot.keyClick(window.timeline, Qt.Key.Key_E, ctrl)
    qtbot.waitUntil(lambda: getattr(wf, "export_dialog", None) is not None
                    and wf.export_dialog.isVisible(), timeout=5000)  # fmt: skip
    wf.export_dialog.close()


def test_every_error_button_does_what_it_says(window, qtbot, monkeypatch):
    """Typed errors whose fix the app can perform get a working button; others say it."""
    from muzaic_studio.contract.errors import InsecureConnection, InvalidKey, ServerError
    from muzaic_studio.ui.render.failures import notify_failure

    wf = window.render_workflow
    c = wf.controller
    plan = c.plan(False)
    calls = []
    c.open_key_dialog = lambda: calls.append("key")
    c.open_preferences = lambda: calls.append("prefs")
    monkeypatch.setattr(c, "render", lambda only=False: calls.append("render"))
    cases = [
        (InvalidKey("The API key is empty."), "Set API key...", "key"),
        (InsecureConnection("Refusing plain http."), "Preferences...", "prefs"),
        (ServerError("The server failed."), "Retry", "render"),
    ]
    for exc, text, effect in cases:
        notify_failure(c, plan, exc)
        bar = window.message_bar
        assert bar.action_button.text() == text
        bar.action_button.click()
        assert calls[-1] == effect


def offline_window(window, qtbot):
    wf = window.render_workflow
    wait_for_backend(qtbot, wf)
    assert wf.controller.backend.name == "offline"
    return wf


def test_cancel_on_the_offline_engine_says_nothing_was_charged(window, qtbot):
    wf = offline_window(window, qtbot)
    before = snapshot(window.doc)
    assert wf.render(False)
    assert wf.controller.busy
    with qtbot.waitSignal(wf.controller.finished, timeout=5000) as blocker:
        wf.actions["render.cancel"].trigger()
    assert blocker.args == [False]
    text = window.message_bar.text
    assert "stopped" in text.lower() and "nothing was charged" in text.lower()
    assert "charge tokens" not in text and "server may still" not in text
    assert not window.statusBar().currentMessage().startswith("Rendering")
    assert snapshot(window.doc) == before


def test_a_failed_render_leaves_no_rendering_message_in_the_status_bar(window, qtbot):
    use(window, refused_url(), qtbot)
    assert not render(window, qtbot)
    assert window.message_bar.kind == "error"
    assert "Rendering" not in window.statusBar().currentMessage()


def test_offline_engine_says_no_token_limit_everywhere(window, qtbot):
    wf = offline_window(window, qtbot)
    qtbot.waitUntil(lambda: wf.balance_label.text() != "", timeout=10_000)
    assert wf.balance_label.text() == "no token limit"
    started = []
    wf.controller.started.connect(lambda summary: started.append(summary.text()))
    assert render(window, qtbot)
    assert started and "no token limit" in started[0] and "balance" not in started[0]
    assert "1000000000" not in started[0] and "100000000" not in started[0]


def test_dead_cloud_server_also_offers_the_offline_engine(window, qtbot):
    from muzaic_studio.ui.dialogs.preferences import BackendSettings

    saved = BackendSettings.load()
    wf = window.render_workflow
    bar = window.message_bar
    try:
        with ScriptedServer(Scripted(500, {"error": "boom"})) as srv:
            use(window, srv.url, qtbot)
            assert not render(window, qtbot)
        assert bar.kind == "error" and not bar.second_button.isVisible()  # not for a server bug
        use(window, refused_url(), qtbot)
        assert not render(window, qtbot)
        assert bar.action_button.text() == "Retry"
        assert bar.second_button.isVisible() and bar.second_button.text() == "Use offline engine"
        with qtbot.waitSignal(wf.backends.backendChanged, timeout=20_000):
            qtbot.mouseClick(bar.second_button, Qt.MouseButton.LeftButton)
        assert wf.controller.backend.name == "offline"
        assert render(window, qtbot)  # and rendering works right away
    finally:
        saved.save()


@pytest.mark.parametrize("audio", ["truncated", "unreadable"])
def test_a_paid_render_with_bad_audio_keeps_its_hashes_and_says_so(window, qtbot, audio):
    """As in the CLI: the hashes of a paid answer are stored, the user reads a clear error,
    and nothing else of the project changes (no waveform, no history entry)."""
    import json

    from tests.api.helpers import mp3_bytes

    data = mp3_bytes(14.0)[:2000] if audio == "truncated" else base64.b64decode(mp3_b64())
    answer = {"regions": 2, "regionHashes": ["ha", "hb"], "audioDuration": 14.0,
              "mp3": base64.b64encode(data).decode(), "tokensUsed": 14}  # fmt: skip
    doc = window.doc
    with ScriptedServer(Scripted(200, answer)) as srv:
        wf = use(window, srv.url, qtbot)
        assert not render(window, qtbot)
    assert [r.last_hash for r in doc.project.sorted_regions()] == ["ha", "hb"]
    assert not any(r.changed_since_render for r in doc.regions)
    bar = window.message_bar
    assert bar.kind == "error" and "hashes of this paid render were kept" in bar.text
    if audio == "truncated":
        assert "The server sent 0." in bar.text and "of a 14.0 s soundtrack" in bar.text
    assert bar.action_button.text() == "Render changes"
    assert doc.waveform is None and doc.audio_path is None
    assert len(wf.history) == 0
    (kept,) = wf.history.folder.glob("*.answer.json")  # the paid answer, on disk first
    assert json.loads(kept.read_text())["regionHashes"] == ["ha", "hb"]
    # the fix on the button sends the regions as copies of those hashes: no generation
    assert [r["action"] for r in wf.controller.plan(True).body["regions"]] == ["copy", "copy"]
    with ScriptedServer(Scripted(500, {"error": "stop here"})) as srv:
        use(window, srv.url, qtbot)
        with qtbot.waitSignal(wf.controller.finished, timeout=30_000):
            bar.action_button.click()
        assert any("soundtrack" in hit for hit in srv.hits)


def test_a_busy_server_wait_is_counted_down_then_the_render_lands(window, qtbot):
    """A 429 with Retry-After: the progress says the server is busy and counts the wait
    down (it used to show a render taking far longer than usual); the retry renders."""
    from muzaic_studio.api.cloud import MuzaicCloud
    from muzaic_studio.engine.tags import catalogue
    from tests.api.helpers import mp3_bytes, ok_payload
    from tests.api.recording_server import RecordingServer, Reply

    wf = window.render_workflow
    texts: list[str] = []
    bars: dict[str, float] = {}
    wf.controller.progress.connect(lambda f, text: (texts.append(text), bars.setdefault(text, f)))
    with RecordingServer() as srv:
        srv.route("/getTags", Reply(200, catalogue()))
        srv.route("/accountDetails", Reply(200, {"tokensRemaining": 1000, "tokensUsed": 0}))
        answer = ok_payload(2, audio=mp3_bytes(14.0), audioDuration=14.0)
        srv.queue(Reply(429, {"error": "slow down"}, {"Retry-After": "2"}), Reply(200, answer))
        wf.use_backend(MuzaicCloud(srv.url, KEY, max_retries=2, connect_timeout=2.0))
        with qtbot.waitSignal(wf.controller.finished, timeout=30_000):
            assert wf.render(False)
        assert len(srv.posts()) == 2
    busy = [t for t in texts if "Server busy (429)" in t]
    assert len({bars[t] for t in busy}) == 1, "the bar holds still while the client waits"
    assert busy and "trying again in 2 s" in busy[0]
    assert any("trying again in 1 s" in t for t in busy), "the wait is counted down"
    assert texts[-1] and "busy" not in texts[-1]  # after the wait: the render's own words
    assert window.doc.audio_path is not None


def test_cancelling_during_a_busy_server_wait_says_nothing_was_charged(window, qtbot):
    """Cancel while a 429's wait is counted down: no request is in flight, so the banner
    must not warn that "the server may still finish it and charge tokens for it"."""
    from muzaic_studio.api.cloud import MuzaicCloud
    from muzaic_studio.engine.tags import catalogue
    from tests.api.recording_server import RecordingServer, Reply

    wf = window.render_workflow
    texts: list[str] = []
    wf.controller.progress.connect(lambda _f, text: texts.append(text))
    with RecordingServer() as srv:
        srv.route("/getTags", Reply(200, catalogue()))
        srv.route("/accountDetails", Reply(200, {"tokensRemaining": 1000, "tokensUsed": 0}))
        srv.queue(Reply(429, {"error": "slow down"}, {"Retry-After": "30"}))
        wf.use_backend(MuzaicCloud(srv.url, KEY, max_retries=2, connect_timeout=2.0))
        assert wf.render(False)
        qtbot.waitUntil(lambda: any("Server busy (429)" in t for t in texts), timeout=30_000)
        with qtbot.waitSignal(wf.controller.finished, timeout=10_000):
            wf.controller.cancel()
        assert len(srv.posts()) == 1  # the refused one; the retry was never sent
    bar = window.message_bar
    assert "busy server" in bar.text and "cost nothing" in bar.text
    assert "may still finish" not in bar.text
