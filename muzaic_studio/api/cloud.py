"""The Muzaic cloud client: POST /soundtrack over HTTPS with the key header.

Decisions that matter to a user who pays per second of music:

* A render is not idempotent: it spends tokens. A POST that may have reached the server is
  never sent again, whatever happened to the answer (timeout, cut connection, 5xx). Only
  two failures are retried, both bounded: a refused connection (nothing was sent) and a
  429 carrying a Retry-After of at most a minute (the server refused to start).
* Generation takes ~5-7 s per minute of music, so the time allowed grows with the
  soundtrack (60 s + 15 s per minute, at most 15 min) and covers the whole exchange, the
  body and any audio link it names, not just each read; connecting fails after 10 s.
* A render can be cancelled: the HTTP exchange runs on a worker thread and the caller waits
  on its threading.Event, so Cancel returns at once. The server may still finish the job
  and charge for it, and the Cancelled message says so.
* The key goes in the MuzaicAPI-Secret-Key header only: never in a URL, a log line, a repr
  or an exception (errors are raised outside the `except` block that saw a requests error,
  because a requests exception carries the prepared request and so the header). It is
  refused over plain http unless the host is this machine, and it is not sent to another
  host (audio URLs on a CDN, redirects).
* Every documented answer shape is read by contract.reader (base64 or a link in `mp3`,
  `wav`, `url` or `audioUrl`; per-region or soundtrack hashes); this module only fetches
  links, with the key sent to the API's own host alone.
"""

from __future__ import annotations

import email.utils
import functools
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, TypeVar
from urllib.parse import quote, urljoin, urlsplit

import requests
import urllib3

from muzaic_studio import __version__
from muzaic_studio.api.address import DEFAULT_API_URL, display, is_loopback_host, origin_of
from muzaic_studio.api.credentials import check_key
from muzaic_studio.contract.account import read_account
from muzaic_studio.contract.audio import audio_format
from muzaic_studio.contract.errors import (
    BadResponse,
    Cancelled,
    HashNotFound,
    InsecureConnection,
    InsufficientTokens,
    InvalidRequest,
    MuzaicError,
    NetworkError,
    RateLimited,
    ServerError,
    Unauthorized,
)
from muzaic_studio.contract.reader import (
    Answer,
    finish,
    read_answer,
    read_audio_field,
    server_error_text,
)
from muzaic_studio.contract.result import Account, RenderResult

log = logging.getLogger(__name__)

KEY_HEADER = "MuzaicAPI-Secret-Key"

CONNECT_TIMEOUT = 10.0
BASE_READ_TIMEOUT = 60.0  # also the read timeout of tags/account
READ_SECONDS_PER_MINUTE = 15.0  # ~2.5x the slowest documented generation speed
MAX_READ_TIMEOUT = 900.0
MAX_RETRIES = 2
MAX_RETRY_WAIT = 60.0
MAX_RETRY_AFTER = 3600.0  # a longer Retry-After (a date in 2100) is shown capped
REFUSED_BACKOFF = 0.5  # seconds, doubled per retry
MAX_BODY_BYTES = 512 * 1024 * 1024  # 20 min of WAV is ~210 MB; base64 adds a third
MAX_REDIRECTS = 5
POLL_INTERVAL = 0.05

T = TypeVar("T")


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


# -- transport -------------------------------------------------------------------------------
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
class _Response:
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


