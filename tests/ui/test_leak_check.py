"""The leak check's wait (tests/ui/leaks.py `settle`, used by conftest's
no_work_left_running): a thread left idle is reported after the short grace, not after
the 15 s cap it used to wait; one still working, or waiting for a child process that
works, is given the time it needs beyond the grace, so it never fails for ending late."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

from PySide6.QtCore import QThread

from tests.ui.leaks import GRACE, QThreadWatch, settle

WORK = 2.5 * GRACE  # seconds of work: longer than the grace, so only progress explains a pass


class Busy(QThread):
    def run(self) -> None:
        end = time.monotonic() + WORK
        while time.monotonic() < end:
            sum(range(1000))


def test_a_qthread_left_in_its_event_loop_is_taken_for_a_leak():
    watch = QThreadWatch()
    watch.start()
    thread = QThread()
    thread.setObjectName("left-behind")
    try:
        thread.start()  # an event loop nobody quits
        outcome = settle(lambda: not watch.running(), watch.tids)
        assert outcome == "stalled"  # idle: not the cap's "busy"
        assert watch.running() == ["left-behind"]
    finally:
        watch.stop()
        thread.quit()
        thread.wait(5000)


def test_a_qthread_working_past_the_grace_is_waited_for():
    watch = QThreadWatch()
    watch.start()
    thread = Busy()
    try:
        thread.start()
        assert settle(lambda: not watch.running(), watch.tids) == "done"
    finally:
        watch.stop()
        thread.wait(30_000)


def test_a_thread_waiting_for_a_working_child_process_is_waited_for():
    spin = f"import time\nend = time.monotonic() + {WORK}\nwhile time.monotonic() < end: pass"
    worker = threading.Thread(target=subprocess.run, args=([sys.executable, "-c", spin],))
    worker.start()
    try:
        assert settle(lambda: not worker.is_alive(), lambda: {worker.native_id or 0}) == "done"
    finally:
        worker.join(30)
