"""Pure timeline math: time <-> pixels, ruler tick steps, time labels and snapping.

No Qt here, so the rules the timeline follows (what a tick is, where a drag snaps) are
tested as plain functions and stay the same whoever draws them.
"""

from __future__ import annotations

import bisect
import math
from collections.abc import Iterable
from dataclasses import dataclass

from muzaic_studio.wording import clock

MIN_PX_PER_SEC = 0.5  # 20 minutes fit in 600 px
MAX_PX_PER_SEC = 2400.0  # a video frame (1/24 s) is 100 px wide
MIN_DURATION = 0.1  # shortest region the editor draws or resizes to, in seconds
SNAP_PX = 8  # how close (in pixels) an edge must come to a target to snap
FPS = 24  # frame labels on the ruler when zoomed in that far

# Candidate ruler steps in seconds: frames, sub-second, seconds, minutes.
_STEPS = (
    1 / FPS,
    2 / FPS,
    0.25,
    0.5,
    1.0,
    2.0,
    5.0,
    10.0,
    15.0,
    30.0,
    60.0,
    120.0,
    300.0,
    600.0,
)


_MINOR = {
    1 / FPS: 1 / FPS,
    2 / FPS: 1 / FPS,
    0.25: 1 / FPS,
    0.5: 0.1,
    1.0: 0.25,
    2.0: 0.5,
    5.0: 1.0,
    10.0: 2.0,
    15.0: 5.0,
    30.0: 5.0,
    60.0: 10.0,
    120.0: 30.0,
    300.0: 60.0,
    600.0: 120.0,
}


@dataclass
class TimeScale:
    """Maps seconds to x pixels: x = time * px_per_sec - scroll + left."""

    px_per_sec: float = 40.0
    scroll: float = 0.0  # pixels scrolled from time 0
    left: float = 0.0  # x of time 0 when not scrolled (a margin)

    def x(self, seconds: float) -> float:
        return seconds * self.px_per_sec - self.scroll + self.left

    def time(self, x: float) -> float:
        return (x - self.left + self.scroll) / self.px_per_sec

    def seconds(self, pixels: float) -> float:
        return pixels / self.px_per_sec


def clamp_zoom(px_per_sec: float) -> float:
    return min(MAX_PX_PER_SEC, max(MIN_PX_PER_SEC, px_per_sec))


def tick_steps(px_per_sec: float, min_major_px: float = 90.0) -> tuple[float, float]:
    """(major, minor) step in seconds: labelled majors at least *min_major_px* apart."""
    major = _STEPS[-1]
    for step in _STEPS:
        if step * px_per_sec >= min_major_px:
            major = step
            break
    else:
        major = _STEPS[-1] * math.ceil(min_major_px / (_STEPS[-1] * px_per_sec))
    minor = _MINOR.get(major, major / 5)
    return major, minor


def ticks(t0: float, t1: float, step: float) -> list[float]:
    """Multiples of *step* in [t0, t1], computed by index so they do not drift."""
    first = max(0, math.ceil(t0 / step - 1e-9))
    last = math.floor(t1 / step + 1e-9)
    return [k * step for k in range(first, last + 1)]


def format_time(seconds: float, step: float = 1.0) -> str:
    """A ruler label precise enough for *step*: 1:05, 1:05.50, 0:03+12f, 1:02:03."""
    seconds = max(0.0, seconds)
    if step < 0.25 - 1e-9:  # frames
        whole = math.floor(seconds + 1e-9)
        frame = round((seconds - whole) * FPS)
        if frame >= FPS:
            whole, frame = whole + 1, 0
        return f"{clock(whole)}+{frame:02d}f" if frame else clock(whole)
    if step < 1 - 1e-9:
        whole = math.floor(seconds + 1e-9)
        frac = seconds - whole
        return f"{clock(whole)}.{round(frac * 100):02d}" if frac > 1e-6 else clock(whole)
    return clock(round(seconds))


def format_precise(seconds: float) -> str:
    """Status-bar time: m:ss.mmm (h:mm:ss.mmm past an hour)."""
    seconds = max(0.0, seconds)
    whole = math.floor(seconds)
    ms = round((seconds - whole) * 1000)
    if ms == 1000:
        whole, ms = whole + 1, 0
    return f"{clock(whole)}.{ms:03d}"


def format_length(seconds: float) -> str:
    """A soundtrack's length, to a tenth: 0:00.0, 0:45.0, 1:00:00.0 (rounded, so 59.96 s
    reads 1:00.0 and never 0:59.9 or a malformed 0:0.0)."""
    tenths = round(max(0.0, seconds) * 10)
    whole, tenth = divmod(tenths, 10)
    return f"{clock(whole)}.{tenth}"


def format_zoom(px_per_sec: float) -> str:
    """The zoom readout: whole px/s from 10 up, else two significant digits, so a long
    project zoomed out to fit reads 0.75 px/s, not "0 px/s" (nor 0.7500000)."""
    if px_per_sec >= 9.5:
        return f"{px_per_sec:.0f} px/s"
    return f"{float(f'{px_per_sec:.2g}'):g} px/s"


def grid_step(mode: str, px_per_sec: float, tempo_bpm: float) -> float | None:
    """The snapping/grid step in seconds for a grid *mode* ('off', 'seconds', 'bars')."""
    if mode == "seconds":
        return tick_steps(px_per_sec)[1]
    if mode == "bars":
        beat = 60.0 / max(1.0, tempo_bpm)
        bar = beat * 4
        if beat * px_per_sec >= 12:
            return beat
        step = bar
        while step * px_per_sec < 12:
            step *= 2
        return step
    return None


def snap(
    value: float,
    targets: Iterable[float],
    tolerance: float,
    grid: float | None = None,
) -> tuple[float, float | None]:
    """Snap *value* to the nearest target or grid line within *tolerance* seconds.

    Returns (snapped value, the target it snapped to or None). Explicit targets (playhead,
    markers, region edges) win over the grid on a tie, because they are what a user aims at.
    """
    best: float | None = None
    best_d = tolerance
    for t in targets:
        d = abs(t - value)
        if d <= best_d:
            best, best_d = t, d
    if grid:
        g = round(value / grid) * grid
        if abs(g - value) < best_d - 1e-12:
            best, best_d = g, abs(g - value)
    return (best, best) if best is not None else (value, None)


def snap_delta(
    edges: Iterable[float],
    targets: Iterable[float],
    tolerance: float,
    grid: float | None = None,
) -> tuple[float, float | None]:
    """The smallest shift that snaps any of *edges* (a moving group's) to a target."""
    targets = list(targets)
    best: tuple[float, float | None] = (0.0, None)
    best_d = math.inf
    for e in edges:
        snapped, hit = snap(e, targets, tolerance, grid)
        if hit is not None and abs(snapped - e) < best_d:
            best_d = abs(snapped - e)
            best = (snapped - e, hit)
    return best


def free_span(starts: list[float], ends: list[float], at: float) -> tuple[float, float]:
    """The gap around *at* between sorted regions (starts/ends sorted by start)."""
    i = bisect.bisect_right(starts, at)
    lo = ends[i - 1] if i > 0 else 0.0
    hi = starts[i] if i < len(starts) else math.inf
    return lo, hi
