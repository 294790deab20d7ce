"""One region of the soundtrack, stored with the contract's own field names.

A region's JSON is the contract's region object plus a few editor-only keys (name, color,
rendered) that `to_request()` strips, so a project's regions can be sent as they are. The
take (a generate region's "which version of this music") is sent as `take` when non-zero:
the offline engine seeds and hashes with it, and the cloud client strips it (see
`strip_takes`), because the contract has no such field.
"""

from __future__ import annotations

import copy
import hashlib
import itertools
import json
import math
from dataclasses import dataclass, field
from typing import Any

ACTIONS = ("generate", "copy", "silence")
METHODS = ("strict", "smart")
PARAM_NAMES = ("intensity", "tempo", "tone", "variance", "rhythm")
KEYFRAMABLE = ("intensity", "tone", "variance", "rhythm")  # tempo is static in the API
DEFAULT_PARAM = 5
#: One short label per param, for the timeline's bars and the library's rows.
PARAM_SHORT = {"intensity": "I", "tempo": "T", "tone": "To", "variance": "V", "rhythm": "R"}

# A param is an int 1..10 or a keyframe list [[position_percent, value], ...].
ParamValue = int | list[list[float]]

_uids = itertools.count(1)

_CONTRACT_KEYS = ("time", "duration", "action", "method", "tags", "params", "sourceHash")
# tagNames: the tags by name, the project's truth (ids mean a tag only within one backend's
# catalogue); id: a stable name a copy's sourceRegion can point at.
_EDITOR_KEYS = ("name", "color", "rendered", "tagNames", "id", "sourceRegion", "take")


def tokens_for(seconds: float) -> int:
    """The token rule: 1 token per started second of generated audio.

    The 1e-9 forgives float noise (6.000000001 s from an edit is 6 tokens), so the client's
    estimate and the offline engine's charge agree.
    """
    return max(0, math.ceil(float(seconds) - 1e-9))


def default_params() -> dict[str, ParamValue]:
    return dict.fromkeys(PARAM_NAMES, DEFAULT_PARAM)


def param_at(value: ParamValue, position: float) -> float:
    """The value of a param at *position* (0..1 of the region): keyframes are interpolated."""
    if isinstance(value, list):
        if not value:
            return float(DEFAULT_PARAM)
        points = sorted((float(p) / 100.0, float(v)) for p, v in value)
        if position <= points[0][0]:
            return points[0][1]
        for (p0, v0), (p1, v1) in itertools.pairwise(points):
            if position <= p1:
                return v0 if p1 == p0 else v0 + (v1 - v0) * (position - p0) / (p1 - p0)
        return points[-1][1]
    return float(value)


def _take_of(value: Any) -> int:
    """A saved take, or 0 (older projects have none; a hand-edited bad one is not fatal)."""
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return value
    return 0


def _rendered_of(value: Any) -> dict[str, str] | None:
    """A saved render record; only text values are kept (a hand-edited number or list
    where a hash or digest belongs crashed the editor's render cache)."""
    if not isinstance(value, dict):
        return None
    return {k: v for k, v in value.items() if isinstance(v, str)} or None


def strip_takes(body: dict[str, Any]) -> dict[str, Any]:
    """*body* without the regions' `take` keys: what is sent to the cloud (no such field)."""
    regions = body.get("regions")
    if not isinstance(regions, list) or not any(
        isinstance(r, dict) and "take" in r for r in regions
    ):
        return body
    out = {**body}
    out["regions"] = [
        {k: v for k, v in r.items() if k != "take"} if isinstance(r, dict) else r for r in regions
    ]
    return out


def fresh_takes(regions: list[Region], new_uids: set[int]) -> None:
    """Give each new region in *regions* a take no other region has, so two regions with
    the same tags and params never sound alike.

    A region alone in its project keeps its take (0 for a new one): the first region of a
    fresh project then hashes and sounds exactly like the same request from the CLI.
    """
    if len(regions) < 2:
        return
    top = max((r.take for r in regions if r.uid not in new_uids), default=0)
    for r in regions:
        if r.uid in new_uids:
            top += 1
            r.take = top


