"""Music theory for the offline engine: param -> musical quantity mappings, scales, chords.

Every mapping from a 1..10 param to a musical quantity lives here, in one place, so the
tests that check "tempo 1..10 -> 60..170 BPM" and the synthesis agree on one definition.
Params arrive as floats because keyframes are interpolated between integer levels.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence

import numpy as np

SR = 44100
STEPS_PER_BAR = 16  # 4/4 on a sixteenth grid

# Modes ordered dark -> bright; tone picks one (tags may override the whole scale).
MODES: dict[str, tuple[int, ...]] = {
    "phrygian": (0, 1, 3, 5, 7, 8, 10),
    "harmonic_minor": (0, 2, 3, 5, 7, 8, 11),
    "aeolian": (0, 2, 3, 5, 7, 8, 10),
    "dorian": (0, 2, 3, 5, 7, 9, 10),
    "mixolydian": (0, 2, 4, 5, 7, 9, 10),
    "ionian": (0, 2, 4, 5, 7, 9, 11),
    "lydian": (0, 2, 4, 6, 7, 9, 11),
}
_TONE_MODES = (
    "phrygian",
    "phrygian",
    "aeolian",
    "aeolian",
    "dorian",
    "dorian",
    "mixolydian",
    "ionian",
    "ionian",
    "lydian",
)

# Scale-degree progressions (0 = tonic) that work in both major and minor modes; a phrase
# is one progression, four chords long.
PROGRESSIONS: tuple[tuple[int, ...], ...] = (
    (0, 5, 3, 4),
    (0, 3, 4, 0),
    (0, 4, 5, 3),
    (5, 3, 0, 4),
    (0, 3, 5, 4),
    (0, 6, 5, 6),
    (0, 5, 1, 4),
    (3, 4, 0, 0),
    (0, 2, 3, 4),
    (0, 3, 0, 4),
)


def clamp_level(x: float) -> float:
    return float(min(10.0, max(1.0, x)))


# Internal levels: a slider's value plus its combined tag bonus, NOT clamped to 1..10, so
# every slider position gives different music whatever the tags. Past the slider's range
# each unit counts half (bonuses reach -3..+4: levels -0.5..12), and every mapping below
# is defined, monotonic and sane over that whole range.
LEVEL_MIN, LEVEL_MAX = -1.0, 12.5


def level(value: float, bonus: float = 0.0) -> float:
    """Slider value + combined bonus -> internal level (compressed, never clamped, beyond
    1..10; the final clip only guards against values no catalogue bonus can reach)."""
    e = float(value) + float(bonus)
    if e < 1.0:
        e = 1.0 + 0.5 * (e - 1.0)
    elif e > 10.0:
        e = 10.0 + 0.5 * (e - 10.0)
    return float(min(LEVEL_MAX, max(LEVEL_MIN, e)))


def _lv(x: float) -> float:
    return float(min(LEVEL_MAX, max(LEVEL_MIN, x)))


def bpm_for(tempo: float) -> float:
    """level 1..10 -> 60..170 BPM, geometric: every step is the same 12% faster (a half
    step past the ends: about 6%), so each is heard; about 50..215 BPM over all levels."""
    return 60.0 * (170.0 / 60.0) ** ((_lv(tempo) - 1.0) / 9.0)


def mode_for(tone: float) -> str:
    return _TONE_MODES[min(9, max(0, round(_lv(tone)) - 1))]


def tilt_db(tone: float) -> float:
    """High-shelf gain of the sampled instruments: 3 dB per tone level, 0 at 5.5."""
    return 3.0 * (_lv(tone) - 5.5)


# Intensity is mostly orchestration: the level at which each part joins the arrangement.
# Below its entry a part is silent; from it on it comes in softly and grows (presence).
# Together with a small master level change (intensity_gain_db) and velocity, intensity
# 1..10 spans about 12-16 dB of loudness (palettes differ), in even steps: a quiet passage
# is a sparser, softer arrangement, not the full band turned down to inaudible.
ENTRY: dict[str, float] = {
    "pad": 1.0,  # the harmonic bed (or the comping chords when a palette has no pad)
    "melody": 1.0,  # the lead's notes on beats 1 and 3, held: a tune even when quiet
    "bass": 2.0,
    "arp": 3.0,
    "kick": 3.0,
    "chords": 3.5,  # comping over the pad
    "hats": 4.0,
    "lead": 4.5,  # the rest of the motif fills in between the melody's notes
    "snare": 5.0,
    "cymbals": 7.0,  # open hat and section crashes
    "double": 9.0,  # the lead doubled an octave down
}


def intensity_gain_db(intensity: float) -> float:
    """Master level before normalisation: 1.3 dB a level up to -11 dB at 10, on top of
    parts joining and velocity, and 2.6 dB a level past the ends (where a slider step is
    half a level), so every intensity step is at least 1 dB louder. The top stays well
    under full scale so the limiter does not flatten the levels above 10."""
    x = _lv(intensity)
    if x < 1.0:
        return -22.7 - 2.6 * (1.0 - x)
    if x > 10.0:
        return -11.0 + 2.6 * (x - 10.0)
    return -11.0 - 1.3 * (10.0 - x)


def velocity_for(intensity: float) -> float:
    """How hard every part plays: 0.65 at 1 to 1.0 at 10 (about 4 dB)."""
    return 0.65 + 0.35 * (_lv(intensity) - 1.0) / 9.0


def presence(intensity: float, part: str) -> float:
    """A part's level factor: 0 below its entry, then 0.4 rising to 1 over 3 levels. A
    part that joins adds a few dB at first, so no single intensity step is a jump."""
    over = _lv(intensity) - ENTRY[part]
    if over < 0.0:
        return 0.0
    return 0.4 + 0.6 * min(1.0, over / 3.0)


# The 32 half bars of a 16-bar span, strongest boundary first (the ruler: bar 0, bar 8,
# bars 4 and 12, the even bars, every bar, then the half bars; spread out within each
# rank): where the music changes first as variance grows. A calmer setting's boundaries
# are a prefix of a busier one's, so each variance step adds changes to the same music
# instead of reshuffling it.
HALF_BAR_ORDER: tuple[int, ...] = tuple(
    sorted(range(32), key=lambda h: (-(h & -h or 64), int(f"{h:05b}"[::-1], 2)))
)


def chord_changes(variance: float) -> float:
    """Chord changes per 16 bars: 4 at level 1 (a chord for 4 bars), doubling every 3
    levels to 32 (two a bar) at 10; continuous, so every step moves the harmony more."""
    return float(min(32.0, max(2.0, 4.0 * 2.0 ** ((_lv(variance) - 1.0) / 3.0))))


def _span_order(span: int) -> tuple[int, ...]:
    """HALF_BAR_ORDER with each rank rotated by the span's number: the same kind of bar
    lines change first in every span, but not the same ones, so a long piece's 4-bar
    windows keep finding new chord patterns."""
    ranks: dict[int, list[int]] = {}
    for h in HALF_BAR_ORDER:
        ranks.setdefault(h & -h or 64, []).append(h)
    out: list[int] = []
    for group in ranks.values():
        k = span % len(group)
        out += group[k:] + group[:k]
    return tuple(out)


_SPAN_ORDERS = tuple(_span_order(s) for s in range(16))


def _first_in_order(half: int, per_span: float) -> bool:
    """Is this half bar among the first `per_span` of its span's order? A fractional count
    rounds up or down by a fixed phase per span (golden-ratio spaced), so the spans
    average it out and a span's count never falls as the count rises."""
    span, slot = divmod(half, 32)
    n = int(np.floor(per_span + (span * 0.6180339887) % 1.0))
    return _SPAN_ORDERS[span % 16].index(slot) < max(1, n)


