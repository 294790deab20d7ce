"""Backend choosing for the render workflow: offline engine or Muzaic cloud, the API key
banner and dialog, preferences, the token balance and the tag names of the active backend.

A mixin of `RenderWorkflow`: it reads the workflow's controller, backend manager and
widgets, which `RenderWorkflow.__init__` creates.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QComboBox, QDialog, QLabel, QMessageBox

from muzaic_studio.contract.errors import KeyringUnavailable, MuzaicError, Unauthorized
from muzaic_studio.ui.dialogs.preferences import (
    BackendManager,
    BackendSettings,
    PreferencesDialog,
    call_with_cancel,
)
from muzaic_studio.ui.library.dock import LibraryPanel
from muzaic_studio.ui.render.controller import UNLIMITED, RenderController, RenderSummary
from muzaic_studio.ui.window.addons import WindowWorkflow
from muzaic_studio.ui.workers import TaskRunner

NO_KEY_TEXT = ("Muzaic cloud is chosen but no API key is set: renders wait for a key. "
               "Set one, or render with the offline engine.")  # fmt: skip


class BackendChoice(WindowWorkflow):
    """Which backend renders, and what the user is told about it."""

    # Made by RenderWorkflow.__init__:
    backends: BackendManager
    controller: RenderController
    aux: TaskRunner
    actions: dict[str, QAction]
    library_dock: LibraryPanel
    balance_label: QLabel
    backend_combo: QComboBox
    ask_before_spending: bool
    render: Callable[[bool], bool]
    _pending_render: bool | None
    _key_wanted: bool

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
            QTimer.singleShot(0, lambda: self.render(pending))
        is_cloud = getattr(backend, "name", "") == "cloud"
        self.controller.confirm = self._confirm if is_cloud else None
        set_label = getattr(self.window, "set_backend_label", None)
        if callable(set_label):
            set_label(label)
        combo = getattr(self, "backend_combo", None)
        if combo is not None:
            combo.setCurrentIndex(1 if is_cloud or self.backends.needs_key else 0)
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
        self._key_wanted = self.backend_combo.itemData(index) == "cloud"
        self._use_backend_kind(self.backend_combo.itemData(index))

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

    def _confirm(self, summary: RenderSummary) -> bool:
        if not self.ask_before_spending or summary.tokens == 0:
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
        if not self.ask_before_spending:
            return True
        answer = QMessageBox.question(
            self.window, "Quit while rendering?",
            "A cloud render is still running; its tokens may be charged even if you quit "
            "now. Quit anyway?",
        )  # fmt: skip
        return answer == QMessageBox.StandardButton.Yes
