"""A call on a daemon thread, waited for in slices, so that the waiting side notices a
cancel or Ctrl+C at once: a blocking call (a socket read, a long render) cannot be cut
short, and a `Thread.join` cut by Ctrl+C marks the thread ended on Python 3.11 and loses
what it raised. Used by the cloud transport (cancel) and the CLI's render (Ctrl+C)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class Outcome(Generic[T]):
    """`fn()` started on a daemon thread named *name*; `done` is set when it ends."""

    def __init__(self, fn: Callable[[], T], name: str) -> None:
        self.done = threading.Event()
        self.error: BaseException | None = None
        self._value: T | None = None
        threading.Thread(target=self._run, args=(fn,), name=name, daemon=True).start()

    def _run(self, fn: Callable[[], T]) -> None:
        try:
            self._value = fn()
        except BaseException as exc:  # handed to the waiting side by result()
            self.error = exc
        finally:
            self.done.set()

    def result(self) -> T:
        """What `fn` returned, or raise what it raised; only once `done` is set."""
        if self.error is not None:
            raise self.error
        return self._value  # type: ignore[return-value]
