"""uvicorn's h11 protocol, answering the HTTP parser's own errors as the app's JSON.

uvicorn answers a request h11 cannot parse (a malformed request line, a header section
over the size limit, an unknown Transfer-Encoding) with a plain-text 400 before any app
code runs. This subclass keeps h11's status hint (431 headers too large, 501 not
implemented; 414 when the request line alone is too long) and takes the body from the
app's `error_body`, so every error a client sees is the contract's `{"error": ...}`.

It also bounds how long a request's header may take (uvicorn has no such limit): a
client that connects and sends nothing, or drips a header line every few seconds, held
its connection, and a file descriptor, forever; enough of them starve the server. From
the connection (or the last answer) a whole header must arrive within HEADER_TIMEOUT,
else 408 and the connection is closed; a render in progress is never timed out.
"""

from __future__ import annotations

import json
from typing import Any

import h11
from uvicorn.protocols.http.h11_impl import STATUS_PHRASES, H11Protocol

from muzaic_studio.engine.http_app import MAX_HEADER_BYTES, find_app

MAX_TARGET_BYTES = 8 << 10  # the path and query of a request line
MAX_HEADERS = 100
HEADER_TIMEOUT = 15.0  # seconds: as long as an idle keep-alive connection may stay

_MESSAGES = {
    400: "The request is not valid HTTP/1.1.",
    414: "The request line (method and path) is too long.",
    431: "The request's headers are too large.",
    501: "This Transfer-Encoding is not supported; send a Content-Length.",
}


class _Connection(h11.Connection):
    """h11's connection with size limits on a request that arrived whole (h11 limits only
    one still arriving), remembering the parse error uvicorn catches without keeping it."""

    last_error: h11.RemoteProtocolError | None = None
    on_request: Any = None  # called when a request's whole header has arrived

    def next_event(self) -> Any:
        try:
            event = super().next_event()
            if isinstance(event, h11.Request):
                _check_size(event)
                if self.on_request is not None:
                    self.on_request()
            return event
        except h11.RemoteProtocolError as exc:
            self.last_error = exc
            raise


def _check_size(request: h11.Request) -> None:
    if len(request.target) > MAX_TARGET_BYTES:
        raise h11.RemoteProtocolError("target too long", error_status_hint=414)
    size = sum(len(name) + len(value) + 4 for name, value in request.headers.raw_items())
    if size > MAX_HEADER_BYTES or len(request.headers) > MAX_HEADERS:
        raise h11.RemoteProtocolError("headers too large", error_status_hint=431)


class JSONErrorH11Protocol(H11Protocol):
    conn: _Connection  # set in __init__: the one that remembers its parse error

    def __init__(self, config: Any, *args: Any, **kwargs: Any) -> None:
        super().__init__(config, *args, **kwargs)
        self.conn = _Connection(h11.SERVER, self.conn._max_incomplete_event_size)
        self.conn.on_request = self._stop_header_timer
        self.header_timer: Any = None

    def connection_made(self, transport: Any) -> None:
        super().connection_made(transport)
        self._start_header_timer()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_header_timer()
        super().connection_lost(exc)

    def on_response_complete(self) -> None:
        self._start_header_timer()  # for the next request; a pipelined one stops it at once
        super().on_response_complete()

    def _start_header_timer(self) -> None:
        self._stop_header_timer()
        self.header_timer = self.loop.call_later(HEADER_TIMEOUT, self._header_timed_out)

    def _stop_header_timer(self) -> None:
        if self.header_timer is not None:
            self.header_timer.cancel()
            self.header_timer = None

    def _header_timed_out(self) -> None:
        self.header_timer = None
        if self.transport.is_closing():
            return
        if self.conn.trailing_data[0]:  # a header begun: say why it ends
            body = self._error_json(408, "The request's header did not arrive in time.")
            self.transport.write(
                b"HTTP/1.1 408 Request Timeout\r\ncontent-type: application/json\r\n"
                + b"content-length: %d\r\nconnection: close\r\n\r\n" % len(body)
                + body
            )
        self.transport.close()

    def _error_json(self, status: int, message: str) -> bytes:
        app = find_app(self.app)
        body = app.error_body(status, message) if app else {"error": message}
        return json.dumps(body, separators=(",", ":")).encode("ascii")

    def send_400_response(self, msg: str) -> None:
        error = self.conn.last_error
        status = getattr(error, "error_status_hint", 400)
        if str(error) == "Receive buffer too long" and b"\n" not in self.conn.trailing_data[0]:
            status = 414
        status = status if status in _MESSAGES else 400
        data = self._error_json(status, _MESSAGES[status])
        headers = [
            (b"content-type", b"application/json"),
            (b"content-length", str(len(data)).encode()),
            (b"connection", b"close"),
        ]
        try:
            for event in (
                h11.Response(status_code=status, headers=headers, reason=STATUS_PHRASES[status]),
                h11.Data(data=data),
                h11.EndOfMessage(),
            ):
                self.transport.write(self.conn.send(event))
        except h11.LocalProtocolError:  # a response was already under way: just close
            pass
        self.transport.close()
