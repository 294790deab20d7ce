"""Accept what real clients send, then hand the shared validator the canonical form.

Real clients differ from the contract (see the API README): `action` omitted for
generate, `normalize` as "none"/"auto"/"high", params 1..9, keyframe lists, an `extend`
action. The engine is lenient about exactly those, and says what it did in `notes` (they
end up in the response's `status`), then runs `model.validation.validate_request`, the
same check the app applies before sending, so everything else is a precise 400.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from muzaic_studio.contract.errors import InvalidRequest
from muzaic_studio.jsonsafe import finite_number
from muzaic_studio.model.region import default_params
from muzaic_studio.model.validation import Problem, ValidBody, validate_request

_NORMALIZE_WORDS = {
    "none": False,
    "off": False,
    "false": False,
    "no": False,
    "0": False,
    "auto": True,
    "high": True,
    "true": True,
    "on": True,
    "yes": True,
    "1": True,
}


@dataclass
class Canonical:
    body: dict[str, Any]  # {"regions": [...], "normalize": bool}
    notes: dict[int, list[str]] = field(default_factory=dict)  # region index -> what we did


def _int_if_integral(v: Any) -> Any:
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def canonicalize(body: Any, region_hash: Callable[[dict[str, Any]], str]) -> Canonical:
    """Lenient legacy forms -> canonical body; raises InvalidRequest listing every problem.

    `region_hash` turns a canonical region into its hash; `extend` needs it to name the
    previous region's music as the copy source.
    """
    if not isinstance(body, dict):
        raise InvalidRequest(str(Problem(None, None, "", "the request must be a JSON object")))
    out = copy.deepcopy(body)
    notes: dict[int, list[str]] = {}
    norm = out.get("normalize")
    if isinstance(norm, str) and norm.strip().lower() in _NORMALIZE_WORDS:
        out["normalize"] = _NORMALIZE_WORDS[norm.strip().lower()]
    elif norm is None:
        out["normalize"] = False
    elif isinstance(norm, int) and not isinstance(norm, bool) and norm in (0, 1):
        out["normalize"] = bool(norm)
    regions = out.get("regions")
    if isinstance(regions, list):
        for i, region in enumerate(regions):
            if not isinstance(region, dict):
                continue
            action = region.get("action")
            if "action" not in region:
                region["action"] = "generate"
                notes.setdefault(i, []).append("no action given: generated")
            elif isinstance(action, str) and action.strip().lower() != action:
                region["action"] = action = action.strip().lower()
            params = region.get("params")
            if isinstance(params, dict):
                for k, v in list(params.items()):
                    if isinstance(v, list):
                        params[k] = [
                            [_int_if_integral(x) for x in p] if isinstance(p, list) else p
                            for p in v
                        ]
                    else:
                        params[k] = _int_if_integral(v)
            if region.get("action") == "extend":
                prev = _previous(regions, i)
                if prev is None:
                    region["action"] = "generate"
                    notes.setdefault(i, []).append("'extend' with nothing before it: generated")
                else:
                    region["action"] = "copy"
                    region["sourceHash"] = region_hash(_defaults(regions[prev]))
                    region["continuation"] = True
                    notes.setdefault(i, []).append(
                        f"'extend' continues region {prev + 1}: its music carries on"
                    )
    # A body validated by this process's render use case is not checked twice.
    problems = [] if isinstance(body, ValidBody) else validate_request(out)
    if problems:
        raise InvalidRequest("; ".join(str(p) for p in problems))
    out["regions"] = [_defaults(r) for r in out["regions"]]
    return Canonical(out, notes)


def _previous(regions: list[Any], i: int) -> int | None:
    """The region that ends latest at or before region i starts (the music it extends)."""
    me = regions[i]
    if not _num(me.get("time")):
        return None
    best = None
    for j, r in enumerate(regions):
        if (
            j == i
            or not isinstance(r, dict)
            or not (_num(r.get("time")) and _num(r.get("duration")))
        ):
            continue
        ends_before = r["time"] + r["duration"] <= me["time"] + 1e-6
        if (
            ends_before
            and r.get("action") != "extend"
            and (best is None or r["time"] > regions[best]["time"])
        ):
            best = j
    if best is not None and regions[best].get("action") not in ("generate", "copy", None):
        return None
    return best


def _num(v: Any) -> bool:
    return finite_number(v)


def _defaults(region: dict[str, Any]) -> dict[str, Any]:
    """Fill method, tags and params with their defaults, so equal music has one hash."""
    r = dict(region)
    r.setdefault("action", "generate")
    r["method"] = r.get("method") or "strict"
    r["tags"] = list(r.get("tags") or [])
    r["params"] = {**default_params(), **(r.get("params") or {})}
    return r
