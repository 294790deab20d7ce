"""The offline engine in a child process, for the GUI.

The engine's synthesis imports numpy and scipy (+~95 MB resident) and a 20-minute render
peaks far above that; none of it belongs in the editor's process, which should hold only
what the user sees and hears (issue 4: under 200 MB with a 20-minute soundtrack loaded).
So the GUI runs `muzaic-studio serve` as a child on 127.0.0.1 and talks to it with the same
HTTP client it uses for the Muzaic cloud (`api.cloud.MuzaicCloud`; plain http is allowed
for this machine). The CLI (`render --offline`) and the tests that build an `OfflineEngine`
keep the in-process engine.

The child:
* binds port 0 and announces `listening http://127.0.0.1:PORT` as its first stdout line;
* accepts one random key, sent as the first line of its stdin: never in argv (readable by
  every user in /proc/PID/cmdline), the environment or a log;
* exits when its stdin reaches EOF (`--parent-watch`), so it dies with the parent even on
  a crash or SIGKILL of the GUI; `stop()` closes the pipe, then terminates if need be;
  `stop(at_once=True)` (the app quitting) kills a child that does not exit within
  QUIT_GRACE: a render in flight is thrown away, not waited for (issue 17: quit <= 0.5 s).
  Its state file lives in the private folder, so a killed child leaves nothing behind;
* answers a render with the name of an audio file in a private (0700) folder of the
  parent's (`--audio-dir`) instead of base64 in the JSON, so the editor reads the MP3
  once, as bytes, and never holds the JSON text, its parse and the decode together.

Starting waits for the announcement (a second or two: the engine's imports), so call it
off the GUI thread; `shared_engine()` starts one child per process, restarted if it died.
No Qt here.
"""

from __future__ import annotations

import atexit
import logging
import os
import re
import secrets
import selectors
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from muzaic_studio.api.cloud import MuzaicCloud
from muzaic_studio.contract.errors import BadResponse, MuzaicError

log = logging.getLogger(__name__)

START_TIMEOUT = 60.0  # seconds for the child to import the engine and bind
STOP_TIMEOUT = 10.0
QUIT_GRACE = 0.1  # seconds an idle child gets to exit on EOF when the app quits
ANNOUNCE = "listening "
UNLIMITED_TOKENS = 1_000_000_000  # what the in-process OfflineEngine starts with
STALE_SECONDS = 600.0  # uncollected audio (a cancelled render) older than this is removed
AUDIO_FILE = re.compile(r"[0-9a-f]{32}\.(mp3|wav)")
PEAKS_FILE = re.compile(r"[0-9a-f]{32}\.peaks\.npz")


class EngineStartError(MuzaicError):
    """The engine child did not start."""

    exit_code = 1


class EngineStopped(EngineStartError):
    """The engine was stopped for good (the app is quitting): no engine is wanted now, not
    a restarted child and least of all the in-process engine (`backends.offline_engine`)."""


def serve_command() -> list[str]:
    """argv of `muzaic-studio serve` for this installation (frozen app or Python)."""
    if getattr(sys, "frozen", False):
        return [sys.executable, "serve"]
    return [sys.executable, "-m", "muzaic_studio", "serve"]


