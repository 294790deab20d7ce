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

The file side (suffixes, stored paths, drops) is in `files`. The workflow owns, as
objects it hands the current document and video: its job slots (`jobs.VideoJobs`), the
two timeline bands (`bands.VideoBands`), scene cuts (`scenes.SceneCuts`) and Export
Video (`export.VideoExport`).
"""

from __future__ import annotations

import contextlib
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QFileDialog, QMainWindow, QWidget

from muzaic_studio.atomic import WriteError
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.video.bands import VideoBands
from muzaic_studio.ui.video.dock import VideoDock
from muzaic_studio.ui.video.export import VideoExport
from muzaic_studio.ui.video.files import VIDEO_FILTER, VideoDropFilter, stored_video_path
from muzaic_studio.ui.video.jobs import VideoJobs
from muzaic_studio.ui.video.scenes import SceneCuts
from muzaic_studio.ui.window.addons import WindowWorkflow
from muzaic_studio.ui.window.project_files import user_folder
from muzaic_studio.ui.workers import Task
from muzaic_studio.video import VideoError, VideoInfo, cached_scenes, probe

log = logging.getLogger(__name__)

# key, text, shortcuts, tip
ACTION_SPECS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("video.import", "Import &Video...", ("Ctrl+Shift+I",), "Score a video: its picture, thumbnails and sound join the timeline"),
    ("video.export", "Export Vi&deo...", ("Ctrl+Shift+E",), "The video with the rendered soundtrack (picture copied, not re-encoded)"),
    ("video.remove", "Remove Video", (), "Detach the video from this project (the file is not touched)"),
    ("video.scenes", "Detect Scene &Cuts", (), "Find the video's cuts in the background; they become markers the timeline snaps to"),
    ("video.regions", "Regions from &Scenes...", (), "One generate region per scene (short scenes joined), in one undo step"),
)  # fmt: skip


class VideoWorkflow(WindowWorkflow):
    """Everything issue 7 adds to a main window; created by `install_video_workflow`."""

    def __init__(self, window: QMainWindow, *, audio: bool | None = None) -> None:
        super().__init__(window)
        self.doc: ProjectDocument | None = None
        self.info: VideoInfo | None = None
        self._player: Any = None
        self._video_abs: Path | None = None  # the video's absolute path, even if missing
        self.jobs = VideoJobs(self, lambda: self.doc, self._update_actions)

        self.dock_widget = VideoDock(audio=audio)
        self.scenes = SceneCuts(window, self.jobs, self.dock_widget.job, lambda: self.doc,
                                lambda: self.info, self.say, self.choose_video,
                                self._update_actions)  # fmt: skip
        self.export = VideoExport(window, lambda: self.doc, lambda: self.info, self.say,
                                  self.choose_video, lambda: not self.bands.lane.muted)  # fmt: skip
        self.dock = self._add_dock(self.dock_widget, "Video", Qt.DockWidgetArea.RightDockWidgetArea)
        self.bands = VideoBands(window.timeline, self.jobs, self._add_dock)  # type: ignore[attr-defined]
        self.bands.lane.mutedToggled.connect(self.dock_widget.set_muted)
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

    def _build_actions(self) -> dict[str, QAction]:
        handlers: dict[str, Callable[[], Any]] = {
            "video.import": self.choose_video,
            "video.export": self.export.export_video,
            "video.remove": self.remove_video,
            "video.scenes": self.scenes.detect_scenes,
            "video.regions": self.scenes.regions_from_scenes,
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
        self.scenes.add_sensitivity_menu(edit, self)
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
        self.scenes.cuts = None  # the old document's markers go with it
        self.doc = doc
        self._clear_video()
        if doc is None:
            return
        doc.playheadChanged.connect(self.dock_widget.follow)
        doc.pathChanged.connect(self._path_changed)
        doc.regionsChanged.connect(self._update_actions)
        doc.waveformChanged.connect(self._update_actions)
        self.bands.set_document(doc)
        self.dock_widget.follow(doc.playhead)
        path = self._video_abs = doc.project.video_path(doc.path)
        if path is not None:
            self.load_video(path, new_import=False)
        self._update_actions()

    def _clear_video(self) -> None:
        self.jobs.cancel_all()
        self.dock_widget.job.stop()
        self.scenes.clear()
        self.info = None
        if self.doc is not None:
            self.doc.set_media_duration(0.0)
        self.bands.clear()
        self.dock_widget.set_source(None)
        self._update_actions()
        self._update_clock()

    def busy(self, name: str | None = None) -> bool:
        """True while a job of slot *name* (of any slot without a name) runs."""
        return self.jobs.busy(name)

    # -- import ------------------------------------------------------------------------
    def choose_video(self) -> None:
        # not "" (the working directory: the source checkout under `make run`)
        start = str(user_folder(self.doc.path if self.doc else None, "videos"))
        name, _ = QFileDialog.getOpenFileName(self.window, "Import Video", start, VIDEO_FILTER)
        if name:
            self.load_video(Path(name), new_import=True)

    def load_video(self, path: Path, *, new_import: bool = True) -> Task:
        """Probe *path* off the GUI thread, then show it (and store it when *new_import*)."""
        path = Path(path)
        threshold = self.scenes.threshold

        def job(_progress: Any, _cancel: threading.Event) -> tuple[VideoInfo, list[float] | None]:
            info = probe(path)
            return info, cached_scenes(path, threshold)

        self.dock_widget.name_label.setText(f"Opening {path.name}...")
        return self.jobs.run("probe", job,
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
                     "regions from them.", "success", "Detect Scene Cuts", self.scenes.detect_scenes)  # fmt: skip
        log.info("video %s: %.1f s, %s", info.path, info.duration, info.video_codec)
        self.info = info
        doc.set_media_duration(info.duration)
        self._video_abs = info.path
        self.dock_widget.set_source(info.path, info.duration)
        self.dock_widget.follow(doc.playhead)
        self.bands.show_video(info)
        if cuts is not None:
            self.scenes.set_cuts(cuts)
        self.bands.load(info)
        self._update_actions()
        self._update_clock()

    def _update_clock(self) -> None:
        """The transport clock gains (or loses) the frame number now, not at the next
        playhead move: after an import it showed no frame until the user moved it."""
        layout = getattr(self.window, "video_layout", None)
        if layout is not None:
            layout.update_clock()

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
        QTimer.singleShot(0, self, lambda: self._resave_if_clean(doc))

    def _resave_if_clean(self, doc: ProjectDocument) -> None:
        if doc is self.doc and doc.path is not None and not doc.dirty:
            with contextlib.suppress(WriteError, OSError):
                doc.project.save(doc.path)

    # -- misc --------------------------------------------------------------------------
    def _muted_changed(self, muted: bool) -> None:
        self.bands.lane.set_muted(muted, available=self.dock_widget.has_audio_output)

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
        self.jobs.shutdown()
        self.dock_widget.close_media()


def install_video_workflow(window: QMainWindow, *, audio: bool | None = None) -> VideoWorkflow:
    """Add video import, preview, thumbnails, sound lane, scenes and export to *window*."""
    workflow = VideoWorkflow(window, audio=audio)
    window.video_workflow = workflow  # type: ignore[attr-defined]
    return workflow
