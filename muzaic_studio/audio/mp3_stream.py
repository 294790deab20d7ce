"""The offline engine's MP3 encoder: fed piece by piece, encoding on every core.

LAME encodes on one core, about half a second per minute of music here: for "Render
changes" the largest part of the wait (issue 17). A soundtrack whose length is known up
front is cut into segments, one ffmpeg per segment, all running at once; their frames are
joined into one file (audio/mp3_frames.py). The result is byte for byte what a single
ffmpeg run makes of the whole (tests/audio/test_mp3_stream.py), which holds because:

- the bit reservoir is off (`-reservoir 0`, in every encode: audio/ffmpeg.py), so each
  frame holds its own bits and a frame from one encoder can follow a frame from another;
- each segment's encoder starts PREROLL frames early and runs LOOKAHEAD frames late, and
  those frames are dropped: the filter bank and the psychoacoustic model have then seen
  the same samples as a single encoder at every frame kept (without them a join is heard:
  9-52 dB more error in the frame before it);
- the encode is VBR (audio/ffmpeg.py MP3_VBR_QUALITY), whose frames carry no padding
  bit: a segment may start on any frame. (A CBR encode pads now and then, in a pattern
  that would have tied the segment starts to its period.)

Turning the reservoir off left the error against the source within 0.02 dB (CBR) and
0.00 dB (VBR) of an encode with it (a 120 s render).
"""

from __future__ import annotations

import contextlib
import os
import queue
import subprocess
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from muzaic_studio.audio import mp3_frames
from muzaic_studio.audio.ffmpeg import FFmpegError, kill_process, mp3_command

if TYPE_CHECKING:
    import numpy as np

PREROLL = 4  # frames each later segment's encoder starts before its first kept frame
LOOKAHEAD = 4  # frames each segment's encoder runs past its last kept frame
MIN_SEGMENT_S = 15.0  # shorter segments save less than an ffmpeg start costs
MAX_SEGMENTS = 8


@dataclass(frozen=True)
class Segment:
    """One encoder's share: input samples [start, stop), of whose output frames
    [keep_from, keep_to) go into the file (keep_to None: to the end)."""

    start: int
    stop: int | None
    keep_from: int
    keep_to: int | None


