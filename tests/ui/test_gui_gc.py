"""Garbage cycles that hold Qt objects are collected on the GUI thread (ui/gui_gc.py):
a QObject destroyed on a worker thread had frozen the window (Qt's connection lock
against the GIL)."""

from __future__ import annotations

import gc
import threading
import weakref

from PySide6.QtCore import QObject

from muzaic_studio.ui.gui_gc import collect_on_gui_thread


class _Cycle:
    def __init__(self) -> None:
        self.obj = QObject()
        self.me = self  # only the cycle collector can free it


def test_a_qt_object_in_a_garbage_cycle_dies_on_the_gui_thread(qapp):
    collector = collect_on_gui_thread(qapp)
    died_on: list[str] = []
    cycle = _Cycle()
    # runs in the thread that collects the cycle, where its QObject is destroyed
    weakref.finalize(cycle, lambda: died_on.append(threading.current_thread().name))
    del cycle

    junk: list[list[int]] = []

    def allocate() -> None:  # enough container objects to pass every generation's threshold
        for _ in range(300_000):  # kept until the end: a freed object takes its count back,
            junk.append([])  # so the count (hence the test) depended on earlier tests

    worker = threading.Thread(target=allocate, name="worker")
    worker.start()
    worker.join()
    assert died_on == []  # the worker's allocations collected nothing (was: the cycle)
    collector.collect_due()  # what the GUI thread's timer does every 250 ms
    assert died_on == [threading.main_thread().name]


def test_automatic_collection_is_off_while_the_app_runs(qapp):
    collect_on_gui_thread(qapp)
    assert not gc.isenabled()
