"""`muzaic-studio serve`: the offline engine behind the Muzaic HTTP contract.

A thin HTTP shell over OfflineEngine (the object the app uses in-process), adding what
HTTP needs: keys and origins (401), a per-key rate limit (429 + Retry-After), a bounded
body (413) and headers (431/414), a bounded render queue (429 + Retry-After) and JSON
errors. Every failure is a JSON `{"error": ...}`; a 500 can only come from a bug, and its
body never carries a traceback (that goes to the log).

The HTTP side is uvicorn (h11) + Starlette (engine/http_app.py, engine/http_protocol.py):
asyncio keeps thousands of idle or slow connections on one thread, renders run in
threads, and `--workers N` processes share the listening socket (backlog 2048), the
region store on disk and one SQLite state file (engine/state.py) for token balances and
rate limits, so both stay exact across processes.

Keys file: one key per line, optionally followed by the origins it may use:
    secret-key-1
    secret-key-2 studio,web
A key without origins may be used with any origin that --origins allows.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import io
import os
import shutil
import signal
import socket
import sys
import threading
import time
import uuid
from pathlib import Path
from typing import Any, cast

from muzaic_studio.atomic import atomic_write_bytes
from muzaic_studio.contract.result import RenderResult
from muzaic_studio.engine.dialects import DIALECTS
from muzaic_studio.engine.http_app import (
    DEFAULT_QUEUE,
    KEY_HEADER,
    MAX_BODY_BYTES,
    MAX_HEADER_BYTES,
    ServeConfig,
    create_app,
)

__all__ = ["KEY_HEADER", "MAX_BODY_BYTES", "start_server", "stop_server"]

DEFAULT_PORT = 8765
DEFAULT_TOKENS = 1_000_000
BACKLOG = 2048  # connections the kernel queues before accept(); http.server had 5
KEEP_ALIVE = 15  # seconds an idle keep-alive connection stays open
GRACEFUL_STOP = 10  # seconds running requests get to finish on stop


def soundtrack_response(
    result: RenderResult, balance: int | None, audio_dir: Path | None = None
) -> dict[str, Any]:
    """The contract's 200 body, plus soundtrackHash and the remaining balance.

    With *audio_dir* (the GUI's engine child, engine/service.py) the audio is written to a
    new file there and the body names it in `audioFile` instead of carrying `mp3`: a
    20-minute soundtrack is ~28 MB, ~37 MB as base64, and several copies of that in the
    editor's process while the JSON is read and decoded is what the file saves. Its
    waveform (the engine's peak pyramid) goes beside it in `peaksFile`: decoding the MP3
    again for it cost the GUI ~0.2 s of every 120 s render (issue 17, Render changes).
    """
    body: dict[str, Any] = {
        "apiVersion": result.api_version,
        "status": list(result.status),
        "regions": len(result.region_hashes),
        "regionHashes": list(result.region_hashes),
        "audioDuration": result.audio_duration,
        "tokensUsed": result.tokens_used,
        "soundtrackHash": result.soundtrack_hash,
        "balance": balance,
    }
    if result.region_tempos:  # the engine's extra: each generated region's BPM, for the grid
        body["regionTempos"] = list(result.region_tempos)
    if audio_dir is None:
        body["mp3"] = base64.b64encode(result.mp3).decode("ascii")
    else:
        stem = uuid.uuid4().hex
        name = f"{stem}.{result.audio_format or 'mp3'}"
        atomic_write_bytes(audio_dir / name, result.mp3)
        body["audioFile"] = name
        if result.pyramid is not None:  # the waveform, made from the samples it encoded:
            peaks = f"{stem}.peaks.npz"  # the editor shows it without decoding the MP3
            result.pyramid.save(audio_dir / peaks)
            body["peaksFile"] = peaks
    return body


# ---------------------------------------------------------------------- public API


def read_keys(path: str | Path) -> dict[str, frozenset[str] | None]:
    """Parse a keys file (see module doc). Raises ValueError with the line on bad input."""
    keys: dict[str, frozenset[str] | None] = {}
    for lineno, line in enumerate(Path(path).read_text().splitlines(), 1):
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        parts = line.split()
        if len(parts) > 2:
            raise ValueError(f"{path}:{lineno}: expected 'key' or 'key origin1,origin2'")
        origins = frozenset(o for o in parts[1].split(",") if o) if len(parts) == 2 else None
        keys[parts[0]] = origins
    return keys


class ServerHandle:
    """A running server: `url`, `server_address`, and what `stop_server` needs."""

    def __init__(self, server: Any, sock: socket.socket, config: ServeConfig, owned: bool):
        self.server, self.sock, self.config, self._owned_state = server, sock, config, owned
        self.server_address = sock.getsockname()[:2]

    @property
    def url(self) -> str:
        host, port = self.server_address
        return f"http://{host}:{port}"


def listen(host: str, port: int) -> socket.socket:
    """The listening socket, bound once and shared by every worker."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # IPPROTO_TCP, not 0: asyncio sets TCP_NODELAY only on sockets that say they are TCP,
    # and without it every keep-alive answer waits ~40 ms for a delayed ACK (Nagle).
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(BACKLOG)
        sock.set_inheritable(True)
    except BaseException:
        sock.close()
        raise
    return sock


def new_state_file(tokens: int | None, rate_limit: int, path: str | Path | None = None) -> Path:
    """Create the SQLite state (balance, rate limit) the workers share; a fresh one per run
    unless *path* names one to keep (its balance is then set only when it is new)."""
    from muzaic_studio.engine.state import SharedState

    if path is None:
        from muzaic_studio.paths import cache_dir

        folder = cache_dir() / "serve-state"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"state-{os.getpid()}-{uuid.uuid4().hex[:12]}.sqlite"
    SharedState.create(path, tokens, rate_limit).close()
    return Path(path)


def remove_state_file(path: str | Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            os.unlink(f"{path}{suffix}")


def uvicorn_config(app: Any, workers: int = 1, quiet: bool = True) -> Any:
    """uvicorn's settings for `serve`: h11 with JSON protocol errors, our limits."""
    import uvicorn

    from muzaic_studio.engine.http_protocol import JSONErrorH11Protocol

    return uvicorn.Config(
        app, http=JSONErrorH11Protocol, ws="none", lifespan="on", workers=workers,
        backlog=BACKLOG, timeout_keep_alive=KEEP_ALIVE,
        h11_max_incomplete_event_size=MAX_HEADER_BYTES, proxy_headers=False,
        server_header=False, access_log=not quiet, log_config=None,
        log_level="warning" if quiet else "info", timeout_graceful_shutdown=GRACEFUL_STOP,
    )  # fmt: skip


def serve_config(
    keys: dict[str, frozenset[str] | None] | list[str] | None,
    any_key: bool | None,
    rate_limit: int,
    origins: list[str] | frozenset[str] | None,
    state_path: Path,
    **options: Any,
) -> ServeConfig:
    if isinstance(keys, list | tuple | set | frozenset):
        keys = {k: None for k in keys}
    if any_key is None:
        any_key = keys is None
    return ServeConfig(
        state_path=str(state_path), keys=keys, any_key=bool(any_key),
        origins=frozenset(origins) if origins else None, rate_limit=rate_limit, **options,
    )  # fmt: skip


def start_server(
    host: str = "127.0.0.1",
    port: int = 0,
    keys: dict[str, frozenset[str] | None] | list[str] | None = None,
    any_key: bool | None = None,
    tokens: int | None = DEFAULT_TOKENS,
    rate_limit: int = 0,
    origins: list[str] | frozenset[str] | None = None,
    quiet: bool = True,
    audio_dir: str | Path | None = None,
    state: str | Path | None = None,
    links: Any = None,
    **options: Any,
) -> tuple[ServerHandle, threading.Thread]:
    """Start a one-process server on a background thread; returns (server, thread).

    port=0 picks a free one. keys: {key: allowed origins or None} or a plain list of keys;
    without keys, any non-empty key is accepted (any_key defaults to True then). tokens:
    starting balance (None = unlimited). rate_limit: requests per minute per key (0 =
    off). Stop with `stop_server(server, thread)`; `server.url` is the base URL.
    audio_dir: renders are answered with a file there (`audioFile`) instead of base64
    `mp3` (api/engine_child.py). links: an engine.dialects.AudioLinks for the audio of
    docs/mcp answers (default: in memory, named by this server's address). options:
    ServeConfig fields (dialect, queue, max_body, ...).
    """
    import uvicorn

    sock = listen(host, port)
    try:
        state_path = new_state_file(tokens, rate_limit, state)
        config = serve_config(
            keys, any_key, rate_limit, origins, state_path,
            audio_dir=str(audio_dir) if audio_dir else None, **options,
        )  # fmt: skip
        server = uvicorn.Server(uvicorn_config(create_app(config, links), 1, quiet))
    except BaseException:
        sock.close()
        raise
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="engine-server", daemon=True
    )
    thread.start()
    while not server.started and thread.is_alive():
        time.sleep(0.01)
    handle = ServerHandle(server, sock, config, owned=state is None)
    if not server.started:
        stop_server(handle, thread)
        raise OSError(f"The server on {host}:{port} did not start (see the log).")
    return handle, thread


def stop_server(server: ServerHandle, thread: threading.Thread | None = None) -> None:
    """Stop accepting, let running requests finish (GRACEFUL_STOP), flush the store."""
    server.server.should_exit = True
    if thread is not None:
        thread.join(timeout=GRACEFUL_STOP + 10)
    server.sock.close()
    if server._owned_state:
        remove_state_file(server.config.state_path)


def port_number(text: str) -> int:
    """argparse type for --port: a usage error (exit 2) instead of bind()'s OverflowError."""
    try:
        port = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"port must be a number 0..65535, not {text!r}") from None
    if not 0 <= port <= 65535:
        raise argparse.ArgumentTypeError(f"port must be 0..65535, not {port}")
    return port


def add_serve_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default: loopback only)"
    )
    parser.add_argument(
        "--port",
        type=port_number,
        default=DEFAULT_PORT,
        help=f"port (default {DEFAULT_PORT}; 0 = any free)",
    )
    who = parser.add_mutually_exclusive_group()
    who.add_argument(
        "--keys", metavar="FILE", help="file of accepted keys: 'key [origin1,origin2]' per line"
    )
    who.add_argument(
        "--any-key",
        action="store_true",
        help="accept any non-empty key (the default without --keys)",
    )
    parser.add_argument("--tokens", type=int, default=DEFAULT_TOKENS, metavar="N",
                        help=f"starting token balance (default {DEFAULT_TOKENS}); 1 token = 1 s generated")  # fmt: skip
    parser.add_argument("--rate-limit", type=int, default=0, metavar="N",
                        help="max requests per minute per key (default 0: no limit)")  # fmt: skip
    parser.add_argument(
        "--origins", metavar="A,B", help="origins allowed in POST /soundtrack/{origin}"
    )
    parser.add_argument("--dialect", choices=DIALECTS, default="openapi",
                        help="answer shape: openapi (the contract), docs (prose pages: mp3 "
                             "link, regions list), mcp (url link, soundtrackHash)")  # fmt: skip
    parser.add_argument("--workers", type=_positive, default=None, metavar="N",
                        help="worker processes sharing the renders (default: the number of "
                        f"CPUs, here {os.cpu_count() or 1})")  # fmt: skip
    parser.add_argument("--queue", type=_positive, default=DEFAULT_QUEUE, metavar="N",
                        help=f"renders waiting or running per worker before new ones get 429 "
                        f"with Retry-After (default {DEFAULT_QUEUE})")  # fmt: skip
    parser.add_argument("--store", metavar="DIR",
                        help="region store folder (default: the user's cache); servers on several "
                        "machines may share one on a network filesystem")  # fmt: skip
    parser.add_argument("--state", metavar="FILE",
                        help="SQLite file of token balance and rate limits, kept across restarts "
                        "(default: a fresh one per run, removed at exit)")  # fmt: skip
    # For the GUI's engine child (api/engine_child.py), hidden from --help: the one key comes
    # as the first line of stdin (never argv, which other users can read in /proc), the
    # server announces `listening URL` on stdout, and exits when stdin reaches EOF, i.e.
    # when the parent closes the pipe or dies.
    who.add_argument("--key-stdin", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--parent-watch", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--audio-dir", metavar="DIR", help=argparse.SUPPRESS)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, not {text!r}") from None
    if not 1 <= value <= 4096:
        raise argparse.ArgumentTypeError(f"must be 1..4096, not {value}")
    return value


