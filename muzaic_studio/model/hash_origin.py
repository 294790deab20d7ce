"""Which backend made a hash: a region hash is only worth copying on the backend that made it.

The offline engine knows its own hashes and the cloud knows its own; sending one to the
other is refused by the server (at best) after the request went out. So each hash remembers
its origin: "offline", or the cloud's address (so a second server, a loopback stand-in for
example, is a backend of its own). "" means unknown: a hash from a project saved before
origins were kept. Unknown is let through (the server then decides, without charging).
"""

from __future__ import annotations

from typing import Any

from muzaic_studio.model.project import Project
from muzaic_studio.model.region import Region

OFFLINE = "offline"


def backend_origin(backend: Any) -> str:
    """The origin a backend stamps on its hashes: "offline", or its base address."""
    if getattr(backend, "name", "") == OFFLINE:
        return OFFLINE
    return str(getattr(backend, "base_url", "") or getattr(backend, "name", "") or "cloud")


def describe(origin: str) -> str:
    """An origin for a sentence: "the offline engine", "the cloud at https://...", "the backend"."""
    if origin == OFFLINE:
        return "the offline engine"
    return f"the cloud at {origin}" if origin else "the backend"


def region_origin(region: Region) -> str:
    return str((region.rendered or {}).get("backend") or "")


def current_hash(region: Region, origin: str) -> str | None:
    """The region's last hash when it still describes the region and *origin* made it
    (or its origin is unknown)."""
    hash_ = region.last_hash
    if not hash_ or region.changed_since_render:
        return None
    return hash_ if region_origin(region) in ("", origin) else None


def hash_origins(project: Project, extra: dict[str, str] | None = None) -> dict[str, str]:
    """hash -> origin for every hash the project knows: its library and its regions' renders.

    *extra* (the user's cross-project library, hash -> origin) fills what the project lacks.
    """
    out = {h: o for h, o in (extra or {}).items() if o}
    for entry in project.library.entries():
        if entry.backend:
            out[entry.hash] = entry.backend
    for region in project.regions:
        origin = region_origin(region)
        if region.last_hash and origin:
            out[region.last_hash] = origin
    return out


def region_that_made(project: Project, hash_: str) -> Region | None:
    """The generate region of this project whose last render is *hash_* (any backend)."""
    for region in project.sorted_regions():
        if region.action == "generate" and region.last_hash == hash_:
            return region
    return None
