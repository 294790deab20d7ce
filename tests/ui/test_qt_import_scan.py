"""PySide6 must not read the source of every module imported after Qt (ui/__init__.py)."""

from __future__ import annotations

import linecache
import sys

import muzaic_studio.ui  # noqa: F401  (switches the scan off)


def test_modules_imported_after_qt_leave_no_source_in_linecache(tmp_path, monkeypatch):
    module = tmp_path / "after_qt_probe.py"
    module.write_text("VALUE = 1\n" + "# a line of source\n" * 1000)
    monkeypatch.syspath_prepend(str(tmp_path))
    try:
        assert __import__("after_qt_probe").VALUE == 1  # the import statement's hook
        assert str(module) not in linecache.cache
    finally:
        sys.modules.pop("after_qt_probe", None)


def test_qt_widgets_still_work():
    from PySide6.QtWidgets import QApplication, QLabel

    app = QApplication.instance() or QApplication([])
    label = QLabel("x")
    label.setText("ok")
    assert label.text() == "ok" and app is not None
