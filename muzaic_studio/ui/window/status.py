"""The main window's readouts: time under the mouse, soundtrack length and regions,
estimated tokens, zoom and backend in the status bar, and the playhead clock (placed in
the toolbar by the transport order; the video layout adds the frame number to it).

Kept out of the chrome mixin so the labels are public (`status.length.text()`) instead of
private attributes of the window, and the rules for what they say live together.
"""

from __future__ import annotations

from PySide6.QtWidgets import QLabel, QStatusBar

from muzaic_studio.model.project import Project
from muzaic_studio.ui.timeline.geometry import format_length, format_precise, format_zoom
from muzaic_studio.wording import plural


class WindowStatus:
    """The labels and what each says."""

    def __init__(self, bar: QStatusBar) -> None:
        self.cursor = QLabel()
        self.length = QLabel()
        self.tokens = QLabel()
        self.zoom = QLabel()
        self.backend = QLabel("Offline engine")
        self._compact: set[str] = set()  # what needs the room now: "render", "open"
        self.playhead = QLabel()
        self.playhead.setObjectName("playheadTime")
        self.playhead.setToolTip("Playhead position (m:ss.mmm)")
        self.playhead.setContentsMargins(0, 0, 0, 0)  # the toolbar spaces it
        self.show_playhead(0.0)
        tips = (
            (self.cursor, "Time under the mouse pointer"),
            (self.length, "Length of the soundtrack (end of the last region)"),
            (self.tokens, "Estimated tokens to render everything (1 per started second of generate)"),
            (self.zoom, "Timeline zoom (Ctrl+wheel, +/-, F to fit)"),
            (self.backend, "Where renders are made"),
        )  # fmt: skip
        for label, tip in tips:
            label.setToolTip(tip)
            label.setContentsMargins(8, 0, 8, 0)
            bar.addPermanentWidget(label)
        self.show_cursor(0.0)

    def show_project(self, project: Project, px_per_sec: float) -> None:
        n = len(project.regions)
        self.length.setText(f"Length {format_length(project.duration)}  ·  {plural(n, 'region')}")
        self.tokens.setText(f"≈ {project.estimated_tokens} tokens")
        self.zoom.setText(format_zoom(px_per_sec))

    def set_compact(self, on: bool, why: str = "render") -> None:
        """While a render shows its progress (or a project is read: *why* "open"), the
        mouse time, length, zoom and tokens step aside so the progress text is not cut at
        1024 px ("Opening big200", with no end); back once neither needs the room."""
        if on:
            self._compact.add(why)
        else:
            self._compact.discard(why)
        for label in (self.cursor, self.zoom, self.tokens, self.length):
            label.setVisible(not self._compact)

    def show_playhead(self, seconds: float) -> None:
        self.playhead.setText(format_precise(seconds))

    def show_cursor(self, seconds: float) -> None:
        self.cursor.setText(f"Cursor {format_precise(seconds)}")
