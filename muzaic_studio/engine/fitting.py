"""A copy's audio fitted to its length: the source as it is, trimmed, or looped on its bar
lines, always reaching the copy's last sample. Split off core.py, whose Renderer copies
stored audio with it (stems.py fits stems the same way, score.py its notes)."""

from __future__ import annotations

import math

import numpy as np

from muzaic_studio.engine import joins, mixing
from muzaic_studio.engine.theory import SR


def loop_seconds(duration: float, bar_s: float, method: str) -> float:
    """Where a loop of this region's audio may restart: the last bar line before its end
    (before the ending bar for smart regions, whose last bar is a fade-out)."""
    bars = math.floor(duration / bar_s + 1e-9)
    if method == "smart" and bars >= 2:
        return (bars - 1) * bar_s
    return max(0.0, math.floor((duration - 0.06) / bar_s) * bar_s)


def _end_fade(n: int, bar_s: float, method: str) -> float:
    """A copy's ending, which always reaches its last sample (0.1 stopped a smart copy at
    its last whole bar and left the rest silent: the demo's reprise ended in 1.6 s of
    digital silence): a smart copy fades over its last half bar, a strict one releases."""
    if method == "smart":
        return min(bar_s / 2, 0.5 * n / SR)
    return min(joins.STRICT_RELEASE_S, 0.25 * n / SR)


def fit(
    src: np.ndarray,
    n: int,
    bar_s: float,
    method: str,
    loop_s: float | None = None,
    continuation: bool = False,
) -> np.ndarray:
    """Fit source audio to n samples: identical if equal, trimmed, or looped on bars.

    Loops restart on a bar boundary of the source with a 60 ms crossfade, so the beat
    continues; a `smart` copy fades out over its last half bar, a `strict` one releases over
    its last 120 ms; either way the music reaches the copy's end. With `continuation` (the legacy `extend` action) the
    result is what would have followed the source: the looped music from the source's end
    on, so placed right after its source the beat and the phrase carry on.
    """
    m = len(src)
    offset = m if continuation else 0
    if n == m and not continuation:
        return src
    bar_n = max(1, round(bar_s * SR))
    xf = min(int(0.06 * SR), max(1, m // 4))
    if n < m and not continuation:
        out = src[:n].astype(np.float32)
        mixing.fade(out, 0.0, _end_fade(n, bar_s, method))
        return out if src.dtype == np.float32 else np.round(out).astype(np.int16)
    total = offset + n
    loop = round(loop_s * SR) if loop_s else (max(0, m - xf) // bar_n) * bar_n
    loop = min(loop, m - xf)
    if loop < bar_n:
        loop = max(1, m - xf)
    out = np.zeros((total + m, 2), dtype=np.float32)
    srcf = src.astype(np.float32)
    out[:m] = srcf
    ramp = np.linspace(0.0, 1.0, xf, dtype=np.float32)[:, None]
    pos = loop
    while pos < total:
        seg = srcf[: min(m, total + m - pos)]
        out[pos : pos + xf] = out[pos : pos + xf] * (1.0 - ramp) + seg[:xf] * ramp
        out[pos + xf : pos + len(seg)] = seg[xf:]
        pos += loop
    out = out[offset:total]
    if continuation:
        mixing.fade(out, 0.005, 0.0)  # it starts mid-music: no click
    mixing.fade(out, 0.0, _end_fade(n, bar_s, method))
    if src.dtype == np.float32:  # a stem (stems.py): not rounded, never clipped
        return out
    return np.clip(np.round(out), -32767, 32767).astype(np.int16)
