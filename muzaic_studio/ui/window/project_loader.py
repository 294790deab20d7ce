"""Reading a project file off the GUI thread, with its progress in the status bar.

A 20,000-region file takes about a second to parse, check and turn into regions, and as
long again to check what could not be sent: done on the GUI thread, the window froze.
Every way in (Open, Open Recent, a dropped file, the file given at start-up, Help > Open
Demo, restoring an autosave) reads through one `ProjectLoader`: the file is read and
checked on a pool thread (plain Python of muzaic_studio.model and .render, which never
touch Qt), and only the finished project comes back to the GUI thread to be shown.

Newest request wins: a second open while one is reading cancels the first (its read
stops at the next thousand regions and its result is dropped), so the project shown is
always the one asked for last. A file that cannot be read comes back as its
`ProjectError` text, which names the region and field, as the synchronous open did.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QMainWindow, QWidget

from muzaic_studio.model import Problem, Project, ProjectError
from muzaic_studio.model.schema import schema_errors
from muzaic_studio.render.prerender import sendable_problems
from muzaic_studio.ui.status_progress import StatusProgress
from muzaic_studio.ui.workers import ProgressFn, Task, TaskRunner

log = logging.getLogger(__name__)
READ_SHARE = 0.85  # of the bar: reading the regions; the rest is the send check


class Superseded(Exception):
    """Stops a read that was cancelled (its result would be dropped anyway)."""


@dataclass
class Loaded:
    """A project read and checked on a pool thread, ready to be shown."""

    path: Path
    project: Project
    problems: list[Problem] = field(default_factory=list)  # what can't be sent, said on open


def read_project(path: Path, progress: ProgressFn, cancel: threading.Event) -> Loaded:
    """Read, check and build the project at *path* (runs on a pool thread, no Qt)."""

    def step(fraction: float) -> None:
        if cancel.is_set():
            raise Superseded  # stop between two regions
        progress(fraction * READ_SHARE, "")

    project = Project.load(path, step)
    step(1.0)
    problems = sendable_problems(project) if project.regions else []
    if problems:  # the first is selected and the Inspector checks it: jsonschema's import
        schema_errors({})  # and the contract's validator (~60 ms, once) are made here
    return Loaded(path, project, problems)


class LoadIndicator(StatusProgress):
    """Status bar widget while a project is read: "Opening x.muzaic", a bar, Cancel."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, "openProgress", 120, "Stop opening this project")

    def start(self, title: str) -> None:
        self.label.setText(f"Opening {title}…")
        self.bar.setValue(0)
        self.show()


class ProjectLoader(QObject):
    """Reads one project at a time for a main window; see the module docstring."""

    #: After each read's outcome was handled (not after a superseded one): True when a
    #: document is now shown, False when the file could not be read or the user kept theirs.
    done = Signal(bool)
    #: "Opening x.muzaic…" when a read starts, "" when no read is left: said by an empty
    #: timeline meanwhile (the window's first frame at start-up).
    reading = Signal(str)

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.runner = TaskRunner(self, max_threads=2)  # a cancelled read may still be parsing
        self.indicator = LoadIndicator()
        self.indicator.cancel_button.clicked.connect(self.cancel)
        window.statusBar().addPermanentWidget(self.indicator)
        self.path: Path | None = None  # the file being read, None when idle

    @property
    def busy(self) -> bool:
        return self.runner.busy

    def load(
        self,
        path: Path,
        title: str,
        on_loaded: Callable[[Loaded], bool],
        on_failed: Callable[[str], None],
    ) -> Task:
        """Read *path* in the background; *on_loaded* shows it (True when it did),
        *on_failed* gets the text of why it could not be read. Cancels a read under way."""

        def failed(exc: BaseException) -> None:
            if not isinstance(exc, ProjectError):  # a bug, not a bad file: keep its trace
                log.error("reading %s failed: %s", path, getattr(exc, "__traceback_text__", exc))
            on_failed(str(exc) if isinstance(exc, ProjectError) else f"{path.name}: {exc!r}")
            self.done.emit(False)

        def loaded(result: Loaded) -> None:
            self.done.emit(bool(on_loaded(result)))

        task = self.runner.run(
            lambda progress, cancel: read_project(path, progress, cancel),
            on_result=loaded,
            on_error=failed,
            on_progress=lambda fraction, _text: self.indicator.show_progress(fraction),
            on_finished=self._finished,
            key="open",
        )
        self.indicator.start(title)
        self.reading.emit(self.indicator.label.text())
        self.path = path
        return task

    def cancel(self) -> None:
        """Stop the read under way (Cancel, or New while reading); nothing changes."""
        self.runner.cancel(key="open")

    def _finished(self) -> None:
        if not self.runner.busy:
            self.indicator.hide()
            self.path = None
            self.reading.emit("")
