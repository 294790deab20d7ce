"""Region audio by hash: in memory, and on disk so `copy` works in later runs.

Layout under paths.cache_dir()/"engine-regions":
  <hash>.json  the recipe: what the region is (canonical spec) plus bar length, version
  <hash>.pcm   the audio of a generate region: raw int16 stereo at the engine's rate

Why recipes: copy and silence regions are fully described by their recipe (copy = fit the
source to a duration), so only generated audio takes space, and since generation is
deterministic an evicted generate region can be rendered again from its recipe.
Audio files are evicted least-recently-used (mtime) once their total exceeds max_bytes;
recipes are tiny and capped by count.

Why raw PCM, not FLAC (until engine v3): FLAC took ffmpeg ~0.15 s of CPU per 30 s to write
and as much to read back, in a separate process each time; a fresh 60 s render spent a
tenth of its time compressing, and "Render changes" decoded every unchanged region before
mixing. Raw PCM is written in the region's own thread in a few ms (page cache) and read
back as a memory map: nothing to decode, and a 20-minute region is not copied into the
process. It takes twice FLAC's disk space, hence the 2 GiB default (~100 minutes).

A full (or read-only) cache folder never fails a render: audio the disk refused is kept in
memory for this process ("pinned": the memory LRU does not drop it, up to PINNED_FACTOR
times memory_bytes, past which it is rendered again from its recipe when needed), and
`disk_problem` says so once, in words for the user (logged as one warning).
"""

from __future__ import annotations

import contextlib
import errno
import json
import logging
import os
import threading
import time
from collections import OrderedDict
from pathlib import Path
from typing import Any

import numpy as np

from muzaic_studio.engine import pages
from muzaic_studio.engine.version import STORE_FOLDER, valid_hash

DEFAULT_MAX_BYTES = 2 << 30  # 2 GiB of PCM, about 100 minutes of generated audio
DEFAULT_MEMORY_BYTES = 128 << 20
PINNED_FACTOR = 4  # audio the disk refused, kept in memory: up to 4 x memory_bytes
MAX_RECIPES = 20000
_WRITE_FRAMES = 44100 * 30

log = logging.getLogger(__name__)


