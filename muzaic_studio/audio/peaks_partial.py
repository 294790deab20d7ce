"""Waveform peaks while the decode still runs: snapshots a view can draw at once.

Why: a 20-minute soundtrack takes a second or more to decode, and a blank lane for that
long looks broken. `build_pyramid` hands its span builders to a `PartialPeaks`, which
turns what they hold so far into a `PeakPyramid` every ``every`` seconds (and at once
when the span the view looks at is covered). Blocks not decoded yet are marked unknown,
so the view leaves them blank instead of drawing silence. A snapshot reads the
builders' block lists without copying their carry: it never changes what the final
pyramid will be.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

import numpy as np

from muzaic_studio.audio.peaks import PeakPyramid, PyramidBuilder, halve

#: How much of the view must be drawn before the first snapshot goes out: a view wider
#: than this (the whole soundtrack fitted) gets its first minute first.
URGENT_SECONDS = 60.0


class PartialPeaks:
    """The span builders of one decode, and snapshots of them for *emit*.

    Span threads call `fed` after each chunk; one of them builds the snapshot (a few
    milliseconds for 20 minutes) while the others go on decoding.
    """

    def __init__(
        self,
        *,
        rate: int,
        channels: int,
        base_block: int,
        total_frames: int | None,
        emit: Callable[[PeakPyramid], None],
        focus: tuple[float, float] | None = None,
        every: float = 0.1,
    ) -> None:
        self.rate, self.channels, self.base_block = rate, channels, base_block
        self.total_frames = total_frames
        self.emit, self.every = emit, every
        focus = focus or (0.0, URGENT_SECONDS)
        start = max(0.0, focus[0])
        end = min(focus[1], start + URGENT_SECONDS)
        if total_frames is not None:
            end = min(end, total_frames / rate)
        self._urgent = (int(start * rate), int(end * rate))
        self._urgent_sent = False
        self._builders: dict[int, PyramidBuilder] = {}
        self._busy = threading.Lock()
        self._last = time.monotonic()

    def add(self, first: int, builder: PyramidBuilder) -> None:
        """Register the builder of the span starting at frame *first*."""
        self._builders[first] = builder

    def fed(self) -> None:
        """Maybe emit a snapshot: the view's span just got covered, or it is time."""
        urgent = not self._urgent_sent and self._covered(*self._urgent)
        if not urgent and time.monotonic() - self._last < self.every:
            return
        if not self._busy.acquire(blocking=False):
            return  # another span thread is building one right now
        try:
            self._urgent_sent = self._urgent_sent or urgent
            self.emit(self.snapshot())
            self._last = time.monotonic()
        finally:
            self._busy.release()

    def _blocks(self) -> list[tuple[int, np.ndarray, np.ndarray, np.ndarray]]:
        """(first block, mins, maxs, mean squares) decoded so far, per span."""
        out = []
        for first, builder in sorted(self._builders.items()):
            # _reduce appends mins, then maxs, then ms: take as many as all three hold.
            n = min(len(builder._mins), len(builder._maxs), len(builder._ms))
            if n:
                out.append(
                    (
                        first // self.base_block,
                        np.concatenate(builder._mins[:n]),
                        np.concatenate(builder._maxs[:n]),
                        np.concatenate(builder._ms[:n]),
                    )
                )
        return out

    def _covered(self, f0: int, f1: int) -> bool:
        """Are frames [f0, f1) decoded into blocks already (across span joins)?"""
        reach = f0
        for first, builder in sorted(self._builders.items()):
            n = min(len(builder._mins), len(builder._ms))
            done = sum(a.shape[0] for a in builder._ms[:n]) * self.base_block
            if first <= reach < first + done:
                reach = first + done
        return reach >= f1

    def snapshot(self) -> PeakPyramid:
        """What is known now, as a pyramid of the whole file with unknown blocks marked."""
        spans = self._blocks()
        if self.total_frames is None:  # one stream of unknown length: what came so far
            count = spans[0][1].shape[0] if spans else 0
            frames = max(1, count * self.base_block)
        else:
            frames = self.total_frames
        count = -(-frames // self.base_block)
        mins = np.zeros(count, np.int16)
        maxs = np.zeros(count, np.int16)
        ms = np.zeros(count, np.float32)
        known = np.zeros(count, bool)
        for block, lo, hi, energy in spans:
            n = max(0, min(lo.shape[0], count - block))
            mins[block : block + n] = lo[:n]
            maxs[block : block + n] = hi[:n]
            ms[block : block + n] = energy[:n]
            known[block : block + n] = True
        levels = [(mins, maxs, ms)]
        knowns = [known]
        block = self.base_block
        while levels[-1][0].shape[0] > 1:
            levels.append(halve(levels[-1], block, frames))
            mask = knowns[-1]
            if mask.shape[0] % 2:
                mask = np.append(mask, False)
            knowns.append(mask[0::2] | mask[1::2])
            block *= 2
        return PeakPyramid(
            rate=self.rate,
            channels=self.channels,
            frames=frames,
            base_block=self.base_block,
            levels=levels,
            known=knowns,
        )
