"""Tags by name: a project keeps names, each backend's /getTags says which id a name has.

An id means a tag only within one catalogue (the offline engine's 2 is not the cloud's 2),
so a region's `tag_names` are its truth and its `tags` ids are resolved against the
catalogue of the backend that renders, case-insensitively, just before the render.
Regions without names (written by hand or by a tool) keep their ids as they are.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from muzaic_studio.model.region import Region
from muzaic_studio.model.tag_bonus import combine_bonuses

# /getTags bonus fields per param (strings on the cloud, ints offline).
BONUS_FIELDS = {
    "intensity": "int_bonus",
    "tempo": "tem_bonus",
    "rhythm": "rhy_bonus",
    "tone": "ton_bonus",
    "variance": "var_bonus",
}


def norm(name: str) -> str:
    """The form names are compared in: " Electronic" and "electronic" are one tag."""
    return " ".join(str(name).split()).casefold()


def _int(value: Any) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


@dataclass
class TagIndex:
    """One backend's catalogue, both ways: id -> name and name -> id, plus bonuses."""

    names: dict[int, str] = field(default_factory=dict)
    ids: dict[str, int] = field(default_factory=dict)  # norm(name) -> id
    bonuses: dict[int, dict[str, int]] = field(default_factory=dict)  # id -> param -> bonus

    @classmethod
    def from_response(cls, data: Any) -> TagIndex:
        """From a GET /getTags body; damaged entries are skipped, not fatal."""
        out = cls()
        tags = data.get("tags") if isinstance(data, dict) else None
        for tag in tags if isinstance(tags, list) else []:
            if not isinstance(tag, dict):
                continue
            tid = _int(tag.get("id"))
            if tid is None:
                continue
            name = str(tag.get("name") or "").strip()
            if name:
                out.names[tid] = name
                out.ids.setdefault(norm(name), tid)
            out.bonuses[tid] = {p: _int(tag.get(f)) or 0 for p, f in BONUS_FIELDS.items()}
        return out

    def id_of(self, name: str) -> int | None:
        return self.ids.get(norm(name))


def region_ids(region: Region, index: TagIndex) -> list[int]:
    """The region's tags as ids of *index*: from its names, or its ids when it has none.

    Names the catalogue lacks are left out (`unknown_names` lists them).
    """
    if not region.tag_names:
        return list(region.tags)
    ids = [index.id_of(n) for n in region.tag_names]
    return list(dict.fromkeys(i for i in ids if i is not None))


def unknown_names(region: Region, index: TagIndex) -> list[str]:
    return [n for n in region.tag_names if index.id_of(n) is None]


def sync_tag_ids(regions: Iterable[Region], index: TagIndex) -> None:
    """Point each named region's ids at *index* (the editor's catalogue), so the tag picker
    and conflict marks read the right tags; the names are untouched."""
    if not index.names:
        return
    for region in regions:
        if region.tag_names:
            region.tags = region_ids(region, index)


def set_tag(region: Region, tag_id: int, name: str, on: bool) -> None:
    """Add or remove one tag (picked from a catalogue) on both lists, names first."""
    key = norm(name)
    if not region.tag_names and region.tags:
        return _set_id_only(region, tag_id, on)
    present = any(norm(n) == key for n in region.tag_names)
    if on and not present:
        region.tag_names.append(name)
    elif not on:
        region.tag_names = [n for n in region.tag_names if norm(n) != key]
    if on and tag_id not in region.tags:
        region.tags.append(tag_id)
    elif not on and tag_id in region.tags:
        region.tags.remove(tag_id)


def _set_id_only(region: Region, tag_id: int, on: bool) -> None:
    """A region that has ids but no names (hand-written): keep it that way."""
    if on and tag_id not in region.tags:
        region.tags.append(tag_id)
    elif not on and tag_id in region.tags:
        region.tags.remove(tag_id)


def tag_label(names: list[str], ids: Iterable[int], by_id: Mapping[int, str]) -> str:
    """Tags for a label: the saved names when there are any (an id of another catalogue
    would read as some other tag here), else the ids looked up in *by_id*."""
    if names:
        return ", ".join(names)
    return ", ".join(by_id.get(t, f"#{t}") for t in ids)


def tag_bonus(tag_ids: Iterable[int], bonuses: Mapping[int, Mapping[str, int]], param: str) -> int:
    """The combined bonus of the tags on *param*, by the docs' rule (tag_bonus.py)."""
    return combine_bonuses(bonuses.get(t, {}).get(param, 0) for t in tag_ids)


def value_with_bonus(value: int, bonus: int) -> str:
    """A slider's shown value: "5", or "5 (+1)" / "5 (-2)" when the tags shift it."""
    return f"{value} ({bonus:+d})" if bonus else str(value)


def resolve_body_tags(
    body: dict[str, Any],
    regions: list[Region],
    index: TagIndex,
    where: str,
    numbers: list[int] | None = None,
) -> list[str]:
    """Write *index*'s ids into the generate regions of *body* (regions[i] sent as body's i).

    Returns one message per name the backend does not know, naming the region and the
    tag (as "Region N": N from *numbers*, the regions' places on the timeline, else from
    the body's order); the body is only usable when the list is empty.
    """
    problems: list[str] = []
    for i, (spec, region) in enumerate(zip(body.get("regions") or [], regions, strict=False)):
        if spec.get("action") != "generate" or not region.tag_names:
            continue
        missing = unknown_names(region, index)
        if missing:
            label = f"Region {(numbers[i] if numbers else i) + 1}" + (
                f" '{region.name}'" if region.name else ""
            )
            quoted = ", ".join(f"'{n}'" for n in missing)
            problems.append(
                f"{label} (at {region.time:.2f} s): {where} has no tag"
                f"{'s' * (len(missing) > 1)} {quoted}; pick another tag in the Inspector "
                "or render with the backend that has it."
            )
            continue
        spec["tags"] = region_ids(region, index)
    return problems
