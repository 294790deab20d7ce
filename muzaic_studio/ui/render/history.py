"""The render history panel (the files and their index: `muzaic_studio.render.history`).

The panel lists the renders newest first; double-click (or Enter) makes one the current
audio, and "A/B" flips between the two newest while playback continues at the same position.
"""

from __future__ import annotations

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

from muzaic_studio.render.history import KEEP, RenderHistory, RenderRecord, project_cache_id

__all__ = ["KEEP", "HistoryPanel", "RenderHistory", "RenderRecord", "project_cache_id"]


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
