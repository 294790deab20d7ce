"""The render's progress, timed by a GUI timer: the API reports none, so the bar is an
estimate from the soundtrack's length that moves even while the worker waits on a socket;
the worker's own reports only say which phase it is in (rendering, drawing the waveform).
"""

from __future__ import annotations

import math
from collections.abc import Callable

from PySide6.QtCore import QElapsedTimer, QObject, QTimer

from muzaic_studio.render.summary import RenderSummary
from muzaic_studio.wording import format_seconds

RENDER_SHARE = 0.85  # of the progress bar: the backend call; the rest is the waveform
_BUSY = "busy:"  # a phase: the server answered 429 and the client waits to try again


def busy_report(words: str, seconds: float) -> tuple[float, str]:
    """What a worker reports (progress(fraction, text)) when a busy server makes it wait
    *seconds* before it tries again: the clock then counts the wait down instead of
    showing a render that seems to take far longer than usual."""
    return seconds, _BUSY + words


class RenderClock(QObject):
    """Elapsed time against the estimate, reported to *report* every 100 ms while running."""

    def __init__(self, parent: QObject, report: Callable[[float, str], None]) -> None:
        super().__init__(parent)
        self._report = report
        self._summary: RenderSummary | None = None
        self._phase = "render"
        self._phase_fraction = 0.0
        self._busy_until = 0.0  # elapsed seconds when a busy server's wait ends
        self._waits: list[tuple[float, float]] = []  # (from, until): not the server's time
        self._busy_fraction = 0.0  # the bar holds still while the client waits
        self._clock = QElapsedTimer()
        self._ticker = QTimer(self)
        self._ticker.setInterval(100)
        self._ticker.timeout.connect(self.tick)

    def start(self, summary: RenderSummary) -> None:
        self._summary = summary
        self._phase, self._phase_fraction, self._busy_until = "render", 0.0, 0.0
        self._waits = []
        self._clock.start()
        self._ticker.start()

    def stop(self) -> None:
        self._summary = None
        self._ticker.stop()

    def on_progress(self, fraction: float, text: str) -> None:
        """The worker's report: the phase it is in and how far that phase is."""
        if text.startswith(_BUSY):  # a wait of `fraction` seconds, from now
            self._busy_fraction = self.state()[0]
            now = self._elapsed()
            self._busy_until = now + fraction
            self._waits.append((now, self._busy_until))
        else:
            self._phase = text or self._phase
            self._phase_fraction = fraction
        self.tick()

    def end_wait(self) -> None:
        """The user chose not to wait ("Try now"): the request is being sent again."""
        now = self._elapsed()
        if now < self._busy_until:
            self._busy_until = now
            start, _until = self._waits[-1]
            self._waits[-1] = (start, now)
            self.tick()

    @property
    def waiting(self) -> bool:
        """True while a busy server's wait is counted down: no request is in flight."""
        return self._summary is not None and self._elapsed() < self._busy_until

    def _elapsed(self) -> float:
        return self._clock.elapsed() / 1000.0 if self._clock.isValid() else 0.0

    def state(self) -> tuple[float, str]:
        """(fraction 0..1, text) now: elapsed time against the estimate from the length."""
        summary = self._summary
        elapsed = self._elapsed()
        if summary is None:
            return 0.0, ""
        if elapsed < self._busy_until:  # the bar holds; only the count moves (a steady width)
            left = math.ceil(self._busy_until - elapsed)
            return self._busy_fraction, (
                f"Server busy (429): trying again in {left} s, nothing charged for the wait"
            )  # the status line's "Try now" (widgets.RenderProgress) ends the wait
        # the render's own time, against its estimate: the waits were not the server's
        elapsed -= sum(min(until, elapsed) - start for start, until in self._waits)
        if self._phase == "decode":
            fraction = RENDER_SHARE + (1 - RENDER_SHARE) * self._phase_fraction
            text = f"Drawing the waveform... {elapsed:.1f} s"
        else:
            estimate = max(summary.estimate, 0.1)
            # Approaches the render share without reaching it while the server works.
            fraction = RENDER_SHARE * min(0.97, elapsed / estimate)
            if elapsed <= estimate:
                text = f"Rendering on {summary.backend}... {format_seconds(elapsed)} of about {format_seconds(estimate)}"
            else:
                text = f"Rendering on {summary.backend}... {format_seconds(elapsed)} (usually {format_seconds(estimate)})"
        return fraction, text

    def tick(self) -> None:
        if self._summary is None:
            return
        self._report(*self.state())
