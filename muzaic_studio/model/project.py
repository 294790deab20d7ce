"""The soundtrack document and its `*.muzaic` file (versioned JSON, written atomically).

Unknown keys, at the top level and in regions, survive a load/save so that files written
by newer minor versions or other tools lose nothing.
"""

from __future__ import annotations

import copy
import json
import os
import stat
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from muzaic_studio.atomic import atomic_write_bytes
from muzaic_studio.jsonsafe import JSONError, finite_number, loads, lone_surrogate_path, path_text
from muzaic_studio.model.library import HashLibrary, LibraryEntry
from muzaic_studio.model.migrate import upgrade_v1
from muzaic_studio.model.region import Region

FORMAT_NAME = "muzaic-studio"
FORMAT_VERSION = 2  # 2: regions keep tagNames; /1 files are upgraded on open (migrate.py)
FORMAT = f"{FORMAT_NAME}/{FORMAT_VERSION}"
SUFFIX = ".muzaic"

MAX_FILE_BYTES = 64 << 20  # a 20-minute project with a full library is well under 1 MiB
# Where a region may end, in seconds: far beyond the API's 20 minutes, so a long project
# still opens and validation names it, but small enough that the timeline's pixel
# positions fit Qt's 32-bit ints at its highest zoom (2400 px/s); past it the editor crashed.
MAX_END_SECONDS = 24 * 3600.0
MAX_LISTED = 5  # broken regions named in an open's message
PROGRESS_EVERY = 1000  # regions read between two progress reports of a long open
#: Told how far a long read has got (0..1): the editor's status bar shows it, and may raise
#: (a cancelled open) to stop the read between two regions.
ReadProgress = Callable[[float], None]
_TEXT_KEYS = ("name", "color", "method", "sourceHash")  # text or absent; the editor shows them
_KNOWN = ("format", "name", "normalize", "regions", "video", "lastRender", "library", "tempoBpm")


class ProjectError(ValueError):
    """A project file that cannot be opened; the message says why and where."""


def _check_region_shape(i: int, raw: dict[str, Any]) -> None:
    """Refuse what a Region cannot hold, rather than crash or silently drop the user's data.

    Wrong values of the right shape (a param of 11, an unknown action) load, so the editor
    can show them and validation names them; a tags or params of the wrong type cannot.
    """
    where = f"Region {i + 1} (at {raw['time']:.2f} s)"
    tags = raw.get("tags")
    if tags is not None and (
        not isinstance(tags, list)
        or not all(isinstance(t, int) and not isinstance(t, bool) for t in tags)
    ):
        raise ProjectError(f"{where}: tags must be a list of integer tag ids, found {tags!r}.")
    names = raw.get("tagNames")
    if names is not None and (
        not isinstance(names, list) or not all(isinstance(n, str) for n in names)
    ):
        raise ProjectError(f"{where}: tagNames must be a list of tag names, found {names!r}.")
    params = raw.get("params")
    if params is not None and not isinstance(params, dict):
        raise ProjectError(f"{where}: params must be an object, found {params!r}.")
    for name, value in (params or {}).items():
        if not _param_shape_ok(value):
            raise ProjectError(
                f"{where}: params.{name} must be a number or a list of [position, value] "
                f"keyframes of numbers, found {_shown(value)}."
            )
    for key in _TEXT_KEYS:
        if raw.get(key) is not None and not isinstance(raw[key], str):
            raise ProjectError(f"{where}: {key} must be text, found {_shown(raw[key])}.")
    if raw["time"] + raw["duration"] > MAX_END_SECONDS:
        raise ProjectError(
            f"{where}: it ends at {raw['time'] + raw['duration']:.0f} s; a project is at "
            f"most {MAX_END_SECONDS / 3600:.0f} hours long."
        )


def _shown(value: Any) -> str:
    """A damaged value as a message shows it: short, and no 400-digit integer."""
    huge = type(value) is int and not finite_number(value)
    return "a huge number" if huge else repr(value)[:40]


