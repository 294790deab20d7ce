"""What the outcome of an HTTP exchange means to the user of a paid API.

Statuses and network failures become the typed errors of contract.errors, with the
server's reason (any documented spelling), the fix, and whether tokens may have been
spent; the Deadline bounds a whole exchange. Split from the client (api/cloud.py), which
only sends and reads: these rules are what a user reads when something goes wrong.
"""

from __future__ import annotations

import email.utils
import json
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import requests
import urllib3

from muzaic_studio.api.address import display
from muzaic_studio.contract.errors import (
    BadResponse,
    HashNotFound,
    InsufficientTokens,
    InvalidRequest,
    MuzaicError,
    NetworkError,
    RateLimited,
    ServerError,
    Unauthorized,
)
from muzaic_studio.contract.reader import estimated_tokens, server_error_text

MAX_RETRY_AFTER = 3600.0  # a longer Retry-After (a date in 2100) is shown capped


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """Retry-After as seconds from now: delta-seconds or an HTTP-date (RFC 9110)."""
    if not value:
        return None
    value = value.strip()
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError, IndexError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = (when - (now or datetime.now(UTC))).total_seconds()
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


@dataclass(frozen=True)
class Deadline:
    """When a whole exchange must be over: headers, body and any audio link it names.

    A per-read timeout alone lets a server that drips a byte every few seconds hold a
    render forever; the body loop checks this between reads."""

    at: float
    budget: float

    @classmethod
    def after(cls, seconds: float) -> Deadline:
        return cls(time.monotonic() + seconds, seconds)

    def left(self) -> float:
        return self.at - time.monotonic()


@dataclass(frozen=True)
class Response:
    status: int
    headers: dict[str, str]
    content: bytes


def _exception_chain(exc: BaseException) -> list[BaseException]:
    """The exception and every one it wraps (args[0], .reason, __cause__, __context__)."""
    seen: list[BaseException] = []
    todo = [exc]
    while todo:
        e = todo.pop()
        if e in seen:
            continue
        seen.append(e)
        for nxt in (getattr(e, "reason", None), e.__cause__, e.__context__, *e.args[:1]):
            if isinstance(nxt, BaseException):
                todo.append(nxt)
    return seen


def network_error(
    exc: Exception, url: str, deadline: Deadline, purpose: str, connect_timeout: float
) -> tuple[bool, MuzaicError]:
    """(refused before anything was sent, the NetworkError a user reads)."""
    where = display(url)
    chain = _exception_chain(exc)
    spent = (
        " The server may have received the request; it was not sent again so tokens are "
        "not spent twice."
        if purpose in ("render", "audio")
        else ""
    )
    if isinstance(exc, requests.exceptions.SSLError):
        return False, NetworkError(
            f"The secure connection to {where} failed (certificate or TLS problem). "
            "Check the API address and the system clock."
        )
    if isinstance(exc, requests.exceptions.ConnectTimeout):
        return False, NetworkError(
            f"Could not connect to {where} within {connect_timeout:g} s. "
            "Check your internet connection."
        )
    if isinstance(exc, requests.exceptions.ReadTimeout) or any(
        type(e).__name__ == "ReadTimeoutError" for e in chain
    ):
        return False, NetworkError(f"{late_message(url, deadline)}{spent}")
    if any(type(e).__name__ == "NameResolutionError" for e in chain):
        return False, NetworkError(
            f"Cannot find the server {where}: check the API address and your connection."
        )
    if any(isinstance(e, ConnectionRefusedError) for e in chain):
        return True, NetworkError(
            f"{where} refused the connection: the server is down or the address is wrong."
        )
    if isinstance(exc, requests.exceptions.ChunkedEncodingError) or any(
        "IncompleteRead" in type(e).__name__ or "IncompleteRead" in str(e) for e in chain
    ):
        return False, NetworkError(f"The connection to {where} was cut mid-answer.{spent}")
    if isinstance(exc, requests.exceptions.ConnectionError | urllib3.exceptions.ProtocolError):
        return False, NetworkError(
            f"The connection to {where} was lost before an answer came.{spent}"
        )
    return False, NetworkError(f"The request to {where} failed ({type(exc).__name__}).{spent}")


