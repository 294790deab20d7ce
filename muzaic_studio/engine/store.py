"""Region audio by hash: in memory, and on disk so `copy` works in later runs.

Layout under paths.cache_dir()/"engine-regions":
  <hash>.json  the recipe: what the region is (canonical spec) plus bar length, version
  <hash>.flac  the audio of a generate region (lossless, about half the size of PCM)

Why recipes: copy and silence regions are fully described by their recipe (copy = fit the
source to a duration), so only generated audio takes space, and since generation is
deterministic an evicted generate region can be rendered again from its recipe.
Audio files are evicted least-recently-used (mtime) once their total exceeds max_bytes;
recipes are tiny and capped by count.

FLAC is written by a background thread so a render is not slowed by compression; until
the file is on disk the audio stays in the pending map, and flush() (also run at exit)
waits for the writer.
"""

from __future__ import annotations

import atexit
import contextlib
import json
import os
import queue
import threading
import time
from collections import OrderedDict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np

from muzaic_studio.audio.ffmpeg import FFmpegError, run_ffmpeg
from muzaic_studio.engine.theory import SR

DEFAULT_MAX_BYTES = 1 << 30  # 1 GiB of FLAC, roughly 3 hours of generated audio
DEFAULT_MEMORY_BYTES = 128 << 20
MAX_RECIPES = 20000


