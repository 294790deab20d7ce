"""The composer: turns a region's params and style into a score and renders it to audio.

Structure, top-down:
  region -> bars (4/4, tempo fixed per region) -> sections (length from variance) ->
  per bar: chords (from the section's progression), bass line, pad, comping chords,
  arpeggio, melody (a motif repeated or mutated, more often with variance) and drums
  (pattern from the palette's groove, density from rhythm, layers from intensity).

Randomness is drawn from generators seeded by (theme seed, purpose, index), so changing one
param (say rhythm) does not reshuffle the melody: the same tags give the same theme, and
a slider move changes what that slider means, which is what a user expects of a slider.
"""

from __future__ import annotations

import functools
import math
import threading
from dataclasses import dataclass, field

import numpy as np
from scipy import signal

from muzaic_studio.contract.errors import Cancelled
from muzaic_studio.engine import instruments as ins
from muzaic_studio.engine import mixing
from muzaic_studio.engine import theory as th
from muzaic_studio.engine.tags import Palette
from muzaic_studio.engine.theory import SR, STEPS_PER_BAR
from muzaic_studio.model.region import KEYFRAMABLE


@dataclass
class GenSpec:
    """Everything a generate region needs, already resolved (bonuses applied, curves made)."""

    duration: float
    method: str
    tempo: float
    curves: dict[str, th.Curve]
    palette: Palette
    seed: int


@dataclass
class _Layer:
    buf: np.ndarray
    pan: float
    gain: float
    send: float
    haas: float = 0.0
    used: bool = False  # any note this segment (silent layers are not mixed)


@dataclass
class _Bar:
    index: int
    intensity: float
    tone: float
    rhythm: float
    variance: float
    section: int
    first_in_section: bool
    last_in_section: bool
    ending: bool = False
    chords: list[tuple[int, float, float]] = field(
        default_factory=list
    )  # degree, start, len (steps)


@functools.lru_cache(maxsize=64)
def _kit_for_tone(kit: str, seed: int, tone: float) -> dict[str, np.ndarray]:
    """The kit, low-passed for dark tones: dark music has no sizzling cymbals.

    Cutoff 1.5 kHz at tone 1, an octave higher every ~2.25 levels, open at tone 10; one
    filtered kit per half tone level, made once per process (one-shots are short).
    """
    shots = ins.drum_kit(kit, seed)
    cutoff = 1500.0 * 2 ** ((tone - 1.0) / 9.0 * 4.0)
    if cutoff >= 16000:
        return shots
    sos = signal.butter(2, cutoff, fs=SR, output="sos")
    return {k: signal.sosfilt(sos, v).astype(np.float32) for k, v in shots.items()}


def _rng(seed: int, *parts: int) -> np.random.Generator:
    return np.random.default_rng([seed & 0xFFFFFFFF, seed >> 32, *parts])


