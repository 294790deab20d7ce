"""The render workflow's own widgets and actions: the status bar progress, the loop band
over the ruler, and the action table (kept apart so the workflow module is only wiring)."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QHBoxLayout, QToolButton, QWidget

from muzaic_studio.ui.icons import icon
from muzaic_studio.ui.status_progress import StatusProgress

# key, text, shortcuts, tip, icon, checkable: listed in Help > Keyboard Shortcuts like the
# editor's own table, because they are plain QActions of the window.
ACTION_SPECS: tuple[tuple[str, str, tuple[str, ...], str, str, bool], ...] = (
    ("render.render", "&Render", ("Ctrl+R",), "Render the whole soundtrack", "render", False),
    ("render.changes", "Render &Changes", ("Ctrl+Shift+R",),
     "Render only the regions changed since their last render; the rest are reused for free",
     "render-changes", False),
    ("render.cancel", "&Cancel Render", (), "Stop waiting for the render (tokens may still be spent)", "stop", False),
    ("render.play", "&Play / Pause", ("Space",), "Play from the playhead, or pause", "play", False),
    ("render.loop", "&Loop Selection", ("L",), "Loop the selected regions while playing", "loop", True),
    ("render.ab", "A/&B Last Two Renders", ("Ctrl+B",), "Flip between the two newest renders at the same position", "history", False),
    ("render.preferences", "Backend &Preferences...", ("Ctrl+,",), "Offline engine or Muzaic cloud, API address, origin", "", False),
    ("render.key", "API &Key...", (), "Store, test or clear the Muzaic API key", "key", False),
    ("file.export", "&Export Audio...", ("Ctrl+E",), "Export the rendered soundtrack as MP3 or WAV", "export", False),
)  # fmt: skip


def make_action(parent: QObject, spec: tuple[str, str, tuple[str, ...], str, str, bool]) -> QAction:
    key, text, shortcuts, tip, icon_name, checkable = spec
    action = QAction(text, parent)
    action.setObjectName(key)
    action.setShortcuts([QKeySequence(s) for s in shortcuts])
    native = QKeySequence.SequenceFormat.NativeText
    action.setToolTip(
        f"{tip} ({QKeySequence(shortcuts[0]).toString(native)})" if shortcuts else tip
    )
    action.setStatusTip(tip)
    action.setCheckable(checkable)
    if icon_name:
        action.setIcon(icon(icon_name))
    return action


class RenderProgress(StatusProgress):
    """Status bar widget: what is rendering, a bar, elapsed/estimate, Cancel; and "Try
    now" while a busy server's wait is counted down."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent, "renderProgress", 160,
                         "Stop waiting for this render (the server may still charge it)",
                         cancel_text="Cancel")  # fmt: skip
        self.try_now_button = QToolButton(self)
        self.try_now_button.setObjectName("tryNowButton")
        self.try_now_button.setText("Try now")
        self.try_now_button.setToolTip(
            "Send the render again now instead of waiting (a refused request costs nothing)"
        )
        self.try_now_button.hide()
        layout = self.layout()
        assert isinstance(layout, QHBoxLayout)
        layout.insertWidget(1, self.try_now_button)  # right after the countdown it ends

    def show_waiting(self, waiting: bool) -> None:
        """Offer "Try now" only while the countdown runs."""
        self.try_now_button.setVisible(waiting)


class LoopOverlay(QWidget):
    """The loop range drawn over the timeline's ruler, as a child of its viewport.

    A transparent widget on top (mouse events pass through), so the timeline's own
    painting is not touched; it follows the viewport's size, scroll and zoom.
    """

    BAND_H = 6

    def __init__(self, timeline: QWidget) -> None:
        viewport = timeline.viewport() if hasattr(timeline, "viewport") else timeline
        super().__init__(viewport)
        self.setObjectName("loopOverlay")
        self.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        self.setAttribute(Qt.WidgetAttribute.WA_NoSystemBackground)
        self.timeline = timeline
        self.span: tuple[float, float] | None = None
        viewport.installEventFilter(self)
        bar = getattr(timeline, "horizontalScrollBar", None)
        if callable(bar):
            bar().valueChanged.connect(self.update)
        zoom = getattr(timeline, "zoomChanged", None)
        if zoom is not None:
            zoom.connect(self.update)
        self.setGeometry(viewport.rect())
        self.hide()

    def set_span(self, span: tuple[float, float] | None) -> None:
        self.span = span
        self.setVisible(span is not None)
        self.raise_()
        self.update()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Resize:
            self.setGeometry(watched.rect())  # type: ignore[attr-defined]
        return False

    def paintEvent(self, _event: Any) -> None:
        scale = getattr(self.timeline, "scale", None)
        if self.span is None or scale is None:
            return
        from PySide6.QtGui import QColor, QPainter

        x0, x1 = scale.x(self.span[0]), scale.x(self.span[1])
        painter = QPainter(self)
        color = QColor("#f0b429")
        painter.fillRect(int(x0), 0, max(1, int(x1 - x0)), self.BAND_H, color)
        color.setAlpha(28)
        painter.fillRect(int(x0), 0, max(1, int(x1 - x0)), self.height(), color)
        painter.end()