class RegionStore:
    def __init__(
        self,
        root: Path | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        memory_bytes: int = DEFAULT_MEMORY_BYTES,
    ) -> None:
        if root is None:
            from muzaic_studio.paths import cache_dir

            root = cache_dir() / STORE_FOLDER
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.memory_bytes = memory_bytes
        self._lock = threading.RLock()
        self._mem: OrderedDict[str, np.ndarray] = OrderedDict()
        self._mem_size = 0
        self._pinned: dict[str, int] = {}  # hash -> bytes of audio held only in memory
        self._recipes: dict[str, dict[str, Any]] = {}
        #: Why the cache folder cannot keep audio (full, read-only), once it failed; None
        #: while it works.
        self.disk_problem: str | None = None
        self._problem_told = False
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            self._cannot_write(exc)

    def _cannot_write(self, exc: OSError) -> None:
        """A write to the cache folder failed: say so once (the log, `disk_problem`)."""
        with self._lock:
            if self.disk_problem is not None:
                return
            full = exc.errno in (errno.ENOSPC, errno.EDQUOT)
            self.disk_problem = (
                f"The region cache ({self.root}) is "
                + ("full" if full else f"not writable: {exc.strerror or exc}")
                + ". Its audio is kept in memory until the program ends, so a later Render "
                "Changes renders those regions again; free some space there to keep it."
            )
        log.warning("%s", self.disk_problem)

    def take_disk_problem(self) -> str | None:
        """`disk_problem` the first time it is asked for (one warning, not one per render)."""
        with self._lock:
            if self.disk_problem is None or self._problem_told:
                return None
            self._problem_told = True
            return self.disk_problem

    # ------------------------------------------------------------------ recipes

    def _recipe_path(self, h: str) -> Path:
        return self.root / f"{h}.json"

    def _audio_path(self, h: str) -> Path:
        return self.root / f"{h}.pcm"

    valid_hash = staticmethod(valid_hash)

    def recipe(self, h: str) -> dict[str, Any] | None:
        if not self.valid_hash(h):
            return None
        with self._lock:
            if h in self._recipes:
                return self._recipes[h]
        try:
            data = json.loads(self._recipe_path(h).read_text())
        except (OSError, ValueError):
            return None
        with self._lock:
            self._recipes[h] = data
        return data

    def put_recipe(self, h: str, recipe: dict[str, Any]) -> None:
        with self._lock:
            self._recipes[h] = recipe
        path = self._recipe_path(h)
        if path.exists():
            return
        tmp = path.with_suffix(f".json.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            tmp.write_text(json.dumps(recipe, sort_keys=True))
            os.replace(tmp, path)
        except OSError as exc:  # kept in memory all the same (above)
            with contextlib.suppress(OSError):
                tmp.unlink()
            self._cannot_write(exc)
            return
        self._prune_recipes()

    def _prune_recipes(self) -> None:
        try:
            files = list(self.root.glob("*.json"))
        except OSError:
            return
        if len(files) <= MAX_RECIPES:
            return
        files.sort(key=lambda p: p.stat().st_mtime)
        for p in files[: len(files) - MAX_RECIPES]:
            with contextlib.suppress(OSError):
                p.unlink()

    # ------------------------------------------------------------------ audio

    def held_in_memory(self) -> set[str]:
        """The hashes whose audio this store holds in RAM: what a long render must not
        keep (the engine's memory goal) once it is on disk."""
        with self._lock:
            return set(self._mem)

    def get_audio(self, h: str) -> np.ndarray | None:
        """int16 (n, 2) audio of a generate region (read-only), or None if not stored."""
        with self._lock:
            if h in self._mem:
                self._mem.move_to_end(h)
                return self._mem[h]
        audio = self._map(h)
        if audio is not None:
            with contextlib.suppress(OSError):
                os.utime(self._audio_path(h))  # LRU: recently used
            self._remember(h, audio)
        return audio

    def _map(self, h: str) -> np.ndarray | None:
        """The stored file as a read-only memory map: its pages are the kernel's page
        cache, shared and reclaimable, not this process's heap."""
        path = self._audio_path(h)
        try:
            size = path.stat().st_size
            if size == 0 or size % 4:
                return None
            return np.memmap(path, dtype=np.int16, mode="r", shape=(size // 4, 2))
        except (OSError, ValueError):
            return None

    def borrow_bytes(self) -> int:
        """Region audio larger than this is best lent to put_audio (borrowed=True)."""
        return self.memory_bytes // 2

    def put_audio(self, h: str, audio: np.ndarray, borrowed: bool = False) -> None:
        """Store a region's audio: on disk at once, and remembered as a map of that file
        (so the caller's array can go: a server keeps no region audio on its heap).
        `borrowed`: the caller will change the buffer later (a slice of the soundtrack,
        normalised in place); a large one is only written, not remembered."""
        audio = np.ascontiguousarray(audio, dtype=np.int16)
        on_disk = self._write(h, audio)
        if on_disk and borrowed and audio.nbytes > self.borrow_bytes():
            return
        mapped = self._map(h) if on_disk else None
        if mapped is not None:
            self._remember(h, mapped)
            return
        # not on disk (a full or read-only cache folder): this process keeps it
        with self._lock:
            room = self.memory_bytes * PINNED_FACTOR - sum(self._pinned.values())
        if borrowed and audio.nbytes > min(room, self.borrow_bytes()):
            return  # a long region: rendered again from its recipe if it is needed
        kept = audio.copy() if borrowed else audio
        kept.flags.writeable = False
        self._remember(h, kept, pin=audio.nbytes <= room)

    def _remember(self, h: str, audio: np.ndarray, pin: bool = False) -> None:
        with self._lock:
            if h in self._mem:
                return
            self._mem[h] = audio
            self._mem_size += audio.nbytes
            if pin:
                self._pinned[h] = audio.nbytes
            # the least recently used first; pinned audio is nowhere else, so it stays
            loose = self._mem_size - sum(self._pinned.values())
            for old in [k for k in self._mem if k not in self._pinned and k != h]:
                if loose <= self.memory_bytes:
                    break
                size = self._mem.pop(old).nbytes
                self._mem_size -= size
                loose -= size

    def _write(self, h: str, audio: np.ndarray) -> bool:
        """Write the audio file unless it is there; False when the disk refused it."""
        path = self._audio_path(h)
        if path.exists():
            return True
        # pid and thread: two processes (serve --workers) or threads may write one hash
        tmp = path.with_name(f"{h}.{os.getpid()}.{threading.get_ident()}.tmp")
        try:
            with open(tmp, "wb") as f:  # straight from the array: no bytes copy of it,
                for s in range(0, len(audio), _WRITE_FRAMES):  # and a long soundtrack's
                    audio[s : s + _WRITE_FRAMES].tofile(f)  # pages let go as written
                    pages.release(audio[s : s + _WRITE_FRAMES])
            os.replace(tmp, path)
        except OSError as exc:
            with contextlib.suppress(OSError):
                tmp.unlink()
            self._cannot_write(exc)
            return False
        self._evict()
        return True

    def _evict(self) -> None:
        try:
            files = [(p, p.stat()) for p in self.root.glob("*.pcm")]
            stale = time.time() - 3600  # temp files of a process killed mid-write
            for p in self.root.glob("*.tmp*"):
                with contextlib.suppress(OSError):
                    if p.stat().st_mtime < stale:
                        p.unlink()
            for p in self.root.glob("*.flac"):  # engine v2/v3's format: never read now
                with contextlib.suppress(OSError):
                    p.unlink()
        except OSError:
            return
        total = sum(st.st_size for _, st in files)
        if total <= self.max_bytes:
            return
        files.sort(key=lambda f: f[1].st_mtime)
        for p, st in files:
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                p.unlink()
                total -= st.st_size

    def disk_bytes(self) -> int:
        return sum(p.stat().st_size for p in self.root.glob("*.pcm"))

    def flush(self) -> None:
        """Nothing to wait for: audio is on disk when put_audio returns. (Kept for callers
        that separate timings or end a test with it.)"""

    def forget_memory(self) -> None:
        """Drop the in-memory copies (tests use it to prove the disk copy is used)."""
        with self._lock:
            self._mem.clear()
            self._mem_size = 0
            self._pinned.clear()
