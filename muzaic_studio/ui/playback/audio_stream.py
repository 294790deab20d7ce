"""A QAudioSink fed from a `PcmFeed` on its own thread, and where in the file the ear is.

Why its own thread: the sink is fed in push mode from a pump that runs every 10 ms; on
the GUI thread a long paint or a big model update would starve it and the sound would
stutter. The worker (`_SinkWorker`) lives on a QThread with its own event loop, owns the
QAudioSink and writes the feed's blocks into it; the GUI side (`AudioStream`) only posts
commands (queued signals) and reads a position the worker publishes.

Why the sink is started once and then only corked (pause, end) and uncorked: with
PulseAudio, a freshly started stream takes up to 1-2 s before it asks for data (measured
with Qt 6.11 on a null sink), so stopping and restarting it on every seek or pause would
swallow the first second each time. Pause corks it at once and keeps what is queued, so
Space, Space goes on from the very frame; a seek queues the new audio behind what is
already in the sink (at most BUFFER_SECONDS) and the position waits for it.

Where the ear is: ``processedUSecs`` counts the frames the sound server has taken from
the sink; every block written is recorded as (frames written before it, its first frame
in the file), so the frame being heard maps back to file time exactly, through seeks and
loop wraps. Until the first frame of the current feed is taken the position is None
(the audio of the seek is not heard yet), and the player holds the playhead still.
"""

from __future__ import annotations

import bisect
import threading
import time
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer, Signal, Slot

from muzaic_studio.audio.errors import AudioError

#: Sink buffer in seconds: the most a seek waits behind old audio. Smaller risks dropouts
#: on a busy machine (0.1 s dropped out under the test suite's load on 2 cores: whole
#: blocks of 46 ms are written, so the level swings between full and full minus a block).
BUFFER_SECONDS = 0.25
PUMP_MS = 10
EXTRAPOLATE_SECONDS = 0.05


class _DeviceLost(Exception):
    pass


class _SinkWorker(QObject):
    """Owns the QAudioSink on the audio thread; every slot runs there."""

    failed = Signal(str)
    lost = Signal()  # the output device refused the stream or went away
    ended = Signal(int)  # generation whose feed has been played to its end

    def __init__(self, device: Any) -> None:
        super().__init__()
        self._device = device
        self._sink: Any = None
        self._io: Any = None
        self._rate = 0
        self._channels = 0
        self._feed: Any = None
        self._generation = 0
        self._pending: Any = None  # a block the sink had no room for yet
        self._written = 0  # frames written since the sink started
        self._marks: list[int] = []  # written-frame offset of each block of this feed
        self._starts: list[int] = []  # file frame of each of those blocks
        self._feed_done = False
        self._timer: QTimer | None = None
        self.lock = threading.Lock()
        #: (generation, file seconds heard or None, when, seconds it may be extrapolated),
        #: read by the GUI thread
        self.heard: tuple[int, float | None, float, float] = (0, None, 0.0, 0.0)
        self._last_heard = -1

    @Slot()
    def setup(self) -> None:
        self._timer = QTimer(self)
        self._timer.setInterval(PUMP_MS)
        self._timer.timeout.connect(self._pump)

    @Slot(object, int)
    def play(self, feed: Any, generation: int) -> None:
        """Play *feed* from now on (what is in the sink already plays first, at most
        BUFFER_SECONDS; it maps to no frame of *feed*, so the position waits)."""
        self._drop_feed()
        self._generation = generation
        with self.lock:
            self.heard = (generation, None, 0.0, 0.0)
        self._feed, self._feed_done = feed, False
        self._marks, self._starts = [], []
        if self._sink is not None:
            self._sink.resume()
        self._pump()
        assert self._timer is not None
        self._timer.start()

    @Slot()
    def pause(self) -> None:
        """Silence now (the stream is corked); the feed and what is queued stay, so
        `resume` goes on from the very frame it stopped at."""
        if self._sink is not None:
            self._sink.suspend()
        if self._timer is not None:
            self._timer.stop()

    @Slot()
    def resume(self) -> None:
        if self._sink is not None:
            self._sink.resume()
        assert self._timer is not None
        self._timer.start()

    @Slot()
    def shutdown(self) -> None:
        self._drop_feed()
        if self._timer is not None:
            self._timer.stop()
        self._stop_sink()

    # -- internals ---------------------------------------------------------------------
    def _drop_feed(self) -> None:
        if self._feed is not None:
            self._feed.close()
        self._feed, self._pending = None, None

    def _ensure_sink(self, rate: int, channels: int) -> None:
        if self._sink is not None and (rate, channels) == (self._rate, self._channels):
            return
        self._stop_sink()
        from PySide6.QtMultimedia import QAudioFormat, QAudioSink

        fmt = QAudioFormat()
        fmt.setSampleRate(rate)
        fmt.setChannelCount(channels)
        fmt.setSampleFormat(QAudioFormat.SampleFormat.Int16)
        sink = QAudioSink(self._device, fmt, self)
        sink.setBufferSize(int(rate * BUFFER_SECONDS) * channels * 2)
        io = sink.start()
        self._sink, self._io, self._rate, self._channels = sink, io, rate, channels
        self._written = 0
        if io is None or self._device_failed():
            raise _DeviceLost()

    def _stop_sink(self) -> None:
        if self._sink is not None:
            self._sink.stop()
            self._sink.deleteLater()
        self._sink = self._io = None
        self._written = 0

    def _device_failed(self) -> bool:
        from PySide6.QtMultimedia import QAudio

        return self._sink is not None and self._sink.error() in (
            QAudio.Error.OpenError,
            QAudio.Error.FatalError,
            QAudio.Error.IOError,
        )

    def _heard_frames(self) -> int:
        """Frames the sound server has taken from the sink since it started."""
        return self._sink.processedUSecs() * self._rate // 1_000_000

    def _pump(self) -> None:
        try:
            self._write_blocks()
            if self._device_failed():
                raise _DeviceLost()
        except _DeviceLost:
            self._drop_feed()
            self._stop_sink()
            self.lost.emit()
        except AudioError as exc:
            self._drop_feed()
            self.failed.emit(str(exc))
        if self._sink is not None:
            self._publish()

    def _write_blocks(self) -> None:
        if self._feed is not None and not self._marks and not self._feed.primed():
            return  # a new feed starts with a lead, or it would stutter on a busy machine
        while self._feed is not None:
            block = self._pending
            if block is None:
                try:
                    block = self._feed.next_block()
                except StopIteration:
                    self._feed_done = True
                    return
                if block is None:
                    return
                # the first block: the feed knows the file's format now
                self._ensure_sink(self._feed.rate, self._feed.channels)
            if self._sink.bytesFree() < len(block.data):
                self._pending = block
                return
            self._pending = None
            self._marks.append(self._written)
            self._starts.append(block.start_frame)
            self._io.write(block.data)
            self._written += block.frames

    def _publish(self) -> None:
        heard = self._heard_frames()
        seconds: float | None = None
        room = 0.0  # seconds the sound goes on from here without a jump (loop wrap, end)
        i = bisect.bisect_right(self._marks, heard) - 1
        if i >= 0:
            seconds = (self._starts[i] + heard - self._marks[i]) / self._rate
            following = self._marks[i + 1] if i + 1 < len(self._marks) else self._written
            if heard != self._last_heard:  # moving (not starting, not starved)
                room = (following - heard) / self._rate
        self._last_heard = heard
        with self.lock:
            self.heard = (self._generation, seconds, time.monotonic(), room)
        if self._feed_done and heard >= self._written and self._feed is not None:
            self._drop_feed()
            self.pause()  # a corked stream lets the sound server idle
            self.ended.emit(self._generation)