def status_error(
    resp: Response,
    body: dict[str, Any] | None,
    purpose: str,
    url: str,
    origin: str | None,
    redact: Callable[[str], str],
) -> MuzaicError:
    """The typed error a non-2xx answer means, with the server's reason and the fix."""
    status = resp.status
    server_text = ""
    data: Any = None
    try:
        data = json.loads(resp.content.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        data = None
    said_text = server_error_text(data) or server_error_text(
        {"error": data.get("detail")} if isinstance(data, dict) else None
    )
    if said_text:
        server_text = redact(said_text)[:300]
    said = f" The server said: {server_text}" if server_text else ""
    where = display(url)
    if purpose == "download":
        if status >= 500:
            return ServerError(f"The audio host {where} failed (HTTP {status}).")
        return BadResponse(f"The audio link on {where} answered HTTP {status}.")
    if status == 400:
        return InvalidRequest(
            "The server refused the soundtrack: " + (server_text or "invalid input (HTTP 400).")
        )
    if status == 413:
        return InvalidRequest(
            f"The soundtrack request is too large for the server (HTTP 413).{said}"
        )
    if status in (401, 403):
        origin = f" or not allowed for origin {origin!r}" if origin else ""
        return Unauthorized(
            f"The API key was refused (missing, invalid, expired{origin}).{said} "
            "Set a valid key with `muzaic-studio key set` or MUZAIC_API_KEY."
        )
    if status == 402:
        needed = _find_int(data, ("needed", "tokensNeeded", "required", "tokensRequired", "cost"))
        left = _find_int(
            data,
            ("tokensRemaining", "balance", "tokensLeft", "left", "available", "remaining"),
        )
        if needed is None and body is not None:
            needed = estimated_tokens(body)  # documented: 1 token per generated second
        parts = [
            f"{needed} needed" if needed is not None else "",
            f"{left} left" if left is not None else "",
        ]
        known = ", ".join(p for p in parts if p)
        return InsufficientTokens(
            "Not enough tokens" + (f": {known}" if known else "") + ". Top up your Muzaic "
            "account, or render only the changed regions.",
            needed=needed,
            balance=left,
        )
    if status == 429:
        wait = retry_after_seconds(resp.headers.get("retry-after"))
        if wait is not None and wait > MAX_RETRY_AFTER:
            when = (
                f" The server asked to wait {_long_wait(wait)}; try again in an hour or "
                "check the account."
            )
            wait = MAX_RETRY_AFTER
        elif wait is not None:
            when = f" Try again in {math.ceil(wait)} s."
        else:
            when = " Try again later."
        return RateLimited(f"Too many requests to the Muzaic API.{when}", retry_after=wait)
    if status >= 500:
        return ServerError(
            f"The Muzaic server failed (HTTP {status}).{said} Nothing was rendered; "
            "try again in a moment."
        )
    if 300 <= status < 400:
        return BadResponse(
            f"{where} answered with a redirect (HTTP {status}); check the API address."
        )
    if status == 404 and purpose == "audio" and "hash" in server_text.lower():
        wanted = (body or {}).get("sourceHash", "")
        return HashNotFound(
            f"The server does not know the hash {wanted}: it was not made there, or it "
            "expired. Render the region again to get its music."
        )
    if status == 404:
        return BadResponse(
            f"{where} has no such endpoint (HTTP 404); check the API address"
            + (" and the origin." if origin else ".")
        )
    return BadResponse(f"Unexpected answer from {where}: HTTP {status}.{said}")


def _long_wait(seconds: float) -> str:
    """A Retry-After too long to show in seconds, in the largest unit that fits."""
    if seconds >= 2 * 86400 * 365:
        return f"over {int(seconds // (86400 * 365))} years"
    if seconds >= 2 * 86400:
        return f"{int(seconds // 86400)} days"
    return f"{int(seconds // 3600)} hours"


def late_message(url: str, deadline: Deadline) -> str:
    return f"{display(url)} did not answer within {deadline.budget:g} s (the whole answer, audio included)."


def cancel_message(purpose: str, *, sent: bool) -> str:
    if purpose == "render" and sent:
        return "Render cancelled. The server may still finish it and charge the tokens for it."
    if purpose == "render":
        return "Render cancelled before the server accepted it; no tokens were spent."
    return "Cancelled."


def _find_int(data: Any, names: tuple[str, ...]) -> int | None:
    """The first of *names* holding a number, at the top level or one object down."""
    if not isinstance(data, dict):
        return None
    layers = [data, *(v for v in data.values() if isinstance(v, dict))]
    for layer in layers:
        for name in names:
            value = layer.get(name)
            if isinstance(value, bool):
                continue
            if isinstance(value, int | float) and math.isfinite(value):
                return int(value)
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                return int(value.strip())
    return None
