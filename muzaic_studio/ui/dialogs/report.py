"""Help > Report a problem: the collected report, Copy to clipboard, Open log folder.

The report (versions, folders, the redacted end of the log) is built off the GUI thread
by `diagnostics.collect_report`; the user copies it into an issue or an e-mail, and can
open the log folder to attach the full (also redacted) log files.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QUrl
from PySide6.QtGui import QDesktopServices, QFontDatabase, QGuiApplication
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from muzaic_studio import diagnostics, paths
from muzaic_studio.ui.workers import TaskRunner


def open_folder(path: Path) -> bool:
    """Show *path* in the desktop's file manager; False if nothing could open it."""
    return QDesktopServices.openUrl(QUrl.fromLocalFile(str(path)))


class ReportDialog(QDialog):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Report a problem")
        self.resize(720, 520)

        intro = QLabel(
            "Describe what you did and what happened, and paste this report below it. "
            "It holds versions, folders and the end of the log; API keys are removed."
        )
        intro.setWordWrap(True)
        self.text = QPlainTextEdit()
        self.text.setReadOnly(True)
        self.text.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.text.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.text.setPlaceholderText("Collecting the report…")
        self.feedback = QLabel()

        self.copy_button = QPushButton("Copy to clipboard")
        self.copy_button.setEnabled(False)
        self.copy_button.clicked.connect(self.copy_report)
        self.log_button = QPushButton("Open log folder")
        self.log_button.clicked.connect(self.open_log_folder)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.addButton(self.copy_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.addButton(self.log_button, QDialogButtonBox.ButtonRole.ActionRole)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.feedback)
        layout.addWidget(buttons)

        self._runner = TaskRunner(self, max_threads=1)  # newest refresh wins
        self.refresh()

    def refresh(self) -> None:
        """Collect the report again (off the GUI thread)."""
        self.copy_button.setEnabled(False)
        self.text.clear()
        self.feedback.clear()
        self._runner.run(
            lambda _p, _c: diagnostics.collect_report(),
            on_result=self._show_report,
            on_error=self._show_error,
        )

    def report(self) -> str:
        return self.text.toPlainText()

    def _show_report(self, report: str) -> None:
        self.text.setPlainText(report)
        self.copy_button.setEnabled(True)

    def _show_error(self, error: BaseException) -> None:
        self.text.setPlainText(f"Could not collect the report: {type(error).__name__}: {error}")

    def copy_report(self) -> None:
        QGuiApplication.clipboard().setText(self.report())
        self.feedback.setText("Copied. Paste it under your description of the problem.")

    def open_log_folder(self) -> None:
        folder = paths.log_dir()
        if not open_folder(folder):
            self.feedback.setText(f"Could not open a file manager. The log folder is {folder}")
        else:
            self.feedback.setText(f"Opened {folder}")
