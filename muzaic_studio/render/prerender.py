"""What to send to *this* backend, checked before anything is spent: tag names, copy sources.

The first step of the render use case: `render.job.prepare` (GUI and CLI alike) calls
`prepare_render`, which turns the project into the request for the active backend, or says
exactly what that backend lacks:

* tag names are resolved to the ids of the backend's /getTags (tag_names.py);
* a copy's sourceHash made by another backend is refused, with an offer to render the
  region that made it on this backend first (`Blocker.source_uid`);
* a copy that names a source region (`sourceRegion`) gets that region's current hash from
  this backend. A copy needs a hash the server already has, and a region's hash exists only
  after it was rendered, so a source without one is rendered first, in a request of its own
  (`PreRender.first`, its cost shown before it is sent); the soundtrack request that
  follows sends the source as a free copy of that new hash, so the copy and its source
  sound the same and nothing is paid twice. A source that is current here is likewise
  sent as a copy of its own hash, in a full render too.
* "Render changes" reuses only hashes this backend made (or of unknown origin).
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from muzaic_studio.model.hash_origin import (
    current_hash,
    describe,
    hash_origins,
    region_origin,
    region_that_made,
)
from muzaic_studio.model.project import Project
from muzaic_studio.model.region import Region
from muzaic_studio.model.render_plan import RenderPlan, plan_render
from muzaic_studio.model.tag_names import TagIndex, resolve_body_tags
from muzaic_studio.model.validation import Problem, validate_request

Known = Callable[[str], bool]


@dataclass(frozen=True)
class Blocker:
    """Why the request cannot go to this backend, and the fix the app can offer."""

    text: str
    region_uid: int | None = None
    # The region that made a copy's foreign hash: "render it here first" links the copy to
    # it (link_copy_to_source) and renders it.
    source_uid: int | None = None


@dataclass
class PreRender:
    plan: RenderPlan | None  # what to send now; None when blocked or the catalogue is missing
    blockers: list[Blocker] = field(default_factory=list)
    first: bool = False  # plan renders copy sources; the soundtrack request follows
    rest_tokens: int = 0  # what that following request is expected to cost
    needs_catalogue: bool = False  # named tags, and no /getTags of this backend was given
    note: str = ""  # for the confirmation: what the two requests cost

    def text(self) -> str:
        return " ".join(b.text for b in self.blockers)

    def offers(self) -> list[tuple[int, int]]:
        """(copy uid, source uid) of each "render its source first" fix; [] unless every
        blocker has one (the fix would not be enough)."""
        out = [
            (b.region_uid, b.source_uid)
            for b in self.blockers
            if b.region_uid is not None and b.source_uid is not None
        ]
        return out if len(out) == len(self.blockers) else []


def _where(i: int, region: Region) -> str:
    name = f" '{region.name}'" if region.name else ""
    return f"Region {i + 1}{name} (at {region.time:.2f} s)"


def _copy_of(region: Region, hash_: str) -> dict[str, Any]:
    spec: dict[str, Any] = {"time": float(region.time), "duration": float(region.duration)}
    spec.update(action="copy", sourceHash=hash_)
    if region.method:
        spec["method"] = region.method
    return spec


def _exact(region: Region, origin: str, known: Known | None) -> str | None:
    """Current hash made by exactly *origin* (a source must be, unknown is not enough) and,
    where the backend can say so (*known*), still held by it."""
    hash_ = current_hash(region, origin)
    if not hash_ or region_origin(region) != origin:
        return None
    return hash_ if known is None or known(hash_) else None


def prepare_render(
    project: Project,
    *,
    only_changes: bool,
    origin: str,
    catalogue: Any = None,
    known_origins: dict[str, str] | None = None,
    resolve_tags: bool = True,
    known: Known | None = None,
) -> PreRender:
    """The request for the backend *origin* (see hash_origin.backend_origin), or blockers.

    *catalogue* is that backend's GET /getTags body (None: not fetched yet, then
    `needs_catalogue` says whether it is needed). *known_origins*: hash -> origin from the
    user's library, for copies of hashes this project does not know. resolve_tags=False
    keeps the ids as saved (`validate`, which talks to no backend). *known*: whether the
    backend still holds a hash (the offline engine forgets with its cache, and a project
    opened on another machine brings hashes it never made); a hash it lacks is rendered
    again instead of being copied.
    """
    if known is not None:
        known = functools.cache(known)  # a hash is asked about once per request (disk)
    base = plan_render(project, only_changes=only_changes)
    regions = base.regions
    body = base.body  # built fresh for this call (to_request copies params): changed in place
    specs: list[dict[str, Any]] = body["regions"]
    reused = set(base.reused_uids)
    blockers: list[Blocker] = []
    for i, region in enumerate(regions):  # reuse only what this backend made
        if region.uid not in reused:
            continue
        forgotten = known is not None and not known(str(region.last_hash))
        if region_origin(region) not in ("", origin) or forgotten:
            specs[i] = region.to_request()
            reused.discard(region.uid)
    by_id: dict[str, Region] = {}
    for region in regions:
        if region.region_id:
            by_id.setdefault(region.region_id, region)
    origins = hash_origins(project, known_origins)
    sources: list[Region] = []  # to render first
    linked: set[int] = set()  # uids of sources named by a copy
    for i, region in enumerate(regions):
        if region.action != "copy":
            continue
        where = _where(i, region)
        if region.source_hash:
            made_by = origins.get(region.source_hash, "")
            if made_by and made_by != origin:
                blockers.append(_foreign(project, region, where, made_by, origin))
            continue
        if not region.source_region:
            continue  # validation names the missing source
        src = by_id.get(region.source_region)
        if src is None or src is region:
            blockers.append(Blocker(f"{where}: its source region '{region.source_region}' "
                                    "is not in this project; pick a source in the Inspector.",
                                    region.uid))  # fmt: skip
        elif src.action != "generate":
            blockers.append(Blocker(f"{where}: its source region '{region.source_region}' is "
                                    f"a {src.action} region; a copy needs generated music.",
                                    region.uid))  # fmt: skip
        else:
            linked.add(src.uid)
            hash_ = _exact(src, origin, known)
            if hash_:
                specs[i] = _copy_of(region, hash_)
            elif all(s.uid != src.uid for s in sources):
                sources.append(src)
    for i, region in enumerate(regions):  # a current source keeps its music: a free copy
        hash_ = _exact(region, origin, known)
        if region.uid in linked and hash_ and specs[i].get("action") == "generate":
            specs[i] = _copy_of(region, hash_)
            reused.add(region.uid)
    first_body = {
        "regions": _laid_end_to_end(sources),
        "normalize": bool(project.normalize),
    }
    named = [r for r, s in zip(regions, specs, strict=True) if s.get("action") == "generate"]
    named_uids = {r.uid for r in named}
    number = {r.uid: i for i, r in enumerate(regions)}
    if resolve_tags and any(r.tag_names for r in named + sources):
        if catalogue is None:
            return PreRender(None, blockers, needs_catalogue=True)
        index = TagIndex.from_response(catalogue)
        where = describe(origin)
        problems = resolve_body_tags(body, regions, index, where)
        first_problems = resolve_body_tags(
            first_body, sources, index, where, numbers=[number[s.uid] for s in sources]
        )
        if not all(s.uid in named_uids for s in sources):  # else already named above
            problems += [p for p in first_problems if p not in problems]
        blockers += [Blocker(p) for p in problems]
    if blockers:
        return PreRender(None, blockers)
    tokens = sum(r.tokens for r, s in zip(regions, specs, strict=True) if s["action"] == "generate")
    plan = RenderPlan(
        body,
        regions,
        tokens,
        project.estimated_tokens - tokens,
        len(reused),
        frozenset(reused),
    )
    if not sources:
        return PreRender(plan)
    first_tokens = sum(s.tokens for s in sources)
    rest = max(0, tokens - sum(s.tokens for s in sources if s.uid in named_uids))
    names = ", ".join(_where(number[s.uid], s) for s in sources)
    note = (
        f"first {first_tokens} tokens to render the copy source{'s' * (len(sources) > 1)} "
        f"({names}) on {describe(origin)}, then {rest} tokens for the soundtrack"
    )
    first = RenderPlan(first_body, list(sources), first_tokens, 0, 0, frozenset())
    return PreRender(first, first=True, rest_tokens=rest, note=note)


def _foreign(project: Project, region: Region, where: str, made_by: str, origin: str) -> Blocker:
    hash_ = region.source_hash or ""
    src = region_that_made(project, hash_)
    text = (
        f"{where} copies hash {hash_[:10]}, which {describe(made_by)} made; "
        f"{describe(origin)} does not have it."
    )
    if src is None:
        text += " Pick a source made there, or make the region a generate region."
        return Blocker(text, region.uid)
    index = next(i for i, r in enumerate(project.sorted_regions()) if r.uid == src.uid)
    text += f" Render its source, {_where(index, src)}, there first."
    return Blocker(text, region.uid, src.uid)


def _laid_end_to_end(sources: list[Region]) -> list[dict[str, Any]]:
    """The sources as generate regions from 0 s on: a request of only what must be made
    (gaps could be charged as seconds of soundtrack)."""
    out, at = [], 0.0
    for src in sources:
        spec = src.to_request()
        spec["time"] = at
        out.append(spec)
        at += float(src.duration)
    return out


def link_copy_to_source(regions: list[Region], copy_uid: int, source_uid: int) -> bool:
    """Make a copy name its source region instead of a hash (the "render its source
    first" fix): the source gets a stable id if it has none. False if either is gone."""
    by_uid = {r.uid: r for r in regions}
    target, src = by_uid.get(copy_uid), by_uid.get(source_uid)
    if target is None or src is None:
        return False
    if not src.region_id:
        taken = {r.region_id for r in regions}
        n = 1
        while f"r{n}" in taken:
            n += 1
        src.region_id = f"r{n}"
    target.source_region = src.region_id
    target.source_hash = None
    return True


def sendable_problems(project: Project, *, schema: bool = True) -> list[Problem]:
    """What keeps the project's request from being sent, for a warning on open: a copy of a
    region has no hash yet by design (it gets one at render time), so that is not one.
    *schema*: as in `validate_request`."""
    regions = project.sorted_regions()
    ids = {r.region_id for r in regions if r.region_id}

    def region_copy(p: Problem) -> Problem | None:
        r = regions[p.index] if p.index is not None and p.index < len(regions) else None
        if not (r and p.field == "sourceHash" and r.source_region and not r.source_hash):
            return p
        if r.source_region in ids and r.source_region != r.region_id:
            return None
        # was: silent on open, though no render can ever send it
        return dataclasses.replace(p, message=(
            f"its source region '{r.source_region}' is not in this project; pick a source "
            "in the Inspector."))  # fmt: skip

    body = project.request_body()
    return [q for p in validate_request(body, schema=schema) if (q := region_copy(p))]
