"""The Muzaic cloud client: POST /soundtrack over HTTPS with the key header.

Decisions that matter to a user who pays per second of music:

* A render is not idempotent: it spends tokens. A POST that may have reached the server is
  never sent again, whatever happened to the answer (timeout, cut connection, 5xx). Only
  two failures are retried, both bounded: a refused connection (nothing was sent) and a
  429 carrying a Retry-After of at most a minute (the server refused to start).
* Generation takes ~5-7 s per minute of music, so the read timeout grows with the
  soundtrack (60 s + 15 s per minute, at most 15 min); connecting still fails after 10 s.
* A render can be cancelled: the HTTP exchange runs on a worker thread and the caller waits
  on its threading.Event, so Cancel returns at once. The server may still finish the job
  and charge for it, and the Cancelled message says so.
* The key goes in the MuzaicAPI-Secret-Key header only: never in a URL, a log line, a repr
  or an exception (errors are raised outside the `except` block that saw a requests error,
  because a requests exception carries the prepared request and so the header). It is
  refused over plain http unless the host is this machine, and it is not sent to another
  host (audio URLs on a CDN, redirects).
* Audio comes as base64 `mp3` (the contract) or `wav`, or as an http(s) `url`/`audioUrl`
  (what current servers send, per the official clients); either way the bytes must look
  like MP3 or WAV before the app trusts them.
"""

from __future__ import annotations

import base64
import binascii
import email.utils
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

