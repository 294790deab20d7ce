"""Guards the PySide6 pin in pyproject.toml.

PySide6 6.12.0 on Python 3.11 drops a reference to None on every call of a method that
returns void (update(), processEvents(), ...): the app aborted with "Fatal Python error:
none_dealloc" after about 17,000 such calls, i.e. seconds after start. If a future PySide6
brings that back, this fails before a user meets it.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QWidget


def test_void_qt_calls_keep_none_alive(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(2000):
        widget.update()
        QCoreApplication.processEvents()
    assert sys.getrefcount(None) >= before - 50
