"""The form of a region: bars, their sections and roles, and the harmony of each bar.

A region of enough bars gets an intro (the band comes in), A and B sections (with
variance, more and shorter sections, more of them fresh C sections with their own
harmony) and an outro that lands on the tonic; each section plays a phrase of two
progressions (8 chords, 4-32 bars by the harmonic rhythm). Section starts and chord
changes sit on the strongest bar lines first, so a higher variance adds changes to the
music a lower one makes. Every choice is drawn from generators seeded by (theme, purpose,
index): the same tags give the same form, and one slider does not reshuffle another's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from muzaic_studio.engine import theory as th

if TYPE_CHECKING:
    from muzaic_studio.engine.tags import Palette


_PARTS = ("pad", "bass", "chords", "arp", "lead")


def rng(seed: int, *parts: int) -> np.random.Generator:
    return np.random.default_rng([seed & 0xFFFFFFFF, seed >> 32, *parts])


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
class Bar:
    index: int
    intensity: float
    tone: float
    rhythm: float
    variance: float
    section: int
    first_in_section: bool
    last_in_section: bool
    ending: bool = False
    role: str = "A"  # intro | A | B | C (a fresh section) | outro
    in_section: int = 0  # bars since the section began
    chords: list[tuple[int, float, float]] = field(
        default_factory=list
    )  # degree, start, len (steps)


class Planner:
    """The composer's planning half (a mixin: it reads `spec` and `bar_s`)."""

    spec: GenSpec
    bar_s: float

    def _bars(self) -> list[Bar]:
        spec = self.spec
        n_bars = max(1, math.ceil(spec.duration / self.bar_s - 1e-9))
        ending_bar = None
        if spec.method == "smart" and spec.duration >= self.bar_s:
            n_bars = max(1, math.floor(spec.duration / self.bar_s + 1e-9))
            ending_bar = n_bars - 1 if n_bars >= 2 else None
        bars: list[Bar] = []
        section = 0  # a section is named by its first bar: a split keeps the first part's
        for n in range(n_bars):
            pos = min(1.0, (n + 0.5) * self.bar_s / spec.duration)
            c = {k: spec.curves[k](pos) for k in ("intensity", "tone", "rhythm", "variance")}
            first = n == 0 or th.section_starts_at(n, c["variance"])
            if first:
                section = n
                if bars:
                    bars[-1].last_in_section = True
            last = n == n_bars - 1
            bars.append(
                Bar(n, c["intensity"], c["tone"], c["rhythm"], c["variance"], section, first, last)
            )
        if ending_bar is not None:
            bars[ending_bar].ending = True
            bars[ending_bar].chords = [(0, 0.0, 16.0)]
        self._form(bars)

        # harmony: each section plays its phrase (two progressions: 8 chords) from its
        # start; the next chord comes at each change point of the variance's harmonic
        # rhythm (theory.chord_change_at: the same points and more at a higher variance)
        # a change point always brings another chord: a progression's repeated degree (the
        # two tonics of 3-4-0-0) is skipped, or a higher variance could move less
        def step(prog: tuple[int, ...], i: int) -> int:
            j = i + 1
            while prog[j % len(prog)] == prog[i % len(prog)] and j < i + len(prog):
                j += 1
            return j

        i = 0
        for b in bars:
            if b.ending:
                continue
            prog = self._phrase(b)
            if b.first_in_section:
                i = 0
            elif th.chord_change_at(2 * b.index, b.variance):
                i = step(prog, i)
            if b.role == "outro" and b.last_in_section and not b.ending:
                b.chords = [(0, 0.0, 16.0)]  # home: the tonic
            elif th.chord_change_at(2 * b.index + 1, b.variance):
                j = step(prog, i)
                b.chords = [(prog[i % len(prog)], 0.0, 8.0), (prog[j % len(prog)], 8.0, 8.0)]
                i = j
            else:
                b.chords = [(prog[i % len(prog)], 0.0, 16.0)]
        return bars

    def _form(self, bars: list[Bar]) -> None:
        """Sections get roles: an intro (2-4 bars) and an outro (the last 2) when the region
        is long enough, and between them A and B sections; with variance, more B and
        fresh (C) sections, so a long region keeps finding new harmony."""
        first: dict[int, int] = {}
        for b in bars:
            first.setdefault(b.section, b.index)
            b.in_section = b.index - first[b.section]
        for b in bars:
            v = th.variation_depth(b.variance)
            u = rng(self.spec.seed, 10, b.section).random()
            if b.section == 0:
                b.role = "A"
            elif v < 0.25:
                b.role = "A"  # static music: one section's harmony throughout
            else:  # contrast (B), fresh harmony (C, more with variance) or a return (A)
                b.role = "B" if u < 0.35 else ("C" if u < 0.35 + v else "A")
        playing = [b for b in bars if not b.ending]
        if len(playing) >= 8:
            intro = 2 if len(playing) < 24 else 4
            for b in playing[:intro]:
                b.role = "intro"
        if len(playing) >= 12 and self.spec.method == "strict":
            for b in playing[-2:]:
                b.role = "outro"
                b.last_in_section = b is playing[-1]

    def _phrase(self, b: Bar) -> tuple[int, ...]:
        n = len(th.PROGRESSIONS)
        key = {"intro": 0, "A": 0, "outro": 0, "B": 1}.get(b.role, 2 + b.section)
        g = rng(self.spec.seed, 2, key)
        first, second = int(g.integers(0, n)), int(g.integers(0, n))
        return th.PROGRESSIONS[first] + th.PROGRESSIONS[second]

    def _bar_dynamics(self, b: Bar, part: str | None = None) -> float:
        """Per-bar level change, the hypermeter: strong (even) bars lean up and weak ones
        back by 3-6 dB times the variation depth (+-0.2-0.4 dB at the lowest variance,
        +-2.4-4.9 at 10), so bar-to-bar contrast grows with every variance step; times a
        `part`'s own balance in the bar (_balance), if given."""
        depth = th.variation_depth(b.variance)
        own = self._balance(b, part) if part else 1.0
        if (b.index + 1) * self.bar_s >= self.spec.duration - 1e-6:
            return own  # the region's last bar leads into what follows: no leaning back
        lean = rng(self.spec.seed, 6, b.index).uniform(3.0, 6.0) * (1 if b.index % 2 == 0 else -1)
        return own * float(10 ** (depth * lean / 20.0))

    def _balance(self, b: Bar, part: str) -> float:
        """How far a part leans in or back in this bar, as players do: up to +-4 dB times
        the variation depth, drawn once per bar and part, so a higher variance moves the
        same parts further (a continuous change at every step, where new chords and
        melodies come in whole bars)."""
        u = rng(self.spec.seed, 13, b.index, _PARTS.index(part)).uniform(-1.0, 1.0)
        return float(10 ** (4.0 * th.variation_depth(b.variance) * u / 20.0))

    def _section_flags(self, b: Bar) -> dict[str, bool]:
        """Arrangement changes per section: the arpeggio rests in a contrasting (B) section,
        the lead climbs in B and C ones and the kick varies, more often with variance."""
        v = (b.variance - 1.0) / 9.0
        u = rng(self.spec.seed, 3, b.section).random(4)
        intro, outro = b.role == "intro", b.role == "outro"
        return {
            "arp": not outro and b.role != "B",  # a contrast: the arpeggio rests
            "lead": not intro,  # (a lead resting for a section made more variance less change)
            "lead_up": b.role in ("B", "C") and u[2] < 0.4 + 0.4 * v,
            "kick_alt": b.section > 0 and u[3] < 0.6 * v,
            "drums": not intro or b.in_section >= 2 or b.index % 2 == 1,  # the band enters
            "hats": not outro,
        }
