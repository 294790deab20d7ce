"""Undoable edits of the client-side mix (gain, fades, transitions) through the document.

They go through `ProjectDocument.edit` like every region edit, so they are undo steps and
a drag (same merge key) is one step. The mix lives in the regions' editor-only keys, so
these edits never mark a region "changed since render" (see `model.mix`).
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace

from muzaic_studio.model.mix import RegionMix, region_mix, set_region_mix, set_transition
from muzaic_studio.model.region import Region
from muzaic_studio.ui.document import ProjectDocument


def edit_mix(
    doc: ProjectDocument,
    uids: Collection[int],
    text: str,
    change: Callable[[RegionMix, Region], RegionMix],
    merge_key: object = None,
) -> None:
    """Apply *change* to the mix of the regions *uids* as one undo step."""
    ids = set(uids)

    def apply(regions: list[Region]) -> None:
        for r in regions:
            if r.uid in ids:
                set_region_mix(r, change(region_mix(r), r))

    doc.edit(text, apply, merge_key=merge_key)


def set_gain(doc: ProjectDocument, uids: Collection[int], db: float, merge: bool = False) -> None:
    key = ("mix-gain", frozenset(uids)) if merge else None
    edit_mix(doc, uids, f"Set gain to {db:+.1f} dB", lambda m, _r: replace(m, gain_db=db), key)


def set_fade(
    doc: ProjectDocument,
    uids: Collection[int],
    side: str,
    seconds: float | None = None,
    shape: str | None = None,
    merge: bool = False,
) -> None:
    """Set the fade-in or fade-out (*side* "in"/"out") length and/or shape."""

    def change(m: RegionMix, r: Region) -> RegionMix:
        # One side is clamped to the room the other leaves (the other side never shrinks).
        if side == "in":
            length = m.fade_in if seconds is None else min(seconds, r.duration - m.fade_out)
            return replace(m, fade_in=length, fade_in_shape=shape or m.fade_in_shape)
        length = m.fade_out if seconds is None else min(seconds, r.duration - m.fade_in)
        return replace(
            m,
            fade_out=length,
            fade_out_shape=shape or m.fade_out_shape,
            # A fade-out set on its own is no longer half of a transition.
            xfade=m.xfade and seconds is None,
        )

    key = ("mix-fade", side, frozenset(uids)) if merge else None
    what = f"{seconds:.2f} s" if seconds is not None else str(shape)
    edit_mix(doc, uids, f"Set fade-{side} to {what}", change, key)


def edit_transition(
    doc: ProjectDocument, first: int, second: int, seconds: float, merge: bool = False
) -> None:
    """One undo step that sets the boundary's transition (0 removes it)."""

    def apply(regions: list[Region]) -> None:
        a = next(r for r in regions if r.uid == first)
        b = next(r for r in regions if r.uid == second)
        set_transition(a, b, seconds)

    key = ("mix-xfade", first, second) if merge else None
    doc.edit(f"Set transition to {seconds:.2f} s", apply, merge_key=key)
