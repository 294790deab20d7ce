"""Stems and score of an offline render: drums, bass, harmony and melody, each as the
engine plays it in the mix, so that the four add up to the mix.

How, per generate region:
  1. the mix pass: the region rendered as always (same code, same samples), recording
     its score and, per segment, the gain its master bus applied (`Composer._bus`: the
     limiter, and whatever gain stage the bus grows), measured as after / before;
  2. one pass per stem: the same score again (every random draw the same), with the
     other layers' synthesized voices at gain 0 and FluidSynth playing every note but
     letting through only the stem's channels (sampled.Band `solo`: the voice stealing
     stays the mix's); the bus applies the gain recorded in 1 instead of its own.
Everything between the notes and the bus is linear (panning, the room, tone tilt, the
high-pass, the intensity envelope), so the stems' sum equals the mix before the bus, and
the same gain after it. Each stem pass keeps its region's tail (cut at the mix's tail
length), and where the mix's tails ring on into the next region (joins.ring_on) the
stems' tails do too, with the gain the mix's join limiter applied there. Copies fit their source's stems as fitting.fit fits its audio; silence is zeros;
the soundtrack's loudness normalisation is probed on the mix (`Renderer.render(probe=)`)
and its gain applied to every stem.

Stems are float32 in int16 units (32767 = full scale), never rounded or clipped.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from muzaic_studio.contract.errors import Cancelled, InvalidRequest
from muzaic_studio.engine import joins
from muzaic_studio.engine.arrangement import Composer
from muzaic_studio.engine.core import (
    CHUNK,
    Canonical,
    Renderer,
    _pool,
    gen_spec,
    region_hash,
)
from muzaic_studio.engine.fitting import fit
from muzaic_studio.engine.form import GenSpec
from muzaic_studio.engine.score import Score, fit_score, programs_for
from muzaic_studio.engine.theory import SR

# stem -> the composer's layers in it
STEMS: dict[str, frozenset[str]] = {
    "drums": frozenset({"drums", "hats"}),
    "bass": frozenset({"bass"}),
    "harmony": frozenset({"pad", "chords", "arp"}),
    "melody": frozenset({"lead"}),
}
Gain = float | np.ndarray  # one gain, or one per sample and channel


def gain_of(before: np.ndarray, after: np.ndarray) -> Gain:
    """The gain a gain stage (compressor, limiter) applied: after / before per sample and
    channel; where the input is exactly 0 the gain is interpolated from its neighbours (the
    mix is silent there, its stems need not be). One float when it is one gain throughout."""
    b = np.asarray(before, dtype=np.float32)
    a = np.asarray(after, dtype=np.float32)
    ok = np.abs(b) > 1e-12
    g = np.divide(a, b, out=np.ones_like(a), where=ok)
    for c in range(g.shape[1]):
        bad = np.flatnonzero(~ok[:, c])
        good = np.flatnonzero(ok[:, c])
        if len(bad) and len(good):
            g[bad, c] = np.interp(bad, good, g[good, c])
    lo, hi = float(g.min()), float(g.max())
    if hi - lo <= 1e-6 * max(abs(hi), 1e-12):
        return float(g.mean(dtype=np.float64))
    return g


class _Pass(Composer):
    """One render of a region's score: the mix pass (solo None: records the score and the
    bus's gain) or a stem pass (plays the recorded gain)."""

    def __init__(
        self,
        spec: GenSpec,
        cancel: threading.Event | None,
        gains: dict[int, Gain],
        solo: frozenset[str] | None = None,
        score: Score | None = None,
        tail_n: int | None = None,
    ) -> None:
        super().__init__(spec, cancel)
        self.solo = solo
        self.tail_n = tail_n
        self.gains = gains
        self.recorded = score
        if solo is not None:
            for name, layer in self.layers.items():
                if name not in solo:
                    layer.gain = 0.0  # exact zeros: its notes still draw their randomness

    def _score(self, layer: str, pitch, start: int, length: int, amp: float) -> None:
        if self.recorded is not None:
            self.recorded.add(layer, pitch, start, length, amp)

    def _bus(self, part: np.ndarray, start: int) -> np.ndarray:
        if self.solo is None:
            before = part.copy()
            after = super()._bus(part, start)
            self.gains[start] = gain_of(before, after)
            return after
        part *= self.gains[start]
        return part