def chord_change_at(half: int, variance: float) -> bool:
    """Does the harmony move at this half bar (counted from the region's start)?"""
    return _first_in_order(half, chord_changes(variance))


def section_starts_at(bar: int, variance: float) -> bool:
    """Does a section begin at this bar? A quarter as many as chord changes: 16-bar
    sections at level 1, 8 at 4, 4 at 7, 2 at 10; every section start moves the harmony."""
    return _first_in_order(2 * bar, chord_changes(variance) / 4.0)


def mutation_prob(variance: float) -> float:
    """Probability that a bar gets a fresh melody instead of repeating the motif."""
    return 0.9 * variation_depth(variance)


def variation_depth(variance: float) -> float:
    """0..1: how much bar-to-bar variation (dynamics, voicing, octave jumps) to add."""
    return (_lv(variance) - LEVEL_MIN) / (LEVEL_MAX - LEVEL_MIN)


# The drummer's grid, in the order a groove fills a bar: the beats, the offbeat eighths,
# the "e"/"a" sixteenths, then 32nd-note pickups into them (hat rolls at the busiest
# levels). A groove puts its own kick and snare steps first (groove_order).
GRID_ORDER: tuple[float, ...] = (
    0, 8, 4, 12, 2, 10, 6, 14, 3, 11, 7, 15, 1, 9, 5, 13,
    15.5, 7.5, 11.5, 3.5, 13.5, 5.5, 9.5, 1.5, 14.5, 6.5, 10.5, 2.5, 12.5, 4.5, 8.5, 0.5,
)  # fmt: skip
_GROOVE_CORE = {"four": (0, 4, 8, 12), "boombap": (0, 8, 4, 12, 10, 7), "halftime": (0, 8)}
# onsets a bar holds at rhythm level 9 (every sixteenth) and the growth per level: from
# 4 (the beats) at level 0 to 24 at 11.5 (the sixteenths and 8 pickups), the ends of
# every tag combination's range, so the busiest setting is a groove, not a hat roll
_GRID_AT_9, _GRID_GROWTH = 16.0, 1.17


