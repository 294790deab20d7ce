"""Is the last render still the project's music? What changed since it, in the user's words.

Export writes the last render's audio; when the project changed after it (a region edited,
moved, added or deleted) the file would not be what the timeline shows, so the export
dialog says so first. A region's own "changed since render" flag ignores moves (moving
keeps its music), but the rendered file has the music at the old time, so the render's
spans ([time, duration, hash] per region sent) are compared too.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from muzaic_studio.model.copy_names import region_label
from muzaic_studio.model.region import Region


def _key(time: float, duration: float) -> tuple[float, float]:
    return round(float(time), 3), round(float(duration), 3)


def render_differences(
    regions: Iterable[Region], spans: Sequence[Sequence[Any]] | None, project: Any = None
) -> tuple[list[str], int]:
    """(labels of regions that differ from the render, number of rendered regions gone).

    *spans* are the render's [time, duration, hash] rows; None when unknown (then only
    the regions' own change flags count). With *project* a region is named as the
    timeline names it ("copy of Theme", not "copy 35f80be3": a new user could not tell
    which region the export dialog meant)."""
    regions = list(regions)
    if spans is None:
        return [region_label(r, project) for r in regions if r.changed_since_render], 0
    # (A span's hash is not compared: "render changes" sends unchanged regions as copies,
    # and the server names a copy with a hash of its own.)
    rendered = {_key(s[0], s[1]) for s in spans}
    changed: list[str] = []
    matched: set[tuple[float, float]] = set()
    for r in sorted(regions, key=lambda r: r.time):
        key = _key(r.time, r.duration)
        same_place = key in rendered
        same_music = r.action == "silence" or not r.changed_since_render
        if same_place:
            matched.add(key)
        if not (same_place and same_music):
            changed.append(region_label(r, project))
    return changed, len(rendered - matched)


def stale_text(changed: list[str], removed: int) -> str:
    """One sentence for the export dialog, or "" when the render is current."""
    if not changed and not removed:
        return ""
    parts = []
    if changed:
        names = ", ".join(f"'{n}'" for n in changed[:3])
        more = f" and {len(changed) - 3} more" if len(changed) > 3 else ""
        parts.append(f"{names}{more} changed")
    if removed:
        parts.append(f"{removed} region{'s' * (removed != 1)} deleted")
    return (
        f"The last render is out of date ({'; '.join(parts)} since it). Export writes the "
        "music as last rendered, without these changes."
    )
