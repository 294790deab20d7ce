"""Play/Pause and Loop Selection of the render workflow: the player follows the playhead
and the playhead follows the playing audio, without the two chasing each other.

Kept apart from the workflow because it is one job with its own state (who moves whom,
the loop span, the status bar's "Playing · Loop ..." label); the workflow owns one and
hands it each document.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable

from PySide6.QtGui import QAction
from PySide6.QtWidgets import QLabel

from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.icons import icon
from muzaic_studio.ui.playback.player import Player


class Transport:
    """The soundtrack player driven by the document's playhead and selection."""

    def __init__(self, player: Player, preview_player: Player, play_action: QAction,
                 loop_action: QAction, label: QLabel,
                 say: Callable[..., None]) -> None:  # fmt: skip
        self.player = player
        self.preview_player = preview_player
        self.play_action = play_action
        self.loop_action = loop_action
        self.label = label
        self.say = say
        self.doc: ProjectDocument | None = None
        self._following = False  # True while the player moves the playhead
        play_action.triggered.connect(self.toggle_play)
        loop_action.toggled.connect(self.set_loop)
        player.positionChanged.connect(self._player_moved)
        player.playingChanged.connect(self._playing_changed)

    def set_document(self, doc: ProjectDocument | None) -> None:
        """Stop what the old document played; follow *doc*'s playhead and selection."""
        if self.doc is not None:
            for signal, slot in ((self.doc.playheadChanged, self._playhead_moved),
                                 (self.doc.selectionChanged, self._selection_changed)):  # fmt: skip
                with contextlib.suppress(RuntimeError, TypeError):
                    signal.disconnect(slot)
        self.player.stop()
        self.player.set_source(None, 0.0, keep_position=False)
        self.preview_player.stop()
        self.loop_action.setChecked(False)
        self.doc = doc
        if doc is not None:
            doc.playheadChanged.connect(self._playhead_moved)
            doc.selectionChanged.connect(self._selection_changed)

    def toggle_play(self) -> None:
        if self.doc is None:
            return
        if self.preview_player.playing:
            self.preview_player.pause()
        if self.player.source is None and self.doc.audio_path is not None:
            self.player.set_source(self.doc.audio_path, getattr(self.doc.waveform, "duration", 0.0))
        self.player.toggle(self.doc.playhead)

    def _player_moved(self, seconds: float) -> None:
        # Follow the audio only while it plays: a seek clamped to the end of the audio
        # must not pull back a playhead the user put past it.
        if self.doc is None or not self.player.playing:
            return
        self._following = True
        try:
            self.doc.set_playhead(seconds)
        finally:
            self._following = False

    def _playhead_moved(self, seconds: float) -> None:
        if not self._following:
            self.player.seek(seconds)

    def _playing_changed(self, playing: bool) -> None:
        self.play_action.setIcon(icon("pause" if playing else "play"))
        self.play_action.setText("&Pause" if playing else "&Play")
        self._update_label()

    def selection_span(self) -> tuple[float, float] | None:
        regions = self.doc.selected_regions() if self.doc else []
        if not regions:
            return None
        return min(r.time for r in regions), max(r.end for r in regions)

    def set_loop(self, on: bool) -> None:
        if not on:
            self.player.set_loop(None)
            self._update_label()
            return
        span = self.selection_span()
        if span is None:
            self.say("Select the region (or regions) to loop first, then press L.", "info")
            self.loop_action.setChecked(False)
            return
        self.player.set_loop(span)
        self._update_label()

    def _selection_changed(self) -> None:
        if self.loop_action.isChecked():
            span = self.selection_span()
            if span is not None:
                self.player.set_loop(span)
                self._update_label()

    def _update_label(self) -> None:
        loop = self.player.loop
        parts = []
        if self.player.playing:
            parts.append("Playing" if self.player.has_audio else "Playing (silent)")
        if loop:
            parts.append(f"Loop {loop[0]:.2f}-{loop[1]:.2f} s")
        self.label.setText("  ·  ".join(parts))
