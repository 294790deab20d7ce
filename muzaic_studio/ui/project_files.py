"""New / Open / Save / Save As / Recent and "save changes?" for the main window.

A project that fails to load is reported in the window's message bar and nothing else
happens: the open document stays, and nothing is written to disk (Project.load only reads).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from muzaic_studio.atomic import WriteError
from muzaic_studio.model import Project, ProjectError
from muzaic_studio.model.project import SUFFIX
from muzaic_studio.render.prerender import sendable_problems
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.settings import app_settings

if TYPE_CHECKING:
    from muzaic_studio.ui.main_window import MainWindow

FILTER = f"Muzaic Studio projects (*{SUFFIX});;All files (*)"
MAX_RECENT = 10


class ProjectFiles(QObject):
    recentChanged = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    # -- recent files ------------------------------------------------------------------
    def recent(self) -> list[str]:
        value = app_settings().value("recentFiles", [])
        if isinstance(value, str):
            value = [value]
        return [str(v) for v in value or []]

    def add_recent(self, path: Path) -> None:
        p = str(Path(path).resolve())
        items = [p] + [r for r in self.recent() if r != p]
        app_settings().setValue("recentFiles", items[:MAX_RECENT])
        self.recentChanged.emit()

    def clear_recent(self) -> None:
        app_settings().setValue("recentFiles", [])
        self.recentChanged.emit()

    def _start_dir(self) -> str:
        doc = self.window.doc
        if doc.path:
            return str(doc.path.parent)
        recent = self.recent()
        return str(Path(recent[0]).parent) if recent else str(Path.home())

    # -- commands --------------------------------------------------------------------
    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self.window.set_document(ProjectDocument())
        self.window.show_message("New project: drag on the timeline to draw a region.")
        return True

    def open(self, path: str | Path | None = None) -> bool:
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self.window, "Open project", self._start_dir(), FILTER
            )
            if not chosen:
                return False
            path = chosen
        path = Path(path)
        try:
            project = Project.load(path)
        except ProjectError as exc:
            self.window.show_message(f"Could not open the project. {exc}", "error")
            return False
        if not self.maybe_save():
            return False
        self.window.set_document(ProjectDocument(project, path))
        self.add_recent(path)
        self._warn_about_problems(project)
        return True

    def _warn_about_problems(self, project: Project) -> None:
        """Say at once, not at render time, what in a just-opened project can't be sent;
        select the first offending region. Clears a stale error from a failed open."""
        bar = self.window.message_bar
        problems = sendable_problems(project) if project.regions else []
        if not problems:
            if bar.isVisible() and bar.kind == "error":
                bar.hide()
            return
        first = problems[0]
        regions = project.sorted_regions()
        if first.index is not None and first.index < len(regions):
            region = regions[first.index]
            self.window.doc.select([region.uid])
            self.window.doc.set_playhead(region.time)
        more = len(problems) - 1
        rest = f" (and {more} more problem{'s' if more > 1 else ''})" if more else ""
        self.window.show_message(
            f"This project can't be rendered as it is. {first.user_text()}{rest}.", "warning"
        )

    def save(self) -> bool:
        doc = self.window.doc
        if doc.path is None:
            return self.save_as()
        return self._write(doc.path)

    def save_as(self) -> bool:
        doc = self.window.doc
        suggestion = str(doc.path or Path(self._start_dir()) / f"{doc.display_name}{SUFFIX}")
        chosen, _ = QFileDialog.getSaveFileName(self.window, "Save project as", suggestion, FILTER)
        if not chosen:
            return False
        path = Path(chosen)
        if path.suffix != SUFFIX:
            path = path.with_name(path.name + SUFFIX)
        return self._write(path)

    def _write(self, path: Path) -> bool:
        try:
            self.window.doc.save(path)
        except (WriteError, OSError) as exc:
            self.window.show_message(f"Could not save: {exc}", "error", "Save As...", self.save_as)
            return False
        self.add_recent(path)
        self.window.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def maybe_save(self) -> bool:
        """True when it is fine to drop the open document (saved, discarded or clean)."""
        doc = self.window.doc
        if not doc.dirty:
            return True
        answer = QMessageBox.question(
            self.window,
            "Save changes?",
            f"Save the changes to “{doc.display_name}” before closing it?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard
