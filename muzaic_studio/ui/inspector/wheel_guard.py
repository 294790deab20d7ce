"""The mouse wheel scrolls the inspector instead of changing the control under the pointer.

The inspector is a tall scrolled form of sliders, spin boxes and combo boxes. By Qt's
default each of them takes the wheel while the pointer is over it, so scrolling down the
form stops at the first slider that slides under the pointer and turns its value (a new
user scrolling to the tags moved Intensity from 5 to 1 without noticing: a changed
region, a new render, tokens). Here such a control takes the wheel only once it has the
keyboard focus (clicked or tabbed to); otherwise the event goes on to the scroll area.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractSlider, QAbstractSpinBox, QComboBox, QWidget

GUARDED = (QAbstractSlider, QAbstractSpinBox, QComboBox)


class WheelGuard(QObject):
    """Passes a wheel event over an unfocused value control on to its parents."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if (
            event.type() == QEvent.Type.Wheel
            and isinstance(watched, QWidget)
            and not watched.hasFocus()
        ):
            event.ignore()  # unaccepted: Qt offers it to the parent (the scroll area)
            return True
        return False


def guard_wheel(root: QWidget) -> WheelGuard:
    """Guard every value control under *root*; scroll bars (also sliders) keep the wheel."""
    guard = WheelGuard(root)
    for widget in root.findChildren(QWidget):
        if not isinstance(widget, GUARDED) or widget.inherits("QScrollBar"):
            continue
        if widget.focusPolicy() == Qt.FocusPolicy.WheelFocus:
            widget.setFocusPolicy(Qt.FocusPolicy.StrongFocus)  # a wheel turn is no click
        widget.installEventFilter(guard)
    return guard
