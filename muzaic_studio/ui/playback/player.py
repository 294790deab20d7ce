"""Playback of the rendered soundtrack: decoded PCM streamed into a QAudioSink.

Like Picard's player wrapper, the rest of the app never touches QtMultimedia: it talks to
`Player` (play/pause/seek/loop/set_source) and listens to its own signals. Its position is
driven by one clock so the playhead logic is the same with or without sound:

* with an audio output, ffmpeg decodes the file from the playhead in a worker thread
  (`audio.pcm_feed.PcmFeed`: bounded, never the whole soundtrack), each block goes through
  the ``process`` hook (the live mix: identity until ``audio/mix.py`` plugs in) and into
  a QAudioSink on its own thread (`audio_stream.AudioStream`). The position is the file
  time of the frame the sound server is taking now, so the playhead shows what is heard,
  and after a seek it waits at the seek target until that audio is heard. Why not
  QMediaPlayer: it plays a file and cannot apply the app's own mix while playing;
* with no audio output (a server, CI, a machine without a sound card) no sink is created
  at all, so nothing can block in a missing audio service; a monotonic clock moves the
  position instead and the user is told once that playback is silent.

Loop and "stop at" (used to preview one library hash inside a longer file) go into the
feed, so a loop wraps sample-exactly; without a device they are applied to the clock.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, Signal

if TYPE_CHECKING:
    from muzaic_studio.audio.decode import AudioInfo
    from muzaic_studio.audio.pcm_feed import PcmFeed, ProcessFn
    from muzaic_studio.ui.playback.audio_stream import AudioStream

TICK_MS = 33
NO_DEVICE_MESSAGE = (
    "No audio output device found: playback is silent, the playhead still runs. "
    "Connect headphones or speakers (or start the sound server) to hear the render."
)


def audio_outputs_available() -> bool:
    """True when Qt lists at least one audio output (never blocks without a sound server)."""
    try:
        from PySide6.QtMultimedia import QMediaDevices
    except ImportError:  # a Qt build without QtMultimedia
        return False
    return bool(QMediaDevices.audioOutputs())


class Player(QObject):
    positionChanged = Signal(float)  # seconds, ~30 times a second while playing
    playingChanged = Signal(bool)
    loopChanged = Signal(object)  # (start, end) in seconds, or None
    sourceChanged = Signal(object)  # Path or None
    message = Signal(str, str)  # text, kind ("info", "warning", "error")

    def __init__(self, parent: QObject | None = None, *, audio: bool | None = None) -> None:
        super().__init__(parent)
        self._auto = audio is None  # detect outputs again at play (a device plugged in later)
        # None: ask Qt for outputs when first needed (`has_audio`, `play`, `prepare_audio`):
        # QtMultimedia's import and the sound-server connection cost ~0.1 s, which
        # start-up must not spend before the first paint (issue 17).
        self._audio = audio
        self._stream: AudioStream | None = None
        self._process: ProcessFn | None = None
        self._info: tuple[Path, AudioInfo] | None = None  # probed format of the source
        self._feed: PcmFeed | None = None
        self._hold: float | None = None  # a seek target whose audio is not heard yet
        self._resumable = False  # paused stream that can go on from where it stopped
        self._source: Path | None = None
        self._duration = 0.0
        self._position = 0.0
        self._playing = False
        self._loop: tuple[float, float] | None = None
        self._stop_at: float | None = None
        self._told_silent = False
        self._clock = QElapsedTimer()
        self._clock_origin = 0.0  # position when the clock was (re)started
        self._tick = QTimer(self)
        self._tick.setInterval(TICK_MS)
        self._tick.timeout.connect(self._on_tick)
        if self._audio:
            self._create_stream()

    # -- state --------------------------------------------------------------------------
    @property
    def has_audio(self) -> bool:
        self.prepare_audio()
        return self._stream is not None

    def prepare_audio(self) -> None:
        """Find the sound output and open the stream now (once), if not done yet."""
        if self._audio is None and self._stream is None:
            self._audio = audio_outputs_available()
            if self._audio:
                self._create_stream()

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def position(self) -> float:
        """Seconds; while the sound plays, what is heard at this very moment (the signal
        and the playhead follow at TICK_MS)."""
        if self._playing and self._stream is not None:
            heard = self._stream.heard_seconds()
            if heard is not None:
                return heard
        return self._position

    @property
    def duration(self) -> float:
        return self._duration

    @property
    def source(self) -> Path | None:
        return self._source

    @property
    def loop(self) -> tuple[float, float] | None:
        return self._loop

    # -- the live mix -------------------------------------------------------------------
    def set_process(self, process: ProcessFn | None) -> None:
        """Apply *process* (``audio.pcm_feed.ProcessFn``; None: the render as is) to every
        block played from now on. While playing, the stream restarts at the playhead so
        the new mix is heard at once (the ~60 ms already in the sink plays out first)."""
        self._process = process
        self._resumable = False
        if self._playing and self._stream is not None:
            self._start_feed(self._position)

    # -- commands -----------------------------------------------------------------------
    def set_source(
        self, path: str | Path | None, duration: float, *, keep_position: bool = True
    ) -> None:
        """Load *path* (an MP3/WAV); *duration* is known from the render, not probed here."""
        was_playing = self._playing
        position = self._position if keep_position else 0.0
        self._pause_internal()
        self._resumable = False
        self._source = Path(path) if path else None
        self._duration = max(0.0, float(duration))
        self._stop_at = None
        self._set_position(min(position, self._duration))
        self.sourceChanged.emit(self._source)
        if was_playing and self._source:
            self.play()

    def play(self, start: float | None = None, *, stop_at: float | None = None) -> bool:
        """Play from *start* (default: where it is); False when there is nothing to play."""
        if self._source is None or self._duration <= 0:
            self.message.emit("Nothing to play yet: render the soundtrack first.", "info")
            return False
        pos = self._position if start is None else float(start)
        if self._loop and not (self._loop[0] <= pos < self._loop[1]):
            pos = self._loop[0]
        if pos >= self._duration - 0.02:
            pos = 0.0  # at the end: start over, as every player does
        resume = self._resumable and stop_at == self._stop_at and abs(pos - self._position) < 1e-6
        self._stop_at = stop_at
        if self._stream is None and self._auto and audio_outputs_available():
            self._create_stream()
        was_playing, self._playing = self._playing, True  # so the jump counts as playback
        self._set_position(pos)
        if self._stream is None and not self._told_silent:
            self._told_silent = True
            self.message.emit(NO_DEVICE_MESSAGE, "warning")
        if self._stream is not None and resume:
            self._stream.resume()
        elif self._stream is not None:
            self._start_feed(pos)
        self._resumable = False
        self._clock_origin = pos
        self._clock.start()
        self._tick.start()
        if not was_playing:
            self.playingChanged.emit(True)
        return True

    def pause(self) -> None:
        if self._playing:
            self._pause_internal()

    def toggle(self, start: float | None = None) -> bool:
        """Space: pause when playing, else play from *start*. Returns whether it now plays."""
        if self._playing:
            self.pause()
            return False
        return self.play(start)

    def stop(self) -> None:
        self._pause_internal()
        self._resumable = False
        self._set_position(0.0)

    def seek(self, seconds: float) -> None:
        pos = min(max(0.0, float(seconds)), self._duration) if self._duration else max(0.0, seconds)
        if abs(pos - self._position) < 1e-6:
            return
        if self._stream is not None and self._playing:
            self._start_feed(pos)
        self._resumable = False
        self._clock_origin = pos
        self._clock.restart()
        self._set_position(pos)

    def set_loop(self, span: tuple[float, float] | None) -> None:
        if span is not None:
            start, end = float(span[0]), float(span[1])
            span = None if end - start < 0.05 else (max(0.0, start), end)
        if span != self._loop:
            self._loop = span
            self._resumable = False
            self.loopChanged.emit(span)
            if self._stream is not None and self._playing:
                pos = self._position
                if span and not span[0] <= pos < span[1]:
                    pos = span[0]
                self._start_feed(pos)  # the feed wraps at the loop's end itself

    def close(self) -> None:
        self._pause_internal()
        if self._stream is not None:
            self._stream.close()

    # -- the clock ----------------------------------------------------------------------
    def advance(self, seconds: float) -> None:
        """Move a playing clock-driven position by *seconds* (what a tick does; for tests)."""
        self._clock_origin += seconds
        self._on_tick()

    def _elapsed(self) -> float:
        return self._clock.elapsed() / 1000.0 if self._clock.isValid() else 0.0

    def _on_tick(self) -> None:
        if not self._playing:
            return
        if self._stream is not None:
            heard = self._stream.heard_seconds()
            if heard is None:  # the new feed is not heard yet: the playhead waits for it
                heard = self._hold if self._hold is not None else self._position
            else:
                self._hold = None
            self._set_position(heard)
            return
        pos = self._clock_origin + self._elapsed()
        end = self._duration
        if self._stop_at is not None:
            end = min(end, self._stop_at)
        if self._loop and pos >= self._loop[1]:
            self.seek(self._loop[0])
            return
        if pos >= end:
            self._set_position(end)
            self._pause_internal()
            return
        self._set_position(pos)

    def _pause_internal(self) -> None:
        self._tick.stop()
        if self._stream is not None and self._playing:
            self._stream.pause()
            heard = self._stream.heard_seconds()
            if heard is not None:  # where the sound stopped, so a resume goes on from there
                self._set_position(heard)
                self._resumable = True
        self._hold = None
        if self._playing:
            self._playing = False
            self.playingChanged.emit(False)

    def _set_position(self, seconds: float) -> None:
        if abs(seconds - self._position) > 1e-6:
            self._position = seconds
            self.positionChanged.emit(seconds)

    # -- the audio stream ---------------------------------------------------------------
    def _create_stream(self) -> None:
        try:
            from PySide6.QtMultimedia import QMediaDevices

            from muzaic_studio.ui.playback.audio_stream import AudioStream
        except ImportError:  # a Qt build without QtMultimedia
            self._audio = False
            return
        self._stream = AudioStream(QMediaDevices.defaultAudioOutput(), self)
        self._stream.failed.connect(self._on_stream_failed)
        self._stream.lost.connect(self._on_device_lost)
        self._stream.ended.connect(self._on_stream_ended)

    def _start_feed(self, pos: float) -> None:
        """Decode and play from *pos*; the playhead holds there until it is heard."""
        from muzaic_studio.audio.pcm_feed import PcmFeed

        assert self._stream is not None and self._source is not None
        rate = self._info[1].rate if self._info and self._info[0] == self._source else 44100
        info = self._info[1] if self._info and self._info[0] == self._source else None
        loop = None
        if self._loop:
            loop = (round(self._loop[0] * rate), round(self._loop[1] * rate))
        end = min(self._duration, self._stop_at) if self._stop_at is not None else None
        feed = PcmFeed(
            self._source, round(pos * rate), process=self._process, loop=loop,
            end_frame=round(end * rate) if end is not None else None, info=info,
        )  # fmt: skip
        self._remember_info()
        self._feed = feed
        self._hold = pos
        self._stream.play(feed)

    def _remember_info(self) -> None:
        """Keep the format the last feed probed, so the next seek skips the probe."""
        feed = self._feed
        if feed is not None and feed.info is not None and feed.source == self._source:
            self._info = (self._source, feed.info)

    def _on_stream_ended(self) -> None:
        end = self._duration if self._stop_at is None else min(self._duration, self._stop_at)
        self._pause_internal()
        self._resumable = False
        self._set_position(end)

    def _on_device_lost(self) -> None:
        """The output refused the stream or went away: go on silently on the clock, as a
        machine without a device does (a device found again is used at the next play)."""
        stream, self._stream = self._stream, None
        self._resumable = False
        if stream is not None:
            stream.close()
            stream.deleteLater()
        if not self._told_silent:
            self._told_silent = True
            self.message.emit(NO_DEVICE_MESSAGE, "warning")
        self._hold = None
        self._clock_origin = self._position
        self._clock.restart()

    def _on_stream_failed(self, text: str) -> None:
        self._pause_internal()
        self._resumable = False
        self.message.emit(f"Playback failed: {text or 'unknown error'}.", "error")
