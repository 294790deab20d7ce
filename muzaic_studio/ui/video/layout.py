"""View > Video Layout: the video large above the timeline, and a precise transport clock.

Scoring a scene means watching it, so this layout takes the video preview out of its
dock and puts it above the timeline in a vertical splitter the user resizes. Whether the
layout is on and the splitter's sizes are remembered per project in the app settings
(keyed by the project file's path), not in the project file: it is how this user looks
at it on this screen, not part of the soundtrack. An untitled project has no file to key
it by: it opens in the app's default (the layout off) and its choice lasts while it is
open, going with it when it is saved; one shared "untitled" slot made every new project,
the demo and a restored autosave open in whatever layout the last untitled one had.

The toolbar also gets the playhead's time with milliseconds (`format_precise`, the app's
one time formatter) and the video's frame number at the playhead.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
import re
from typing import Any

from PySide6.QtCore import QObject, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QLabel, QMainWindow, QSplitter, QWidget

from muzaic_studio.ui.settings import app_settings, read_flag
from muzaic_studio.ui.timeline.geometry import format_precise

SETTINGS_GROUP = "videoLayout"
DOCK_HIDDEN = (
    f"{SETTINGS_GROUP}/dockHiddenByLayout"  # the Video dock, hidden while the layout holds it
)


def settings_key(doc: Any) -> str | None:
    """Per project: a digest of the project file's path; None for an untitled project."""
    if not getattr(doc, "path", None):
        return None
    path = str(doc.path.resolve())
    return f"{SETTINGS_GROUP}/{hashlib.sha1(path.encode()).hexdigest()[:16]}"


def frame_at(seconds: float, fps: float) -> int:
    """The video frame shown at *seconds* (frame 0 starts at 0 s)."""
    return math.floor(seconds * fps + 1e-6) if fps > 0 else 0


def clock_text(seconds: float, fps: float) -> str:
    """The transport clock: m:ss.mmm, and the frame at *seconds* when there is a video."""
    text = format_precise(seconds)
    return f"{text}  ·  frame {frame_at(seconds, fps)}" if fps > 0 else text