def _read_auth(args: argparse.Namespace) -> tuple[dict[str, frozenset[str] | None] | None, str]:
    """(keys or None for any key, a problem to print); the problem is "" when all is well."""
    if getattr(args, "key_stdin", False):
        key = sys.stdin.readline().strip()
        return ({key: None}, "") if key else (None, "no key on stdin")
    if getattr(args, "keys", None):
        try:
            keys = read_keys(args.keys)
        except (OSError, ValueError) as exc:
            return None, f"cannot read keys file: {exc}"
        return (keys, "") if keys else (None, f"{args.keys} has no keys")
    return None, ""


def run_serve(args: argparse.Namespace) -> int:
    """Run until Ctrl+C/SIGTERM. Exit code: 0 stopped, 1 cannot bind, 2 bad keys file."""
    import sqlite3

    keys, problem = _read_auth(args)
    if problem:
        print(f"muzaic-studio serve: {problem}", file=sys.stderr)
        return 2
    watch = bool(getattr(args, "parent_watch", False))
    workers = getattr(args, "workers", None) or os.cpu_count() or 1
    origins = [o.strip() for o in (getattr(args, "origins", None) or "").split(",") if o.strip()]
    try:
        sock = listen(args.host, args.port)
    except (OSError, OverflowError) as exc:
        print(
            f"muzaic-studio serve: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 1
    state_arg = getattr(args, "state", None)
    try:
        state_path = new_state_file(args.tokens, args.rate_limit, state_arg)
    except (OSError, sqlite3.Error) as exc:
        sock.close()
        print(f"muzaic-studio serve: cannot create the state file: {exc}", file=sys.stderr)
        return 1
    config = serve_config(
        keys, keys is None, args.rate_limit, origins or None, state_path,
        audio_dir=getattr(args, "audio_dir", None), store_dir=getattr(args, "store", None),
        queue=getattr(args, "queue", DEFAULT_QUEUE), parent_pid=os.getpid() if workers > 1 else None,
        dialect=getattr(args, "dialect", "openapi"), links_dir=f"{state_path}-links",
    )  # fmt: skip
    quiet = bool(getattr(args, "quiet", False))
    handle = ServerHandle(None, sock, config, owned=state_arg is None)
    try:
        if workers > 1:
            _run_workers(handle, workers, quiet, args, watch)
        else:
            _run_one(handle, quiet, args, watch)
    finally:
        sock.close()
        if handle._owned_state:
            remove_state_file(state_path)
        shutil.rmtree(f"{state_path}-links", ignore_errors=True)
    return 0


def _banner(handle: ServerHandle, args: argparse.Namespace, workers: int) -> None:
    keys = handle.config.keys
    auth = f"{len(keys)} key(s) from {args.keys}" if keys else "any non-empty key"
    print(f"Muzaic offline engine on {handle.url} (auth: {auth}; tokens: {args.tokens}; "
          f"rate limit: {args.rate_limit or 'off'}; workers: {workers}). Ctrl+C stops.",
          flush=True)  # fmt: skip
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"Warning: listening on {args.host}, reachable from other machines.", file=sys.stderr)


