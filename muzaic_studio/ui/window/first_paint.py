"""Run a callable once a widget has been painted for the first time.

Start-up work that is not needed to show the window (the offline engine's child: its
imports take a core for a second or two) must not compete with the first paint on a
2-core machine (issue 17). A widget that is not shown when the event loop starts (tests,
a window built but hidden) gets the callable at once, so nothing waits for a paint that
never comes.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QAbstractScrollArea, QWidget


class _FirstPaint(QObject):
    def __init__(self, target: QWidget, fn: Callable[[], Any]) -> None:
        super().__init__(target)
        self.target, self.fn, self.fired = target, fn, False

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint:
            # after the paint has reached the screen, not inside it
            QTimer.singleShot(0, self.fire)
        return False

    def fire(self) -> None:
        if self.fired:
            return
        self.fired = True
        self.target.removeEventFilter(self)
        self.fn()

    def fire_if_hidden(self) -> None:
        if not self.target.isVisible():
            self.fire()


def call_after_first_paint(widget: QWidget, fn: Callable[[], Any]) -> None:
    """Call *fn* on the GUI thread after *widget*'s first paint (or at once if it is
    still hidden when the event loop runs)."""
    target = widget.viewport() if isinstance(widget, QAbstractScrollArea) else widget
    hook = _FirstPaint(target, fn)
    target.installEventFilter(hook)
    QTimer.singleShot(0, hook.fire_if_hidden)
