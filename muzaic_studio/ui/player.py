"""Playback of the rendered soundtrack: QMediaPlayer + QAudioOutput behind a small API.

Like Picard's player wrapper, the rest of the app never touches QtMultimedia: it talks to
`Player` (play/pause/seek/loop/set_source) and listens to its own signals. Its position is
driven by one clock so the playhead logic is the same with or without sound:

* with an audio output, the position is read from QMediaPlayer at ~30 Hz (its own
  ``positionChanged`` comes only a few times per second, too coarse for a playhead);
* with no audio output (a server, CI, a machine without a sound card) no QMediaPlayer is
  created at all, so nothing can block in a missing audio service; a monotonic clock
  moves the position instead and the user is told once that playback is silent.

Loop and "stop at" (used to preview one library hash inside a longer file) are applied to
that position, so both are tested without a sound card.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QElapsedTimer, QObject, QTimer, QUrl, Signal

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
        self._audio = audio_outputs_available() if audio is None else audio
        self._pending_seek: float | None = None  # applied once QMediaPlayer has loaded
        self._media = None
        self._output = None
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
            self._create_media()

    # -- state --------------------------------------------------------------------------
    @property
    def has_audio(self) -> bool:
        return self._media is not None

    @property
    def playing(self) -> bool:
        return self._playing

    @property
    def position(self) -> float:
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

    # -- commands -----------------------------------------------------------------------
    def set_source(
        self, path: str | Path | None, duration: float, *, keep_position: bool = True
    ) -> None:
        """Load *path* (an MP3/WAV); *duration* is known from the render, not probed here."""
        was_playing = self._playing
        position = self._position if keep_position else 0.0
        self._pause_internal()
        self._source = Path(path) if path else None
        self._duration = max(0.0, float(duration))
        self._stop_at = None
        if self._media is not None:
            self._media.setSource(QUrl.fromLocalFile(str(self._source)) if self._source else QUrl())
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
        self._stop_at = stop_at
        if self._media is None and self._auto and audio_outputs_available():
            self._create_media()
            if self._media is not None and self._source is not None:
                self._media.setSource(QUrl.fromLocalFile(str(self._source)))
        was_playing, self._playing = self._playing, True  # so the jump counts as playback
        self._set_position(pos)
        if self._media is None and not self._told_silent:
            self._told_silent = True
            self.message.emit(NO_DEVICE_MESSAGE, "warning")
        if self._media is not None:
            self._media_seek(pos)
            self._media.play()
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
        self._set_position(0.0)

    def seek(self, seconds: float) -> None:
        pos = min(max(0.0, float(seconds)), self._duration) if self._duration else max(0.0, seconds)
        if abs(pos - self._position) < 1e-6:
            return
        if self._media is not None:
            self._media_seek(pos)
        self._clock_origin = pos
        self._clock.restart()
        self._set_position(pos)

    def set_loop(self, span: tuple[float, float] | None) -> None:
        if span is not None:
            start, end = float(span[0]), float(span[1])
            span = None if end - start < 0.05 else (max(0.0, start), end)
        if span != self._loop:
            self._loop = span
            self.loopChanged.emit(span)

    def close(self) -> None:
        self._pause_internal()
        if self._media is not None:
            self._media.setSource(QUrl())

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
        if self._media is not None and self._media.isPlaying():
            pos = self._media.position() / 1000.0
        else:
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
        if self._media is not None:
            self._media.pause()
        if self._playing:
            self._playing = False
            self.playingChanged.emit(False)

    def _set_position(self, seconds: float) -> None:
        if abs(seconds - self._position) > 1e-6:
            self._position = seconds
            self.positionChanged.emit(seconds)

    # -- QtMultimedia -------------------------------------------------------------------
    def _create_media(self) -> None:
        try:
            from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer
        except ImportError:
            self._audio = False
            return
        self._output = QAudioOutput(QMediaDevices.defaultAudioOutput(), self)
        self._media = QMediaPlayer(self)
        self._media.setAudioOutput(self._output)
        self._media.errorOccurred.connect(self._on_media_error)
        self._media.mediaStatusChanged.connect(self._on_media_status)

    def _media_seek(self, seconds: float) -> None:
        """Seek now if the file is loaded, else as soon as it is (a seek while QMediaPlayer
        is still loading is dropped by some backends)."""
        from PySide6.QtMultimedia import QMediaPlayer

        assert self._media is not None
        status = self._media.mediaStatus()
        if status in (QMediaPlayer.MediaStatus.LoadingMedia, QMediaPlayer.MediaStatus.NoMedia):
            self._pending_seek = seconds
        else:
            self._media.setPosition(round(seconds * 1000))

    def _on_media_status(self, status: object) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if status == QMediaPlayer.MediaStatus.LoadedMedia and self._pending_seek is not None:
            self._media.setPosition(round(self._pending_seek * 1000))  # type: ignore[union-attr]
            self._pending_seek = None
        elif status == QMediaPlayer.MediaStatus.InvalidMedia:
            self._pause_internal()
            self.message.emit("This audio file cannot be played.", "error")

    def _on_media_error(self, _error: object, text: str) -> None:
        self._pause_internal()
        self.message.emit(f"Playback failed: {text or 'unknown error'}.", "error")
