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

A full (or read-only) cache folder does not fail a render: its files go to a private
folder of this process instead (`spill_folders`: in memory, /dev/shm, where there is one),
removed when the process ends, and `spill_note` says so once, for the user.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import json
import logging
import os
import shutil
import tempfile
import time
from collections.abc import Callable
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
SHARED_MEMORY = Path("/dev/shm")

log = logging.getLogger(__name__)
_spill: dict[str, Path] = {}  # this process's spill folders, made on first need


def spill_folders() -> list[Path]:
    """Private folders for this process's renders while the cache folder cannot take
    them, in order: in memory where the system has a shared-memory folder, else (or when
    that is full too) the temp folder. Removed when the process ends: nothing in them is
    listed in a history.json."""
    bases = [str(SHARED_MEMORY)] if SHARED_MEMORY.is_dir() else []
    folders = []
    for base in [*bases, tempfile.gettempdir()]:
        if base not in _spill:
            try:
                _spill[base] = Path(tempfile.mkdtemp(prefix="muzaic-studio-renders-", dir=base))
            except OSError:
                continue
            atexit.register(shutil.rmtree, _spill[base], True)
        folders.append(_spill[base])
    return folders


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
        # as long as a uuid4's hex; importing uuid was 2.5 ms of the GUI's start-up
        value = os.urandom(16).hex()
        project.extra[CACHE_ID_KEY] = value
    return value


class RenderHistory:
    """The render files of one project. The index is read and changed on one thread (the
    GUI's, or the CLI's); workers only write new files under a fresh stem."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self._records: list[RenderRecord] = []
        #: Set when the cache folder refused a file (a full disk): what to tell the user.
        self.spill_note: str | None = None
        self._note_told = False
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
        with contextlib.suppress(OSError):  # a full disk: the files go to the spill folder
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
        """Write what the server answered next to where its audio goes; first of all.
        Returns where the audio goes: *audio_path*, or its name in the spill folder when
        the cache folder refused the answer."""
        target = audio_path.with_name(audio_path.stem + ANSWER_SUFFIX)
        text = json.dumps(answer, indent=1, allow_nan=False)
        return self._keep(target, lambda p: atomic_write_text(p, text)).with_name(audio_path.name)

    def keep_audio(self, audio_path: Path, audio: bytes) -> Path:
        """Write the audio; returns where it went (see keep_answer)."""
        return self._keep(audio_path, lambda p: atomic_write_bytes(p, audio))

    def _keep(self, target: Path, write: Callable[[Path], None]) -> Path:
        """Write *target* with *write*: in the history's folder, else in the first spill
        folder that takes it (the answer's, for its audio); the cache folder's error when
        none does."""
        places = [target.parent] if target.parent != self.folder else [self.folder]
        places += [f for f in spill_folders() if f not in places]
        error: OSError | None = None
        for place in places:
            try:
                if place == self.folder:
                    self.folder.mkdir(parents=True, exist_ok=True)
                write(place / target.name)
                return place / target.name
            except OSError as exc:
                if place == self.folder:
                    self._cannot_write(exc)
                error = error or exc
        assert error is not None
        raise error

    def _cannot_write(self, exc: OSError) -> None:
        if self.spill_note is None:
            self.spill_note = (
                f"The cache folder ({self.folder.parent.parent}) is "
                + ("full" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else
                   f"not writable ({exc.strerror or exc})")
                + ": renders are kept in memory until the program ends; free some space "
                "there to keep them."
            )  # fmt: skip
            self._note_told = False
            log.warning("%s", self.spill_note)

    def take_note(self) -> str | None:
        """`spill_note` the first time it is asked for: one warning, not one per render."""
        if self.spill_note is None or self._note_told:
            return None
        self._note_told = True
        return self.spill_note

    def file_name(self, audio_path: Path) -> str:
        """What a RenderRecord holds: a name in the folder, or a spilled file's whole path."""
        return audio_path.name if audio_path.parent == self.folder else str(audio_path)

    def find(self, audio_path: Path | str | None) -> RenderRecord | None:
        if audio_path is None:
            return None
        name = Path(audio_path).name
        return next((r for r in self._records if Path(r.file).name == name), None)

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
        """The index; a full cache folder keeps it in memory only (said once)."""
        renders = [asdict(r) for r in self._records if not Path(r.file).is_absolute()]
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            atomic_write_text(self._index(), json.dumps({"renders": renders}, indent=1))
        except OSError as exc:
            self._cannot_write(exc)
