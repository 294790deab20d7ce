"""First run without a key: one line saying the app is offline and how to add a key.

The app starts on the offline engine when no key is available (muzaic_studio.backends decides). The
banner is a message in the main window (its ``show_message`` if it has one, else the
status bar), not a dialog: nothing to click away before trying the demo. With the render
workflow's ``render.key`` action it carries a "Set API key…" button (which also keeps
MainWindow's message bar from hiding it after a few seconds). It never replaces a
warning or error the window shows (see `FirstRunBanner`). Whether a key exists is asked
off the GUI thread, because reading the system keyring can wait on D-Bus.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QObject
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow, QWidget

from muzaic_studio import logging_setup
from muzaic_studio.ui.window.first_paint import call_after_first_paint
from muzaic_studio.ui.workers import TaskRunner

BANNER = (
    "Offline engine: no API key set. For Muzaic cloud music use Render > API key… "
    "or `muzaic-studio key set`."
)
ACTION_TEXT = "Set API key…"
KEY_ACTION = "render.key"  # objectName of the render workflow's API key action


def has_key() -> bool:
    """True when MUZAIC_API_KEY or the keyring holds a key; never raises.

    The key found is registered with the log's redaction filter, so a key that lives
    only in the keyring is kept out of the log from start-up on, not only when it is
    logged next to its header name.
    """
    from muzaic_studio.api.credentials import get_key

    try:
        key = get_key()
    except Exception:  # a broken keyring counts as "no key": the app is offline then too
        return False
    logging_setup.register_secret(key)
    return bool(key)


def _busy_with_a_problem(window: QMainWindow) -> bool:
    bar = getattr(window, "message_bar", None)
    return bool(bar is not None and bar.isVisible() and getattr(bar, "kind", "") in
                ("warning", "error"))  # fmt: skip


def show_banner(window: QMainWindow, text: str = BANNER) -> bool:
    """Show *text* as the window's one-line message; False if a problem is showing."""
    show_message = getattr(window, "show_message", None)
    if not callable(show_message):
        window.statusBar().showMessage(text)
        return True
    if _busy_with_a_problem(window):
        return False
    key_action = window.findChild(QAction, KEY_ACTION)
    if key_action is not None:
        show_message(text, "info", ACTION_TEXT, key_action.trigger)
    else:
        show_message(text, "info")
    return True


def check_first_run(
    window: QMainWindow,
    key_check: Callable[[], bool] = has_key,
    on_done: Callable[[bool], None] | None = None,
    still_wanted: Callable[[], bool] = lambda: True,
) -> None:
    """Ask *key_check* in the background; show the banner on *window* if there is no key.

    The banner is skipped if *still_wanted()* is False by the time the answer arrives.
    *on_done(shown)* is called on the GUI thread afterwards (tests wait on it).
    """

    def result(key_found: bool) -> None:
        shown = not key_found and still_wanted() and show_banner(window)
        if on_done is not None:
            on_done(shown)

    def error(_exc: BaseException) -> None:
        result(False)

    runner = TaskRunner(window, max_threads=1)  # deleted with the window: answer skipped
    runner.run(lambda _p, _c: key_check(), on_result=result, on_error=error)


class FirstRunBanner(QObject):
    """Runs `check_first_run` when *window* is first shown, unless something else spoke.

    Armed on the first Show (not at construction) so a window that is built but never
    shown (tests, tools) never reads the keyring. If the window's message bar shows any
    other message between the window appearing and the key check's answer (an error
    opening the project, a backend warning), the banner stays away: that message is the
    one the user needs first, and the status bar still says "Offline engine".
    """

    def __init__(
        self,
        window: QMainWindow,
        key_check: Callable[[], bool] = has_key,
        on_done: Callable[[bool], None] | None = None,
    ) -> None:
        super().__init__(window)
        self.window = window
        self.key_check = key_check
        self.on_done = on_done
        self.started = False
        self.superseded = False
        self.shown: bool | None = None  # None until the key check has answered
        self._showing_ours = False
        bar = getattr(window, "message_bar", None)
        self.bar = bar if isinstance(bar, QWidget) else None
        window.installEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            if obj is self.window and not self.started:
                self.started = True
                self.window.removeEventFilter(self)
                if self.bar is not None:
                    # Children are shown before their window: a message given before
                    # window.show() (e.g. "could not open the project") is visible now.
                    self.superseded = self.bar.isVisible()
                    self.bar.installEventFilter(self)
                # The keyring's imports take a core for a few hundred ms: after the
                # window's first paint, not competing with it (issue 17).
                call_after_first_paint(
                    self.window,
                    lambda: check_first_run(self.window, self.key_check, self._done, self._wanted),
                )
            elif obj is self.bar and not self._showing_ours:
                self.superseded = True
        return False

    def _wanted(self) -> bool:
        self._showing_ours = not self.superseded
        return not self.superseded

    def _done(self, shown: bool) -> None:
        self._showing_ours = False
        self.shown = shown
        if self.bar is not None:
            self.bar.removeEventFilter(self)
        if self.on_done is not None:
            self.on_done(shown)
