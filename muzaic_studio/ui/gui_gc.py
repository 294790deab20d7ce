"""Python's cycle collector, run on the GUI thread only.

Why: CPython collects reference cycles in whichever thread happens to allocate when a
threshold is passed. A cycle holding a Qt object (a widget's Python-side helper, a lambda
slot) was then destroyed on a worker thread: its QObject destructor took Qt's connection
lock and waited for the GIL, while the GUI thread held the GIL and waited for that lock in
a layout's connect. The window froze for good (seen in CI: a cancelled render's status
bar, against the cloud client's request thread). Qt objects must die on their own thread,
so automatic collection is off and the GUI thread collects, as often as the thresholds
would have asked for, on a timer. The same pattern as pyqtgraph's and GitFourchette's.
"""

from __future__ import annotations

import gc
import time

from PySide6.QtCore import QObject, QTimer

INTERVAL_MS = 250
FULL_EVERY_S = 5.0  # at most one full collection per this (the demo's ~90k objects: 12 ms)
FULL_SHARE = 0.005  # ... and per 200x the last one's length (a 20,000-region project: 45 ms)


class GuiThreadCollector(QObject):
    """Turns automatic collection off, and collects on the GUI thread every INTERVAL_MS
    the generations that the allocation counts say are due (the thresholds unchanged)."""

    def __init__(self, parent: QObject) -> None:
        super().__init__(parent)
        self._threshold = gc.get_threshold()
        self._last_full = time.monotonic()
        self._full_gap = FULL_EVERY_S
        gc.disable()
        self._timer = QTimer(self)
        self._timer.setInterval(INTERVAL_MS)
        self._timer.timeout.connect(self.collect_due)
        self._timer.start()

    def collect_due(self) -> int:
        """Collect the oldest generation whose count passed its threshold; objects found.
        A full one at most every FULL_EVERY_S, longer for a big heap (FULL_SHARE of the
        time), as CPython itself defers them (it waits for a quarter more long-lived
        objects): a busy GUI does not stutter."""
        counts = gc.get_count()
        due = [g for g in (2, 1, 0) if counts[g] > self._threshold[g]]
        if not due:
            return 0
        gen, now = due[0], time.monotonic()
        if gen == 2 and now - self._last_full < self._full_gap:
            gen = 1
        found = gc.collect(gen)
        if gen == 2:
            self._last_full = time.monotonic()
            self._full_gap = max(FULL_EVERY_S, (self._last_full - now) / FULL_SHARE)
        return found


_collector: GuiThreadCollector | None = None


def collect_on_gui_thread(app: QObject) -> GuiThreadCollector:
    """Install the collector on *app* once (the app owns it; later calls return it)."""
    global _collector
    if _collector is None:
        _collector = GuiThreadCollector(app)
    return _collector
