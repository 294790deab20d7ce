"""The main window: menus, toolbar, the timeline in the centre, docks, status bar.

Stable surface for the rest of the UI (render workflow, player, library dock):
``doc``, ``set_document(doc)`` + ``documentChanged``, ``menus`` ("file", "edit", "view",
"render", "help"), ``toolbar``, ``timeline``, ``show_message(...)``, ``add_dock(...)``,
``set_backend_label(...)``, ``set_tag_catalogue(...)``. The window wires commands to
handlers; the handlers' logic lives in editing.py, project_files.py and autosave.py; the menus, toolbar
and status bar are built and kept current by the chrome it owns (chrome.py). The window owns the
edit/view command table (commands.py) and its size and dock layout (window_layout.py). A closed
window stops what it timed (banners, status messages, autosave): nothing fires on a window the
user has left.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMenu,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from muzaic_studio.model.project import SUFFIX
from muzaic_studio.ui.app_extras import install_app_extras
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.inspector.panel import Inspector
from muzaic_studio.ui.inspector.tag_catalogue import TagCatalogue
from muzaic_studio.ui.render.precheck import BannerRecheck
from muzaic_studio.ui.render.workflow import install_render_workflow
from muzaic_studio.ui.timeline.markers import install_marker_workflow
from muzaic_studio.ui.timeline.view import TimelineView
from muzaic_studio.ui.video.layout import install_video_layout
from muzaic_studio.ui.video.workflow import install_video_workflow
from muzaic_studio.ui.window.actions import create_actions
from muzaic_studio.ui.window.autosave import Autosave
from muzaic_studio.ui.window.chrome import WindowChrome
from muzaic_studio.ui.window.commands import WindowCommands
from muzaic_studio.ui.window.first_paint import call_after_first_paint
from muzaic_studio.ui.window.message_bar import MessageBar
from muzaic_studio.ui.window.overflow_escape import OverflowEscape
from muzaic_studio.ui.window.project_files import ProjectFiles
from muzaic_studio.ui.window.toolbar_order import order_transport
from muzaic_studio.ui.window.window_layout import WindowLayout
from muzaic_studio.wording import plural

APP_NAME = "Muzaic Studio"


class MainWindow(QMainWindow):
    documentChanged = Signal(object)  # the new ProjectDocument

    def __init__(self, doc: ProjectDocument | None = None, *, autosave: bool = True) -> None:
        super().__init__()
        self.setObjectName("MainWindow")
        self.setWindowTitle(APP_NAME)
        self.setAcceptDrops(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks | QMainWindow.DockOption.AllowTabbedDocks
        )
        self.doc = doc or ProjectDocument()
        self.tag_catalogue = TagCatalogue()
        self.files = ProjectFiles(self)
        self.action_map = create_actions(self)
        self.menus: dict[str, QMenu] = {}
        self.docks: dict[str, QDockWidget] = {}
        self.window_layout = WindowLayout(self)
        self.commands = WindowCommands(self)

        self.timeline = TimelineView(self.doc)
        self.message_bar = MessageBar()
        self._banner_recheck = BannerRecheck(
            self.message_bar,
            lambda: getattr(getattr(self, "render_workflow", None), "controller", None),
            self,
        )
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.timeline, 1)
        layout.addWidget(self.message_bar)  # below the timeline: it hides none of it
        self.setCentralWidget(central)
        bar = self.message_bar
        self.timeline.banner_room = lambda: bar.height() if bar.isVisible() else 0

        self.chrome = WindowChrome(self)
        self.toolbar, self.status = self.chrome.toolbar, self.chrome.status
        self.commands.wire()
        self.timeline.message.connect(self.show_message)
        self._connect_doc(self.doc)
        self._on_doc_changed()
        self.inspector = Inspector(self.doc)
        self.inspector.message.connect(self.show_message)
        self.add_dock(self.inspector, "Inspector", Qt.DockWidgetArea.RightDockWidgetArea)
        self.docks["Inspector"].toggleViewAction().setShortcut("Ctrl+I")
        # ready before the first click, but not in the way of the first paint
        call_after_first_paint(self.timeline, self.inspector.build_form)

        self.autosave = Autosave(lambda: self.doc, self)
        self.autosave.saved.connect(lambda p: self.statusBar().showMessage("Autosaved", 2500))
        self.autosave.failed.connect(lambda text: self.show_message(text, "warning"))
        if autosave:  # its marker's write (an fsync) waits for the first paint
            call_after_first_paint(self.timeline, self.autosave.start)
        library = install_render_workflow(
            self
        ).library  # render, playback, library, history, export
        self.inspector.known_hashes = lambda: (e.hash for e in library.user.entries())
        order_transport(self.toolbar, self.status.playhead, self.action_map["tool.select"])
        OverflowEscape(self.toolbar)  # Escape closes the » overflow, not the selection
        install_app_extras(self)  # Help > About/Report a problem, log, first-run banner
        install_video_workflow(self)  # import video, preview, thumbnails, scenes, export
        install_marker_workflow(self)  # M: markers, Regions from Markers, CSV
        install_video_layout(self)  # View > Video Layout, the transport clock
        self.window_layout.default_size()
        self.window_layout.arrange_docks()
        self.window_layout.restore()

    # -- public API used by other parts of the app -------------------------------------
    def set_document(self, doc: ProjectDocument) -> None:
        """Show *doc* instead of the current document (after New/Open/restore)."""
        old = self.doc
        self._disconnect_doc(old)
        self.doc = doc
        self.timeline.set_document(doc)
        self.inspector.set_document(doc)
        self._connect_doc(doc)
        self._on_doc_changed()
        self.documentChanged.emit(doc)
        if old is not doc:
            old.deleteLater()

    def show_message(self, text: str, kind: str = "info", action_text: str | None = None,
                     action: Callable[[], Any] | None = None,
                     second: tuple[str, Callable[[], Any]] | None = None, *,
                     keep: bool = False, polite: bool = False) -> None:  # fmt: skip
        """A non-blocking banner under the timeline (info / success / warning /
        error), with up to two buttons that fix it (e.g. Retry, Use offline engine); see
        MessageBar for *keep* and *polite*."""
        self.message_bar.show_message(text, kind, action_text, action, second, keep=keep,
                                      polite=polite)  # fmt: skip

    def add_dock(self, widget: QWidget, title: str,
                 area: Qt.DockWidgetArea = Qt.DockWidgetArea.RightDockWidgetArea) -> QDockWidget:  # fmt: skip
        dock = QDockWidget(title, self)
        dock.setObjectName(f"dock_{title.lower().replace(' ', '_')}")
        dock.setWidget(widget)
        dock.setFeatures(QDockWidget.DockWidgetFeature.DockWidgetMovable
                         | QDockWidget.DockWidgetFeature.DockWidgetClosable
                         | QDockWidget.DockWidgetFeature.DockWidgetFloatable)  # fmt: skip
        self.addDockWidget(area, dock)
        toggle = dock.toggleViewAction()
        toggle.setToolTip(f"Show or hide the {title} panel")
        toggle.setStatusTip(f"Show or hide the {title} panel")
        self.menus["panels"].addAction(toggle)
        self.docks[title] = dock
        self.window_layout.dock_added()
        return dock

    def set_status_compact(self, on: bool) -> None:
        """While a render shows its progress, the status labels step aside."""
        self.status.set_compact(on)

    def set_backend_label(self, text: str) -> None:
        self.status.backend.setText(text)

    def set_tag_catalogue(self, catalogue: TagCatalogue | dict) -> None:
        if isinstance(catalogue, dict):
            catalogue = TagCatalogue.from_response(catalogue)
        self.tag_catalogue = catalogue
        self.timeline.tag_names = catalogue.names
        self.inspector.set_catalogue(catalogue)
        self.timeline.viewport().update()

    def after_show(self) -> None:
        """Work that waits until the window is on screen (keeps start-up fast)."""
        if not self.tag_catalogue.names:
            self.set_tag_catalogue(TagCatalogue.offline())
        self.files.offer_restore()

    # -- document wiring ---------------------------------------------------------------
    def _doc_connections(self, doc: ProjectDocument) -> list[tuple[Any, Callable[..., Any]]]:
        stack = doc.undo_stack
        return [
            (doc.playheadChanged, self.chrome.show_playhead),
            (doc.regionsChanged, self.chrome.update_status),
            (doc.regionsChanged, self._recheck_problem_banner),
            (doc.selectionChanged, self._update_selection_actions),
            (doc.dirtyChanged, self._update_title),
            (doc.pathChanged, self._update_title),
            (stack.canUndoChanged, self._update_undo_actions),
            (stack.canRedoChanged, self._update_undo_actions),
            (stack.undoTextChanged, self._update_undo_actions),
            (stack.redoTextChanged, self._update_undo_actions),
        ]

    def _connect_doc(self, doc: ProjectDocument) -> None:
        for signal, slot in self._doc_connections(doc):
            signal.connect(slot)

    def _disconnect_doc(self, doc: ProjectDocument) -> None:
        for signal, slot in self._doc_connections(doc):
            with contextlib.suppress(RuntimeError, TypeError):
                signal.disconnect(slot)

    def _on_doc_changed(self) -> None:
        self.chrome.show_playhead(self.doc.playhead)
        self._update_title()
        self.chrome.update_status()
        self._update_undo_actions()
        self._update_selection_actions()

    def _doc_alive(self) -> bool:
        """False while the document's Qt objects are being destroyed (app shutdown)."""
        return Shiboken.isValid(self.doc) and Shiboken.isValid(self.doc.undo_stack)

    def _update_title(self, *_args: Any) -> None:
        if not self._doc_alive():
            return
        self.setWindowTitle(f"{self.doc.display_name}[*] — {APP_NAME}")
        self.setWindowModified(self.doc.dirty)
        if self.doc.path:
            self.setWindowFilePath(str(self.doc.path))

    def _recheck_problem_banner(self) -> None:
        """A banner about what can't be rendered goes once edits or undos (e.g. deleting
        the region it named) leave nothing the render would refuse, checked when they
        pause; it stays while something does. One about a refused timeline gesture goes
        with the next edit that went through."""
        bar = self.message_bar
        if bar.isVisible() and bar.text and bar.text == self.timeline.refusal:
            bar.dismiss()
            return
        self._banner_recheck.schedule()

    def _update_undo_actions(self, *_args: Any) -> None:
        if not self._doc_alive():
            return
        stack = self.doc.undo_stack
        undo, redo = self.action_map["edit.undo"], self.action_map["edit.redo"]
        undo.setEnabled(stack.canUndo())
        redo.setEnabled(stack.canRedo())
        undo.setText(f"&Undo {stack.undoText()}" if stack.canUndo() else "&Undo")
        redo.setText(f"&Redo {stack.redoText()}" if stack.canRedo() else "&Redo")
        undo.setToolTip(
            f"Undo {stack.undoText()} (Ctrl+Z)" if stack.canUndo() else "Nothing to undo"
        )
        redo.setToolTip(
            f"Redo {stack.redoText()} (Ctrl+Shift+Z)" if stack.canRedo() else "Nothing to redo"
        )

    def _update_selection_actions(self) -> None:
        has = bool(self.doc.selection)
        for key in ("edit.cut", "edit.copy", "edit.duplicate", "edit.delete"):
            self.action_map[key].setEnabled(has)
        n = len(self.doc.selection)
        if n:
            self.statusBar().showMessage(f"{plural(n, 'region')} selected", 2000)

    def close_unattended(self) -> None:
        """SIGTERM: close as a quit would, without asking (nobody may be there to answer):
        unsaved changes stay in the autosave as a recovery, else nothing is left behind."""
        self._unattended = True
        self.autosave.end_unattended()
        self.close()

    def closeEvent(self, event: QCloseEvent) -> None:
        self._banner_recheck.stop()
        if getattr(self, "_unattended", False):
            self.files.loader.cancel()
            self.window_layout.save()
            self.message_bar.clear()
            self.statusBar().clearMessage()
            event.accept()
            return
        workflow = getattr(self, "render_workflow", None)
        if workflow is not None and not workflow.may_quit():
            event.ignore()
            return
        if not self.files.maybe_save():
            event.ignore()
            return
        self.files.loader.cancel()  # a project still being read is not shown in a closed window
        self.window_layout.save()
        self.autosave.clean_exit()
        self.message_bar.clear()
        self.statusBar().clearMessage()
        event.accept()

    def dragEnterEvent(self, event: Any) -> None:
        if any(u.toLocalFile().endswith(SUFFIX) for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:
        for url in event.mimeData().urls():
            path = url.toLocalFile()
            if path.endswith(SUFFIX):
                event.acceptProposedAction()
                QTimer.singleShot(0, self, lambda p=path: self.files.open(p))
                return
