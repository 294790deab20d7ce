"""Which files are videos, how a project stores a video's path, and the window-wide drop
of a video file: the file side of the video workflow, no state of its own."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer

VIDEO_SUFFIXES = frozenset(
    [
        ".mp4",
        ".m4v",
        ".mov",
        ".mkv",
        ".webm",
        ".avi",
        ".mpg",
        ".mpeg",
        ".ts",
        ".mts",
        ".m2ts",
        ".wmv",
        ".flv",
        ".ogv",
        ".3gp",
        ".mxf",
    ]
)
VIDEO_FILTER = "Videos (" + " ".join(f"*{s}" for s in sorted(VIDEO_SUFFIXES)) + ");;All files (*)"


def is_video_file(path: str | os.PathLike[str]) -> bool:
    return Path(path).suffix.lower() in VIDEO_SUFFIXES


def stored_video_path(video: Path, project_path: Path | None) -> str:
    """What the project file stores: relative to the project's folder when possible."""
    video = Path(video).resolve()
    if project_path is None:
        return str(video)
    try:
        return Path(os.path.relpath(video, Path(project_path).resolve().parent)).as_posix()
    except ValueError:  # another drive on Windows: no relative path exists
        return str(video)


class VideoDropFilter(QObject):
    """Accepts video files dropped anywhere on the window; leaves other drops alone."""

    def __init__(self, parent: QObject, load: Callable[[Path], object]) -> None:
        super().__init__(parent)
        self.load = load

    @staticmethod
    def video_in(event: Any) -> Path | None:
        mime = event.mimeData()
        if mime is None or not mime.hasUrls():
            return None
        for url in mime.urls():
            if url.isLocalFile() and is_video_file(url.toLocalFile()):
                return Path(url.toLocalFile())
        return None

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        kind = event.type()
        if kind in (QEvent.Type.DragEnter, QEvent.Type.DragMove):
            if self.video_in(event) is not None:
                event.acceptProposedAction()  # type: ignore[attr-defined]
                return True
        elif kind == QEvent.Type.Drop:
            path = self.video_in(event)
            if path is not None:
                event.acceptProposedAction()  # type: ignore[attr-defined]
                QTimer.singleShot(0, self, lambda: self.load(path))
                return True
        return False