class VideoLayout(QObject):
    """Moves the video preview between its dock and a splitter above the timeline."""

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.splitter: QSplitter | None = None
        self._central: QWidget | None = None
        self.action = QAction("&Video Layout", window)
        self.action.setObjectName("view.video_layout")
        self.action.setCheckable(True)
        self.action.setShortcut(QKeySequence("Ctrl+Alt+V"))
        tip = "The video large above the timeline (drag the divider); remembered per project"
        self.action.setStatusTip(tip)
        self.action.setToolTip(tip)
        self.action.toggled.connect(self._toggled)
        window.addAction(self.action)
        view = getattr(window, "menus", {}).get("view")
        if view is not None:
            view.addSeparator()
            view.addAction(self.action)
        # One transport clock: the window's playhead label (placed by the transport order),
        # which this adds the video's frame number to; a bare window gets its own label.
        own = getattr(getattr(window, "status", None), "playhead", None)
        self.clock = own if isinstance(own, QLabel) else QLabel("0:00.000", window)
        self.clock.setToolTip("Playhead time (m:ss.mmm) and the video frame at the playhead")
        toolbar = getattr(window, "toolbar", None)
        if own is None and toolbar is not None:
            toolbar.addWidget(self.clock)
        self._doc: Any = None
        self._restoring = False
        window.documentChanged.connect(self._document_changed)  # type: ignore[attr-defined]
        self._document_changed(window.doc)  # type: ignore[attr-defined]

    # -- the clock ---------------------------------------------------------------------
    def _fps(self) -> float:
        info = getattr(getattr(self.window, "video_workflow", None), "info", None)
        return float(getattr(info, "fps", 0.0) or 0.0)

    def update_clock(self, seconds: float | None = None) -> None:
        t = self._doc.playhead if seconds is None else seconds
        fps = self._fps()
        self._hold_width(max(t, self._longest()), fps)
        self.clock.setText(clock_text(t, fps))

    def _longest(self) -> float:
        info = getattr(getattr(self.window, "video_workflow", None), "info", None)
        project = getattr(self._doc, "project", None)
        return max(float(getattr(info, "duration", 0.0) or 0.0),
                   float(getattr(project, "duration", 0.0) or 0.0))  # fmt: skip

    def _hold_width(self, longest: float, fps: float) -> None:
        """As wide as the clock's widest text in this project, so the tools after it on
        the toolbar stand still while it runs: they moved under the pointer each time
        the frame number gained a digit (frame 99 -> 100, 999 -> 1000) in playback."""
        metrics = self.clock.fontMetrics()
        widest = max("0123456789", key=metrics.horizontalAdvance)
        sample = re.sub(r"\d", widest, clock_text(longest, fps))
        margins = self.clock.contentsMargins()
        width = (max(metrics.horizontalAdvance(sample), metrics.boundingRect(sample).width())
                 + margins.left() + margins.right() + 2 * self.clock.frameWidth())  # fmt: skip
        if width != self.clock.minimumWidth():
            self.clock.setMinimumWidth(width)

    # -- the layout --------------------------------------------------------------------
    def _video_widget(self) -> QWidget | None:
        return getattr(getattr(self.window, "video_workflow", None), "dock_widget", None)

    def _dock(self) -> Any:
        return getattr(getattr(self.window, "video_workflow", None), "dock", None)

    def _toggled(self, on: bool) -> None:
        video = self._video_widget()
        if video is None:
            return
        # Taking the timeline out of the window hides it for a moment, and Qt moves its
        # keyboard focus on (to the library's filter: Space typed there instead of playing)
        focused = QApplication.focusWidget()
        if on and self.splitter is None:
            self._central = self.window.takeCentralWidget()
            splitter = QSplitter(Qt.Orientation.Vertical)
            splitter.setObjectName("videoLayoutSplitter")
            splitter.setChildrenCollapsible(False)
            splitter.addWidget(video)
            if self._central is not None:
                splitter.addWidget(self._central)
            splitter.setStretchFactor(0, 3)
            splitter.setStretchFactor(1, 2)
            splitter.splitterMoved.connect(lambda *_: self._save())
            self.window.setCentralWidget(splitter)
            self.splitter = splitter
            dock = self._dock()
            if dock is not None:
                dock.hide()
                app_settings().setValue(DOCK_HIDDEN, True)  # by the layout, not the user
            video.show()
        elif not on and self.splitter is not None:
            splitter, self.splitter = self.splitter, None
            self.window.takeCentralWidget()
            if self._central is not None:
                self.window.setCentralWidget(self._central)
            dock = self._dock()
            if dock is not None:
                dock.setWidget(video)
                dock.show()
                app_settings().setValue(DOCK_HIDDEN, False)
            splitter.deleteLater()
        if focused is not None:  # once shown in its new place (dropped if deleted by then)
            QTimer.singleShot(0, focused, lambda: focused.setFocus(Qt.FocusReason.OtherFocusReason))
        self._fit_docks()
        QTimer.singleShot(0, self._fit_docks)  # again once the window has laid out
        if not self._restoring:
            self._save()

    def _fit_docks(self) -> None:
        """Without a central widget for a moment, the side docks grew into its room:
        give them back their usual width so the video and the timeline get the rest."""
        docks = getattr(self.window, "docks", {})
        side = [d for d in docks.values() if d.isVisible()
                and self.window.dockWidgetArea(d) == Qt.DockWidgetArea.RightDockWidgetArea]  # fmt: skip
        if side:
            self.window.resizeDocks(side[:1], [360], Qt.Orientation.Horizontal)

    def sizes(self) -> list[int]:
        return self.splitter.sizes() if self.splitter is not None else []

    def _save(self) -> None:
        key = settings_key(self._doc) if self._doc is not None else None
        if key is None:  # untitled: nothing to key it by until it is saved
            return
        settings = app_settings()
        settings.setValue(f"{key}/on", self.action.isChecked())
        if self.splitter is not None:
            settings.setValue(f"{key}/sizes", ",".join(map(str, self.sizes())))

    def _document_changed(self, doc: Any) -> None:
        if self._doc is not None and self._doc is not doc:
            self._save()  # the layout of the project being left
        if self._doc is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                self._doc.playheadChanged.disconnect(self.update_clock)
            with contextlib.suppress(RuntimeError, TypeError):
                self._doc.pathChanged.disconnect(self._save)
        self._doc = doc
        doc.playheadChanged.connect(self.update_clock)
        # Saved under a (new) name: the layout goes with it, to the new path's key
        doc.pathChanged.connect(self._save)
        self.update_clock()
        settings, key = app_settings(), settings_key(doc)
        on = key is not None and read_flag(f"{key}/on", settings)
        self._restoring = True
        try:
            self.action.setChecked(on)
            self._toggled(on)
            raw = str(settings.value(f"{key}/sizes", "") or "") if key else ""
            sizes = [int(x) for x in raw.split(",") if x.strip().isdigit()]
            if self.splitter is not None and len(sizes) == 2 and all(sizes):
                self.splitter.setSizes(sizes)
        finally:
            self._restoring = False
        if not on and read_flag(DOCK_HIDDEN, settings):
            # The app was quit in the layout, so the saved dock state has the Video panel
            # hidden; later (once the window restored that state) give it back.
            QTimer.singleShot(0, self._give_dock_back)

    def _give_dock_back(self) -> None:
        dock = self._dock()
        if self.splitter is None and dock is not None:
            dock.show()
            app_settings().setValue(DOCK_HIDDEN, False)


def install_video_layout(window: QMainWindow) -> VideoLayout:
    layout = VideoLayout(window)
    window.video_layout = layout  # type: ignore[attr-defined]
    return layout
