"""The composer: turns a region's params and style into a score and renders it to audio.

Top-down: region -> bars (4/4, tempo per region) -> sections (length from variance) ->
per bar: chords (the section's progression), bass, pad, comping, arpeggio, melody (a motif
repeated or mutated, more often with variance) and drums (the palette's groove, density
from rhythm, layers from intensity).

Randomness comes from generators seeded by (theme seed, purpose, index): moving one slider
(say rhythm) changes what that slider means and does not reshuffle the melody.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np

from muzaic_studio.engine import dsp as signal
from muzaic_studio.engine import instruments as ins
from muzaic_studio.engine import mixing, sampled
from muzaic_studio.engine import theory as th
from muzaic_studio.engine.drums import Drummer
from muzaic_studio.engine.form import Bar as _Bar
from muzaic_studio.engine.form import GenSpec
from muzaic_studio.engine.form import rng as _rng
from muzaic_studio.engine.mixdown import Mixdown
from muzaic_studio.engine.theory import SR, STEPS_PER_BAR

_log = logging.getLogger(__name__)
# score amplitude -> sampled level: GM presets are mixed hotter than the synth voices
_SAMPLED_VEL = 0.8
_SAMPLED_DRUM_VEL = 0.75
_CHORD_DEGREES = (0, 2, 4, 7, -3)  # the melody's strong-beat targets: chord tones


@dataclass
class _Layer:
    buf: np.ndarray
    pan: float
    gain: float
    send: float
    haas: float = 0.0
    used: bool = False  # any note this segment (silent layers are not mixed)


def _band_drift(seed: int, steps: int) -> np.ndarray:
    """The band's timing drift per 32nd step, in units of its spread: smooth (AR(1), unit
    variance, 0.8 from one step to the next), as players' is. White drift pulled
    neighbouring 32nd pickups together by up to 30 ms, and two hits 40 ms apart are heard
    as one (a flam)."""
    white = _rng(seed, 12).standard_normal(steps + 1)
    return signal.lfilter([0.6], [1.0, -0.8], white[1:], zi=[0.8 * white[0]])[0]


class Composer(Mixdown, Drummer):
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
        self._hrng = _rng(spec.seed, 9, round(spec.duration * 1000))
        self._drift = _band_drift(spec.seed, round(2 * self.n / self.step_s / SR) + 64)
        self.band: sampled.Band | None = None
        self._depth = 0.0  # the current bar's variation depth
        self._swing = self.pal.swing  # the current bar's (theory.swing_for)
        self._gain_db: np.ndarray | None = None  # per bar, made once per render
        self._voicing: dict[str, tuple[int, ...] | list[int]] = {}  # last chord per part
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

    # ------------------------------------------------------------------ helpers

    def _t(self, bar: int, step: float) -> int:
        swing = self._swing
        if swing and (int(step) % 2 == 1) and step == int(step):
            step += swing
        return round((bar * STEPS_PER_BAR + step) * self.step_s * SR)

    def _scale(self, tone: float) -> tuple[int, ...]:
        return th.MODES[self.pal.scale or th.mode_for(tone)]

    def _human(self, layer: str, start: int | None = None) -> int:
        """Timing of a band, not a sequencer: a few ms early or late (sd 5 ms for electronic
        styles, 10 ms otherwise; pads drift more), bass and laid-back snares behind the beat.
        Most is the band's (one drift per 32nd step at `start`: `_drift`), the rest each
        note's, so limbs and a chord's notes land together: one hit is not heard as two."""
        sd = self.pal.human * (1.5 if layer == "pad" else 1.0)
        late = self.pal.layback if layer in ("bass", "drums") else 0.0
        shared = 0.0
        if start is not None:
            k = min(len(self._drift) - 1, round(2 * start / (self.step_s * SR)))  # its 32nd
            shared = 0.85 * sd * float(self._drift[k])
        dt = float(np.clip(self._hrng.normal(late, 0.5 * sd) + shared, -0.03, 0.04))
        return round(dt * SR)

    def _accent(self, vel: float) -> float:
        """No two notes exactly as loud: a spread of 2% (static music) to 8% (varied)
        around what the part asks for."""
        sd = 0.02 + 0.06 * self._depth
        return vel * float(np.clip(1.0 + sd * self._hrng.standard_normal(), 0.75, 1.25))

    def _note(
        self, layer: str, voice: str, pitch, steps: float, bright: float, start: int, vel: float
    ):
        n_on = max(1, round(steps * self.step_s * SR))
        start = max(0, start + self._human(layer, start))
        vel = self._accent(vel)
        if start >= self.n - 64:  # nothing starts at the boundary; what sounds, releases there
            return
        n_on = min(n_on, self.n - start)
        self._score(layer, pitch, start, n_on, vel * _SAMPLED_VEL)
        if self.band is not None and layer in self.band.layers:
            for p in pitch if isinstance(pitch, tuple) else (pitch,):
                self.band.note(layer, p, start, n_on, vel * _SAMPLED_VEL)
            return
        bq = round(bright * 4) / 4.0
        drive = self.pal.drive if layer == "chords" else 0.0
        audio = ins.note(voice, pitch, n_on, bq, drive)
        buf = self.layers[layer].buf
        start = max(0, start - self._off)
        if start >= len(buf):
            return
        end = min(len(buf), start + len(audio))
        mixing.axpy(audio, buf, start, end - start, vel)
        self.layers[layer].used = True

    def _hit(self, shots: dict, name: str, start: int, vel: float, layer="drums"):
        shot = shots.get(name)
        if shot is None:
            return
        start = max(0, start + self._human("drums" if name in ("kick", "snare") else layer, start))
        vel = self._accent(vel)
        if start >= self.n - 64:
            return
        key = shot if isinstance(shot, int) else sampled.DRUM_KEYS[name]
        self._score("drums", key, start, SR // 4, vel * _SAMPLED_DRUM_VEL)
        if isinstance(shot, int):  # a GM drum key: the sampled kit plays it
            assert self.band is not None
            self.band.note("drums", shot, start, SR // 4, vel * _SAMPLED_DRUM_VEL)
            return
        buf = self.layers[layer].buf
        start = max(0, start - self._off)
        end = min(len(buf), start + len(shot))
        if start < end:
            mixing.axpy(shot, buf, start, end - start, vel)
            self.layers[layer].used = True

    def _score(self, layer: str, pitch, start: int, length: int, amp: float) -> None:
        """Every note as played (stems.py records them: the MIDI export)."""

    @staticmethod
    def _bright(tone: float) -> float:
        return min(1.0, max(0.0, (tone - 1.0) / 9.0))

    # ------------------------------------------------------------------ parts

    def _compose(self, b: _Bar) -> None:
        """Write one bar's notes: harmony, arpeggio, melody, drums."""
        self._depth = th.variation_depth(b.variance)
        self._swing = th.swing_for(self.pal.swing, b.rhythm)
        self._harmony(b)
        self._arp(b)
        self._lead(b)
        self._drums(b)

    def _harmony(self, b: _Bar) -> None:
        pal, vel = self.pal, th.velocity_for(b.intensity) * self._bar_dynamics(b)
        scale, bright = self._scale(b.tone), self._bright(b.tone)
        reg = round((b.tone - 5.5) / 4.5 * 5)  # -5..+5 semitones of voicing centre
        size = 4 if pal.sevenths else 3
        for deg, st, ln in b.chords:
            tones = th.chord_pitches(scale, deg, self.root, size)
            if pal.pad:  # the bed: always there, barely softer when quiet
                centre = 57 + reg + ins.CHORD_REGISTER.get(pal.pad, 0)
                voicing = tuple(th.lead_voices(tones, self._voicing.get("pad"), centre))
                self._voicing["pad"] = voicing
                hold = ln + (16.0 if b.ending else 2.0)  # legato: chords overlap
                self._note("pad", pal.pad, voicing, hold, bright, self._t(b.index, st),
                           (0.6 + 0.4 * vel) * self._balance(b, "pad"))  # fmt: skip
            bass = th.presence(b.intensity, "bass")
            if bass:
                root = th.degree_pitch(scale, deg, self.root) - 12
                while root < 33:
                    root += 12
                self._bass_line(b, root, st, ln, bass * vel * self._balance(b, "bass"), bright)
            # the comping instrument is the harmonic bed when the palette has no pad
            comp = th.presence(b.intensity, "chords") if pal.pad else 1.0
            if pal.chords and comp:
                vel_c = comp * vel * self._balance(b, "chords")
                self._comp(b, pal.chords, tones, st, ln, vel_c, bright, reg)

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
        for s, length, iv in (p for p in pattern if self._on_grid(b, st + p[0])):
            self._note("bass", voice, root + iv, length, bright, self._t(b.index, st + s), vel)

    def _comp(
        self, b: _Bar, voice: str, tones, st: float, ln: float, vel: float, bright: float, reg: int
    ):
        centre = 62 + reg + ins.CHORD_REGISTER.get(voice, 0)
        voicing = th.lead_voices(tones, self._voicing.get("chords"), centre)
        self._voicing["chords"] = voicing
        r = b.rhythm
        if b.ending or r < 3.0:
            hits = [(0.0, ln)]
        elif r < 6.0:
            hits = [(0.0, 6.0), (6.0, 2.0), (8.0, 8.0)]
        elif r < 8.5:
            hits = [(0.0, 3.0), (3.0, 3.0), (6.0, 4.0), (10.0, 2.0), (12.0, 4.0)]
        else:
            hits = [(float(s), 1.5) for s in (0, 2, 3, 6, 8, 10, 11, 14)]
        for s, length in self._push_into_boundary(b, st, ln, hits):
            if s >= ln or not self._on_grid(b, st + s):
                continue
            for i, p in enumerate(voicing):
                # strum: a few ms between strings on guitar, together on keys
                off = int(i * 0.012 * SR) if voice in ins.GUITARS else 0
                self._note("chords", voice, p, ins.comping(voice, min(length, ln - s)), bright,
                           self._t(b.index, st + s) + off, 0.55 * vel)  # fmt: skip

    def _arp(self, b: _Bar) -> None:
        presence = th.presence(b.intensity, "arp")
        if not self.pal.arp or not presence or b.ending:
            return
        if not self._section_flags(b)["arp"]:
            return
        scale, bright = self._scale(b.tone), self._bright(b.tone)
        vel = presence * th.velocity_for(b.intensity) * self._bar_dynamics(b, "arp")
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
                if not syncop and self._on_grid(b, st + s):
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
            if s % 4 == 0:  # strong beats sit on chord tones (the first nearest, jittered)
                costs = [abs(c - d) + rng.random() for c in _CHORD_DEGREES]
                d = _CHORD_DEGREES[costs.index(min(costs))]
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
        vel = presence * th.velocity_for(b.intensity) * self._bar_dynamics(b, "lead")
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
        base = self.root + 12 + octave + ins.LEAD_REGISTER.get(self.pal.lead, 0)
        for s, length, dg in (m for m in motif if self._on_grid(b, m[0])):
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

    # ------------------------------------------------------------------ render


def generate(
    spec: GenSpec, cancel: threading.Event | None = None, out: np.ndarray | None = None
) -> tuple[np.ndarray, float]:
    """(int16 (n, 2) samples of exactly the region's duration, bar length in seconds);
    the samples are `out`, filled, if it is given."""
    return Composer(spec, cancel).render(out)