class AudioStream(QObject):
    """GUI-side handle: `play` a feed, `pause`/`resume`, read `heard_seconds`; `close`
    ends the thread."""

    failed = Signal(str)
    lost = Signal()
    ended = Signal()
    _play = Signal(object, int)
    _pause = Signal()
    _resume = Signal()
    _shutdown = Signal()

    def __init__(self, device: Any, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._thread = QThread()
        self._thread.setObjectName("audio-sink")
        self._worker = _SinkWorker(device)
        self._worker.moveToThread(self._thread)
        self._thread.started.connect(self._worker.setup)
        self._play.connect(self._worker.play)
        self._pause.connect(self._worker.pause)
        self._resume.connect(self._worker.resume)
        self._shutdown.connect(self._worker.shutdown)
        self._worker.failed.connect(self.failed)
        self._worker.lost.connect(self.lost)
        self._worker.ended.connect(self._on_ended)
        self._generation = 0
        self._thread.start()

    def play(self, feed: Any) -> None:
        """Play *feed* from now on, replacing what played before."""
        self._generation += 1
        self._play.emit(feed, self._generation)

    def pause(self) -> None:
        """Silence at once; `resume` goes on from the same frame, `play` replaces the feed."""
        self._pause.emit()

    def resume(self) -> None:
        self._resume.emit()

    def heard_seconds(self) -> float | None:
        """File time of the frame being heard now; None before the current feed is heard.

        The worker measures every pump (10 ms, later on a busy machine); between two
        measurements the position runs on from the last one by the time passed, at most
        `EXTRAPOLATE_SECONDS` and never past a loop wrap or the end.
        """
        with self._worker.lock:
            generation, seconds, stamp, room = self._worker.heard
        if generation != self._generation or seconds is None:
            return None
        return seconds + max(0.0, min(time.monotonic() - stamp, room, EXTRAPOLATE_SECONDS))

    def close(self) -> None:
        if self._thread.isRunning():
            self._shutdown.emit()
            self._thread.quit()
            self._thread.wait(3000)

    def _on_ended(self, generation: int) -> None:
        if generation == self._generation:
            self.ended.emit()
