"""Reading `muzaic-studio/1` files: their tag ids were the 0.1 offline engine's numbering.

A tag id means a tag only within one catalogue. 0.1 stored ids alone, and its ids were the
offline engine's (its 2 was Cinematic; the cloud's 2 is electronic), so a /1 project is
named here with 0.1's table, frozen below: the engine's catalogue is renumbered to the
cloud's ids where they are known, and that must not change what an old file means.
The upgraded data is `muzaic-studio/2`: each region keeps `tagNames` beside `tags`.
"""

from __future__ import annotations

import copy
from typing import Any

# The offline catalogue of Muzaic Studio 0.1 (engine/tags.py at format /1), id -> name.
# Frozen: never edit it to follow the engine.
LEGACY_OFFLINE_TAGS: dict[int, str] = {
    1: "Electronic",
    2: "Cinematic",
    3: "Ambient",
    4: "Rock",
    5: "Jazz",
    6: "Hip Hop",
    7: "Lo-fi",
    8: "Folk",
    9: "Pop",
    10: "Happy",
    11: "Sad",
    12: "Tense",
    13: "Calm",
    14: "Epic",
    15: "Mysterious",
    16: "Romantic",
    17: "Dreamy",
    18: "Piano",
    19: "Strings",
    20: "Synth",
    21: "Guitar",
    22: "Bells",
    23: "Marimba",
    24: "Brass",
    25: "Chill",
    26: "Steady",
    27: "Driving",
    28: "Explosive",
}


def legacy_names(tag_ids: Any) -> list[str]:
    """0.1's names of *tag_ids*; an id 0.1 did not have keeps a `#id` name, so it is not lost
    and the pre-render check names it as a tag no backend knows."""
    if not isinstance(tag_ids, list):
        return []
    return [LEGACY_OFFLINE_TAGS.get(t, f"#{t}") for t in tag_ids if isinstance(t, int)]


def upgrade_v1(data: dict[str, Any]) -> dict[str, Any]:
    """A /1 project dict as /2: names beside the ids, render digests kept valid.

    A region rendered under /1 stays "unchanged since render" after the upgrade: its digest
    is recomputed only when it matched the region as /1 saw it.
    """
    from muzaic_studio.model.region import Region

    out = copy.deepcopy(data)
    for raw in out.get("regions") or []:
        if not isinstance(raw, dict) or raw.get("tagNames") or not raw.get("tags"):
            continue
        try:
            before = Region.from_dict(raw)
            old_digest = before.spec_digest()
        except (TypeError, ValueError, AttributeError):
            old_digest = None  # a damaged region: Project.from_dict reports it
        raw["tagNames"] = legacy_names(raw.get("tags"))
        rendered = raw.get("rendered")
        if old_digest and isinstance(rendered, dict) and rendered.get("spec") == old_digest:
            rendered["spec"] = Region.from_dict(raw).spec_digest()
    for entry in out.get("library") or []:
        if isinstance(entry, dict) and entry.get("tags") and not entry.get("tagNames"):
            entry["tagNames"] = legacy_names(entry.get("tags"))
    return out
