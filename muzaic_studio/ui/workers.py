"""Run a function off the GUI thread; get progress, result or a typed error back on it.

Picard's `run_task` and napari's workers in one small class. A `TaskRunner` owns a
thread pool; `run(fn)` calls ``fn(progress, cancel)`` on a pool thread, where *progress*
is ``progress(fraction, text)`` and *cancel* a `threading.Event` the function checks
between steps (and hands to backends and ffmpeg jobs). Everything it reports arrives on
the GUI thread through queued signals, so callbacks may touch widgets.

Newest request wins (napari's layer slicer): with ``exclusive=True`` (default), starting
a job cancels the runner's previous job and its late result, error or progress is dropped
instead of delivered. ``Task.cancel()`` also stops delivery at once: the caller stops
waiting even when the function is stuck in a call it cannot interrupt (a slow HTTP
response); it finishes in the background and nobody listens.
"""

from __future__ import annotations

import itertools
import threading
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QObject, QRunnable, QThreadPool, Signal, Slot

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


class _Relay(QObject):
    """Lives on the GUI thread; worker threads emit, Qt queues the call to the GUI thread."""

    progress = Signal(int, float, str)
    outcome = Signal(int, bool, object)  # task id, ok, result-or-exception


class _Job(QRunnable):
    def __init__(self, task: Task, fn: JobFn, relay: _Relay) -> None:
        super().__init__()
        self.setAutoDelete(True)
        self._task = task
        self._fn = fn
        self._relay = relay

    def run(self) -> None:
        task = self._task
        task.running.set()

        def progress(fraction: float, text: str = "") -> None:
            if not task.cancel_event.is_set():
                self._relay.progress.emit(task.id, float(fraction), str(text))

        try:
            result = self._fn(progress, task.cancel_event)
        except BaseException as exc:  # every failure is delivered, never lost in a thread
            exc.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            self._relay.outcome.emit(task.id, False, exc)
        else:
            self._relay.outcome.emit(task.id, True, result)
        finally:
            task.running.clear()


class TaskRunner(QObject):
    """A private pool of worker threads and the bookkeeping for "newest request wins"."""

    def __init__(self, parent: QObject | None = None, max_threads: int = 2) -> None:
        super().__init__(parent)
        self._pool = QThreadPool(self)
        self._pool.setMaxThreadCount(max_threads)
        self._relay = _Relay(self)
        self._relay.progress.connect(self._on_progress)
        self._relay.outcome.connect(self._on_outcome)
        self._tasks: dict[int, Task] = {}
        self._current: Task | None = None

    def run(
        self,
        fn: JobFn,
        *,
        on_result: Callable[[Any], None] | None = None,
        on_error: Callable[[BaseException], None] | None = None,
        on_progress: Callable[[float, str], None] | None = None,
        on_finished: Callable[[], None] | None = None,
        exclusive: bool = True,
    ) -> Task:
        if exclusive and self._current is not None:
            self.cancel(self._current)
        task = Task(next(_ids), on_result=on_result, on_error=on_error,
                    on_progress=on_progress, on_finished=on_finished)  # fmt: skip
        self._tasks[task.id] = task
        if exclusive:
            self._current = task
        self._pool.start(_Job(task, fn, self._relay))
        return task

    def cancel(self, task: Task | None = None) -> None:
        """Cancel *task* (default: the current one); its outcome is never delivered."""
        task = task or self._current
        if task is None or task.done:
            return
        task.cancel()
        self._finish(task)

    @property
    def busy(self) -> bool:
        return any(not t.done for t in self._tasks.values())

    def active_threads(self) -> int:
        return self._pool.activeThreadCount()

    def wait(self, msecs: int = 10_000) -> bool:
        """Block until every thread is idle (for shutdown and tests); True if they are."""
        return self._pool.waitForDone(msecs)

    def shutdown(self, msecs: int = 5_000) -> bool:
        for task in list(self._tasks.values()):
            self.cancel(task)
        self._pool.clear()
        return self._pool.waitForDone(msecs)

    # -- delivery on the GUI thread ---------------------------------------------------
    def _finish(self, task: Task) -> None:
        task.done = True
        if self._current is task:
            self._current = None
        if task.on_finished:
            task.on_finished()

    @Slot(int, float, str)
    def _on_progress(self, task_id: int, fraction: float, text: str) -> None:
        task = self._tasks.get(task_id)
        if task and not task.done and not task.cancelled and task.on_progress:
            task.on_progress(fraction, text)

    @Slot(int, bool, object)
    def _on_outcome(self, task_id: int, ok: bool, value: object) -> None:
        task = self._tasks.pop(task_id, None)
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