@dataclass
class Region:
    time: float
    duration: float
    action: str = "generate"
    method: str | None = None
    tags: list[int] = field(default_factory=list)
    params: dict[str, ParamValue] = field(default_factory=default_params)
    source_hash: str | None = None
    name: str = ""
    color: str = ""
    # What this region sounded like at the last render:
    # {"hash": str, "spec": digest, "backend": "offline" or the cloud address}.
    rendered: dict[str, str] | None = None
    tag_names: list[str] = field(default_factory=list)  # beside `tags`, compared lowercased
    region_id: str = ""  # stable across saves; only set on regions a copy points at
    source_region: str | None = None  # a copy of this project's region with that id
    # Which version of this spec's music: equal specs with different takes sound different
    # (offline engine); 0, the default, is what a request without a take gives.
    take: int = 0
    extra: dict[str, Any] = field(default_factory=dict)  # unknown keys, kept on save
    # Identity for the editor's selection and undo snapshots; never saved or compared.
    uid: int = field(default_factory=lambda: next(_uids), compare=False, repr=False)

    @property
    def end(self) -> float:
        return self.time + self.duration

    def clone(self) -> Region:
        """A copy sharing nothing mutable, uid included. copy.deepcopy's memo bookkeeping
        made every edit of a 20,000-region project cost ~2 s; this is ~10x cheaper."""
        out = object.__new__(Region)  # copy.copy's __reduce_ex__ took most of the time
        out.__dict__.update(self.__dict__)
        out.tags = list(self.tags)
        # keyframes are [position, value] pairs of numbers: a copy of each pair is a deep copy
        out.params = {
            k: [p[:] for p in v] if isinstance(v, list) else v for k, v in self.params.items()
        }
        out.tag_names = list(self.tag_names)
        out.rendered = dict(self.rendered) if self.rendered is not None else None
        out.extra = copy.deepcopy(self.extra) if self.extra else {}
        return out

    def to_request(self) -> dict[str, Any]:
        """The contract's region object: only contract keys, none of the editor's."""
        out = self._request_view()
        if "params" in out:
            out["params"] = copy.deepcopy(out["params"])
        return out

    def _request_view(self) -> dict[str, Any]:
        """`to_request` sharing this region's params (not copied): for reading only, as
        the digest does for every region of a big project on each open and edit."""
        out: dict[str, Any] = {
            "time": float(self.time),
            "duration": float(self.duration),
            "action": self.action,
        }
        if self.method:
            out["method"] = self.method
        if self.action == "generate":
            out["tags"] = [int(t) for t in self.tags]
            out["params"] = self.params
            if self.take:
                out["take"] = int(self.take)
        elif self.action == "copy" and self.source_hash:
            out["sourceHash"] = self.source_hash
        return out

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = copy.deepcopy(self.extra)
        out.update(
            time=self.time,
            duration=self.duration,
            action=self.action,
            tags=list(self.tags),
            params=copy.deepcopy(self.params),
        )
        if self.method:
            out["method"] = self.method
        if self.source_hash:
            out["sourceHash"] = self.source_hash
        if self.name:
            out["name"] = self.name
        if self.color:
            out["color"] = self.color
        if self.rendered:
            out["rendered"] = dict(self.rendered)
        if self.tag_names:
            out["tagNames"] = list(self.tag_names)
        if self.region_id:
            out["id"] = self.region_id
        if self.source_region:
            out["sourceRegion"] = self.source_region
        if self.take:
            out["take"] = int(self.take)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Region:
        """Build from JSON without judging it: validation reports problems with context."""
        extra = {k: v for k, v in data.items() if k not in _CONTRACT_KEYS + _EDITOR_KEYS}
        params = default_params()
        if isinstance(data.get("params"), dict):
            params.update(copy.deepcopy(data["params"]))
        return cls(
            time=data.get("time", 0.0),
            duration=data.get("duration", 0.0),
            action=data.get("action", "generate"),
            method=data.get("method"),
            tags=list(data.get("tags") or []),
            params=params,
            source_hash=data.get("sourceHash"),
            name=data.get("name") or "",
            color=data.get("color") or "",
            rendered=_rendered_of(data.get("rendered")),
            tag_names=[str(n) for n in data.get("tagNames") or [] if isinstance(n, str)],
            region_id=str(data.get("id") or ""),
            source_region=str(data["sourceRegion"]) if data.get("sourceRegion") else None,
            take=_take_of(data.get("take")),
            extra=copy.deepcopy(extra),
        )

    def spec_digest(self) -> str:
        """A digest of what decides this region's music (not its position on the timeline).

        Moving a region keeps its music; changing duration, tags, params, action, method,
        source or take does not. The editor compares this with `rendered["spec"]` to mark changes.
        """
        spec = self._request_view()
        spec.pop("time")
        if self.tag_names and "tags" in spec:  # names, so the digest is the same on any backend
            spec["tags"] = [n.strip().lower() for n in self.tag_names]
        if self.action == "copy" and self.source_region and not self.source_hash:
            spec["sourceRegion"] = self.source_region
        blob = json.dumps(spec, sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    @property
    def last_hash(self) -> str | None:
        return (self.rendered or {}).get("hash")

    @property
    def changed_since_render(self) -> bool:
        """True when the region has never been rendered or its music-defining spec changed."""
        if self.action == "silence":
            return False
        return not self.rendered or self.rendered.get("spec") != self.spec_digest()

    @property
    def tokens(self) -> int:
        """What generating this region costs: 1 token per started second; copy/silence are free."""
        return tokens_for(self.duration) if self.action == "generate" else 0

    def label(self, tag_names: dict[int, str] | None = None) -> str:
        if self.name:
            return self.name
        if self.action == "copy":
            if self.source_hash:
                return f"copy {self.source_hash[:8]}"
            return f"copy of {self.source_region}" if self.source_region else "copy (no source)"
        if self.action == "silence":
            return "silence"
        if self.action not in ACTIONS:
            return f"unknown action '{self.action}'"
        if self.tag_names:
            return ", ".join(self.tag_names)
        names = [(tag_names or {}).get(t, f"#{t}") for t in self.tags]
        return ", ".join(names) if names else "generate"
