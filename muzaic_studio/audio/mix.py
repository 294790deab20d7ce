"""The client-side mix (region gains, fades, transitions) applied to rendered PCM, by block.

One function for everything that sounds or looks: playback, export, the CLI's WAV and the
waveform all call `MixPlan.process` (or `display_gain` for peaks), so what is heard is
what is exported, sample for sample. It works on any block of float32 ``[frames,
channels]`` given its first frame, so a player streams it and an export of 20 minutes
holds one block at a time.

Gains and fades are a per-frame envelope: region gain times the fade curve inside the
region's own span, 1.0 outside every region (gaps keep the server's audio).

Transitions: two touching regions never overlap and the render holds no audio of the
first region after the boundary B, so a crossfade cannot borrow "more" of either side.
Instead the window [B-h, B+h) mixes each side with the time-mirror of the other around
B: before B the first region fades out (its own audio) while the second region's first
h seconds, played backwards, fade in; after B the reverse. With equal-power curves
(cos/sin) two uncorrelated signals keep their summed power, so the level does not dip
(a plain fade-out then fade-in dips to silence at B). Both terms are continuous at every
window edge, so the transition adds no click. The mirror samples come from the same
source through a `WindowSource` (a few ms of decode per transition, cached).
"""

from __future__ import annotations

import bisect
import math
import os
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from muzaic_studio.model.mix import region_mix, touching_pairs
from muzaic_studio.model.region import Region

#: Reads frames [first, last) of the source as float32 [frames, channels] (zero-padded).
WindowSource = Callable[[int, int], np.ndarray]


def fade_curve(shape: str, u: np.ndarray) -> np.ndarray:
    """Rising fade gain for positions *u* in [0, 1]: 0 at the start, exactly 1 at the end."""
    u = np.clip(u, 0.0, 1.0)
    if shape == "equal-power":
        return np.sin(u * (math.pi / 2))
    if shape == "log":  # linear in dB from -60 dB, pinned to 0 at the start
        return (np.power(1000.0, u) - 1.0) / 999.0
    return u


@dataclass(frozen=True)
class Span:
    """One region's envelope in frames; fades that belong to a transition are left out."""

    start: int
    end: int
    gain: float
    fade_in: int
    fade_out: int
    in_shape: str
    out_shape: str


@dataclass(frozen=True)
class Transition:
    """An equal-power mirror crossfade over [boundary - half, boundary + half)."""

    boundary: int
    half: int
    gain_a: float
    gain_b: float


