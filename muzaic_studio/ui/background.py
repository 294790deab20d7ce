"""Run one short plain-Python call off the GUI thread and get its result back on it.

For the About and Report dialogs and the first-run key check: collecting versions asks
ffmpeg for its version, the report reads the log, the key check may wait on the keyring's
D-Bus; the GUI thread must not wait for any of them.

The worker thread touches no Qt object at all: it fills a `concurrent.futures.Future`,
and a QTimer owned by the receiver polls that future on the GUI thread (then stops;
it is freed with the receiver). So a dialog
closed (and deleted) before the call ends takes its timer with it and never hears back,
with no window in which a thread emits on a half-deleted QObject.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any

from PySide6.QtCore import QObject, QTimer

POLL_MS = 20


def call_in_background(
    fn: Callable[[], Any],
    on_result: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
    parent: QObject,
) -> Future[Any]:
    """Call *fn* on a daemon thread; *on_result* / *on_error* run on the GUI thread.

    Neither runs if *parent* is deleted first.
    """
    future: Future[Any] = Future()

    def work() -> None:
        if not future.set_running_or_notify_cancel():
            return
        try:
            future.set_result(fn())
        except BaseException as exc:
            future.set_exception(exc)

    timer = QTimer(parent)
    timer.setInterval(POLL_MS)

    def poll() -> None:
        if not future.done():
            return
        # Stopped, not deleteLater()'d: the timer dies with *parent*. (deleteLater here
        # crashed when the parent was deleted before the deferred delete ran.)
        timer.stop()
        error = future.exception()
        if error is None:
            on_result(future.result())
        else:
            on_error(error)

    timer.timeout.connect(poll)
    timer.start()
    threading.Thread(target=work, name="muzaic-background", daemon=True).start()
    return future
