"""The video preview dock: a QVideoWidget that follows the playhead, muted by default.

The playhead (``doc.playhead``) is the one clock; the video follows it, never the other
way round, so the soundtrack player, the ruler, Home/End and scrubbing all move the
picture the same way:

* paused (scrubbing, clicks, keys): every playhead change seeks, throttled to one seek per
  `SEEK_MS` with the newest position winning, so dragging the playhead across a long video
  does not queue hundreds of decodes behind the mouse;
* playing (the soundtrack player runs): the video plays on its own clock and is pulled
  back only when it drifts more than `RESYNC_S` from the playhead, because seeking 30
  times a second would stutter. Each start and each jump (play, a click on the ruler, a
  loop wrapping, a playhead coming back from past the video's end) cues the picture:
  paused on the playhead's frame until the playhead moves, i.e. until its sound is
  heard. Started at once, the picture ran ahead by the sound's start-up latency (about
  0.1 s, a steady lead under `RESYNC_S` that was never corrected).

The video's own sound is muted by default (the music is what the user is placing); the
dock's sound button and the video sound lane toggle the same `muted` state. On a machine
with no audio output no QAudioOutput is created at all (as in `Player`), so nothing can
block or crash in a missing audio service; the picture still plays. A Qt build without
QtMultimedia shows a sentence instead of the picture.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QSize, Qt, QTimer, QUrl, Signal
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from muzaic_studio.ui.icons import icon
from muzaic_studio.ui.playback.player import audio_outputs_available

if TYPE_CHECKING:  # Qt Multimedia is imported when a video is first shown: it may be absent
    from PySide6.QtMultimedia import QAudioOutput, QMediaPlayer

SEEK_MS = 40
RESYNC_S = 0.15


class JobRow(QWidget):
    """What a background video job is doing: text, bar, Cancel. Hidden when idle."""

    cancelRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setTextVisible(False)
        self.bar.setMaximumWidth(140)
        self.cancel_button = QToolButton(self)
        self.cancel_button.setText("Cancel")
        self.cancel_button.setIcon(icon("stop"))
        self.cancel_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.cancel_button.clicked.connect(self.cancelRequested)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.hide()

    def start(self, text: str, tip: str = "") -> None:
        self.label.setText(text)
        self.cancel_button.setToolTip(tip or f"Stop: {text}")
        self.bar.setValue(0)
        self.show()

    def set_progress(self, fraction: float) -> None:
        self.bar.setValue(round(max(0.0, min(1.0, fraction)) * 1000))

    def stop(self) -> None:
        self.hide()


class VideoDock(QWidget):
    """The picture of the project's video at the playhead."""

    mutedChanged = Signal(bool)

    def __init__(self, parent: QWidget | None = None, *, audio: bool | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("videoDock")
        self._audio_known = audio  # None: asked on first need (not at start-up: ~0.1 s)
        self._media: QMediaPlayer | None = None
        self._output: QAudioOutput | None = None
        self._video_widget: QWidget | None = None
        self._source: Path | None = None
        self._duration = 0.0
        self._playing = False
        self._loaded = False
        self._muted = True
        self._target = 0.0
        self._cue: float | None = None  # paused here until the playhead moves on
        self._applied: float | None = None
        self._seek_timer = QTimer(self, singleShot=True, interval=SEEK_MS)
        self._seek_timer.timeout.connect(self._apply_pending)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        self.placeholder = QLabel("No video. File > Import Video, or drop a video file here.")
        self.placeholder.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.placeholder.setWordWrap(True)
        self.placeholder.setMinimumSize(QSize(200, 120))
        layout.addWidget(self.placeholder, 1)
        self._layout = layout

        row = QHBoxLayout()
        row.setContentsMargins(4, 0, 4, 0)
        self.name_label = QLabel(self)
        self.name_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Preferred)
        self.sound_button = QToolButton(self)
        self.sound_button.setCheckable(True)
        self.sound_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextOnly)
        self.sound_button.toggled.connect(lambda on: self.set_muted(not on))
        row.addWidget(self.name_label, 1)
        row.addWidget(self.sound_button)
        layout.addLayout(row)
        self.job = JobRow(self)
        layout.addWidget(self.job)
        self._update_sound_button()

    @property
    def _audio(self) -> bool:
        """Whether a sound output exists: QtMultimedia and the sound server are asked
        when a video first needs it, not when the window is built."""
        if self._audio_known is None:
            self._audio_known = audio_outputs_available()
        return self._audio_known

    @_audio.setter
    def _audio(self, value: bool) -> None:
        self._audio_known = value

    # -- media -------------------------------------------------------------------------
    def _create_media(self) -> bool:
        """Made on the first video, not at start-up: loading QtMultimedia's backend costs
        time every launch, and most projects have no video."""
        if self._media is not None:
            return True
        try:
            from PySide6.QtMultimedia import QAudioOutput, QMediaDevices, QMediaPlayer
            from PySide6.QtMultimediaWidgets import QVideoWidget
        except ImportError:
            self.placeholder.setText("Video preview needs Qt Multimedia, which this build lacks.")
            self._audio = False
            return False
        self._video_widget = QVideoWidget(self)
        self._video_widget.setMinimumSize(QSize(200, 112))
        self._video_widget.hide()
        app = QApplication.instance()
        if isinstance(app, QApplication):
            app.focusChanged.connect(self._keep_focus_out_of_video)
        self._layout.insertWidget(1, self._video_widget, 1)
        self._media = QMediaPlayer(self)
        self._media.setVideoOutput(self._video_widget)
        if self._audio:
            self._output = QAudioOutput(QMediaDevices.defaultAudioOutput(), self)
            self._output.setMuted(self._muted)
            self._media.setAudioOutput(self._output)
        self._media.errorOccurred.connect(self._on_error)
        self._media.mediaStatusChanged.connect(self._on_status)
        return True

    def _keep_focus_out_of_video(self, old: QWidget | None, new: QWidget | None) -> None:
        """The picture has nothing to type into, but its native window takes the keyboard
        focus each time it is shown (a video imported, View > Video Layout): Space, the
        arrows and Delete then stopped reaching the timeline. Hand the focus back."""
        video = self._video_widget
        if video is None or old is None or new is None:
            return
        if (new is video or video.isAncestorOf(new)) and not (
            old is video or video.isAncestorOf(old)
        ):
            old.setFocus(Qt.FocusReason.OtherFocusReason)

    @property
    def media(self) -> object | None:
        """The QMediaPlayer (None without QtMultimedia); for tests and the workflow."""
        return self._media

    @property
    def video_widget(self) -> QWidget | None:
        return self._video_widget

    @property
    def source(self) -> Path | None:
        return self._source

    @property
    def loaded(self) -> bool:
        """True once the media has loaded and follows the playhead."""
        return self._loaded

    @property
    def has_audio_output(self) -> bool:
        """Whether the video's own sound can be heard here (an output device exists).
        Before a video is shown the answer is not needed yet: True, and `mutedChanged`
        says it again once a video is set."""
        if self._source is None and self._audio_known is None:
            return True
        return self._audio

    def media_position(self) -> float:
        return self._media.position() / 1000.0 if self._media is not None else 0.0

    def set_source(self, path: Path | None, duration: float = 0.0) -> None:
        """Show *path* (None: no video); *duration* comes from the probe, not from Qt."""
        self._source = Path(path) if path else None
        self._duration = max(0.0, float(duration))
        self._applied = None
        self.name_label.setText(self._source.name if self._source else "")
        self.name_label.setToolTip(str(self._source) if self._source else "")
        self._update_sound_button()
        if self._source is not None:
            self.mutedChanged.emit(self._muted)  # listeners learn `has_audio_output` now
        if self._media is None and (self._source is None or not self._create_media()):
            return
        assert self._media is not None and self._video_widget is not None  # made together
        self._media.stop()
        if self._source is None:
            self._media.setSource(QUrl())
            self._video_widget.hide()
            self.placeholder.show()
            return
        self.placeholder.hide()
        self._video_widget.show()
        self._loaded = False
        self._media.setSource(QUrl.fromLocalFile(str(self._source)))

    # -- following the playhead --------------------------------------------------------
    def follow(self, seconds: float) -> None:
        """The playhead moved to *seconds*."""
        self._target = max(0.0, float(seconds))
        if self._media is None or self._source is None or not self._loaded:
            return  # applied when the media has loaded
        if self._playing:
            if self._target >= self._duration:
                self._cue = None
                self._media.pause()
                return
            if self._cue is not None and abs(self._target - self._cue) <= RESYNC_S:
                if self._target != self._cue:  # the sound is heard: the picture goes with it
                    self._cue = None
                    self._media.play()
                return
            if self._cue is not None or abs(self.media_position() - self._target) > RESYNC_S:
                self._cue_at(self._target)
            return
        if self._seek_timer.isActive():
            return  # the timer applies the newest target when it fires
        self._seek(self._target)
        self._seek_timer.start()

    def _apply_pending(self) -> None:
        if self._applied is None or abs(self._applied - self._clamped(self._target)) > 1e-4:
            self._seek(self._target)

    def _clamped(self, seconds: float) -> float:
        if self._duration <= 0:
            return max(0.0, seconds)
        # Just before the end: a player at EndOfMedia stops and shows no frame on seek.
        return min(max(0.0, seconds), max(0.0, self._duration - 0.04))

    def _seek(self, seconds: float) -> None:
        if self._media is None:
            return
        pos = self._clamped(seconds)
        self._applied = pos
        self._media.setPosition(round(pos * 1000))

    def _cue_at(self, seconds: float) -> None:
        """Show *seconds*' frame, paused, and play on when the playhead moves past it."""
        assert self._media is not None
        self._cue = seconds
        self._media.pause()  # paused before the seek, so the frame shown is the target's
        self._seek(seconds)

    def set_playing(self, playing: bool) -> None:
        """The soundtrack player started or stopped: play or pause the picture with it."""
        self._playing = bool(playing)
        if self._media is None or self._source is None:
            return
        self._seek_timer.stop()
        if not self._loaded:
            return  # applied when the media has loaded
        if self._playing and self._target < self._duration:
            self._cue_at(self._target)
        else:
            self._cue = None
            # Paused first, then the seek: a seek made while playing can land after the
            # frame the pause then freezes on, leaving a picture ahead of the playhead.
            self._media.pause()
            self._seek(self._target)

    @property
    def playing(self) -> bool:
        return self._playing

    # -- the video's own sound ---------------------------------------------------------
    @property
    def muted(self) -> bool:
        return self._muted

    def set_muted(self, muted: bool) -> None:
        muted = bool(muted) or not self._audio
        if self._output is not None:
            self._output.setMuted(muted)
        if muted != self._muted:
            self._muted = muted
            self._update_sound_button()
            self.mutedChanged.emit(muted)

    def _update_sound_button(self) -> None:
        b = self.sound_button
        b.blockSignals(True)
        b.setChecked(not self._muted)
        b.blockSignals(False)
        b.setEnabled(self._source is not None and self._audio)
        b.setText("Video sound: on" if not self._muted else "Video sound: off")
        if self._source is not None and not self._audio:
            b.setToolTip("No audio output device: the video's own sound cannot be played")
        else:
            b.setToolTip("Hear the video's own sound along with the music (off by default)")

    # -- status ------------------------------------------------------------------------
    def _on_error(self, _error: object, text: str) -> None:
        self.name_label.setText(f"Cannot play this video: {text or 'unknown error'}")

    def _on_status(self, status: object) -> None:
        from PySide6.QtMultimedia import QMediaPlayer

        if self._media is None:
            return
        if status == QMediaPlayer.MediaStatus.LoadedMedia and not self._loaded:
            # Paused, not stopped: only a paused player shows the frame a seek lands on.
            # (Before this status a pause or seek is dropped by the backend.)
            self._loaded = True
            self.set_playing(self._playing)
        elif status == QMediaPlayer.MediaStatus.EndOfMedia:
            self._media.pause()

    def close_media(self) -> None:
        self._seek_timer.stop()
        if self._media is not None:
            self._media.stop()
            self._media.setSource(QUrl())
