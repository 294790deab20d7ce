"""Render history: every render's audio kept in the project's cache folder, newest first.

Each project gets a folder ``cache_dir()/renders/<cacheId>`` (the id is stored in the
project file, so it survives renaming and Save As; an untitled project gets one at its
first render). The folder holds the audio files, their waveform caches (``.peaks.npz``,
so switching between renders never decodes again) and ``history.json``. Only the last
`KEEP` renders are kept; older files are deleted when a new one arrives.

The panel lists them; double-click (or Enter) makes one the current audio, and "A/B"
flips between the two newest while playback continues at the same position.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from muzaic_studio import paths
from muzaic_studio.atomic import atomic_write_text
from muzaic_studio.model import Project

KEEP = 10
CACHE_ID_KEY = "cacheId"


@dataclass
class RenderRecord:
    file: str  # file name inside the history folder
    rendered_at: float
    duration: float
    tokens: int
    tokens_saved: int = 0
    backend: str = ""
    spans: list[list[Any]] = field(default_factory=list)  # [time, duration, hash] per region
    only_changes: bool = False

    @property
    def peaks_file(self) -> str:
        return self.file + ".peaks.npz"

    def label(self) -> str:
        stamp = time.strftime("%H:%M:%S", time.localtime(self.rendered_at))
        kind = "changes" if self.only_changes else "full"
        minutes, seconds = divmod(round(self.duration), 60)
        saved = f", {self.tokens_saved} saved" if self.tokens_saved else ""
        cost = "free" if self.backend == "offline" and not self.tokens else f"{self.tokens} tokens"
        # two short lines: one long line was cut at the panel's edge ("(off")
        return f"{stamp}  {minutes}:{seconds:02d}  {kind}\n{cost}{saved} · {self.backend}"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RenderRecord:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


def project_cache_id(project: Project) -> str:
    """The project's cache folder id; created (in the project's extra keys) on first use."""
    value = project.extra.get(CACHE_ID_KEY)
    if not isinstance(value, str) or not value.isalnum():
        value = uuid.uuid4().hex
        project.extra[CACHE_ID_KEY] = value
    return value


class RenderHistory:
    """The render files of one project; plain Python (file I/O only), used on the GUI thread."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._records: list[RenderRecord] = []
        self._load()

    @classmethod
    def for_project(cls, project: Project) -> RenderHistory:
        return cls(paths.cache_dir() / "renders" / project_cache_id(project))

    def _index(self) -> Path:
        return self.folder / "history.json"

    def _load(self) -> None:
        try:
            data = json.loads(self._index().read_text("utf-8"))
            records = [RenderRecord.from_dict(d) for d in data.get("renders", [])]
        except (OSError, ValueError, TypeError, AttributeError):
            records = []
        self._records = [r for r in records if (self.folder / r.file).is_file()]

    def records(self) -> list[RenderRecord]:
        """Newest first."""
        return list(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def path(self, record: RenderRecord) -> Path:
        return self.folder / record.file

    def peaks_path(self, record: RenderRecord) -> Path:
        return self.folder / record.peaks_file

    def new_audio_path(self, suffix: str = "mp3") -> Path:
        """A fresh file name for the next render (the worker writes it)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return self.folder / f"render-{stamp}-{uuid.uuid4().hex[:6]}.{suffix}"

    def find(self, audio_path: Path | str | None) -> RenderRecord | None:
        if audio_path is None:
            return None
        name = Path(audio_path).name
        return next((r for r in self._records if r.file == name), None)

    def add(self, record: RenderRecord) -> None:
        self._records.insert(0, record)
        for old in self._records[KEEP:]:
            for name in (old.file, old.peaks_file):
                with contextlib.suppress(OSError):
                    (self.folder / name).unlink()
        del self._records[KEEP:]
        self._save()

    def _save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(
            self._index(), json.dumps({"renders": [asdict(r) for r in self._records]}, indent=1)
        )


class HistoryPanel(QWidget):
    """The last renders; double-click one to hear and see it, A/B flips the newest two."""

    switchRequested = Signal(object)  # RenderRecord
    abRequested = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("renderHistoryPanel")
        body = self
        layout = QVBoxLayout(body)
        layout.setContentsMargins(4, 4, 4, 4)
        self.list = QListWidget(body)
        self.list.setObjectName("renderHistoryList")
        self.list.itemActivated.connect(self._activated)
        self.list.setToolTip("Double-click a render to listen to it and see its waveform")
        layout.addWidget(self.list)
        row = QHBoxLayout()
        self.listen_button = QPushButton("Listen", body)
        self.listen_button.setToolTip("Make the selected render the current audio")
        self.listen_button.clicked.connect(self._listen)
        self.ab_button = QPushButton("A/B", body)
        self.ab_button.setToolTip("Flip between the two newest renders at the same position")
        self.ab_button.clicked.connect(self.abRequested)
        row.addWidget(self.listen_button)
        row.addWidget(self.ab_button)
        layout.addLayout(row)
        self.empty_label = QLabel("No renders yet: press Ctrl+R.", body)
        self.empty_label.setWordWrap(True)
        layout.addWidget(self.empty_label)
        self._records: list[RenderRecord] = []
        self.show_records([], None)

    def show_records(self, records: list[RenderRecord], current: str | None) -> None:
        self._records = list(records)
        self.list.clear()
        for i, record in enumerate(records):
            letter = "A" if i == 0 else ("B" if i == 1 else " ")
            item = QListWidgetItem(f"{letter}  {record.label()}".replace("\n", "\n    "))
            item.setData(Qt.ItemDataRole.UserRole, record.file)
            if record.file == current:
                font = QFont(item.font())
                font.setBold(True)
                item.setFont(font)
                item.setToolTip("Playing and shown now")
            self.list.addItem(item)
        self.empty_label.setVisible(not records)
        self.ab_button.setEnabled(len(records) >= 2)
        self.listen_button.setEnabled(bool(records))

    def _record_of(self, item: QListWidgetItem | None) -> RenderRecord | None:
        if item is None:
            return None
        name = item.data(Qt.ItemDataRole.UserRole)
        return next((r for r in self._records if r.file == name), None)

    def _activated(self, item: QListWidgetItem) -> None:
        record = self._record_of(item)
        if record:
            self.switchRequested.emit(record)

    def _listen(self) -> None:
        record = self._record_of(self.list.currentItem())
        if record:
            self.switchRequested.emit(record)
