"""Layout a user sees (issue 13, items 5-7, 14-15): nothing overlaps, nothing important is
hidden at 1024x700, banners do not move the timeline, the playhead's time is shown."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QEvent, QPoint, Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QWidget

from muzaic_studio.api.errors import Unauthorized
from muzaic_studio.ui.key_dialog import KeyDialog
from muzaic_studio.ui.preferences import BackendSettings
from tests.ui.editor_helpers import demo_project, shown_window


def rect_in(widget: QWidget, ancestor: QWidget):
    top_left = widget.mapTo(ancestor, QPoint(0, 0))
    return widget.rect().translated(top_left)


def test_key_dialog_grows_for_a_failed_test_instead_of_overlapping(qtbot):
    dialog = KeyDialog(BackendSettings(kind="cloud", api_url="http://127.0.0.1:9"))
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    qtbot.waitSignal(dialog.statusShown, timeout=5000)
    long = " ".join(["The server refused this key for this origin."] * 6)
    dialog._tested_error(Unauthorized(long))
    QApplication.processEvents()
    labels = [dialog.findChild(QWidget, "keyIntro"), dialog.key_edit, dialog.status_label,
              dialog.result_label, dialog.test_button]  # fmt: skip
    rects = [rect_in(w, dialog) for w in labels]
    for upper, lower in zip(rects, rects[1:], strict=False):
        assert upper.bottom() < lower.top(), (upper, lower)
    for label in (dialog.status_label, dialog.result_label, labels[0]):
        assert label.height() >= label.heightForWidth(label.width())  # every line shows
