"""The Render and Render Changes tooltips: what each would cost now.

Counting them digests every rendered region's spec (~0.1-0.2 s for 20,000 regions), so it
runs once the edits pause (a drag counts once; a big project opened is shown and listed
first) and a chunk of regions per turn of the event loop: the window never freezes on it.
A closed window counts nothing.
"""

from __future__ import annotations

from collections.abc import Callable, Generator

from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtGui import QAction
from PySide6.QtWidgets import QMainWindow

from muzaic_studio.model import Project
from muzaic_studio.render.summary import render_tips_steps

DELAY_MS = 250  # a render tip a quarter second late is never seen


class RenderTips(QObject):
    def __init__(
        self, window: QMainWindow, project: Callable[[], Project | None],
        render: QAction, changes: QAction,
    ) -> None:  # fmt: skip
        super().__init__(window)
        self.window, self._project = window, project
        self._render, self._changes = render, changes
        self._steps: Generator[None, None, tuple[str, str]] | None = None
        self._timer = QTimer(self, singleShot=True, interval=DELAY_MS)
        self._timer.timeout.connect(self._step)
        window.installEventFilter(self)

    def update(self) -> None:
        """The project changed: count again from the start, once the edits pause."""
        self._steps = None
        self._timer.start(DELAY_MS)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.window and event.type() == QEvent.Type.Close:
            self._timer.stop()  # (a close refused within DELAY_MS of an edit: the next edit
            self._steps = None  # counts; a timer left behind would tick for a window gone)
        return False

    def _step(self) -> None:
        project = self._project()
        if project is None:
            return
        if self._steps is None:
            self._steps = render_tips_steps(project)
        try:
            next(self._steps)
        except StopIteration as done:
            self._steps = None
            full, changes = done.value
            self._render.setToolTip(f"{full} (Ctrl+R)")
            self._changes.setToolTip(f"{changes} (Ctrl+Shift+R)")
        else:
            self._timer.start(0)
