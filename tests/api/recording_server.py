"""A real HTTP server on 127.0.0.1 that records every request and answers from a script.

It stands in for what is outside the machine: the Muzaic cloud and its failure modes
(error statuses, slow answers, cut connections, garbage bodies). The client under test uses
real sockets and the real `requests` stack against it; nothing in-process is mocked.

    with RecordingServer() as srv:
        srv.queue(Reply(200, {"...": ...}))      # answers, in order, to the next requests
        srv.route("/audio.mp3", Reply(200, b"..."))  # a fixed answer for one path
        ... client(srv.url) ...
        srv.requests[0].json, srv.requests[0].headers["MuzaicAPI-Secret-Key"]
"""

from __future__ import annotations

import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int = 200
    body: Any = b""  # dict/list -> JSON, str -> UTF-8, bytes as they are
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (a slow generation)
    # "normal"; "close": drop the connection without answering; "cut": send the headers
    # and part of the body (Content-Length promises all of it), then drop the connection;
    # "drip": send the body one byte every `delay` seconds (a stuck proxy, a slow loris).
    fault: str = "normal"

    def payload(self) -> bytes:
        if isinstance(self.body, bytes):
            return self.body
        if isinstance(self.body, str):
            return self.body.encode("utf-8")
        return json.dumps(self.body).encode("utf-8")


@dataclass
class Recorded:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    at: float

    @property
    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8")) if self.body else None

    def header(self, name: str) -> str | None:
        for k, v in self.headers.items():
            if k.lower() == name.lower():
                return v
        return None


class RecordingServer:
    def __init__(self, port: int = 0, host: str = "127.0.0.1") -> None:
        self.requests: list[Recorded] = []
        self._queue: list[Reply | Callable[[Recorded], Reply]] = []
        self._routes: dict[str, Reply] = {}
        self._lock = threading.Lock()
        self._stopping = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _handle(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                rec = Recorded(
                    self.command, self.path, dict(self.headers.items()), body, time.monotonic()
                )
                reply = server._next(rec)
                if reply.fault == "drip":
                    return self._drip(reply)
                if reply.delay and server._stopping.wait(reply.delay):
                    return
                if reply.fault == "close":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                data = reply.payload()
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json", **reply.headers}
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                if reply.fault == "cut":
                    self.wfile.write(data[: max(1, len(data) // 3)])
                    self.wfile.flush()
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.wfile.write(data)
                self.close_connection = True

            def _drip(self, reply: Reply) -> None:
                data = reply.payload()
                self.send_response(reply.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                try:
                    for i in range(len(data)):
                        self.wfile.write(data[i : i + 1])
                        self.wfile.flush()
                        if server._stopping.wait(reply.delay):
                            break
                except OSError:  # the client gave up: what the test wants
                    pass
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _handle

        self.host = host
        self._httpd = ThreadingHTTPServer((host, port), Handler)
        self._httpd.daemon_threads = True
        self._httpd.block_on_close = False
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True
        )

    # -- script ------------------------------------------------------------------------------
    def queue(self, *replies: Reply | Callable[[Recorded], Reply]) -> None:
        with self._lock:
            self._queue.extend(replies)

    def route(self, path: str, reply: Reply) -> None:
        with self._lock:
            self._routes[path] = reply

    def _next(self, rec: Recorded) -> Reply:
        with self._lock:
            self.requests.append(rec)
            if rec.path in self._routes:
                return self._routes[rec.path]
            if self._queue:
                reply = self._queue.pop(0)
                return reply(rec) if callable(reply) else reply
        return Reply(599, {"error": f"recording server: no scripted reply for {rec.path}"})

    # -- life ----------------------------------------------------------------------------------
    @property
    def port(self) -> int:
        return self._httpd.server_address[1]

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def start(self) -> RecordingServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()

    def __enter__(self) -> RecordingServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def posts(self, path_prefix: str = "/soundtrack") -> list[Recorded]:
        return [r for r in self.requests if r.method == "POST" and r.path.startswith(path_prefix)]


def free_port() -> int:
    """A port nothing listens on (bound then released): connecting to it is refused."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
