"""Run a function off the GUI thread; get progress, result or a typed error back on it.

Picard's `run_task` and napari's workers in one small class: the only way the GUI runs
background work. Every `TaskRunner` shares one app-owned thread pool (`shared_pool()`)
and one app-owned relay; `max_threads` caps how many of its own jobs run at once. `run(fn)` calls ``fn(progress, cancel)`` on a pool thread, where *progress*
is ``progress(fraction, text)`` and *cancel* a `threading.Event` the function checks
between steps (and hands to backends and ffmpeg jobs). Everything it reports arrives on
the GUI thread through queued signals, so callbacks may touch widgets.

Newest request wins (napari's layer slicer) per keyed slot: with ``exclusive=True``
(default), starting a job cancels the previous job of the same ``key`` and its late
result, error or progress is dropped instead of delivered; jobs of other keys go on.
The relay belongs to the application, not to the runner: a runner deleted with its
dialog while its job still runs is skipped at delivery (no emit on a dead QObject), so
nobody has to wait for a job before closing. ``Task.cancel()`` also stops delivery at once: the caller stops
waiting even when the function is stuck in a call it cannot interrupt (a slow HTTP
response); it finishes in the background and nobody listens.
"""

from __future__ import annotations

import contextlib
import functools
import itertools
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, QRunnable, QThreadPool, Signal, Slot
from shiboken6 import isValid

ProgressFn = Callable[[float, str], None]
JobFn = Callable[[ProgressFn, threading.Event], Any]

_ids = itertools.count(1)


@dataclass(eq=False)
class Task:
    """Handle of one submitted job."""

    id: int
    cancel_event: threading.Event = field(default_factory=threading.Event)
    on_result: Callable[[Any], None] | None = None
    on_error: Callable[[BaseException], None] | None = None
    on_progress: Callable[[float, str], None] | None = None
    on_finished: Callable[[], None] | None = None
    done: bool = False  # set on the GUI thread when the job's outcome was handled/dropped
    running: threading.Event = field(default_factory=threading.Event)  # cleared when fn returns

    def cancel(self) -> None:
        """Ask the function to stop and drop whatever it still reports."""
        self.cancel_event.set()

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()


POOL_THREADS = 16  # threads start on demand and expire when idle; long jobs must not starve


class _Relay(QObject):
    """Lives on the GUI thread; worker threads emit, Qt queues the call to the GUI thread.

    Owned by the application; it hands each delivery to the runner that started the job,
    or drops it when that runner has been deleted meanwhile.
    """

    progress = Signal(int, float, str)
    outcome = Signal(int, bool, object)  # task id, ok, result-or-exception

    def __init__(self, parent: QObject | None) -> None:
        super().__init__(parent)
        self.owners: dict[int, TaskRunner] = {}
        self.progress.connect(self._on_progress)
        self.outcome.connect(self._on_outcome)

    @Slot(int, float, str)
    def _on_progress(self, task_id: int, fraction: float, text: str) -> None:
        runner = self.owners.get(task_id)
        if runner is not None and isValid(runner):
            runner._on_progress(task_id, fraction, text)

    @Slot(int, bool, object)
    def _on_outcome(self, task_id: int, ok: bool, value: object) -> None:
        runner = self.owners.pop(task_id, None)
        if runner is not None and isValid(runner):
            runner._on_outcome(task_id, ok, value)


_shared: dict[str, QObject] = {}


def _app_owned(name: str, make: Callable[[QObject | None], QObject]) -> Any:
    obj = _shared.get(name)
    if obj is None or not isValid(obj):
        obj = _shared[name] = make(QCoreApplication.instance())
    return obj


def shared_pool() -> QThreadPool:
    """The application's one worker pool (beside Qt's own global instance)."""

    def make(parent: QObject | None) -> QThreadPool:
        pool = QThreadPool(parent)
        pool.setMaxThreadCount(POOL_THREADS)
        return pool

    return _app_owned("pool", make)


def _shared_relay() -> _Relay:
    return _app_owned("relay", _Relay)


_inline = False  # run_inline(): jobs run on the caller's thread (tests)


@contextlib.contextmanager
def run_inline() -> Iterator[None]:
    """Run every job started meanwhile at once, on the calling thread, its outcome
    delivered before `TaskRunner.run` returns: a test of what a widget does with a job's
    result needs no wait loop. Never used by the app: its GUI thread must not block."""
    global _inline
    before, _inline = _inline, True
    try:
        yield
    finally:
        _inline = before


def _start(job: _Job) -> None:
    if _inline:
        job.run()
    else:
        shared_pool().start(job)


class _Gate:
    """At most *limit* jobs of one runner in the shared pool; the rest wait their turn.

    Touched by the GUI thread (submit) and worker threads (done), hence the lock.
    """

    def __init__(self, limit: int) -> None:
        self.limit = max(1, limit)
        self.inflight = 0
        self.waiting: deque[_Job] = deque()
        self.idle = threading.Condition()

    def submit(self, job: _Job) -> None:
        with self.idle:
            if self.inflight >= self.limit:
                self.waiting.append(job)
                return
            self.inflight += 1
        _start(job)

    def done(self) -> None:
        with self.idle:
            if self.waiting:
                job = self.waiting.popleft()
            else:
                self.inflight -= 1
                self.idle.notify_all()
                return
        _start(job)

    def drop_waiting(self) -> list[_Job]:
        """Forget the jobs not started yet; returns them."""
        with self.idle:
            dropped = list(self.waiting)
            self.waiting.clear()
            if self.inflight == 0:
                self.idle.notify_all()
        return dropped

    def wait(self, msecs: int) -> bool:
        with self.idle:
            return self.idle.wait_for(lambda: self.inflight == 0, msecs / 1000)


