"""Render history: every render's answer and audio kept in the project's cache folder.

Each project gets a folder ``cache_dir()/renders/<cacheId>`` (the id is stored in the
project file, so it survives renaming and Save As; an untitled project gets one at its
first render). For each render the folder holds, under one stem ``render-<time>-<id>``:

* ``.answer.json``: what the server said (hashes, tokens, durations), written the moment
  the answer arrives, before anything that can fail: a paid render is never lost;
* the audio (``.mp3`` or ``.wav``) as the server sent it, and its waveform cache
  (``.peaks.npz``, so switching between renders never decodes again);

and ``history.json`` lists the renders that completed. Only the last `KEEP` are kept;
older files (and those of as many failed renders) are deleted when a new one arrives.
Plain Python (file I/O only): the CLI and the GUI's worker use it alike.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from muzaic_studio import paths
from muzaic_studio.atomic import atomic_write_bytes, atomic_write_text
from muzaic_studio.model import Project
from muzaic_studio.wording import clock

KEEP = 10
CACHE_ID_KEY = "cacheId"
ANSWER_SUFFIX = ".answer.json"


@dataclass
class RenderRecord:
    file: str  # file name inside the history folder
    rendered_at: float
    duration: float
    tokens: int  # what the server charged
    tokens_saved: int = 0
    backend: str = ""
    spans: list[list[Any]] = field(default_factory=list)  # [time, duration, hash] per region
    only_changes: bool = False
    estimate: int | None = None  # the tokens the plan expected, shown beside the charge

    @property
    def peaks_file(self) -> str:
        return self.file + ".peaks.npz"

    def label(self) -> str:
        stamp = time.strftime("%H:%M:%S", time.localtime(self.rendered_at))
        kind = "changes" if self.only_changes else "full"
        saved = f", {self.tokens_saved} saved" if self.tokens_saved else ""
        estimate = (
            f" (estimate {self.estimate})"
            if self.estimate is not None and self.estimate != self.tokens
            else ""
        )
        free = self.backend == "offline" and not self.tokens
        cost = "free" if free else f"{self.tokens} tokens{estimate}"
        # two short lines: one long line was cut at the panel's edge ("(off")
        return f"{stamp}  {clock(self.duration)}  {kind}\n{cost}{saved} · {self.backend}"

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> RenderRecord:
        known = {k: data[k] for k in cls.__dataclass_fields__ if k in data}
        return cls(**known)


def project_cache_id(project: Project) -> str:
    """The project's cache folder id; created (in the project's extra keys) on first use."""
    value = project.extra.get(CACHE_ID_KEY)
    if not isinstance(value, str) or not value.isalnum():
        value = os.urandom(
            16
        ).hex()  # as long as a uuid4's hex; uuid's import is 2.5 ms of start-up
        project.extra[CACHE_ID_KEY] = value
    return value


class RenderHistory:
    """The render files of one project. The index is read and changed on one thread (the
    GUI's, or the CLI's); workers only write new files under a fresh stem."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._records: list[RenderRecord] = []
        self._load()

    @classmethod
    def for_project(cls, project: Project) -> RenderHistory:
        return cls(paths.cache_dir() / "renders" / project_cache_id(project))

    def _index(self) -> Path:
        return self.folder / "history.json"

    def _load(self) -> None:
        try:
            data = json.loads(self._index().read_text("utf-8"))
            records = [RenderRecord.from_dict(d) for d in data.get("renders", [])]
        except (OSError, ValueError, TypeError, AttributeError):
            records = []
        self._records = [r for r in records if (self.folder / r.file).is_file()]

    def records(self) -> list[RenderRecord]:
        """Newest first."""
        return list(self._records)

    def __len__(self) -> int:
        return len(self._records)

    def path(self, record: RenderRecord) -> Path:
        return self.folder / record.file

    def peaks_path(self, record: RenderRecord) -> Path:
        return self.folder / record.peaks_file

    def new_audio_path(self, suffix: str = "mp3") -> Path:
        """A fresh file name for the next render (the worker writes it)."""
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        return self.folder / f"render-{stamp}-{os.urandom(3).hex()}.{suffix}"

    def pyramid(self, record: RenderRecord, cancel: Any = None, peaks: Any = None) -> Any:
        """*record*'s waveform pyramid from its cache, decoded (and cached) when missing or
        stale. Runs on a worker: decoding takes seconds for a long soundtrack, so *peaks*
        (``send`` and ``focus``, see `render.job.execute`) gets snapshots meanwhile."""
        from muzaic_studio.audio.peaks import load_or_build_pyramid

        return load_or_build_pyramid(
            self.path(record), self.peaks_path(record), cancel=cancel,
            focus=peaks.focus if peaks is not None else None,
            on_partial=peaks.send if peaks is not None else None,
        )  # fmt: skip

    def hash_audio(self, hash_: str) -> tuple[Path, float, float, float] | None:
        """(file, start, length, file duration) of *hash_* in a kept render, newest first."""
        for record in self._records:
            for time_, duration, h in record.spans:
                if h == hash_:
                    return self.path(record), float(time_), float(duration), record.duration
        return None

    def keep_answer(self, audio_path: Path, answer: dict[str, Any]) -> Path:
        """Write what the server answered next to where its audio goes; first of all."""
        self.folder.mkdir(parents=True, exist_ok=True)
        target = audio_path.with_name(audio_path.stem + ANSWER_SUFFIX)
        atomic_write_text(target, json.dumps(answer, indent=1, allow_nan=False))
        return target

    def keep_audio(self, audio_path: Path, audio: bytes) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(audio_path, audio)

    def find(self, audio_path: Path | str | None) -> RenderRecord | None:
        if audio_path is None:
            return None
        name = Path(audio_path).name
        return next((r for r in self._records if r.file == name), None)

    def add(self, record: RenderRecord) -> None:
        self._records.insert(0, record)
        for old in self._records[KEEP:]:
            self._delete_stem(Path(old.file).stem)
        del self._records[KEEP:]
        self._prune_failed()
        self._save()

    def _delete_stem(self, stem: str) -> None:
        for path in self.folder.glob(f"{stem}.*"):
            with contextlib.suppress(OSError):
                path.unlink()

    def _prune_failed(self) -> None:
        """Answers of renders that never completed: the newest KEEP stay (they hold paid
        hashes), older ones go."""
        kept = {Path(r.file).stem for r in self._records}
        failed = sorted(
            (p for p in self.folder.glob(f"render-*{ANSWER_SUFFIX}")),
            key=lambda p: p.name,
            reverse=True,
        )
        stems = [p.name.removesuffix(ANSWER_SUFFIX) for p in failed]
        for stem in [s for s in stems if s not in kept][KEEP:]:
            self._delete_stem(stem)

    def _save(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_text(
            self._index(), json.dumps({"renders": [asdict(r) for r in self._records]}, indent=1)
        )
