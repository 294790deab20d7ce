"""Helpers for the render workflow's UI tests (test_render_*, test_library_*, ...).

`ScriptedServer` is a real HTTP server on 127.0.0.1 that answers every request with one
scripted reply (status, body, delay). It stands in for the remote cloud's failure modes
(500, a garbage body, a slow answer) that the offline engine's own server never produces;
the client under test talks to it over real sockets with the real `requests` stack.
"""

from __future__ import annotations

import contextlib
import json
import socket
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from muzaic_studio.model import Project, Region

KEY = "test-key-0123456789abcdef"


@dataclass
class Scripted:
    status: int = 200
    body: Any = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


class ScriptedServer:
    def __init__(self, reply: Scripted) -> None:
        self.reply = reply
        self.hits: list[str] = []
        self.arrived = threading.Event()
        self._stop = threading.Event()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                if length:
                    self.rfile.read(length)
                server.hits.append(f"{self.command} {self.path}")
                server.arrived.set()
                r = server.reply
                if r.delay:
                    server._stop.wait(r.delay)
                body = r.body if isinstance(r.body, bytes) else json.dumps(r.body).encode()
                self.send_response(r.status)
                for k, v in r.headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(OSError):
                    self.wfile.write(body)

            do_GET = _answer
            do_POST = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def __enter__(self) -> ScriptedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)


def refused_url() -> str:
    """An http URL on 127.0.0.1 where nothing listens (connection refused)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()
    return f"http://127.0.0.1:{port}"


def cloud(url: str, key: str = KEY) -> Any:
    """The real cloud client pointed at a loopback server; no automatic retries."""
    from muzaic_studio.api.cloud import MuzaicCloud

    return MuzaicCloud(url, key, max_retries=0, connect_timeout=2.0)


def two_regions() -> Project:
    return Project(
        regions=[
            Region(0.0, 6.0, tags=[1, 2], name="Intro"),
            Region(
                6.0,
                8.0,
                tags=[3],
                params={"intensity": 8, "tempo": 6, "tone": 7, "variance": 5, "rhythm": 6},
            ),
        ],
        name="Two regions",
    )


def snapshot(doc: Any) -> dict[str, Any]:
    """Everything a render may change in a document (and on disk for its history)."""
    return {
        "project": doc.project.to_dict(),
        "waveform": doc.waveform,
        "audio": doc.audio_path,
        "undo": doc.undo_stack.count(),
        "dirty": doc.dirty,
    }


def render_window(qtbot: Any, backend_url: str | None = None, *, resize: bool = False) -> Any:
    """A MainWindow on `two_regions()`, shown, that renders without asking and closes
    without asking to save; with *backend_url*, it renders there through the cloud client."""
    from muzaic_studio.ui.document import ProjectDocument
    from muzaic_studio.ui.window.main_window import MainWindow

    w = MainWindow(ProjectDocument(two_regions()), autosave=False)
    w.files.maybe_save = lambda: True  # closing at teardown must not ask to save
    qtbot.addWidget(w)
    if resize:
        w.resize(1200, 700)
    w.show()
    wf = w.render_workflow
    wf.ask_before_spending = False  # a modal question would wait for a click
    if backend_url is not None:
        wf.use_backend(cloud(backend_url))
    return w


def render_and_wait(window: Any, qtbot: Any) -> Any:
    """Render the whole window's project and wait for it; the render workflow."""
    wf = window.render_workflow
    with qtbot.waitSignal(wf.controller.finished, timeout=30_000):
        assert wf.render(False)
    return wf


class EngineServer:
    """The offline engine's own loopback server (engine/server.py) with the test key."""

    def __init__(self, **options: Any) -> None:
        from muzaic_studio.engine.server import start_server

        options.setdefault("keys", [KEY])
        self.server, self.thread = start_server(host="127.0.0.1", port=0, **options)
        self.url = self.server.url

    def __enter__(self) -> EngineServer:
        return self

    def __exit__(self, *exc: object) -> None:
        from muzaic_studio.engine.server import stop_server

        stop_server(self.server, self.thread)
