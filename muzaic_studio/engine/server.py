"""`muzaic-studio serve`: the offline engine behind the Muzaic HTTP contract on 127.0.0.1.

The server is a thin HTTP shell over one OfflineEngine (the same object the app uses
in-process), adding only what HTTP needs: keys and origins (401), a per-key rate limit
(429 + Retry-After), a bounded body (413), and JSON errors. Every failure is a JSON
`{"error": ...}` with a 4xx status; a 500 can only come from a bug, and its body never
carries a traceback (that goes to stderr).

Keys file: one key per line, optionally followed by the origins it may use:
    secret-key-1
    secret-key-2 studio,web
A key without origins may be used with any origin that --origins allows.
"""

from __future__ import annotations

import argparse
import base64
import collections
import json
import math
import os
import signal
import sys
import threading
import time
import traceback
import urllib.parse
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from muzaic_studio.atomic import atomic_write_bytes
from muzaic_studio.contract.errors import (
    InsufficientTokens,
    InvalidRequest,
    MuzaicError,
    RateLimited,
    Unauthorized,
)
from muzaic_studio.contract.result import RenderResult
from muzaic_studio.engine.backend import OfflineEngine

KEY_HEADER = "MuzaicAPI-Secret-Key"
MAX_BODY_BYTES = 1 << 20  # 1 MiB: ~5000 regions; anything larger is not a soundtrack
DEFAULT_PORT = 8765
DEFAULT_TOKENS = 1_000_000


class _HTTPError(Exception):
    def __init__(
        self, status: int, message: str, headers: dict[str, str] | None = None, **extra: Any
    ):
        super().__init__(message)
        self.status, self.message, self.headers, self.extra = status, message, headers or {}, extra


class RateLimiter:
    """Sliding one-minute window per key; thread-safe."""

    def __init__(self, per_minute: int) -> None:
        self.per_minute = per_minute
        self._hits: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        if self.per_minute <= 0:
            return
        now = time.monotonic()
        with self._lock:
            q = self._hits.setdefault(key, collections.deque())
            while q and q[0] <= now - 60.0:
                q.popleft()
            if len(q) >= self.per_minute:
                wait = max(1, math.ceil(q[0] + 60.0 - now))
                raise RateLimited(
                    f"Rate limit of {self.per_minute} requests per minute exceeded; retry in {wait} s.",
                    retry_after=wait,
                )
            q.append(now)


class EngineServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        engine: OfflineEngine,
        keys: dict[str, frozenset[str] | None] | None,
        any_key: bool,
        rate_limit: int,
        origins: frozenset[str] | None,
        quiet: bool,
        audio_dir: Path | None = None,
    ) -> None:
        super().__init__(address, _Handler)
        self.audio_dir = audio_dir
        self.engine = engine
        self.keys = keys
        self.any_key = any_key
        self.limiter = RateLimiter(rate_limit)
        self.origins = origins
        self.quiet = quiet

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        return f"http://{host}:{port}"

    def authorize(self, key: str | None, origin: str | None) -> str:
        if not key:
            raise Unauthorized(f"Missing API key: send it in the {KEY_HEADER} header.")
        if self.keys is not None and key in self.keys:
            allowed = self.keys[key]
        elif self.any_key:
            allowed = None
        else:
            raise Unauthorized("Invalid API key.")
        if origin is not None:
            if self.origins is not None and origin not in self.origins:
                raise Unauthorized(f"Origin {origin!r} is not allowed on this server.")
            if allowed is not None and origin not in allowed:
                raise Unauthorized(f"This API key is not valid for origin {origin!r}.")
        return key


