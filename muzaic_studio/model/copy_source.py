"""What a copy region's typed source means: a known hash, a hash prefix, or a region name.

A copy region replays earlier music by its hash; a hash nobody has heard of only fails at
render time, far from where it was typed. So the inspector resolves the text when it is
typed, against the hashes this project (and the user's library) knows, and refuses the
rest with a sentence that says what would work.
"""

from __future__ import annotations

from collections.abc import Iterable

from muzaic_studio.model.project import Project

MIN_PREFIX = 6  # shorter prefixes are too easy to mistype into the wrong sound


class UnknownSource(ValueError):
    """The typed source is not a hash or region this project knows."""


def known_hashes(project: Project, more: Iterable[str] = ()) -> list[str]:
    """Every hash that has music: the project's library, its regions' renders, *more*."""
    found = [e.hash for e in project.library.entries()]
    found += [h for r in project.regions if (h := r.last_hash)]
    found += list(more)
    return list(dict.fromkeys(found))


def resolve_copy_source(text: str, project: Project, more: Iterable[str] = ()) -> str:
    """The hash *text* stands for; UnknownSource (with what to do) when it is none."""
    text = text.strip()
    if not text:
        raise UnknownSource("Choose the sound to copy: pick one from the list.")
    hashes = known_hashes(project, more)
    if text in hashes:
        return text
    by_name = [
        r.last_hash for r in project.regions if r.name.casefold() == text.casefold() and r.last_hash
    ]
    if by_name:
        return by_name[0]
    if len(text) >= MIN_PREFIX:
        matches = [h for h in hashes if h.startswith(text)]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            raise UnknownSource(f"'{text}' starts {len(matches)} known hashes: type more of it.")
    named = [r for r in project.regions if r.name.casefold() == text.casefold()]
    if named:
        raise UnknownSource(f"'{named[0].name}' has not been rendered yet: render it first.")
    raise UnknownSource(
        f"'{text}' is not a known sound. Pick one from the list, paste a hash from the "
        "Hash Library, or type the name of a rendered region."
    )
