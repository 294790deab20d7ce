"""Decoded PCM for live playback: blocks from the playhead on, through a mix hook. No Qt.

Why not let a media player play the MP3 file: the app is about to apply its own mix (region
gain, fades) while it plays, and a file player can't. Here one decoder thread runs
ffmpeg (`PcmStream`, the same decoder as exports; the waveform's is within one 16-bit
step of it, see mp3_spans) from the playhead, cuts its
output into small blocks, hands each block to a ``process`` callable and queues the
result as int16 bytes for the audio sink. The queue is bounded (about a second), so a
20-minute soundtrack never sits in memory as PCM: memory is a few hundred KB whatever
the length.

The mix hook (the seam for ``audio/mix.py``)::

    process(block, start_frame) -> block

* ``block``: float32 array of shape (frames, channels), samples in [-1, 1]; it is a
  fresh array the hook may change in place and return.
* ``start_frame``: index of the block's first frame in the soundtrack (file time
  ``start_frame / rate``), so gains and fades are computed from soundtrack time,
  whatever was seeked or looped before.
* return: an array of the same shape (float32 or float64); samples outside [-1, 1] are
  clipped. It runs when the sink takes the samples (`next_block`, on the sink's thread,
  every pump, for just the frames the sink has room for), not when they were decoded up
  to `AHEAD_SECONDS` before: so a change of the mix is heard after the sink's own short
  buffer, not after the decoded second. It must not touch Qt and must not block.

Loop: with ``loop=(first, end)`` frames, the feed wraps from ``end`` back to ``first``
without a gap (a loop up to `LOOP_CACHE_SECONDS` is replayed from the samples of its
first whole pass, a longer one restarts ffmpeg at its start), so the loop is
sample-exact however late the GUI looks at the playhead.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from muzaic_studio.audio.decode import AudioInfo, PcmStream, Source, probe, put_unless_stopped
from muzaic_studio.audio.errors import AudioError
from muzaic_studio.audio.mix import to_int16

#: ``process(block, start_frame) -> block``: see the module docstring.
ProcessFn = Callable[[np.ndarray, int], np.ndarray]

#: Frames per block handed to the hook and the sink: 2048 = 46 ms at 44.1 kHz, small enough
#: for a mix change or a loop end to be placed finely, big enough to cost nothing in Python.
BLOCK_FRAMES = 2048
#: Seconds decoded ahead of the sink (the queue's bound).
AHEAD_SECONDS = 1.0
#: A loop up to this long is decoded once and replayed from memory (5 MB of stereo int16
#: at most): a new ffmpeg at every wrap could come late on a busy machine (a gap).
LOOP_CACHE_SECONDS = 30.0
#: Frames per ffmpeg read: small, so the first block after a seek comes quickly.
_DECODE_CHUNK = 8192


def identity(block: np.ndarray, start_frame: int) -> np.ndarray:
    """The default mix: what the render holds."""
    return block


@dataclass(frozen=True)
class Block:
    """Processed, interleaved int16 PCM for frames [start_frame, start_frame + frames)."""

    data: bytes
    start_frame: int
    frames: int


@dataclass(frozen=True)
class _Decoded:
    """A block as decoded (int16), waiting in the queue for the mix."""

    pcm: np.ndarray
    frame: int


class FeedError(AudioError):
    """Decoding for playback failed (the message is shown to the user)."""


class PcmFeed:
    """One pass of playback from ``start_frame``: a decoder thread filling a bounded queue.

    `next_block` never blocks (the sink's pump calls it): it returns a `Block`, None when
    nothing is decoded yet, or raises StopIteration at the end (``end_frame`` or the
    file's end; never with a loop). A decoding error is raised as `FeedError` from
    `next_block`. `close` stops ffmpeg and the thread at once. A seek is a new feed.
    """

    def __init__(
        self,
        source: Source,
        start_frame: int = 0,
        *,
        process: ProcessFn | None = None,
        loop: tuple[int, int] | None = None,
        end_frame: int | None = None,
        info: AudioInfo | None = None,
    ) -> None:
        #: Known before the first block is queued (probed on the decoder thread when not
        #: given: a probe runs ffmpeg, which the GUI thread must not wait for).
        self.info = info
        self.source = source
        self.process: ProcessFn = process or identity
        self.loop = loop if loop and loop[1] - loop[0] >= BLOCK_FRAMES // 4 else None
        self.end_frame = end_frame
        self._start = max(0, int(start_frame))
        ahead = max(2, round(AHEAD_SECONDS * 44100 / BLOCK_FRAMES))
        self._queue: queue.Queue[_Decoded | BaseException | None] = queue.Queue(ahead)
        self._stop = threading.Event()
        self._ended = False
        self._current: _Decoded | None = None  # a decoded block partly handed out
        self._offset = 0  # frames of it handed out
        self._capture: list[np.ndarray] | None = None  # samples of a loop pass being kept
        self._loop_pcm: np.ndarray | None = None  # a whole loop pass, replayed without ffmpeg
        self._thread = threading.Thread(target=self._run, name="pcm-feed", daemon=True)
        self._thread.start()

    @property
    def rate(self) -> int:
        return self.info.rate if self.info else 44100

    @property
    def channels(self) -> int:
        return self.info.channels if self.info else 2

    # -- consumer side (the sink's pump) ---------------------------------------------
    def primed(self, blocks: int = 4) -> bool:
        """True once *blocks* are decoded ahead (or the decoder is done): starting the
        sound before that races a decoder that has only just started."""
        return self._queue.qsize() >= blocks or not self._thread.is_alive()

    def next_block(self, max_frames: int | None = None) -> Block | None:
        """The next processed block, at most *max_frames* long (the rest of a decoded
        block comes with the next call): the sink asks for just what it has room for, so
        the mix is applied to audio that plays a buffer's length later, not a block's."""
        if self._ended:
            raise StopIteration
        if self._current is None:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                return None
            if item is None:
                self._ended = True
                raise StopIteration
            if isinstance(item, BaseException):
                self._ended = True
                raise FeedError(f"Playback stopped: {item}") from item
            self._current, self._offset = item, 0
        item, first = self._current, self._offset
        last = (
            item.pcm.shape[0]
            if max_frames is None
            else min(item.pcm.shape[0], first + max(1, max_frames))
        )
        if last >= item.pcm.shape[0]:
            self._current = None
        self._offset = last
        pcm = item.pcm[first:last]
        block = pcm.astype(np.float32) * np.float32(1 / 32768)
        out = self.process(block, item.frame + first)
        # The export's conversion (round, clip): what is heard is what is exported, and an
        # unmixed block comes back as the decoded samples exactly.
        data = to_int16(out).astype("<i2", copy=False).tobytes()
        return Block(data, item.frame + first, last - first)

    def close(self) -> None:
        """Stop decoding now (ffmpeg is killed by the thread within ~0.1 s). Idempotent."""
        self._stop.set()
        with contextlib.suppress(queue.Empty):
            while True:  # unblock a producer waiting on a full queue
                self._queue.get_nowait()

    def __del__(self) -> None:
        self._stop.set()

    # -- producer side (the decoder thread) ------------------------------------------
    def _put(self, item: _Decoded | BaseException | None) -> bool:
        return put_unless_stopped(self._queue, item, self._stop)

    def _run(self) -> None:
        try:
            if self.info is None:
                self.info = probe(self.source)
            frame = self._start
            while not self._stop.is_set():
                stop_at = self.end_frame
                if self.loop is not None:
                    if not self.loop[0] <= frame < self.loop[1]:
                        frame = self.loop[0]
                    stop_at = self.loop[1]
                    if self._loop_pcm is not None:  # a whole pass is kept: no ffmpeg
                        if not self._replay_loop():
                            return
                        continue
                    whole = frame == self.loop[0]
                    span = self.loop[1] - self.loop[0]
                    if whole and span <= LOOP_CACHE_SECONDS * self.rate:
                        self._capture = []
                reached = self._play_span(frame, stop_at)
                if self._capture is not None and reached is not None:
                    self._loop_pcm = np.concatenate(self._capture)
                self._capture = None
                if reached is None or self.loop is None:
                    break
                frame = self.loop[0]
            else:
                return
        except BaseException as exc:  # delivered to the consumer, never lost in a thread
            self._put(exc)
            return
        self._put(None)

    def _play_span(self, frame: int, stop_at: int | None) -> int | None:
        """Decode [frame, stop_at) into blocks; the next frame, or None when stopped."""
        start = frame / self.rate if frame > 0 else None
        end = stop_at / self.rate if stop_at is not None else None
        if end is not None and start is not None and end <= start:
            return frame
        stream = PcmStream(
            self.source, start=start, end=end, info=self.info, chunk_frames=_DECODE_CHUNK,
            strict=False, max_chunks_ahead=2,
        )  # fmt: skip
        pending = np.empty((0, self.channels), dtype=np.int16)
        with stream:
            for chunk in stream:
                if self._stop.is_set():
                    return None
                pending = np.concatenate([pending, chunk]) if pending.size else chunk
                while pending.shape[0] >= BLOCK_FRAMES:
                    if not self._emit(pending[:BLOCK_FRAMES], frame):
                        return None
                    frame += BLOCK_FRAMES
                    pending = pending[BLOCK_FRAMES:]
            if pending.shape[0] and not self._emit(pending, frame):
                return None
        return frame + pending.shape[0]

    def _replay_loop(self) -> bool:
        """One pass of the loop from the kept samples (through the hook again: the mix
        may have changed); False when stopped."""
        assert self._loop_pcm is not None and self.loop is not None
        for offset in range(0, self._loop_pcm.shape[0], BLOCK_FRAMES):
            block = self._loop_pcm[offset : offset + BLOCK_FRAMES]
            if not self._emit(block, self.loop[0] + offset):
                return False
        return True

    def _emit(self, pcm: np.ndarray, frame: int) -> bool:
        if self._capture is not None:
            self._capture.append(pcm)
        return self._put(_Decoded(pcm, frame))
