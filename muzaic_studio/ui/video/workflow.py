"""Re-scoring a video, installed into the main window by one call: `install_video_workflow`.

It adds, without the main window knowing the details:

* File > Import Video... (Ctrl+Shift+I) and dropping a video file on the window; File >
  Export Video... (Ctrl+Shift+E); Edit > Detect Scene Cuts and Regions from Scenes...;
  File > Remove Video.
* The Video dock (`VideoDock`): the picture at the playhead, playing along with the
  soundtrack player, muted by default.
* A thumbnail strip above the timeline and the video's own sound as a lane below it, both
  on the timeline's time axis (inserted into the window's central layout around the
  timeline; a "Video Tracks" dock if that layout is not there).

Nothing here waits on ffmpeg on the GUI thread: the probe, thumbnails, the sound lane's
peaks, scene detection and export each run on their own `TaskRunner` (newest request wins:
importing another video cancels the old one's jobs). Their results land on the GUI thread
and are dropped if the document changed meanwhile.

The project stores the video's path relative to the project file (absolute until the
project has a file; made relative when it is saved). A video that is not where the project
says is asked for again with a "Locate..." banner.

Scene cuts live in `video_scenes`, Export Video in `video_export`, the file side (suffixes, stored paths, drops) in
`video_files`.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QActionGroup, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QVBoxLayout, QWidget

from muzaic_studio.atomic import WriteError
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.video.dock import VideoDock
from muzaic_studio.ui.video.export import VideoExportFeature
from muzaic_studio.ui.video.files import VIDEO_FILTER, VideoDropFilter, stored_video_path
from muzaic_studio.ui.video.lane import VideoSoundLane
from muzaic_studio.ui.video.scenes import SENSITIVITIES, SceneFeature, saved_threshold
from muzaic_studio.ui.video.strip import VideoStrip, strip_images
from muzaic_studio.ui.workers import Task, TaskRunner
from muzaic_studio.video import (
    Cancelled,
    VideoError,
    VideoInfo,
    cached_scenes,
    extract_thumbnails,
    probe,
)
from muzaic_studio.video.cache import entry_dir

log = logging.getLogger(__name__)

# key, text, shortcuts, tip
ACTION_SPECS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("video.import", "Import &Video...", ("Ctrl+Shift+I",), "Score a video: its picture, thumbnails and sound join the timeline"),
    ("video.export", "Export Vi&deo...", ("Ctrl+Shift+E",), "The video with the rendered soundtrack (picture copied, not re-encoded)"),
    ("video.remove", "Remove Video", (), "Detach the video from this project (the file is not touched)"),
    ("video.scenes", "Detect Scene &Cuts", (), "Find the video's cuts in the background; they become markers the timeline snaps to"),
    ("video.regions", "Regions from &Scenes...", (), "One generate region per scene (short scenes joined), in one undo step"),
)  # fmt: skip


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


class VideoWorkflow(SceneFeature, VideoExportFeature):
    """Everything issue 7 adds to a main window; created by `install_video_workflow`."""

    def __init__(self, window: QMainWindow, *, audio: bool | None = None) -> None:
        super().__init__(window)
        self.doc: ProjectDocument | None = None
        self.info: VideoInfo | None = None
        self.cuts: list[float] | None = None
        self.threshold = saved_threshold()
        self.thumbnails: Any = None
        self.sound_peaks: Any = None
        self._player: Any = None
        self._video_abs: Path | None = None  # the video's absolute path, even if missing
        self._regions_after_scan = False
        self._runners = {name: TaskRunner(self, max_threads=1)
                         for name in ("probe", "thumbs", "peaks", "scenes")}  # fmt: skip
        self.tasks: dict[str, Task | None] = dict.fromkeys(self._runners)

        self.dock_widget = VideoDock(audio=audio)
        self.dock_widget.job.cancelRequested.connect(self.cancel_scenes)
        self.dock = self._add_dock(self.dock_widget, "Video", Qt.DockWidgetArea.RightDockWidgetArea)
        self.strip = VideoStrip()
        self.lane = VideoSoundLane()
        self._place_bands()
        self.strip.attach(window.timeline)  # type: ignore[attr-defined]
        self.lane.attach(window.timeline)  # type: ignore[attr-defined]
        self.lane.mutedToggled.connect(self.dock_widget.set_muted)
        self.dock_widget.mutedChanged.connect(self._muted_changed)
        self._muted_changed(self.dock_widget.muted)

        self.actions = self._build_actions()
        self._build_menus()
        self._drop_filter = VideoDropFilter(
            self, lambda path: self.load_video(path, new_import=True)
        )
        window.setAcceptDrops(True)
        window.installEventFilter(self._drop_filter)
        window.installEventFilter(self)  # close -> stop ffmpeg jobs (see WindowWorkflow)

        changed = getattr(window, "documentChanged", None)
        if changed is not None:
            changed.connect(self.set_document)
        self.set_document(window.doc)  # type: ignore[attr-defined]
        self._attach_player()
        QTimer.singleShot(0, self._attach_player)  # the render workflow may be installed later
        self._update_actions()

    # -- building ----------------------------------------------------------------------
    def _add_dock(self, widget: QWidget, title: str, area: Qt.DockWidgetArea) -> Any:
        add = getattr(self.window, "add_dock", None)
        if callable(add):
            return add(widget, title, area)
        from PySide6.QtWidgets import QDockWidget

        dock = QDockWidget(title, self.window)
        dock.setObjectName(f"dock_{title.lower().replace(' ', '_')}")
        dock.setWidget(widget)
        self.window.addDockWidget(area, dock)
        return dock

    def _place_bands(self) -> None:
        """Strip right above the timeline, sound lane right below, in its own layout."""
        timeline = self.window.timeline  # type: ignore[attr-defined]
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
            self._add_dock(holder, "Video Tracks", Qt.DockWidgetArea.BottomDockWidgetArea)
        self.strip.hide()
        self.lane.hide()

    def _build_actions(self) -> dict[str, QAction]:
        handlers: dict[str, Callable[[], Any]] = {
            "video.import": self.choose_video,
            "video.export": self.export_video,
            "video.remove": self.remove_video,
            "video.scenes": self.detect_scenes,
            "video.regions": self.regions_from_scenes,
        }
        out = {}
        native = QKeySequence.SequenceFormat.NativeText
        for key, text, shortcuts, tip in ACTION_SPECS:
            action = QAction(text, self.window)
            action.setObjectName(key)
            action.setShortcuts([QKeySequence(s) for s in shortcuts])
            action.setToolTip(
                f"{tip} ({QKeySequence(shortcuts[0]).toString(native)})" if shortcuts else tip
            )
            action.setStatusTip(tip)
            action.triggered.connect(lambda _c=False, h=handlers[key]: h())
            self.window.addAction(action)
            out[key] = action
        return out

    def _build_menus(self) -> None:
        menus: dict[str, Any] = getattr(self.window, "menus", {}) or {}
        a = self.actions
        file_menu = menus.get("file") or self.window.menuBar().addMenu("&File")
        anchor = next((x for x in file_menu.actions() if x.objectName() == "file.quit"), None)
        for key in ("video.import", "video.export", "video.remove"):
            if anchor is not None:
                file_menu.insertAction(anchor, a[key])
            else:
                file_menu.addAction(a[key])
        if anchor is not None:
            file_menu.insertSeparator(anchor)
        edit = menus.get("edit") or self.window.menuBar().addMenu("&Edit")
        edit.addSeparator()
        edit.addAction(a["video.scenes"])
        sensitivity = edit.addMenu("Scene Cut Se&nsitivity")
        self.sensitivity_group = QActionGroup(self)
        self.sensitivity_actions: dict[float, QAction] = {}
        for text, threshold, tip in SENSITIVITIES:
            action = sensitivity.addAction(text)
            action.setCheckable(True)
            action.setChecked(abs(threshold - self.threshold) < 1e-9)
            action.setToolTip(f"{tip} (scene score above {threshold})")
            action.setStatusTip(tip)
            action.triggered.connect(lambda _c=False, t=threshold: self.set_threshold(t))
            self.sensitivity_group.addAction(action)
            self.sensitivity_actions[threshold] = action
        edit.addAction(a["video.regions"])

    def _attach_player(self) -> None:
        workflow = getattr(self.window, "render_workflow", None)
        player = getattr(workflow, "player", None)
        if player is None or player is self._player:
            return
        self._player = player
        player.playingChanged.connect(self.dock_widget.set_playing)
        self.dock_widget.set_playing(bool(getattr(player, "playing", False)))

    # -- documents ---------------------------------------------------------------------
    def set_document(self, doc: ProjectDocument | None) -> None:
        if doc is self.doc:
            return
        if self.doc is not None:
            for signal, slot in ((self.doc.playheadChanged, self.dock_widget.follow),
                                 (self.doc.pathChanged, self._path_changed),
                                 (self.doc.regionsChanged, self._update_actions),
                                 (self.doc.waveformChanged, self._update_actions)):  # fmt: skip
                with contextlib.suppress(RuntimeError, TypeError):
                    signal.disconnect(slot)
        self.cuts = None  # the old document's markers go with it
        self.doc = doc
        self._clear_video()
        if doc is None:
            return
        doc.playheadChanged.connect(self.dock_widget.follow)
        doc.pathChanged.connect(self._path_changed)
        doc.regionsChanged.connect(self._update_actions)
        doc.waveformChanged.connect(self._update_actions)
        self.strip.set_document(doc)
        self.lane.set_document(doc)
        self.dock_widget.follow(doc.playhead)
        path = self._video_abs = doc.project.video_path(doc.path)
        if path is not None:
            self.load_video(path, new_import=False)
        self._update_actions()

    def _clear_video(self) -> None:
        for name in self._runners:
            self._cancel(name)
        self.dock_widget.job.stop()
        if self.doc is not None and self.cuts:
            self._replace_markers(self.cuts, [])
        self.info = None
        if self.doc is not None:
            self.doc.set_media_duration(0.0)
        self.cuts = None
        self.thumbnails = None
        self.sound_peaks = None
        self.dock_widget.set_source(None)
        self.strip.set_strip(None, 0.0)
        self.lane.set_pyramid(None, 0.0)
        self.strip.hide()
        self.lane.hide()
        self._update_actions()

    def _cancel(self, name: str) -> None:
        task = self.tasks.get(name)
        if task is not None:
            self._runners[name].cancel(task)
        self.tasks[name] = None

    def _run(self, name: str, fn: Callable[[Any, threading.Event], Any], *,
             on_result: Callable[[Any], None], on_error: Callable[[BaseException], None],
             on_progress: Callable[[float, str], None] | None = None) -> Task:  # fmt: skip
        doc = self.doc

        def deliver(callback: Callable[[Any], None]) -> Callable[[Any], None]:
            def call(value: Any) -> None:
                self.tasks[name] = None
                if self.doc is doc:  # the user opened another project meanwhile: drop it
                    callback(value)
                self._update_actions()

            return call

        self._cancel(name)
        task = self._runners[name].run(fn, on_result=deliver(on_result),
                                       on_error=deliver(on_error), on_progress=on_progress)  # fmt: skip
        self.tasks[name] = task
        self._update_actions()
        return task

    def busy(self, name: str | None = None) -> bool:
        names = [name] if name else list(self._runners)
        return any(self.tasks.get(n) is not None for n in names)

    # -- import ------------------------------------------------------------------------
    def choose_video(self) -> None:
        start = str(self.doc.path.parent) if self.doc and self.doc.path else ""
        name, _ = QFileDialog.getOpenFileName(self.window, "Import Video", start, VIDEO_FILTER)
        if name:
            self.load_video(Path(name), new_import=True)

    def load_video(self, path: Path, *, new_import: bool = True) -> Task:
        """Probe *path* off the GUI thread, then show it (and store it when *new_import*)."""
        path = Path(path)
        threshold = self.threshold

        def job(_progress: Any, _cancel: threading.Event) -> tuple[VideoInfo, list[float] | None]:
            info = probe(path)
            return info, cached_scenes(path, threshold)

        self.dock_widget.name_label.setText(f"Opening {path.name}...")
        return self._run("probe", job,
                         on_result=lambda r: self._video_ready(r[0], r[1], new_import),
                         on_error=lambda exc: self._video_failed(path, exc, new_import))  # fmt: skip

    def _video_failed(self, path: Path, exc: BaseException, new_import: bool) -> None:
        log.warning("video import failed: %s: %s", path, exc)
        # The video still loaded (if any) stays, so does its name
        self.dock_widget.name_label.setText(self.info.path.name if self.info else "")
        if not new_import and not path.exists():
            self.say(f"The project's video {path.name} is not at {path.parent} any more "
                     "(moved or renamed?). Locate it to keep scoring it.",
                     "warning", "Locate...", lambda: self.locate_video(path))  # fmt: skip
            return
        self.say(
            str(exc) if isinstance(exc, VideoError) else f"Cannot open {path.name}: {exc}", "error"
        )

    def locate_video(self, old: Path | None = None) -> None:
        start = str(old.parent) if old is not None and old.parent.exists() else ""
        pattern = f"{old.name} ({old.name});;{VIDEO_FILTER}" if old is not None else VIDEO_FILTER
        name, _ = QFileDialog.getOpenFileName(self.window, "Locate the Video", start, pattern)
        if name:
            self.load_video(Path(name), new_import=True)

    def _video_ready(self, info: VideoInfo, cuts: list[float] | None, new_import: bool) -> None:
        doc = self.doc
        assert doc is not None
        if new_import:
            replaced = self.info is not None
            self._clear_video()
            stored = stored_video_path(info.path, doc.path)
            if stored != doc.project.video:
                doc.project.video = stored
                doc.mark_dirty()
            doc.set_media_duration(info.duration)
            self.window.timeline.zoom_to_fit()  # type: ignore[attr-defined]
            self.dock.show()
            self.dock.raise_()  # it may be a tab behind other panels
            self.say(("Replaced the video with " if replaced else "Imported ") +
                     f"{info.path.name} ({info.duration:.1f} s). Detect its scene cuts to make "
                     "regions from them.", "success", "Detect Scene Cuts", self.detect_scenes)  # fmt: skip
        log.info("video %s: %.1f s, %s", info.path, info.duration, info.video_codec)
        self.info = info
        doc.set_media_duration(info.duration)
        self._video_abs = info.path
        self.dock_widget.set_source(info.path, info.duration)
        self.dock_widget.follow(doc.playhead)
        self.strip.duration = self.lane.duration = info.duration
        self.strip.show()
        self.lane.show()
        if cuts is not None:
            self._set_cuts(cuts)
        self._start_thumbnails(info)
        self._start_sound_lane(info)
        self._update_actions()

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

        self._run("thumbs", job, on_result=shown, on_error=failed,
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

        self._run("peaks", job, on_result=shown, on_error=failed,
                  on_progress=lambda f, _t: self.lane.set_status(
                      f"Reading the video's sound... {f:.0%}"))  # fmt: skip

    def remove_video(self) -> None:
        if self.doc is None or not self.doc.project.video:
            return
        name = Path(self.doc.project.video).name
        self._clear_video()
        self.doc.project.video = None
        self.doc.mark_dirty()
        self.say(f"Removed {name} from the project (the file itself is untouched).")

    def _path_changed(self) -> None:
        """Saved under a (new) name: store the video relative to the new project folder."""
        doc = self.doc
        # The video's own location, known even when it is missing (then the project keeps
        # pointing at where it was, from the new folder).
        if doc is None or doc.path is None or self._video_abs is None or not doc.project.video:
            return
        stored = stored_video_path(self._video_abs, doc.path)
        if stored == doc.project.video:
            return
        doc.project.video = stored
        # The file was just written with the old (absolute) path; once the save is done
        # (the document emits pathChanged before it marks itself clean), write it again so
        # it stays right when the project folder moves together with its video.
        QTimer.singleShot(0, lambda: self._resave_if_clean(doc))

    def _resave_if_clean(self, doc: ProjectDocument) -> None:
        if doc is self.doc and doc.path is not None and not doc.dirty:
            with contextlib.suppress(WriteError, OSError):
                doc.project.save(doc.path)

    # -- scenes ------------------------------------------------------------------------
    # -- misc --------------------------------------------------------------------------
    def _muted_changed(self, muted: bool) -> None:
        self.lane.set_muted(muted, available=self.dock_widget.has_audio_output)

    def _update_actions(self, *_args: Any) -> None:
        a = getattr(self, "actions", None)
        if not a:
            return
        has = self.info is not None
        a["video.export"].setEnabled(has)
        a["video.remove"].setEnabled(self.doc is not None and bool(self.doc.project.video))
        a["video.scenes"].setEnabled(has and not self.busy("scenes"))
        a["video.regions"].setEnabled(has)

    def shutdown(self) -> None:
        """Cancel every job (ffmpeg is killed within 0.1 s) and release the media."""
        for runner in self._runners.values():
            runner.shutdown(3000)
        self.dock_widget.close_media()


def install_video_workflow(window: QMainWindow, *, audio: bool | None = None) -> VideoWorkflow:
    """Add video import, preview, thumbnails, sound lane, scenes and export to *window*."""
    workflow = VideoWorkflow(window, audio=audio)
    window.video_workflow = workflow  # type: ignore[attr-defined]
    return workflow
