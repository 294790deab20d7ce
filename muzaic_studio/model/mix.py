"""The editor's own mix: per-region gain and fades, transitions, and the user's markers.

Why these live in the regions' and project's *extra* keys (``"mix"`` in a region,
``"markers"`` at the top level) rather than as Region/Project fields: they are the app's
client-side mix, applied to the rendered audio. `Region.to_request()` sends only the
contract's keys, so the mix never reaches the API, and `Region.spec_digest()` is built
from that request, so changing a gain or a fade never marks a region "changed since
render" and costs no tokens. Extra keys already survive load/save/undo/clipboard.

A *transition* is a flag on the first of two touching regions (``"xfade": true``): the
boundary is crossfaded, the first region's fade-out and the second's fade-in set to the
same length (see `audio.mix` for how it is heard).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Iterable
from dataclasses import asdict, dataclass, replace
from typing import Any

from muzaic_studio.model.region import Region

SHAPES = ("linear", "equal-power", "log")
GAIN_MIN_DB, GAIN_MAX_DB = -30.0, 12.0
FADE_MAX = 10.0
MIX_KEY = "mix"
MARKERS_KEY = "markers"
#: Two regions closer than this (seconds) touch: their boundary can carry a transition.
TOUCH_TOLERANCE = 1e-3
DEFAULT_MARKER_COLOR = "#ffb000"


def _num(value: Any, default: float, lo: float, hi: float) -> float:
    ok = isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)
    return min(hi, max(lo, float(value))) if ok else default


def _shape(value: Any) -> str:
    return value if value in SHAPES else "linear"


@dataclass(frozen=True)
class RegionMix:
    """One region's mix. Fades are seconds inside the region (clamped to fit it)."""

    gain_db: float = 0.0
    fade_in: float = 0.0
    fade_out: float = 0.0
    fade_in_shape: str = "linear"
    fade_out_shape: str = "linear"
    xfade: bool = False  # crossfade into the next touching region

    @property
    def is_flat(self) -> bool:
        return self == RegionMix()

    @property
    def gain(self) -> float:
        """Linear amplitude factor of `gain_db`."""
        return 10.0 ** (self.gain_db / 20.0)

    def to_dict(self) -> dict[str, Any]:
        default = asdict(RegionMix())
        return {k: v for k, v in asdict(self).items() if v != default[k]}

    @classmethod
    def from_dict(cls, data: Any) -> RegionMix:
        """Tolerant: a damaged value falls back to its default (it is not music)."""
        if not isinstance(data, dict):
            return cls()
        return cls(
            gain_db=_num(data.get("gain_db"), 0.0, GAIN_MIN_DB, GAIN_MAX_DB),
            fade_in=_num(data.get("fade_in"), 0.0, 0.0, FADE_MAX),
            fade_out=_num(data.get("fade_out"), 0.0, 0.0, FADE_MAX),
            fade_in_shape=_shape(data.get("fade_in_shape")),
            fade_out_shape=_shape(data.get("fade_out_shape")),
            xfade=data.get("xfade") is True,
        )

    def fitted(self, duration: float) -> RegionMix:
        """Fades shortened so that together they fit *duration* (values already clamped)."""
        total = self.fade_in + self.fade_out
        if duration > 0 and total > duration:
            k = duration / total
            return replace(self, fade_in=self.fade_in * k, fade_out=self.fade_out * k)
        return self


def region_mix(region: Region) -> RegionMix:
    return RegionMix.from_dict(region.extra.get(MIX_KEY)).fitted(region.duration)


def set_region_mix(region: Region, mix: RegionMix) -> None:
    """Store *mix* (clamped, fitted to the region); a flat mix leaves no key in the file."""
    mix = RegionMix.from_dict(asdict(mix)).fitted(region.duration)
    if mix.is_flat:
        region.extra.pop(MIX_KEY, None)
    else:
        region.extra[MIX_KEY] = mix.to_dict()


def split_mix(left: Region, right: Region) -> None:
    """A split region's halves: the left keeps the fade-in, the right the fade-out (and
    the transition into the next region); both keep the gain."""
    mix = region_mix(left)
    set_region_mix(left, replace(mix, fade_out=0.0, xfade=False))
    set_region_mix(right, replace(mix, fade_in=0.0))


def touching_pairs(regions: Iterable[Region]) -> list[tuple[Region, Region]]:
    """Adjacent regions in time order whose boundary can carry a transition."""
    ordered = sorted(regions, key=lambda r: r.time)
    return [
        (a, b) for a, b in itertools.pairwise(ordered) if abs(b.time - a.end) <= TOUCH_TOLERANCE
    ]


def set_transition(first: Region, second: Region, length: float) -> None:
    """One handle for a boundary: *length* seconds each side (0 removes the transition)."""
    limit = min(FADE_MAX, first.duration / 2, second.duration / 2)
    length = min(max(0.0, float(length)), limit)
    a, b = region_mix(first), region_mix(second)
    shape = "equal-power" if length > 1e-4 else "linear"
    set_region_mix(
        first, replace(a, fade_out=length, fade_out_shape=shape, xfade=shape != "linear")
    )
    set_region_mix(second, replace(b, fade_in=length, fade_in_shape=shape))


# -- markers -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Marker:
    time: float
    name: str = ""
    color: str = DEFAULT_MARKER_COLOR

    def to_dict(self) -> dict[str, Any]:
        return {"time": round(self.time, 6), "name": self.name, "color": self.color}


def markers_from(data: Any) -> list[Marker]:
    """The markers stored in a project's extra keys; damaged entries are skipped."""
    out = []
    for item in data if isinstance(data, list) else []:
        if not isinstance(item, dict):
            continue
        t = item.get("time")
        if isinstance(t, int | float) and not isinstance(t, bool) and math.isfinite(t) and t >= 0:
            color = item.get("color")
            out.append(
                Marker(
                    float(t),
                    str(item.get("name") or ""),
                    color if isinstance(color, str) and color else DEFAULT_MARKER_COLOR,
                )
            )
    return sorted(out, key=lambda m: m.time)


def project_markers(extra: dict[str, Any]) -> list[Marker]:
    return markers_from(extra.get(MARKERS_KEY))


def set_project_markers(extra: dict[str, Any], markers: Iterable[Marker]) -> None:
    items = [m.to_dict() for m in sorted(markers, key=lambda m: m.time)]
    if items:
        extra[MARKERS_KEY] = items
    else:
        extra.pop(MARKERS_KEY, None)


def marker_rows(markers: Iterable[Marker], regions: Iterable[Region]) -> list[tuple[float, str]]:
    """(time, name) rows for the CSV export: markers and region starts/ends, in time order."""
    rows = [(m.time, m.name or "Marker") for m in markers]
    for i, r in enumerate(sorted(regions, key=lambda r: r.time), 1):
        label = r.name or f"Region {i}"
        rows += [(r.time, f"{label} start"), (r.end, f"{label} end")]
    return sorted(rows, key=lambda row: row[0])


def markers_csv(rows: Iterable[tuple[float, str]]) -> str:
    import csv
    import io

    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\n")
    writer.writerow(["time", "name"])
    for t, name in rows:
        writer.writerow([f"{t:.3f}", name])
    return buf.getvalue()
