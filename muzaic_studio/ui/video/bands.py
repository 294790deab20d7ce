"""The video's two bands on the timeline's time axis: the thumbnail strip above the
timeline and the video's own sound as a lane below it.

Placed into the window's central layout around the timeline (a "Video Tracks" dock if
that layout is not there). Their pictures and peaks are read in the video workflow's
job slots ("thumbs", "peaks"), so importing another video cancels the old reading.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.video.jobs import VideoJobs
from muzaic_studio.ui.video.lane import VideoSoundLane
from muzaic_studio.ui.video.strip import VideoStrip, strip_images
from muzaic_studio.video import Cancelled, VideoInfo, extract_thumbnails
from muzaic_studio.video.cache import entry_dir


def _peaks_job(path: Path, progress: Callable[[float], None], cancel: threading.Event) -> Any:
    """The video sound's peak pyramid, from the per-video cache or decoded once."""
    from muzaic_studio.audio.errors import AudioError
    from muzaic_studio.audio.peaks import PeakPyramid, build_pyramid

    cache = entry_dir(path) / "sound.peaks.npz"
    with contextlib.suppress(AudioError):
        return PeakPyramid.load(cache)
    pyramid = build_pyramid(
        path, progress=progress, cancel=cancel, strict=False, source_key=path.name
    )
    with contextlib.suppress(OSError):
        pyramid.save(cache)
    return pyramid


class VideoBands:
    """Thumbnail strip and sound lane of the current video (hidden without one)."""

    def __init__(self, timeline: Any, jobs: VideoJobs,
                 add_dock: Callable[[QWidget, str, Qt.DockWidgetArea], Any]) -> None:  # fmt: skip
        self.jobs = jobs
        self.strip = VideoStrip()
        self.lane = VideoSoundLane()
        self.thumbnails: Any = None
        self.sound_peaks: Any = None
        self._place(timeline, add_dock)
        self.strip.attach(timeline)
        self.lane.attach(timeline)

    def _place(self, timeline: Any,
               add_dock: Callable[[QWidget, str, Qt.DockWidgetArea], Any]) -> None:  # fmt: skip
        """Strip right above the timeline, sound lane right below, in its own layout."""
        parent = timeline.parentWidget()
        layout = parent.layout() if parent is not None else None
        index = layout.indexOf(timeline) if isinstance(layout, QVBoxLayout) else -1
        if index >= 0:
            assert isinstance(layout, QVBoxLayout)
            layout.insertWidget(index, self.strip)
            layout.insertWidget(index + 2, self.lane)
        else:
            holder = QWidget()
            box = QVBoxLayout(holder)
            box.setContentsMargins(0, 0, 0, 0)
            box.addWidget(self.strip)
            box.addWidget(self.lane)
            add_dock(holder, "Video Tracks", Qt.DockWidgetArea.BottomDockWidgetArea)
        self.strip.hide()
        self.lane.hide()

    def set_document(self, doc: ProjectDocument) -> None:
        self.strip.set_document(doc)
        self.lane.set_document(doc)

    def clear(self) -> None:
        self.thumbnails = None
        self.sound_peaks = None
        self.strip.set_strip(None, 0.0)
        self.lane.set_pyramid(None, 0.0)
        self.strip.hide()
        self.lane.hide()

    def show_video(self, info: VideoInfo) -> None:
        self.strip.duration = self.lane.duration = info.duration
        self.strip.show()
        self.lane.show()

    def load(self, info: VideoInfo) -> None:
        """Start reading the thumbnails and the sound's peaks of *info* (off the GUI thread)."""
        self._start_thumbnails(info)
        self._start_sound_lane(info)

    def _start_thumbnails(self, info: VideoInfo) -> None:
        self.strip.set_status(f"Reading frames of {info.path.name}...")

        def job(progress: Any, cancel: threading.Event) -> Any:
            strip = extract_thumbnails(
                info.path, info, progress=lambda f: progress(f, ""), cancel=cancel
            )
            return strip, strip_images(strip.frames)  # QImages are fine off the GUI thread

        def shown(result: Any) -> None:
            self.thumbnails, images = result
            self.strip.set_strip(self.thumbnails, info.duration, images)

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, Cancelled):
                self.strip.set_status(f"No thumbnails: {exc}")

        self.jobs.run("thumbs", job, on_result=shown, on_error=failed,
                      on_progress=lambda f, _t: self.strip.set_status(
                          f"Reading frames of {info.path.name}... {f:.0%}"))  # fmt: skip

    def _start_sound_lane(self, info: VideoInfo) -> None:
        if not info.has_audio:
            self.lane.set_pyramid(None, info.duration)
            self.lane.set_status("This video has no sound of its own.")
            return
        self.lane.set_status("Reading the video's sound...")

        def job(progress: Any, cancel: threading.Event) -> Any:
            return _peaks_job(info.path, lambda f: progress(f, ""), cancel)

        def shown(pyramid: Any) -> None:
            self.sound_peaks = pyramid
            self.lane.set_pyramid(pyramid, info.duration)

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, Cancelled):
                self.lane.set_status(f"The video's sound cannot be shown: {exc}")

        self.jobs.run("peaks", job, on_result=shown, on_error=failed,
                      on_progress=lambda f, _t: self.lane.set_status(
                          f"Reading the video's sound... {f:.0%}"))  # fmt: skip
