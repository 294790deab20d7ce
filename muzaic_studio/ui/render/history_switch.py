"""Going back to an earlier render: the history panel's list, Listen, and A/B.

Kept apart from the render workflow because switching has its own rule: the waveform of
a kept render is read (or built) on the shared `aux` runner in the "history switch" slot,
where the newest switch wins and a library preview in its own slot goes on; a new render
cancels a switch still loading (`cancel_switch`), so it cannot replace the new audio.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtGui import QAction

from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.playback.player import Player
from muzaic_studio.ui.render.history import HistoryPanel, RenderHistory, RenderRecord
from muzaic_studio.ui.render.peaks_feed import PeaksFeed
from muzaic_studio.ui.workers import TaskRunner

HISTORY = "history switch"  # aux slot: the newest switch wins; a library preview is apart


class HistorySwitcher:
    """Shows the document's kept renders and makes one of them the current audio."""

    def __init__(self, panel: HistoryPanel, player: Player, aux: TaskRunner,
                 ab_action: QAction, say: Callable[..., None]) -> None:  # fmt: skip
        self.panel = panel
        self.player = player
        self.aux = aux
        self.ab_action = ab_action
        self.say = say
        self.doc: ProjectDocument | None = None
        self.history: RenderHistory | None = None
        panel.switchRequested.connect(self.switch_to)
        panel.abRequested.connect(self.ab_switch)
        ab_action.triggered.connect(self.ab_switch)
        ab_action.setEnabled(False)

    def set_document(self, doc: ProjectDocument | None, history: RenderHistory | None) -> None:
        self.doc, self.history = doc, history
        if doc is not None:
            self._restore_last_render(doc)
        self.refresh()

    def _restore_last_render(self, doc: ProjectDocument) -> None:
        """Reopened project: show its last render again if the audio is still cached."""
        if doc.waveform is not None or self.history is None:
            if doc.audio_path:
                self.player.set_source(doc.audio_path, getattr(doc.waveform, "duration", 0.0))
            return
        audio = (doc.project.last_render or {}).get("audio")
        record = self.history.find(audio) if audio else None
        if record is not None:
            self.switch_to(record, announce=False)

    def refresh(self) -> None:
        """The list as it is now, the current audio in bold; A/B needs two renders."""
        history = self.history
        records = history.records() if history else []
        current = self.doc.audio_path.name if self.doc and self.doc.audio_path else None
        self.panel.show_records(records, current)
        self.ab_action.setEnabled(len(records) >= 2)

    def cancel_switch(self) -> None:
        """A history switch still loading must not replace the audio of a new render."""
        self.aux.cancel(key=HISTORY)

    def switch_to(self, record: RenderRecord, *, announce: bool = True) -> None:
        """Show and play *record*'s audio (waveform from its cache, built if missing)."""
        history, doc = self.history, self.doc
        if history is None or doc is None:
            return
        audio = history.path(record)
        feed = PeaksFeed(doc)  # the waveform shows while it decodes (no cache yet)

        def job(_progress: Any, cancel: threading.Event) -> Any:
            return history.pyramid(record, cancel, feed)

        def done(pyramid: Any) -> None:
            if doc is not self.doc:
                return
            doc.set_waveform(pyramid, audio)
            self.player.set_source(audio, pyramid.duration, keep_position=True)
            self.refresh()
            if announce:
                said = " · ".join(" ".join(line.split()) for line in record.label().splitlines())
                self.say(
                    f"Now showing the render of {said}.", "info"
                )  # one line, not the list's two

        def failed(exc: BaseException) -> None:
            self.say(f"That render cannot be shown: {exc}", "error")

        self.aux.run(
            job, on_result=done, on_error=failed, on_finished=feed.close, key=HISTORY
        )  # a preview goes on

    def ab_switch(self) -> None:
        """Flip between the two newest renders, keeping the playback position."""
        records = self.history.records() if self.history else []
        if len(records) < 2:
            self.say("A/B needs two renders: render again after a change.", "info")
            return
        current = self.doc.audio_path.name if self.doc and self.doc.audio_path else None
        target = records[1] if current == records[0].file else records[0]
        self.switch_to(target)
