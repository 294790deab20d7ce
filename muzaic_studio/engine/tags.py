"""The offline engine's tag catalogue, in the shape of the real GET /getTags.

A tag does two things, like on the real service: its *_bonus fields shift the region's
params (a "calm" tag lowers intensity), and it picks how the music is made: a genre tag
chooses the palette (instruments, drum kit, groove), a mood tag the scale, an instrument
tag the lead/chord voice, an energy tag mostly bonuses. So two tags differ audibly, not
only by a number.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, replace
from typing import Any

from muzaic_studio.model.tag_bonus import combine_bonuses

CATEGORIES = [
    {"id": 1, "name": "Genre"},
    {"id": 2, "name": "Mood"},
    {"id": 3, "name": "Instrument"},
    {"id": 4, "name": "Energy"},
]


@dataclass(frozen=True)
class Palette:
    """How a region is orchestrated. Instrument names are voices in instruments.py."""

    name: str = "default"
    pad: str | None = "pad"  # pad | strings | organ | None
    chords: str | None = "epiano"  # epiano | piano | guitar | pluck | None
    lead: str = "bell"  # bell | lead | piano | flute | guitar | marimba | brass
    arp: str | None = "pluck"  # pluck | bell | marimba | guitar | None
    bass: str = "synth"  # sub | synth | upright | picked
    kit: str = "acoustic"  # electronic | acoustic | brush | cinematic | pulse | none
    groove: str = "backbeat"  # four | backbeat | halftime | boombap | shuffle
    swing: float = 0.0  # fraction of a sixteenth that off-steps are delayed
    reverb: float = 0.25  # send level
    sevenths: bool = False
    drive: float = 0.0  # saturation on the chord layer (rock)
    drum_gain: float = 1.0
    scale: str | None = None  # forces a mode regardless of tone
    human: float = 0.010  # timing spread of the players, seconds (sd)
    layback: float = 0.0  # bass and snare this much behind the beat, seconds


PALETTES: dict[str, Palette] = {
    "default": Palette(),
    "electronic": Palette(
        "electronic",
        "pad",
        "pluck",
        "lead",
        "pluck",
        "sub",
        "electronic",
        "four",
        reverb=0.3,
        human=0.005,
    ),
    "cinematic": Palette(
        "cinematic",
        "strings",
        "piano",
        "brass",
        "pluck",
        "synth",
        "cinematic",
        "halftime",
        reverb=0.45,
    ),
    "ambient": Palette(
        "ambient",
        "pad",
        None,
        "bell",
        "bell",
        "sub",
        "pulse",
        "halftime",
        reverb=0.6,
        drum_gain=0.4,
    ),
    "rock": Palette(
        "rock",
        "organ",
        "guitar",
        "lead",
        None,
        "picked",
        "acoustic",
        "backbeat",
        reverb=0.15,
        drive=0.6,
        drum_gain=1.2,
    ),
    "jazz": Palette(
        "jazz",
        None,
        "epiano",
        "flute",
        None,
        "upright",
        "brush",
        "shuffle",
        swing=0.33,
        reverb=0.25,
        sevenths=True,
    ),
    "hiphop": Palette(
        "hiphop",
        "pad",
        "epiano",
        "bell",
        None,
        "sub",
        "electronic",
        "boombap",
        swing=0.2,
        reverb=0.2,
        sevenths=True,
        drum_gain=1.2,
        layback=0.012,
    ),
    "lofi": Palette(
        "lofi",
        None,  # the Rhodes is the bed (a GM pad's shimmer would blur the beat)
        "epiano",
        "marimba",
        None,
        "synth",
        "acoustic",  # a dusty kit: brushes smear the backbeat (each stroke is two)
        "boombap",
        swing=0.25,
        reverb=0.3,
        sevenths=True,
        layback=0.01,
    ),
    "folk": Palette(
        "folk", None, "guitar", "flute", "guitar", "picked", "acoustic", "shuffle", reverb=0.25
    ),
    "pop": Palette("pop", "pad", "piano", "lead", "pluck", "synth", "acoustic", "four"),
}

# id, name, category, (int, tem, rhy, ton, var) bonuses, effect
_TAGS: list[tuple[int, str, int, tuple[int, int, int, int, int], dict[str, Any]]] = [
    # the cloud's ids where known (1 = acoustic, 2 = electronic); the rest are the offline
    # engine's own and never reuse a cloud id for another meaning (0.1 numbered them from
    # 1 = Electronic; model code migrates old project files)
    # instrument tags lead with their instrument and bring its ensemble (voices in
    # instruments.STAND_INS / sampled._PROGRAMS): a plain pad under everything made them
    # sound alike
    (
        1,
        "Acoustic",
        3,
        (0, 0, -1, 1, 0),
        {"pad": None, "chords": "steel", "arp": None, "lead": "flute", "bass": "upright"},
    ),
    # genre: palette
    (2, "Electronic", 1, (1, 1, 1, 0, 0), {"palette": "electronic"}),
    (3, "Cinematic", 1, (1, 0, -1, 0, 1), {"palette": "cinematic"}),
    (4, "Ambient", 1, (-3, -2, -2, 0, -1), {"palette": "ambient"}),
    (5, "Rock", 1, (3, 1, 1, 0, 0), {"palette": "rock"}),
    (6, "Jazz", 1, (0, 0, 1, 1, 2), {"palette": "jazz"}),
    (7, "Hip Hop", 1, (1, -1, 1, -1, 0), {"palette": "hiphop"}),
    (8, "Lo-fi", 1, (-1, -2, 0, -1, -1), {"palette": "lofi"}),
    (9, "Folk", 1, (-1, 0, 0, 1, 0), {"palette": "folk"}),
    (10, "Pop", 1, (1, 1, 0, 2, 0), {"palette": "pop"}),
    # mood: scale and colour
    (11, "Happy", 2, (1, 1, 0, 3, 0), {"scale": "ionian"}),
    (12, "Sad", 2, (-2, -2, -1, -3, 0), {"scale": "aeolian"}),
    (13, "Tense", 2, (2, 1, 1, -3, 1), {"scale": "phrygian"}),
    (14, "Calm", 2, (-3, -2, -2, 0, -2), {}),
    (15, "Epic", 2, (3, 0, 0, 0, 1), {"palette_if_none": "cinematic"}),
    (16, "Mysterious", 2, (-1, -1, 0, -2, 1), {"scale": "harmonic_minor"}),
    (17, "Romantic", 2, (-1, -1, -1, 1, 0), {"scale": "ionian", "sevenths": True}),
    (18, "Dreamy", 2, (-2, -1, -1, 2, 0), {"scale": "lydian", "reverb": 0.55}),
    # instrument: voices
    (
        19,
        "Piano",
        3,
        (0, 0, 0, 0, 0),
        {"lead": "piano", "chords": "piano", "pad": None, "arp": None, "bass": "piano"},
    ),
    (
        20,
        "Strings",
        3,
        (0, 0, -1, 0, 0),
        {"pad": "strings", "lead": "violin", "arp": "pizz", "chords": "section", "bass": "pizz"},
    ),
    (
        21,
        "Synth",
        3,
        (0, 0, 1, 1, 0),
        {"lead": "lead", "pad": "synthpad", "arp": "pluck", "chords": None, "bass": "sub"},
    ),
    (
        22,
        "Guitar",
        3,
        (0, 0, 0, 0, 0),
        # the tune on the clean electric too: an overdriven lead sustained like the
        # Strings tag's violin (mean-MFCC 21 apart, under 2x one render's own spread)
        {"chords": "eguitar", "arp": None, "lead": "eguitar", "pad": None, "bass": "picked"},
    ),
    (23, "Bells", 3, (0, 0, 0, 2, 0), {"lead": "glock", "arp": "musicbox", "chords": "bell"}),
    (
        24,
        "Marimba",
        3,
        (0, 0, 1, 1, 0),
        {"lead": "marimba", "arp": None, "chords": None, "pad": None},
    ),
    (
        25,
        "Brass",
        3,
        (1, 0, 0, 0, 0),
        {"lead": "mutedtp", "chords": "brass", "pad": "horns", "arp": None, "bass": "tuba"},
    ),
    # energy: mostly bonuses
    (26, "Chill", 4, (-2, -2, -1, 0, -1), {}),
    (27, "Steady", 4, (0, 0, 0, 0, -2), {}),
    (28, "Driving", 4, (2, 2, 2, 0, 0), {"groove": "four"}),
    (29, "Explosive", 4, (4, 2, 3, 0, 2), {"drive": 0.3}),
]

_RELATIONS = [(11, 12), (11, 13), (14, 29), (26, 29), (14, 13), (4, 5), (26, 15), (17, 13), (1, 2)]

TAGS_BY_ID: dict[int, dict[str, Any]] = {}
for _id, _name, _cat, (_i, _t, _r, _o, _v), _effect in _TAGS:
    TAGS_BY_ID[_id] = {
        "id": _id,
        "name": _name,
        "tagCategoryId": _cat,
        "int_bonus": _i,
        "tem_bonus": _t,
        "rhy_bonus": _r,
        "ton_bonus": _o,
        "var_bonus": _v,
    }
_EFFECTS = {t[0]: t[4] for t in _TAGS}


def catalogue() -> dict[str, Any]:
    """GET /getTags body: tags, tagsRelations ({id: {otherId: -1}}, both directions), categories."""
    relations: dict[str, dict[str, int]] = {}
    for a, b in _RELATIONS:
        relations.setdefault(str(a), {})[str(b)] = -1
        relations.setdefault(str(b), {})[str(a)] = -1
    return {
        "tags": [copy.deepcopy(TAGS_BY_ID[i]) for i in sorted(TAGS_BY_ID)],
        "tagsRelations": relations,
        "categories": copy.deepcopy(CATEGORIES),
    }


def conflicts(tag_ids: list[int]) -> list[tuple[int, int]]:
    s = set(tag_ids)
    return [(a, b) for a, b in _RELATIONS if a in s and b in s]


@dataclass(frozen=True)
class Style:
    palette: Palette
    bonus: dict[str, int]  # param name -> combined bonus


_BONUS_KEYS = {
    "intensity": "int_bonus",
    "tempo": "tem_bonus",
    "rhythm": "rhy_bonus",
    "tone": "ton_bonus",
    "variance": "var_bonus",
}


def resolve_style(tag_ids: list[int]) -> Style:
    """Combine tags in order: the first genre wins the palette, later tags override voices.

    Bonuses combine by the docs' rule (model.tag_bonus); the caller adds the result to
    each param and maps it onto the engine's levels without clamping (theory.level).
    """
    ids = list(dict.fromkeys(tag_ids))  # de-duplicate, keep order
    palette: Palette | None = None
    for i in ids:
        if "palette" in _EFFECTS[i] and palette is None:
            palette = PALETTES[_EFFECTS[i]["palette"]]
    if palette is None:
        for i in ids:
            if "palette_if_none" in _EFFECTS[i]:
                palette = PALETTES[_EFFECTS[i]["palette_if_none"]]
                break
    palette = palette or PALETTES["default"]
    for i in ids:
        eff = {k: v for k, v in _EFFECTS[i].items() if k in Palette.__dataclass_fields__}
        eff.pop("name", None)
        if eff:
            palette = replace(palette, **eff)
    bonus = {p: combine_bonuses(TAGS_BY_ID[i][key] for i in ids) for p, key in _BONUS_KEYS.items()}
    return Style(palette=palette, bonus=bonus)
