"""Export Audio's "Also: [ ] Stems (WAV) [ ] MIDI" row: the offline engine's score beside
the audio file, written by the dialog's own export job after the audio (on its worker,
with its progress bar and Cancel).

Stems go into a folder named after the file ("soundtrack stems/drums.wav", bass, harmony,
melody; they add up to the engine's mix), the score into "soundtrack.mid". With the cloud
the boxes are disabled and the row says why: the cloud sends only the mixed audio.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtWidgets import QCheckBox, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from muzaic_studio.model import Project
from muzaic_studio.render.score_files import export_score_files, has_score

CLOUD_NOTE = "Stems and MIDI need the offline engine: the Muzaic cloud sends only the mixed audio."


def stems_folder(audio: Path) -> Path:
    return audio.with_name(f"{audio.stem} stems")


class ScoreExportRow(QWidget):
    """The two boxes, and the job that writes what they ask for."""

    def __init__(self, project: Project, backend: Any, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("scoreExport")
        self.project = project
        self.backend = backend
        self.stems_box = QCheckBox("Stems (WAV)", self)
        self.stems_box.setObjectName("exportStems")
        self.stems_box.setToolTip(
            "Drums, bass, harmony and melody as four WAV files in a folder beside the file "
            "(“<name> stems”); together they add up to the mix"
        )
        self.midi_box = QCheckBox("MIDI", self)
        self.midi_box.setObjectName("exportMidi")
        self.midi_box.setToolTip(
            "The offline engine's score as a MIDI file beside the audio file: a track per "
            "instrument, the regions' tempos and GM instruments"
        )
        self.note = QLabel(self)
        self.note.setObjectName("scoreExportNote")
        self.note.setWordWrap(True)
        boxes = QHBoxLayout()
        boxes.setContentsMargins(0, 0, 0, 0)
        boxes.addWidget(self.stems_box)
        boxes.addWidget(self.midi_box)
        boxes.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(boxes)
        layout.addWidget(self.note)
        available = has_score(backend)
        for box in (self.stems_box, self.midi_box):
            box.setEnabled(available)
            if not available:
                box.setToolTip(CLOUD_NOTE)
        self.note.setText("" if available else CLOUD_NOTE)
        self.note.setVisible(not available)

    def wanted(self) -> bool:
        return self.stems_box.isEnabled() and (
            self.stems_box.isChecked() or self.midi_box.isChecked()
        )

    def targets(self, audio: Path) -> tuple[Path | None, Path | None]:
        """(stems folder, MIDI file) beside the audio file *audio*, each None if unchecked."""
        stems = stems_folder(audio) if self.stems_box.isChecked() else None
        midi = audio.with_suffix(".mid") if self.midi_box.isChecked() else None
        return stems, midi

    def job(self, audio: Path) -> Callable[[Callable[[float], None], Any], Any]:
        """``work(progress, cancel)`` for the dialog's worker; made on the GUI thread,
        with a copy of the project (the user may edit on while it runs)."""
        project = Project.from_dict(self.project.to_dict())
        stems, midi = self.targets(audio)
        backend, title = self.backend, audio.stem

        def work(progress: Callable[[float], None], cancel: Any) -> Any:
            return export_score_files(project, stems_dir=stems, midi_path=midi, engine=backend,
                                      title=title, progress=lambda f, _t: progress(f),
                                      cancel=cancel)  # fmt: skip

        return work
