"""Render only what changed: unchanged generate regions go out as copies of their last hash.

A copy costs no tokens and keeps the music the user already approved, so re-rendering after
touching one slider spends tokens for that region only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from muzaic_studio.model.project import Project
from muzaic_studio.model.region import Region


@dataclass(frozen=True)
class RenderPlan:
    body: dict[str, Any]
    regions: list[Region]  # the project's regions in the order they are sent
    tokens: int  # what this plan spends
    tokens_saved: int  # what sending copies saved against a full render
    reused: int  # how many generate regions were sent as copies
    # uids of the regions sent as copies of their own last hash: apply_render keeps their
    # hash (the copy's new hash names the same music) and adds no library entry for them.
    reused_uids: frozenset[int] = frozenset()


def reusable(region: Region) -> bool:
    """Would "render changes" send *region* as a copy of its last hash? (The hash is
    looked at first: it is free, the changed check digests the region's spec.)"""
    return (
        region.action == "generate"
        and bool(region.last_hash)  # an answer without region hashes left none to copy
        and not region.changed_since_render
    )


def plan_render(project: Project, *, only_changes: bool) -> RenderPlan:
    regions = project.sorted_regions()
    body_regions: list[dict[str, Any]] = []
    saved = reused = 0
    reused_uids: set[int] = set()
    for region in regions:
        spec = region.to_request()
        if only_changes and reusable(region):
            spec = {k: spec[k] for k in ("time", "duration")}
            spec.update(action="copy", sourceHash=region.last_hash)
            if region.method:
                spec["method"] = region.method
            saved += region.tokens
            reused += 1
            reused_uids.add(region.uid)
        body_regions.append(spec)
    body = {"regions": body_regions, "normalize": bool(project.normalize)}
    return RenderPlan(
        body, regions, project.estimated_tokens - saved, saved, reused, frozenset(reused_uids)
    )
