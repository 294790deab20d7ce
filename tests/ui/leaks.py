"""What a UI test leaves ticking: the QTimers still active and the QThreads still running
after it (tests/ui/conftest.py fails the test on them). napari's test suite checks the same (dangling QTimers); this one
also sees the timers Qt makes in C++, such as a status bar's message timeout, and the
pending `QTimer.singleShot` calls.

How long to wait for a thread to end (`settle`): as long as it is getting somewhere, i.e.
its threads, or this process's child processes (an ffmpeg it waits for), use CPU; a thread
that used none for GRACE seconds waits for something that will not come (an event loop
nobody quits, an Event nobody sets): a leak, reported at once rather than after the cap.
"""

from __future__ import annotations

import os
import time
import weakref
from collections.abc import Callable, Iterable
from pathlib import Path
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
    wrapped, weak references only): Python's threading module does not list them. Their
    Linux thread ids are the tasks that appeared while each started (`tids`)."""

    def __init__(self) -> None:
        self._started: list[tuple[weakref.ref[QThread], set[int]]] = []
        self._real_start = QThread.start

    def start(self) -> None:
        real_start, started = self._real_start, self._started

        def start(thread: QThread, *args: Any) -> None:
            before = tasks()
            real_start(thread, *args)
            started.append((weakref.ref(thread), tasks() - before))

        QThread.start = start  # type: ignore[method-assign]

    def stop(self) -> None:
        QThread.start = self._real_start  # type: ignore[method-assign]

    def _alive(self) -> list[tuple[QThread, set[int]]]:
        alive = []
        for ref, ids in self._started:
            thread = ref()
            if thread is not None and Shiboken.isValid(thread) and thread.isRunning():
                alive.append((thread, ids))
        return alive

    def running(self) -> list[str]:
        """Names of the watched QThreads running now."""
        return [thread.objectName() or type(thread).__name__ for thread, _ in self._alive()]

    def tids(self) -> set[int]:
        """Linux thread ids of the watched QThreads running now."""
        return {tid for _, ids in self._alive() for tid in ids}


GRACE = 1.0  # seconds without CPU after which a thread left running is taken for a leak
CAP = 15.0  # seconds a busy one may take to end (a cancelled render finishing a step)
LOOK = 0.25  # seconds between two reads of the CPU used


def tasks() -> set[int]:
    """Linux thread ids of this process (empty where there is no /proc)."""
    try:
        return {int(name) for name in os.listdir("/proc/self/task")}
    except OSError:
        return set()


def _cpu_ticks(stat: Path) -> tuple[int, int] | None:
    """(parent pid, utime + stime) from a /proc .../stat file."""
    try:
        fields = stat.read_text().rsplit(")", 1)[1].split()
        return int(fields[1]), int(fields[11]) + int(fields[12])
    except (OSError, IndexError, ValueError):
        return None


def cpu_used(tids: Iterable[int]) -> dict[str, int] | None:
    """CPU ticks used so far by the threads *tids* of this process and by each of its
    child processes; None where /proc cannot tell (then nothing can be judged)."""
    if not Path("/proc/self/task").is_dir():
        return None
    used = {}
    for tid in tids:
        got = _cpu_ticks(Path(f"/proc/self/task/{tid}/stat"))
        if got is not None:
            used[f"thread {tid}"] = got[1]
    me = os.getpid()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        got = _cpu_ticks(stat)
        if got is not None and got[0] == me:
            used[f"child {stat.parent.name}"] = got[1]
    return used


def settle(
    done: Callable[[], bool],
    tids: Callable[[], set[int]],
    grace: float = GRACE,
    cap: float = CAP,
) -> str:
    """Wait for *done*: "done"; "stalled" once neither the threads *tids* nor a child
    process used CPU for *grace* seconds; "busy" after *cap* seconds of work."""
    start = moved = time.monotonic()
    last = cpu_used(tids())
    next_look = start + LOOK
    while not done():
        now = time.monotonic()
        if now >= next_look:
            next_look = now + LOOK
            used = cpu_used(tids())
            if used is None or last is None or any(v > last.get(k, -1) for k, v in used.items()):
                moved = now
            last = used
        if now - start >= cap:
            return "done" if done() else "busy"
        if now - moved >= grace:
            return "done" if done() else "stalled"
        time.sleep(0.02)
    return "done"
