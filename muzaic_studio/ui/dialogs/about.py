"""Help > About: the app icon, what it is, and the versions that matter for support."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

import muzaic_studio
from muzaic_studio import diagnostics
from muzaic_studio.ui.app import app_icon
from muzaic_studio.ui.workers import TaskRunner

HOMEPAGE = "https://muzaic.ai"


class AboutDialog(QDialog):
    """Versions at once; the engine's and ffmpeg's are filled in off the GUI thread."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("About Muzaic Studio")
        self.setMinimumWidth(500)
        self.versions: dict[str, str] = {}

        icon = QLabel()
        icon.setPixmap(app_icon().pixmap(64, 64))
        icon.setAlignment(Qt.AlignmentFlag.AlignTop)
        title = QLabel(f"<h2>Muzaic Studio {muzaic_studio.__version__}</h2>")
        blurb = QLabel(
            "A timeline editor for scoring video and media with music from the "
            f'Muzaic API. <a href="{HOMEPAGE}">{HOMEPAGE}</a>'
        )
        blurb.setWordWrap(True)
        blurb.setOpenExternalLinks(True)

        # Every row at once; the engine and ffmpeg rows say "checking…" until the
        # background call (engine import, ffmpeg -version) has answered.
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.labels: dict[str, QLabel] = {}
        for name, value in diagnostics.versions(quick=True).items():
            label = QLabel(value)
            label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            self.labels[name] = label
            self.form.addRow(f"{name}:", label)

        self.copy_button = QPushButton("Copy versions")
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy_versions)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        text = QVBoxLayout()
        text.addWidget(title)
        text.addWidget(blurb)
        text.addLayout(self.form)
        top = QHBoxLayout()
        top.addWidget(icon)
        top.addLayout(text, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(buttons)

        self._runner = TaskRunner(self, max_threads=1)
        self._runner.run(
            lambda _p, _c: diagnostics.versions(),
            on_result=self._show_versions,
            on_error=self._show_error,
        )

    def _show_versions(self, versions: dict[str, str]) -> None:
        self.versions = versions
        for name, value in versions.items():
            self.labels[name].setText(value)
        self.copy_button.setEnabled(True)
        self.adjustSize()  # the filled-in rows are wider than "checking…"

    def _show_error(self, error: BaseException) -> None:
        for label in self.labels.values():
            if label.text() == diagnostics.PENDING:
                label.setText(f"{diagnostics.UNKNOWN} ({type(error).__name__})")

    def versions_text(self) -> str:
        return "\n".join(f"{k}: {v}" for k, v in self.versions.items())

    def copy_versions(self) -> None:
        QGuiApplication.clipboard().setText(self.versions_text())
