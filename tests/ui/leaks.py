"""What a UI test leaves ticking: the QTimers still active and the QThreads still running
after it (tests/ui/conftest.py fails the test on them). napari's test suite checks the same (dangling QTimers); this one
also sees the timers Qt makes in C++, such as a status bar's message timeout, and the
pending `QTimer.singleShot` calls.
"""

from __future__ import annotations

import weakref
from typing import Any

from PySide6.QtCore import QObject, QThread, QTimer
from PySide6.QtWidgets import QApplication
from shiboken6 import Shiboken


def _address(obj: Any) -> int:
    return Shiboken.getCppPointer(obj)[0]


def describe(timer: QTimer) -> str:
    """Who owns the timer (its parents' object or class names) and its interval."""
    owners = []
    parent = timer.parent()
    while parent is not None:
        owners.append(parent.objectName() or type(parent).__name__)
        parent = parent.parent()
    shot = "single-shot " if timer.isSingleShot() else ""
    name = timer.objectName() or "QTimer"
    return f"{'/'.join(reversed(owners))}/{name} ({shot}{timer.interval()} ms)"


class TimerWatch:
    """Three nets, cast between `start()` and `running()`: the timers of every widget made
    meanwhile (found with findChildren, so Qt's own count); every QTimer started from
    Python meanwhile, parented or not (QTimer.start is wrapped; weak references only, so
    the watch keeps no timer alive); and every `QTimer.singleShot(msec, [context,]
    function)`, made a QTimer owned by its context (so it still dies with it) that counts
    as running until it fired."""

    def __init__(self) -> None:
        self._before: set[int] = set()
        self._started: list[weakref.ref[QTimer]] = []
        self._shots: list[QTimer] = []  # held: a single shot without a context has no owner
        self._real_start = QTimer.start
        self._real_single_shot = QTimer.singleShot
        self._single_shot_entry = vars(QTimer)["singleShot"]  # a staticmethod, put back as is

    def start(self) -> None:
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        self._before = {_address(w) for w in app.allWidgets()}
        real_start, started = self._real_start, self._started

        def start(timer: QTimer, *args: Any) -> None:
            started.append(weakref.ref(timer))
            real_start(timer, *args)

        QTimer.start = start  # type: ignore[method-assign]
        QTimer.singleShot = staticmethod(self._single_shot)  # type: ignore[method-assign,assignment]

    def _single_shot(self, msec: int, *args: Any) -> None:
        if len(args) == 1 and callable(args[0]):
            function = args[0]
            owner = getattr(function, "__self__", None)  # a QObject's method: it is the context
            context = owner if isinstance(owner, QObject) else None
        elif len(args) == 2 and isinstance(args[0], QObject) and callable(args[1]):
            context, function = args
        else:  # another overload (receiver and member name): not watched
            self._real_single_shot(msec, *args)
            return
        timer = QTimer(context)
        timer.setObjectName("singleShot")
        timer.setSingleShot(True)
        timer.timeout.connect(function)
        self._shots.append(timer)
        self._real_start(timer, msec)

    def stop(self) -> None:
        QTimer.start = self._real_start  # type: ignore[method-assign]
        QTimer.singleShot = self._single_shot_entry  # type: ignore[method-assign]

    def running(self) -> list[QTimer]:
        """The watched timers still active now (after pending events were handled)."""
        app = QApplication.instance()
        assert isinstance(app, QApplication)
        for _ in range(3):  # what a zero-delay call starts gets its turn too
            app.processEvents()
        timers: dict[int, QTimer] = {}
        for widget in app.allWidgets():
            if _address(widget) not in self._before:
                for timer in widget.findChildren(QTimer):
                    timers[_address(timer)] = timer
        for ref in [*self._started, *(weakref.ref(t) for t in self._shots)]:
            timer = ref()
            if timer is not None and Shiboken.isValid(timer):
                timers[_address(timer)] = timer
        return [t for t in timers.values() if Shiboken.isValid(t) and t.isActive()]


class QThreadWatch:
    """Every QThread started from Python between `start()` and `running()` (QThread.start
    wrapped, weak references only): Python's threading module does not list them."""

    def __init__(self) -> None:
        self._started: list[weakref.ref[QThread]] = []
        self._real_start = QThread.start

    def start(self) -> None:
        real_start, started = self._real_start, self._started

        def start(thread: QThread, *args: Any) -> None:
            started.append(weakref.ref(thread))
            real_start(thread, *args)

        QThread.start = start  # type: ignore[method-assign]

    def stop(self) -> None:
        QThread.start = self._real_start  # type: ignore[method-assign]

    def running(self, grace_ms: int) -> list[str]:
        """Names of the watched QThreads still running after up to *grace_ms* each."""
        names = []
        for ref in self._started:
            thread = ref()
            if thread is not None and Shiboken.isValid(thread) and not thread.wait(grace_ms):
                names.append(thread.objectName() or type(thread).__name__)
        return names
