"""SIGTERM (a logout, `kill`, a service manager) closes the app like a quit would.

Why: Python's default for SIGTERM kills the process on the spot, which left the autosave
marker behind, so the next start offered to "restore" even a saved project. A Python
signal handler alone would not run while Qt sits in its C++ event loop, so the signal
number is also written to a socket (`signal.set_wakeup_fd`) that a QSocketNotifier
watches: the loop wakes at once and calls *on_term* on the GUI thread.
"""

from __future__ import annotations

import contextlib
import signal
import socket
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, QSocketNotifier


class TermHandler(QObject):
    """While installed, SIGTERM calls *on_term* from the event loop (once)."""

    def __init__(self, on_term: Callable[[], Any], parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._on_term = on_term
        self._fired = False
        self._reader, self._writer = socket.socketpair()
        for sock in (self._reader, self._writer):
            sock.setblocking(False)
        self._old_fd = signal.set_wakeup_fd(self._writer.fileno(), warn_on_full_buffer=False)
        # A Python handler must exist, or SIGTERM keeps its default (die at once); the
        # work happens in `_wake`, on the event loop, not inside the handler.
        self._old_handler = signal.signal(signal.SIGTERM, lambda *_: None)
        self.notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self.notifier.activated.connect(self._wake)

    def _wake(self, *_args: Any) -> None:
        data = b""
        with contextlib.suppress(OSError):
            data = self._reader.recv(64)
        if signal.SIGTERM in data and not self._fired:
            self._fired = True
            self._on_term()

    def uninstall(self) -> None:
        """Give SIGTERM and the wakeup fd back to what they were."""
        self.notifier.setEnabled(False)
        signal.signal(signal.SIGTERM, self._old_handler)
        signal.set_wakeup_fd(self._old_fd)
        self._reader.close()
        self._writer.close()