class RegionStore:
    def __init__(
        self,
        root: Path | None = None,
        max_bytes: int = DEFAULT_MAX_BYTES,
        memory_bytes: int = DEFAULT_MEMORY_BYTES,
    ) -> None:
        if root is None:
            from muzaic_studio.paths import cache_dir

            root = cache_dir() / "engine-regions"
        self.root = Path(root)
        self.root.mkdir(parents=True, exist_ok=True)
        self.max_bytes = max_bytes
        self.memory_bytes = memory_bytes
        self._lock = threading.RLock()
        self._mem: OrderedDict[str, np.ndarray] = OrderedDict()
        self._mem_size = 0
        self._pending: dict[str, np.ndarray] = {}
        self._pending_size = 0
        self._recipes: dict[str, dict[str, Any]] = {}
        self._queue: queue.Queue[tuple[str, np.ndarray] | None] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._busy = 0
        self._idle = threading.Condition(self._lock)
        atexit.register(self.flush)

    # ------------------------------------------------------------------ recipes

    def _recipe_path(self, h: str) -> Path:
        return self.root / f"{h}.json"

    def _audio_path(self, h: str) -> Path:
        return self.root / f"{h}.flac"

    @staticmethod
    def valid_hash(h: str) -> bool:
        return isinstance(h, str) and 8 <= len(h) <= 64 and all(c in "0123456789abcdef" for c in h)

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
        except OSError:
            with contextlib.suppress(OSError):
                tmp.unlink()
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

    def get_audio(self, h: str) -> np.ndarray | None:
        """int16 (n, 2) audio of a generate region, or None if not stored."""
        with self._lock:
            if h in self._mem:
                self._mem.move_to_end(h)
                return self._mem[h]
            if h in self._pending:
                return self._pending[h]
        path = self._audio_path(h)
        if not path.exists():
            return None
        try:
            pcm = run_ffmpeg(["-i", str(path), "-f", "s16le", "-ac", "2", "-ar", str(SR), "pipe:1"])
        except FFmpegError:
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # LRU: recently used
        audio = np.frombuffer(pcm, dtype=np.int16).reshape(-1, 2)
        self._remember(h, audio)
        return audio

    def borrow_bytes(self) -> int:
        """Region audio larger than this is best lent to put_audio (borrowed=True)."""
        return self.memory_bytes // 2

    def put_audio(self, h: str, audio: np.ndarray, borrowed: bool = False) -> None:
        """Store a region's audio. `borrowed`: the caller will change the buffer later (it
        is a slice of the soundtrack, normalised in place): a large one is written to disk
        now and not kept, a small one is copied."""
        if borrowed:
            if audio.nbytes <= self.borrow_bytes():
                audio = np.array(audio, dtype=np.int16, order="C")  # a copy of our own
            else:
                if not self._audio_path(h).exists():
                    self._write_flac(h, np.ascontiguousarray(audio, dtype=np.int16))
                return
        audio = np.ascontiguousarray(audio, dtype=np.int16)
        audio.flags.writeable = False
        self._remember(h, audio)
        if self._audio_path(h).exists():
            return
        with self._lock:
            if h not in self._pending:
                self._pending_size += audio.nbytes
            self._pending[h] = audio
            if self._writer is None or not self._writer.is_alive():
                self._writer = threading.Thread(
                    target=self._write_loop, name="engine-store", daemon=True
                )
                self._writer.start()
        self._queue.put((h, audio))

    def _remember(self, h: str, audio: np.ndarray) -> None:
        with self._lock:
            if h in self._mem:
                return
            self._mem[h] = audio
            self._mem_size += audio.nbytes
            while self._mem_size > self.memory_bytes and len(self._mem) > 1:
                _, old = self._mem.popitem(last=False)
                self._mem_size -= old.nbytes

    @contextlib.contextmanager
    def busy(self) -> Iterator[None]:
        """Mark a render in progress: the FLAC writer waits (up to 20 s) until no render
        runs, so compression never competes with synthesis and MP3 encoding for a core."""
        with self._lock:
            self._busy += 1
        try:
            yield
        finally:
            with self._lock:
                self._busy -= 1
                self._idle.notify_all()

    def _write_loop(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                with self._lock:
                    # Wait for a pause between renders, unless renders never pause (a
                    # loaded server): then the audio waiting for disk would grow unbounded.
                    self._idle.wait_for(
                        lambda: self._busy == 0 or self._pending_size > self.memory_bytes // 2,
                        timeout=20.0,
                    )
                h, audio = item
                self._write_flac(h, audio)
                with self._lock:
                    done = self._pending.pop(h, None)
                    if done is not None:
                        self._pending_size -= done.nbytes
            finally:
                self._queue.task_done()

    def _write_flac(self, h: str, audio: np.ndarray) -> None:
        path = self._audio_path(h)
        # pid and thread: two processes (serve --workers) or threads may write one hash
        tmp = path.with_name(f"{h}.{os.getpid()}.{threading.get_ident()}.tmp.flac")
        try:
            run_ffmpeg(
                ["-y", "-f", "s16le", "-ar", str(SR), "-ac", "2", "-i", "pipe:0",
                 "-c:a", "flac", "-compression_level", "2", str(tmp)],
                # a flat byte view, not tobytes(): no second copy of a 20-minute region
                input_bytes=audio.reshape(-1).view(np.uint8).data,  # type: ignore[arg-type]
            )  # fmt: skip
            os.replace(tmp, path)
        except (OSError, FFmpegError):
            with contextlib.suppress(OSError):
                tmp.unlink()
            return
        self._evict()

    def _evict(self) -> None:
        try:
            files = [(p, p.stat()) for p in self.root.glob("*.flac") if ".tmp." not in p.name]
            stale = time.time() - 3600  # temp files of a process killed mid-write
            for p in self.root.glob("*.tmp*"):
                with contextlib.suppress(OSError):
                    if p.stat().st_mtime < stale:
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
        return sum(p.stat().st_size for p in self.root.glob("*.flac"))

    def flush(self, timeout: float | None = 60.0) -> None:
        """Wait until every queued region is on disk (tests, shutdown, process exit)."""
        if self._writer is None:
            return
        done = threading.Event()

        def waiter() -> None:
            self._queue.join()
            done.set()

        threading.Thread(target=waiter, daemon=True).start()
        done.wait(timeout)

    def forget_memory(self) -> None:
        """Drop the in-memory copies (tests use it to prove the disk copy is used)."""
        self.flush()
        with self._lock:
            self._mem.clear()
            self._mem_size = 0
