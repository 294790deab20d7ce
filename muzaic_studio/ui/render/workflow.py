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
Backend choosing lives in `render_backend_choice`, the library's actions in
`render_library`, the widgets and the action table in `render_widgets`.
"""

from __future__ import annotations

import contextlib
import sys
import threading
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDockWidget,
    QLabel,
    QMainWindow,
)

from muzaic_studio.contract.errors import (
    NetworkError,
)
from muzaic_studio.render.summary import render_tips
from muzaic_studio.ui.dialogs.preferences import (
    BackendManager,
)
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.icons import icon
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
from muzaic_studio.ui.render.history import HistoryPanel, RenderHistory, RenderRecord
from muzaic_studio.ui.render.library_preview import HashLibraryFeature
from muzaic_studio.ui.render.peaks_feed import PeaksFeed
from muzaic_studio.ui.render.widgets import ACTION_SPECS, LoopOverlay, RenderProgress, make_action
from muzaic_studio.ui.window.first_paint import call_after_first_paint
from muzaic_studio.ui.workers import TaskRunner

HISTORY = "history switch"  # aux slot: the newest switch wins; a library preview is apart


class RenderWorkflow(BackendChoice, HashLibraryFeature):
    """Everything issue 6 adds to a main window; created by `install_render_workflow`."""

    def __init__(self, window: QMainWindow, *, audio: bool | None = None) -> None:
        super().__init__(window)
        self.doc: ProjectDocument | None = None
        #: Ask before spending cloud tokens (tests turn it off: a modal box would wait).
        self.ask_before_spending = True
        #: Play from the playhead when a render arrives (only where there is a sound device,
        #: so a silent machine keeps the "Rendered ..." message instead of a warning).
        self.autoplay = True
        self.backends = BackendManager(self)
        self.controller = RenderController(self)
        self.player = Player(self, audio=audio)
        self.preview_player = Player(self, audio=audio)
        self.player_mix = PlayerMix(self.player, lambda: self.doc)  # gains and fades, live
        self.library = LibraryStore(self)
        self.aux = TaskRunner(self, max_threads=2)  # history switches, previews
        self.history: RenderHistory | None = None
        self._following = False  # True while the player moves the playhead
        self._pending_render: bool | None = None  # asked for before the backend was ready
        self._backend_started = False
        self._key_wanted = False  # the user just chose the cloud: no key opens the dialog
        self.actions: dict[str, QAction] = {}

        self._build_actions()
        self._build_docks()
        self._build_status()
        self._build_toolbar()
        self._build_menus()
        self._connect()
        self.drop_filter = TimelineDropFilter(window.timeline, self.drop_hash)  # type: ignore[attr-defined]
        self.loop_overlay = LoopOverlay(window.timeline)  # type: ignore[attr-defined]
        self.player.loopChanged.connect(self.loop_overlay.set_span)
        window.installEventFilter(self)
        self.set_document(window.doc)  # type: ignore[attr-defined]
        if hasattr(window, "documentChanged"):
            window.documentChanged.connect(self._on_document_changed)
        # The engine child imports numpy and scipy: start it after the first paint, so it
        # does not compete with the window for the CPU (issue 17); Render stays enabled.
        call_after_first_paint(getattr(window, "timeline", window), self.start_backend)
        call_after_first_paint(getattr(window, "timeline", window), self.player.prepare_audio)

    def start_backend(self) -> None:
        """Build the backend the settings ask for (once; later changes call `rebuild`)."""
        if not self._backend_started:
            self._backend_started = True
            if self.backends.backend is None:  # not one a test handed in meanwhile
                self.backends.rebuild()

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
        a["render.play"].triggered.connect(self.toggle_play)
        a["render.loop"].toggled.connect(self.set_loop)
        a["render.ab"].triggered.connect(self.ab_switch)
        a["render.ab"].setEnabled(False)
        a["render.preferences"].triggered.connect(self.open_preferences)
        a["render.key"].triggered.connect(self.open_key_dialog)
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
        self.library_dock.previewRequested.connect(self.preview_hash)
        self.library_dock.useOnSelectionRequested.connect(self.use_hash_on_selection)
        self.library_dock.insertRequested.connect(self.insert_hash_at_playhead)
        self.history_dock.switchRequested.connect(self.switch_to)
        self.history_dock.abRequested.connect(self.ab_switch)
        catalogue = getattr(self.window, "tag_catalogue", None)
        if catalogue is not None and getattr(catalogue, "names", None):
            self.library_dock.set_tag_names(catalogue.names)

    def _build_status(self) -> None:
        bar = self.window.statusBar()
        self.progress = RenderProgress(bar)
        self.progress.cancel_button.clicked.connect(self.controller.cancel)
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
        self.backend_combo = QComboBox(toolbar)
        self.backend_combo.setObjectName("backendCombo")
        self.backend_combo.addItem("Offline engine", "offline")
        self.backend_combo.addItem("Muzaic cloud", "cloud")
        self.backend_combo.setToolTip("Which backend renders (Render > Backend Preferences)")
        self.backend_combo.activated.connect(self._combo_chosen)
        combo_action = toolbar.addWidget(self.backend_combo)
        combo_action.setToolTip(self.backend_combo.toolTip())
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
        c.busyChanged.connect(self._busy_changed)
        c.rendered.connect(self._rendered)
        c.problemAt.connect(self._show_time)
        c.open_key_dialog = self.open_key_dialog
        c.open_preferences = self.open_preferences
        c.on_library_changed = self.library.sync_from_project
        self.backends.backendChanged.connect(self._backend_changed)
        self.backends.balanceChanged.connect(self._balance_changed)
        self.backends.problem.connect(self._backend_problem)
        self.player.positionChanged.connect(self._player_moved)
        self.player.playingChanged.connect(self._playing_changed)
        self.player.message.connect(self.say)
        self.preview_player.message.connect(self.say)
        self.preview_player.playingChanged.connect(self._preview_playing)

    # -- messages -----------------------------------------------------------------------
    def _show_notice(self, notice: Notice) -> None:
        error = self.controller.last_error
        dead_server = (
            isinstance(error, NetworkError)
            and notice.kind == "error"
            and notice.text.startswith(error.message)
            and getattr(self.controller.backend, "name", None) != "offline"
        )
        show = getattr(self.window, "show_message", None)
        if dead_server and callable(show):
            # The cloud can't be reached: rendering offline is a way on, not just Retry.
            show(notice.text, notice.kind, notice.action_text, notice.action,
                 second=("Use offline engine", self.use_offline_engine))  # fmt: skip
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
                self.doc.playheadChanged.disconnect(self._playhead_moved)
            with contextlib.suppress(RuntimeError, TypeError):
                self.doc.selectionChanged.disconnect(self._selection_changed)
            with contextlib.suppress(RuntimeError, TypeError):
                self.doc.regionsChanged.disconnect(self._update_render_tips)
        self.player.stop()
        self.player.set_source(None, 0.0, keep_position=False)
        self.preview_player.stop()
        self.actions["render.loop"].setChecked(False)
        self.doc = doc
        self.controller.set_document(doc)
        self.library.set_document(doc)
        self.history = self.controller.history
        if doc is not None:
            doc.playheadChanged.connect(self._playhead_moved)
            doc.selectionChanged.connect(self._selection_changed)
            doc.regionsChanged.connect(self._update_render_tips)
            self._restore_last_render(doc)
        self._update_render_tips()
        self._refresh_history()

    def _restore_last_render(self, doc: ProjectDocument) -> None:
        """Reopened project: show its last render again if the audio is still cached."""
        if doc.waveform is not None or self.history is None:
            if doc.audio_path:
                self.player.set_source(doc.audio_path, getattr(doc.waveform, "duration", 0.0))
            return
        audio = (doc.project.last_render or {}).get("audio")
        record = self.history.find(audio) if audio else None
        if record is not None:
            self.switch_to(record, announce=False)

    def _update_render_tips(self) -> None:
        """Tooltips say what each render would cost now (planning is cheap: no I/O)."""
        if self.doc is not None:
            full, changes = render_tips(self.doc.project)
            self.actions["render.render"].setToolTip(f"{full} (Ctrl+R)")
            self.actions["render.changes"].setToolTip(f"{changes} (Ctrl+Shift+R)")

    def _show_time(self, seconds: float) -> None:
        ensure_visible = getattr(getattr(self.window, "timeline", None), "ensure_visible", None)
        if callable(ensure_visible):
            ensure_visible(seconds)

    # -- render -------------------------------------------------------------------------
    def render(self, only_changes: bool) -> bool:
        if self.doc is None:
            return False
        if self.controller.backend is None and not self._backend_started:
            self.start_backend()
        if self.controller.backend is None and self.backends.building:
            # Ctrl+R in the first moment after start: render once the backend is ready.
            self._pending_render = only_changes
            self.window.statusBar().showMessage("Starting the backend, then rendering...", 4000)
            return True
        if self.controller.backend is None and self.backends.needs_key:
            self._ask_for_key()
            return False
        if self.player.playing:
            self.player.pause()
        self.aux.cancel(
            key=HISTORY
        )  # a history switch still loading must not replace the new render
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
        if self.autoplay and self.player.has_audio and self.doc is not None:
            self.player.play(self.doc.playhead)  # hear it at once (silent machines: no)
        self._refresh_history()
        self.backends.refresh_balance()

    # -- history ------------------------------------------------------------------------
    def _refresh_history(self) -> None:
        history = self.history
        records = history.records() if history else []
        current = self.doc.audio_path.name if self.doc and self.doc.audio_path else None
        self.history_dock.show_records(records, current)
        self.actions["render.ab"].setEnabled(len(records) >= 2)

    def switch_to(self, record: RenderRecord, *, announce: bool = True) -> None:
        """Show and play *record*'s audio (waveform from its cache, built if missing)."""
        history, doc = self.history, self.doc
        if history is None or doc is None:
            return
        audio = history.path(record)
        feed = PeaksFeed(doc)

        def job(_progress: Any, cancel: threading.Event) -> Any:
            return history.pyramid(record, cancel, feed)

        def done(pyramid: Any) -> None:
            if doc is not self.doc:
                return
            doc.set_waveform(pyramid, audio)
            self.player.set_source(audio, pyramid.duration, keep_position=True)
            self._refresh_history()
            if announce:
                self.say(f"Now showing the render of {record.label()}.", "info")

        def failed(exc: BaseException) -> None:
            self.say(f"That render cannot be shown: {exc}", "error")

        self.aux.run(
            job, on_result=done, on_error=failed, on_finished=feed.close, key=HISTORY
        )  # a preview goes on

    def ab_switch(self) -> None:
        """Flip between the two newest renders, keeping the playback position."""
        records = self.history.records() if self.history else []
        if len(records) < 2:
            self.say("A/B needs two renders: render again after a change.", "info")
            return
        current = self.doc.audio_path.name if self.doc and self.doc.audio_path else None
        target = records[1] if current == records[0].file else records[0]
        self.switch_to(target)

    # -- playback -----------------------------------------------------------------------
    def toggle_play(self) -> None:
        if self.doc is None:
            return
        if self.preview_player.playing:
            self.preview_player.pause()
        if self.player.source is None and self.doc.audio_path is not None:
            self.player.set_source(self.doc.audio_path, getattr(self.doc.waveform, "duration", 0.0))
        self.player.toggle(self.doc.playhead)

    def _player_moved(self, seconds: float) -> None:
        # Follow the audio only while it plays: a seek clamped to the end of the audio
        # must not pull back a playhead the user put past it.
        if self.doc is None or not self.player.playing:
            return
        self._following = True
        try:
            self.doc.set_playhead(seconds)
        finally:
            self._following = False

    def _playhead_moved(self, seconds: float) -> None:
        if not self._following:
            self.player.seek(seconds)

    def _playing_changed(self, playing: bool) -> None:
        a = self.actions["render.play"]
        a.setIcon(icon("pause" if playing else "play"))
        a.setText("&Pause" if playing else "&Play")
        self._update_play_label()

    def selection_span(self) -> tuple[float, float] | None:
        regions = self.doc.selected_regions() if self.doc else []
        if not regions:
            return None
        return min(r.time for r in regions), max(r.end for r in regions)

    def set_loop(self, on: bool) -> None:
        if not on:
            self.player.set_loop(None)
            self._update_play_label()
            return
        span = self.selection_span()
        if span is None:
            self.say("Select the region (or regions) to loop first, then press L.", "info")
            self.actions["render.loop"].setChecked(False)
            return
        self.player.set_loop(span)
        self._update_play_label()

    def _selection_changed(self) -> None:
        if self.actions["render.loop"].isChecked():
            span = self.selection_span()
            if span is not None:
                self.player.set_loop(span)
                self._update_play_label()

    def _update_play_label(self) -> None:
        loop = self.player.loop
        parts = []
        if self.player.playing:
            parts.append("Playing" if self.player.has_audio else "Playing (silent)")
        if loop:
            parts.append(f"Loop {loop[0]:.2f}-{loop[1]:.2f} s")
        self.play_label.setText("  ·  ".join(parts))

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
