"""Which backend renders, and where: Preferences dialog, saved settings, the live backend.

The settings are declared and saved outside Qt (muzaic_studio.settings: the CLI reads the
same file; the key is in the keyring), and the environment wins over them as on the
command line ($MUZAIC_BACKEND, $MUZAIC_API_URL, $MUZAIC_ORIGIN). The choice is "offline"
or "cloud"; until the user picks, the app renders in the cloud when a key is available
and with the offline engine otherwise (`backends.choose_backend`), so a fresh install
works at once. `BackendManager` holds the live backend, says in one line
which one it is (for the status bar), and fetches the token balance off the GUI thread.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QObject, Signal
from PySide6.QtWidgets import (
    QButtonGroup,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from muzaic_studio.contract.errors import KeyringUnavailable, MuzaicError, Unauthorized
from muzaic_studio.settings.backend import KINDS, BackendSettings
from muzaic_studio.ui.workers import TaskRunner

__all__ = ["KINDS", "BackendManager", "BackendSettings", "PreferencesDialog", "choose"]


NO_KEY_LABEL = "Muzaic cloud · no API key"


def describe(backend: Any) -> str:
    """One line for the status bar: which backend renders."""
    if backend is None:
        return "No backend"
    if getattr(backend, "name", "") == "cloud":
        url = getattr(backend, "base_url", "")
        host = url.split("://", 1)[-1]
        origin = getattr(backend, "origin", None)
        return f"Muzaic cloud · {host}" + (f" (origin {origin})" if origin else "")
    return "Offline engine"


def call_with_cancel(fn: Any, cancel: Any, *args: Any) -> Any:
    """Call a backend method, passing *cancel* only if it takes one (the engine's don't)."""
    import inspect

    try:
        takes = "cancel" in inspect.signature(fn).parameters
    except (TypeError, ValueError):
        takes = False
    return fn(*args, cancel) if takes else fn(*args)


def choose(settings: BackendSettings) -> tuple[Any, str, MuzaicError | None]:
    """(backend, why, problem): the settings' backend (the environment wins over them, as
    on the command line), or the offline engine and why not."""
    from muzaic_studio.api.engine_child import EngineStopped
    from muzaic_studio.backends import choose_backend

    choice = settings.in_effect()
    try:
        backend, reason = choose_backend(
            choice.offline, choice.api_url.value or None, choice.origin.value or None,
            out_of_process=True,
        )  # fmt: skip
        if choice.kind.source == "env":
            reason = f"{reason.rstrip('.')} ({choice.kind.describe()})."
        return backend, reason, None
    except MuzaicError as exc:
        if isinstance(exc, EngineStopped):  # the app is quitting: no backend, no new child
            return None, exc.message, None
        if choice.offline is False and isinstance(exc, Unauthorized | KeyringUnavailable):
            # The user chose the cloud: no silent switch to the offline engine (it would
            # render other music than asked for); renders are refused until a key is set.
            return None, exc.message, exc
        try:
            backend, _ = choose_backend(True, out_of_process=True)
        except MuzaicError as engine_exc:
            return None, engine_exc.message, exc
        return backend, f"{exc.message} Rendering with the offline engine meanwhile.", exc


class BackendManager(QObject):
    """The live backend of the app; rebuilt when settings or the key change."""

    backendChanged = Signal(object, str)  # backend, status-bar label
    balanceChanged = Signal(object)  # int | None
    problem = Signal(object)  # MuzaicError: why the chosen backend could not be used

    def __init__(
        self, parent: QObject | None = None, settings: BackendSettings | None = None
    ) -> None:
        super().__init__(parent)
        self.settings = settings or BackendSettings.load()
        self.backend: Any = None
        self.label = "No backend"
        self.reason = ""
        self.balance: int | None = None
        self.account: Any = None  # the last Account read: free tokens, plan (status bar)
        self.runner = TaskRunner(self, max_threads=1)
        self.build_runner = TaskRunner(self, max_threads=1)
        self._build_task: Any = None
        self._asked = False  # no build asked for yet (it waits for the first paint)

    def rebuild(self) -> None:
        """Create the backend the settings ask for, off the GUI thread (reading the keyring
        can wait on D-Bus, building the engine imports numpy). If the chosen backend cannot
        be used, the offline engine renders and `problem` says why. Newest request wins."""
        settings = self.settings
        self._asked = True

        def job(_progress: Any, _cancel: Any) -> tuple[Any, str, MuzaicError | None]:
            return choose(settings)

        def done(outcome: tuple[Any, str, MuzaicError | None]) -> None:
            backend, reason, problem = outcome
            if problem is not None:
                self.problem.emit(problem)
            self.use(backend, reason)

        self._build_task = self.build_runner.run(job, on_result=done)

    @property
    def needs_key(self) -> bool:
        """The cloud is chosen but there is no key: renders wait for one (or for the
        user to switch to the offline engine). Not known before the first build."""
        return (self.backend is None and self.settings.in_effect().offline is False
                and self._asked and not self.building)  # fmt: skip

    @property
    def building(self) -> bool:
        task = self._build_task
        return task is not None and not task.done

    def use(self, backend: Any, reason: str = "") -> None:
        """Render with *backend* from now on (tests hand in a cloud client of their own)."""
        if self._build_task is not None:
            self.build_runner.cancel(self._build_task)  # a later choice wins
            self._build_task = None
        self.backend = backend
        self.reason = reason
        self.label = NO_KEY_LABEL if self.needs_key else describe(backend)
        self.balance = None
        self.account = None
        self.backendChanged.emit(backend, self.label)
        self.balanceChanged.emit(None)
        self.refresh_balance()

    def refresh_balance(self) -> None:
        backend = self.backend
        if backend is None or not hasattr(backend, "account"):
            return

        def job(_progress: Any, cancel: Any) -> Any:
            return call_with_cancel(backend.account, cancel)

        def done(account: Any) -> None:
            if backend is self.backend:
                self.account = account
                self.balance = account.balance
                self.balanceChanged.emit(account.balance)

        self.runner.run(job, on_result=done, on_error=lambda _exc: None)

    def shutdown(self) -> None:
        self.build_runner.shutdown()
        self.runner.shutdown()


class PreferencesDialog(QDialog):
    """Backend choice (offline / cloud), API address and origin, and the key."""

    def __init__(self, settings: BackendSettings, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Preferences")
        self.setObjectName("preferencesDialog")
        self.setMinimumWidth(560)
        self._settings = settings
        layout = QVBoxLayout(self)
        box = QGroupBox("Render with", self)
        box_layout = QVBoxLayout(box)
        self.offline_radio = QRadioButton("Offline engine (free, on this computer)", box)
        self.cloud_radio = QRadioButton("Muzaic cloud (needs an API key; uses tokens)", box)
        self.group = QButtonGroup(self)
        for radio in (self.offline_radio, self.cloud_radio):
            self.group.addButton(radio)
            box_layout.addWidget(radio)
        layout.addWidget(box)
        form = QFormLayout()
        self.url_edit = QLineEdit(settings.api_url, self)
        self.url_edit.setPlaceholderText(settings.resolved_url())
        self.url_edit.setToolTip("Leave empty for the public Muzaic server")
        self.origin_edit = QLineEdit(settings.origin, self)
        self.origin_edit.setPlaceholderText("optional: the origin your key is valid for")
        form.addRow("API address:", self.url_edit)
        form.addRow("Origin:", self.origin_edit)
        layout.addLayout(form)
        overrides = settings.in_effect().from_environment()
        self.env_label = QLabel(self)  # the command line's precedence holds here too
        self.env_label.setObjectName("preferencesEnvironment")
        self.env_label.setWordWrap(True)
        self.env_label.setText(
            f"Set in this environment, and used instead of the choice here: "
            f"{', '.join('$' + name for name in overrides)}."
            if overrides
            else ""
        )
        self.env_label.setVisible(bool(overrides))
        layout.addWidget(self.env_label)
        key_box = QGroupBox("API key", self)
        key_layout = QVBoxLayout(key_box)
        self.key_label = QLabel(key_box)
        self.key_label.setWordWrap(True)
        self.key_button = QPushButton("API Key...", key_box)
        self.key_button.setToolTip("Store, test or clear the key in the system keyring")
        self.key_button.clicked.connect(self.open_key_dialog)
        key_row = QHBoxLayout()
        key_row.addStretch(1)
        key_row.addWidget(self.key_button)
        key_layout.addWidget(self.key_label)
        key_layout.addLayout(key_row)
        layout.addWidget(key_box)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)
        # "auto" shows offline until the keyring says a key exists (asked off the GUI
        # thread: a Secret Service keyring answers over D-Bus and may wait to be unlocked).
        self.cloud_radio.setChecked(settings.kind == "cloud")
        self.offline_radio.setChecked(settings.kind != "cloud")
        self.cloud_radio.toggled.connect(self._update)
        self._runner = TaskRunner(self, max_threads=1)
        self._update()
        self.refresh_key_status()

    def refresh_key_status(self) -> None:
        from muzaic_studio.api.credentials import key_status

        self.key_label.setText("Checking the system keyring...")
        self._runner.run(lambda _p, _c: key_status(), on_result=self._show_key_status)

    def _show_key_status(self, status: Any) -> None:
        self.key_label.setText(str(status))
        self.resize(self.width(), max(self.height(), self.sizeHint().height()))  # room for it
        if self._settings.kind == "auto" and status.has_key:
            self.cloud_radio.setChecked(True)

    def _update(self) -> None:
        cloud = self.cloud_radio.isChecked()
        self.url_edit.setEnabled(cloud)
        self.origin_edit.setEnabled(cloud)

    def open_key_dialog(self) -> None:
        from muzaic_studio.ui.dialogs.key import KeyDialog

        dialog = KeyDialog(self.result_settings(), self)
        dialog.exec()
        self.refresh_key_status()

    def done(self, result: int) -> None:
        # Never waits: a job still running ends in the background and its answer is dropped.
        self._runner.cancel_all()
        super().done(result)

    def result_settings(self) -> BackendSettings:
        return BackendSettings(
            kind="cloud" if self.cloud_radio.isChecked() else "offline",
            api_url=self.url_edit.text().strip(),
            origin=self.origin_edit.text().strip(),
        )