def _param_shape_ok(value: Any) -> bool:
    """A param the editor can show: a finite number (out of range is validation's to say)
    or keyframes of two finite numbers each. NaN, a string or a one-number keyframe
    crashed the Inspector."""
    if isinstance(value, list):
        return all(isinstance(k, list) and len(k) == 2 and all(map(_sane, k)) for k in value)
    return isinstance(value, bool) or _sane(value)


def _sane(value: Any) -> bool:
    """A finite number a slider or a curve can hold (Qt's are 32-bit ints)."""
    return finite_number(value) and abs(value) <= 1e6


def _region_of(i: int, raw: Any) -> Region:
    """Region *i* of a project file; ProjectError says what cannot be read."""
    if not isinstance(raw, dict):
        raise ProjectError(f"Region {i + 1}: expected an object, found {type(raw).__name__}.")
    for key in ("time", "duration"):
        value = raw.get(key)
        # NaN, Infinity and ints beyond float range are no time, nor JSON to send.
        if not finite_number(value):
            raise ProjectError(f"Region {i + 1}: {key} must be a number, found {_shown(value)}.")
    _check_region_shape(i, raw)
    bad = lone_surrogate_path(raw)
    if bad is not None:
        raise ProjectError(
            f"Region {i + 1} (at {raw['time']:.2f} s): {path_text(bad)}: "
            "contains an invalid character (a lone UTF-16 surrogate), which cannot be "
            "saved; retype that text."
        )
    return Region.from_dict(raw)


def _last_render(value: Any) -> dict[str, Any] | None:
    """The last render's record; an `audio` that is no file name (it names a cached file,
    found again by it) is dropped, the hashes and tokens are kept."""
    if not isinstance(value, dict):
        return None
    out = copy.deepcopy(value)
    if not isinstance(out.get("audio", ""), str) or "\0" in out.get("audio", ""):
        out.pop("audio")
    return out


def _tempo(value: Any) -> float:
    """The editor's bar-grid tempo; a damaged value falls back to 120 (it is not music)."""
    return float(value) if finite_number(value) and value > 0 else 120.0


def _read_regular_file(path: Path) -> bytes:
    """The bytes of a regular file; a FIFO, device or directory is refused without blocking.

    `open()` of a FIFO waits for a writer and /dev/zero never ends, so the type is checked
    first, the file opened non-blocking, checked again (it may have been swapped), and
    read up to MAX_FILE_BYTES.
    """
    if not stat.S_ISREG(os.stat(path).st_mode):
        raise ProjectError(f"{path} is not a regular file (a folder, device or pipe).")
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as fh:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ProjectError(f"{path} is not a regular file (a folder, device or pipe).")
        if info.st_size > MAX_FILE_BYTES:
            raise ProjectError(
                f"{path.name} is {info.st_size >> 20} MiB; a project file is at most "
                f"{MAX_FILE_BYTES >> 20} MiB."
            )
        return fh.read(MAX_FILE_BYTES + 1)


