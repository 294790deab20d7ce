"""Keyboard and menu edits on the selection: split, delete, duplicate, nudge, clipboard.

Each function is one undo step through `ProjectDocument.edit` and raises EditError with a
sentence for the user when it cannot be done. The clipboard holds regions as JSON in the
project file's own region format, so regions can be pasted between projects (and into a
text editor, and back).
"""

from __future__ import annotations

import json
from typing import Any

from muzaic_studio.model.mix import split_mix
from muzaic_studio.model.region import KEYFRAMABLE, Region, param_at
from muzaic_studio.ui.document import EditError, ProjectDocument
from muzaic_studio.ui.timeline import geometry as geo
from muzaic_studio.wording import plural

CLIPBOARD_FORMAT = "muzaic-studio/regions"
MIME_TYPE = "application/x-muzaic-regions+json"


def clone(region: Region) -> Region:
    """A copy with a new identity (uid): for split halves, duplicates and pastes."""
    return Region.from_dict(region.to_dict())


def split_keyframes(points: list[list[float]], frac: float) -> tuple[list, list]:
    """Keyframes of a region split at *frac* (0..1): each half keeps its part of the curve."""
    cut = frac * 100.0
    at_cut = round(param_at(points, frac), 3)
    ordered = sorted(points)
    left = [[round(p / frac, 3), v] for p, v in ordered if p < cut - 1e-9]
    right = [[round((p - cut) / (1 - frac), 3), v] for p, v in ordered if p > cut + 1e-9]
    left.append([100.0, at_cut])
    right.insert(0, [0.0, at_cut])
    return left, right


def split_region(region: Region, at: float) -> tuple[Region, Region]:
    frac = (at - region.time) / region.duration
    left, right = clone(region), clone(region)
    left.uid = region.uid  # the left half keeps its identity (and selection)
    left.duration = round(at - region.time, 6)
    right.time = round(at, 6)
    right.duration = round(region.end - at, 6)
    for name in KEYFRAMABLE:
        value = region.params.get(name)
        if isinstance(value, list) and value:
            left.params[name], right.params[name] = split_keyframes(value, frac)
    split_mix(left, right)
    return left, right


def split_at_playhead(doc: ProjectDocument) -> int:
    """Split the regions under the playhead: the selected ones if the playhead is in one,
    else the one it is in (a selection elsewhere does not stop the split: the user put
    the playhead where the cut goes)."""
    t = doc.playhead
    selected = doc.selection
    under = [r for r in doc.regions if r.time + geo.MIN_DURATION <= t <= r.end - geo.MIN_DURATION]
    targets = [r for r in under if r.uid in selected] or under
    if not targets:
        raise EditError(
            "Nothing to split: put the playhead inside a region "
            f"(at least {geo.MIN_DURATION:g} s from its edges)."
        )
    ids = {r.uid for r in targets}
    new_right: list[int] = []

    def change(regions: list[Region]) -> None:
        out = []
        for r in regions:
            if r.uid in ids:
                left, right = split_region(r, t)
                out += [left, right]
                new_right.append(right.uid)
            else:
                out.append(r)
        regions[:] = out

    doc.edit(f"Split {plural(len(ids), 'region', bare_one=True)}", change)
    doc.select(ids | set(new_right))
    return len(ids)


def delete_selection(doc: ProjectDocument) -> int:
    ids = doc.selection
    if not ids:
        raise EditError("Nothing selected to delete.")
    doc.edit(f"Delete {plural(len(ids), 'region', bare_one=True)}", lambda rs: _keep(rs, ids))
    return len(ids)


def _keep(regions: list[Region], drop: set[int]) -> None:
    regions[:] = [r for r in regions if r.uid not in drop]


def duplicate_selection(doc: ProjectDocument) -> list[int]:
    """Copies of the selection placed right after it, keeping their spacing."""
    chosen = doc.selected_regions()
    if not chosen:
        raise EditError("Select regions to duplicate.")
    offset = chosen[-1].end - chosen[0].time
    return _insert(doc, chosen, offset, f"Duplicate {plural(len(chosen), 'region', bare_one=True)}",
                   "No room after the selection for its duplicate")  # fmt: skip


def _insert(doc: ProjectDocument, regions: list[Region], offset: float, text: str,
            refused: str) -> list[int]:  # fmt: skip
    copies = []
    for r in regions:
        c = clone(r)
        c.time = round(r.time + offset, 6)
        copies.append(c)
    try:
        doc.edit(text, lambda rs: rs.extend(copies))
    except EditError as exc:
        raise EditError(f"{refused}: {exc}.") from exc
    uids = [c.uid for c in copies]
    doc.select(uids)
    return uids


