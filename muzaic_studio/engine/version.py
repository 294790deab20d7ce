"""The engine's version and whether this machine's engine still holds a hash.

Kept free of numpy and the synthesis code: the GUI asks `offline_knower` on its own
thread while it prepares a render, and must not import the engine for a file check.
"""

from __future__ import annotations

import functools
import json
import os
from collections.abc import Callable

#: Part of every region hash: a new version makes new music, so old hashes are not copied.
ENGINE_VERSION = "7"  # 7: a push into the region boundary (joins), the Guitar tag clean
# (6: every rhythm and variance step counts (grid, drift, nested form))
# (5: room, bus, true peak, ensembles, tails + rhythm grid, swing; 4: rhythm grid, swing by
# rhythm; 3: sampled, form, unclamped; 2: intensity)

STORE_FOLDER = "engine-regions"  # in the cache dir, shared by the app's engine processes


def valid_hash(h: object) -> bool:
    """An engine hash: 8-64 lowercase hex digits (also what keeps a path out of a file name)."""
    return isinstance(h, str) and 8 <= len(h) <= 64 and all(c in "0123456789abcdef" for c in h)


def offline_knower() -> Callable[[str], bool]:
    """Whether this machine's offline engine can still copy a hash: its recipe, made by
    this engine version, is in the shared region store (a cleared cache, a project from
    another machine or an older engine's hash is not). One knower serves one render
    check: the store folder is looked up once and each hash read once (a recheck of a
    20,000-region project asked ~15,000 times, and building the folder's path each time
    took 1 s of the GUI thread)."""
    from muzaic_studio.paths import cache_dir

    folder = os.path.join(cache_dir(), STORE_FOLDER)

    @functools.cache
    def knows(h: str) -> bool:
        if not valid_hash(h):
            return False
        try:
            with open(os.path.join(folder, f"{h}.json"), "rb") as f:
                recipe = json.loads(f.read())
        except (OSError, ValueError):
            return False
        return isinstance(recipe, dict) and recipe.get("v") == ENGINE_VERSION

    return knows