class EngineProcess:
    """One `muzaic-studio serve` child with a one-time key. Thread-safe."""

    def __init__(self, tokens: int = UNLIMITED_TOKENS, start_timeout: float = START_TIMEOUT):
        self.tokens = tokens
        self.start_timeout = start_timeout
        self.url = ""
        self.key = ""
        self.audio_dir: Path | None = None
        self._proc: subprocess.Popen[bytes] | None = None
        self._starting: subprocess.Popen[bytes] | None = None  # between Popen and announce
        self._quit = False  # stopped for good: a render thread must not restart it
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"EngineProcess(url={self.url!r}, pid={self.pid}, key=<hidden>)"

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc is not None else None

    @property
    def alive(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def ensure(self) -> tuple[str, str]:
        """(url, key) of a running child, starting (or restarting) it if needed. Blocks."""
        with self._lock:
            if self._quit:
                raise EngineStopped("The offline engine was stopped: the app is quitting.")
            if not self.alive:
                self._start()
            return self.url, self.key

    def _start(self) -> None:
        self._reap()
        key = secrets.token_urlsafe(32)
        root = Path(tempfile.mkdtemp(prefix="muzaic-engine-"))  # 0700: this user's only
        audio_dir, state_dir = root / "audio", root / "state"  # removed together
        audio_dir.mkdir(mode=0o700)
        state_dir.mkdir(mode=0o700)
        argv = [*serve_command(), "--host", "127.0.0.1", "--port", "0",
                "--tokens", str(self.tokens), "--workers", "1", "--key-stdin", "--parent-watch", "--quiet",
                "--audio-dir", str(audio_dir), "--state", str(state_dir / "state.sqlite")]  # fmt: skip
        started = time.monotonic()
        proc = subprocess.Popen(
            argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, close_fds=True,
            env=_child_env(),
        )  # fmt: skip
        assert proc.stdin is not None and proc.stdout is not None
        self._starting = proc
        try:
            proc.stdin.write(key.encode("ascii") + b"\n")
            proc.stdin.flush()
            url = _read_announcement(proc, self.start_timeout)
        except BaseException as exc:
            _kill(proc)
            shutil.rmtree(root, ignore_errors=True)
            if self._quit and isinstance(exc, EngineStartError):  # stop(at_once) killed it
                raise EngineStopped(
                    "The offline engine was stopped: the app is quitting."
                ) from None
            raise
        finally:
            self._starting = None
            proc.stdout.close()  # the child points its stdout at /dev/null after the line
        self._proc, self.url, self.key, self.audio_dir = proc, url, key, audio_dir
        log.info("offline engine child %d on %s (%.1f s to start)",
                 proc.pid, url, time.monotonic() - started)  # fmt: skip

    def stop(self, at_once: bool = False) -> None:
        """Close the child's stdin (it exits on EOF), wait, then terminate/kill.

        *at_once*: the app is quitting; kill the child after QUIT_GRACE instead of letting
        it finish a render nobody will see. Not under the lock: a child still starting
        (holding it in `ensure`) is killed too, and the starter then sees it die."""
        if at_once:
            self._quit = True
            proc = self._proc or self._starting
            if proc is not None:
                _close_stdin(proc)
                try:
                    proc.wait(QUIT_GRACE)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()
        with self._lock:
            self._reap()

    def _reap(self) -> None:
        proc, self._proc = self._proc, None
        audio_dir, self.audio_dir = self.audio_dir, None
        if proc is None:
            return
        _close_stdin(proc)
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            _kill(proc)
        if audio_dir is not None:
            shutil.rmtree(audio_dir.parent, ignore_errors=True)

    def client(self) -> EngineClient:
        return EngineClient(self)


class EngineClient(MuzaicCloud):
    """The Backend the GUI renders with offline: the HTTP client of the engine child.

    `name` is "offline", so the status bar says "Offline engine" and render speed is
    learned per engine as before. Every call makes sure the child runs (restarting it
    after a crash), so a dead child costs one restart, not a broken backend.
    """

    name = "offline"
    sends_takes = True  # the engine seeds and hashes each region's take

    def __init__(self, process: EngineProcess) -> None:
        url, key = process.ensure()
        super().__init__(url, key)
        self.process = process

    def __repr__(self) -> str:
        return f"EngineClient(base_url={self.base_url!r}, key=<hidden>)"

    __str__ = __repr__

    def _ready(self) -> None:
        url, key = self.process.ensure()
        if url != self.base_url or key != self._key:
            self.base_url, self._key = url, key

    def render(self, request: Any, cancel: threading.Event | None = None) -> Any:
        self._ready()
        return super().render(request, cancel)

    def tags(self, cancel: threading.Event | None = None) -> dict[str, Any]:
        self._ready()
        return super().tags(cancel)

    def account(self, cancel: threading.Event | None = None) -> Any:
        self._ready()
        return super().account(cancel)

    def audio_from_hash(self, hash_: str, cancel: threading.Event | None = None) -> bytes:
        self._ready()
        return super().audio_from_hash(hash_, cancel)

    def _local_audio(self, data: Any) -> bytes | None:
        """The render's audio from the file the child wrote (read once, then removed)."""
        name = data.get("audioFile") if isinstance(data, dict) else None
        folder = self.process.audio_dir
        if name is None or folder is None:
            return None
        if not isinstance(name, str) or not AUDIO_FILE.fullmatch(name):
            raise BadResponse("The offline engine named an invalid audio file.")
        path = folder / name
        try:
            return path.read_bytes()
        except OSError as exc:
            raise BadResponse(f"The offline engine's audio file is missing ({exc}).") from None
        finally:
            path.unlink(missing_ok=True)
            _sweep(folder)

    def _local_pyramid(self, data: Any) -> Any:
        """The waveform the child made of the samples it encoded (read once, then removed):
        the editor need not decode the MP3 for it. None (decode it) if it is not usable."""
        name = data.get("peaksFile") if isinstance(data, dict) else None
        folder = self.process.audio_dir
        if folder is None or not isinstance(name, str) or not PEAKS_FILE.fullmatch(name):
            return None
        from muzaic_studio.audio.peaks import PeakCacheError, PeakPyramid

        path = folder / name
        try:
            return PeakPyramid.load(path)
        except PeakCacheError:
            log.warning("the offline engine's waveform file is unusable: decoding the audio")
            return None
        finally:
            path.unlink(missing_ok=True)


def _sweep(folder: Path, older_than: float = STALE_SECONDS) -> None:
    """Remove audio of renders nobody collected (cancelled ones)."""
    limit = time.time() - older_than
    try:
        for entry in os.scandir(folder):
            try:
                if entry.stat().st_mtime < limit:
                    os.unlink(entry.path)
            except OSError:
                pass
    except OSError:
        pass


def _child_env() -> dict[str, str]:
    env = dict(os.environ)
    env.pop("MUZAIC_API_KEY", None)  # the child needs no cloud key
    env["PYTHONUNBUFFERED"] = "1"
    return env


def _read_announcement(proc: subprocess.Popen[bytes], timeout: float) -> str:
    assert proc.stdout is not None
    deadline = time.monotonic() + timeout
    buf = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while b"\n" not in buf:
            left = deadline - time.monotonic()
            if left <= 0:
                raise EngineStartError(f"The offline engine did not start within {timeout:.0f} s.")
            if not sel.select(min(left, 0.5)):
                if proc.poll() is not None:
                    break
                continue
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                break
            buf += chunk
    line = buf.split(b"\n", 1)[0].decode("utf-8", "replace").strip()
    if not line.startswith(ANNOUNCE):
        code = proc.poll()
        raise EngineStartError(
            "The offline engine could not start"
            + (f" (exit code {code})" if code is not None else "")
            + "; see the log for details."
        )
    return line[len(ANNOUNCE) :].strip()


def _close_stdin(proc: subprocess.Popen[bytes]) -> None:
    try:
        if proc.stdin is not None:
            proc.stdin.close()
    except OSError:
        pass


def _kill(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


_shared: EngineProcess | None = None
_shared_lock = threading.Lock()


def shared_engine() -> EngineProcess:
    """The process-wide engine child (not started until its first `ensure`)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = EngineProcess()
            atexit.register(stop_shared)
        return _shared


def stop_shared(at_once: bool = False) -> None:
    """Stop the shared child, if any (app exit; also registered with atexit)."""
    global _shared
    with _shared_lock:
        process = _shared
        if at_once:
            _shared = None  # stopped for good; a later `shared_engine()` starts a new one
    if process is not None:
        process.stop(at_once)