@dataclass
class _Take:
    """What a generate region's mix pass leaves: the bus's gain per segment, the score."""

    gains: dict[int, Gain]
    score: Score
    n: int
    tail_n: int | None  # the mix's tail length: every stem's is cut there


@dataclass
class SoundtrackGain:
    """Renderer.render's probe: the normalisation's gain per 30 s chunk, relative to the
    un-normalised mix in int16 units (a second pass multiplies into the first)."""

    chunks: dict[int, Gain] = field(default_factory=dict)
    joins: dict[int, Gain] = field(default_factory=dict)  # joins.ring_on's limiter, by lo
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def __call__(self, start: int, before: np.ndarray, after: np.ndarray) -> None:
        g = gain_of(before, after * np.float32(32767.0))
        with self._lock:
            prev = self.chunks.get(start, 1.0)
            self.chunks[start] = prev * g

    def join(self, lo: int, before: np.ndarray, after: np.ndarray) -> None:
        """joins.ring_on's probe: the gain its limiter applied to the span from `lo`."""
        g = gain_of(before, after)
        with self._lock:
            self.joins[lo] = g

    def apply(self, x: np.ndarray) -> None:
        """In place, on a (n, 2) float32 stem of the whole soundtrack."""
        for s, g in self.chunks.items():
            part = x[s : s + CHUNK]
            part *= g if isinstance(g, float) else g[: len(part)]


