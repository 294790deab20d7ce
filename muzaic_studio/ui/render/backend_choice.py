"""Backend choosing for the render workflow: offline engine or Muzaic cloud, the API key
banner and dialog, preferences, the token balance and the tag names of the active backend.

Owned by `RenderWorkflow`: it builds the backend once the window is painted, keeps the
render controller's backend, confirmation and tag catalogue in step with the choice, and
holds a render asked for while the backend is still starting until it is ready.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QMainWindow, QMessageBox, QToolBar

from muzaic_studio.contract.errors import KeyringUnavailable, MuzaicError, Unauthorized
from muzaic_studio.ui.dialogs.preferences import (
    BackendManager,
    BackendSettings,
    PreferencesDialog,
    call_with_cancel,
)
from muzaic_studio.ui.library.dock import LibraryPanel
from muzaic_studio.ui.render.controller import UNLIMITED, RenderController, RenderSummary
from muzaic_studio.ui.workers import TaskRunner

NO_KEY_TEXT = ("Muzaic cloud is chosen but no API key is set: renders wait for a key. "
               "Set one, or render with the offline engine.")  # fmt: skip


class BackendChoice:
    """Which backend renders, and what the user is told about it."""

    def __init__(self, window: QMainWindow, backends: BackendManager,
                 controller: RenderController, aux: TaskRunner, library_dock: LibraryPanel,
                 balance_label: QLabel, say: Callable[..., None],
                 render: Callable[[bool], bool],
                 ask_before_spending: Callable[[], bool]) -> None:  # fmt: skip
        self.window = window
        self.backends = backends
        self.controller = controller
        self.aux = aux
        self.library_dock = library_dock
        self.balance_label = balance_label
        self.say = say
        self.render = render
        self.ask_before_spending = ask_before_spending
        self.combo: QComboBox | None = None  # in the toolbar, when the window has one
        self._started = False
        self._pending_render: bool | None = None  # asked for before the backend was ready
        self._key_wanted = False  # the user just chose the cloud: no key opens the dialog
        controller.open_key_dialog = self.open_key_dialog
        controller.open_preferences = self.open_preferences
        backends.backendChanged.connect(self._backend_changed)
        backends.balanceChanged.connect(self._balance_changed)
        backends.problem.connect(self._backend_problem)

    def add_combo(self, toolbar: QToolBar) -> None:
        """The toolbar's offline/cloud chooser (saved, as the preferences are)."""
        self.combo = QComboBox(toolbar)
        self.combo.setObjectName("backendCombo")
        self.combo.addItem("Offline engine", "offline")
        self.combo.addItem("Muzaic cloud", "cloud")
        self.combo.setToolTip("Which backend renders (Render > Backend Preferences)")
        self.combo.activated.connect(self._combo_chosen)
        combo_action = toolbar.addWidget(self.combo)
        combo_action.setToolTip(self.combo.toolTip())

    def start(self) -> None:
        """Build the backend the settings ask for (once; later changes call `rebuild`)."""
        if not self._started:
            self._started = True
            if self.backends.backend is None:  # not one a test handed in meanwhile
                self.backends.rebuild()

    def hold_render(self, only_changes: bool) -> bool | None:
        """Before a render: None when it can go on; True when the backend is still
        starting (the render runs once it is ready); False, with the key banner, when the
        cloud is chosen without a key."""
        if self.controller.backend is None and not self._started:
            self.start()
        if self.controller.backend is None and self.backends.building:
            # Ctrl+R in the first moment after start: render once the backend is ready.
            self._pending_render = only_changes
            self.window.statusBar().showMessage("Starting the backend, then rendering...", 4000)
            return True
        if self.controller.backend is None and self.backends.needs_key:
            self._ask_for_key()
            return False
        return None

    def use_offline_engine(self) -> None:
        """Render on this machine from now on (saved, as choosing it in the toolbar is)."""
        self._use_backend_kind("offline")
        self.say("Switched to the offline engine: renders are made on this machine.")

    def use_backend(self, backend: Any, reason: str = "") -> None:
        """Render with *backend* (the preferences do this; tests hand in their client)."""
        self.backends.use(backend, reason)

    def _backend_changed(self, backend: Any, label: str) -> None:
        self.controller.set_backend(backend)
        pending, self._pending_render = self._pending_render, None
        if pending is not None and backend is not None:
            QTimer.singleShot(0, self.controller, lambda: self.render(pending))
        is_cloud = getattr(backend, "name", "") == "cloud"
        self.controller.confirm = self.confirm if is_cloud else None
        set_label = getattr(self.window, "set_backend_label", None)
        if callable(set_label):
            set_label(label)
        if self.combo is not None:
            self.combo.setCurrentIndex(1 if is_cloud or self.backends.needs_key else 0)
        bar = getattr(self.window, "message_bar", None)
        if self.backends.needs_key:
            self._ask_for_key(polite=True)
            if self._key_wanted:
                QTimer.singleShot(0, self.open_key_dialog)
        elif backend is not None and bar is not None and bar.text.startswith(NO_KEY_TEXT[:30]):
            bar.dismiss()  # a key was set (or the offline engine chosen): nothing to ask
        self._key_wanted = False
        self._balance_changed(None)
        if backend is not None:
            self._load_tags(backend)

    def _load_tags(self, backend: Any) -> None:
        """Tag names of the active backend for the library's labels (off the GUI thread)."""

        def job(_p: Any, cancel: threading.Event) -> Any:
            return call_with_cancel(backend.tags, cancel)

        def done(data: Any) -> None:
            from muzaic_studio.ui.inspector.tag_catalogue import TagCatalogue

            if backend is not self.backends.backend:
                return
            if self.controller.backend is backend and isinstance(data, dict):
                self.controller.tag_catalogue = data  # names -> ids at render time
            catalogue = TagCatalogue.from_response(data)
            set_catalogue = getattr(self.window, "set_tag_catalogue", None)
            if callable(set_catalogue) and catalogue.names:
                set_catalogue(catalogue)
            self.library_dock.set_tag_names(catalogue.names)

        self.aux.run(job, on_result=done, on_error=lambda _e: None, exclusive=False)

    def _balance_changed(self, balance: Any) -> None:
        self.controller.balance = balance if isinstance(balance, int) else None
        if isinstance(balance, int) and balance >= UNLIMITED:
            self.balance_label.setText("no token limit")
        elif isinstance(balance, int):
            self.balance_label.setText(f"{balance:,} tokens left".replace(",", "\u2009"))
        elif (free := getattr(self.backends.account, "free_tokens", None)) is not None:
            self.balance_label.setText(f"{free:,} free tokens".replace(",", "\u2009"))
        else:
            self.balance_label.setText("")

    def _backend_problem(self, exc: MuzaicError) -> None:
        if self.backends.settings.kind == "cloud" and isinstance(
            exc, Unauthorized | KeyringUnavailable
        ):
            return  # no backend at all: _backend_changed asks for the key
        self.say(exc.message, "warning", "Set API key...", self.open_key_dialog, polite=True)

    def _ask_for_key(self, *, polite: bool = False) -> None:
        """The banner for "cloud chosen, no key": set one, or render offline instead."""
        show = getattr(self.window, "show_message", None)
        text = NO_KEY_TEXT
        if callable(show):
            show(text, "warning", "Set API key...", self.open_key_dialog,
                 ("Use offline engine", self.use_offline_engine), polite=polite)  # fmt: skip
        else:
            self.say(text, "warning", "Set API key...", self.open_key_dialog)

    def _combo_chosen(self, index: int) -> None:
        assert self.combo is not None  # its own signal
        self._key_wanted = self.combo.itemData(index) == "cloud"
        self._use_backend_kind(self.combo.itemData(index))

    def _use_backend_kind(self, kind: str) -> None:
        settings = BackendSettings.load()
        settings.kind = kind
        settings.save()
        self.backends.settings = settings
        self.backends.rebuild()

    def open_preferences(self) -> None:
        dialog = PreferencesDialog(self.backends.settings, self.window)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            settings = dialog.result_settings()
            self._key_wanted = settings.kind == "cloud"
            settings.save()
            self.backends.settings = settings
            self.backends.rebuild()

    def open_key_dialog(self) -> None:
        from muzaic_studio.ui.dialogs.key import KeyDialog

        dialog = KeyDialog(self.backends.settings, self.window)
        dialog.keyChanged.connect(self.backends.rebuild)
        dialog.exec()

    def confirm(self, summary: RenderSummary) -> bool:
        """Ask before a render that spends tokens; True to go on."""
        if not self.ask_before_spending() or summary.tokens == 0:
            return True
        text = f"Render {summary.text()} on {summary.backend}?"
        if summary.over_balance:
            text += f"\n\nThis needs {summary.tokens} tokens but only {summary.balance} are left."
        free = getattr(self.backends.account, "free_tokens", None)
        if summary.balance is None and free is not None and summary.tokens > free:
            # tokensRemaining unknown: free tokens alone never refuse a render, they warn
            text += f"\n\nThe account shows {free} free tokens; the server may refuse it."
        answer = QMessageBox.question(self.window, "Render", text)
        return answer == QMessageBox.StandardButton.Yes

    def may_quit(self) -> bool:
        """False if the user keeps the window: a cloud render in flight may still charge
        tokens, so quitting asks first (unless asking is off, as for spending). Offline
        work is simply thrown away."""
        if not self.controller.busy or self.controller.backend_name == "offline":
            return True
        if not self.ask_before_spending():
            return True
        answer = QMessageBox.question(
            self.window, "Quit while rendering?",
            "A cloud render is still running; its tokens may be charged even if you quit "
            "now. Quit anyway?",
        )  # fmt: skip
        return answer == QMessageBox.StandardButton.Yes