class _Job(QRunnable):
    def __init__(self, task: Task, fn: JobFn, relay: _Relay, gate: _Gate) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._task = task
        self._fn = fn
        self._relay = relay
        self._gate = gate
        self.task_id = task.id

    def run(self) -> None:
        task = self._task
        try:
            if task.cancel_event.is_set():  # cancelled while queued: let the relay forget it
                from concurrent.futures import CancelledError  # not at start-up (~10 ms)

                self._send(task.id, False, CancelledError())
            else:
                self._call(task)
        finally:
            self._gate.done()

    def _send(self, *args: Any, progress: bool = False) -> None:
        # At exit the application (and its relay) may be gone first: nobody to tell.
        with contextlib.suppress(RuntimeError):
            (self._relay.progress if progress else self._relay.outcome).emit(*args)

    def _call(self, task: Task) -> None:
        task.running.set()

        def progress(fraction: float, text: str = "") -> None:
            if not task.cancel_event.is_set():
                self._send(task.id, float(fraction), str(text), progress=True)

        try:
            result = self._fn(progress, task.cancel_event)
        except BaseException as exc:  # every failure is delivered, never lost in a thread
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self._send(task.id, False, exc)
        else:
            self._send(task.id, True, result)
        finally:
            task.running.clear()


def _cancel_all(tasks: dict[int, Task], *_args: object) -> None:
    for task in tasks.values():
        task.cancel()


class TaskRunner(QObject):
    """Bookkeeping for "newest request wins" per key, over the app's shared pool."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self._gate = _Gate(max_threads)
        self._relay = _shared_relay()
        self._tasks: dict[int, Task] = {}
        self._current: dict[str | None, Task] = {}
        # Deleted with its dialog: the jobs still running are told to stop (a partial,
        # not a method: the runner is gone by then) and their outcome is skipped.
        self.destroyed.connect(functools.partial(_cancel_all, self._tasks))

    def run(
        self,
        fn: JobFn,
        *,
        on_result: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[float, str], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        exclusive: bool = True,
        key: str | None = None,
    ) -> Task:
        """Start *fn*; with *exclusive*, first cancel the job last started under *key*."""
        if exclusive and key in self._current:
            self.cancel(self._current[key])
        task = Task(next(_ids), on_result=on_result, on_error=on_error,
                    on_progress=on_progress, on_finished=on_finished)  # fmt: skip
        self._tasks[task.id] = task
        if exclusive:
            self._current[key] = task
        self._relay.owners[task.id] = self
        self._gate.submit(_Job(task, fn, self._relay, self._gate))
        return task

    def cancel(self, task: Task | None = None, *, key: str | None = None) -> None:
        """Cancel *task* (default: the current one of *key*); its outcome is never delivered."""
        task = task or self._current.get(key)
        if task is None or task.done:
            return
        task.cancel()
        self._finish(task)

    def cancel_all(self) -> None:
        """Cancel every job without waiting: they end in the background, unheard."""
        for task in list(self._tasks.values()):
            self.cancel(task)
        for job in self._gate.drop_waiting():
            self._relay.owners.pop(job.task_id, None)

    @property
    def busy(self) -> bool:
        return any(not t.done for t in self._tasks.values())

    def active_threads(self) -> int:
        """How many of this runner's jobs are in the pool (running or about to)."""
        return self._gate.inflight

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until this runner's jobs have returned (for shutdown and tests)."""
        return self._gate.wait(msecs)

    def shutdown(self, msecs: int = 5_000) -> bool:
        """Cancel everything, then wait for the jobs to return (application exit only)."""
        self.cancel_all()
        return self._gate.wait(msecs)

    # -- delivery on the GUI thread (called by the relay) -----------------------------
    def _finish(self, task: Task) -> None:
        task.done = True
        self._tasks.pop(task.id, None)
        if self._current.get(self._key_of(task)) is task:
            del self._current[self._key_of(task)]
        if task.on_finished:
            task.on_finished()

    def _key_of(self, task: Task) -> str | None:
        return next((k for k, t in self._current.items() if t is task), None)

    def _on_progress(self, task_id: int, fraction: float, text: str) -> None:
        task = self._tasks.get(task_id)
        if task and not task.done and not task.cancelled and task.on_progress:
            task.on_progress(fraction, text)

    def _on_outcome(self, task_id: int, ok: bool, value: object) -> None:
        task = self._tasks.get(task_id)
        if task is None or task.done or task.cancelled:
            return  # cancelled or superseded: the caller stopped listening
        try:
            if ok:
                if task.on_result:
                    task.on_result(value)
            elif task.on_error:
                task.on_error(value)  # type: ignore[arg-type]
        finally:
            self._finish(task)