class StemRender:
    """The stems and the score of one canonical request, region by region, from the
    renderer's store (the request must have been rendered: every hash has a recipe)."""

    def __init__(
        self,
        renderer: Renderer,
        canon: Canonical,
        cancel: threading.Event | None = None,
        progress: Callable[[float], None] | None = None,
    ) -> None:
        self.renderer = renderer
        self.regions: list[dict[str, Any]] = canon.body["regions"]
        self.hashes = [region_hash(r) for r in self.regions]
        self.cancel = cancel
        self.progress = progress or (lambda _f: None)
        end = max(float(r["time"]) + float(r["duration"]) for r in self.regions)
        self.total_n = max(1, round(end * SR))
        self._takes: dict[str, _Take] = {}
        self._stem_cache: dict[tuple[str, str], np.ndarray] = {}
        self._tail_cache: dict[tuple[str, str], np.ndarray | None] = {}

    def _check(self) -> None:
        if self.cancel is not None and self.cancel.is_set():
            raise Cancelled("Export cancelled.")

    def _recipe(self, h: str) -> dict[str, Any]:
        rec = self.renderer._resolvable(h)
        if rec is None:
            raise InvalidRequest(f"no audio is known for hash {h!r} (render the soundtrack first)")
        return rec

    def generated(self) -> list[str]:
        """Hashes of the generate regions the request's audio comes from (copies' sources
        included), each once."""
        seen: list[str] = []

        def walk(h: str) -> None:
            rec = self._recipe(h)
            if rec["action"] == "copy":
                walk(rec["sourceHash"])
            elif rec["action"] == "generate" and h not in seen:
                seen.append(h)

        for h in self.hashes:
            walk(h)
        return seen

    def each(self, hashes: list[str], fn: Callable[[str], Any], done: Callable[[], None]) -> None:
        """fn(h) for every hash on the engine's region threads (both cores: the passes
        are numpy and FluidSynth, which release the GIL); done() after each."""
        futures = [_pool().submit(fn, h) for h in hashes]
        try:
            for fut in futures:
                fut.result()
                done()
        finally:
            for fut in futures:
                fut.cancel()

    def take(self, h: str) -> _Take:
        """The mix pass of a generate region (once per hash)."""
        if h not in self._takes:
            self._check()
            spec = gen_spec(self._recipe(h)["region"])
            composer = _Pass(spec, self.cancel, {}, None, Score(0.0, programs_for(spec.palette)))
            composer.render()
            assert composer.recorded is not None
            composer.recorded.bpm = round(composer.bpm, 3)
            take = _Take(composer.gains, composer.recorded, composer.n, composer.tail_n)
            self._takes[h] = take
        return self._takes[h]

    # ------------------------------------------------------------------ stems

    def region_stem(self, h: str, stem: str) -> np.ndarray:
        """float32 (n, 2) of one region's stem, before the soundtrack's normalisation."""
        key = (h, stem)
        if key in self._stem_cache:
            return self._stem_cache[key]
        rec = self._recipe(h)
        n = max(1, round(float(rec["duration"]) * SR))
        if rec["action"] == "silence":
            audio = np.zeros((n, 2), dtype=np.float32)
        elif rec["action"] == "copy":
            src_rec = self._recipe(rec["sourceHash"])
            audio = fit(self.region_stem(rec["sourceHash"], stem), n, float(src_rec["bar"]),
                        rec.get("method") or "strict", src_rec.get("loop"),
                        bool(rec.get("continuation")))  # fmt: skip
        else:
            take = self.take(h)
            self._check()
            audio = np.zeros((n, 2), dtype=np.float32)
            spec = gen_spec(rec["region"])
            composer = _Pass(spec, self.cancel, take.gains, STEMS[stem], None, take.tail_n)
            composer.render(audio)
            self._tail_cache[key] = composer.tail
        self._stem_cache[key] = audio
        return audio

    def region_tail(self, h: str, stem: str) -> np.ndarray | None:
        """A region's stem tail where the mix has one (Renderer.tail_for_hash's rule)."""
        if self.renderer.tail_for_hash(h) is None:
            return None
        rec = self._recipe(h)
        if rec["action"] == "copy":  # the whole source, same length: its tail
            return self.region_tail(rec["sourceHash"], stem)
        self.region_stem(h, stem)
        return self._tail_cache.get((h, stem))

    def stem(
        self, stem: str, gain: SoundtrackGain, done: Callable[[], None] = lambda: None
    ) -> np.ndarray:
        """float32 (total, 2) of the whole soundtrack's stem, full scale 1."""
        self.each(self.generated(), lambda h: self.region_stem(h, stem), done)
        out = np.zeros((self.total_n, 2), dtype=np.float32)
        for r, h in zip(self.regions, self.hashes, strict=True):
            start = round(float(r["time"]) * SR)
            audio = self.region_stem(h, stem)
            k = min(len(audio), self.total_n - start)
            out[start : start + k] = audio[:k]
        tails = [self.region_tail(h, stem) for h in self.hashes]
        joins.ring_on(out, self.regions, tails, None, gains=gain.joins)
        self._stem_cache = {k: v for k, v in self._stem_cache.items() if k[1] != stem}
        self._tail_cache = {k: v for k, v in self._tail_cache.items() if k[1] != stem}
        gain.apply(out)
        out *= np.float32(1.0 / 32767.0)
        return out

    # ------------------------------------------------------------------ score

    def region_score(self, h: str) -> Score | None:
        rec = self._recipe(h)
        if rec["action"] == "silence":
            return None
        if rec["action"] == "generate":
            return self.take(h).score
        src = self.region_score(rec["sourceHash"])
        if src is None:
            return None
        src_rec = self._recipe(rec["sourceHash"])
        m = max(1, round(float(src_rec["duration"]) * SR))
        n = max(1, round(float(rec["duration"]) * SR))
        return fit_score(src, m, n, float(src_rec["bar"]), src_rec.get("loop"),
                         bool(rec.get("continuation")))  # fmt: skip

    def timeline(self) -> list[tuple[int, int, Score]]:
        """(start sample, length in samples, score) of every region that plays music."""
        out = []
        for r, h in zip(self.regions, self.hashes, strict=True):
            score = self.region_score(h)
            if score is not None:
                n = max(1, round(float(r["duration"]) * SR))
                out.append((round(float(r["time"]) * SR), n, score))
        return out