def groove_order(groove: str) -> tuple[float, ...]:
    core = _GROOVE_CORE.get(groove, (0, 8, 4, 12))
    return (*core, *(s for s in GRID_ORDER if s not in core))


def onsets_per_bar(rhythm: float) -> float:
    """How many distinct onsets a bar holds: 17% more per level, so every slider step
    (half a level past the ends: 8%) is a busier groove; 4-5 at level 1 (quarter notes
    and a little more), every sixteenth at 9, 32nd-note pickups above it."""
    return float(min(32.0, _GRID_AT_9 * _GRID_GROWTH ** (_lv(rhythm) - 9.0)))


def grid_steps(rhythm: float, bar: int = 0, groove: str = "backbeat") -> list[float]:
    """The bar's onset grid: the first onsets_per_bar(rhythm) steps of the groove's order.

    Every part plays on it (drums fill it, the band picks from it), so the bar's onsets
    are exactly these steps: the count is continuous in rhythm, a fractional count being
    spread over the bars (Bresenham), and nothing a part adds at a busier level can land
    between them. Steps are sixteenths, .5 a 32nd."""
    x = onsets_per_bar(rhythm)
    n = int(np.floor(x * (bar + 1)) - np.floor(x * bar))
    return sorted(groove_order(groove)[: max(1, n)])


def swing_for(swing: float, rhythm: float) -> float:
    """The palette's swing, straightening as the groove fills every sixteenth (levels 7.5
    to 9, where every sixteenth is played): busy swung sixteenths blur into a shuffle with
    no steady pulse, and the 32nd pickups above need a straight grid to sit between."""
    return swing * float(min(1.0, max(0.0, (9.0 - _lv(rhythm)) / 1.5)))


def arp_step(rhythm: float) -> int:
    """Sixteenths between arpeggio notes: quarter notes when calm, sixteenths when busy."""
    r = _lv(rhythm)
    if r < 2.5:
        return 8
    if r < 4.5:
        return 4
    if r < 7.5:
        return 2
    return 1


def midi_hz(m: float | np.ndarray) -> float | np.ndarray:
    return 440.0 * 2.0 ** ((np.asarray(m, dtype=np.float64) - 69.0) / 12.0)


def degree_pitch(scale: Sequence[int], degree: int, root_midi: int) -> int:
    """MIDI pitch of a (possibly negative or >7) scale degree above root_midi."""
    octave, idx = divmod(degree, len(scale))
    return root_midi + 12 * octave + scale[idx]


def chord_pitches(scale: Sequence[int], degree: int, root_midi: int, size: int = 3) -> list[int]:
    """Stacked thirds on `degree` within the scale (triad, or a seventh chord with size=4)."""
    return [degree_pitch(scale, degree + 2 * i, root_midi) for i in range(size)]


def voice_near(pitches: Sequence[int], center: int) -> list[int]:
    """Move each chord tone by octaves to sit within a fifth of `center`: smooth voice leading."""
    out = []
    for p in pitches:
        while p < center - 7:
            p += 12
        while p > center + 6:
            p -= 12
        out.append(p)
    return sorted(out)


def lead_voices(pitches: Sequence[int], prev: Sequence[int] | None, center: int) -> list[int]:
    """Voice leading: of the chord's voicings within a ninth of `center`, the one whose
    voices move least from the previous chord's (ties: nearer the centre), so common
    tones stay and the others step; without a previous chord, voice_near."""
    base = voice_near(pitches, center)
    if not prev or len(prev) != len(base):
        return base
    best, best_cost = base, float("inf")
    for shifts in itertools.product((-12, 0, 12), repeat=len(base)):
        cand = sorted(p + s for p, s in zip(base, shifts, strict=True))
        if cand[0] < center - 9 or cand[-1] > center + 9 or len(set(cand)) < len(cand):
            continue
        cost: float = sum(abs(a - b) for a, b in zip(cand, sorted(prev), strict=True))
        cost += 0.25 * abs(sum(cand) / len(cand) - center)
        if cost < best_cost:
            best, best_cost = cand, cost
    return best


Curve = Callable[[float], float]


def make_curve(value: float | int | Sequence[Sequence[float]], bonus: float = 0.0) -> Curve:
    """A param as a function of position 0..1 in the region: constant or keyframes.

    Keyframes `[[percent, value], ...]` are linearly interpolated and held flat before the
    first and after the last, which is what a user drawing an automation line expects.
    """
    if isinstance(value, int | float):
        v = level(float(value), bonus)
        return lambda _pos: v
    pts = sorted((float(p), float(v)) for p, v in value)
    xs = np.array([p / 100.0 for p, _ in pts])
    ys = np.array([v for _, v in pts])

    def curve(pos: float) -> float:
        return level(float(np.interp(pos, xs, ys)), bonus)

    return curve
