"""The status bar's progress widget: what is going on, a bar, and a button that stops it.
One widget for every long job the window shows there (a render, a project being read)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QProgressBar, QToolButton, QWidget

from muzaic_studio.ui.icons import icon


class StatusProgress(QWidget):
    """A label, a 0..1000 bar *bar_width* px wide, and a stop button (text beside its icon
    when *cancel_text* is given); hidden until shown."""

    def __init__(
        self,
        parent: QWidget | None,
        name: str,
        bar_width: int,
        cancel_tip: str,
        cancel_text: str = "",
    ) -> None:
        super().__init__(parent)
        self.setObjectName(name)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        self.label = QLabel(self)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1000)
        self.bar.setFixedWidth(bar_width)
        self.bar.setTextVisible(False)
        self.cancel_button = QToolButton(self)
        self.cancel_button.setIcon(icon("stop"))
        if cancel_text:
            self.cancel_button.setText(cancel_text)
            self.cancel_button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        else:
            self.cancel_button.setAutoRaise(True)
        self.cancel_button.setToolTip(cancel_tip)
        layout.addWidget(self.label)
        layout.addWidget(self.bar)
        layout.addWidget(self.cancel_button)
        self.hide()

    def show_progress(self, fraction: float, text: str | None = None) -> None:
        self.bar.setValue(round(max(0.0, min(1.0, fraction)) * 1000))
        if text is not None:
            self.label.setText(text)