@dataclass
class Project:
    regions: list[Region] = field(default_factory=list)
    normalize: bool = True
    name: str = ""
    video: str | None = None  # relative to the project file when saved next to it
    last_render: dict[str, Any] | None = None  # tokens, duration, audio path, hashes
    library: HashLibrary = field(default_factory=HashLibrary)
    tempo_bpm: float = 120.0  # for the editor's bar grid only
    extra: dict[str, Any] = field(default_factory=dict)

    # -- queries -----------------------------------------------------------------------
    @property
    def duration(self) -> float:
        return max((r.end for r in self.regions), default=0.0)

    @property
    def estimated_tokens(self) -> int:
        return sum(r.tokens for r in self.regions)

    def sorted_regions(self) -> list[Region]:
        return sorted(self.regions, key=lambda r: r.time)

    def request_body(self) -> dict[str, Any]:
        """The exact POST /soundtrack body: regions in time order, editor keys stripped."""
        return {
            "regions": [r.to_request() for r in self.sorted_regions()],
            "normalize": bool(self.normalize),
        }

    # -- serialisation -----------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out = copy.deepcopy(self.extra)
        out.update(
            format=FORMAT,
            normalize=self.normalize,
            regions=[r.to_dict() for r in self.sorted_regions()],
            library=self.library.to_list(),
            tempoBpm=self.tempo_bpm,
        )
        if self.name:
            out["name"] = self.name
        if self.video:
            out["video"] = self.video
        if self.last_render:
            out["lastRender"] = copy.deepcopy(self.last_render)
        return out

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, ensure_ascii=False) + "\n"

    @classmethod
    def from_dict(cls, data: Any, progress: ReadProgress | None = None) -> Project:
        if not isinstance(data, dict):
            raise ProjectError("The file is not a Muzaic Studio project (expected a JSON object).")
        fmt = data.get("format", FORMAT)
        name, _, version = str(fmt)[:100].partition("/")
        if name != FORMAT_NAME or not (version.isascii() and version.isdigit()) or len(version) > 9:
            raise ProjectError(f"Unknown project format {fmt!r}; expected {FORMAT!r}.")
        if int(version) > FORMAT_VERSION:
            raise ProjectError(
                f"This project was saved by a newer Muzaic Studio (format {fmt}); "
                f"this version reads up to {FORMAT}. Please update Muzaic Studio."
            )
        if int(version) < 2:
            data = upgrade_v1(data)  # 0.1's offline tag ids, named; saved as /2
        raw_regions = data.get("regions", [])
        if not isinstance(raw_regions, list):
            raise ProjectError("'regions' must be a list of regions.")
        regions, errors = [], []
        for i, raw in enumerate(raw_regions):
            if progress is not None and i % PROGRESS_EVERY == 0:
                progress(i / len(raw_regions))
            try:
                regions.append(_region_of(i, raw))
            except ProjectError as exc:  # every broken region is named, not just the first
                errors.append(str(exc))
        if errors:  # the first few, so a 50,000-region file's message stays readable
            more = f" ({len(errors)} problems)" if len(errors) > 1 else ""
            raise ProjectError(" ".join(errors[:MAX_LISTED]) + more if more else errors[0])
        bad = lone_surrogate_path({k: v for k, v in data.items() if k != "regions"})
        if bad is not None:
            raise ProjectError(
                f"{path_text(bad)}: contains an invalid character (a lone UTF-16 "
                "surrogate), which cannot be saved; retype that text."
            )
        video = data.get("video")
        if isinstance(video, str) and "\0" in video:
            raise ProjectError(f"video: {video[:60]!r} is not a file path (it holds a NUL).")
        normalize = data.get("normalize", True)
        return cls(
            regions=regions,
            normalize=normalize if isinstance(normalize, bool) else str(normalize) != "none",
            name=str(data.get("name") or ""),
            video=data.get("video") if isinstance(data.get("video"), str) else None,
            last_render=_last_render(data.get("lastRender")),
            library=HashLibrary.from_list(data.get("library")),
            tempo_bpm=_tempo(data.get("tempoBpm")),
            extra={k: copy.deepcopy(v) for k, v in data.items() if k not in _KNOWN},
        )

    @classmethod
    def from_json(cls, text: str, progress: ReadProgress | None = None) -> Project:
        try:
            data = loads(text, strict_numbers=False)  # the region's field is named below
        except JSONError as exc:
            raise ProjectError(f"The project file is not valid JSON: {exc}.") from None
        return cls.from_dict(data, progress)

    @classmethod
    def load(cls, path: str | os.PathLike[str], progress: ReadProgress | None = None) -> Project:
        """Read a project; never writes anything, so a failed open changes nothing on disk.
        *progress* hears how many of the regions were read (see `ReadProgress`)."""
        p = Path(path)
        try:
            text = _read_regular_file(p).decode("utf-8-sig")  # a BOM (Notepad) is no error
        except FileNotFoundError as exc:
            raise ProjectError(f"No project file at {p}.") from exc
        except UnicodeDecodeError as exc:
            raise ProjectError(f"{p.name} is not a text project file.") from exc
        except OSError as exc:
            raise ProjectError(f"Cannot read {p}: {exc.strerror or exc}.") from exc
        try:
            return cls.from_json(text, progress)
        except ProjectError as exc:
            raise ProjectError(f"{p.name}: {exc}") from exc

    def save(self, path: str | os.PathLike[str]) -> None:
        text = self.to_json()
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate slipped in: JSON's \u escape keeps it
            data = (json.dumps(self.to_dict(), indent=2) + "\n").encode("ascii")
        atomic_write_bytes(path, data)

    def video_path(self, project_path: str | os.PathLike[str] | None) -> Path | None:
        """The video's absolute path; relative paths are relative to the project file."""
        if not self.video:
            return None
        video = Path(self.video)
        if video.is_absolute() or project_path is None:
            return video
        return (Path(project_path).parent / video).resolve()

    # -- render bookkeeping ------------------------------------------------------------
    def apply_render(
        self,
        sent_regions: list[Region],
        region_hashes: list[str],
        *,
        tokens_used: int,
        audio_duration: float,
        audio_path: str | None = None,
        rendered_at: float | None = None,
        reused: Collection[int] = (),
        soundtrack_hash: str | None = None,
        tokens_estimated: int | None = None,
        backend: str = "",
        soundtrack: bool = True,
    ) -> None:
        """Record a render: each region gets its hash; hashes join the library.

        *sent_regions* are the regions in the order they were sent: this project's Region
        objects or copies taken when the render started; each result is recorded on the
        copy with the spec that was sent and passed on to the live region with its uid, so
        a region edited while the render ran still shows as changed.
        *reused* are the uids sent as copies of their own last hash ("render changes"):
        they keep that hash, so the library does not fill with aliases of the same music.
        An answer without per-region hashes (only a soundtrack hash) marks each region's
        music as current without a hash, so it cannot be reused as a copy.
        *backend* made the hashes ("offline" or the cloud's address, see hash_origin.py):
        a hash is only worth copying on the backend that made it.
        *soundtrack* False: a request that rendered copy sources only (laid end to end):
        their hashes are kept, but `last_render` stays the soundtrack's. Recorded as the
        last render, a soundtrack request that then failed or was cancelled left the
        project opening with the sources' audio (12 s of a 60 s demo) as its soundtrack.
        """
        import time

        if region_hashes and len(region_hashes) != len(sent_regions):
            raise ValueError(
                f"The server returned {len(region_hashes)} hashes for {len(sent_regions)} regions."
            )
        now = rendered_at or time.time()
        hashes = list(region_hashes) or [""] * len(sent_regions)
        live = {r.uid: r for r in self.regions}
        for region, hash_ in zip(sent_regions, hashes, strict=True):
            if region.action == "silence" or region.uid in reused:
                continue
            if hash_:
                region.rendered = {"hash": hash_, "spec": region.spec_digest()}
                if backend:
                    region.rendered["backend"] = backend
            elif not region_hashes:
                region.rendered = {"spec": region.spec_digest()}
            else:
                continue
            target = live.get(region.uid)
            if target is not None and target is not region:
                target.rendered = dict(region.rendered)
            if not hash_:
                continue
            if region.action == "generate":
                self.library.add(
                    LibraryEntry(
                        hash=hash_,
                        duration=region.duration,
                        action=region.action,
                        tags=list(region.tags),
                        params=copy.deepcopy(region.params),
                        created=now,
                        name=region.name,
                        tag_names=list(region.tag_names),
                        backend=backend,
                    )
                )
        if not soundtrack:
            return
        self.last_render = {
            "regionHashes": list(region_hashes),
            "tokensUsed": int(tokens_used),
            "audioDuration": float(audio_duration),
            "renderedAt": now,
        }
        if soundtrack_hash:
            self.last_render["soundtrackHash"] = soundtrack_hash
        if tokens_estimated is not None:
            self.last_render["tokensEstimated"] = int(tokens_estimated)
        if backend:
            self.last_render["backend"] = backend
        if audio_path:
            self.last_render["audio"] = audio_path
