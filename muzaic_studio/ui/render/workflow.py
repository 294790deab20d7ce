"""The render workflow, installed into the main window by one call: `install_render_workflow`.

It adds, without the main window knowing the details:

* Render menu + toolbar: Render (Ctrl+R), Render Changes (Ctrl+Shift+R), Cancel Render,
  Play/Pause (Space), Loop Selection (L), A/B Last Two Renders, Backend Preferences,
  API Key; File > Export Audio (Ctrl+E); a backend chooser in the toolbar.
* Docks: the hash library and the render history (toggles in the View menu).
* Status bar: render progress with elapsed time and Cancel, the token balance; the
  backend's name through the window's ``set_backend_label``.
* The player: the playhead follows the audio; moving the playhead (ruler click, Home, ...)
  seeks; preview of library hashes on a second player that leaves the playhead alone.
* Library drops on the timeline (an event filter; the timeline's code is not touched).

Every message goes to the window's non-blocking banner with the action that fixes it.
The workflow builds the widgets and wires them; the parts with their own state are
objects it owns: the player's transport (`transport.Transport`), going back to an earlier
render (`history_switch.HistorySwitcher`), the library's actions
(`library_preview.HashLibraryActions`). Backend choosing is in `backend_choice`, the
widgets and the action table in `widgets`.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QApplication,
    QDialog,
    QDockWidget,
    QLabel,
    QMainWindow,
)

from muzaic_studio.contract.errors import (
    NetworkError,
)
from muzaic_studio.ui.dialogs.preferences import (
    BackendManager,
)
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.library.dock import (
    LibraryPanel,
    LibraryStore,
    TimelineDropFilter,
)
from muzaic_studio.ui.playback.mix_playback import PlayerMix
from muzaic_studio.ui.playback.player import Player
from muzaic_studio.ui.render.backend_choice import BackendChoice
from muzaic_studio.ui.render.controller import (
    Notice,
    RenderController,
    RenderSummary,
)
from muzaic_studio.ui.render.history import HistoryPanel, RenderHistory
from muzaic_studio.ui.render.history_switch import HistorySwitcher
from muzaic_studio.ui.render.library_preview import HashLibraryActions
from muzaic_studio.ui.render.tips import RenderTips
from muzaic_studio.ui.render.transport import Transport
from muzaic_studio.ui.render.widgets import ACTION_SPECS, LoopOverlay, RenderProgress, make_action
from muzaic_studio.ui.window.addons import WindowWorkflow
from muzaic_studio.ui.window.first_paint import call_after_first_paint
from muzaic_studio.ui.workers import TaskRunner


class RenderWorkflow(WindowWorkflow):
    """Everything issue 6 adds to a main window; created by `install_render_workflow`."""

    def __init__(self, window: QMainWindow, *, audio: bool | None = None) -> None:
        super().__init__(window)
        self.doc: ProjectDocument | None = None
        #: Ask before spending cloud tokens (tests turn it off: a modal box would wait).
        self.ask_before_spending = True
        #: Play from the playhead when a render arrives (only where there is a sound device,
        #: so a silent machine keeps the "Rendered ..." message instead of a warning).
        self.autoplay = True
        #: A render Export asked for (export/flow.py): Export opens on it; it does not play.
        self.for_export = False
        self.backends = BackendManager(self)
        self.controller = RenderController(self)
        self.player = Player(self, audio=audio)
        self.preview_player = Player(self, audio=audio)
        self.player_mix = PlayerMix(self.player, lambda: self.doc)  # gains and fades, live
        self.library = LibraryStore(self)
        self.aux = TaskRunner(self, max_threads=2)  # history switches, previews
        self.actions: dict[str, QAction] = {}

        self._build_docks()
        self._build_status()
        self.backend_choice = BackendChoice(
            window, self.backends, self.controller, self.aux, self.library_dock,
            self.balance_label, self.say, lambda only: self.render(only),
            lambda: self.ask_before_spending,
        )  # fmt: skip
        self._build_actions()
        self.tips = RenderTips(window, lambda: self.doc.project if self.doc else None,
                               self.actions["render.render"], self.actions["render.changes"])  # fmt: skip
        self._build_toolbar()
        self._build_menus()
        a = self.actions
        self.transport = Transport(self.player, self.preview_player, a["render.play"],
                                   a["render.loop"], self.play_label, self.say)  # fmt: skip
        self.history_switch = HistorySwitcher(
            self.history_dock, self.player, self.aux, a["render.ab"], self.say
        )
        self.hash_library = HashLibraryActions(
            window, self.library, self.library_dock, self.player, self.preview_player,
            self.controller, self.aux, self.say, lambda: self.ask_before_spending,
        )  # fmt: skip
        self._connect()
        self.drop_filter = TimelineDropFilter(window.timeline, self.hash_library.drop_hash)  # type: ignore[attr-defined]
        self.loop_overlay = LoopOverlay(window.timeline)  # type: ignore[attr-defined]
        self.player.loopChanged.connect(self.loop_overlay.set_span)
        window.installEventFilter(self)
        self.set_document(window.doc)  # type: ignore[attr-defined]
        if hasattr(window, "documentChanged"):
            window.documentChanged.connect(self._on_document_changed)
        # The engine child imports numpy and scipy: start it after the first paint, so it
        # does not compete with the window for the CPU (issue 17); Render stays enabled.
        call_after_first_paint(getattr(window, "timeline", window), self.backend_choice.start)
        call_after_first_paint(getattr(window, "timeline", window), self.player.prepare_audio)

    def use_backend(self, backend: Any, reason: str = "") -> None:
        """Render with *backend* (the preferences do this; tests hand in their client)."""
        self.backend_choice.use_backend(backend, reason)

    def may_quit(self) -> bool:
        """False if the user keeps the window (a cloud render in flight may still charge)."""
        return self.backend_choice.may_quit()

    # -- construction -------------------------------------------------------------------
    def _build_actions(self) -> None:
        for spec in ACTION_SPECS:
            action = make_action(self.window, spec)
            self.actions[spec[0]] = action
            self.window.addAction(action)
        a = self.actions
        a["render.render"].triggered.connect(lambda: self.render(False))
        a["render.changes"].triggered.connect(lambda: self.render(True))
        a["render.cancel"].triggered.connect(self.controller.cancel)
        a["render.cancel"].setEnabled(False)
        choice = self.backend_choice
        a["render.preferences"].triggered.connect(lambda: choice.open_preferences())
        a["render.key"].triggered.connect(lambda: choice.open_key_dialog())
        a["file.export"].triggered.connect(self.open_export)

    def _build_docks(self) -> None:
        self.library_dock = LibraryPanel(self.library)
        self.history_dock = HistoryPanel()
        self.docks: dict[str, QDockWidget] = {}
        area = Qt.DockWidgetArea.RightDockWidgetArea
        add_dock = getattr(self.window, "add_dock", None)
        for title, panel in (("Hash Library", self.library_dock),
                             ("Render History", self.history_dock)):  # fmt: skip
            if callable(add_dock):
                dock = add_dock(panel, title, area)
            else:
                dock = QDockWidget(title, self.window)
                dock.setObjectName(f"dock_{title.lower().replace(' ', '_')}")
                dock.setWidget(panel)
                self.window.addDockWidget(area, dock)
            self.docks[title] = dock
        catalogue = getattr(self.window, "tag_catalogue", None)
        if catalogue is not None and getattr(catalogue, "names", None):
            self.library_dock.set_tag_names(catalogue.names)

    def _build_status(self) -> None:
        bar = self.window.statusBar()
        self.progress = RenderProgress(bar)
        self.progress.cancel_button.clicked.connect(self.controller.cancel)
        self.progress.try_now_button.clicked.connect(self.controller.try_now)
        self.balance_label = QLabel(bar)
        self.balance_label.setObjectName("balanceLabel")
        self.balance_label.setToolTip("Tokens left on the active backend")
        self.play_label = QLabel(bar)
        self.play_label.setObjectName("playLabel")
        for label in (self.play_label, self.balance_label):  # apart, as the window's own
            label.setContentsMargins(8, 0, 8, 0)
        bar.addPermanentWidget(self.progress)
        bar.addPermanentWidget(self.play_label)
        bar.addPermanentWidget(self.balance_label)

    def _build_toolbar(self) -> None:
        toolbar = getattr(self.window, "toolbar", None)
        if toolbar is None:
            return
        toolbar.addSeparator()
        self.backend_choice.add_combo(toolbar)
        for key in ("render.render", "render.changes", "render.play", "render.loop", "file.export"):
            toolbar.addAction(self.actions[key])
        for key, text in (("render.render", "Render"), ("render.changes", "Changes")):
            # iconText, not button.setText(): Qt resets the text on every action change.
            self.actions[key].setIconText(text)
            button = toolbar.widgetForAction(self.actions[key])
            if button is not None:
                button.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)

    def _build_menus(self) -> None:
        menus: dict[str, Any] = getattr(self.window, "menus", {}) or {}
        render = menus.get("render") or self.window.menuBar().addMenu("&Render")
        a = self.actions
        for key in ("render.render", "render.changes", "render.cancel"):
            render.addAction(a[key])
        render.addSeparator()
        for key in ("render.play", "render.loop", "render.ab"):
            render.addAction(a[key])
        render.addSeparator()
        render.addAction(a["render.preferences"])
        render.addAction(a["render.key"])
        file_menu = menus.get("file")
        if file_menu is not None:
            quit_action = next(
                (x for x in file_menu.actions() if x.objectName() == "file.quit"), None
            )
            if quit_action is not None:
                file_menu.insertAction(quit_action, a["file.export"])
                file_menu.insertSeparator(quit_action)
            else:
                file_menu.addAction(a["file.export"])
        else:
            render.addAction(a["file.export"])
        if not callable(getattr(self.window, "add_dock", None)):
            view = menus.get("view") or render
            for dock in self.docks.values():
                view.addAction(dock.toggleViewAction())

    def _connect(self) -> None:
        c = self.controller
        c.notice.connect(self._show_notice)
        c.started.connect(self._render_started)
        c.progress.connect(self.progress.show_progress)
        c.progress.connect(lambda *_: self.progress.show_waiting(c.clock.waiting))
        c.busyChanged.connect(self._busy_changed)
        c.rendered.connect(self._rendered)
        c.problemAt.connect(self._show_time)
        c.on_library_changed = self.library.sync_from_project
        self.player.message.connect(self.say)
        self.preview_player.message.connect(self.say)

    # -- messages -----------------------------------------------------------------------
    def _show_notice(self, notice: Notice) -> None:
        error = self.controller.last_error
        dead_server = (
            isinstance(error, NetworkError)
            and notice.kind == "error"
            and error.message in notice.text  # also "Cannot read the tag list of ...: "
            and getattr(self.controller.backend, "name", None) != "offline"
        )
        show = getattr(self.window, "show_message", None)
        if dead_server and callable(show):
            # The cloud can't be reached: rendering offline is a way on, not just Retry.
            show(notice.text, notice.kind, notice.action_text, notice.action,
                 second=("Use offline engine", self.backend_choice.use_offline_engine))  # fmt: skip
            return
        self.say(notice.text, notice.kind, notice.action_text, notice.action)

    # -- documents ----------------------------------------------------------------------
    def _on_document_changed(self, *args: Any) -> None:
        doc = args[0] if args and isinstance(args[0], ProjectDocument) else self.window.doc  # type: ignore[attr-defined]
        self.set_document(doc)

    def set_document(self, doc: ProjectDocument | None) -> None:
        if doc is self.doc:
            return
        if self.doc is not None:
            with contextlib.suppress(RuntimeError, TypeError):
                self.doc.regionsChanged.disconnect(self._update_render_tips)
        self.transport.set_document(doc)
        self.doc = doc
        self.controller.set_document(doc)
        self.library.set_document(doc)
        self.hash_library.set_document(doc, self.history)
        if doc is not None:
            doc.regionsChanged.connect(self._update_render_tips)
        self.history_switch.set_document(doc, self.history)
        self._update_render_tips()

    @property
    def history(self) -> RenderHistory | None:
        """The kept renders of the current document (made by the controller)."""
        return self.controller.history

    def selection_span(self) -> tuple[float, float] | None:
        """(start, end) of the selected regions: what Loop and Export use."""
        return self.transport.selection_span()

    def _update_render_tips(self) -> None:
        self.tips.update()

    def _show_time(self, seconds: float) -> None:
        ensure_visible = getattr(getattr(self.window, "timeline", None), "ensure_visible", None)
        if callable(ensure_visible):
            ensure_visible(seconds)

    # -- render -------------------------------------------------------------------------
    def render(self, only_changes: bool) -> bool:
        if self.doc is None:
            return False
        held = self.backend_choice.hold_render(only_changes)
        if held is not None:
            return held
        if self.player.playing:
            self.player.pause()
        self.history_switch.cancel_switch()
        return self.controller.render(only_changes)

    def _render_started(self, summary: RenderSummary) -> None:
        self.progress.show()
        self.progress.show_progress(0.0, f"Rendering {summary.text()}")

    def _busy_changed(self, busy: bool) -> None:
        compact = getattr(self.window, "set_status_compact", None)
        if callable(compact):
            compact(busy)  # room for the progress text
        self.progress.setVisible(busy)
        bar = self.window.statusBar()
        if not busy and bar.currentMessage().startswith("Rendering "):
            bar.clearMessage()  # a failed or cancelled render must not still say "Rendering"
        self.actions["render.cancel"].setEnabled(busy)
        self.actions["render.render"].setEnabled(not busy)
        self.actions["render.changes"].setEnabled(not busy)

    def _rendered(self, outcome: Any) -> None:
        self._update_render_tips()
        self.player.set_source(outcome.audio_path, outcome.audio_duration, keep_position=True)
        # Hear it at once, unless it was made for Export or a dialog is in front: sound
        # from behind a modal dialog is sound the user can't stop (silent machines: no).
        wanted = self.autoplay and not self.for_export and QApplication.activeModalWidget() is None
        if wanted and self.player.has_audio and self.doc is not None:
            self.player.play(self.doc.playhead)
        self.history_switch.refresh()
        self.backends.refresh_balance()

    # -- export -------------------------------------------------------------------------
    def open_export(self) -> QDialog | None:
        from muzaic_studio.ui.export.flow import open_export

        return open_export(self)

    # -- shutdown -----------------------------------------------------------------------
    def shutdown(self) -> None:
        # The offline engine's child first: a render in flight on a worker thread then
        # fails at once instead of holding the quit until it finishes (issue 17).
        stop = getattr(sys.modules.get("muzaic_studio.api.engine_child"), "stop_shared", None)
        if stop is not None:
            stop(at_once=True)
        self.player.close()
        self.preview_player.close()
        self.controller.shutdown()
        self.backends.shutdown()
        self.aux.shutdown()


def install_render_workflow(window: QMainWindow, *, audio: bool | None = None) -> RenderWorkflow:
    """Add rendering, playback, library, history and export to *window* (see module doc)."""
    workflow = RenderWorkflow(window, audio=audio)
    window.render_workflow = workflow  # type: ignore[attr-defined]
    return workflow
