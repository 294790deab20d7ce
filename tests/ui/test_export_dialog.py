"""Export (Ctrl+E): a valid MP3 of the whole render, WAV of a selection, clear failures."""

from __future__ import annotations

import pytest

from muzaic_studio.audio.decode import probe
from muzaic_studio.ui.workers import run_inline
from tests.ui.render_support import render_and_wait, render_window


@pytest.fixture
def window(qtbot, engine_url):
    w = render_window(qtbot, engine_url)
    yield w
    w.render_workflow.shutdown()


def export(dialog, qtbot, path):
    dialog.path_edit.setText(str(path))
    dialog.export_button.click()
    assert dialog.exporting
    qtbot.waitUntil(lambda: not dialog.exporting, timeout=30_000)


def test_ctrl_e_before_a_render_says_render_first(window):
    wf = window.render_workflow
    assert "Ctrl+E" in [s.toString() for s in wf.actions["file.export"].shortcuts()]
    assert wf.open_export() is None
    assert "render" in window.message_bar.text.lower()
    assert window.message_bar.action_button.text() == "Render"


def test_export_whole_soundtrack_as_mp3_with_loudness(window, qtbot, tmp_path):
    wf = render_and_wait(window, qtbot)
    dialog = wf.open_export()
    assert dialog is not None and dialog.format == "mp3"
    qtbot.waitUntil(lambda: "LUFS" in dialog.loudness_label.text(), timeout=20_000)
    target = tmp_path / "out.mp3"
    export(dialog, qtbot, target)
    assert dialog.last_error == ""
    info = probe(target)
    assert info.codec == "mp3"
    assert info.duration == pytest.approx(14.0, abs=0.15)
    assert "Exported" in dialog.status_label.text() and dialog.progress.value() == 1000
    dialog.close()


def test_export_selection_as_wav(window, qtbot, tmp_path):
    wf = render_and_wait(window, qtbot)
    second = window.doc.project.sorted_regions()[1]
    window.doc.select([second.uid])
    dialog = wf.open_export()
    assert dialog.selection == (6.0, 14.0) and dialog.selection_radio.isEnabled()
    dialog.use_selection(True)
    dialog.set_format("wav")
    assert dialog.path_edit.text().endswith(".wav")
    target = tmp_path / "part.wav"
    dialog.path_edit.setText(str(target))
    with run_inline():  # the job's outcome arrives before the click returns: no wait loop
        dialog.export_button.click()
    assert not dialog.exporting and dialog.last_error == ""
    info = probe(target)
    assert info.codec.startswith("pcm_s16le")
    assert info.duration == pytest.approx(8.0, abs=0.1)
    dialog.close()


def test_the_last_exports_format_and_master_are_the_next_defaults(window, qtbot, tmp_path):
    wf = render_and_wait(window, qtbot)
    dialog = wf.open_export()
    assert (dialog.format, dialog.master_combo.currentData()) == ("mp3", None)  # first time
    dialog.set_format("wav")
    dialog.master_combo.setCurrentIndex(dialog.master_combo.findData(-16.0))
    export(dialog, qtbot, tmp_path / "one.wav")
    assert dialog.result_info is not None
    dialog.close()
    again = wf.open_export()
    assert (again.format, again.master_combo.currentData()) == ("wav", -16.0)
    assert again.path_edit.text().endswith(".wav")
    again.close()


def test_export_to_a_missing_folder_fails_clearly_and_writes_nothing(window, qtbot, tmp_path):
    wf = render_and_wait(window, qtbot)
    dialog = wf.open_export()
    target = tmp_path / "no-such-folder" / "out.mp3"
    export(dialog, qtbot, target)
    assert dialog.result_info is None
    assert "does not exist" in dialog.last_error and dialog.last_error in dialog.status_label.text()
    assert "Errno" not in dialog.last_error  # a sentence, not a Python error code
    assert not target.parent.exists()
    assert dialog.export_button.isEnabled()  # the user can fix the path and try again
    dialog.close()


def test_loudness_report_has_room_for_every_line(window, qtbot):
    from tests.ui.test_main_window_screenshot import ARTIFACTS

    wf = render_and_wait(window, qtbot)
    dialog = wf.open_export()
    qtbot.waitUntil(lambda: "LUFS" in dialog.loudness_label.text(), timeout=20_000)
    label = dialog.loudness_label

    def fits() -> bool:
        qtbot.wait(20)
        lines = label.fontMetrics().lineSpacing()
        inside = dialog.rect().contains(label.geometry())  # the label's parent is the dialog
        return label.height() >= max(label.heightForWidth(label.width()), 2 * lines) and inside

    assert fits()
    dialog.show_loudness(label.text() + " · louder than streaming services play back; "
                         "they will turn it down by 0.3 dB, and some will limit its true peak")  # fmt: skip
    assert fits()  # a report that wraps to more lines grows the dialog, nothing clipped
    ARTIFACTS.mkdir(exist_ok=True)
    assert dialog.grab().save(str(ARTIFACTS / "export_dialog.png"))
    dialog.close()


def test_export_applies_the_mix_and_the_master_target_and_reports_before_after(
    window, qtbot, tmp_path
):
    from muzaic_studio.audio.loudness import measure_loudness
    from muzaic_studio.model.mix import RegionMix
    from muzaic_studio.ui.mix_edits import edit_mix

    wf = render_and_wait(window, qtbot)
    doc = window.doc
    first = doc.project.sorted_regions()[0]
    edit_mix(doc, [first.uid], "fade", lambda m, r: RegionMix(gain_db=-10.0, fade_in=2.0))
    dialog = wf.open_export()
    qtbot.waitUntil(lambda: "LUFS" in dialog.loudness_label.text(), timeout=20_000)
    dialog.set_format("wav")
    dialog.master_combo.setCurrentIndex(dialog.master_combo.findData(-16.0))
    target = tmp_path / "master.wav"
    export(dialog, qtbot, target)
    assert dialog.last_error == ""
    text = dialog.loudness_label.text()
    assert "Before:" in text and "After" in text
    after = measure_loudness(target)
    assert after.integrated_lufs == pytest.approx(-16.0, abs=1.0)
    assert after.true_peak_dbtp <= -0.9
    dialog.close()
