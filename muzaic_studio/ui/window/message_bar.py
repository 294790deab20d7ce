"""A non-blocking message strip at the top of the window (info / warning / error).

Replaces modal boxes for everything that does not need an answer: the user keeps working
and can press the optional action button ("Retry", "Set API key...") or close the strip.
Info messages hide by themselves; warnings and errors stay until closed or replaced.
Two kinds of message wait instead of replacing: news given with ``polite=True`` (the
backend's, which arrives on its own time) waits behind a warning or error the user has not
closed yet, and every message waits behind one given with ``keep=True`` (a project that
could not be opened), which also puts polite news it covers back in line (a project read
in the background fails after the backend's news came). Waiting messages show, in order,
once the bar is closed.

In the main window the bar is the last row of the central layout, under the timeline:
it takes its own room, so it never hides the waveform (floating over the timeline's
bottom, it did, and in the Video Layout it covered all of it), and coming or going it
moves neither the ruler nor the top of the region lane (a banner above the timeline once
pushed them from under the user's click onto a region).
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QPushButton, QToolButton, QWidget

from muzaic_studio.ui.icons import icon

_STYLE = {
    "info": ("#1f3b5c", "#cfe3ff", "#3d7fe0", "info"),
    "success": ("#1d4630", "#c9f2d8", "#3fb56c", "info"),
    "warning": ("#4d3a12", "#ffe6b0", "#e0a020", "warning"),
    "error": ("#55202a", "#ffd2d8", "#e0485c", "error"),
}
INFO_MS = 6000


class MessageBar(QFrame):
    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("messageBar")
        self.kind = "info"
        self._icon = QLabel()
        self._text = QLabel()
        self._text.setWordWrap(True)
        self._text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.action_button = QPushButton()
        self.action_button.hide()
        self.second_button = QPushButton()  # a second way out, e.g. "Use offline engine"
        self.second_button.hide()
        self._close = QToolButton()
        self._close.setIcon(icon("close", "#ffffff"))
        self._close.setAutoRaise(True)
        self._close.setToolTip("Dismiss this message")
        self._close.clicked.connect(self.dismiss)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(10, 5, 6, 5)
        layout.addWidget(self._icon)
        layout.addWidget(self._text, 1)
        layout.addWidget(self.action_button)
        layout.addWidget(self.second_button)
        layout.addWidget(self._close)
        self._action: Callable[[], object] | None = None
        self._second_action: Callable[[], object] | None = None
        self.action_button.clicked.connect(self._run_action)
        self.second_button.clicked.connect(self._run_second)
        self._timer = QTimer(self, singleShot=True)
        self._timer.timeout.connect(self.dismiss)
        self._keep = False
        self._waiting: list[tuple] = []
        self._shown: tuple | None = None  # the message on show, if it was polite news
        self.hide()

    @property
    def text(self) -> str:
        return self._text.text()

    @property
    def waiting(self) -> int:
        return len(self._waiting)

    def show_message(self, text: str, kind: str = "info", action_text: str | None = None,
                     action: Callable[[], object] | None = None,
                     second: tuple[str, Callable[[], object]] | None = None, *,
                     keep: bool = False, polite: bool = False) -> None:  # fmt: skip
        problem = self.kind in ("warning", "error")
        if self.isVisible() and not keep and (self._keep or (polite and problem)):
            self._waiting.append((text, kind, action_text, action, second, polite))
            return
        if keep and self.isVisible() and self._shown is not None:
            self._waiting.insert(0, self._shown)  # news a kept message covers comes back
        self._shown = (text, kind, action_text, action, second, polite) if polite else None
        self._keep = keep
        bg, fg, accent, icon_name = _STYLE.get(kind, _STYLE["info"])
        self.kind = kind
        self.setStyleSheet(
            f"#messageBar {{ background: {bg}; border-bottom: 2px solid {accent}; }}"
            f"#messageBar QLabel {{ color: {fg}; }}"
            f"#messageBar QPushButton {{ color: {fg}; background: {accent}; border: none;"
            f" padding: 3px 12px; border-radius: 3px; }}"
        )
        self._icon.setPixmap(icon(icon_name, accent).pixmap(18, 18))
        self._text.setText(text)
        self._action = action
        self.action_button.setVisible(bool(action_text and action))
        self.action_button.setText(action_text or "")
        self.action_button.setToolTip(action_text or "")
        self._second_action = second[1] if second else None
        self.second_button.setVisible(second is not None)
        self.second_button.setText(second[0] if second else "")
        self.second_button.setToolTip(second[0] if second else "")
        self.show()
        if kind in ("info", "success") and not action and not second:
            self._timer.start(INFO_MS)
        else:
            self._timer.stop()

    def dismiss(self) -> None:
        """Close the message; the next waiting one, if any, shows."""
        self._timer.stop()  # else it would cut the next message short
        self.hide()
        self._keep = False
        self._shown = None
        if self._waiting:
            text, kind, action_text, action, second, polite = self._waiting.pop(0)
            self.show_message(text, kind, action_text, action, second, polite=polite)

    def clear(self) -> None:
        """Drop the message and those waiting, e.g. when the window closes: nothing is
        left to time out on a window the user has left."""
        self._waiting.clear()
        self.dismiss()

    def _run_action(self) -> None:
        action = self._action
        self.dismiss()
        if action is not None:
            action()

    def _run_second(self) -> None:
        action = self._second_action
        self.dismiss()
        if action is not None:
            action()
