"""The main window: menus, toolbar, the timeline in the centre, docks, status bar.

Stable surface for the rest of the UI (render workflow, player, library dock):
``doc``, ``set_document(doc)`` + ``documentChanged``, ``menus`` ("file", "edit", "view",
"render", "help"), ``toolbar``, ``timeline``, ``show_message(...)``, ``add_dock(...)``,
``set_backend_label(...)``, ``set_tag_catalogue(...)``. The window wires commands to
handlers; the handlers' logic lives in editing.py, project_files.py and autosave.py; the menus, toolbar
and status bar are built in chrome.py.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QByteArray, Qt, QTimer, Signal
from PySide6.QtGui import QAction, QCloseEvent, QGuiApplication
from PySide6.QtWidgets import (
    QDockWidget,
    QMainWindow,
    QMenu,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)
from shiboken6 import Shiboken

from muzaic_studio.model import ProjectError, validate_request
from muzaic_studio.model.project import SUFFIX
from muzaic_studio.ui import editing
from muzaic_studio.ui.app_extras import install_app_extras
from muzaic_studio.ui.document import EditError, ProjectDocument
from muzaic_studio.ui.inspector.panel import Inspector
from muzaic_studio.ui.inspector.tag_catalogue import TagCatalogue
from muzaic_studio.ui.render.workflow import install_render_workflow
from muzaic_studio.ui.settings import app_settings
from muzaic_studio.ui.timeline.markers import install_marker_workflow
from muzaic_studio.ui.timeline.view import TimelineView
from muzaic_studio.ui.video.layout import install_video_layout
from muzaic_studio.ui.video.workflow import install_video_workflow
from muzaic_studio.ui.window.actions import create_actions
from muzaic_studio.ui.window.autosave import Autosave, find_recoveries, restore
from muzaic_studio.ui.window.chrome import GRID_MODES, TOOLS, WindowChrome
from muzaic_studio.ui.window.message_bar import MessageBar
from muzaic_studio.ui.window.project_files import ProjectFiles
from muzaic_studio.ui.window.toolbar_order import order_transport
from muzaic_studio.wording import plural

APP_NAME = "Muzaic Studio"


class MainWindow(WindowChrome):
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
        self._saved_state: QByteArray | None = None

        self.timeline = TimelineView(self.doc)
        self.message_bar = MessageBar()
        central = QWidget()
        layout = QVBoxLayout(central)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.timeline, 1)
        self.setCentralWidget(central)
        self.message_bar.float_over(
            self.timeline, lambda: self.timeline.horizontalScrollBar().height()
        )

        self._build_menus()
        self._build_toolbar()
        self._build_status_bar()
        self._wire_actions()
        self.timeline.message.connect(self.show_message)
        self.timeline.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.timeline.customContextMenuRequested.connect(self._timeline_menu)
        self.timeline.cursorTimeChanged.connect(self._on_cursor)
        self.timeline.zoomChanged.connect(lambda _z: self._update_status())
        self.files.recentChanged.connect(self._fill_recent_menu)
        self._fill_recent_menu()
        self._connect_doc(self.doc)
        self._on_doc_changed()
        self.inspector = Inspector(self.doc)
        self.inspector.message.connect(self.show_message)
        self.add_dock(self.inspector, "Inspector", Qt.DockWidgetArea.RightDockWidgetArea)
        self.docks["Inspector"].toggleViewAction().setShortcut("Ctrl+I")

        self.autosave = Autosave(lambda: self.doc, self)
        self.autosave.saved.connect(lambda p: self.statusBar().showMessage("Autosaved", 2500))
        if autosave:
            self.autosave.start()
        library = install_render_workflow(
            self
        ).library  # render, playback, library, history, export
        self.inspector.known_hashes = lambda: (e.hash for e in library.user.entries())
        order_transport(self.toolbar, self._playhead_label, self.action_map["tool.select"])
        install_app_extras(self)  # Help > About/Report a problem, log, first-run banner
        install_video_workflow(self)  # import video, preview, thumbnails, scenes, export
        install_marker_workflow(self)  # M: markers, Regions from Markers, CSV
        install_video_layout(self)  # View > Video Layout, the transport clock
        self._default_size()
        self._arrange_docks()
        self._restore_layout()

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
        """A non-blocking banner over the top of the timeline (info / success / warning /
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
        if self._saved_state is not None:
            self.restoreState(self._saved_state)
        return dock

    def set_backend_label(self, text: str) -> None:
        self._backend_label.setText(text)

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
        self.offer_restore()

    def offer_restore(self) -> bool:
        """After a crash: offer the unsaved work autosaved by the session that died."""
        recoveries = find_recoveries()
        if not recoveries:
            return False
        newest = recoveries[0]
        when = time.strftime("%H:%M on %d %b", time.localtime(newest.saved_at))
        answer = QMessageBox.question(
            self,
            "Restore unsaved work?",
            f"Muzaic Studio did not close properly. Restore the unsaved changes to "
            f"“{newest.name or 'Untitled'}” autosaved at {when}?",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
            QMessageBox.StandardButton.Yes,
        )
        restored = False
        if answer == QMessageBox.StandardButton.Yes:
            try:
                doc = restore(newest)
            except ProjectError as exc:
                self.show_message(f"The autosaved project could not be read: {exc}", "error")
            else:
                if self.files.maybe_save():
                    self.set_document(doc)
                    self.show_message("Restored the autosaved project. Save it to keep it.",
                                      "success")  # fmt: skip
                    restored = True
        for r in recoveries:
            r.discard()
        return restored

    # -- wiring ------------------------------------------------------------------------
    def _wire_actions(self) -> None:
        a = self.action_map
        f = self.files
        handlers: dict[str, Callable[[], Any]] = {
            "file.new": f.new,
            "file.open": f.open,
            "file.save": f.save,
            "file.save_as": f.save_as,
            "file.quit": self.close,
            "edit.undo": lambda: self.doc.undo_stack.undo(),
            "edit.redo": lambda: self.doc.undo_stack.redo(),
            "edit.cut": self.cut,
            "edit.copy": self.copy,
            "edit.paste": self.paste,
            "edit.duplicate": lambda: self._try(editing.duplicate_selection, self.doc),
            "edit.delete": lambda: self._try(editing.delete_selection, self.doc),
            "edit.split": lambda: self._try(editing.split_at_playhead, self.doc),
            "edit.another_take": self.another_take,
            "edit.select_all": lambda: self.doc.select(r.uid for r in self.doc.regions),
            "edit.deselect": lambda: self.doc.select(()),
            "edit.nudge_left": lambda: self.nudge(-1, small=True),
            "edit.nudge_right": lambda: self.nudge(1, small=True),
            "edit.nudge_left_big": lambda: self.nudge(-1, small=False),
            "edit.nudge_right_big": lambda: self.nudge(1, small=False),
            "edit.select_prev": lambda: self._select_neighbour(-1),
            "edit.select_next": lambda: self._select_neighbour(1),
            "view.zoom_in": lambda: self.timeline.zoom_by(1.5, self._zoom_anchor()),
            "view.zoom_out": lambda: self.timeline.zoom_by(1 / 1.5, self._zoom_anchor()),
            "view.zoom_fit": self.timeline.zoom_to_fit,
            "view.playhead_start": lambda: self._seek(0.0),
            "view.playhead_end": lambda: self._seek(self.doc.timeline_length),
            "view.playhead_prev": lambda: self._seek_edge(-1),
            "view.playhead_next": lambda: self._seek_edge(1),
            "help.shortcuts": self.show_shortcuts,
        }
        for key, handler in handlers.items():
            a[key].triggered.connect(lambda _checked=False, h=handler: h())
        for t in TOOLS:
            a[f"tool.{t}"].triggered.connect(lambda _c=False, t=t: self.set_tool(t))
        for mode in GRID_MODES:
            a[f"view.grid_{mode}"].triggered.connect(lambda _c=False, m=mode: self.set_grid(m))
        a["view.snap"].toggled.connect(self._set_snapping)

    # -- document wiring ---------------------------------------------------------------
    def _doc_connections(self, doc: ProjectDocument) -> list[tuple[Any, Callable[..., Any]]]:
        stack = doc.undo_stack
        return [
            (doc.playheadChanged, self._on_playhead),
            (doc.regionsChanged, self._update_status),
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
        self._on_playhead(self.doc.playhead)
        self._update_title()
        self._update_status()
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
        """A banner about what can't be rendered goes once the edit (e.g. deleting the
        region it named) leaves nothing to complain about."""
        bar = self.message_bar
        about_validity = bar.text.startswith(("Cannot render:", "This project can't be rendered"))
        if bar.isVisible() and about_validity:
            body = self.doc.project.request_body()
            if not self.doc.project.regions or not validate_request(body):
                bar.dismiss()

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

    # -- commands --------------------------------------------------------------------
    def _try(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return fn(*args)
        except EditError as exc:
            self.timeline.show_hint(str(exc))
            self.show_message(str(exc), "warning")
            return None

    def set_tool(self, tool: str) -> None:
        self.timeline.tool = tool
        self.action_map[f"tool.{tool}"].setChecked(True)

    def set_grid(self, mode: str) -> None:
        self.timeline.grid_mode = mode
        self.action_map[f"view.grid_{mode}"].setChecked(True)
        self.timeline.viewport().update()

    def _set_snapping(self, on: bool) -> None:
        self.timeline.snapping = on

    def _zoom_anchor(self) -> float:
        x = self.timeline.scale.x(self.doc.playhead)
        return (
            x
            if 0 <= x <= self.timeline.viewport().width()
            else self.timeline.viewport().width() / 2
        )

    def nudge(self, direction: int, small: bool) -> None:
        step = (self.timeline.grid() or 0.1) if small else 1.0
        self._try(editing.nudge_selection, self.doc, direction * step)

    def another_take(self) -> None:
        said = self._try(editing.another_take, self.doc)
        if said:
            self.show_message(said, "info")

    def _select_neighbour(self, step: int) -> None:
        region = editing.neighbour(self.doc, step)
        if region is not None:
            self.doc.select([region.uid])
            self.timeline.ensure_visible(region.time)

    def _seek(self, seconds: float) -> None:
        self.doc.set_playhead(seconds)
        self.timeline.ensure_visible(self.doc.playhead)

    def _seek_edge(self, step: int) -> None:
        t = self.doc.playhead
        edges = editing.edge_times(self.doc)
        options = [e for e in edges if (e > t + 1e-6 if step > 0 else e < t - 1e-6)]
        if options:
            self._seek(options[0] if step > 0 else options[-1])

    def copy(self) -> None:
        chosen = self.doc.selected_regions()
        if not chosen:
            self.show_message("Select regions to copy.", "warning")
            return
        QGuiApplication.clipboard().setText(editing.regions_to_json(chosen))
        self.statusBar().showMessage(f"Copied {plural(len(chosen), 'region', bare_one=True)}", 2500)

    def cut(self) -> None:
        text = self._try(editing.cut_selection, self.doc)
        if text:
            QGuiApplication.clipboard().setText(text)

    def paste(self) -> None:
        text = QGuiApplication.clipboard().text()
        self._try(editing.paste, self.doc, text, self.doc.playhead)

    def show_shortcuts(self) -> None:
        from muzaic_studio.ui.dialogs.shortcuts import ShortcutsDialog

        ShortcutsDialog(self.findChildren(QAction), self).exec()

    def _arrange_docks(self) -> None:
        """Default layout: the inspector on the right, other right-hand panels as tabs under it."""
        inspector = self.docks["Inspector"]
        others = [d for d in self.docks.values() if d is not inspector
                  and self.dockWidgetArea(d) == Qt.DockWidgetArea.RightDockWidgetArea]  # fmt: skip
        if not others:
            return
        self.splitDockWidget(inspector, others[0], Qt.Orientation.Vertical)
        for dock in others[1:]:
            self.tabifyDockWidget(others[0], dock)
        others[0].raise_()
        # the inspector (tags, params) gets most of a tall screen; the panels under it a quarter
        height = max(780, self.height())
        self.resizeDocks([inspector, others[0]], [height * 3 // 4, height // 4],
                         Qt.Orientation.Vertical)  # fmt: skip
        self.resizeDocks([inspector], [360], Qt.Orientation.Horizontal)

    # -- window state ----------------------------------------------------------------
    def _default_size(self) -> None:
        """First start: most of the screen (the toolbar needs ~1440 px to show everything),
        never less than 1280x780; a saved geometry replaces this in _restore_layout."""
        width, height = 1280, 780
        screen = self.screen()
        # The offscreen platform (tests, benches) reports a fictional 800x600 screen.
        if screen is not None and QGuiApplication.platformName() != "offscreen":
            avail = screen.availableGeometry()
            width = max(width, min(1680, int(avail.width() * 0.9)))
            height = max(height, min(1050, int(avail.height() * 0.9)))
            width, height = min(width, avail.width()), min(height, avail.height())
        self.resize(width, height)

    def _restore_layout(self) -> None:
        s = app_settings()
        geometry = s.value("window/geometry")
        if isinstance(geometry, QByteArray) and not geometry.isEmpty():
            self.restoreGeometry(geometry)
        state = s.value("window/state")
        self._saved_state = state if isinstance(state, QByteArray) and not state.isEmpty() else None
        if self._saved_state is not None:
            self.restoreState(self._saved_state)

    def save_layout(self) -> None:
        s = app_settings()
        s.setValue("window/geometry", self.saveGeometry())
        s.setValue("window/state", self.saveState())
        s.sync()

    def closeEvent(self, event: QCloseEvent) -> None:
        workflow = getattr(self, "render_workflow", None)
        if workflow is not None and not workflow.may_quit():
            event.ignore()
            return
        if not self.files.maybe_save():
            event.ignore()
            return
        self.save_layout()
        self.autosave.clean_exit()
        event.accept()

    def dragEnterEvent(self, event: Any) -> None:
        if any(u.toLocalFile().endswith(SUFFIX) for u in event.mimeData().urls()):
            event.acceptProposedAction()

    def dropEvent(self, event: Any) -> None:
        for url in event.mimeData().urls():
            path = url.toLocalFile()
            if path.endswith(SUFFIX):
                event.acceptProposedAction()
                QTimer.singleShot(0, lambda p=path: self.files.open(p))
                return
