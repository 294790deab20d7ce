"""The engine's version and whether this machine's engine still holds a hash.

Kept free of numpy and the synthesis code: the GUI asks `offline_knows` on its own
thread while it prepares a render, and must not import the engine for a file check.
"""

from __future__ import annotations

import json

#: Part of every region hash: a new version makes new music, so old hashes are not copied.
ENGINE_VERSION = "7"  # 7: a push into the region boundary (joins), the Guitar tag clean
# (6: every rhythm and variance step counts (grid, drift, nested form))
# (5: room, bus, true peak, ensembles, tails + rhythm grid, swing; 4: rhythm grid, swing by
# rhythm; 3: sampled, form, unclamped; 2: intensity)

STORE_FOLDER = "engine-regions"  # in the cache dir, shared by the app's engine processes


def valid_hash(h: object) -> bool:
    """An engine hash: 8-64 lowercase hex digits (also what keeps a path out of a file name)."""
    return isinstance(h, str) and 8 <= len(h) <= 64 and all(c in "0123456789abcdef" for c in h)


def offline_knows(h: str) -> bool:
    """Whether this machine's offline engine can still copy hash *h*: its recipe, made by
    this engine version, is in the shared region store (a cleared cache, a project from
    another machine or an older engine's hash is not)."""
    from muzaic_studio.paths import cache_dir

    if not valid_hash(h):
        return False
    try:
        recipe = json.loads((cache_dir() / STORE_FOLDER / f"{h}.json").read_text())
    except (OSError, ValueError):
        return False
    return isinstance(recipe, dict) and recipe.get("v") == ENGINE_VERSION
