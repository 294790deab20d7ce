"""Is this soundtrack request sendable? The seed schema plus the rules it cannot express.

Every problem names the region (index and start time) and the field, because the user fixes
it on a timeline, not in JSON. The same function guards the CLI, the GUI and the offline
engine's server, so a body the engine accepts is one the app would send.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from typing import Any, TypeGuard

from muzaic_studio.jsonsafe import finite_number
from muzaic_studio.model.region import ACTIONS, KEYFRAMABLE, METHODS, PARAM_NAMES
from muzaic_studio.model.schema import schema_errors

MAX_TOTAL_SECONDS = 1200.0
PARAM_MIN, PARAM_MAX = 1, 10


# Request fields as the editor's user knows them: they edit a timeline, not JSON.
FIELD_LABELS = {"sourceHash": "copy source"}


def field_label(field: str) -> str:
    """A problem's field for user-facing text ("sourceHash" -> "copy source")."""
    return FIELD_LABELS.get(field, field)


@dataclass(frozen=True)
class Problem:
    index: int | None  # region index, None for the whole request
    time: float | None  # the region's start, for the message
    field: str  # e.g. "params.tempo"
    message: str

    def __str__(self) -> str:
        return self.describe(self.field)

    def user_text(self, name: str = "") -> str:
        """As str(), with the field named for the GUI's user (not the API's JSON key) and
        the region by its *name* when it has one (the timeline shows names, not numbers)."""
        return self.describe(field_label(self.field), name)

    def describe(self, field: str, name: str = "") -> str:
        region = (
            f"'{name}'" if name else f"Region {self.index + 1}" if self.index is not None else ""
        )
        if self.index is None:
            where = "Soundtrack"
        elif finite_number(self.time):
            where = f"{region} (at {self.time:.2f} s)"
        else:
            where = region
        return f"{where}: {field}: {self.message}" if field else f"{where}: {self.message}"


