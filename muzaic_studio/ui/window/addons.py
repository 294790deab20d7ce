"""What the render and video workflows share as add-ons of a main window.

`say` puts a message on the window's message bar (the status bar for 8 s on a plain
QMainWindow). Once the window is closed for good, `shutdown` runs: a job still running
when the window closes (a render, a scan of a long video) would keep the process alive,
since a thread pool waits for it. The subclass installs the workflow as an event filter
on the window and says in `shutdown` what to stop.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QCoreApplication, QEvent, QObject, QTimer
from PySide6.QtWidgets import QMainWindow


class WindowWorkflow(QObject):
    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self.window = window
        app = QCoreApplication.instance()
        if app is not None:  # a quit right after the close (SIGTERM) outruns the timer
            app.aboutToQuit.connect(self._after_close)

    def say(self, text: str, kind: str = "info", action_text: str | None = None,
            action: Callable[[], Any] | None = None, *, polite: bool = False) -> None:  # fmt: skip
        show = getattr(self.window, "show_message", None)
        if callable(show):
            if polite:
                show(text, kind, action_text, action, polite=True)
            else:
                show(text, kind, action_text, action)
        else:
            self.window.statusBar().showMessage(text, 8000)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        # Close: seen before the window decides. A "Save changes?" question runs its own
        # event loop, so that check came while the window was still up, and once the
        # answer closed it nothing stopped the playback thread: the process crashed on
        # exit (SIGSEGV / "QThread: Destroyed while thread 'audio-sink' is still running").
        # The window's own hide (not a minimise) comes once it has really closed.
        if watched is self.window and (
            event.type() == QEvent.Type.Close
            or (event.type() == QEvent.Type.Hide and not event.spontaneous())
        ):
            QTimer.singleShot(0, self._after_close)
        return False

    def _after_close(self) -> None:
        if not self.window.isVisible() and not getattr(self, "_shut_down", False):
            self._shut_down = True
            self.shutdown()

    def shutdown(self) -> None:
        raise NotImplementedError
