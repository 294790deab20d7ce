"""The API key dialog: store the key in the system keyring, test it, clear it.

The key never goes to a file or a log; the dialog shows only its masked tail. "Test"
calls ``account()`` on a worker thread (the GUI never waits on the network) and shows the
balance or the typed error's message. When the machine has no usable keyring the dialog
says so, with the ways to fix it, still lets the user test a pasted key, and offers "Use
for This Session": the key is held in memory only (`credentials.use_for_session`), never
written, and the dialog says plainly that it will not be remembered.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from muzaic_studio.api import credentials
from muzaic_studio.contract.errors import MuzaicError
from muzaic_studio.ui.dialogs.preferences import BackendSettings
from muzaic_studio.ui.render.controller import UNLIMITED
from muzaic_studio.ui.workers import TaskRunner

MIN_WIDTH = 520


class NoKeyToTest(MuzaicError):
    """Test pressed with no key typed and none stored."""


class KeyDialog(QDialog):
    keyChanged = Signal()  # stored or cleared
    statusShown = Signal()  # the keyring's answer is on screen
    tested = Signal(bool, str)  # ok, message

    def __init__(self, settings: BackendSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Muzaic API Key")
        self.setObjectName("keyDialog")
        self.setMinimumWidth(MIN_WIDTH)
        self._settings = settings
        self._runner = TaskRunner(self, max_threads=1)
        self._keyring_runner = TaskRunner(self, max_threads=1)  # one keyring call at a time
        self.status: credentials.KeyStatus | None = None
        layout = QVBoxLayout(self)
        intro = QLabel(
            "Paste the secret key from your Muzaic account. It is kept in the system "
            "keyring, never in a file, and sent only to the API address in Preferences "
            f"({settings.resolved_url()}).",
            self,
        )
        intro.setWordWrap(True)
        intro.setObjectName("keyIntro")
        layout.addWidget(intro)
        row = QHBoxLayout()
        self.key_edit = QLineEdit(self)
        self.key_edit.setObjectName("keyEdit")
        self.key_edit.setEchoMode(QLineEdit.EchoMode.Password)
        self.key_edit.setPlaceholderText("MuzaicAPI-Secret-Key")
        self.show_box = QCheckBox("Show", self)
        self.show_box.toggled.connect(
            lambda on: self.key_edit.setEchoMode(
                QLineEdit.EchoMode.Normal if on else QLineEdit.EchoMode.Password
            )
        )
        row.addWidget(self.key_edit, 1)
        row.addWidget(self.show_box)
        layout.addLayout(row)
        self.status_label = QLabel(self)
        self.status_label.setObjectName("keyStatus")
        self.status_label.setWordWrap(True)
        layout.addWidget(self.status_label)
        self.result_label = QLabel(self)
        self.result_label.setObjectName("keyResult")
        self.result_label.setWordWrap(True)
        layout.addWidget(self.result_label)
        buttons = QHBoxLayout()
        self.save_button = QPushButton("Save in Keyring", self)
        self.session_button = QPushButton("Use for This Session", self)
        self.session_button.setObjectName("useKeyForSession")
        self.session_button.setToolTip(
            "No system keyring: keep the key in memory until Muzaic Studio quits. "
            "It is not written anywhere and not remembered."
        )
        self.session_button.clicked.connect(self.use_for_session)
        self.session_button.setVisible(False)
        self.test_button = QPushButton("Test Key", self)
        self.clear_button = QPushButton("Clear Stored Key", self)
        self.close_button = QPushButton("Close", self)
        self.save_button.clicked.connect(self.save_key)
        self.test_button.clicked.connect(self.test_key)
        self.clear_button.clicked.connect(self.clear_key)
        self.close_button.clicked.connect(self.accept)
        for button in (self.save_button, self.session_button, self.test_button,
                       self.clear_button):  # fmt: skip
            buttons.addWidget(button)
        buttons.addStretch(1)
        buttons.addWidget(self.close_button)
        layout.addLayout(buttons)
        self.save_button.setEnabled(False)
        self.clear_button.setEnabled(False)
        self.refresh_status()

    # Every keyring call runs on a worker: a Secret Service keyring answers over D-Bus and
    # may wait for the user to unlock it, which must not freeze the window.
    def refresh_status(self) -> None:
        self.status_label.setText("Checking the system keyring...")
        self._keyring_runner.run(lambda _p, _c: credentials.key_status(),
                                 on_result=self._show_status,
                                 on_error=lambda exc: self.status_label.setText(str(exc)))  # fmt: skip

    def _show_status(self, status: credentials.KeyStatus) -> None:
        self.status = status
        self.status_label.setText(str(status))
        self.save_button.setEnabled(status.problem is None)
        self.session_button.setVisible(status.problem is not None)
        self.clear_button.setEnabled(status.source in ("keyring", "session"))
        self._fit()
        self.statusShown.emit()

    def _fit(self) -> None:
        """Wide enough for the button row and tall enough for every wrapped line at that
        width: a dialog sized before a long keyring or test message arrived squeezed the
        labels over each other, and "Use for This Session" (shown only once the keyring
        is found missing) was squeezed to "se for This Sessio"."""
        layout = self.layout()
        if layout is None:  # set in __init__; Qt's type allows none
            return
        layout.activate()
        # setMinimumWidth(520) overrides the layout's own minimum, so enforce it here
        wide = max(MIN_WIDTH, layout.totalMinimumSize().width())
        self.setMinimumWidth(wide)
        if self.width() < wide:
            self.resize(wide, self.height())
            layout.activate()
        need = (layout.totalHeightForWidth(self.width()) if layout.hasHeightForWidth()
                else layout.totalSizeHint().height())  # fmt: skip
        self.setMinimumHeight(need)
        if self.height() < need:
            self.resize(self.width(), need)

    def resizeEvent(self, event: Any) -> None:
        super().resizeEvent(event)
        self._fit()

    def _say(self, text: str, ok: bool | None = None) -> None:
        color = {True: "#2e7d32", False: "#c62828", None: ""}[ok]
        self.result_label.setStyleSheet(f"color: {color};" if color else "")
        self.result_label.setText(text)
        self._fit()

    def _keyring(self, fn: Any, done: Any) -> None:
        """Run a keyring call off the GUI thread; its MuzaicError is said in the dialog."""

        def failed(exc: BaseException) -> None:
            self._say(exc.message if isinstance(exc, MuzaicError) else str(exc), False)

        self._keyring_runner.run(lambda _p, _c: fn(), on_result=done, on_error=failed,
                                 exclusive=False)  # fmt: skip

    def save_key(self) -> None:
        key = self.key_edit.text()

        def saved(masked: str) -> None:
            self.key_edit.clear()
            self._say(f"Saved in the system keyring ({masked}).", True)
            self.refresh_status()
            self.keyChanged.emit()

        self._keyring(lambda: credentials.set_key(key), saved)

    def use_for_session(self) -> None:
        """Memory only, so no worker: nothing here touches the keyring or the network."""
        try:
            masked = credentials.use_for_session(self.key_edit.text())
        except MuzaicError as exc:
            self._say(exc.message, False)
            return
        self.key_edit.clear()
        self._say(
            f"Using the key for this session only ({masked}). It will not be remembered: "
            "with no system keyring it is never written anywhere, so paste it again after "
            "Muzaic Studio quits.",
            True,
        )
        self.refresh_status()
        self.keyChanged.emit()

    def clear_key(self) -> None:
        if credentials.forget_session_key():
            self._say("The key typed for this session was forgotten.", True)
            self.refresh_status()
            self.keyChanged.emit()
            return

        def cleared(removed: bool) -> None:
            self._say("The stored key was removed." if removed else "No key was stored.", True)
            self.refresh_status()
            self.keyChanged.emit()

        self._keyring(credentials.clear_key, cleared)

    def test_key(self) -> None:
        typed = self.key_edit.text().strip()
        settings = self._settings

        def job(_progress: Any, cancel: Any) -> Any:
            from muzaic_studio.api.cloud import MuzaicCloud

            try:
                key = typed or credentials.get_key()
            except MuzaicError:
                key = None
            if not key:
                raise NoKeyToTest("Paste a key first (or store one) to test it.")
            cloud = MuzaicCloud(settings.resolved_url(), key, origin=settings.resolved_origin())
            return cloud.account(cancel)

        self.test_button.setEnabled(False)
        self._say("Testing the key...")
        self._runner.run(job, on_result=self._tested_ok, on_error=self._tested_error,
                         on_finished=lambda: self.test_button.setEnabled(True))  # fmt: skip

    def _tested_ok(self, account: Any) -> None:
        balance = account.balance
        if balance is not None and balance >= UNLIMITED:
            text = "The key works: no token limit."
        else:  # either documented account shape: tokens left, free tokens, used, plan
            known = account.describe()
            text = "The key works." if known == "balance unknown" else f"The key works: {known}."
        self._say(text, True)
        self.tested.emit(True, text)

    def _tested_error(self, exc: BaseException) -> None:
        text = exc.message if isinstance(exc, MuzaicError) else f"{type(exc).__name__}: {exc}"
        if isinstance(exc, NoKeyToTest):
            self._say(text, False)
        else:
            self._say(f"The key test failed: {text}", False)
        self.tested.emit(False, text)

    def done(self, result: int) -> None:
        # Never waits: a job still running ends in the background and its answer is dropped.
        self._runner.cancel_all()
        self._keyring_runner.cancel_all()
        super().done(result)