class MuzaicCloud:
    """The Muzaic cloud as a Backend. Thread-safe: every call uses its own HTTP session."""

    name = "cloud"

    def __init__(
        self,
        base_url: str = DEFAULT_API_URL,
        key: str | None = None,
        origin: str | None = None,
        timeout: float | None = None,
        *,
        connect_timeout: float = CONNECT_TIMEOUT,
        max_retries: int = MAX_RETRIES,
        max_retry_wait: float = MAX_RETRY_WAIT,
    ) -> None:
        """*timeout* fixes the read timeout of every call; None scales it with the soundtrack."""
        base_url = (base_url or DEFAULT_API_URL).strip().rstrip("/")
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise InvalidRequest(
                f"The API address {base_url!r} is not an http(s) URL, e.g. {DEFAULT_API_URL}."
            )
        try:
            parts.port  # noqa: B018  (raises ValueError on a bad port)
        except ValueError:
            raise InvalidRequest(f"The API address {base_url!r} has an invalid port.") from None
        if parts.username or parts.password or parts.query or parts.fragment:
            raise InvalidRequest(
                "The API address must be a plain URL like "
                f"{DEFAULT_API_URL} (no user, query or fragment)."
            )
        if key is None:
            raise Unauthorized(
                "No Muzaic API key is set. Run `muzaic-studio key set` or set MUZAIC_API_KEY."
            )
        self._key = check_key(key)
        if parts.scheme == "http" and not is_loopback_host(parts.hostname):
            raise InsecureConnection(
                f"Refusing to send the API key over plain http to {display(base_url)}: anyone "
                "on the network could read it. Use https:// (plain http is only allowed for "
                "this machine: localhost, 127.0.0.1, ::1)."
            )
        self.base_url = base_url
        self.origin = (origin or "").strip() or None
        self.timeout = timeout
        self.connect_timeout = connect_timeout
        self.max_retries = max(0, int(max_retries))
        self.max_retry_wait = max_retry_wait

    def __repr__(self) -> str:
        return f"MuzaicCloud(base_url={self.base_url!r}, origin={self.origin!r}, key=<hidden>)"

    __str__ = __repr__

    # -- public API ------------------------------------------------------------------------
    @property
    def soundtrack_url(self) -> str:
        if self.origin:
            return f"{self.base_url}/soundtrack/{quote(self.origin, safe='')}"
        return f"{self.base_url}/soundtrack"

    def render_read_timeout(self, body: dict[str, Any]) -> float:
        """How long to wait for the answer to *body*: generous, growing with its length."""
        if self.timeout is not None:
            return float(self.timeout)
        end = 0.0
        for r in body.get("regions") or []:
            try:
                end = max(end, float(r["time"]) + float(r["duration"]))
            except (KeyError, TypeError, ValueError):
                continue
        return min(BASE_READ_TIMEOUT + READ_SECONDS_PER_MINUTE * end / 60.0, MAX_READ_TIMEOUT)

    def render(self, request: Any, cancel: threading.Event | None = None) -> RenderResult:
        """Render a request body (dict) or a Project; raises the typed errors of contract.errors.

        The body is sent as given: the render use case (muzaic_studio.render) validated it,
        once, before any backend sees it.
        """
        body = request.request_body() if hasattr(request, "request_body") else request
        deadline = Deadline.after(self.render_read_timeout(body))
        started = time.monotonic()
        resp = self._request(
            "POST", self.soundtrack_url, body=body, deadline=deadline,
            cancel=cancel, purpose="render",
        )  # fmt: skip
        result = self._parse_render(resp, body, deadline, cancel)
        log.info(
            "render: %d regions, %.1f s of audio, %d tokens, %.1f s",
            len(body["regions"]), result.audio_duration, result.tokens_used,
            time.monotonic() - started,
        )  # fmt: skip
        return result

    def tags(self, cancel: threading.Event | None = None) -> dict[str, Any]:
        """GET /getTags: {"tags": [{"id", "name", "tagCategoryId", ...}], "tagsRelations"}."""
        resp = self._request(
            "GET", f"{self.base_url}/getTags", deadline=self._short_deadline(),
            cancel=cancel, purpose="tags",
        )  # fmt: skip
        data = self._json(resp, "tag list")
        if not isinstance(data, dict) or not isinstance(data.get("tags"), list):
            raise BadResponse("The server's tag list has no 'tags' array.")
        return data

    def account(self, cancel: threading.Event | None = None) -> Account:
        """GET /accountDetails in either documented shape; an echoed key is masked."""
        resp = self._request(
            "GET", f"{self.base_url}/accountDetails", deadline=self._short_deadline(),
            cancel=cancel, purpose="account",
        )  # fmt: skip
        data = self._json(resp, "account details")
        if not isinstance(data, dict):
            raise BadResponse("The server's account details are not a JSON object.")
        return read_account(data, self._key)

    def audio_from_hash(self, hash_: str, cancel: threading.Event | None = None) -> bytes:
        """POST /audioFromHash {"sourceHash"}: the audio of an earlier generation (MP3/WAV).

        Treated like a render (not repeated after it may have reached the server) because
        the docs' example charges tokens for it. A 404 is HashNotFound.
        """
        if not isinstance(hash_, str) or not hash_.strip():
            raise InvalidRequest("A region hash is needed to fetch its audio.")
        deadline = self._short_deadline()
        resp = self._request(
            "POST", f"{self.base_url}/audioFromHash", body={"sourceHash": hash_.strip()},
            deadline=deadline, cancel=cancel, purpose="audio",
        )  # fmt: skip
        data = self._json(resp, "audio")
        if not isinstance(data, dict):
            raise BadResponse("The server's answer is not a JSON object.")
        name, audio, link = read_audio_field(data)
        if not name:
            said = server_error_text(data)
            raise BadResponse(
                "The server sent no audio for the hash"
                + (f": {self._redact(said)[:300]}" if said else ".")
            )
        if link is not None:
            audio = self._download(link, deadline, cancel)
        assert audio is not None
        if audio_format(audio) is None:
            raise BadResponse(f"The audio of hash {hash_.strip()} is not MP3 or WAV.")
        return audio

    # -- responses ---------------------------------------------------------------------------
    def _short_deadline(self) -> Deadline:
        return Deadline.after(
            float(self.timeout) if self.timeout is not None else BASE_READ_TIMEOUT
        )

    def _json(self, resp: _Response, what: str) -> Any:
        try:
            return json.loads(resp.content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            snippet = self._redact(resp.content[:80].decode("utf-8", "replace")).strip()
            raise BadResponse(
                f"The server's {what} is not JSON (it starts with {snippet!r}); "
                "check the API address, or retry later."
            ) from None

    def _parse_render(
        self,
        resp: _Response,
        body: dict[str, Any],
        deadline: Deadline,
        cancel: threading.Event | None,
    ) -> RenderResult:
        """Any documented answer shape -> RenderResult (contract.reader); links fetched here."""
        data = self._json(resp, "soundtrack")
        local = self._local_audio(data)
        answer = read_answer(data, body, self._redact, audio_elsewhere=local is not None)
        if local is not None:
            return finish(answer, local, "the offline engine's audio file")
        audio, source = self._audio(answer, deadline, cancel)
        return finish(answer, audio, source)

    def _local_audio(self, data: Any) -> bytes | None:
        """Audio that came beside the answer instead of in it (the engine child's file)."""
        return None

    def _audio(
        self, answer: Answer, deadline: Deadline, cancel: threading.Event | None
    ) -> tuple[bytes, str]:
        """(audio bytes, where they came from): decoded base64, or the link downloaded.

        A failed download keeps the answer's hashes on the error (`partial`)."""
        if answer.audio is not None:
            return answer.audio, ""
        assert answer.link is not None
        try:
            audio = self._download(answer.link, deadline, cancel)
        except MuzaicError as exc:
            exc.partial = answer.partial()
            raise
        return audio, f"the link in '{answer.field}' ({display(self._link_url(answer.link))})"

    def _link_url(self, link: str) -> str:
        return urljoin(self.base_url + "/", link)

    def _download(self, url: str, deadline: Deadline, cancel: threading.Event | None) -> bytes:
        """GET an audio link within the request's deadline; the key goes only to the API's
        own host (same scheme, host and port), also over redirects."""
        target = self._link_url(url)
        api_origin = origin_of(self.base_url)
        for _hop in range(MAX_REDIRECTS + 1):
            if urlsplit(target).scheme not in ("http", "https"):
                raise BadResponse("The server's audio link is not an http(s) URL.")
            same_host = origin_of(target) == api_origin
            resp = self._request(
                "GET", target, deadline=deadline, cancel=cancel,
                purpose="download", with_key=same_host,
            )  # fmt: skip
            if 300 <= resp.status < 400:
                location = resp.headers.get("location")
                if not location:
                    raise BadResponse("The audio link redirects nowhere.")
                target = urljoin(target, location)
                continue
            return resp.content
        raise BadResponse(f"The audio link redirected more than {MAX_REDIRECTS} times.")

    # -- requests ----------------------------------------------------------------------------
    def _redact(self, text: str) -> str:
        return text.replace(self._key, "<key>") if self._key else text

    def _send(
        self,
        method: str,
        url: str,
        body: dict[str, Any] | None,
        deadline: Deadline,
        with_key: bool,
        accept: str = "application/json",
    ) -> _Response:
        headers = {
            "Accept": accept,
            "User-Agent": f"muzaic-studio/{__version__}",
        }
        data = None
        if body is not None:
            headers["Content-Type"] = "application/json"
            data = json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
        if with_key:
            headers[KEY_HEADER] = self._key
        with requests.Session() as session:
            if origin_of(url)[1] and is_loopback_host(origin_of(url)[1]):
                session.trust_env = False  # no proxy or .netrc for this machine
            resp = session.request(
                method, url, data=data, headers=headers,
                timeout=(self.connect_timeout, max(0.1, deadline.left())),
                allow_redirects=False, stream=True,
            )  # fmt: skip
            try:
                chunks: list[bytes] = []
                size = 0
                raw = resp.raw
                while True:
                    if deadline.left() <= 0:
                        raise NetworkError(_late_message(url, deadline))
                    # read1: whatever has arrived, so a dripping server is seen between reads
                    chunk = raw.read1(256 * 1024, decode_content=True)
                    if not chunk:
                        break
                    size += len(chunk)
                    if size > MAX_BODY_BYTES:
                        raise BadResponse(
                            f"The server's answer is larger than {MAX_BODY_BYTES >> 20} MB."
                        )
                    chunks.append(chunk)
            finally:
                resp.close()
            return _Response(
                resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, b"".join(chunks)
            )

    def _call(self, fn: Callable[[], T], cancel: threading.Event | None, purpose: str) -> T:
        """Run *fn* on a worker thread so that *cancel* stops the wait at once."""
        if cancel is None:
            return fn()
        if cancel.is_set():
            raise Cancelled(_cancel_message(purpose, sent=False))
        box: dict[str, Any] = {}
        done = threading.Event()

        def work() -> None:
            try:
                box["value"] = fn()
            except BaseException as exc:
                box["error"] = exc
            finally:
                done.set()

        threading.Thread(target=work, name=f"muzaic-cloud-{purpose}", daemon=True).start()
        while not done.wait(POLL_INTERVAL):
            if cancel.is_set():
                # The worker is abandoned: it ends at the server's answer or the timeout.
                raise Cancelled(_cancel_message(purpose, sent=True))
        if "error" in box:
            raise box["error"]
        return box["value"]

    def _wait(self, seconds: float, cancel: threading.Event | None, purpose: str) -> None:
        if cancel is None:
            time.sleep(seconds)
        elif cancel.wait(seconds):
            raise Cancelled(_cancel_message(purpose, sent=False))

    def _request(
        self,
        method: str,
        url: str,
        *,
        body: dict[str, Any] | None = None,
        deadline: Deadline,
        cancel: threading.Event | None,
        purpose: str,
        with_key: bool = True,
    ) -> _Response:
        """One exchange with the bounded safe retries; non-2xx statuses become typed errors."""
        accept = "audio/mpeg, audio/*, */*" if purpose == "download" else "application/json"
        retries = 0
        while True:
            error: MuzaicError | None = None
            retry_in: float | None = None
            resp: _Response | None = None
            exchange = functools.partial(self._send, method, url, body, deadline, with_key, accept)
            try:
                resp = self._call(exchange, cancel, purpose)
            except MuzaicError as exc:
                error = exc
            except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                refused, error = self._network_error(exc, url, deadline, purpose)
                if refused and retries < self.max_retries:
                    retry_in = REFUSED_BACKOFF * 2**retries
            # Raised here, outside the except block, so no requests exception (which holds
            # the prepared request and its key header) becomes the error's __context__.
            if resp is not None:
                log.debug("%s %s -> %d", method, display(url), resp.status)
                if resp.status < 300 or (purpose == "download" and resp.status < 400):
                    return resp
                error = self._status_error(resp, body, purpose, url)
                if isinstance(error, RateLimited) and retries < self.max_retries:
                    wait = error.retry_after
                    if wait is not None and wait <= self.max_retry_wait:
                        retry_in = wait
            assert error is not None
            if retry_in is None:
                raise error
            retries += 1
            log.info("%s: %s; retry %d in %.1f s", purpose, error.message, retries, retry_in)
            self._wait(retry_in, cancel, purpose)
            deadline = Deadline.after(deadline.budget)  # the wait is not the server's time

    def _network_error(
        self, exc: Exception, url: str, deadline: Deadline, purpose: str
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
                f"Could not connect to {where} within {self.connect_timeout:g} s. "
                "Check your internet connection."
            )
        if isinstance(exc, requests.exceptions.ReadTimeout) or any(
            type(e).__name__ == "ReadTimeoutError" for e in chain
        ):
            return False, NetworkError(f"{_late_message(url, deadline)}{spent}")
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

    def _status_error(
        self, resp: _Response, body: dict[str, Any] | None, purpose: str, url: str
    ) -> MuzaicError:
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
            server_text = self._redact(said_text)[:300]
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
            origin = f" or not allowed for origin {self.origin!r}" if self.origin else ""
            return Unauthorized(
                f"The API key was refused (missing, invalid, expired{origin}).{said} "
                "Set a valid key with `muzaic-studio key set` or MUZAIC_API_KEY."
            )
        if status == 402:
            needed = _find_int(
                data, ("needed", "tokensNeeded", "required", "tokensRequired", "cost")
            )
            left = _find_int(
                data,
                ("tokensRemaining", "balance", "tokensLeft", "left", "available", "remaining"),
            )
            if needed is None and body is not None:
                needed = _tokens_needed(body)  # documented: 1 token per generated second
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
                + (" and the origin." if self.origin else ".")
            )
        return BadResponse(f"Unexpected answer from {where}: HTTP {status}.{said}")


def _long_wait(seconds: float) -> str:
    """A Retry-After too long to show in seconds, in the largest unit that fits."""
    if seconds >= 2 * 86400 * 365:
        return f"over {int(seconds // (86400 * 365))} years"
    if seconds >= 2 * 86400:
        return f"{int(seconds // 86400)} days"
    return f"{int(seconds // 3600)} hours"


def _late_message(url: str, deadline: Deadline) -> str:
    return f"{display(url)} did not answer within {deadline.budget:g} s (the whole answer, audio included)."


def _cancel_message(purpose: str, *, sent: bool) -> str:
    if purpose == "render" and sent:
        return "Render cancelled. The server may still finish it and charge the tokens for it."
    if purpose == "render":
        return "Render cancelled before the server accepted it; no tokens were spent."
    return "Cancelled."


def _tokens_needed(body: dict[str, Any]) -> int:
    from muzaic_studio.model.region import tokens_for

    return sum(
        tokens_for(r.get("duration", 0))
        for r in body.get("regions") or []
        if isinstance(r, dict) and r.get("action", "generate") == "generate"
    )


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
