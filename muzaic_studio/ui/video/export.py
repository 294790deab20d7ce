"""Export Video for the video workflow: the imported video with the rendered soundtrack,
the app's mix and the user's markers as chapters (the dialog runs ffmpeg off the GUI thread).

A mixin of `VideoWorkflow`: it reads the workflow's document and video info.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt

from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.video.dialogs import ExportVideoDialog
from muzaic_studio.ui.window.addons import WindowWorkflow
from muzaic_studio.video import VideoInfo

log = logging.getLogger(__name__)


class VideoExportFeature(WindowWorkflow):
    """File > Export Video..."""

    # Made by VideoWorkflow.__init__:
    doc: ProjectDocument | None
    info: VideoInfo | None
    choose_video: Callable[[], None]

    def export_video(self) -> ExportVideoDialog | None:
        doc, info = self.doc, self.info
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
        dialog = ExportVideoDialog(info, Path(audio), stale_render=stale, parent=self.window)
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