def _is_int(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_number(v: Any) -> TypeGuard[int | float]:
    """A finite JSON number: NaN, Infinity and ints beyond float range are not (jsonsafe)."""
    return finite_number(v)


def _show(v: Any, limit: int = 40) -> str:
    """A value quoted for a message, cut short: a field may hold a megabyte or 4000 digits."""
    try:
        text = repr(v)
    except ValueError:  # an int too long for str()
        return "a number too large"
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_keyframes(v: Any) -> bool:
    return isinstance(v, list)


def _keyframe_problems(value: list, field: str, at: tuple[int, Any]) -> list[Problem]:
    if not value:
        return [Problem(*at, field, "keyframe list is empty")]
    last = -1.0
    for k, point in enumerate(value):
        if not (isinstance(point, list | tuple) and len(point) == 2):
            return [Problem(*at, f"{field}[{k}]", "a keyframe is [position_percent, value]")]
        pos, val = point
        if not _is_number(pos) or not 0 <= pos <= 100:
            return [Problem(*at, f"{field}[{k}]", f"position {_show(pos)} must be 0..100")]
        if pos < last:
            return [Problem(*at, f"{field}[{k}]", "keyframe positions must not go backwards")]
        if not _is_number(val) or not PARAM_MIN <= val <= PARAM_MAX:
            return [
                Problem(
                    *at, f"{field}[{k}]", f"value {_show(val)} must be {PARAM_MIN}..{PARAM_MAX}"
                )
            ]
        last = pos
    return []


def _region_problems(i: int, region: Any) -> list[Problem]:
    if not isinstance(region, dict):
        return [Problem(i, None, "", "a region must be a JSON object")]
    t = region.get("time")
    at = (i, t)
    out: list[Problem] = []
    for key in ("time", "duration", "action"):
        if key not in region:
            out.append(Problem(*at, key, "is required"))
    if "time" in region and (not _is_number(t) or t < 0):
        out.append(Problem(*at, "time", f"{_show(t)} must be a number >= 0"))
    d = region.get("duration")
    if "duration" in region and (not _is_number(d) or d <= 0):
        out.append(Problem(*at, "duration", f"{_show(d)} must be a number > 0"))
    action = region.get("action")
    if "action" in region and action not in ACTIONS:
        out.append(Problem(*at, "action", f"{_show(action)} must be one of {', '.join(ACTIONS)}"))
    method = region.get("method")
    if method is not None and method not in METHODS:
        out.append(Problem(*at, "method", f"{_show(method)} must be one of {', '.join(METHODS)}"))
    tags = region.get("tags")
    if tags is not None and (not isinstance(tags, list) or not all(_is_int(x) for x in tags)):
        out.append(Problem(*at, "tags", "must be a list of integer tag ids"))
    params = region.get("params")
    if params is not None:
        if not isinstance(params, dict):
            out.append(Problem(*at, "params", "must be an object"))
        else:
            for name, value in params.items():
                field = f"params.{name}"
                if name not in PARAM_NAMES:
                    out.append(
                        Problem(*at, field, f"unknown param (known: {', '.join(PARAM_NAMES)})")
                    )
                elif _is_keyframes(value):
                    if name not in KEYFRAMABLE:
                        out.append(Problem(*at, field, "tempo cannot have keyframes"))
                    else:
                        out += _keyframe_problems(value, field, at)
                elif not _is_int(value) or not PARAM_MIN <= value <= PARAM_MAX:
                    out.append(
                        Problem(
                            *at,
                            field,
                            f"{_show(value)} must be an integer {PARAM_MIN}..{PARAM_MAX}",
                        )
                    )
    take = region.get("take")
    if take is not None and (not _is_int(take) or not 0 <= take < 2**31):
        out.append(Problem(*at, "take", f"{_show(take)} must be an integer >= 0"))
    if action == "copy":
        src = region.get("sourceHash")
        if not isinstance(src, str) or not src:
            out.append(
                Problem(*at, "sourceHash", "a copy region needs the hash of the region to copy")
            )
    return out


def _schema_view(body: dict[str, Any]) -> dict[str, Any]:
    """The body as the seed schema sees it: keyframe params stand in as their first value.

    The contract types params as ints, but real servers accept keyframes (see the API
    README); they are checked by `_keyframe_problems` instead, so the schema still guards
    every other field. New dicts only where a param changes: the body is not copied.
    """

    def view(region: Any) -> Any:
        params = region.get("params") if isinstance(region, dict) else None
        if not isinstance(params, dict) or not any(isinstance(v, list) for v in params.values()):
            return region
        flat = {k: PARAM_MIN if isinstance(v, list) else v for k, v in params.items()}
        return {**region, "params": flat}

    return {**body, "regions": [view(r) for r in body.get("regions") or []]}


class ValidBody(dict[str, Any]):
    """A request body that `validate_request` accepted, marked so: a backend in the same
    process (the in-process offline engine) need not check it a second time."""


def validate_request(body: Any, *, schema: bool = True) -> list[Problem]:
    """All problems of a POST /soundtrack body (canonical form); [] when it can be sent.

    *schema* False leaves out the last step, the JSON schema (importing jsonschema and
    building its validator take ~60 ms): the GUI checks a project it opens without it
    before its first paint and with it right after (start-up, issue 17)."""
    if not isinstance(body, dict):
        return [Problem(None, None, "", "the request must be a JSON object")]
    regions = body.get("regions")
    if not isinstance(regions, list):
        return [Problem(None, None, "regions", "is required and must be a list")]
    if not regions:
        return [Problem(None, None, "regions", "the soundtrack has no regions")]
    problems: list[Problem] = []
    if "normalize" in body and not isinstance(body["normalize"], bool):
        problems.append(Problem(None, None, "normalize", "must be true or false"))
    for i, region in enumerate(regions):
        problems += _region_problems(i, region)
    typed = all(
        isinstance(r, dict) and _is_number(r.get("time")) and _is_number(r.get("duration"))
        for r in regions
    )
    if not typed:
        return problems
    # Overlap and length need numeric times, hence after the per-field checks.
    order = sorted(range(len(regions)), key=lambda k: regions[k]["time"])
    for a, b in itertools.pairwise(order):
        ra, rb = regions[a], regions[b]
        if rb["time"] < ra["time"] + ra["duration"] - 1e-6:
            problems.append(
                Problem(b, rb["time"], "time",
                        f"overlaps region {a + 1} ({ra['time']:.2f}-{ra['time'] + ra['duration']:.2f} s)")
            )  # fmt: skip
    end = max(r["time"] + r["duration"] for r in regions)
    if end > MAX_TOTAL_SECONDS:
        last = max(range(len(regions)), key=lambda k: regions[k]["time"] + regions[k]["duration"])
        problems.append(
            Problem(last, regions[last]["time"], "duration",
                    f"the soundtrack ends at {end:.1f} s; the longest allowed is {MAX_TOTAL_SECONDS:.0f} s")
        )  # fmt: skip
    if problems or not schema:
        return problems  # the schema would only repeat them in its own words
    for err in schema_errors(_schema_view(body)):
        path = list(err.absolute_path)
        if len(path) >= 2 and path[0] == "regions" and isinstance(path[1], int):
            i = path[1]
            field = ".".join(str(p) for p in path[2:])
            problems.append(Problem(i, regions[i].get("time"), field, err.message))
        else:
            problems.append(Problem(None, None, ".".join(map(str, path)), err.message))
    return problems
