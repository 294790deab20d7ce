"""Loudness normalisation of a finished soundtrack, and the engine's thread pool.

-14 LUFS integrated, then peak-safe, in place and 30 s at a time (a 20-minute mix gets no
float copy of itself), handing each finished chunk on to a sink (the MP3 encoder) as soon
as it is final. Split off core.py, which renders the soundtrack this is applied to.
"""

from __future__ import annotations

import concurrent.futures
import functools
import math
import os
from collections.abc import Callable

import numpy as np

from muzaic_studio.engine import mixing, pages
from muzaic_studio.engine.theory import SR


@functools.cache
def pool() -> concurrent.futures.ThreadPoolExecutor:
    """One pool for all renders in the process, sized to the CPUs: concurrent server
    requests share it instead of each oversubscribing the machine."""
    return concurrent.futures.ThreadPoolExecutor(
        max_workers=max(1, min(4, os.cpu_count() or 1)), thread_name_prefix="engine-region"
    )


CHUNK = SR * 30
Probe = Callable[[int, np.ndarray, np.ndarray], None]
Sink = Callable[[np.ndarray], None]


def normalize_int16(
    x: np.ndarray,
    loudness: float | None = None,
    probe: Probe | None = None,
    sink: Sink | None = None,
) -> np.ndarray:
    """-14 LUFS integrated, then peak-safe; in place, 30 s chunks in parallel, so a
    20-minute mix needs no float copy of itself. `loudness` is the mix's measured level
    if already known (from its regions). If the limiter had to pull a loud passage down
    enough to cost loudness, one more small gain pass corrects it. `probe(start, before,
    after)` sees each 30 s chunk before (int16) and after (float, full scale 1) its gain
    and limiter: stems.py applies that gain to every stem. `sink` gets the result chunk
    by chunk, in order: during the last pass, each chunk as soon as it and those before
    it are done (the MP3 encoder starts while the pass goes on)."""
    loud = mixing.integrated_loudness(x) if loudness is None else loudness
    fed = False
    for attempt in range(2):
        if not math.isfinite(loud) or abs(loud - mixing.TARGET_LUFS) <= 0.2:
            break
        gain = 10 ** ((mixing.TARGET_LUFS - loud) / 20.0)
        # per chunk: np.abs of the whole mix would be a second 212 MB array for 20 minutes
        peak = max(_peak(x[s : s + CHUNK]) for s in range(0, len(x), CHUNK)) / 32767.0
        g32 = np.float32(gain / 32767.0)
        # the last pass: nothing will be limited, or this is the second one
        last = peak * gain <= mixing.CEILING or attempt == 1

        def chunk(s: int, g32: np.float32 = g32) -> None:
            part = mixing.limit(x[s : s + CHUNK] * g32)
            if probe is not None:
                probe(s, x[s : s + CHUNK], part)
            part *= 32767.0  # in place: the same float32 products, no more chunk copies
            x[s : s + CHUNK] = np.round(part, out=part)
            pages.release(x[s : s + CHUNK])

        starts = range(0, len(x), CHUNK)
        done = pool().map(chunk, starts)  # numpy releases the GIL; in order
        for s, _ in zip(starts, done, strict=True):
            if last and sink is not None:
                sink(x[s : s + CHUNK])
                pages.release(x[s : s + CHUNK])
        fed = last
        if peak * gain <= mixing.CEILING:
            break  # nothing was limited: the level is exactly the target
        loud = mixing.integrated_loudness(x)
    if sink is not None and not fed:
        for s in range(0, len(x), CHUNK):
            sink(x[s : s + CHUNK])
            pages.release(x[s : s + CHUNK])
    return x


def _peak(chunk: np.ndarray) -> int:
    peak = int(np.abs(chunk).max())
    pages.release(chunk)
    return peak