def another_take(doc: ProjectDocument) -> str:
    """A new take for the selected generate regions (one undo step); returns what it costs.

    The region then differs from its last render, so the next render generates it again:
    offline with a new seed, in the cloud as a new generate request (the cloud gets no take,
    so whether it answers with new music is up to it), which costs tokens either way.
    """
    chosen = [r for r in doc.selected_regions() if r.action == "generate"]
    if not chosen:
        raise EditError("Select a generate region for another take.")
    ids = {r.uid for r in chosen}

    def change(regions: list[Region]) -> None:
        top = max((r.take for r in regions), default=0)
        for r in regions:
            if r.uid in ids:
                top += 1
                r.take = top

    doc.edit("Another take" if len(ids) == 1 else f"Another take ({len(ids)} regions)", change)
    tokens = sum(r.tokens for r in chosen)
    return (
        f"Another take: new music at the next render, "
        f"{plural(tokens, 'token')} to generate it again."
    )


def nudge_selection(doc: ProjectDocument, delta: float) -> None:
    chosen = doc.selected_regions()
    if not chosen:
        raise EditError("Select regions to nudge.")
    ids = {r.uid for r in chosen}
    delta = max(delta, -chosen[0].time)
    if abs(delta) < 1e-9:
        raise EditError("The selection is already at 0:00.")

    def change(regions: list[Region]) -> None:
        for r in regions:
            if r.uid in ids:
                r.time = round(r.time + delta, 6)

    try:
        doc.edit(
            f"Nudge {plural(len(ids), 'region', bare_one=True)}",
            change,
            merge_key=("nudge", frozenset(ids)),
        )
    except EditError as exc:
        raise EditError(f"Cannot nudge: {exc}.") from exc


# -- clipboard ---------------------------------------------------------------------------
def regions_to_json(regions: list[Region]) -> str:
    start = min((r.time for r in regions), default=0.0)
    items = []
    for r in regions:
        data = r.to_dict()
        data["time"] = round(r.time - start, 6)  # relative to the first region
        items.append(data)
    return json.dumps({"format": CLIPBOARD_FORMAT, "regions": items}, indent=1)


def regions_from_json(text: str) -> list[Region]:
    """Regions from clipboard text; EditError when it is not regions."""
    try:
        data: Any = json.loads(text)
    except (ValueError, TypeError) as exc:
        raise EditError("The clipboard holds no Muzaic regions.") from exc
    items = data.get("regions") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise EditError("The clipboard holds no Muzaic regions.")
    out = []
    for item in items:
        if not isinstance(item, dict):
            raise EditError("The clipboard holds no Muzaic regions.")
        t, d = item.get("time"), item.get("duration")
        if not isinstance(t, int | float) or not isinstance(d, int | float) or d <= 0:
            raise EditError("A region on the clipboard has no valid time and duration.")
        out.append(Region.from_dict(item))
    return out


def paste(doc: ProjectDocument, text: str, at: float) -> list[int]:
    regions = regions_from_json(text)
    first = min(r.time for r in regions)
    return _insert(doc, sorted(regions, key=lambda r: r.time), at - first,
                   f"Paste {plural(len(regions), 'region', bare_one=True)}",
                   "Cannot paste at the playhead")  # fmt: skip


def cut_selection(doc: ProjectDocument) -> str:
    chosen = doc.selected_regions()
    if not chosen:
        raise EditError("Select regions to cut.")
    text = regions_to_json(chosen)
    ids = {r.uid for r in chosen}
    doc.edit(f"Cut {plural(len(ids), 'region', bare_one=True)}", lambda rs: _keep(rs, ids))
    return text


def neighbour(doc: ProjectDocument, step: int) -> Region | None:
    """The region after (+1) or before (-1) the selection, for Alt+arrow selection."""
    ordered = doc.project.sorted_regions()
    if not ordered:
        return None
    chosen = [i for i, r in enumerate(ordered) if r.uid in doc.selection]
    if not chosen:
        return ordered[0] if step > 0 else ordered[-1]
    i = (chosen[-1] + 1) if step > 0 else (chosen[0] - 1)
    return ordered[i] if 0 <= i < len(ordered) else None


def edge_times(doc: ProjectDocument) -> list[float]:
    return sorted({0.0, *(r.time for r in doc.regions), *(r.end for r in doc.regions)})
