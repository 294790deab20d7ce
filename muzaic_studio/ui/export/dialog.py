"""Export (Ctrl+E): the current render as MP3 or WAV, whole or the selected time range.

The dialog measures the loudness of what will be exported (EBU R128 via ffmpeg, on a
worker, re-measured when the range changes; newest request wins) so the user sees it
before writing. The export itself runs on a worker with a progress bar and Cancel; the
file is written atomically by `audio.export`, so a failure or a cancel leaves no partial
file and an older export with the same name untouched. Errors are shown in the dialog in
the audio layer's own words (full disk, read-only folder, unreadable render). The format
and master loudness of the last export are the next one's defaults (saved settings).
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QRadioButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from muzaic_studio import settings
from muzaic_studio.settings.declared import EXPORT_FORMAT, EXPORT_LOUDNESS
from muzaic_studio.ui.export.job import ExportJobDialog
from muzaic_studio.ui.workers import TaskRunner

log = logging.getLogger(__name__)

FORMATS = (("MP3 (192 kbps)", "mp3"), ("WAV (16-bit PCM)", "wav"))
MASTER_TARGETS = (
    ("As mixed", None),
    ("-14 LUFS (streaming)", -14.0),
    ("-16 LUFS (podcast, web video)", -16.0),
    ("-23 LUFS (EBU R128 broadcast)", -23.0),
)


def error_text(exc: BaseException) -> str:
    """The exception's sentence for the user (an OSError's own, without "[Errno 2]")."""
    text = (exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)) or type(
        exc
    ).__name__
    return text if text.endswith(".") else text + "."


class ExportDialog(ExportJobDialog):
    """Export the render as MP3/WAV; `exported` carries the ExportResult."""

    def __init__(
        self,
        source: Path,
        duration: float,
        *,
        selection: tuple[float, float] | None = None,
        default_name: str = "soundtrack",
        folder: Path | None = None,
        parent: QWidget | None = None,
        mix_regions: tuple[Any, ...] = (),
    ) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export Audio")
        self.setObjectName("exportDialog")
        self.source = Path(source)
        self.duration = duration
        self.selection = selection
        self.mix_regions = mix_regions  # the app's mix (gains, fades), applied on export
        self._loudness_runner = TaskRunner(self, max_threads=1)
        self.result_info: Any = None
        self.loudness: Any = None

        layout = QVBoxLayout(self)
        form = QFormLayout()
        self.format_combo = QComboBox(self)
        for text, fmt in FORMATS:
            self.format_combo.addItem(text, fmt)
        self.format_combo.currentIndexChanged.connect(self._format_changed)
        form.addRow("Format:", self.format_combo)
        range_row = QHBoxLayout()
        self.whole_radio = QRadioButton(f"Whole soundtrack ({duration:.1f} s)", self)
        self.selection_radio = QRadioButton(self._selection_text(), self)
        self.whole_radio.setChecked(True)
        self.selection_radio.setEnabled(selection is not None)
        self.whole_radio.toggled.connect(self.measure)
        range_row.addWidget(self.whole_radio)
        range_row.addWidget(self.selection_radio)
        range_row.addStretch(1)
        form.addRow("Range:", range_row)
        path_row = QHBoxLayout()
        base = folder or Path.home()
        self.path_edit = QLineEdit(str(base / f"{default_name}.mp3"), self)
        self.path_edit.setObjectName("exportPath")
        browse = QPushButton("Browse...", self)
        browse.clicked.connect(self._browse)
        path_row.addWidget(self.path_edit, 1)
        path_row.addWidget(browse)
        form.addRow("File:", path_row)
        self.master_combo = QComboBox(self)
        self.master_combo.setObjectName("masterLoudness")
        for text, target in MASTER_TARGETS:
            self.master_combo.addItem(text, target)
        self.master_combo.setToolTip(
            "Loudness of the exported file, set after the mix, with a true-peak limiter at -1 dBTP"
        )
        form.addRow("Master:", self.master_combo)
        saved = settings.load()  # the last export's choices
        self.set_format(saved.get(EXPORT_FORMAT))
        targets = [target for _text, target in MASTER_TARGETS]
        loudness = saved.get(EXPORT_LOUDNESS)
        self.master_combo.setCurrentIndex(targets.index(loudness) if loudness in targets else 0)
        self.loudness_label = QLabel("Measuring loudness...", self)
        self.loudness_label.setObjectName("loudnessLabel")
        self.loudness_label.setWordWrap(True)
        # Room for the report as it wraps: it arrives after the dialog is laid out for
        # "Measuring loudness...", and a one-line row clipped it top and bottom.
        self.loudness_label.setSizePolicy(
            QSizePolicy.Policy.Preferred, QSizePolicy.Policy.MinimumExpanding
        )
        self.loudness_label.setContentsMargins(0, 3, 0, 3)
        self.loudness_label.setAlignment(Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop)
        form.addRow("Loudness:", self.loudness_label)
        layout.addLayout(form)
        self._fit_loudness()
        self.add_export_controls(layout, "exportStatus")
        self.progress.setValue(0)
        self.measure()

    # -- options ------------------------------------------------------------------------
    def _selection_text(self) -> str:
        if self.selection is None:
            return "Selection (select regions first)"
        a, b = self.selection
        return f"Selection ({a:.2f}-{b:.2f} s)"

    @property
    def format(self) -> str:
        return str(self.format_combo.currentData())

    def span(self) -> tuple[float | None, float | None]:
        if self.selection_radio.isChecked() and self.selection is not None:
            return self.selection
        return None, None

    def set_format(self, fmt: str) -> None:
        index = self.format_combo.findData(fmt)
        if index >= 0:
            self.format_combo.setCurrentIndex(index)

    def use_selection(self, on: bool) -> None:
        (self.selection_radio if on else self.whole_radio).setChecked(True)

    def _format_changed(self) -> None:
        path = Path(self.path_edit.text() or "soundtrack")
        self.path_edit.setText(str(path.with_suffix("." + self.format)))

    def _browse(self) -> None:
        fmt = self.format
        name, _ = QFileDialog.getSaveFileName(
            self, "Export Audio", self.path_edit.text(), f"{fmt.upper()} audio (*.{fmt})"
        )
        if name:
            self.path_edit.setText(str(Path(name).with_suffix("." + fmt)))

    # -- loudness -----------------------------------------------------------------------
    def show_loudness(self, text: str) -> None:
        self.loudness_label.setText(text)
        self._fit_loudness()

    def _fit_loudness(self) -> None:
        """Two lines at least, and every line the text wraps to at the label's width
        (a word-wrapped label in a form row does not ask for its height itself)."""
        label = self.loudness_label
        lines = 2 * label.fontMetrics().lineSpacing() + 6
        width = max(label.width(), 300)
        label.setMinimumHeight(max(lines, label.heightForWidth(width)))
        layout = self.layout()
        if layout is not None:
            layout.activate()
            need = layout.minimumSize().height()
            if self.height() < need:
                self.resize(self.width(), need)  # grow with the text

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit_loudness()

    def measure(self) -> None:
        from muzaic_studio.audio.loudness import measure_loudness

        start, end = self.span()
        source = self.source
        self.show_loudness("Measuring loudness...")

        regions = self.mix_regions

        def job(progress: Any, cancel: Any) -> Any:
            if any(r.extra.get("mix") for r in regions):  # what the export will write
                from muzaic_studio.audio.decode import probe
                from muzaic_studio.audio.mix import MixPlan
                from muzaic_studio.audio.mix_export import measure_mixed

                plan = MixPlan.from_regions(regions, probe(source).rate)
                return measure_mixed(source, plan, start=start, end=end, cancel=cancel)
            return measure_loudness(source, start=start, end=end, cancel=cancel)

        def shown(report: Any) -> None:
            self.loudness = report
            self.show_loudness(report.summary())

        self._loudness_runner.run(
            job,
            on_result=shown,
            on_error=lambda exc: self.show_loudness(f"Could not measure: {error_text(exc)}"),
        )

    # -- export -------------------------------------------------------------------------
    def start_export(self) -> None:
        from muzaic_studio.audio.export import ExportOptions, export_audio

        text = self.path_edit.text().strip()
        if not text:
            self._fail("Choose a file to export to.")
            return
        target = Path(text).expanduser()
        if target.suffix.lower() != "." + self.format:
            target = target.with_suffix("." + self.format)
        if target.exists() and not self._may_replace(target):
            return
        start, end = self.span()
        options = ExportOptions(
            format=self.format,
            start=start,
            end=end,
            mix_regions=self.mix_regions,
            loudness_target=self.master_combo.currentData(),
        )
        source = self.source
        self.result_info = None

        def work(progress: Any, cancel: Any) -> Any:
            return export_audio(source, target, options, progress=progress, cancel=cancel)

        self.run_export(target, work, self._done, error_text)

    def _may_replace(self, target: Path) -> bool:
        """Typing an existing file's name is easy; writing over it must be a choice.
        (Browse... asks already: its dialog confirms overwriting.)"""
        answer = QMessageBox.question(
            self,
            "Replace the file?",
            f"{target.name} already exists in {target.parent}. Replace it?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.No,
        )
        return answer == QMessageBox.StandardButton.Yes

    def _done(self, result: Any) -> None:
        self.result_info = result
        try:
            settings.save({EXPORT_FORMAT: self.format,
                           EXPORT_LOUDNESS: self.master_combo.currentData()})  # fmt: skip
        except OSError as exc:  # the export is written; only the defaults are not kept
            log.warning("cannot save the export choices: %s", exc)
        size = result.size_bytes / 1e6
        if result.master is not None:
            self.show_loudness(result.master.summary())
        self._succeed(
            f"Exported {result.duration:.1f} s of {result.format.upper()} to {result.path} ({size:.1f} MB).",
            result,
        )

    def done(self, result: int) -> None:
        # Never waits: a job still running ends in the background and its answer is dropped.
        self._loudness_runner.cancel_all()
        super().done(result)
