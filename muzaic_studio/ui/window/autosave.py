"""Autosave to the user data dir (every 30 s unless Preferences say otherwise: setting
autosave.interval_seconds), and an offer to restore after a crash.

Each running window owns two files in data_dir()/autosave, named by process id:
``session-<pid>.json`` (written at start, removed on a clean exit: the crash marker) and
``session-<pid>.muzaic`` (the unsaved project, written only while there are unsaved
changes). At start, a marker whose process is gone means that session crashed; if it left
a project behind, the user is offered to restore it. Two instances never clash, and a
session that is still running is never "restored" by another one. A recovery is offered
once (its marker then says ``offered``): ignored, it stays in File > Restore Unsaved Work
instead of coming back at every start.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QObject, QTimer, Signal

from muzaic_studio import settings
from muzaic_studio.atomic import atomic_write_text
from muzaic_studio.model import Project
from muzaic_studio.paths import data_dir
from muzaic_studio.settings.declared import AUTOSAVE_SECONDS
from muzaic_studio.ui.document import ProjectDocument

log = logging.getLogger(__name__)


def autosave_dir() -> Path:
    path = data_dir() / "autosave"
    with contextlib.suppress(OSError):  # a full or read-only disk: autosave says so later
        path.mkdir(parents=True, exist_ok=True)
    return path


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    if sys.platform == "win32":  # os.kill(pid, 0) would terminate the process there
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return not _zombie(pid)


def _zombie(pid: int) -> bool:
    """True for a process that has ended but was not yet reaped by its parent (Linux):
    os.kill(pid, 0) still succeeds on it, so a session killed a moment ago counted as
    running and its unsaved work was neither offered nor in File > Restore Unsaved Work."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rpartition(")")[2].split()[:1] in (["Z"], ["X"])


@dataclass
class Recovery:
    marker: Path
    project_file: Path
    original_path: str | None
    saved_at: float
    name: str
    offered: bool = False  # shown to the user once already (and left alone)

    def discard(self) -> None:
        for p in (self.marker, self.project_file):
            p.unlink(missing_ok=True)

    def mark_offered(self) -> None:
        """Remember in the marker that the user was offered this recovery, so the next
        start does not offer it again (File > Restore Unsaved Work still does)."""
        try:
            meta = json.loads(self.marker.read_text("utf-8"))
            atomic_write_text(self.marker, json.dumps({**meta, "offered": True}))
        except (OSError, ValueError, TypeError):  # a full disk: offered again next time
            log.warning("could not mark %s as offered", self.marker, exc_info=True)
        self.offered = True


def find_recoveries() -> list[Recovery]:
    """Unsaved work left by sessions that ended without a clean exit, newest first."""
    out = []
    for marker in autosave_dir().glob("session-*.json"):
        try:
            meta = json.loads(marker.read_text("utf-8"))
            pid = int(meta.get("pid", -1))
        except (OSError, ValueError, AttributeError):
            marker.unlink(missing_ok=True)
            continue
        if _alive(pid):
            continue
        project_file = marker.with_suffix(".muzaic")
        if not project_file.exists():
            marker.unlink(missing_ok=True)  # crashed with nothing unsaved
            continue
        out.append(Recovery(marker, project_file, meta.get("path"),
                            float(meta.get("savedAt", 0)), str(meta.get("name", "")),
                            meta.get("offered") is True))  # fmt: skip
    return sorted(out, key=lambda r: r.saved_at, reverse=True)


def restore(recovery: Recovery, project: Project) -> ProjectDocument:
    """The recovered *project* (read from `recovery.project_file`) as an unsaved document
    pointing at its original file."""
    doc = ProjectDocument(project, recovery.original_path)
    doc.mark_dirty()
    return doc


class Autosave(QObject):
    saved = Signal(str)
    #: A write failed (a full or read-only disk): the text to show, once per failing run.
    failed = Signal(str)

    def __init__(
        self, get_doc, parent: QObject | None = None, interval_ms: int | None = None
    ) -> None:
        """*interval_ms*: None reads the saved setting."""
        super().__init__(parent)
        self._get_doc = get_doc
        self.marker = autosave_dir() / f"session-{os.getpid()}.json"
        self.project_file = self.marker.with_suffix(".muzaic")
        self._last_state: tuple[int, int] | None = None
        self._failing = False
        self.ended = False  # closed: a start that comes late (after a first paint) is void
        self.timer = QTimer(self)
        if interval_ms is None:
            interval_ms = int(settings.load().get(AUTOSAVE_SECONDS)) * 1000
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.tick)

    def start(self) -> None:
        if self.ended:
            return
        try:
            self._write_marker()
        except OSError as exc:  # was: a full disk stopped the app from starting at all
            self._fail(exc)
        self.timer.start()

    def _fail(self, exc: OSError) -> None:
        log.warning("autosave failed: %s", exc)
        if not self._failing:
            self._failing = True
            self.failed.emit(
                f"Autosave failed: {exc.strerror or exc} Your edits are only in memory "
                "until you save them somewhere with room (File > Save As)."
            )

    def _write_marker(self, doc: ProjectDocument | None = None) -> None:
        meta: dict[str, object] = {
            "pid": os.getpid(),
            "savedAt": time.time(),
            "started": time.time(),
        }
        if doc is not None:
            meta.update(path=str(doc.path) if doc.path else None, name=doc.display_name)
        atomic_write_text(self.marker, json.dumps(meta))

    def tick(self) -> bool:
        """Write the project if it has unsaved changes not autosaved yet; True if written."""
        doc = self._get_doc()
        if not doc.dirty:
            self.project_file.unlink(missing_ok=True)
            self._last_state = None
            return False
        state = (id(doc), doc.undo_stack.index())
        if state == self._last_state and self.project_file.exists():
            return False
        try:
            atomic_write_text(self.project_file, doc.project.to_json())
            self._write_marker(doc)
        except OSError as exc:  # a timer slot: raising here only printed a traceback
            self._fail(exc)
            return False
        self._failing = False
        self._last_state = state
        self.saved.emit(str(self.project_file))
        return True

    def end_unattended(self) -> None:
        """Closing with no user to ask (SIGTERM from a logout or `kill`): unsaved changes
        are kept as a recovery for the next start; with none, this is a clean exit, so a
        plain `kill` of a saved project is not taken for a crash."""
        self.ended = True
        self.timer.stop()
        doc = self._get_doc()
        if doc is not None and doc.dirty:
            self.tick()  # the newest edits and the marker's name/path
            if self.project_file.exists():
                return
        self.clean_exit()

    def clean_exit(self) -> None:
        self.ended = True
        self.timer.stop()
        self.project_file.unlink(missing_ok=True)
        self.marker.unlink(missing_ok=True)
