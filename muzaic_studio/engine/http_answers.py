"""What `muzaic-studio serve` answers: the JSON of every success and every refusal.

The seam between the server's routes (http_app.ServeApp: who may ask, limits, the render
queue) and the shape of its answers: every 2xx body goes through `answer_body` and every
error body through `error_body` (also used by http_protocol for errors the HTTP parser
finds before the app runs), so a dialect (engine/dialects.py: `{"Error": ...}` for the
docs, links for mcp) reshapes answers in one place, and a domain error becomes its status
code (401, 402, 404, 429 with Retry-After, ...) here and nowhere else.
"""

from __future__ import annotations

import json
import logging
import math
import time
from typing import TYPE_CHECKING, Any

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import Response

from muzaic_studio.contract.errors import (
    HashNotFound,
    InsufficientTokens,
    InvalidRequest,
    MuzaicError,
    RateLimited,
    Unauthorized,
)
from muzaic_studio.engine import dialects

if TYPE_CHECKING:
    from muzaic_studio.engine.http_app import ServeConfig

log = logging.getLogger(__name__)

KEY_HEADER = "MuzaicAPI-Secret-Key"
DRAIN_LIMIT = 64 << 10  # an unread body larger than this is not drained: the connection closes


class Refused(Exception):
    def __init__(self, status: int, message: str, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status, self.message, self.headers = status, message, headers or {}


class ServeAnswers:
    """The answer/error half of ServeApp: reads only its config's dialect and audio links."""

    config: ServeConfig
    links: dialects.AudioLinks

    def answer_body(
        self, endpoint: str, payload: dict[str, Any], request: Request | None = None
    ) -> dict[str, Any]:
        """The JSON of a 2xx answer of *endpoint* (one place to reshape success)."""
        dialect = self.config.dialect
        if dialect == "openapi":
            return payload
        if endpoint == "getTags":
            return dialects.shape_tags(payload, dialect)
        if endpoint == "accountDetails":
            key = request.headers.get(KEY_HEADER) if request is not None else None
            return dialects.shape_account(payload["balance"], payload["used"], dialect, key)
        state = request.state if request is not None else None
        shaped = dialects.shape_answer(
            payload, dialect, self.links, getattr(state, "json_body", None),
            time.monotonic() - getattr(state, "started", time.monotonic()),
        )  # fmt: skip
        base = f"{request.url.scheme}://{request.url.netloc}" if request is not None else ""
        return dialects.absolute_links(shaped, base)

    def error_body(self, status: int, message: str, **extra: Any) -> dict[str, Any]:
        """The JSON of every error answer, the HTTP parser's included (one place)."""
        return dialects.shape_error({"error": message, **extra}, self.config.dialect)

    def answer(
        self,
        endpoint: str,
        payload: dict[str, Any],
        headers: dict[str, str] | None = None,
        request: Request | None = None,
    ) -> Response:
        return _json(200, self.answer_body(endpoint, payload, request), headers)

    def error(
        self, status: int, message: str, headers: dict[str, str] | None = None, **extra: Any
    ) -> Response:
        return _json(status, self.error_body(status, message, **extra), headers)

    # ------------------------------------------------------------------ refusals

    async def _on_http_exception(self, request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        headers = dict(exc.headers or {})
        path = request.url.path if len(request.url.path) <= 80 else request.url.path[:77] + "..."
        message = {404: f"No such endpoint: {path}"}.get(exc.status_code, exc.detail)
        if exc.status_code == 405:
            message = f"{request.method} is not allowed on {path}; use {headers.get('Allow', '')}."
        return self.error(exc.status_code, message, _unread_body(request, headers))

    async def _on_bug(self, request: Request, exc: Exception) -> Response:
        log.error("Bug answering %s %s", request.method, request.url.path, exc_info=exc)
        headers = _unread_body(request, {"Connection": "close"})
        return self.error(
            500, "Internal error in the offline engine (see the server log).", headers
        )

    def _refusal(self, request: Request, exc: Exception) -> Response:
        """A domain or HTTP refusal as its status and JSON."""
        headers: dict[str, str] = {}
        if isinstance(exc, Refused):
            return self.error(exc.status, exc.message, _unread_body(request, dict(exc.headers)))
        if isinstance(exc, InvalidRequest):
            return self.error(400, exc.message, _unread_body(request, headers))
        if isinstance(exc, HashNotFound):
            return self.error(404, exc.message, _unread_body(request, headers))
        if isinstance(exc, Unauthorized):
            return self.error(401, exc.message, _unread_body(request, headers))
        if isinstance(exc, InsufficientTokens):
            return self.error(
                402, exc.message, _unread_body(request, headers), needed=exc.needed,
                balance=exc.balance,
            )  # fmt: skip
        if isinstance(exc, RateLimited):
            retry = max(1, math.ceil(exc.retry_after or 1))
            headers["Retry-After"] = str(retry)
            return self.error(429, exc.message, _unread_body(request, headers), retryAfter=retry)
        assert isinstance(exc, MuzaicError)
        return self.error(500, f"The engine failed: {exc.message}", _unread_body(request, headers))


def _json(status: int, body: dict[str, Any], headers: dict[str, str] | None) -> Response:
    data = json.dumps(body, allow_nan=False, separators=(",", ":")).encode("ascii")
    return Response(data, status, headers=headers, media_type="application/json")


def _unread_body(request: Request, headers: dict[str, str]) -> dict[str, str]:
    """Close the connection after a refusal whose large or unsized body was never read.

    A small unread body is drained by the server before the next request on the
    connection, so keep-alive survives a 401 or 404; a large one would be read for nothing.
    """
    if getattr(request.state, "body_read", False) or request.method in ("GET", "HEAD"):
        return headers
    length = request.headers.get("content-length")
    chunked = "chunked" in request.headers.get("transfer-encoding", "").lower()
    if chunked or (length is not None and int(length) > DRAIN_LIMIT):
        headers = {**headers, "Connection": "close"}
    return headers
