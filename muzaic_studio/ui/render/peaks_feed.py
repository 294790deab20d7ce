"""Carry waveform snapshots from a decode thread to the document while the decode runs.

Why: the waveform of a long soundtrack takes a second or more to decode; the timeline
shows what is decoded so far (the span in view first, see `audio.peaks_partial`) instead
of a blank lane. A snapshot arrives on the GUI thread through a queued signal, and a
feed that was closed (the decode finished, failed or was cancelled, or the project was
closed) drops late ones, so a snapshot never replaces the finished waveform.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from shiboken6 import isValid

from muzaic_studio.ui.document import ProjectDocument


class PeaksFeed(QObject):
    """One decode's snapshots for one document; `send` may be called from any thread."""

    _arrived = Signal(object)

    def __init__(self, doc: ProjectDocument) -> None:
        # No Qt parent: the decode job and its caller hold it, so it lives until both
        # are done and a late `send` never meets a deleted object.
        super().__init__()
        self.doc = doc
        self.open = True
        self._arrived.connect(self._show)  # queued when emitted from a decode thread

    def send(self, pyramid: Any) -> None:
        """Called on the decode thread with each snapshot."""
        if self.open:
            self._arrived.emit(pyramid)

    @property
    def focus(self) -> tuple[float, float]:
        """The span the timeline shows now: decoded first."""
        return self.doc.view_span

    def close(self) -> None:
        """The decode is over: drop what still comes, stop showing the snapshot."""
        if not self.open:
            return
        self.open = False
        if isValid(self.doc):
            self.doc.set_preview_waveform(None)

    def _show(self, pyramid: Any) -> None:
        if self.open and isValid(self.doc):
            self.doc.set_preview_waveform(pyramid)
