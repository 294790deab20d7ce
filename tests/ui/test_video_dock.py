"""The video dock follows the playhead: seeks when paused (throttled while scrubbing), plays
along with the soundtrack player, keeps the video's own sound muted by default, and works
without an audio device. Frames are read from the QVideoWidget's sink, so these tests see
what the user sees: red during the second shot, blue during the last one.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtMultimedia import QMediaDevices, QMediaPlayer

from muzaic_studio.ui.video.dock import VideoDock
from tests.video.conftest import make_cut_video

WAIT = 15_000


@pytest.fixture(scope="module")
def video_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_cut_video(tmp_path_factory.mktemp("dock") / "cuts.mp4")


@pytest.fixture
def dock(qtbot, video_file):
    d = VideoDock(audio=False)
    qtbot.addWidget(d)
    d.resize(320, 260)
    d.show()
    qtbot.waitExposed(d)
    d.set_source(video_file, 4.0)
    qtbot.waitUntil(lambda: d.loaded, timeout=WAIT)
    yield d
    d.close_media()


class Frames:
    """The centre colour of the newest frame the dock's video widget received."""

    def __init__(self, dock: VideoDock) -> None:
        colors: list[str] = []
        self.colors = colors

        def frame_arrived(frame) -> None:
            image = frame.toImage()
            if not image.isNull():
                colors.append(image.pixelColor(image.width() // 2, image.height() // 2).name())

        dock.video_widget.videoSink().videoFrameChanged.connect(frame_arrived)

    def last_is(self, predicate) -> bool:
        return bool(self.colors) and predicate(self.colors[-1])


def red(name: str) -> bool:
    return name.startswith("#f") and name[3:] in ("0000", "0101", "0100", "0001")


def blue(name: str) -> bool:
    return name[1:5] in ("0000", "0100", "0001", "0101") and name[5] == "f"


def test_follows_the_playhead_when_paused(dock, qtbot):
    frames = Frames(dock)
    dock.follow(1.5)  # second shot: red
    qtbot.waitUntil(lambda: frames.last_is(red), timeout=WAIT)
    assert dock.media_position() == pytest.approx(1.5, abs=0.05)
    dock.follow(3.5)  # last shot: blue
    qtbot.waitUntil(lambda: frames.last_is(blue), timeout=WAIT)
    assert dock.media_position() == pytest.approx(3.5, abs=0.05)


def test_scrubbing_is_throttled_and_the_newest_position_wins(dock, qtbot, monkeypatch):
    seeks: list[float] = []
    original = dock.media.setPosition

    def counting(ms: int) -> None:
        seeks.append(ms / 1000)
        original(ms)

    monkeypatch.setattr(dock.media, "setPosition", counting)  # each seek the picture does
    frames = Frames(dock)
    for i in range(100):  # a fast drag across the whole video
        dock.follow(i * 0.035)
    qtbot.waitUntil(lambda: frames.last_is(blue), timeout=WAIT)
    assert dock.media_position() == pytest.approx(99 * 0.035, abs=0.05)
    assert seeks[-1] == pytest.approx(99 * 0.035, abs=0.001)
    assert len(seeks) <= 3  # the first at once, then the newest when the throttle ends


def test_past_the_end_shows_the_last_frame(dock, qtbot):
    frames = Frames(dock)
    dock.follow(30.0)
    qtbot.waitUntil(lambda: frames.last_is(blue), timeout=WAIT)
    assert dock.media_position() < 4.0


def test_plays_and_pauses_with_the_soundtrack(dock, qtbot):
    media = dock.media
    dock.follow(0.5)
    dock.set_playing(True)
    dock.follow(0.53)  # the playhead moves: its sound is heard
    assert media.playbackState() == QMediaPlayer.PlaybackState.PlayingState
    qtbot.waitUntil(lambda: dock.media_position() > 0.6, timeout=WAIT)
    # A playhead far from the picture (a click on the ruler while playing) pulls it back.
    dock.follow(3.0)
    qtbot.waitUntil(lambda: abs(dock.media_position() - 3.0) < 0.3, timeout=WAIT)
    dock.set_playing(False)
    assert media.playbackState() == QMediaPlayer.PlaybackState.PausedState


def test_pause_shows_the_frame_at_the_playhead(dock, qtbot):
    """The heard position lags the picture a little; on pause the picture must go back to
    the playhead, not freeze on the frame the playing video had reached (a seek made while
    playing, then a pause, froze on a later frame: the bars of the next shot)."""
    frames = Frames(dock)
    dock.follow(1.3)
    dock.set_playing(True)
    dock.follow(1.33)  # the sound is heard: the picture plays
    qtbot.waitUntil(lambda: dock.media_position() > 2.08, timeout=WAIT)  # past the cut at 2.0
    dock.follow(1.95)  # where the sound is: still the red shot
    dock.set_playing(False)
    qtbot.waitUntil(lambda: frames.last_is(red), timeout=WAIT)
    qtbot.wait(300)  # no later frame replaces it
    assert frames.last_is(red)
    assert dock.media_position() == pytest.approx(1.95, abs=0.05)


def test_the_picture_waits_for_the_sound(dock, qtbot):
    """Play starts the sound with the sound system's latency (the playhead holds until it is
    heard): the picture must not run ahead meanwhile, only start when the playhead moves."""
    media = dock.media
    dock.follow(1.0)
    dock.set_playing(True)
    qtbot.wait(250)  # the sound is not heard yet: the playhead holds at 1.0
    assert media.playbackState() == QMediaPlayer.PlaybackState.PausedState
    assert dock.media_position() == pytest.approx(1.0, abs=0.05)
    dock.follow(1.03)
    assert media.playbackState() == QMediaPlayer.PlaybackState.PlayingState
    dock.set_playing(False)


def test_a_playhead_back_from_past_the_end_plays_the_picture_again(dock, qtbot):
    """A soundtrack longer than the video: past its end the picture stops; a click back
    into the video (or a loop wrapping) while the music plays must play the picture again,
    not leave it frozen."""
    media = dock.media
    dock.follow(3.5)
    dock.set_playing(True)
    dock.follow(3.53)
    dock.follow(6.0)  # the music plays on past the video
    assert media.playbackState() != QMediaPlayer.PlaybackState.PlayingState
    dock.follow(1.0)  # the user clicks back to 0:01 while it plays
    dock.follow(1.03)
    assert media.playbackState() == QMediaPlayer.PlaybackState.PlayingState
    qtbot.waitUntil(lambda: dock.media_position() > 1.1, timeout=WAIT)
    dock.set_playing(False)


def test_small_drift_while_playing_does_not_seek(dock, qtbot, monkeypatch):
    dock.follow(1.0)
    dock.set_playing(True)
    seeks: list[float] = []
    monkeypatch.setattr(dock.media, "setPosition", seeks.append)
    qtbot.wait(100)
    dock.follow(dock.media_position() + 0.05)
    assert seeks == []
    dock.set_playing(False)


def test_no_audio_device_means_no_output_and_a_muted_button(dock):
    assert not dock.has_audio_output
    assert dock.muted
    dock.set_muted(False)
    assert dock.muted  # nothing to unmute
    assert not dock.sound_button.isEnabled()
    assert "No audio output" in dock.sound_button.toolTip()


def test_auto_detects_audio_outputs_without_crashing(qtbot, video_file):
    d = VideoDock()  # audio=None: ask Qt once a video needs it; may have no sound card
    qtbot.addWidget(d)
    d.set_source(video_file, 4.0)
    assert d.has_audio_output == bool(QMediaDevices.audioOutputs())
    d.follow(2.5)
    d.set_playing(True)
    qtbot.wait(200)
    d.set_playing(False)
    assert d.muted  # muted by default
    d.close_media()


def test_source_none_shows_the_placeholder(dock):
    dock.set_source(None)
    assert dock.placeholder.isVisible() and not dock.video_widget.isVisible()
    dock.follow(2.0)  # no video: nothing to do, nothing breaks


def test_main_window_dock_follows_document_and_player(qtbot, video_file, monkeypatch):
    from muzaic_studio.model import Project
    from muzaic_studio.ui.document import ProjectDocument
    from muzaic_studio.ui.video.workflow import install_video_workflow
    from muzaic_studio.ui.window.main_window import MainWindow
    from tests.ui.editor_helpers import no_modal_dialogs

    no_modal_dialogs(monkeypatch)
    w = MainWindow(ProjectDocument(Project()), autosave=False)
    w.files.maybe_save = lambda: True
    qtbot.addWidget(w)
    w.show()
    wf = getattr(w, "video_workflow", None) or install_video_workflow(w, audio=False)
    wf.load_video(video_file)
    qtbot.waitUntil(lambda: wf.info is not None, timeout=WAIT)
    frames = Frames(wf.dock_widget)
    w.doc.set_playhead(3.4)
    qtbot.waitUntil(lambda: frames.last_is(blue), timeout=WAIT)
    # The soundtrack player's play/pause drives the picture.
    player = w.render_workflow.player
    player.playingChanged.emit(True)
    assert wf.dock_widget.playing
    player.playingChanged.emit(False)
    assert not wf.dock_widget.playing
    # The sound lane's button and the dock share one muted state.
    assert wf.bands.lane.muted and wf.dock_widget.muted
    wf.shutdown()
    w.render_workflow.shutdown()


def test_multimedia_is_loaded_only_for_a_video(qtbot, video_file):
    d = VideoDock(audio=False)
    qtbot.addWidget(d)
    assert d.media is None and d.video_widget is None  # start-up pays nothing
    d.follow(1.0)
    d.set_playing(True)
    d.set_source(None)
    assert d.media is None
    d.set_source(video_file, 4.0)
    assert d.media is not None
    qtbot.waitUntil(lambda: d.loaded, timeout=WAIT)
    # Playing was asked for before the video existed: it applies once loaded (cued at the
    # playhead, playing as soon as the playhead moves on).
    d.follow(1.03)
    assert d.media.playbackState() == QMediaPlayer.PlaybackState.PlayingState
    d.close_media()
