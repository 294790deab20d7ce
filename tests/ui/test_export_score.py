"""Export Audio's Stems (WAV) and MIDI: written beside the audio by the dialog's worker with
progress, or disabled with the reason when the backend is the cloud."""

from __future__ import annotations

import mido
import pytest
from scipy.io import wavfile

from muzaic_studio.engine.backend import OfflineEngine
from tests.ui.render_support import render_and_wait, render_window


@pytest.fixture
def offline_window(qtbot):
    w = render_window(qtbot)
    w.render_workflow.use_backend(OfflineEngine())
    yield w
    w.render_workflow.shutdown()


def test_stems_and_midi_are_written_beside_the_audio(offline_window, qtbot, tmp_path):
    wf = render_and_wait(offline_window, qtbot)
    dialog = wf.open_export()
    row = dialog.score_row
    assert row.stems_box.isEnabled() and row.midi_box.isEnabled() and not row.note.isVisible()
    row.stems_box.setChecked(True)
    row.midi_box.setChecked(True)
    shown: list[int] = []
    dialog.progress.valueChanged.connect(shown.append)
    dialog.path_edit.setText(str(tmp_path / "film.mp3"))
    dialog.export_button.click()
    assert dialog.exporting and not dialog.export_button.isEnabled()  # on the worker
    qtbot.waitUntil(lambda: not dialog.exporting, timeout=180_000)
    assert dialog.last_error == ""
    assert any(200 < v < 1000 for v in shown)  # the score's progress reached the bar
    stems = tmp_path / "film stems"
    assert sorted(p.name for p in stems.iterdir()) == [
        "bass.wav", "drums.wav", "harmony.wav", "melody.wav"
    ]  # fmt: skip
    rate, melody = wavfile.read(stems / "melody.wav")
    assert len(melody) / rate == pytest.approx(14.0, abs=0.01)
    score = mido.MidiFile(tmp_path / "film.mid")
    assert score.length == pytest.approx(14.0, abs=0.01)
    text = dialog.status_label.text()
    assert "Exported 14.0 s of MP3" in text and "4 stems" in text and "add up to the mix" in text
    assert (tmp_path / "film.mp3").is_file() and dialog.score_info.residual_db <= -60
    dialog.close()


def test_with_the_cloud_the_boxes_are_off_and_say_why(qtbot, engine_url):
    w = render_window(qtbot, engine_url)  # the cloud client (here: against the local engine)
    try:
        wf = render_and_wait(w, qtbot)
        dialog = wf.open_export()
        row = dialog.score_row
        assert not row.stems_box.isEnabled() and not row.midi_box.isEnabled()
        assert row.note.isVisible() and "offline engine" in row.note.text()
        assert "cloud sends only the mixed audio" in row.stems_box.toolTip()
        assert not row.wanted()
        dialog.close()
    finally:
        w.render_workflow.shutdown()