class MixPlan:
    """The mix of one project at one sample rate. Immutable; cheap to rebuild per edit."""

    def __init__(self, spans: list[Span], transitions: list[Transition], rate: int) -> None:
        self.spans = sorted(spans, key=lambda s: s.start)
        self.transitions = sorted(transitions, key=lambda t: t.boundary)
        self.rate = rate
        self._starts = [s.start for s in self.spans]

    @classmethod
    def from_regions(cls, regions: Iterable[Region], rate: int) -> MixPlan:
        regions = [r for r in regions if r.duration > 0]
        xf_out: dict[int, int] = {}  # uid -> transition half (frames) at its end
        xf_in: dict[int, int] = {}  # uid -> transition half (frames) at its start
        transitions = []
        for a, b in touching_pairs(regions):
            ma, mb = region_mix(a), region_mix(b)
            half = round(min(ma.fade_out, mb.fade_in) * rate)
            if ma.xfade and half > 0:
                transitions.append(Transition(round(b.time * rate), half, ma.gain, mb.gain))
                xf_out[a.uid] = xf_in[b.uid] = half
        spans = []
        for r in regions:
            m = region_mix(r)
            # A transition's half lies inside the region but is drawn by the Transition.
            cut_in, cut_out = xf_in.get(r.uid, 0), xf_out.get(r.uid, 0)
            spans.append(
                Span(
                    round(r.time * rate) + cut_in,
                    round(r.end * rate) - cut_out,
                    m.gain,
                    0 if cut_in else round(m.fade_in * rate),
                    0 if cut_out else round(m.fade_out * rate),
                    m.fade_in_shape,
                    m.fade_out_shape,
                )
            )
        return cls(spans, transitions, rate)

    @property
    def is_flat(self) -> bool:
        """True when the mix changes nothing (no gain, no fade, no transition)."""
        return not self.transitions and all(
            s.gain == 1.0 and s.fade_in == 0 and s.fade_out == 0 for s in self.spans
        )

    def is_unity(self, start_frame: int, frames: int) -> bool:
        """True when the mix leaves [start_frame, start_frame + frames) untouched, so a
        streaming consumer can pass the block on as it is (most of a long soundtrack)."""
        end = start_frame + frames
        for t in self.transitions:
            if t.boundary - t.half < end and t.boundary + t.half > start_frame:
                return False
        first = max(0, bisect.bisect_right(self._starts, start_frame) - 1)
        for s in self.spans[first:]:
            if s.start >= end:
                break
            if s.end > start_frame and (s.gain != 1.0 or s.fade_in or s.fade_out):
                return False
        return True

    # -- the envelope -------------------------------------------------------------------
    def envelope(self, start_frame: int, frames: int) -> np.ndarray:
        """Gain per frame for [start_frame, start_frame + frames), transitions' own side
        included (their mirror side is added by `process`)."""
        env = np.ones(frames, np.float32)
        end = start_frame + frames
        first = max(0, bisect.bisect_right(self._starts, start_frame) - 1)
        for s in self.spans[first:]:
            if s.start >= end:
                break
            if s.end <= start_frame:
                continue
            env[max(s.start, start_frame) - start_frame : min(s.end, end) - start_frame] = s.gain
            # Curves only over the fades' own frames (fitted fades never overlap).
            for a, b, origin, length, shape, rising in (
                (s.start, s.start + s.fade_in, s.start, s.fade_in, s.in_shape, True),
                (s.end - s.fade_out, s.end, s.end, s.fade_out, s.out_shape, False),
            ):
                lo, hi = max(a, start_frame), min(b, end)
                if length and hi > lo:
                    ff = np.arange(lo, hi, dtype=np.int64)
                    u = (ff - origin) / length if rising else (origin - ff) / length
                    env[lo - start_frame : hi - start_frame] = s.gain * fade_curve(shape, u)
        for t, lo, hi, ff in self._windows(start_frame, frames):
            own, _ = _xfade_gains(t, ff)
            env[lo:hi] = own
        return env

    def _windows(self, start_frame: int, frames: int):
        end = start_frame + frames
        for t in self.transitions:
            a, b = t.boundary - t.half, t.boundary + t.half
            if b <= start_frame or a >= end:
                continue
            lo, hi = max(a, start_frame), min(b, end)
            yield t, lo - start_frame, hi - start_frame, np.arange(lo, hi, dtype=np.int64)

    def process(
        self, block: np.ndarray, start_frame: int, mirror: WindowSource | None = None
    ) -> np.ndarray:
        """The mixed block: float32 [frames, channels] in, a new float32 array out.

        *mirror* reads source frames for transitions; without it a block must contain
        each transition window it touches whole (tests, in-memory audio).
        """
        block = np.asarray(block, np.float32)
        if block.ndim == 1:
            block = block[:, None]
        frames = block.shape[0]
        out = block * self.envelope(start_frame, frames)[:, None]
        for t, lo, hi, ff in self._windows(start_frame, frames):
            _, other = _xfade_gains(t, ff)
            # The mirror of frame f around the boundary B is 2B - f: a reversed slice.
            top, bottom = 2 * t.boundary - int(ff[0]), 2 * t.boundary - int(ff[-1])
            if mirror is not None:  # the whole window, so a source can cache it whole
                first = t.boundary - t.half
                window = mirror(first, t.boundary + t.half + 1)
            else:
                first = bottom
                if bottom < start_frame or top >= start_frame + frames:
                    raise ValueError("a transition window reaches outside the block")
                window = block[bottom - start_frame : top + 1 - start_frame]
                first = bottom
            mirrored = window[bottom - first : top + 1 - first][::-1]
            out[lo:hi] += mirrored * other[:, None]
        return out

    # -- the waveform -------------------------------------------------------------------
    def display_gain(self, times: np.ndarray, power_sum: bool = True) -> np.ndarray:
        """Amplitude factor to draw at each time (seconds): the envelope, with a
        transition shown as its power sum (what an uncorrelated crossfade sounds like)."""
        frames = np.round(np.asarray(times, np.float64) * self.rate).astype(np.int64)
        out = np.ones(frames.shape, np.float32)
        ordered = frames.ndim == 1 and bool(np.all(frames[1:] >= frames[:-1]))

        def span(lo: int, hi: int) -> slice | np.ndarray:
            if ordered:  # the usual case (pixel columns): two bisections, no full masks
                return slice(*np.searchsorted(frames, [lo, hi]))
            return (frames >= lo) & (frames < hi)

        for s in self.spans:
            inside = span(s.start, s.end)
            ff = frames[inside]
            if not ff.size:
                continue
            g = np.full(ff.shape, s.gain, np.float64)
            if s.fade_in:
                g *= fade_curve(s.in_shape, (ff - s.start) / s.fade_in)
            if s.fade_out:
                g *= fade_curve(s.out_shape, (s.end - ff) / s.fade_out)
            out[inside] = g
        for t in self.transitions:
            inside = span(t.boundary - t.half, t.boundary + t.half)
            ff = frames[inside]
            if ff.size:
                own, other = _xfade_gains(t, ff)
                out[inside] = np.sqrt(own**2 + other**2) if power_sum else own
        return out

    def mirror_gain(self, t: Transition, times: np.ndarray) -> np.ndarray:
        """The gain of the mirrored side at *times* inside transition *t* (for drawing)."""
        frames = np.round(np.asarray(times, np.float64) * self.rate).astype(np.int64)
        return _xfade_gains(t, frames)[1]


