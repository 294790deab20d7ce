"""New / Open / Save / Save As / Recent, "save changes?" and "restore unsaved work?" (after
a crash) for the main window.

Every open reads the file off the GUI thread (project_loader.py) and shows it when read.
"Save changes?" is asked before the read starts (`read`), not seconds later when a
big file has been read; Cancel then reads nothing. Edits made while the file is read are
asked about when it is shown (`may_show`).
A project that fails to load is reported in the window's message bar and nothing else
happens: the open document stays, and nothing is written to disk (Project.load only reads).
A project the user cannot save in place (the demo inside the installation, a read-only
file) opens as an untitled copy, so Save and a render's "save changes?" ask for a place in
the user's own folders instead of failing on the app's.
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import QFileDialog, QMessageBox

from muzaic_studio import settings
from muzaic_studio.atomic import WriteError
from muzaic_studio.model import Problem, Project
from muzaic_studio.model.project import SUFFIX
from muzaic_studio.render.prerender import sendable_problems
from muzaic_studio.settings.declared import RECENT_FILES
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.window.autosave import Recovery, find_recoveries, restore
from muzaic_studio.ui.window.first_paint import call_after_first_paint
from muzaic_studio.ui.window.project_loader import Loaded, ProjectLoader
from muzaic_studio.wording import file_stem

if TYPE_CHECKING:
    from muzaic_studio.ui.window.main_window import MainWindow

FILTER = f"Muzaic Studio projects (*{SUFFIX});;All files (*)"
MAX_RECENT = 10
MAX_LISTED = 5  # validation problems listed in the banner after opening
INSTALL_DIR = Path(__file__).resolve().parents[3]  # the checkout or the installed app
log = logging.getLogger(__name__)


def is_app_file(path: Path) -> bool:
    """True for a project the user should not save over: one shipped with the app (the
    demo in the package) or one in a file or folder they cannot write."""
    p = path.resolve()
    shipped = any(p.is_relative_to(INSTALL_DIR / d) for d in ("resources", "muzaic_studio"))
    read_only = p.exists() and not os.access(p, os.W_OK)
    return shipped or read_only or not os.access(p.parent, os.W_OK)


def user_folder(project_path: Path | None, kind: str = "documents") -> Path:
    """Where a save, export or import dialog starts: next to the project when it is the
    user's, else the user's Music (exports), Videos (video imports) or Documents
    (projects) folder, else home."""
    if project_path is not None and not is_app_file(Path(project_path)):
        return Path(project_path).resolve().parent
    import platformdirs

    where = {"music": platformdirs.user_music_dir, "videos": platformdirs.user_videos_dir}
    folder = Path(where.get(kind, platformdirs.user_documents_dir)())
    return folder if folder.is_dir() else Path.home()


def open_document(project: Project, path: Path) -> ProjectDocument:
    """The document for *project* read from *path*: in place, or an untitled copy of an
    app file (see `is_app_file`) named after it."""
    if not is_app_file(path):
        return ProjectDocument(project, path)
    if not project.name:
        project.name = f"{path.stem} (copy)"
    return ProjectDocument(project, None)


def _name_of(regions: list, index: int | None) -> str:
    return regions[index].name if index is not None and 0 <= index < len(regions) else ""


def show_note(window: MainWindow, project: Project) -> None:
    """A project's "note" (the demo's "Try: ...") in the banner, until closed.

    The note of an app file opened as an untitled copy is shown but not kept: saved as
    the user's own project, the demo's tips (about regions the user may have deleted)
    came back on every open."""
    note = project.extra.get("note")
    if window.doc.project is project and window.doc.path is None:
        project.extra.pop("note", None)
    if isinstance(note, str) and note.strip():
        window.show_message(note.strip(), "info", "OK", lambda: None)


class ProjectFiles(QObject):
    recentChanged = Signal()

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.loader = ProjectLoader(window)
        self.loader.reading.connect(self._reading)
        self.pending: Path | None = None  # the start-up's file, read after the first paint
        #: The document and undo index "save changes?" was answered for, while a read runs.
        self._answered: tuple[ProjectDocument, int] | None = None

    def _reading(self, text: str) -> None:
        """A read started ("Opening x…") or none is left (""): said by an empty timeline,
        and the status bar makes room for the progress."""
        self.window.timeline.set_empty_text(text)
        self.window.status.set_compact(bool(text), "open")
        if not text:  # no read left: the next open asks again
            self._answered = None

    def _answered_for_now(self) -> bool:
        """Was "save changes?" answered for the document as it is now?"""
        doc, answered = self.window.doc, self._answered
        return answered is not None and answered[0] is doc and answered[1] == doc.undo_stack.index()

    def read(self, path: Path, title: str, on_loaded: Callable[[Loaded], bool],
             on_failed: Callable[[str], None]) -> bool:  # fmt: skip
        """ "Save changes?" first, then read *path* (`ProjectLoader.load`); False, and
        nothing read, on Cancel. Not asked again for a second open while the first is
        read, unless the user edited since."""
        if not (self._answered_for_now() or self.maybe_save()):
            return False
        self.loader.load(path, title, on_loaded, on_failed)
        self._answered = (self.window.doc, self.window.doc.undo_stack.index())
        return True

    def may_show(self) -> bool:
        """When a read is done: True to replace the document. Asks again only about edits
        made while the file was read (the answer before it was about the others)."""
        return self._answered_for_now() or self.maybe_save()

    # -- recent files ------------------------------------------------------------------
    def recent(self) -> list[str]:
        return list(settings.load().get(RECENT_FILES))

    def add_recent(self, path: Path) -> None:
        p = str(Path(path).resolve())
        items = [p] + [r for r in self.recent() if r != p]
        self._save_recent(items[:MAX_RECENT])

    def clear_recent(self) -> None:
        self._save_recent([])

    def _save_recent(self, items: list[str]) -> None:
        try:
            settings.save({RECENT_FILES: items})
        except OSError as exc:  # a read-only config folder costs the list, not the open
            log.warning("cannot save the recent files: %s", exc)
        self.recentChanged.emit()

    def _start_dir(self) -> str:
        doc = self.window.doc
        if doc.path:
            return str(user_folder(doc.path))
        recent = self.recent()
        return str(user_folder(Path(recent[0]) if recent else None))

    # -- commands --------------------------------------------------------------------
    def new(self) -> bool:
        if not self.maybe_save():
            return False
        self.loader.cancel()  # a file still being read must not replace the new project
        self.window.set_document(ProjectDocument())
        self.window.show_message("New project: drag on the timeline to draw a region.")
        return True

    def open(
        self, path: str | Path | None = None, on_failed: Callable[[str], object] | None = None
    ) -> bool:
        """Start reading *path* (asked for when None) off the GUI thread; the window stays
        usable and a second open replaces this one. "Save changes?" is asked before the
        read; the document is shown once read; `loader.done` tells how it ended.
        *on_failed* also gets the error text (the start-up's dialog). True when a read
        started."""
        if path is None:
            chosen, _ = QFileDialog.getOpenFileName(
                self.window, "Open project", self._start_dir(), FILTER
            )
            if not chosen:
                return False
            path = chosen
        path = Path(path)

        def failed(text: str) -> None:
            log.warning("open failed: %s", text)
            message = f"Could not open the project. {text}"
            self.window.show_message(message, "error", keep=on_failed is not None)
            if on_failed is not None:
                on_failed(message)

        return self.read(path, path.name, self._show_opened, failed)

    def open_when_shown(self, path: Path, on_failed: Callable[[str], object]) -> None:
        """The file given at start-up: read once the window is first painted, so the
        read (and jsonschema's import) does not compete with the first paint."""
        self.pending = path
        self.window.timeline.set_empty_text(f"Opening {path.name}…")  # the first frame

        def start() -> None:
            self.pending = None
            self.open(path, on_failed)

        call_after_first_paint(self.window.timeline, start)

    def _show_opened(self, loaded: Loaded) -> bool:
        project, path = loaded.project, loaded.path
        if not self.may_show():
            return False
        self.window.set_document(open_document(project, path))
        self.add_recent(path)
        log.info("opened %s (%d regions)", path, len(project.regions))
        if not self.warn_about_problems(project, loaded.problems):
            show_note(self.window, project)
        return True

    def warn_about_problems(
        self, project: Project, problems: list[Problem] | None = None, *, schema: bool = True
    ) -> bool:
        """Say at once, not at render time, what in a just-opened project can't be sent
        (*problems*, found while reading it, else here); select the first offending region.
        Clears a stale error from a failed open. True when there was something to say.
        *schema*: as in `validate_request`."""
        bar = self.window.message_bar
        if problems is None:
            problems = sendable_problems(project, schema=schema) if project.regions else []
        if not problems:
            if bar.isVisible() and bar.kind == "error":
                bar.hide()
            return False
        first = problems[0]
        regions = project.sorted_regions()
        if first.index is not None and first.index < len(regions):
            region = regions[first.index]
            self.window.doc.select([region.uid])
            self.window.doc.set_playhead(region.time)
        shown = [p.user_text(_name_of(regions, p.index)) for p in problems[:MAX_LISTED]]
        more = len(problems) - len(shown)
        rest = f"\n(and {more} more problem{'s' if more > 1 else ''})" if more else ""
        intro = "This project can't be rendered as it is:" if len(shown) > 1 else (
            "This project can't be rendered as it is.")  # fmt: skip
        self.window.show_message(f"{intro}\n" + "\n".join(shown) + rest, "warning")
        return True

    def save(self) -> bool:
        doc = self.window.doc
        if doc.path is None:
            return self.save_as()
        return self._write(doc.path)

    def save_as(self) -> bool:
        doc = self.window.doc
        name = f"{file_stem(doc.display_name, 'Untitled')}{SUFFIX}"  # no ':' from a title
        suggestion = str(doc.path or Path(self._start_dir()) / name)
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
            self.window.show_message(
                f"Could not save: {exc.strerror or exc}", "error", "Save As...", self.save_as
            )
            return False
        self.add_recent(path)
        self.window.statusBar().showMessage(f"Saved {path}", 4000)
        return True

    def maybe_save(self) -> bool:
        """True when it is fine to drop the open document (saved, discarded or clean).
        Asked before New, Open and Quit alike, so the question names none of them."""
        doc = self.window.doc
        if not doc.dirty:
            return True
        answer = QMessageBox.question(
            self.window,
            "Save changes?",
            f"“{doc.display_name}” has unsaved changes. Save them first?",
            QMessageBox.StandardButton.Save
            | QMessageBox.StandardButton.Discard
            | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save()
        return answer == QMessageBox.StandardButton.Discard

    def offer_restore(self) -> bool:
        """After a crash: offer the unsaved work autosaved by the session that died, once.

        When the user started with a named file and the autosave is of another project,
        the offer goes to the message bar instead of a question in front of their file:
        a leftover "Untitled" must not hijack opening it. Ignored, that offer is not made
        again at the next start (it came back at every one): File > Restore Unsaved Work
        keeps it within reach."""
        recoveries = find_recoveries()
        self.update_restore_action()
        if not recoveries or all(r.offered for r in recoveries):
            return False
        newest = recoveries[0]
        name = newest.name or "Untitled"
        when = time.strftime("%H:%M on %d %b", time.localtime(newest.saved_at))
        opened = self.window.doc.path or self.loader.path or self.pending  # (start-up's file)
        if opened is not None and not _same_file(newest.original_path, opened):
            self.window.show_message(
                f"Unsaved changes to “{name}” (autosaved at {when}) were left when Muzaic "
                "Studio last closed without saving. Later: File > Restore Unsaved Work.",
                "info", "Restore", lambda: self._restore(recoveries),
                second=("Discard", lambda: self._discard(recoveries)), keep=True,
            )  # fmt: skip
            for recovery in recoveries:
                recovery.mark_offered()
            return False
        answer = QMessageBox.question(
            self.window,
            "Restore unsaved work?",
            f"Muzaic Studio did not close properly. Restore the unsaved changes to "
            f"“{name}” autosaved at {when}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        if answer == QMessageBox.StandardButton.Yes:
            return self._restore(recoveries)
        self._discard(recoveries)
        return False

    def restore_unsaved(self) -> bool:
        """File > Restore Unsaved Work: the newest autosave a crashed session left."""
        recoveries = find_recoveries()
        if not recoveries:
            self.update_restore_action()
            self.window.show_message("There is no unsaved work left to restore.")
            return False
        return self._restore(recoveries)

    def update_restore_action(self) -> None:
        """File > Restore Unsaved Work is enabled while a crashed session's work is left."""
        self.window.action_map["file.restore"].setEnabled(bool(find_recoveries()))

    def _restore(self, recoveries: list[Recovery]) -> bool:
        """Ask to save the current project, then read the newest recovery in the
        background and show it. Kept when the user cancels that question: File > Restore
        Unsaved Work still has it. True when the read started."""

        def show(loaded: Loaded) -> bool:
            if not self.may_show():
                return False
            self.window.set_document(restore(recoveries[0], loaded.project))
            self.window.show_message(
                "Restored the autosaved project. Save it to keep it.", "success"
            )
            self._discard(recoveries)
            return True

        def failed(text: str) -> None:
            self.window.show_message(f"The autosaved project could not be read: {text}", "error")
            self._discard(recoveries)

        return self.read(recoveries[0].project_file, "the autosaved project", show, failed)

    def _discard(self, recoveries: list[Recovery]) -> None:
        for r in recoveries:
            r.discard()
        self.update_restore_action()


def _same_file(stored: str | None, opened: Path) -> bool:
    if not stored:
        return False
    try:
        return Path(stored).resolve() == Path(opened).resolve()
    except OSError:
        return False