def plan(total: int, rate: int, parts: int) -> list[Segment]:
    """Up to *parts* segments of a *total*-sample soundtrack (one if it cannot be cut:
    short, or a sample rate whose frames are not MPEG-1's, which mp3_frames reads)."""
    whole = [Segment(0, None, 0, None)]
    parts = min(parts, int(total // (MIN_SEGMENT_S * rate)), MAX_SEGMENTS)
    if parts < 2 or rate not in (32000, 44100, 48000):
        return whole
    fr = mp3_frames.SAMPLES_PER_FRAME
    n_frames = total // fr
    firsts = [0]  # first input frame of each segment
    for k in range(1, parts):
        first = k * n_frames // parts
        if first - firsts[-1] > PREROLL + LOOKAHEAD and first + PREROLL < n_frames:
            firsts.append(first)
    if len(firsts) < 2:
        return whole
    kept = [0] + [f + PREROLL for f in firsts[1:]]  # first kept frame of each segment
    segments = []
    for k, first in enumerate(firsts):
        last = k == len(firsts) - 1
        stop = None if last else min(total, (kept[k + 1] + LOOKAHEAD) * fr)
        keep_to = None if last else kept[k + 1] - first
        segments.append(Segment(first * fr, stop, kept[k] - first, keep_to))
    return segments


class _Encoder:
    """One ffmpeg encoding what a feeder thread writes to it, as it comes: `put` never
    waits for the encoder, so the segments' encoders all work at once."""

    def __init__(self, cmd: list[str], written: Callable[[np.ndarray], None] | None) -> None:
        # closed by finish() or abort(): the encoder outlives any with-block here
        self._out = tempfile.TemporaryFile()  # noqa: SIM115
        self._err = tempfile.TemporaryFile()  # noqa: SIM115 (a file, not a pipe: no drain)
        try:
            self._proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=self._out,
                                          stderr=self._err)  # fmt: skip
        except OSError:
            self._close_files()
            raise
        self._pieces: queue.SimpleQueue[np.ndarray | None] = queue.SimpleQueue()
        self._written = written
        self.error: Exception | None = None  # what stopped the feeder, if anything
        self._feeder = threading.Thread(target=self._feed, name="mp3-feed", daemon=True)
        self._feeder.start()

    def put(self, pcm: np.ndarray) -> None:
        self._pieces.put(pcm)

    def _feed(self) -> None:
        """Write the queued pieces until None; stdin is closed whatever happens, so the
        encoder always ends (a feeder that died early would leave finish() waiting)."""
        stdin = self._proc.stdin
        assert stdin is not None
        try:
            while (pcm := self._pieces.get()) is not None:
                if self.error is not None:
                    continue  # drain: put() never blocks, finish() raises the error
                try:
                    stdin.write(memoryview(pcm).cast("B"))  # type: ignore[arg-type]
                    if self._written is not None:
                        self._written(pcm)
                except OSError:
                    pass  # ffmpeg ended early: finish() says why
                except Exception as exc:  # re-raised by finish()
                    self.error = exc
        finally:
            with contextlib.suppress(OSError):
                stdin.close()

    def finish(self) -> bytes:
        self._pieces.put(None)
        self._feeder.join()
        code = self._proc.wait()
        try:
            if self.error is not None:
                raise self.error
            if code != 0:
                self._err.seek(0)
                raise FFmpegError.exited(code, self._err.read().decode("utf-8", "replace"))
            self._out.seek(0)
            return self._out.read()
        finally:
            self._close_files()

    def abort(self) -> None:
        kill_process(self._proc)
        self._pieces.put(None)
        self._feeder.join()
        self._close_files()

    def _close_files(self) -> None:
        self._out.close()
        self._err.close()


class Mp3Stream:
    """`encode_mp3` fed piece by piece, the encoders starting before the audio is complete.

    `write` the int16 (frames, channels) pieces in order, then `finish()` for the MP3
    bytes, identical to `encode_mp3` of the whole; `abort()` if the audio will not be
    completed. With `total` (the number of frames that will be written) a long stream is
    encoded in up to `parts` segments at once (default: one per core; the bytes are the
    same for any number). Pieces are read later, on feeder threads: they must
    not change after `write` (the engine hands over finished soundtrack); `written(piece)`
    is called once a piece is with its encoder (the engine lets its pages go then).
    Not thread-safe."""

    def __init__(
        self,
        rate: int = 44100,
        channels: int = 2,
        total: int | None = None,
        written: Callable[[np.ndarray], None] | None = None,
        parts: int | None = None,
    ) -> None:
        parts = parts or os.cpu_count() or 1
        self._total = total
        self._plan = plan(total or 0, rate, parts)  # no total: one encoder
        cmd = mp3_command(rate, channels)
        self._encoders: list[_Encoder] = []
        try:
            for _ in self._plan:
                self._encoders.append(_Encoder(cmd, written))
        except BaseException:
            self.abort()
            raise
        self._pos = 0

    def write(self, pcm: np.ndarray) -> None:
        import numpy as np

        pcm = np.ascontiguousarray(pcm, dtype=np.int16)
        a, b = self._pos, self._pos + len(pcm)
        for seg, encoder in zip(self._plan, self._encoders, strict=True):
            lo, hi = max(a, seg.start), b if seg.stop is None else min(b, seg.stop)
            if hi > lo:
                encoder.put(pcm[lo - a : hi - a])
        self._pos = b

    def finish(self) -> bytes:
        try:
            if self._total is not None and self._pos != self._total:
                raise ValueError(f"{self._pos} frames written, {self._total} announced")
            outs = [encoder.finish() for encoder in self._encoders]
        except BaseException:
            self.abort()
            raise
        if len(outs) == 1:
            return outs[0]
        parts = [mp3_frames.split(out) for out in outs]
        frames: list[bytes] = []
        for seg, part in zip(self._plan, parts, strict=True):
            frames += part.frame_bytes(seg.keep_from, seg.keep_to)
        return mp3_frames.join(parts[0], frames, parts[-1].padding)

    def abort(self) -> None:
        for encoder in self._encoders:
            encoder.abort()
