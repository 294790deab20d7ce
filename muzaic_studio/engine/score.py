"""The score the composer plays: every note as heard (humanised start, accented velocity),
per region, and how a copy region's score follows its source like its audio does.

Times are samples at the engine's rate from the region's start, so a score and the
region's audio line up exactly; midi.py turns them into ticks with each region's tempo.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from muzaic_studio.engine import sampled
from muzaic_studio.engine.theory import SR

# The MIDI tracks, one per voice of the composer (drums and hats share the GM drum
# channel, so they are one track), in the order a DAW shows them.
TRACKS = ("drums", "bass", "pad", "chords", "arp", "lead")
TRACK_NAMES = {"drums": "Drums", "bass": "Bass", "pad": "Pad", "chords": "Chords",
               "arp": "Arpeggio", "lead": "Melody"}  # fmt: skip
# GM programs for the voices the engine keeps synthesized (no GM preset plays them)
_SYNTH_PROGRAMS = {"lead": 81, "pluck": 45, "sub": 38}  # saw lead, pizzicato, synth bass


@dataclass(frozen=True)
class Note:
    track: str  # one of TRACKS
    key: int  # MIDI note number (a GM drum key on the drums track)
    start: int  # samples from the region's start
    length: int  # samples
    velocity: int  # 1..127


@dataclass
class Score:
    """One region's notes, its tempo and the GM program of each track."""

    bpm: float
    programs: dict[str, int] = field(default_factory=dict)
    notes: list[Note] = field(default_factory=list)

    def add(self, layer: str, pitch: int | tuple[int, ...], start: int, length: int, amp: float):
        track = "drums" if layer == "hats" else layer
        velocity = sampled.midi_velocity(amp)
        for key in pitch if isinstance(pitch, tuple) else (pitch,):
            key = min(127, max(0, int(key)))
            self.notes.append(Note(track, key, int(start), max(64, int(length)), velocity))


def programs_for(palette: object) -> dict[str, int]:
    """GM program per track for a palette: the sampled instrument where there is one, a
    close GM relative for the synthesized voices; drums: the GM kit (bank 128 preset)."""
    name = str(getattr(palette, "name", "default"))
    out: dict[str, int] = {}
    for track in ("bass", "pad", "chords", "arp", "lead"):
        voice = getattr(palette, track, None)
        if voice is None:
            continue
        prog = sampled.program_for(name, voice)
        out[track] = prog if prog is not None else _SYNTH_PROGRAMS.get(voice, 0)
    kit = sampled.kit_for(name, str(getattr(palette, "kit", "none")))
    if kit is not None:
        out["drums"] = kit
    return out


def loop_period(m: int, bar_s: float, loop_s: float | None) -> tuple[int, int]:
    """(where a looped copy restarts its source, crossfade length), in samples: as
    fitting.fit loops the audio, so a copy's notes fall where its audio plays them."""
    bar_n = max(1, round(bar_s * SR))
    xf = min(int(0.06 * SR), max(1, m // 4))
    loop = round(loop_s * SR) if loop_s else (max(0, m - xf) // bar_n) * bar_n
    loop = min(loop, m - xf)
    if loop < bar_n:
        loop = max(1, m - xf)
    return loop, xf


def fit_score(
    src: Score,
    m: int,
    n: int,
    bar_s: float,
    loop_s: float | None = None,
    continuation: bool = False,
) -> Score:
    """The score of a copy of n samples of a source of m samples: the same notes, cut
    at the copy's end, or the source looped from its loop point like fitting.fit loops the
    audio (a repetition's notes end where the next one has crossfaded in)."""
    out = Score(src.bpm, dict(src.programs))
    if n == m and not continuation:
        out.notes = list(src.notes)
        return out
    offset = m if continuation else 0
    total = offset + n
    if n < m and not continuation:
        reps = [(0, m, total)]
    else:
        loop, xf = loop_period(m, bar_s, loop_s)
        # (where, notes starting before, heard until): the next repetition takes over
        reps = [(pos, loop, min(pos + loop + xf, total)) for pos in range(0, total, loop)]
        reps[-1] = (reps[-1][0], m, total)
    for pos, before, until in reps:
        for note in src.notes:
            start, end = pos + note.start, min(pos + note.start + note.length, until)
            if note.start >= before or start >= until or end <= offset:
                continue
            start = max(start, offset)
            out.notes.append(Note(note.track, note.key, start - offset, end - start, note.velocity))
    return out
