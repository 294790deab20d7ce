"""A region's master bus before its level envelope: a high-pass against DC and rumble,
then a gentle glue compressor. The true-peak limiter comes after (mixing.limit).

Both are stateful and fed the region's ~30 s segments in order, so a 20-minute region is
processed exactly like one long buffer would be, in flat memory, and deterministically
(no threads, no randomness). The compressor is a gain: it is computed from the mix and
applied to it, so the same gain curve would also scale stems of that mix.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from muzaic_studio.engine import dsp as signal
from muzaic_studio.engine.theory import SR

BLOCK = 256  # compressor detector resolution: 5.8 ms


@functools.cache
def _highpass() -> np.ndarray:
    """2nd-order Butterworth at 25 Hz: DC and sub-audio rumble out, the lowest bass note
    (E1, 41 Hz) kept."""
    return signal.butter(2, 25.0, btype="high", fs=SR, output="sos").astype(np.float32)


class Bus:
    """High-pass, then compressor: `threshold_db` is the block RMS (dBFS, both channels)
    above which gain is reduced by `ratio`, with a soft knee; attack and release are the
    one-pole time constants of the gain reduction."""

    def __init__(
        self,
        threshold_db: float = -10.0,
        ratio: float = 2.0,
        knee_db: float = 6.0,
        attack_s: float = 0.010,
        release_s: float = 0.200,
    ) -> None:
        self.threshold = threshold_db
        self.slope = 1.0 - 1.0 / ratio
        self.knee = knee_db
        self.att = math.exp(-BLOCK / (attack_s * SR))
        self.rel = math.exp(-BLOCK / (release_s * SR))
        self._zi: np.ndarray | None = None
        self._gr = 0.0  # current gain reduction, dB (<= 0)

    def _reduction(self, level_db: np.ndarray) -> np.ndarray:
        """Static curve: 0 below the knee, -(1 - 1/ratio) dB per dB over the threshold."""
        over = level_db - self.threshold
        half = self.knee / 2.0
        return np.where(
            over <= -half,
            0.0,
            np.where(
                over >= half, -self.slope * over, -self.slope * (over + half) ** 2 / (2 * self.knee)
            ),
        )

    def highpass(self, left: np.ndarray, right: np.ndarray) -> None:
        """High-pass the next samples of the region, in place. Linear: a stem pass runs
        its own (stems.py), the sum of the stems' is the mix's."""
        sos = _highpass()
        if self._zi is None:
            self._zi = np.zeros((2, sos.shape[0], 2), dtype=np.float32)
        for ch, x in enumerate((left, right)):
            x[:], self._zi[ch] = signal.sosfilt(sos, x, zi=self._zi[ch])

    def compress(self, left: np.ndarray, right: np.ndarray) -> None:
        """Compress the next samples of the region, in place, a few hundred blocks at a
        time (a 20-minute render's memory peak is its segments' buffers). Nonlinear: it
        runs only inside Composer._bus, whose gain stems.py replays on the stems."""
        n = len(left)
        full, nb = n // BLOCK, -(-n // BLOCK)
        ms = np.zeros(nb)
        for x in (left, right):
            blocks = x[: full * BLOCK].reshape(full, BLOCK)
            part = np.einsum("ij,ij->i", blocks, blocks, dtype=np.float64)
            if nb > full:
                part = np.append(
                    part, np.dot(x[full * BLOCK :], x[full * BLOCK :]) * BLOCK / (n - full * BLOCK)
                )
            ms += part
        ms /= 2.0 * BLOCK
        target = self._reduction(10.0 * np.log10(np.maximum(ms, 1e-12)))
        gr = np.empty(nb)
        g, att, rel = self._gr, self.att, self.rel
        for j, tj in enumerate(target.tolist()):  # attack when reducing more, else release
            c = att if tj < g else rel
            g = c * g + (1.0 - c) * tj
            gr[j] = g
        prev = np.r_[self._gr, gr[:-1]]
        self._gr = g
        # per sample: linear from the previous block's gain to this block's
        w = (np.arange(BLOCK, dtype=np.float32) + 1.0) / BLOCK
        for j0 in range(0, nb, 512):
            j1 = min(nb, j0 + 512)
            db = (
                prev[j0:j1, None].astype(np.float32)
                + (gr - prev)[j0:j1, None].astype(np.float32) * w
            )
            gain = np.power(np.float32(10.0), db.reshape(-1) / np.float32(20.0))
            a, b = j0 * BLOCK, min(n, j1 * BLOCK)
            left[a:b] *= gain[: b - a]
            right[a:b] *= gain[: b - a]
