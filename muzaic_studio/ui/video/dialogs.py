"""The two dialogs of the video workflow: Regions from Scenes, and Export Video.

Regions from Scenes shows, while the minimum scene length is changed, how many regions the
cuts will make (`video.regions_from_scenes` is pure and instant), and says plainly when
the regions already on the timeline will be replaced; applying is one undo step.

Export Video offers only the containers that can take the video's picture as it is
(`video.containers_for`), the three sound modes (mix and duck only when the video has
sound of its own), and runs `video.export_video` on a worker with a progress bar and
Cancel. The file appears atomically, so a cancel or failure leaves nothing behind and an
older export of the same name untouched; errors are shown in the video layer's words.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from muzaic_studio.ui.export.job import ExportJobDialog
from muzaic_studio.video import (
    CONTAINERS,
    ExportOptions,
    VideoInfo,
    containers_for,
    default_container,
    length_note,
)
from muzaic_studio.video.scenes import regions_from_scenes
from muzaic_studio.wording import plural

CONTAINER_NAMES = {
    "mp4": "MP4 (H.264/HEVC/AV1 players everywhere)",
    "mov": "MOV (QuickTime, editors)",
    "mkv": "MKV (Matroska, any codec)",
}
MODE_TEXTS = {
    "replace": ("Replace", "Only the new music; the video's own sound is dropped"),
    "mix": ("Mix", "The new music plus the video's own sound"),
    "duck": (
        "Duck",
        "Like Mix, but the music dips wherever the video's own sound is loud (speech)",
    ),
}


def error_text(exc: BaseException) -> str:
    text = str(exc) or type(exc).__name__
    return text if text.endswith(".") else text + "."


class RegionsFromScenesDialog(QDialog):
    """Pick the minimum scene length; `spans()` are the regions to create."""

    def __init__(
        self,
        cuts: list[float],
        duration: float,
        existing: int,
        min_len: float = 2.0,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Regions from Scenes")
        self.setObjectName("regionsFromScenesDialog")
        self.cuts = list(cuts)
        self.duration = duration
        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.min_spin = QDoubleSpinBox(self)
        self.min_spin.setRange(0.5, 120.0)
        self.min_spin.setDecimals(1)
        self.min_spin.setSingleStep(0.5)
        self.min_spin.setSuffix(" s")
        self.min_spin.setValue(min_len)
        self.min_spin.setToolTip("Scenes shorter than this are joined to the next scene")
        self.min_spin.valueChanged.connect(self._update)
        form.addRow("Shortest scene:", self.min_spin)
        layout.addLayout(form)
        self.summary = QLabel(self)
        self.summary.setWordWrap(True)
        layout.addWidget(self.summary)
        self.replace_note = QLabel(self)
        self.replace_note.setWordWrap(True)
        self.replace_note.setVisible(existing > 0)
        self.replace_note.setText(
            f"The {plural(existing, 'region')} now on the timeline will be replaced "
            "(Undo brings them back)."
        )
        layout.addWidget(self.replace_note)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, parent=self
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Create Regions")
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        self._update()

    @property
    def min_len(self) -> float:
        return float(self.min_spin.value())

    def spans(self) -> list[tuple[float, float]]:
        return regions_from_scenes(self.cuts, self.duration, self.min_len)

    def _update(self) -> None:
        n = len(self.spans())
        scenes = len(self.cuts) + 1
        merged = scenes - n
        text = f"{plural(n, 'generate region')}, one per scene"
        if merged > 0:
            text += f" ({plural(merged, 'short scene')} joined to the next)"
        self.summary.setText(text + ".")


class ExportVideoDialog(ExportJobDialog):
    """Export the video with the rendered soundtrack; runs on a worker; `exported` carries its Path."""

    #: Extra `video.ExportOptions` fields from the project (mix regions, chapters).
    project_options: dict[str, Any] = {}  # noqa: RUF012 - replaced per dialog, never mutated

    def __init__(
        self,
        info: VideoInfo,
        soundtrack: Path,
        *,
        stale_render: bool = False,
        original_heard: bool = True,
        soundtrack_seconds: float | None = None,
        parent: QWidget | None = None,
    ) -> None:
        """*original_heard*: whether the editor plays the video's own sound (its lane's
        mute button). The default sound mode exports what the user has been hearing:
        ducked under the music when audible, replaced when muted. *soundtrack_seconds*:
        the rendered soundtrack's length, so the dialog can say before exporting that the
        music is cut at the video's end (or that the video ends in silence)."""
        super().__init__(parent)
        self.setWindowTitle("Export Video")
        self.setObjectName("exportVideoDialog")
        self.info = info
        self.soundtrack = Path(soundtrack)
        self.result_path: Path | None = None

        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.container_combo = QComboBox(self)
        for name in containers_for(info):
            self.container_combo.addItem(CONTAINER_NAMES[name], name)
        self.container_combo.setCurrentIndex(self.container_combo.findData(default_container(info)))
        self.container_combo.currentIndexChanged.connect(self._container_changed)
        self.container_combo.setToolTip(
            f"Only containers that take this video's {info.video_codec} picture without re-encoding"
        )
        form.addRow("Container:", self.container_combo)

        mode_row = QHBoxLayout()
        self.mode_group = QButtonGroup(self)
        self.mode_buttons: dict[str, QRadioButton] = {}
        for mode, (text, tip) in MODE_TEXTS.items():
            button = QRadioButton(text, self)
            button.setToolTip(tip)
            button.setEnabled(mode == "replace" or info.has_audio)
            self.mode_group.addButton(button)
            self.mode_buttons[mode] = button
            mode_row.addWidget(button)
        mode_row.addStretch(1)
        heard = info.has_audio and original_heard
        self.mode_buttons["duck" if heard else "replace"].setChecked(True)
        self.mode_group.buttonToggled.connect(self._mode_changed)
        form.addRow("Sound:", mode_row)
        if not info.has_audio:
            form.addRow(
                "", QLabel("This video has no sound of its own: the music replaces nothing.")
            )

        self.music_gain = self._gain_spin(0.0, "Loudness of the new music")
        form.addRow("Music:", self.music_gain)
        self.original_gain = self._gain_spin(-3.0, "Loudness of the video's own sound")
        form.addRow("Original sound:", self.original_gain)

        path_row = QHBoxLayout()
        self.path_edit = QLineEdit(self)
        self.path_edit.setObjectName("exportVideoPath")
        self.path_edit.setText(str(self._default_target()))
        browse = QPushButton("Browse...", self)
        browse.clicked.connect(self._browse)
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form.addRow("File:", path_row)
        layout.addLayout(form)
        note = length_note(soundtrack_seconds, info.duration)
        self.length_label = QLabel(note or "", self)
        self.length_label.setObjectName("soundtrackLengthNote")
        self.length_label.setWordWrap(True)
        self.length_label.setStyleSheet("color: #e0a020;")
        self.length_label.setVisible(note is not None)
        layout.addWidget(self.length_label)

        self.add_export_controls(layout, "exportVideoStatus")
        if stale_render:
            self.mark_stale(
                "Some regions changed since the last render: the export uses the last rendered "
                "soundtrack, without the changes."
            )
        self._mode_changed()

    def _gain_spin(self, value: float, tip: str) -> QDoubleSpinBox:
        spin = QDoubleSpinBox(self)
        spin.setRange(-30.0, 12.0)
        spin.setDecimals(1)
        spin.setSingleStep(1.0)
        spin.setSuffix(" dB")
        spin.setValue(value)
        spin.setToolTip(tip)
        return spin

    # -- options ------------------------------------------------------------------------
    @property
    def container(self) -> str:
        return str(self.container_combo.currentData())

    @property
    def mode(self) -> str:
        return next(m for m, b in self.mode_buttons.items() if b.isChecked())

    def set_mode(self, mode: str) -> None:
        self.mode_buttons[mode].setChecked(True)

    def set_container(self, name: str) -> None:
        index = self.container_combo.findData(name)
        if index >= 0:
            self.container_combo.setCurrentIndex(index)

    def options(self) -> ExportOptions:
        return ExportOptions(
            container=self.container,
            audio_mode=self.mode,
            music_gain_db=self.music_gain.value(),
            original_gain_db=self.original_gain.value(),
            **self.project_options,  # the app's mix and the marker chapters
        )

    def _default_target(self) -> Path:
        suffix = CONTAINERS[self.container][1]
        return self.info.path.with_name(f"{self.info.path.stem} (scored){suffix}")

    def _mode_changed(self, *_args: Any) -> None:
        self.original_gain.setEnabled(self.mode != "replace")

    def _container_changed(self) -> None:
        path = Path(self.path_edit.text() or self._default_target())
        self.path_edit.setText(str(path.with_suffix(CONTAINERS[self.container][1])))

    def _browse(self) -> None:
        suffix = CONTAINERS[self.container][1]
        name, _ = QFileDialog.getSaveFileName(
            self,
            "Export Video",
            self.path_edit.text(),
            f"{self.container.upper()} video (*{suffix})",
        )
        if name:
            self.path_edit.setText(str(Path(name).with_suffix(suffix)))

    # -- export -------------------------------------------------------------------------
    def target(self) -> Path:
        target = Path(self.path_edit.text().strip()).expanduser()
        suffix = CONTAINERS[self.container][1]
        return target if target.suffix.lower() == suffix else target.with_suffix(suffix)

    def start_export(self) -> None:
        from muzaic_studio.video import export_video

        if not self.path_edit.text().strip():
            self._fail("Choose a file to export to.")
            return
        target, options = self.target(), self.options()
        info, soundtrack = self.info, self.soundtrack
        self.result_path = None

        def work(progress: Any, cancel: Any) -> Path:
            return export_video(info.path, soundtrack, target, options, info=info,
                                progress=progress, cancel=cancel)  # fmt: skip

        self.run_export(target, work, self._done, error_text)

    def _done(self, path: Path) -> None:
        self.result_path = path
        self._succeed(f"Exported {path.name} ({path.stat().st_size / 1e6:.1f} MB).", path)
