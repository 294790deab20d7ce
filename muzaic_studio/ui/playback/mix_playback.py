"""The mix for the streaming player: one `LiveMix` per played file, following the document.

For the lead's QAudioSink player, whose hook is ``process(block, start_frame) -> block``::

    feed = MixFeed(doc, source_path, rate, channels)   # when the source is set
    player.process = feed.live.process                  # int16 or float32 [frames, ch]
    feed.close()                                        # when the source changes

Every document change swaps in a new `MixPlan` (rebuilt only if a region's time or mix
changed); `LiveMix` ramps to it over 20 ms, so a handle moved during playback is heard
without a click once the sink's 60 ms lead has played (the mix runs as the sink takes
each block). Transition windows are decoded ahead on a background thread (one short
ffmpeg each), so the audio path finds them in memory.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QObject

from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.timeline.mix_handles import (
    add_preview_listener,
    plan_for,
    remove_preview_listener,
)


class MixFeed(QObject):
    """Keeps `live` (the hook) in step with *doc* until `close()`."""

    def __init__(self, doc: ProjectDocument, source: Path, rate: int, channels: int) -> None:
        from muzaic_studio.audio.mix import FileWindows, LiveMix  # numpy: not at start-up

        super().__init__(doc)
        self.doc, self.rate = doc, rate
        self.live = LiveMix(plan_for(doc, rate), FileWindows(source, rate, channels))
        doc.regionsChanged.connect(self._update)
        add_preview_listener(doc, self._update)  # a handle being dragged is heard live
        self._prefetch(self.live.plan)

    def _update(self) -> None:
        plan = plan_for(self.doc, self.rate)
        if plan is not self.live.plan:
            self.live.set_plan(plan)
            self._prefetch(plan)

    def _prefetch(self, plan: Any) -> None:
        """Decode the transitions' mirror windows off the audio path (one short ffmpeg
        each): the sink's thread then finds them in memory."""
        from muzaic_studio.audio.mix import FileWindows

        mirror = self.live.mirror
        if plan.transitions and isinstance(mirror, FileWindows):
            threading.Thread(target=mirror.prefetch, args=(plan,), daemon=True).start()

    def close(self) -> None:
        with contextlib.suppress(RuntimeError, TypeError):
            self.doc.regionsChanged.disconnect(self._update)
        remove_preview_listener(self.doc, self._update)


class PlayerMix(QObject):
    """Plugs the open document's mix into a `Player`'s process hook, following its source.

    What is heard is what export writes: both run `audio.mix` over the same render. A new
    source (a render, a history switch, another project) gets a fresh `MixFeed`; no source
    plays the render as is.
    """

    def __init__(self, player: Any, document: Callable[[], ProjectDocument | None]) -> None:
        super().__init__(player)
        self._player, self._document = player, document
        self._feed: MixFeed | None = None
        player.sourceChanged.connect(self._follow)

    @property
    def feed(self) -> MixFeed | None:
        return self._feed

    def _follow(self, path: Path | None) -> None:
        if self._feed is not None:
            self._feed.close()
            self._feed = None
        doc = self._document()
        if path is None or doc is None:
            self._player.set_process(None)
            return
        pyramid = doc.waveform
        rate = int(getattr(pyramid, "rate", 0) or 44100)
        channels = int(getattr(pyramid, "channels", 0) or 2)
        self._feed = MixFeed(doc, Path(path), rate, channels)
        self._player.set_process(self._feed.live.process)
