"""What the Export Audio and Export Video dialogs share: one export job on a worker.

A subclass builds its own options, ends its layout with `add_export_controls` (progress
bar, status line, Export and Close/Cancel buttons) and starts the job with `run_export`.
While the job runs, the Close button reads Cancel; cancelling drops the job's outcome and
says that nothing was written (the export layers write atomically). Closing the dialog
shuts the runner down.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QProgressBar, QPushButton, QVBoxLayout

from muzaic_studio.ui.workers import Task, TaskRunner

ExportFn = Callable[[Callable[[float], None], Any], Any]  # work(progress(fraction), cancel)


class ExportJobDialog(QDialog):
    exported = Signal(object)  # whatever the export returned
    renderFirstRequested = Signal()  # "Render Changes First": close, render, export after

    def __init__(self, parent: Any = None) -> None:
        super().__init__(parent)
        self.setMinimumWidth(560)
        self._export_runner = TaskRunner(self, max_threads=1)
        self._export_task: Task | None = None
        self.last_error = ""

    def add_export_controls(self, layout: QVBoxLayout, status_name: str) -> None:
        self.progress = QProgressBar(self)
        self.progress.setRange(0, 1000)
        layout.addWidget(self.progress)
        self.status_label = QLabel(self)
        self.status_label.setObjectName(status_name)
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        buttons = QHBoxLayout()
        buttons.addStretch(1)
        self.export_button = QPushButton("Export", self)
        self.export_button.setDefault(True)
        self.export_button.clicked.connect(self.start_export)
        self.close_button = QPushButton("Close", self)
        self.close_button.clicked.connect(self._cancel_or_close)
        buttons.addWidget(self.export_button)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)

    def mark_stale(self, text: str) -> None:
        """The render is older than the project: say so above the progress bar, offer to
        render the changes first, and make Export say it writes the last render."""
        layout = self.layout()
        assert isinstance(layout, QVBoxLayout)
        row = QHBoxLayout()
        self.stale_label = QLabel(text, self)
        self.stale_label.setObjectName("staleRenderWarning")
        self.stale_label.setWordWrap(True)
        self.stale_label.setStyleSheet("color: #e0a020;")
        self.render_first_button = QPushButton("Render Changes First", self)
        self.render_first_button.setToolTip("Close this, render the changes, then export again")
        self.render_first_button.clicked.connect(self._render_first)
        row.addWidget(self.stale_label, 1)
        row.addWidget(self.render_first_button)
        layout.insertLayout(layout.indexOf(self.progress), row)
        self.export_button.setText("Export Last Render")
        self.export_button.setToolTip("Export the soundtrack as last rendered, without the changes")
        self.render_first_button.setDefault(True)

    def _render_first(self) -> None:
        self.reject()
        self.renderFirstRequested.emit()

    def start_export(self) -> None:
        raise NotImplementedError

    def run_export(
        self,
        target: Any,
        work: ExportFn,
        on_result: Callable[[Any], None],
        error_text: Callable[[BaseException], str],
    ) -> None:
        """Run ``work(progress, cancel)`` on the worker, showing it as an export to *target*."""
        self.last_error = ""
        self.status_label.setStyleSheet("")
        self.status_label.setText(f"Exporting to {target}...")
        self.progress.setValue(0)
        self.export_button.setEnabled(False)
        self.close_button.setText("Cancel")

        def job(progress: Any, cancel: Any) -> Any:
            return work(lambda f: progress(f, ""), cancel)

        self._export_task = self._export_runner.run(
            job,
            on_result=on_result,
            on_error=lambda exc: self._fail(f"Export failed: {error_text(exc)}"),
            on_progress=lambda f, _t: self.progress.setValue(round(f * 1000)),
            on_finished=self._idle,
        )

    def _succeed(self, text: str, result: Any) -> None:
        self.progress.setValue(1000)
        self.status_label.setStyleSheet("color: #2e7d32;")
        self.status_label.setText(text)
        self.exported.emit(result)

    def _fail(self, text: str) -> None:
        self.last_error = text
        self.status_label.setStyleSheet("color: #c62828;")
        self.status_label.setText(text)

    def _idle(self) -> None:
        self._export_task = None
        self.export_button.setEnabled(True)
        self.close_button.setText("Close")

    @property
    def exporting(self) -> bool:
        return self._export_task is not None and not self._export_task.done

    def _cancel_or_close(self) -> None:
        if self.exporting:
            self._export_runner.cancel(self._export_task)
            self._fail("Export cancelled; nothing was written.")
            return
        self.reject()

    def done(self, result: int) -> None:
        # Never waits: a job still running ends in the background and its answer is dropped.
        self._export_runner.cancel_all()
        super().done(result)