def soundtrack_response(
    result: RenderResult, balance: int | None, audio_dir: Path | None = None
) -> dict[str, Any]:
    """The contract's 200 body, plus soundtrackHash and the remaining balance.

    With *audio_dir* (the GUI's engine child, api/engine_child.py) the audio is written to a
    new file there and the body names it in `audioFile` instead of carrying `mp3`: a
    20-minute soundtrack is ~28 MB, ~37 MB as base64, and several copies of that in the
    editor's process while the JSON is read and decoded is what the file saves.
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
    if audio_dir is None:
        body["mp3"] = base64.b64encode(result.mp3).decode("ascii")
    else:
        name = f"{uuid.uuid4().hex}.{result.audio_format or 'mp3'}"
        atomic_write_bytes(audio_dir / name, result.mp3)
        body["audioFile"] = name
    return body


class _Handler(BaseHTTPRequestHandler):
    server: EngineServer
    protocol_version = "HTTP/1.1"
    timeout = 30  # seconds a client may stall mid-request before the socket is dropped
    server_version = "MuzaicStudioOffline"

    # ------------------------------------------------------------------ plumbing

    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)

    def _send(
        self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None
    ) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        for k, v in (headers or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def _body(self) -> Any:
        length = self.headers.get("Content-Length")
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            self.close_connection = True
            raise _HTTPError(
                411, "Send the body with a Content-Length (chunked bodies are not accepted)."
            )
        if length is None:
            raise _HTTPError(411, "A POST needs a Content-Length header and a JSON body.")
        try:
            n = int(length)
        except ValueError:
            self.close_connection = True
            raise _HTTPError(400, f"Content-Length {length!r} is not a number.") from None
        if n < 0:
            self.close_connection = True
            raise _HTTPError(400, "Content-Length must not be negative.")
        if n > MAX_BODY_BYTES:
            self.close_connection = True  # the body is not read: the connection cannot be reused
            raise _HTTPError(
                413, f"Request body of {n} bytes exceeds the limit of {MAX_BODY_BYTES} bytes."
            )
        try:
            raw = self.rfile.read(n)
        except OSError:  # the client stalled past `timeout` or went away mid-body
            self.close_connection = True
            raise _HTTPError(408, "The request body did not arrive in time.") from None
        if len(raw) < n:
            self.close_connection = True
            raise _HTTPError(400, "The request body ended before Content-Length bytes arrived.")
        if not raw.strip():
            raise _HTTPError(400, "The request body is empty; send a JSON object.")
        try:
            return json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            raise _HTTPError(400, "The request body is not UTF-8 text.") from None
        except (ValueError, RecursionError) as exc:
            raise _HTTPError(400, f"The request body is not valid JSON: {exc}") from None

    def _route(self) -> tuple[str, str | None]:
        path = urllib.parse.urlsplit(self.path).path.rstrip("/") or "/"
        if path.startswith("/soundtrack/"):
            origin = urllib.parse.unquote(path[len("/soundtrack/") :])
            if not origin or "/" in origin:
                raise _HTTPError(404, f"No such endpoint: {path}")
            return "/soundtrack", origin
        return path, None

    _ROUTES: frozenset[tuple[str, str]] = frozenset(
        {
            ("POST", "/soundtrack"),
            ("POST", "/singleFile"),
            ("POST", "/audioFromHash"),
            ("GET", "/getTags"),
            ("GET", "/accountDetails"),
        }
    )

    def _handle(self) -> None:
        try:
            try:
                path, origin = self._route()
                methods = {m for m, p in self._ROUTES if p == path}
                if not methods:
                    raise _HTTPError(404, f"No such endpoint: {path}")
                if self.command not in methods:
                    raise _HTTPError(405, f"{self.command} is not allowed on {path}; use {', '.join(sorted(methods))}.",
                                     {"Allow": ", ".join(sorted(methods))})  # fmt: skip
                key = self.server.authorize(self.headers.get(KEY_HEADER), origin)
                self.server.limiter.check(key)
                status, body = self._dispatch(path)
                self._send(status, body)
            except _HTTPError as exc:
                self._send(exc.status, {"error": exc.message, **exc.extra}, exc.headers)
            except InvalidRequest as exc:
                self._send(400, {"error": exc.message})
            except Unauthorized as exc:
                self._send(401, {"error": exc.message})
            except InsufficientTokens as exc:
                self._send(
                    402, {"error": exc.message, "needed": exc.needed, "balance": exc.balance}
                )
            except RateLimited as exc:
                retry = str(math.ceil(exc.retry_after or 1))
                self._send(
                    429, {"error": exc.message, "retryAfter": int(retry)}, {"Retry-After": retry}
                )
            except MuzaicError as exc:
                self._send(500, {"error": f"The engine failed: {exc.message}"})
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception:  # a bug: log it, answer without internals
            traceback.print_exc(file=sys.stderr)
            try:
                self._send(
                    500, {"error": "Internal error in the offline engine (see the server log)."}
                )
            except OSError:
                self.close_connection = True

    def _dispatch(self, path: str) -> tuple[int, dict[str, Any]]:
        engine = self.server.engine
        if path == "/getTags":
            return 200, engine.tags()
        if path == "/accountDetails":
            acc = engine.account()
            return 200, {
                "balance": acc.balance,
                "used": acc.used,
                "apiVersion": acc.raw.get("engine"),
            }
        body = self._body()
        if path == "/soundtrack":
            result = engine.render(body)
        elif path == "/singleFile":
            if not isinstance(body, dict):
                raise InvalidRequest("The request must be a JSON object {duration, tags, params}.")
            if "duration" not in body:
                raise InvalidRequest("duration: is required (seconds of music to generate)")
            result = engine.single_file(
                body["duration"], body.get("tags"), body.get("params"), body.get("normalize", False)
            )
        else:  # /audioFromHash
            if not isinstance(body, dict) or "hash" not in body:
                raise InvalidRequest('hash: is required, e.g. {"hash": "<regionHash>"}')
            result = engine.audio_from_hash(body["hash"])
            return 200, {
                "apiVersion": result.api_version,
                "hash": body["hash"],
                "audioDuration": result.audio_duration,
                "mp3": base64.b64encode(result.mp3).decode("ascii"),
            }
        return 200, soundtrack_response(result, engine.account().balance, self.server.audio_dir)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _handle

    def do_HEAD(self) -> None:
        self._send(405, {"error": "HEAD is not supported."})


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


def start_server(
    host: str = "127.0.0.1",
    port: int = 0,
    keys: dict[str, frozenset[str] | None] | list[str] | None = None,
    any_key: bool | None = None,
    tokens: int | None = DEFAULT_TOKENS,
    rate_limit: int = 0,
    origins: list[str] | frozenset[str] | None = None,
    engine: OfflineEngine | None = None,
    quiet: bool = True,
    audio_dir: str | Path | None = None,
) -> tuple[EngineServer, threading.Thread]:
    """Start a server on a background thread; returns (server, thread). port=0 picks a free one.

    keys: {key: allowed origins or None} or a plain list of keys; without keys, any
    non-empty key is accepted (any_key defaults to True then). tokens: starting balance
    (None = unlimited). rate_limit: requests per minute per key (0 = off). Stop with
    `stop_server(server, thread)`; `server.url` is the base URL. audio_dir: renders are
    answered with a file there (`audioFile`) instead of base64 `mp3` (api/engine_child.py).
    """
    if isinstance(keys, list | tuple | set | frozenset):
        keys = {k: None for k in keys}
    if any_key is None:
        any_key = keys is None
    engine = engine or OfflineEngine(balance=tokens)
    server = EngineServer(
        (host, port),
        engine,
        keys,
        any_key,
        rate_limit,
        frozenset(origins) if origins else None,
        quiet,
        Path(audio_dir) if audio_dir else None,
    )
    thread = threading.Thread(target=server.serve_forever, name="engine-server", daemon=True)
    thread.start()
    return server, thread


def stop_server(server: EngineServer, thread: threading.Thread | None = None) -> None:
    server.shutdown()
    server.server_close()
    if thread is not None:
        thread.join(timeout=10)
    server.engine.store.flush()


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
    # For the GUI's engine child (api/engine_child.py), hidden from --help: the one key comes
    # as the first line of stdin (never argv, which other users can read in /proc), the
    # server announces `listening URL` on stdout, and exits when stdin reaches EOF, i.e.
    # when the parent closes the pipe or dies.
    who.add_argument("--key-stdin", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--parent-watch", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--quiet", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--audio-dir", metavar="DIR", help=argparse.SUPPRESS)


def run_serve(args: argparse.Namespace) -> int:
    """Run until Ctrl+C. Returns an exit code: 0 stopped, 1 cannot bind, 2 bad keys file."""
    keys = None
    watch = bool(getattr(args, "parent_watch", False))
    if getattr(args, "key_stdin", False):
        key = sys.stdin.readline().strip()
        if not key:
            print("muzaic-studio serve: no key on stdin", file=sys.stderr)
            return 2
        keys = {key: None}
    elif getattr(args, "keys", None):
        try:
            keys = read_keys(args.keys)
        except (OSError, ValueError) as exc:
            print(f"muzaic-studio serve: cannot read keys file: {exc}", file=sys.stderr)
            return 2
        if not keys:
            print(f"muzaic-studio serve: {args.keys} has no keys", file=sys.stderr)
            return 2
    origins = (
        [o.strip() for o in args.origins.split(",") if o.strip()]
        if getattr(args, "origins", None)
        else None
    )
    try:
        server, thread = start_server(
            args.host, args.port, keys=keys, any_key=keys is None, tokens=args.tokens,
            rate_limit=args.rate_limit, origins=origins,
            quiet=bool(getattr(args, "quiet", False)),
            audio_dir=getattr(args, "audio_dir", None),
        )  # fmt: skip
    except OSError as exc:
        print(
            f"muzaic-studio serve: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr
        )
        return 1
    stop = threading.Event()
    previous = None
    if threading.current_thread() is threading.main_thread():
        # SIGTERM (service managers, `kill`) stops as cleanly as Ctrl+C: the region store
        # is flushed so hashes handed out stay copyable after a restart. Installed before
        # the address is announced, so whoever read it can already stop us cleanly.
        previous = signal.signal(signal.SIGTERM, lambda *_: stop.set())
    if watch:
        _announce_and_watch(server.url, stop)
    else:
        auth = f"{len(keys)} key(s) from {args.keys}" if keys else "any non-empty key"
        print(f"Muzaic offline engine on {server.url} (auth: {auth}; tokens: {args.tokens}; "
              f"rate limit: {args.rate_limit or 'off'}). Ctrl+C stops.", flush=True)  # fmt: skip
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"Warning: listening on {args.host}, reachable from other machines.", file=sys.stderr)
    try:
        while thread.is_alive() and not stop.is_set():
            thread.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        if not watch:
            print("Stopping.", file=sys.stderr)
        stop_server(server, thread)
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
    return 0


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

    def watch() -> None:
        try:
            while sys.stdin.buffer.read1(65536):
                pass
        except (OSError, ValueError):
            pass
        stop.set()

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()
