"""Export MIDI: the offline engine's score of a whole soundtrack as a Standard MIDI File.

Type 1, written with mido: a conductor track (4/4 and a tempo change at each region whose
tempo differs: the engine's BPM, so a DAW's bar lines follow the music), then one track per
voice (drums, bass, pad, chords, arpeggio, melody) on the engine's own channels (drums on
channel 10), with a GM program change wherever a region brings another instrument. Notes
are where the engine plays them (humanised, in ticks of the tempo map) and end at their
region's end, as its audio does; silence regions hold nothing. A DAW's GM synth then plays
the soundtrack much like the engine's sampled mix.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from pathlib import Path

from muzaic_studio.atomic import atomic_writer
from muzaic_studio.engine.sampled import CHANNELS
from muzaic_studio.engine.score import TRACK_NAMES, TRACKS, Note, Score
from muzaic_studio.engine.theory import SR

TICKS_PER_BEAT = 480
Placed = tuple[int, int, Score]  # (start sample, length in samples, score)


@dataclass(frozen=True)
class MidiSummary:
    tracks: int  # voice tracks (the conductor track not counted)
    notes: int
    duration: float  # seconds


class TempoMap:
    """Samples -> ticks over piecewise constant tempos (tempo in whole microseconds per
    beat, as the file stores it, so a reader's clock and ours agree)."""

    def __init__(self, changes: list[tuple[int, int]]) -> None:
        self.changes = changes  # (sample, microseconds per beat), the first at 0
        self._ticks = [0.0]
        for (s0, us), (s1, _) in itertools.pairwise(changes):
            self._ticks.append(self._ticks[-1] + self._span(s1 - s0, us))

    @staticmethod
    def _span(samples: int, us: int) -> float:
        return samples / SR * 1e6 / us * TICKS_PER_BEAT

    def tick(self, sample: int, region: int | None = None) -> int:
        """The tick of *sample*; inside a region (its start sample: one tempo throughout),
        counted from the region's start tick, so a copy's notes get its source's ticks."""
        if region is not None:
            i = self._segment(region)
            return self.tick(region) + round(self._span(sample - region, self.changes[i][1]))
        i = self._segment(sample)
        s0, us = self.changes[i]
        return round(self._ticks[i] + self._span(sample - s0, us))

    def _segment(self, sample: int) -> int:
        return max(k for k, (s, _) in enumerate(self.changes) if s <= sample or k == 0)


def tempo_changes(timeline: list[Placed]) -> list[tuple[int, int]]:
    import mido

    changes: list[tuple[int, int]] = []
    for start, _, score in sorted(timeline, key=lambda p: p[0]):
        us = mido.bpm2tempo(score.bpm or 120.0)
        if not changes:
            changes.append((0, us))
        elif changes[-1][1] != us:
            changes.append((start, us))
    return changes or [(0, mido.bpm2tempo(120.0))]


def _track_notes(timeline: list[Placed], track: str) -> list[tuple[int, int, Note, int]]:
    """(start, end) in soundtrack samples of the track's notes, each cut at its region's
    end; a note struck again while it sounds ends there (a held pad tone is tied over,
    as the sampled pad plays it), so no two notes of one key overlap."""
    notes = sorted(
        ((start + n.start, min(start + n.start + n.length, start + length), n, start)
         for start, length, score in timeline for n in score.notes
         if n.track == track and n.start < length),
        key=lambda x: (x[0], x[2].key),
    )  # fmt: skip
    out: list[tuple[int, int, Note, int]] = []
    sounding: dict[int, int] = {}  # key -> index in out
    for a, b, note, region in notes:
        i = sounding.get(note.key)
        if i is not None and out[i][1] > a:
            pa, pb, prev, _ = out[i]
            if track == "pad":
                out[i] = (pa, max(pb, b), prev, region)
                continue
            out[i] = (pa, a, prev, region)
        sounding[note.key] = len(out)
        out.append((a, b, note, region))
    return [x for x in out if x[1] > x[0]]


def write_midi(path: str | Path, timeline: list[Placed], total_n: int, title: str) -> MidiSummary:
    """Write the soundtrack's score to *path* atomically."""
    import mido

    changes = tempo_changes(timeline)
    tempo = TempoMap(changes)
    end = tempo.tick(total_n)
    conductor: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [
        (0, 0, mido.MetaMessage("track_name", name=title)),
        (0, 0, mido.MetaMessage("time_signature", numerator=4, denominator=4)),
    ]
    conductor += [(tempo.tick(s), 0, mido.MetaMessage("set_tempo", tempo=us)) for s, us in changes]
    tracks = [conductor]
    count = 0
    for track in TRACKS:
        notes = _track_notes(timeline, track)
        if not notes:
            continue
        ch = CHANNELS[track]
        events: list[tuple[int, int, mido.Message | mido.MetaMessage]] = [
            (0, 0, mido.MetaMessage("track_name", name=TRACK_NAMES[track]))
        ]
        program = None
        for start, _, score in sorted(timeline, key=lambda p: p[0]):
            prog = score.programs.get(track)
            if prog is not None and prog != program:
                events.append((tempo.tick(start), 1, mido.Message("program_change", channel=ch, program=prog)))  # fmt: skip
                program = prog
        for a, b, note, region in notes:
            t0, t1 = tempo.tick(a, region), tempo.tick(b, region)
            if t1 <= t0:  # shorter than a tick (cut by the next strike): not a note
                continue
            count += 1
            events.append((t0, 2, mido.Message("note_on", channel=ch, note=note.key, velocity=note.velocity)))  # fmt: skip
            events.append((t1, 0, mido.Message("note_off", channel=ch, note=note.key, velocity=0)))  # fmt: skip
        tracks.append(events)
    mid = mido.MidiFile(type=1, ticks_per_beat=TICKS_PER_BEAT)
    for events in tracks:
        mt = mido.MidiTrack()
        now = 0
        for tick, _, msg in sorted(events, key=lambda e: (e[0], e[1])):
            mt.append(msg.copy(time=tick - now))
            now = tick
        mt.append(mido.MetaMessage("end_of_track", time=max(0, end - now)))
        mid.tracks.append(mt)
    with atomic_writer(path) as f:
        mid.save(file=f)
    return MidiSummary(len(tracks) - 1, count, total_n / SR)