def _run_one(handle: ServerHandle, quiet: bool, args: argparse.Namespace, watch: bool) -> None:
    """One process: uvicorn on a thread, the main thread waits for a signal or stdin EOF."""
    import uvicorn

    server = uvicorn.Server(uvicorn_config(create_app(handle.config), 1, quiet))
    handle.server = server
    thread = threading.Thread(target=server.run, kwargs={"sockets": [handle.sock]},
                              name="engine-server", daemon=True)  # fmt: skip
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        # SIGTERM (service managers, `kill`) stops as cleanly as Ctrl+C: the region store
        # is flushed so hashes handed out stay copyable after a restart. Installed before
        # the address is announced, so whoever read it can already stop us cleanly.
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    thread.start()
    if watch:
        _announce_and_watch(handle.url, stop)
    else:
        _banner(handle, args, 1)
    try:
        while thread.is_alive() and not stop.is_set():
            thread.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        if not watch:
            print("Stopping.", file=sys.stderr)
        server.should_exit = True
        thread.join(GRACEFUL_STOP + 10)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)


def _run_workers(
    handle: ServerHandle, workers: int, quiet: bool, args: argparse.Namespace, watch: bool
) -> None:
    """N processes (uvicorn's supervisor): each accepts on the shared socket; a worker that
    dies is replaced. SIGINT/SIGTERM stop them all; so does stdin EOF with --parent-watch."""
    from uvicorn.supervisors import Multiprocess

    supervisor = Multiprocess(
        uvicorn_config(create_app(handle.config), workers, quiet), sockets=[handle.sock]
    )
    if watch:
        _announce_and_watch(handle.url, supervisor.should_exit)
    else:
        _banner(handle, args, workers)
    supervisor.run()
    if not watch:
        print("Stopping.", file=sys.stderr)


def _announce_and_watch(url: str, stop: threading.Event) -> None:
    """Tell the parent where we listen (one stdout line), then stop when stdin hits EOF."""
    try:
        print(f"listening {url}", flush=True)
    except OSError:  # the parent is gone already (it quit while we started)
        stop.set()
        return
    # Nothing else goes to the parent's pipe: it reads one line, and a full pipe would block.
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    os.close(devnull)

    # typeshed calls stdin's buffer a BinaryIO; it is a BufferedReader, which has read1
    stdin = cast(io.BufferedReader, sys.stdin.buffer)

    def watch() -> None:
        try:
            while stdin.read1(65536):
                pass
        except (OSError, ValueError):
            pass
        stop.set()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
