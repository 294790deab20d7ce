"""Playback without a sound card: no crash, a message, and a playhead that still runs."""

from __future__ import annotations

import pytest

from muzaic_studio.model import Project, Region
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.playback import player as player_module
from muzaic_studio.ui.playback.player import NO_DEVICE_MESSAGE, Player, audio_outputs_available
from muzaic_studio.ui.window.main_window import MainWindow
from tests.ui.render_support import render_and_wait, render_window


@pytest.fixture
def player(qtbot, tmp_path):
    p = Player(audio=False)
    audio = tmp_path / "a.mp3"
    audio.write_bytes(b"not played: no audio device")
    p.set_source(audio, 10.0, keep_position=False)
    yield p
    p.close()


def test_this_machine_has_no_audio_output_and_detection_does_not_hang():
    # CI and this server have no sound card: Qt lists no outputs; a Player built on that
    # detection creates no QMediaPlayer at all.
    if audio_outputs_available():
        pytest.skip("this machine has an audio output")
    assert not Player().has_audio


def test_play_without_device_says_so_once_and_the_clock_runs(player, qtbot):
    messages = []
    player.message.connect(lambda text, kind: messages.append((text, kind)))
    assert player.play(2.0)
    assert player.playing and player.position == pytest.approx(2.0)
    assert messages == [(NO_DEVICE_MESSAGE, "warning")]
    qtbot.waitUntil(lambda: player.position > 2.1, timeout=3000)  # real time moves it
    player.pause()
    paused_at = player.position
    assert not player.playing
    qtbot.wait(100)
    assert player.position == paused_at
    player.play()
    assert len(messages) == 1  # said once


def test_loop_wraps_and_stop_at_end(player):
    player.set_loop((3.0, 5.0))
    player.play(0.0)  # outside the loop: starts at its beginning
    assert player.position == pytest.approx(3.0)
    player.advance(1.5)
    assert player.position == pytest.approx(4.5, abs=0.05)
    player.advance(0.6)  # past 5.0: back to 3.0
    assert player.position == pytest.approx(3.0, abs=0.05)
    player.set_loop(None)
    player.seek(9.5)
    player.advance(1.0)  # past the end: stops at the end
    assert not player.playing and player.position == pytest.approx(10.0)
    assert player.play()  # at the end, play starts over
    assert player.position == pytest.approx(0.0)


def test_nothing_to_play_is_a_message_not_an_error(qtbot):
    p = Player(audio=False)
    messages = []
    p.message.connect(lambda text, kind: messages.append(text))
    assert not p.play()
    assert "render" in messages[0].lower()


@pytest.fixture
def window(qtbot, engine_url):
    w = render_window(qtbot, engine_url)
    render_and_wait(w, qtbot)
    yield w
    w.render_workflow.shutdown()


def test_space_plays_from_the_playhead_and_the_playhead_follows(window, qtbot):
    wf = window.render_workflow
    doc = window.doc
    doc.set_playhead(3.0)
    play = wf.actions["render.play"]
    assert "Space" in [s.toString() for s in play.shortcuts()]
    play.trigger()
    assert wf.player.playing and wf.player.position == pytest.approx(3.0)
    assert "No audio output" in window.message_bar.text
    qtbot.waitUntil(lambda: doc.playhead > 3.1, timeout=3000)
    # moving the playhead (ruler click, Home, ...) seeks the playing audio
    doc.set_playhead(10.0)
    assert wf.player.position == pytest.approx(10.0)
    play.trigger()
    assert not wf.player.playing


def test_l_loops_the_selected_region(window):
    wf = window.render_workflow
    doc = window.doc
    loop = wf.actions["render.loop"]
    loop.trigger()  # nothing selected: says what to do, stays off
    assert not loop.isChecked() and wf.player.loop is None
    assert "Select" in window.message_bar.text
    second = doc.project.sorted_regions()[1]
    doc.select([second.uid])
    loop.trigger()
    assert loop.isChecked() and wf.player.loop == (6.0, 14.0)
    assert wf.loop_overlay.isVisible() and wf.loop_overlay.span == (6.0, 14.0)
    doc.set_playhead(0.0)
    wf.actions["render.play"].trigger()
    assert wf.player.position == pytest.approx(6.0)  # starts inside the loop
    wf.player.advance(8.5)
    assert 6.0 <= doc.playhead < 7.0  # wrapped
    loop.trigger()
    assert wf.player.loop is None and not wf.loop_overlay.isVisible()


def test_render_while_playing_pauses_then_offers_the_new_audio(window, qtbot):
    wf = window.render_workflow
    doc = window.doc
    wf.actions["render.play"].trigger()
    doc.edit("tone", lambda rs: rs[0].params.update(tone=9))
    with qtbot.waitSignal(wf.controller.finished, timeout=30_000):
        assert wf.render(True)
    assert not wf.player.playing
    assert wf.player.source == doc.audio_path


def test_empty_project_has_nothing_to_play(qtbot):
    w = MainWindow(ProjectDocument(Project(regions=[Region(0, 2)])), autosave=False)
    qtbot.addWidget(w)
    w.render_workflow.actions["render.play"].trigger()
    assert not w.render_workflow.player.playing
    assert "render" in w.message_bar.text.lower()
    w.render_workflow.shutdown()


def test_with_a_sound_device_a_new_render_plays_from_the_playhead(qtbot, engine_url, monkeypatch):
    # Qt lists a device (none here: it refuses the stream, and the clock goes on).
    monkeypatch.setattr(player_module, "audio_outputs_available", lambda: True)
    window = render_window(qtbot, engine_url)
    render_and_wait(window, qtbot)
    wf = window.render_workflow
    assert wf.player.has_audio
    doc = window.doc
    doc.set_playhead(4.0)
    doc.edit("tone", lambda rs: rs[0].params.update(tone=2))
    with qtbot.waitSignal(wf.controller.finished, timeout=30_000):
        assert wf.render(True)
    assert wf.player.playing and wf.player.source == doc.audio_path
    qtbot.waitUntil(lambda: doc.playhead > 4.2, timeout=5000)  # the playhead follows it
    wf.player.pause()
    wf.shutdown()
