"""Scene cuts of the video workflow: detect them in the background (sensitivity in words,
remembered), show them as markers the timeline snaps to, and turn them into regions.

Owned by `VideoWorkflow`, which hands it the current document and video (as getters:
both change) and its "scenes" job slot. The cuts found are the state this object keeps;
it swaps them as markers without touching the user's own markers.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject
from PySide6.QtGui import QAction, QActionGroup
from PySide6.QtWidgets import QMainWindow, QMenu

from muzaic_studio import settings
from muzaic_studio.model import Region
from muzaic_studio.settings.declared import MIN_SCENE_SECONDS, SCENE_THRESHOLD
from muzaic_studio.ui.document import EditError, ProjectDocument
from muzaic_studio.ui.video.dialogs import RegionsFromScenesDialog
from muzaic_studio.ui.video.dock import JobRow
from muzaic_studio.ui.video.jobs import VideoJobs
from muzaic_studio.ui.workers import Task
from muzaic_studio.video import DEFAULT_THRESHOLD, Cancelled, VideoInfo, detect_scenes
from muzaic_studio.wording import plural

log = logging.getLogger(__name__)

#: Scene-score thresholds offered to the user, in words. Normal is ffmpeg's usual 0.3;
#: High also cuts between similar shots (same set, other angle), Low only between very
#: different ones (ignores flashes and fast pans).
SENSITIVITIES = (
    ("Low", 0.45, "Only cuts between very different shots"),
    ("Normal", DEFAULT_THRESHOLD, "Hard cuts between shots (recommended)"),
    ("High", 0.18, "Also cuts between similar shots; may mark fast motion"),
)


def saved_threshold() -> float:
    return float(settings.load().get(SCENE_THRESHOLD))


def _remember(setting: settings.Setting, value: float) -> None:
    """Saved for next time; a read-only config folder costs the memory, not the work."""
    try:
        settings.save({setting: value})
    except (OSError, settings.SettingError) as exc:
        log.warning("cannot save %s: %s", setting.name, exc)


class SceneCuts:
    """Scene detection, its sensitivity, the cuts as markers, and Regions from Scenes."""

    def __init__(self, window: QMainWindow, jobs: VideoJobs, progress: JobRow,
                 doc: Callable[[], ProjectDocument | None], info: Callable[[], VideoInfo | None],
                 say: Callable[..., None], choose_video: Callable[[], None],
                 settled: Callable[[], None]) -> None:  # fmt: skip
        self.window = window
        self.jobs = jobs
        self.progress = progress
        self._doc = doc
        self._info = info
        self.say = say
        self.choose_video = choose_video
        self._settled = settled
        self.cuts: list[float] | None = None
        self.threshold = saved_threshold()
        self.sensitivity_actions: dict[float, QAction] = {}
        self._regions_after_scan = False
        progress.cancelRequested.connect(self.cancel_scenes)

    def add_sensitivity_menu(self, edit: QMenu, parent: QObject) -> None:
        """Edit > Scene Cut Sensitivity: Low / Normal / High, the saved one checked."""
        sensitivity = edit.addMenu("Scene Cut Se&nsitivity")
        self.sensitivity_group = QActionGroup(parent)
        for text, threshold, tip in SENSITIVITIES:
            action = sensitivity.addAction(text)
            action.setCheckable(True)
            action.setChecked(abs(threshold - self.threshold) < 1e-9)
            action.setToolTip(f"{tip} (scene score above {threshold})")
            action.setStatusTip(tip)
            action.triggered.connect(lambda _c=False, t=threshold: self.set_threshold(t))
            self.sensitivity_group.addAction(action)
            self.sensitivity_actions[threshold] = action

    def detect_scenes(self) -> Task | None:
        info = self._info()
        if info is None:
            self.say("Import a video first: scene cuts are found in its picture.", "info",
                     "Import Video...", self.choose_video)  # fmt: skip
            return None
        threshold = self.threshold
        self.progress.start("Finding scene cuts...", "Stop looking for scene cuts")

        def job(progress: Any, cancel: threading.Event) -> list[float]:
            return detect_scenes(info.path, threshold=threshold,
                                 progress=lambda f: progress(f, ""), cancel=cancel)  # fmt: skip

        def found(cuts: list[float]) -> None:
            self.progress.stop()
            self.set_cuts(cuts)
            n = len(cuts)
            if self._regions_after_scan:
                self._regions_after_scan = False
                self.regions_from_scenes()
                return
            if n == 0:
                self._say_no_cuts(info.path.name)
                return
            self.say(f"Found {plural(n, 'scene cut')} in {info.path.name}; the timeline "
                     "snaps to them.", "success", "Regions from Scenes...",
                     self.regions_from_scenes)  # fmt: skip

        def failed(exc: BaseException) -> None:
            self.progress.stop()
            self._regions_after_scan = False
            if not isinstance(exc, Cancelled):
                self.say(str(exc), "error", "Try Again", self.detect_scenes)

        return self.jobs.run("scenes", job, on_result=found, on_error=failed,
                         on_progress=lambda f, _t: self.progress.set_progress(f))  # fmt: skip

    def _say_no_cuts(self, name: str) -> None:
        """No cut is not a success to act on ("Found 0 scene cuts ... snaps to them", in
        green, offering regions from them): say so, and offer the most sensitive search."""
        high = min(t for _text, t, _tip in SENSITIVITIES)
        if self.threshold > high + 1e-9:
            self.say(f"No scene cuts found in {name}: it looks like one shot. High "
                     "sensitivity also finds cuts between similar shots.", "info",
                     "Try High Sensitivity", lambda: self.set_threshold(high))  # fmt: skip
        else:
            self.say(f"No scene cuts found in {name}, even at high sensitivity: place "
                     "regions by hand, or at markers (M, then Edit > Regions from Markers).")  # fmt: skip

    def set_threshold(self, threshold: float) -> None:
        """Change the scene-cut sensitivity; the cuts are found again (or read from cache)."""
        if abs(threshold - self.threshold) < 1e-9:
            return
        self.threshold = threshold
        _remember(SCENE_THRESHOLD, threshold)
        if threshold in self.sensitivity_actions:
            self.sensitivity_actions[threshold].setChecked(True)
        if self._info() is not None and (self.cuts is not None or self.jobs.busy("scenes")):
            self.detect_scenes()  # cached per threshold: instant when tried before

    def cancel_scenes(self) -> None:
        if self.jobs.busy("scenes"):
            self.jobs.cancel("scenes")
            self._regions_after_scan = False
            self.progress.stop()
            self.say("Scene detection cancelled.")
            self._settled()

    def set_cuts(self, cuts: list[float]) -> None:
        old = self.cuts or []
        self.cuts = list(cuts)
        self._replace_markers(old, self.cuts)
        self._settled()

    def clear(self) -> None:
        """The video goes: its scene markers go too (the user's own stay)."""
        if self._doc() is not None and self.cuts:
            self._replace_markers(self.cuts, [])
        self.cuts = None

    def _replace_markers(self, old: list[float], new: list[float]) -> None:
        """Swap the scene markers, keeping any other markers (the user's) as they are."""
        doc = self._doc()
        assert doc is not None
        others = [m for m in doc.markers if not any(abs(m - c) < 1e-6 for c in old)]
        doc.set_markers([*others, *new])

    def regions_from_scenes(self) -> bool:
        """Ask for the minimum scene length, then replace the regions in one undo step."""
        doc, info = self._doc(), self._info()
        if doc is None or info is None:
            self.say("Import a video first.", "info", "Import Video...", self.choose_video)
            return False
        if self.cuts is None:
            self._regions_after_scan = True
            if not self.jobs.busy("scenes"):
                self.detect_scenes()
            return False
        min_len = float(settings.load().get(MIN_SCENE_SECONDS))
        dialog = RegionsFromScenesDialog(
            self.cuts, info.duration, len(doc.regions), min_len, self.window
        )
        if dialog.exec() != RegionsFromScenesDialog.DialogCode.Accepted:
            return False
        _remember(MIN_SCENE_SECONDS, dialog.min_len)
        return self.apply_scene_regions(dialog.spans())

    def apply_scene_regions(self, spans: list[tuple[float, float]]) -> bool:
        doc = self._doc()
        if doc is None or not spans:
            return False
        new = [Region(time=t, duration=d, action="generate", name=f"Scene {i + 1}")
               for i, (t, d) in enumerate(spans)]  # fmt: skip

        def change(regions: list[Region]) -> None:
            regions[:] = new

        try:
            doc.edit(f"Regions from {len(new)} Scenes", change)
        except EditError as exc:
            self.say(str(exc), "error")
            return False
        doc.select(r.uid for r in doc.regions)
        self.say(
            f"Created {len(new)} regions, one per scene. Set their tags and render.", "success"
        )
        return True
