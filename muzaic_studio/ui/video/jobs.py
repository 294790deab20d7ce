"""The video workflow's background jobs: one slot per kind of ffmpeg work (probe,
thumbnails, the sound lane's peaks, scene cuts), each on its own `TaskRunner`.

A new job in a slot cancels the one before it (importing another video cancels the old
one's thumbnails); a result or error that arrives after the user opened another project
is dropped, because it belongs to a document no longer shown. After every job ends the
workflow updates its actions (*settled*), e.g. Detect Scene Cuts is enabled again.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject

from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.workers import Task, TaskRunner

SLOTS = ("probe", "thumbs", "peaks", "scenes")


class VideoJobs(QObject):
    """Newest-wins job slots whose results are delivered only to the same document."""

    def __init__(self, parent: QObject, doc: Callable[[], ProjectDocument | None],
                 settled: Callable[[], None]) -> None:  # fmt: skip
        super().__init__(parent)
        self._doc = doc
        self._settled = settled
        self.runners = {name: TaskRunner(self, max_threads=1) for name in SLOTS}
        self.tasks: dict[str, Task | None] = dict.fromkeys(self.runners)

    def run(self, name: str, fn: Callable[[Any, threading.Event], Any], *,
            on_result: Callable[[Any], None], on_error: Callable[[BaseException], None],
            on_progress: Callable[[float, str], None] | None = None) -> Task:  # fmt: skip
        doc = self._doc()

        def deliver(callback: Callable[[Any], None]) -> Callable[[Any], None]:
            def call(value: Any) -> None:
                self.tasks[name] = None
                if self._doc() is doc:  # the user opened another project meanwhile: drop it
                    callback(value)
                self._settled()

            return call

        self.cancel(name)
        task = self.runners[name].run(fn, on_result=deliver(on_result),
                                      on_error=deliver(on_error), on_progress=on_progress)  # fmt: skip
        self.tasks[name] = task
        self._settled()
        return task

    def cancel(self, name: str) -> None:
        task = self.tasks.get(name)
        if task is not None:
            self.runners[name].cancel(task)
        self.tasks[name] = None

    def cancel_all(self) -> None:
        for name in self.runners:
            self.cancel(name)

    def busy(self, name: str | None = None) -> bool:
        names = [name] if name else list(self.runners)
        return any(self.tasks.get(n) is not None for n in names)

    def shutdown(self) -> None:
        """Cancel every job (ffmpeg is killed within 0.1 s) and wait for the threads."""
        for runner in self.runners.values():
            runner.shutdown(3000)
