"""The render side of a generate region: its notes mixed segment by segment, the room,
the master bus, the level envelope and the region's tail.

A mixin of the Composer (arrangement.py), which writes the notes (`_compose`); split off
along that seam to keep each module small.
"""

from __future__ import annotations

import logging
import math
import threading
from typing import TYPE_CHECKING, Any

import numpy as np

from muzaic_studio.contract.errors import Cancelled
from muzaic_studio.engine import joins, mixing, pages, sampled
from muzaic_studio.engine import theory as th
from muzaic_studio.engine.bus import Bus
from muzaic_studio.engine.form import Bar as _Bar
from muzaic_studio.engine.form import Planner
from muzaic_studio.engine.theory import SR, STEPS_PER_BAR

if TYPE_CHECKING:
    from muzaic_studio.engine.tags import Palette

_log = logging.getLogger(__name__)
_SAMPLED_GAIN = 1.6  # FluidSynth's output -> the mix: GM presets sit lower than the synths


class Mixdown(Planner):
    """Renders what `_compose(bar)` writes into `layers` and the `band`."""

    n: int
    step_s: float
    pal: Palette
    cancel: threading.Event | None
    band: sampled.Band | None
    layers: dict[str, Any]
    solo: frozenset[str] | None = None  # the layers heard (a stem, stems.py); None: all
    tail: np.ndarray | None = None  # after render(): joins.release's record
    tail_n: int | None = None  # the tail's length; a stem pass is given its mix's
    _gain_db: np.ndarray | None
    _off: int
    _glue: Bus

    def _compose(self, b: _Bar) -> None:
        raise NotImplementedError

    def _envelope(self, start: int, length: int, bars: list[_Bar]) -> np.ndarray:
        """Per-sample gain for samples [start, start+length) of the region.

        Loudness follows intensity over time (keyframes), on top of layers and velocity;
        smart regions fade out over their ending bar; every region gets click-free edges.
        The slow intensity curve is computed per 512-sample block; fades per sample, and
        only where they are.
        """
        blk = 512
        nb = -(-length // blk)
        idx_b = start + (np.arange(nb) + 0.5) * blk
        # plus each bar's dynamics (variance): sampled instruments answer velocity with
        # timbre more than with level, so the level change is made here too
        if self._gain_db is None or len(self._gain_db) != len(bars):
            self._gain_db = np.array(
                [
                    th.intensity_gain_db(b.intensity) + 20 * math.log10(self._bar_dynamics(b))
                    for b in bars
                ]
            )
        gain_db = self._gain_db
        centres = (np.arange(len(bars)) + 0.5) * self.bar_s * SR
        env = np.repeat(
            (10 ** (np.interp(idx_b, centres, gain_db) / 20.0)).astype(np.float32), blk
        )[:length]
        n, spec = self.n, self.spec
        ending = next((b for b in bars if b.ending), None)
        # strict: open at the boundary (render() makes the release, and the tail after it)
        fades = [(0, round(0.005 * SR), True)]
        if spec.method == "smart" and ending is not None:
            fade_from = round((ending.index + 0.25) * self.bar_s * SR)
            fades.append((fade_from, n - fade_from, False))
        elif spec.method == "smart":  # shorter than two bars: a gentle fade is the ending
            fade_len = int(min(spec.duration * 0.6, 1.0) * SR)
            fades.append((n - fade_len, fade_len, False))
        for f0, flen, rising in fades:
            lo, hi = max(f0, start), min(f0 + flen, start + length)
            if flen <= 0 or hi <= lo:
                if not rising and f0 + flen <= start:
                    env[:] = 0.0
                continue
            x = (np.arange(lo, hi) - f0) / flen
            ramp = (0.5 - 0.5 * np.cos(np.pi * x)) if rising else (0.5 + 0.5 * np.cos(np.pi * x))
            env[lo - start : hi - start] *= ramp.astype(np.float32)
            if not rising:
                env[hi - start :] = 0.0
        return env

    def render(self, out: np.ndarray | None = None) -> tuple[np.ndarray, float]:
        """Render in segments of ~30 s so memory stays flat for a 20-minute region.

        Each segment mixes its notes (and their release and reverb tails) into a buffer a
        few seconds longer than itself; the overhang is carried into the next segment.
        Output is int16 (the store's and the mixer's format), already limited; written
        into `out` (int16 (n, 2), e.g. the region's slice of the soundtrack) if given, so
        a long region needs no array of its own.
        """
        bars = self._bars()
        n = self.n
        if out is None:
            out = np.zeros((n, 2), dtype=np.int16)
        elif out.shape != (n, 2) or out.dtype not in (np.int16, np.float32):  # float: stems
            raise ValueError(f"out must be int16 {(n, 2)}, not {out.dtype} {out.shape}")
        self.band = self._make_band()
        self._glue = Bus()
        try:
            self._render(bars, out)
        finally:
            if self.band is not None:
                self.band.close()
                self.band = None
        self.tail = joins.release(out, self.tail, self.spec.duration)
        return out, self.bar_s

    def _bar_start(self, index: int) -> int:
        return round(index * STEPS_PER_BAR * self.step_s * SR)

    def _make_band(self) -> sampled.Band | None:
        if not sampled.available():
            return None
        pal = self.pal
        voices = {"bass": pal.bass, "pad": pal.pad, "chords": pal.chords, "arp": pal.arp,
                  "lead": pal.lead}  # fmt: skip
        try:
            return sampled.Band(pal.name, voices, pal.kit, end=self.n, solo=self.solo)
        except Exception:  # a broken library or SoundFont must not break the render
            _log.warning("FluidSynth failed: synthesized voices only", exc_info=True)
            return None

    def _bus(self, part: np.ndarray, start: int) -> np.ndarray:
        """The master's gain stages, nonlinear: the glue compressor, then the true-peak
        limiter. Every one of them lives here: stems.py records this gain on the mix and
        applies it to every stem (the stems then add up to the mix)."""
        self._glue.compress(part[:, 0], part[:, 1])
        return mixing.limit(part)

    def _render(self, bars: list[_Bar], out: np.ndarray) -> None:
        spec, n = self.spec, self.n
        tilt, highpass = sampled.Tilt(), Bus()
        seg_bars = max(1, math.ceil(30.0 / self.bar_s))
        tail = int(joins.TAIL_S * SR)
        carry = np.zeros((2, 0), dtype=np.float32)
        for b0 in range(0, len(bars), seg_bars):
            if self.cancel is not None and self.cancel.is_set():  # a 20-minute region
                raise Cancelled("Render cancelled.")  # stops within one segment
            seg = bars[b0 : b0 + seg_bars]
            last = b0 + seg_bars >= len(bars)
            start = min(n, self._bar_start(b0))
            end = n if last else min(n, self._bar_start(b0 + seg_bars))
            seg_n = end - start
            out_n = seg_n + (tail if last else 0)  # the last plays on past the boundary
            self._off = start
            for layer in self.layers.values():
                layer.buf = np.zeros(seg_n + tail, dtype=np.float32)
                layer.used = False
            for b in seg:
                self._compose(b)
            left = np.zeros(seg_n + tail, dtype=np.float32)
            right = np.zeros(seg_n + tail, dtype=np.float32)
            send = np.zeros(seg_n + tail, dtype=np.float32)
            for layer in self.layers.values():
                if not layer.used:
                    continue
                mixing.add_panned(left, right, layer.buf, layer.pan, layer.gain, layer.haas)
                if layer.send:
                    send += np.float32(layer.send * layer.gain) * layer.buf
            if self.band is not None:  # continuous: its releases carry into the next segment
                if b0 == 0:
                    self.band.start()
                sl, sr, ss = self.band.render(out_n)
                for b in seg:  # tone per bar: keyframes brighten within a segment
                    lo = max(0, self._bar_start(b.index) - start)
                    hi = out_n if b is seg[-1] else self._bar_start(b.index + 1) - start
                    if hi > lo:
                        tilt((sl[lo:hi], sr[lo:hi], ss[lo:hi]), th.tilt_db(b.tone))
                for src, dst in ((sl, left), (sr, right), (ss, send)):
                    mixing.axpy(src, dst, 0, out_n, _SAMPLED_GAIN)
                del sl, sr, ss  # before the reverb's FFTs: the memory peak
            wl, wr = mixing.reverb(send, 1.2 + 1.5 * spec.palette.reverb)
            wet = np.float32(0.35 + spec.palette.reverb)
            left += wet * wl
            right += wet * wr
            k = min(carry.shape[1], len(left))
            left[:k] += carry[0, :k]
            right[:k] += carry[1, :k]
            carry = np.stack([left[seg_n:], right[seg_n:]])
            highpass.highpass(left[:out_n], right[:out_n])  # linear: every pass its own
            env = self._envelope(start, out_n, bars)
            part = np.empty((out_n, 2), dtype=np.float32)
            np.multiply(left[:out_n], env, out=part[:, 0])
            np.multiply(right[:out_n], env, out=part[:, 1])
            part = self._bus(part, start)
            part *= np.float32(32767.0)
            exact = out.dtype == np.int16  # float: a stem (stems.py), never rounded
            if exact:
                np.rint(part, out=part)
            out[start:end] = part[:seg_n]  # exact: integers within +-32767 * ceiling
            pages.release(out[start:end])  # a long soundtrack's: done until it is stored
            if last:
                self.tail = joins.trim_tail(part[seg_n:], self.tail_n, exact)
                self.tail_n = 0 if self.tail is None else len(self.tail)
