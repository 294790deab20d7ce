"""Escape closes the toolbar's » overflow, and goes no further.

A narrow window's overflow (QToolBar's extension) is not a QMenu: it has no keyboard grab
of its own, so Escape went to the focused timeline, where Edit > Select None's shortcut
cleared the selection and the overflow stayed open. While it is open, an application
event filter takes Escape: the shortcut is overridden and the key press closes it.
"""

from __future__ import annotations

from typing import cast

from PySide6.QtCore import QCoreApplication, QEvent, QObject, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QToolBar, QToolButton

_KEYS = (QEvent.Type.ShortcutOverride, QEvent.Type.KeyPress)


class OverflowEscape(QObject):
    """Watches Escape only while the overflow is open (no filter on every event after)."""

    def __init__(self, toolbar: QToolBar) -> None:
        super().__init__(toolbar)
        self.button = toolbar.findChild(QToolButton, "qt_toolbar_ext_button")
        if self.button is not None:  # checked while the overflow is open
            self.button.toggled.connect(self._watch)

    def _watch(self, open_: bool) -> None:
        app = QCoreApplication.instance()
        if app is None:
            return
        if open_:
            app.installEventFilter(self)
        else:
            app.removeEventFilter(self)

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() not in _KEYS or cast(QKeyEvent, event).key() != Qt.Key.Key_Escape:
            return False
        button = self.button
        if button is None or not button.isChecked():
            return False
        event.accept()  # ShortcutOverride: no shortcut; the key press comes next
        if event.type() == QEvent.Type.KeyPress:
            button.click()  # closes the overflow (and removes this filter)
        return True