from muzaic_studio import __version__
from muzaic_studio.api.address import DEFAULT_API_URL, display, is_loopback_host, origin_of
from muzaic_studio.api.credentials import check_key
from muzaic_studio.contract.errors import (
    BadResponse,
    Cancelled,
    InsecureConnection,
    InsufficientTokens,
    InvalidRequest,
    MuzaicError,
    NetworkError,
    RateLimited,
    ServerError,
    Unauthorized,
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
REFUSED_BACKOFF = 0.5  # seconds, doubled per retry
MAX_BODY_BYTES = 512 * 1024 * 1024  # 20 min of WAV is ~210 MB; base64 adds a third
MAX_REDIRECTS = 5
POLL_INTERVAL = 0.05

T = TypeVar("T")


# -- audio sniffing ------------------------------------------------------------------------
def _mp3_frame_at(data: bytes, i: int) -> bool:
    if i + 4 > len(data) or data[i] != 0xFF or data[i + 1] & 0xE0 != 0xE0:
        return False
    version = (data[i + 1] >> 3) & 3
    layer = (data[i + 1] >> 1) & 3
    bitrate = data[i + 2] >> 4
    rate = (data[i + 2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate != 0xF and rate != 3


def audio_format(data: bytes) -> str | None:
    """'mp3' or 'wav' when *data* starts like that format (MPEG frame sync, ID3, RIFF/WAVE)."""
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    start = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = 0
        for b in data[6:10]:
            if b & 0x80:
                return None  # an ID3 size is syncsafe: the high bit is never set
            size = (size << 7) | b
        start = 10 + size + (10 if data[5] & 0x10 else 0)  # optional footer
    # Encoders may pad between the tag and the first frame; look a little way in.
    for i in range(start, min(start + 4096, len(data) - 3)):
        if _mp3_frame_at(data, i):
            return "mp3"
        if data[i] != 0:
            break
    return None


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
        read_timeout = self.render_read_timeout(body)
        started = time.monotonic()
        resp = self._request(
            "POST", self.soundtrack_url, body=body, read_timeout=read_timeout,
            cancel=cancel, purpose="render",
        )  # fmt: skip
        result = self._parse_render(resp, body, read_timeout, cancel)
        log.info(
            "render: %d regions, %.1f s of audio, %d tokens, %.1f s",
            len(body["regions"]), result.audio_duration, result.tokens_used,
            time.monotonic() - started,
        )  # fmt: skip
        return result

    def tags(self, cancel: threading.Event | None = None) -> dict[str, Any]:
        """GET /getTags: {"tags": [{"id", "name", "tagCategoryId", ...}], "tagsRelations"}."""
        resp = self._request(
            "GET", f"{self.base_url}/getTags", read_timeout=self._short_timeout(),
            cancel=cancel, purpose="tags",
        )  # fmt: skip
        data = self._json(resp, "tag list")
        if not isinstance(data, dict) or not isinstance(data.get("tags"), list):
            raise BadResponse("The server's tag list has no 'tags' array.")
        return data

    def account(self, cancel: threading.Event | None = None) -> Account:
        """GET /accountDetails: token balance and usage (field names vary; raw keeps all)."""
        resp = self._request(
            "GET", f"{self.base_url}/accountDetails", read_timeout=self._short_timeout(),
            cancel=cancel, purpose="account",
        )  # fmt: skip
        data = self._json(resp, "account details")
        if not isinstance(data, dict):
            raise BadResponse("The server's account details are not a JSON object.")
        return Account(
            balance=_find_int(
                data, ("balance", "tokenBalance", "tokensLeft", "tokens", "available")
            ),
            used=_find_int(data, ("used", "tokensUsed", "usedTokens")),
            raw=data,
        )

    def audio_from_hash(self, hash_: str, cancel: threading.Event | None = None) -> bytes:
        """POST /audioFromHash {"hash"}: the audio of an earlier generation (MP3 or WAV).

        Treated like a render (not repeated after it may have reached the server) because
        the contract does not say it is free.
        """
        if not isinstance(hash_, str) or not hash_.strip():
            raise InvalidRequest("A region hash is needed to fetch its audio.")
        resp = self._request(
            "POST", f"{self.base_url}/audioFromHash", body={"hash": hash_.strip()},
            read_timeout=self._short_timeout(), cancel=cancel, purpose="audio",
        )  # fmt: skip
        data = self._json(resp, "audio")
        if not isinstance(data, dict):
            raise BadResponse("The server's answer is not a JSON object.")
        audio, _fmt = self._audio(data, self._short_timeout(), cancel)
        return audio

    # -- responses ---------------------------------------------------------------------------
    def _short_timeout(self) -> float:
        return float(self.timeout) if self.timeout is not None else BASE_READ_TIMEOUT

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
        read_timeout: float,
        cancel: threading.Event | None,
    ) -> RenderResult:
        from muzaic_studio.model.schema import schema_errors

        data = self._json(resp, "soundtrack")
        if not isinstance(data, dict):
            raise BadResponse("The server's soundtrack answer is not a JSON object.")
        errors = schema_errors(data, "200")
        if errors:
            err = errors[0]
            where = ".".join(str(p) for p in err.absolute_path) or "body"
            raise BadResponse(
                f"The server's answer breaks the API contract at {where}: {err.message[:160]}"
            )
        hashes = data.get("regionHashes")
        if not isinstance(hashes, list):
            said = data.get("error") or data.get("message")
            if isinstance(said, str) and said.strip():  # some servers say "no" with a 200
                raise BadResponse(
                    f"The server answered without a soundtrack: {self._redact(said.strip())[:300]}"
                )
            raise BadResponse("The server's answer has no regionHashes.")
        sent = len(body["regions"])
        if len(hashes) != sent:
            raise BadResponse(
                f"The server returned {len(hashes)} region hashes for {sent} regions; "
                "the audio cannot be matched to the timeline."
            )
        duration = data.get("audioDuration", data.get("duration"))
        if not isinstance(duration, int | float) or isinstance(duration, bool) or duration < 0:
            raise BadResponse("The server's answer has no valid audioDuration.")
        tokens = data.get("tokensUsed", 0)
        if not isinstance(tokens, int) or isinstance(tokens, bool) or tokens < 0:
            raise BadResponse("The server's answer has an invalid tokensUsed.")
        soundtrack_hash = data.get("soundtrackHash")
        try:
            audio, fmt = self._audio(data, read_timeout, cancel)
        except MuzaicError as exc:
            # The render happened and was paid for. Its hashes can still bring the music
            # back (a copy of each costs nothing), so they travel with the error.
            exc.partial = RenderResult(
                mp3=b"",
                region_hashes=[str(h) for h in hashes],
                audio_duration=float(duration),
                tokens_used=tokens,
                audio_format="",
            )
            raise
        return RenderResult(
            mp3=audio,
            region_hashes=[str(h) for h in hashes],
            audio_duration=float(duration),
            tokens_used=tokens,
            status=list(data.get("status") or []),
            api_version=str(data.get("apiVersion") or ""),
            soundtrack_hash=soundtrack_hash if isinstance(soundtrack_hash, str) else None,
            audio_format=fmt,
        )

    def _audio(
        self, data: dict[str, Any], read_timeout: float, cancel: threading.Event | None
    ) -> tuple[bytes, str]:
        for field in ("mp3", "wav"):
            value = data.get(field)
            if value in (None, ""):
                continue
            if not isinstance(value, str):
                raise BadResponse(f"The server's '{field}' audio is not a base64 string.")
            audio = _b64decode(value, field)
            fmt = audio_format(audio)
            if fmt is None:
                raise BadResponse(
                    f"The server's '{field}' field decodes to {len(audio)} bytes that are not "
                    "MP3 or WAV audio."
                )
            return audio, fmt
        for field in ("url", "audioUrl"):
            value = data.get(field)
            if isinstance(value, str) and value.strip():
                audio = self._download(value.strip(), read_timeout, cancel)
                fmt = audio_format(audio)
                if fmt is None:
                    raise BadResponse(
                        f"The audio downloaded from the server's {field} is not MP3 or WAV "
                        f"({len(audio)} bytes)."
                    )
                return audio, fmt
        raise BadResponse("The server's answer has no audio (no mp3, wav, url or audioUrl).")

    def _download(self, url: str, read_timeout: float, cancel: threading.Event | None) -> bytes:
        """GET an audio link; the key goes only to the API's own host, also over redirects."""
        target = urljoin(self.base_url + "/", url)
        api_origin = origin_of(self.base_url)
        for _hop in range(MAX_REDIRECTS + 1):
            if urlsplit(target).scheme not in ("http", "https"):
                raise BadResponse("The server's audio link is not an http(s) URL.")
            same_host = origin_of(target) == api_origin
            resp = self._request(
                "GET", target, read_timeout=read_timeout, cancel=cancel,
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
        read_timeout: float,
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
                timeout=(self.connect_timeout, read_timeout),
                allow_redirects=False, stream=True,
            )  # fmt: skip
            try:
                chunks: list[bytes] = []
                size = 0
                for chunk in resp.iter_content(256 * 1024):
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
        read_timeout: float,
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
            try:
                resp = self._call(
                    lambda: self._send(method, url, body, read_timeout, with_key, accept),
                    cancel,
                    purpose,
                )
            except MuzaicError as exc:
                error = exc
            except requests.RequestException as exc:
                refused, error = self._network_error(exc, url, read_timeout, purpose)
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
            if retry_in is None:
                assert error is not None
                raise error
            retries += 1
            log.info("%s: %s; retry %d in %.1f s", purpose, error.message, retries, retry_in)
            self._wait(retry_in, cancel, purpose)

    def _network_error(
        self, exc: requests.RequestException, url: str, read_timeout: float, purpose: str
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
            return False, NetworkError(f"{where} did not answer within {read_timeout:g} s.{spent}")
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
        if isinstance(exc, requests.exceptions.ConnectionError):
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
        if isinstance(data, dict):
            for field in ("error", "message", "detail"):
                if isinstance(data.get(field), str) and data[field].strip():
                    server_text = self._redact(data[field].strip())[:300]
                    break
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
            left = _find_int(data, ("balance", "tokensLeft", "left", "available", "remaining"))
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
            when = (
                f" Try again in {math.ceil(wait)} s." if wait is not None else " Try again later."
            )
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
        if status == 404:
            return BadResponse(
                f"{where} has no such endpoint (HTTP 404); check the API address"
                + (" and the origin." if self.origin else ".")
            )
        return BadResponse(f"Unexpected answer from {where}: HTTP {status}.{said}")


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


def _b64decode(value: str, field: str) -> bytes:
    text = value.strip()
    if text.startswith("data:") and "," in text:  # a data: URI
        text = text.split(",", 1)[1]
    text = "".join(text.split())
    text += "=" * (-len(text) % 4)
    try:
        # urlsafe alphabet too: some servers send it; validate rejects anything else.
        if "-" in text or "_" in text:
            return base64.b64decode(text, altchars=b"-_", validate=True)
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise BadResponse(f"The server's '{field}' audio is not valid base64.") from None
