"""The drummer: the palette's groove, thinned or filled by rhythm, layered by intensity,
with ghost notes and accents; played by the GM kit (sampled) or synthesized one-shots."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING

import numpy as np

from muzaic_studio.engine import dsp as signal
from muzaic_studio.engine import instruments as ins
from muzaic_studio.engine import sampled
from muzaic_studio.engine import theory as th
from muzaic_studio.engine.form import Bar
from muzaic_studio.engine.form import rng as _rng
from muzaic_studio.engine.theory import SR, STEPS_PER_BAR

if TYPE_CHECKING:
    from muzaic_studio.engine.form import GenSpec
    from muzaic_studio.engine.tags import Palette


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


class Drummer:
    """The composer's drum half (a mixin: it plays through the composer's `_hit`)."""

    spec: GenSpec
    step_s: float
    bar_s: float
    pal: Palette
    band: sampled.Band | None

    if TYPE_CHECKING:  # provided by the composer (and the planner) this mixes into

        def _t(self, bar: int, step: float) -> int: ...
        def _hit(
            self, shots: dict, name: str, start: int, vel: float, layer: str = "drums"
        ) -> None: ...
        def _section_flags(self, b: Bar) -> dict[str, bool]: ...

    def _shots(self, tone: float) -> dict:
        if self.pal.kit == "none":
            return {}
        if self.band is not None and "drums" in self.band.layers:
            return sampled.DRUM_KEYS
        kit = "acoustic" if self.pal.kit == "pulse" else self.pal.kit
        shots = _kit_for_tone(kit, self.spec.seed, round(th.clamp_level(tone) * 2) / 2)
        return {**shots, "shaker": shots["hat"]}  # synth kit only

    def _grid(self, b: Bar) -> list[float]:
        """The bar's onset grid (theory.grid_steps): the drums fill it, the band picks from it."""
        return th.grid_steps(b.rhythm, b.index, self.pal.groove)

    def _on_grid(self, b: Bar, step: float) -> bool:
        return b.ending or step in self._grid(b)

    def _end_step(self, b: Bar) -> float | None:
        """The step in bar `b` where the region ends, if it ends in or at the end of `b`."""
        if (b.index + 1) * self.bar_s < self.spec.duration - 1e-6:
            return None
        return min(16.0, self.spec.duration / self.step_s - b.index * STEPS_PER_BAR)

    def _push_into_boundary(
        self, b: Bar, st: float, ln: float, hits: list[tuple[float, float]]
    ) -> list[tuple[float, float]]:
        """Comping hits (start, length in steps from `st`) with the chord struck again on
        the last grid step of the beat before the region's boundary: left ringing from the
        bar's start, it had died away before the next region's downbeat (a dip at the
        join). Only where the region ends in this bar and the band plays on a grid."""
        end = self._end_step(b)
        if end is None or b.ending or b.rhythm < 3.0:
            return hits
        push = [p - st for p in self._grid(b) if st < p < min(end, st + ln) and p >= end - 3]
        if push and not any(push[-1] - 2.0 < s <= push[-1] for s, _ in hits):
            return [*hits, (push[-1], end - st - push[-1])]
        return hits

    def _fill_steps(self, b: Bar, grid: list[float]) -> list[tuple[float, float]]:
        """Where a snare fill leads into what follows: the grid's last three sixteenths
        before the section's end (variance >= 5), and always before the region's boundary,
        which may fall mid-bar: there the bar's own decay, with nothing until the next
        region's downbeat, sagged the level by over 3 dB at a generate->generate join.
        (step, velocity factor): a crescendo, 0.5 three sixteenths before the end."""
        if b.rhythm < 4.0:
            return []
        end = self._end_step(b)
        if end is None and not (b.last_in_section and b.variance >= 5.0):
            return []
        end = 16.0 if end is None else end
        return [(s, 0.5 + 0.15 * (s - end + 3.0)) for s in grid if 0 < s < end and s >= end - 3.0]

    @staticmethod
    def _lean(s: float) -> float:
        """Accents of a time-keeper: the offbeat eighths lean, the beats sit, sixteenths
        whisper; a 32nd pickup drags into the step after it, played out (at a whisper it
        was lost in the sixteenth's own decay: a busier setting that sounds the same)."""
        if s % 1:
            return 0.8
        return 0.9 if s % 4 == 2 else (0.75 if s % 4 == 0 else 0.6)

    def _pulse(self, b: Bar, shots: dict) -> None:
        """Ambient's only percussion: a soft shaker on the bar's grid (quarter notes and a
        few eighths when calm, every sixteenth at rhythm 9), so tempo and rhythm are heard
        even in music without drums."""
        vel = 0.9 * th.velocity_for(b.intensity)
        for s in self._grid(b):
            self._hit(shots, "pedal", self._t(b.index, s), vel * (1.0 if s % 4 == 0 else 0.7))

    def _drums(self, b: Bar) -> None:
        shots = self._shots(b.tone)
        if not shots:
            return
        if self.pal.kit == "pulse":
            if not b.ending:
                self._pulse(b, shots)
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
        flags = self._section_flags(b)
        if flags["kick_alt"]:
            kicks = [*kicks, 6]
        grid = self._grid(b)  # every hit sits on it: rhythm alone sets how many onsets
        kicks = [s for s in kicks if s in grid]
        if not flags["drums"]:  # the intro: the band comes in later
            kick = snare = cymbal = 0.0
        if not flags["hats"]:
            hat = 0.0
        if kick:
            for s in sorted(set(kicks)):
                self._hit(shots, "kick", t(s), kick * (1.0 if s % 4 == 0 else 0.8))
        if snare:
            for s in snares:
                self._hit(shots, "snare", t(s), snare)
            if r >= 7.0:
                for s in (7, 15):
                    if s in grid:
                        self._hit(shots, "snare", t(s), 0.3 * snare)
            grng = _rng(self.spec.seed, 11, b.index)
            if r >= 4.0 and groove != "four":  # ghost notes between the backbeats
                for s in (2, 6, 10, 14):
                    if grng.random() < 0.12 * (r - 3.0) and s + 1 in grid:
                        self._hit(shots, "ghost", t(s + 1), 0.18 * snare)
            for f, up in self._fill_steps(b, grid):  # into the next section, or region
                self._hit(shots, "snare", t(f), up * snare)
        if hat:
            name = "ride" if groove == "shuffle" and isinstance(shots.get("ride"), int) else "hat"
            for step in grid:
                self._hit(shots, name, t(step), hat * self._lean(step), "hats")
            if cymbal and groove in ("four", "backbeat") and 14 in grid:
                self._hit(shots, "openhat", t(14), 0.6 * cymbal, "hats")
        if cymbal and b.first_in_section:
            self._hit(shots, "crash", t(0), 0.8 * cymbal, "hats")
