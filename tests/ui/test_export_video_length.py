"""Export Video says, in the dialog and before exporting, when the soundtrack is longer or
shorter than the video and what the export does about it (found in a new-user trial: an
81 s score was cut to a 40 s video without a word)."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from muzaic_studio.model import Project
from muzaic_studio.ui.video.dialogs import ExportVideoDialog
from muzaic_studio.ui.video.export import soundtrack_seconds
from muzaic_studio.video import VideoInfo
from muzaic_studio.video.mux import length_note


def info(seconds: float) -> VideoInfo:
    return VideoInfo(Path("/tmp/clip.mp4"), seconds, 160, 120, 25.0, "h264", ("mp4",), "aac")


def dialog(qtbot, music: float | None, video: float) -> ExportVideoDialog:
    d = ExportVideoDialog(info(video), Path("/tmp/music.mp3"), soundtrack_seconds=music)
    qtbot.addWidget(d)
    d.show()
    return d


def test_longer_soundtrack_is_announced_as_cut_at_the_video_end(qtbot):
    d = dialog(qtbot, 81.0, 40.0)
    assert d.length_label.isVisible()
    text = d.length_label.text()
    assert "1:21" in text and "40.0 s" in text and "cuts the music at the video's end" in text


def test_shorter_soundtrack_is_announced_as_silence_after(qtbot):
    d = dialog(qtbot, 30.0, 40.0)
    assert d.length_label.isVisible()
    assert "shorter" in d.length_label.text() and "no music" in d.length_label.text()


def test_matching_or_unknown_lengths_say_nothing(qtbot):
    assert not dialog(qtbot, 40.01, 40.0).length_label.isVisible()
    assert not dialog(qtbot, None, 40.0).length_label.isVisible()


def test_note_wording_without_qt():
    assert length_note(81.0, 40.0) is not None and "41.0 s of music" in length_note(81.0, 40.0)
    assert length_note(40.0, 40.0) is None


def test_soundtrack_length_comes_from_the_waveform_or_the_last_render():
    project = Project()
    project.last_render = {"audioDuration": 81.0}
    assert soundtrack_seconds(SimpleNamespace(waveform=None, project=project)) == 81.0
    wave = SimpleNamespace(duration=79.5)
    assert soundtrack_seconds(SimpleNamespace(waveform=wave, project=project)) == 79.5
    assert soundtrack_seconds(SimpleNamespace(waveform=None, project=Project())) is None