class Composer:
    """One generate region. `render()` returns (samples (n, 2) float32, bar seconds)."""

    def __init__(self, spec: GenSpec, cancel: threading.Event | None = None) -> None:
        self.spec = spec
        self.cancel = cancel
        self.pal = spec.palette
        self.bpm = th.bpm_for(spec.tempo)
        self.step_s = 60.0 / self.bpm / 4.0
        self.bar_s = self.step_s * STEPS_PER_BAR
        self.n = max(1, round(spec.duration * SR))
        rng = _rng(spec.seed, 1)
        pc = int(rng.integers(0, 12))
        self.root = 48 + ((pc + 6) % 12) - 6  # tonic between F#2 and F3
        self._off = 0  # sample index of the segment being rendered
        empty = np.zeros(0, dtype=np.float32)
        dg = self.pal.drum_gain
        self.layers = {
            "bass": _Layer(empty, 0.0, 0.55, 0.05),
            "pad": _Layer(empty, -0.15, 0.32, 0.5, haas=14.0),
            "chords": _Layer(empty, 0.3, 0.3, 0.3),
            "arp": _Layer(empty, -0.45, 0.2, 0.45),
            "lead": _Layer(empty, 0.1, 0.3, 0.4, haas=8.0),
            "drums": _Layer(empty, 0.0, 0.6 * dg, 0.08),
            "hats": _Layer(empty, 0.35, 0.5 * dg, 0.05),
        }

    # ------------------------------------------------------------------ plan

    def _bars(self) -> list[_Bar]:
        spec = self.spec
        n_bars = max(1, math.ceil(spec.duration / self.bar_s - 1e-9))
        ending_bar = None
        if spec.method == "smart" and spec.duration >= self.bar_s:
            n_bars = max(1, math.floor(spec.duration / self.bar_s + 1e-9))
            ending_bar = n_bars - 1 if n_bars >= 2 else None
        bars: list[_Bar] = []
        section, left = -1, 0
        for b in range(n_bars):
            pos = min(1.0, (b + 0.5) * self.bar_s / spec.duration)
            c = {k: spec.curves[k](pos) for k in KEYFRAMABLE}
            first = left == 0
            if first:
                section += 1
                left = th.section_bars(c["variance"])
            left -= 1
            bars.append(
                _Bar(
                    b,
                    c["intensity"],
                    c["tone"],
                    c["rhythm"],
                    c["variance"],
                    section,
                    first,
                    left == 0,
                )
            )
        if ending_bar is not None:
            bars[ending_bar].ending = True
            bars[ending_bar].chords = [(0, 0.0, 16.0)]
        # harmony: each section has a progression; chords advance by the variance's rate
        for b in bars:
            if b.ending:
                continue
            srng = _rng(spec.seed, 2, b.section)
            prog = th.PROGRESSIONS[int(srng.integers(0, len(th.PROGRESSIONS)))]
            if b.section == 0 or b.variance < 4.5:  # calm music keeps its first progression
                prog = th.PROGRESSIONS[int(_rng(spec.seed, 2, 0).integers(0, len(th.PROGRESSIONS)))]
            bpc = th.bars_per_chord(b.variance)
            if bpc >= 1:
                b.chords = [(prog[int(b.index // bpc) % len(prog)], 0.0, 16.0)]
            else:
                i = 2 * b.index
                b.chords = [(prog[i % len(prog)], 0.0, 8.0), (prog[(i + 1) % len(prog)], 8.0, 8.0)]
        return bars

    # ------------------------------------------------------------------ helpers

    def _t(self, bar: int, step: float) -> int:
        swing = self.pal.swing
        if swing and (int(step) % 2 == 1) and step == int(step):
            step += swing
        return round((bar * STEPS_PER_BAR + step) * self.step_s * SR)

    def _scale(self, tone: float) -> tuple[int, ...]:
        return th.MODES[self.pal.scale or th.mode_for(tone)]

    def _note(
        self, layer: str, voice: str, pitch, steps: float, bright: float, start: int, vel: float
    ):
        n_on = max(1, round(steps * self.step_s * SR))
        bq = round(bright * 4) / 4.0
        drive = self.pal.drive if layer == "chords" else 0.0
        audio = ins.note(voice, pitch, n_on, bq, drive)
        buf = self.layers[layer].buf
        start -= self._off
        if start >= len(buf):
            return
        end = min(len(buf), start + len(audio))
        mixing.axpy(audio, buf, start, end - start, vel)
        self.layers[layer].used = True

    def _hit(self, shots: dict[str, np.ndarray], name: str, start: int, vel: float, layer="drums"):
        shot = shots.get(name)
        if shot is None:
            return
        buf = self.layers[layer].buf
        start -= self._off
        end = min(len(buf), start + len(shot))
        if start < end:
            mixing.axpy(shot, buf, start, end - start, vel)
            self.layers[layer].used = True

    @staticmethod
    def _bright(tone: float) -> float:
        return (th.clamp_level(tone) - 1.0) / 9.0

    # ------------------------------------------------------------------ parts

    def _bar_dynamics(self, b: _Bar) -> float:
        """Per-bar level change: none at variance 1, up to +-6 dB at 10 (music that breathes)."""
        depth = th.variation_depth(b.variance)
        return float(10 ** (depth * _rng(self.spec.seed, 6, b.index).uniform(-6.0, 6.0) / 20.0))

    def _harmony(self, b: _Bar) -> None:
        pal, vel = self.pal, th.velocity_for(b.intensity) * self._bar_dynamics(b)
        scale, bright = self._scale(b.tone), self._bright(b.tone)
        reg = round((b.tone - 5.5) / 4.5 * 5)  # -5..+5 semitones of voicing centre
        size = 4 if pal.sevenths else 3
        for deg, st, ln in b.chords:
            tones = th.chord_pitches(scale, deg, self.root, size)
            if pal.pad:  # the bed: always there, barely softer when quiet
                voicing = tuple(th.voice_near(tones, 57 + reg))
                hold = ln + (16.0 if b.ending else 0.0)
                self._note(
                    "pad", pal.pad, voicing, hold, bright, self._t(b.index, st), 0.6 + 0.4 * vel
                )
            bass = th.presence(b.intensity, "bass")
            if bass:
                root = th.degree_pitch(scale, deg, self.root) - 12
                while root < 33:
                    root += 12
                self._bass_line(b, root, st, ln, bass * vel, bright)
            # the comping instrument is the harmonic bed when the palette has no pad
            comp = th.presence(b.intensity, "chords") if pal.pad else 1.0
            if pal.chords and comp:
                self._comp(b, tones, st, ln, comp * vel, bright, reg)

    def _bass_line(self, b: _Bar, root: int, st: float, ln: float, vel: float, bright: float):
        voice, r = self.pal.bass, b.rhythm
        if b.ending:
            self._note("bass", voice, root, 16.0, bright, self._t(b.index, st), vel)
            return
        if r < 3.5:
            pattern = [(0.0, ln, 0)]
        elif r < 6.5:
            pattern = [(s, min(4.0, ln - s), 0 if s % 8 == 0 else 7) for s in np.arange(0, ln, 4.0)]
            if self.pal.groove == "four":
                pattern = [(s + 2.0, 1.5, 0) for s in np.arange(0, ln, 4.0)]
        else:
            pattern = [
                (0.0, 3.0, 0),
                (3.0, 1.0, 12),
                (6.0, 2.0, 0),
                (10.0, 2.0, 7),
                (14.0, 2.0, 12),
            ]
            pattern = [p for p in pattern if p[0] < ln]
        for s, length, iv in pattern:
            self._note("bass", voice, root + iv, length, bright, self._t(b.index, st + s), vel)

    def _comp(self, b: _Bar, tones, st: float, ln: float, vel: float, bright: float, reg: int):
        voicing = th.voice_near(tones, 62 + reg)
        r = b.rhythm
        if b.ending or r < 3.0:
            hits = [(0.0, ln)]
        elif r < 6.0:
            hits = [(0.0, 6.0), (6.0, 2.0), (8.0, 8.0)]
        elif r < 8.5:
            hits = [(0.0, 3.0), (3.0, 3.0), (6.0, 4.0), (10.0, 2.0), (12.0, 4.0)]
        else:
            hits = [(float(s), 1.5) for s in (0, 2, 3, 6, 8, 10, 11, 14)]
        for s, length in hits:
            if s >= ln:
                continue
            for i, p in enumerate(voicing):
                # strum: a few ms between strings on guitar, together on keys
                off = int(i * 0.012 * SR) if self.pal.chords == "guitar" else 0
                self._note("chords", self.pal.chords, p, min(length, ln - s), bright,
                           self._t(b.index, st + s) + off, 0.55 * vel)  # fmt: skip

    def _arp(self, b: _Bar) -> None:
        presence = th.presence(b.intensity, "arp")
        if not self.pal.arp or not presence or b.ending:
            return
        if not self._section_flags(b)["arp"]:
            return
        scale, bright = self._scale(b.tone), self._bright(b.tone)
        vel = presence * th.velocity_for(b.intensity) * self._bar_dynamics(b)
        octave = 12 if b.tone >= 7.5 else (-12 if b.tone < 3.5 else 0)
        step = th.arp_step(b.rhythm)
        shapes = ((0, 1, 2, 3, 2, 1), (0, 2, 1, 3, 1, 2, 0, 3), (3, 2, 1, 0), (0, 3, 1, 2, 0, 2))
        brng = _rng(self.spec.seed, 7, b.index)
        # a static piece keeps one arpeggio figure; a varied one changes it bar by bar
        change = brng.random() < th.variation_depth(b.variance)
        shape = shapes[int(brng.integers(1, len(shapes))) if change else 0]
        for deg, st, ln in b.chords:
            tones = th.voice_near(th.chord_pitches(scale, deg, self.root, 4), 67 + octave)
            k = 0
            s = 0.0
            while s < ln:
                syncop = b.rhythm >= 6.0 and (k % 3 == 2)  # rest on every third: off-grid accents
                if not syncop:
                    pitch = tones[shape[k % len(shape)] % len(tones)]
                    accent = 1.0 if (st + s) % 4 == 0 else 0.75
                    self._note(
                        "arp",
                        self.pal.arp,
                        pitch,
                        step,
                        bright,
                        self._t(b.index, st + s),
                        accent * vel,
                    )
                k += 1
                s += step

    def _section_flags(self, b: _Bar) -> dict[str, bool]:
        """Arrangement changes per section: with variance, layers drop out and come back."""
        v = (b.variance - 1.0) / 9.0
        rng = _rng(self.spec.seed, 3, b.section)
        u = rng.random(4)
        return {
            "arp": b.section == 0 or u[0] > 0.45 * v,
            "lead": b.section == 0 or u[1] > 0.35 * v,
            "lead_up": b.section > 0 and u[2] < 0.4 * v,
            "kick_alt": b.section > 0 and u[3] < 0.6 * v,
        }

    def _motif(self, b: _Bar, seed_index: int) -> list[tuple[float, float, int]]:
        """A one-bar melody: (step, length, scale degree relative to the chord root)."""
        rng = _rng(self.spec.seed, 4, seed_index)
        count = int(np.clip(round(2 + b.rhythm * 0.55 + rng.integers(-1, 2)), 2, 9))
        cand = [0, 8, 4, 12, 6, 14, 2, 10, 3, 11, 7, 15, 1, 5, 9, 13]
        if b.rhythm >= 6:
            cand = [0, 6, 10, 3, 12, 14, 8, 4, 2, 11, 7, 15, 1, 5, 9, 13]
        steps = sorted(cand[:count])
        degs, d = [], int(rng.choice([0, 2, 4]))
        for s in steps:
            if s % 4 == 0:  # strong beats sit on chord tones
                d = min((0, 2, 4, 7, -3), key=lambda c, d=d: abs(c - d) + rng.random())
            else:
                d += int(rng.choice([-2, -1, -1, 1, 1, 2]))
            d = int(np.clip(d, -3, 9))
            degs.append(d)
        ends = [*steps[1:], 16]
        return [
            (float(s), float(min(e - s, 8)), dg) for s, e, dg in zip(steps, ends, degs, strict=True)
        ]

    def _lead(self, b: _Bar) -> None:
        presence = th.presence(b.intensity, "melody")
        if not presence or b.ending:
            return
        flags = self._section_flags(b)
        if not flags["lead"]:
            return
        scale, bright = self._scale(b.tone), self._bright(b.tone)
        vel = presence * th.velocity_for(b.intensity) * self._bar_dynamics(b)
        # a bar either repeats the section's motif (following the chord) or gets a new one
        mut = _rng(self.spec.seed, 5, b.index).random() < th.mutation_prob(b.variance)
        motif = self._motif(b, 1000 + b.index if mut else b.section if b.variance >= 4.5 else 0)
        if b.intensity < th.ENTRY["lead"]:
            # quiet: the same tune reduced to its notes on beats 1 and 3, held
            kept = [m for m in motif if m[0] % 8 == 0]
            ends = [m[0] for m in kept[1:]] + [16.0]
            motif = [(s, min(e - s, 8.0), dg) for (s, _, dg), e in zip(kept, ends, strict=True)]
        fill, double = th.presence(b.intensity, "lead"), th.presence(b.intensity, "double")
        octave = 12 if b.tone >= 7.5 else (-12 if b.tone < 3.5 else 0)
        if flags["lead_up"]:
            octave += 12
        if _rng(self.spec.seed, 8, b.index).random() < 0.35 * th.variation_depth(b.variance):
            octave += 12 if octave <= 0 else -12
        base = (
            self.root + 12 + octave + (12 if self.pal.lead in ("bell", "flute", "marimba") else 0)
        )
        for s, length, dg in motif:
            deg = next((c for c in b.chords if c[1] <= s < c[1] + c[2]), b.chords[0])[0]
            pitch = th.degree_pitch(scale, deg + dg, base)
            v = 0.8 * vel * (1.0 if s % 8 == 0 else fill)  # fills come in softly
            self._note("lead", self.pal.lead, pitch, length, bright, self._t(b.index, s), v)
            if double:  # doubled an octave down: a bigger, fuller lead
                self._note(
                    "lead",
                    self.pal.lead,
                    pitch - 12,
                    length,
                    bright,
                    self._t(b.index, s),
                    0.5 * double * v,
                )

    def _shots(self, tone: float) -> dict[str, np.ndarray]:
        if self.pal.kit == "none":
            return {}
        return _kit_for_tone(self.pal.kit, self.spec.seed, round(th.clamp_level(tone) * 2) / 2)

    def _drums(self, b: _Bar) -> None:
        shots = self._shots(b.tone)
        if not shots:
            return
        i, r, vel = b.intensity, b.rhythm, th.velocity_for(b.intensity)
        kick, snare = th.presence(i, "kick") * vel, th.presence(i, "snare") * vel
        hat, cymbal = th.presence(i, "hats") * vel, th.presence(i, "cymbals") * vel
        groove = self.pal.groove
        t = lambda s: self._t(b.index, s)  # noqa: E731
        if b.ending:
            if kick:
                self._hit(shots, "kick", t(0), kick)
                self._hit(shots, "crash", t(0), kick, "hats")
            return
        kicks = {"four": [0, 4, 8, 12], "halftime": [0], "boombap": [0, 7, 10],
                 "shuffle": [0, 8]}.get(groove, [0, 8])  # fmt: skip
        snares = {"halftime": [8]}.get(groove, [4, 12])
        if r >= 5.5 and groove != "four":
            kicks = [*kicks, 10]
        if r >= 7.5:
            kicks = [*kicks, 3 if groove != "halftime" else 14]
        if self._section_flags(b)["kick_alt"]:
            kicks = [*kicks, 6]
        if kick:
            for s in sorted(set(kicks)):
                self._hit(shots, "kick", t(s), kick * (1.0 if s % 4 == 0 else 0.8))
        if snare:
            for s in snares:
                self._hit(shots, "snare", t(s), snare)
            if r >= 7.0:
                for s in (7, 15):
                    self._hit(shots, "snare", t(s), 0.3 * snare)
            if b.last_in_section and b.variance >= 5.0 and r >= 4.0:
                for s in (13, 14, 15):  # fill into the next section
                    self._hit(shots, "snare", t(s), (0.5 + 0.15 * (s - 13)) * snare)
        if hat:
            hats = th.hat_steps(r, syncopate=groove in ("four", "shuffle"))
            for s in hats:
                self._hit(shots, "hat", t(s), hat * (0.9 if s % 4 == 2 else 0.6), "hats")
            if cymbal and groove in ("four", "backbeat"):
                self._hit(shots, "openhat", t(14), 0.6 * cymbal, "hats")
        if cymbal and b.first_in_section:
            self._hit(shots, "crash", t(0), 0.8 * cymbal, "hats")

    # ------------------------------------------------------------------ render

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
        gain_db = np.array([th.intensity_gain_db(b.intensity) for b in bars])
        centres = (np.arange(len(bars)) + 0.5) * self.bar_s * SR
        env = np.repeat(
            (10 ** (np.interp(idx_b, centres, gain_db) / 20.0)).astype(np.float32), blk
        )[:length]
        n, spec = self.n, self.spec
        ending = next((b for b in bars if b.ending), None)
        fades = [(0, round(0.005 * SR), True), (n - round(0.03 * SR), round(0.03 * SR), False)]
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
        spec = self.spec
        bars = self._bars()
        n = self.n
        if out is None:
            out = np.zeros((n, 2), dtype=np.int16)
        elif out.shape != (n, 2) or out.dtype != np.int16:
            raise ValueError(f"out must be int16 {(n, 2)}, not {out.dtype} {out.shape}")
        seg_bars = max(1, math.ceil(30.0 / self.bar_s))
        tail = int(3.5 * SR)
        carry = np.zeros((2, 0), dtype=np.float32)
        for b0 in range(0, len(bars), seg_bars):
            if self.cancel is not None and self.cancel.is_set():  # a 20-minute region
                raise Cancelled("Render cancelled.")  # stops within one segment
            seg = bars[b0 : b0 + seg_bars]
            start = min(n, round(b0 * STEPS_PER_BAR * self.step_s * SR))
            end = (
                n
                if b0 + seg_bars >= len(bars)
                else round((b0 + seg_bars) * STEPS_PER_BAR * self.step_s * SR)
            )
            end = min(end, n)
            seg_n = end - start
            self._off = start
            for layer in self.layers.values():
                layer.buf = np.zeros(seg_n + tail, dtype=np.float32)
                layer.used = False
            for b in seg:
                self._harmony(b)
                self._arp(b)
                self._lead(b)
                self._drums(b)
            left = np.zeros(seg_n + tail, dtype=np.float32)
            right = np.zeros(seg_n + tail, dtype=np.float32)
            send = np.zeros(seg_n + tail, dtype=np.float32)
            for layer in self.layers.values():
                if not layer.used:
                    continue
                mixing.add_panned(left, right, layer.buf, layer.pan, layer.gain, layer.haas)
                if layer.send:
                    send += np.float32(layer.send * layer.gain) * layer.buf
            wl, wr = mixing.reverb(send, 1.2 + 1.5 * spec.palette.reverb)
            wet = np.float32(0.35 + spec.palette.reverb)
            left += wet * wl
            right += wet * wr
            k = min(carry.shape[1], len(left))
            left[:k] += carry[0, :k]
            right[:k] += carry[1, :k]
            carry = np.stack([left[seg_n:], right[seg_n:]])
            env = self._envelope(start, seg_n, bars)
            part = np.empty((seg_n, 2), dtype=np.float32)
            np.multiply(left[:seg_n], env, out=part[:, 0])
            np.multiply(right[:seg_n], env, out=part[:, 1])
            part = mixing.limit(part)
            part *= np.float32(32767.0)
            np.rint(part, out=part)
            out[start:end] = part  # exact: integers within +-32767 * ceiling
        return out, self.bar_s


def generate(
    spec: GenSpec, cancel: threading.Event | None = None, out: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """(int16 (n, 2) samples of exactly the region's duration, bar length in seconds);
    the samples are `out`, filled, if it is given."""
    return Composer(spec, cancel).render(out)
