"""Hypothesis strategies for regions and projects that are valid to send."""

from __future__ import annotations

from hypothesis import strategies as st

from muzaic_studio.model import PARAM_NAMES, HashLibrary, LibraryEntry, Project, Region
from muzaic_studio.model.region import KEYFRAMABLE

_CONTRACT_AND_EDITOR = {
    "time", "duration", "action", "method", "tags", "params", "sourceHash",
    "name", "color", "rendered",
}  # fmt: skip
_PROJECT_KNOWN = {
    "format", "name", "normalize", "regions", "video", "lastRender", "library", "tempoBpm",
}  # fmt: skip

seconds = st.integers(0, 60_000).map(lambda ms: ms / 1000)  # exact in JSON and in sums
hashes = st.text("0123456789abcdef", min_size=8, max_size=32)
json_scalars = st.none() | st.booleans() | st.integers(-(2**40), 2**40) | st.text(max_size=12)
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3)
    ),
    max_leaves=8,
)
unknown_keys = st.text("abcdefghijklmnopqrstuvwxyzXYZ_", min_size=1, max_size=10)


@st.composite
def keyframes(draw) -> list[list[float]]:
    positions = sorted(draw(st.lists(st.integers(0, 100), min_size=1, max_size=4)))
    return [[p, draw(st.integers(1, 10))] for p in positions]


@st.composite
def params(draw, allow_keyframes: bool = True) -> dict:
    out = {}
    for name in PARAM_NAMES:
        if allow_keyframes and name in KEYFRAMABLE and draw(st.booleans()):
            out[name] = draw(keyframes())
        else:
            out[name] = draw(st.integers(1, 10))
    return out


@st.composite
def regions(draw, time: float, allow_keyframes: bool = True, with_extras: bool = True) -> Region:
    duration = draw(st.integers(100, 60_000).map(lambda ms: ms / 1000))
    action = draw(st.sampled_from(["generate", "generate", "copy", "silence"]))
    extra = {}
    if with_extras:
        extra = draw(
            st.dictionaries(
                unknown_keys.filter(lambda k: k not in _CONTRACT_AND_EDITOR),
                json_values,
                max_size=2,
            )
        )
    rendered = None
    if action == "generate" and draw(st.booleans()):
        rendered = {"hash": draw(hashes), "spec": draw(hashes)}
    return Region(
        time=time,
        duration=duration,
        action=action,
        method=draw(st.sampled_from([None, "strict", "smart"])),
        tags=draw(st.lists(st.integers(1, 500), max_size=4)) if action == "generate" else [],
        params=draw(params(allow_keyframes)),
        source_hash=draw(hashes) if action == "copy" else None,
        name=draw(st.text(max_size=8)) if with_extras else "",
        color=draw(st.sampled_from(["", "#ff8800", "#123456"])) if with_extras else "",
        rendered=rendered,
        extra=extra,
    )


@st.composite
def projects(
    draw, max_regions: int = 6, allow_keyframes: bool = True, with_extras: bool = True
) -> Project:
    n = draw(st.integers(1, max_regions))
    out: list[Region] = []
    t = draw(seconds)
    for _ in range(n):
        region = draw(regions(t, allow_keyframes, with_extras))
        out.append(region)
        t = region.time + region.duration + draw(st.integers(0, 10_000)) / 1000
    library = HashLibrary(
        [
            LibraryEntry(
                hash=draw(hashes),
                duration=draw(seconds),
                tags=draw(st.lists(st.integers(1, 50), max_size=3)),
                params=draw(params(allow_keyframes=False)),
                created=float(draw(st.integers(0, 2_000_000_000))),
                thumbnail=draw(st.lists(st.integers(0, 1000).map(lambda v: v / 1000), max_size=8)),
                name=draw(st.text(max_size=6)),
            )
            for _ in range(draw(st.integers(0, 3)))
        ]
    )
    extra = {}
    if with_extras:
        extra = draw(
            st.dictionaries(
                unknown_keys.filter(lambda k: k not in _PROJECT_KNOWN), json_values, max_size=3
            )
        )
    return Project(
        regions=draw(st.permutations(out)),  # any order in memory; time order on disk
        normalize=draw(st.booleans()),
        name=draw(st.text(max_size=10)),
        video=draw(st.sampled_from([None, "clip.mp4", "/abs/video.mov"])),
        last_render=draw(st.none() | st.just({"tokensUsed": 3, "audioDuration": 4.5})),
        library=library,
        tempo_bpm=float(draw(st.integers(40, 240))),
        extra=extra,
    )
