"""Export Video for the video workflow: the imported video with the rendered soundtrack,
the app's mix and the user's markers as chapters (the dialog runs ffmpeg off the GUI thread).

Owned by `VideoWorkflow`, which hands it the current document and video as getters.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMainWindow

from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.video.dialogs import ExportVideoDialog
from muzaic_studio.video import VideoInfo

log = logging.getLogger(__name__)


class VideoExport:
    """File > Export Video..."""

    def __init__(self, window: QMainWindow, doc: Callable[[], ProjectDocument | None],
                 info: Callable[[], VideoInfo | None], say: Callable[..., None],
                 choose_video: Callable[[], None],
                 original_heard: Callable[[], bool] = lambda: True) -> None:  # fmt: skip
        self.window = window
        self.original_heard = original_heard  # is the video's own sound playing (lane)
        self._doc = doc
        self._info = info
        self.say = say
        self.choose_video = choose_video

    def export_video(self) -> ExportVideoDialog | None:
        doc, info = self._doc(), self._info()
        if doc is None or info is None:
            self.say("Import a video first: Export Video puts the soundtrack into it.", "info",
                     "Import Video...", self.choose_video)  # fmt: skip
            return None
        audio = doc.audio_path
        if audio is None or not Path(audio).is_file():
            render = getattr(getattr(self.window, "render_workflow", None), "render", None)
            self.say("Render the soundtrack first: the export puts the rendered music into the video.",
                     "info", "Render" if callable(render) else None,
                     (lambda: render(False)) if callable(render) else None)  # fmt: skip
            return None
        stale = any(r.changed_since_render for r in doc.regions)
        dialog = ExportVideoDialog(info, Path(audio), stale_render=stale,
                                   original_heard=self.original_heard(),
                                   soundtrack_seconds=soundtrack_seconds(doc), parent=self.window)  # fmt: skip
        dialog.project_options = project_export_options(doc)
        dialog.exported.connect(self._video_exported)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.open()
        return dialog

    def _video_exported(self, path: Path) -> None:
        log.info("exported video %s", path)
        self.say(f"Exported the scored video to {path}.", "success")


def project_export_options(doc: Any) -> dict[str, Any]:
    """The app's mix and the user's markers (as chapters) for the video export."""
    from muzaic_studio.model.mix import project_markers

    chapters = tuple((m.time, m.name or "Chapter") for m in project_markers(doc.project.extra))
    return {"mix_regions": tuple(doc.regions), "chapters": chapters}


def soundtrack_seconds(doc: Any) -> float | None:
    """The rendered soundtrack's length without touching ffmpeg (the GUI thread never
    waits on it): the decoded waveform's, else the one the last render recorded."""
    duration = getattr(doc.waveform, "duration", None)
    if not duration:
        duration = (doc.project.last_render or {}).get("audioDuration")
    try:
        return float(duration) if duration else None
    except (TypeError, ValueError):
        return None
