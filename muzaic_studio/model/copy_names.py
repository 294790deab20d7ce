"""What a copy region is called: "copy of <its source's name>" instead of a bare hash.

Why: a new user saw "copy 48ec7ad2" on the timeline and could not tell what it copied.
A copy's source is often right there in the project (a region it points at by
``sourceRegion``, or a region whose last render made the hash) or a named entry of the
hash library, so the label says that name; the hash stays in the tooltip and Inspector.
"""

from __future__ import annotations

from typing import Any

from muzaic_studio.model.region import Region


def copy_source_name(region: Region, project: Any) -> str | None:
    """The user-facing name of *region*'s copy source in *project*, or None if unknown."""
    if region.action != "copy" or project is None:
        return None
    others = [r for r in project.regions if r is not region and r.action != "copy"]
    if region.source_region and not region.source_hash:
        for r in others:
            if r.region_id == region.source_region:
                return r.label()
        return None
    if not region.source_hash:
        return None
    for r in others:
        if r.last_hash == region.source_hash:
            return r.label()
    entry = project.library.get(region.source_hash)
    if entry is not None and (entry.name or entry.tag_names):
        return entry.name or ", ".join(entry.tag_names)
    return None


def region_label(region: Region, project: Any, tag_names: dict[int, str] | None = None) -> str:
    """`Region.label`, with a copy named after its source when the project knows it."""
    if region.action == "copy" and not region.name:
        source = copy_source_name(region, project)
        if source:
            return f"copy of {source}"
    return region.label(tag_names)
