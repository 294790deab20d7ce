"""The hash library's side of the render workflow: preview a library sound on the second
player, reuse it on the selected regions, insert it at the playhead, drop it on the timeline.

Owned by `RenderWorkflow`, which hands it each document and the document's render history;
the backend is read from the render controller when a preview needs one.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QWidget

from muzaic_studio import paths
from muzaic_studio.atomic import atomic_write_bytes
from muzaic_studio.contract.errors import MuzaicError
from muzaic_studio.ui.dialogs.preferences import call_with_cancel
from muzaic_studio.ui.document import EditError, ProjectDocument
from muzaic_studio.ui.library.dock import (
    LibraryPanel,
    LibraryStore,
    apply_hash_drop,
    confirm_paid_preview,
    free_spot,
)
from muzaic_studio.ui.playback.player import Player
from muzaic_studio.ui.render.controller import RenderController
from muzaic_studio.ui.render.history import RenderHistory
from muzaic_studio.ui.workers import TaskRunner

PREVIEW = "library preview"  # aux slot: a newer preview replaces an older one, nothing else


class HashLibraryActions:
    """What the library dock's buttons and drops do to the project and the players."""

    def __init__(self, window: QWidget, library: LibraryStore, panel: LibraryPanel,
                 player: Player, preview_player: Player, controller: RenderController,
                 aux: TaskRunner, say: Callable[..., None],
                 ask_before_spending: Callable[[], bool]) -> None:  # fmt: skip
        self.window = window
        self.library = library
        self.library_dock = panel
        self.player = player
        self.preview_player = preview_player
        self.controller = controller
        self.aux = aux
        self.say = say
        self.ask_before_spending = ask_before_spending
        self.doc: ProjectDocument | None = None
        self.history: RenderHistory | None = None
        panel.previewRequested.connect(self.preview_hash)
        panel.useOnSelectionRequested.connect(self.use_hash_on_selection)
        panel.insertRequested.connect(self.insert_hash_at_playhead)
        preview_player.playingChanged.connect(self._preview_playing)

    def set_document(self, doc: ProjectDocument | None, history: RenderHistory | None) -> None:
        self.doc, self.history = doc, history

    def hash_audio(self, hash_: str) -> tuple[Path, float, float, float] | None:
        """(file, start, length, file duration) of *hash_* in a kept render, newest first."""
        return self.history.hash_audio(hash_) if self.history is not None else None

    def preview_hash(self, hash_: str) -> None:
        """Play one library sound on the preview player (the playhead stays where it is)."""
        if self.preview_player.playing:
            self.preview_player.pause()
            return
        self.player.pause()
        local = self.hash_audio(hash_)
        if local is not None:
            path, start, length, total = local
            self.preview_player.set_source(path, total, keep_position=False)
            self.preview_player.play(start, stop_at=start + length)
            return
        entry = self.library.get(hash_)
        backend = self.controller.backend
        if entry is None or backend is None:
            self.say("This sound has no audio on this computer.", "warning")
            return
        target = paths.cache_dir() / "previews" / f"{hash_[:40]}.mp3"
        duration = entry.duration
        paid = backend.name == "cloud" and not target.exists() and self.ask_before_spending()
        if paid and not confirm_paid_preview(self.window, duration):
            return

        def job(_p: Any, cancel: threading.Event) -> Path:
            if not target.exists():
                data = audio_of_hash(backend, hash_, duration, cancel)
                target.parent.mkdir(parents=True, exist_ok=True)
                atomic_write_bytes(target, data)
            return target

        def done(path: Path) -> None:
            self.preview_player.set_source(path, duration, keep_position=False)
            self.preview_player.play(0.0)

        def failed(exc: BaseException) -> None:
            text = exc.message if isinstance(exc, MuzaicError) else str(exc)
            self.say(f"Cannot preview this sound: {text}", "warning")

        self.say("Fetching the sound to preview...", "info")
        self.aux.run(job, on_result=done, on_error=failed, key=PREVIEW)  # not a history switch

    def _preview_playing(self, playing: bool) -> None:
        self.library_dock.preview_button.setText("Stop" if playing else "Preview")

    def use_hash_on_selection(self, hash_: str) -> None:
        if self.doc is None:
            return
        selected = [r.uid for r in self.doc.selected_regions()]
        if not selected:
            self.say("Select the regions that should reuse this sound first.", "info")
            return
        self.library.adopt(hash_)

        def to_copy(regions: list[Any]) -> None:
            for r in regions:
                if r.uid in selected:
                    r.action, r.source_hash = "copy", hash_

        self.doc.edit("Use Library Sound", to_copy)
        self.say(f"{len(selected)} region(s) now reuse {hash_[:10]}.", "info")

    def insert_hash_at_playhead(self, hash_: str) -> None:
        """Library Insert: a new copy region in free space, never over a region."""
        entry = self.library.get(hash_)
        if self.doc is None or entry is None:
            return
        at = free_spot(self.doc, self.doc.playhead)
        if at is None:  # only a video's end leaves no room (after the last region is free)
            from muzaic_studio.ui.timeline.geometry import format_length

            end = format_length(getattr(self.doc, "media_duration", 0.0) or 0.0)
            self.say(f"No free space between the playhead and the video's end ({end}): move "
                     "the playhead to a gap, or drop the sound on a region to replace its "
                     "music.", "warning")  # fmt: skip
            return
        self.drop_hash(hash_, entry.duration, at)

    def drop_hash(self, hash_: str, duration: float, at: float) -> bool:
        """What a library drop at *at* seconds does (also used by the drop filter)."""
        if self.doc is None:
            return False
        self.library.adopt(hash_)
        try:
            self.say(apply_hash_drop(self.doc, hash_, duration, at, None), "info")
        except EditError as exc:
            self.say(f"Cannot place the sound there: {exc}", "warning")
            return False
        return True


def audio_of_hash(backend: Any, hash_: str, duration: float, cancel: threading.Event) -> bytes:
    """The audio of one region hash: /audioFromHash where the backend has it, else a
    one-region copy render (a copy costs no tokens). Runs on a worker."""
    fetch = getattr(backend, "audio_from_hash", None)
    if callable(fetch):
        got = call_with_cancel(fetch, cancel, hash_)
        return bytes(got) if isinstance(got, bytes | bytearray) else got.mp3
    region = {"time": 0.0, "duration": duration, "action": "copy", "sourceHash": hash_}
    return backend.render({"regions": [region], "normalize": False}, cancel).mp3
