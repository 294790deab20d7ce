"""Export > Render Changes First renders for the export: the new render is not played
behind the dialog that comes back over it (nor is any render that arrives while a modal
dialog is up), and Export comes back once, on the soundtrack itself, also when copy
sources had to be rendered first. Renders run on the offline engine's loopback server;
the sound device is claimed as in test_player_playhead (Qt refuses the stream here)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialog

from muzaic_studio.model import Region
from muzaic_studio.ui.playback import player as player_module
from muzaic_studio.ui.render.history import RenderHistory
from tests.ui.render_support import render_and_wait, render_window


@pytest.fixture
def sound(monkeypatch):
    monkeypatch.setattr(player_module, "audio_outputs_available", lambda: True)


def render_first_from_export(wf, qtbot, renders: int = 1):
    """Open Export on a stale render, press Render Changes First; wait for *renders*
    renders and for Export to come back. Returns (the stale dialog, the dialogs opened)."""
    stale = wf.open_export()
    assert stale.render_first_button.isVisible()
    opened = []
    real_open = wf.open_export

    def open_export():
        opened.append(real_open())
        return opened[-1]

    wf.open_export = open_export
    finished = []
    wf.controller.finished.connect(finished.append)
    qtbot.mouseClick(stale.render_first_button, Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: len(finished) == renders and bool(opened), timeout=60_000)
    qtbot.wait(200)  # nothing more comes
    assert finished == [True] * renders
    return stale, opened


def test_a_render_for_export_is_not_played_and_export_comes_back_on_it(qtbot, engine_url, sound):
    w = render_window(qtbot, engine_url)
    w.render_workflow.autoplay = False  # the first stream Qt refuses here ends has_audio
    wf = render_and_wait(w, qtbot)
    try:
        wf.autoplay = True
        assert wf.player.has_audio  # a render would play by itself...
        doc = w.doc
        doc.edit("tone", lambda rs: rs[0].params.update(tone=2))
        old_audio = doc.audio_path
        stale, opened = render_first_from_export(wf, qtbot)
        assert not wf.player.playing  # ...but not one made for Export
        assert not stale.isVisible() and len(opened) == 1
        fresh = opened[0]
        assert fresh.isVisible() and fresh.source == doc.audio_path != old_audio
        assert not hasattr(fresh, "stale_label")
        fresh.reject()
    finally:
        wf.shutdown()


def test_export_waits_for_the_soundtrack_when_copy_sources_render_first(qtbot, engine_url, sound):
    w = render_window(qtbot, engine_url)
    doc = w.doc
    doc.edit("copy", lambda rs: (setattr(rs[0], "region_id", "intro"), rs.append(
        Region(14.0, 4.0, action="copy", source_region="intro", name="Echo"))))  # fmt: skip
    wf = w.render_workflow
    wf.autoplay = False
    with qtbot.waitSignal(wf.controller.rendered, timeout=60_000):  # after the copy source
        assert wf.render(False)
    try:
        wf.autoplay = True
        doc.edit("tone", lambda rs: rs[0].params.update(tone=2))  # the copy's source changed
        history: RenderHistory = wf.history
        renders_before = len(history)
        _stale, opened = render_first_from_export(wf, qtbot, renders=2)
        assert len(history) == renders_before + 1  # the copy sources' render keeps no audio
        assert len(opened) == 1, "Export opened on the copy sources' render"
        fresh = opened[0]
        assert fresh.source == doc.audio_path and not hasattr(fresh, "stale_label")
        assert not wf.player.playing
        fresh.reject()
    finally:
        wf.shutdown()


def test_a_render_arriving_behind_a_modal_dialog_is_not_played(qtbot, engine_url, sound):
    w = render_window(qtbot, engine_url)
    wf = w.render_workflow
    try:
        box = QDialog(w)
        box.setModal(True)
        with qtbot.waitSignal(wf.controller.finished, timeout=30_000):
            assert wf.render(False)
            box.show()
        assert not wf.player.playing and w.doc.audio_path is not None
        box.close()
    finally:
        wf.shutdown()
