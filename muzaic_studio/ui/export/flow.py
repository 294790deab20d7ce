"""File > Export Audio as the render workflow runs it: the dialog, told whether the render
is out of date, with "Render Changes First" rendering and then reopening it.

Kept out of render/workflow.py: that module owns rendering and playback; this one only
decides what the export dialog starts with (source, range, folder, staleness).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import QTimer

from muzaic_studio.model.staleness import render_differences, stale_text
from muzaic_studio.ui.window.project_files import user_folder
from muzaic_studio.wording import file_stem

log = logging.getLogger(__name__)


def open_export(wf: Any) -> Any:
    """Open the export dialog of render workflow *wf*; None (and a banner) with no render."""
    from muzaic_studio.ui.export.dialog import ExportDialog

    doc = wf.doc
    if doc is None or doc.audio_path is None or not Path(doc.audio_path).is_file():
        wf.say("Nothing to export yet: render the soundtrack first.", "info",
               "Render", lambda: wf.render(False))  # fmt: skip
        return None
    duration = getattr(doc.waveform, "duration", 0.0) or doc.project.duration
    dialog = ExportDialog(
        Path(doc.audio_path),
        duration,
        selection=wf.selection_span() or wf.player.loop,
        default_name=file_stem(doc.display_name),
        folder=user_folder(doc.path, "music"),
        parent=wf.window,
        mix_regions=tuple(doc.regions),  # edits replace regions, never mutate the mix
    )
    from muzaic_studio.ui.export.score import ScoreExportRow

    dialog.add_score_row(ScoreExportRow(doc.project, wf.controller.backend, dialog))
    record = wf.history.find(doc.audio_path) if wf.history else None
    stale = stale_text(
        *render_differences(doc.regions, record.spans if record else None, doc.project)
    )
    if stale:
        dialog.mark_stale(stale)
        dialog.renderFirstRequested.connect(lambda: render_then_export(wf))

    def exported(result: Any) -> None:
        log.info("exported %s: %.1f s of %s", result.path, result.duration, result.format)
        wf.say(f"Exported {result.path}.", "success")

    dialog.exported.connect(exported)
    wf.export_dialog = dialog
    dialog.open()
    return dialog


def render_then_export(wf: Any) -> None:
    """Render the changes; when the soundtrack has arrived, open Export again on it.

    The new render is not played (`wf.for_export`): the dialog comes back over it, and
    sound from behind a modal dialog can't be stopped. A render of copy sources first
    (their soundtrack request follows at once) is not yet the soundtrack to export."""
    controller = wf.controller
    heard: list[bool] = []  # the soundtrack arrived (`rendered`), not just copy sources

    def end() -> None:
        controller.rendered.disconnect(arrived)
        controller.finished.disconnect(after)
        wf.for_export = False

    def arrived(_outcome: Any) -> None:
        heard.append(True)

    def after(ok: bool) -> None:
        if ok and not heard:  # copy sources: the soundtrack's render is started next
            QTimer.singleShot(0, wf, lambda: None if controller.busy else end())
            return
        end()
        if ok:
            wf.open_export()

    if wf.render(True) and controller.busy:
        wf.for_export = True
        controller.rendered.connect(arrived)
        controller.finished.connect(after)