def _xfade_gains(t: Transition, frames: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(gain of the frame's own sample, gain of its mirror) inside a transition window.

    *frames* are consecutive (a block's part of the window): before the boundary the own
    sample is the first region's (fading out), from it on the second's (fading in).
    """
    u = (frames - (t.boundary - t.half)).astype(np.float32) / np.float32(2.0 * t.half)
    angle = np.clip(u, 0.0, 1.0) * np.float32(math.pi / 2)
    fade_out = np.cos(angle) * np.float32(t.gain_a)
    fade_in = np.sin(angle) * np.float32(t.gain_b)
    split = int(np.searchsorted(frames, t.boundary))
    own = np.concatenate([fade_out[:split], fade_in[split:]])
    other = np.concatenate([fade_in[:split], fade_out[split:]])
    return own, other


class FileWindows:
    """A `WindowSource` over an audio file: decodes each asked-for span once and keeps it.

    Spans are transition windows (at most 20 s each), decoded sample-exactly like a whole
    decode (`decode.range_args`), so the mirror side of a crossfade matches the stream.
    """

    def __init__(self, path: str | os.PathLike[str], rate: int, channels: int) -> None:
        self.path, self.rate, self.channels = path, rate, channels
        self._cache: dict[tuple[int, int], np.ndarray] = {}

    def __call__(self, first: int, last: int) -> np.ndarray:
        for (a, b), data in list(self._cache.items()):  # a prefetch thread may add one
            if a <= first and last <= b:
                return data[first - a : last - a]
        from muzaic_studio.audio.decode import decode

        # Decode the whole transition window at once (a block sees only part of it).
        a, b = first, last
        data = decode(self.path, start=a / self.rate, end=b / self.rate, strict=False).samples
        out = np.zeros((b - a, self.channels), np.float32)
        n = min(len(data), b - a)
        out[:n] = data[:n, : self.channels] / 32768.0
        self._cache[(a, b)] = out
        return out

    def prefetch(self, plan: MixPlan) -> None:
        """Decode every transition window now (e.g. before playback starts)."""
        for t in plan.transitions:
            self(t.boundary - t.half, t.boundary + t.half + 1)


class StreamWindows:
    """A `WindowSource` over the decoded stream itself, for a sequential consumer (export).

    The consumer keeps `lookahead` frames decoded beyond the block it mixes and feeds
    them here (`extend`, int16 as decoded), so every transition's mirror side is already
    in memory: no second decode per transition. Requests outside what is held (a
    selection starting inside a transition) go to *fallback*.
    """

    def __init__(self, channels: int, start_frame: int, fallback: WindowSource) -> None:
        self.start = start_frame
        self.data = np.zeros((0, channels), np.int16)
        self.fallback = fallback

    @property
    def end(self) -> int:
        return self.start + len(self.data)

    def extend(self, block: np.ndarray) -> None:
        self.data = np.concatenate([self.data, block]) if len(self.data) else block

    def trim(self, before: int) -> None:
        if before > self.start:
            cut = min(before - self.start, len(self.data))
            self.data = self.data[cut:]
            self.start += cut

    def raw(self, first: int, last: int) -> np.ndarray:
        """The int16 frames [first, last), which must be held."""
        return self.data[first - self.start : last - self.start]

    def __call__(self, first: int, last: int) -> np.ndarray:
        if self.start <= first and last <= self.end:
            return self.raw(first, last).astype(np.float32) / np.float32(32768.0)
        return self.fallback(first, last)


def block_mixer(
    plan: MixPlan, mirror: WindowSource | None
) -> Callable[[np.ndarray, int], np.ndarray]:
    """``process(block, start_frame) -> block`` for a streaming player or exporter.

    int16 blocks come back int16 (rounded and clipped like ffmpeg's s16 conversion);
    float blocks come back float32. A flat mix returns the block itself (no copy).
    """

    def process(block: np.ndarray, start_frame: int) -> np.ndarray:
        if plan.is_unity(start_frame, len(block)):
            return block
        if block.dtype == np.int16:
            mixed = plan.process(block.astype(np.float32) / 32768.0, start_frame, mirror)
            return to_int16(mixed)
        return plan.process(block, start_frame, mirror)

    return process


def to_int16(samples: np.ndarray) -> np.ndarray:
    """float [-1, 1) -> int16 the way every consumer of the mix converts (round, clip)."""
    return np.clip(np.rint(samples * 32768.0), -32768, 32767).astype(np.int16)


class LiveMix:
    """The player's hook: ``process(block, start_frame) -> block`` with a plan that may
    change while it plays (a handle dragged during playback).

    A new plan is not switched at a block boundary (a 12 dB gain step there is a click):
    for `RAMP_SECONDS` after a change, the output crossfades linearly from the old plan's
    mix of the same samples to the new one's, so the level moves along a straight line,
    no steeper than a 20 ms fade. A drag sends plans faster than that: one arriving
    mid-ramp waits for the ramp to end (only the latest is kept), so every ramp starts
    from exactly what is heard and a fast drag never steps; it is heard at most one ramp
    later. The player asks for a few ms at a time, so a new plan is heard after the
    sink's short lead. `set_plan` may be called from the GUI thread while the audio thread
    calls `process`.
    """

    RAMP_SECONDS = 0.02

    def __init__(self, plan: MixPlan, mirror: WindowSource | None = None) -> None:
        self.plan = plan
        self.mirror = mirror
        self._lock = threading.Lock()
        self._pending: MixPlan | None = None
        self._old: MixPlan | None = None
        self._ramp_left = 0

    def set_plan(self, plan: MixPlan) -> None:
        with self._lock:
            self._pending = plan

    def process(self, block: np.ndarray, start_frame: int) -> np.ndarray:
        if not self._ramp_left:
            with self._lock:
                pending, self._pending = self._pending, None
            if pending is not None:
                self._old, self.plan = self.plan, pending
                self._ramp_left = max(1, round(self.RAMP_SECONDS * pending.rate))
        is_int = block.dtype == np.int16
        data = block.astype(np.float32) / 32768.0 if is_int else np.asarray(block, np.float32)
        if self._old is None and self.plan.is_unity(start_frame, len(block)):
            return block
        out = self.plan.process(data, start_frame, self.mirror)
        if self._old is not None:
            total = max(1, round(self.RAMP_SECONDS * self.plan.rate))
            n = min(len(out), self._ramp_left)
            done = total - self._ramp_left
            ramp = ((done + np.arange(1, n + 1)) / total).astype(np.float32)[:, None]
            old = self._old.process(data[:n], start_frame, self.mirror)
            out[:n] = old * (1 - ramp) + out[:n] * ramp
            self._ramp_left -= n
            if self._ramp_left <= 0:
                self._old = None
        return to_int16(out) if is_int else out

    __call__ = process
