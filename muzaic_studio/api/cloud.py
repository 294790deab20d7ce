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

import functools
import json
import logging
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import quote, urljoin, urlsplit

import requests
import urllib3

from muzaic_studio import __version__
from muzaic_studio.api.address import DEFAULT_API_URL, display, is_loopback_host, origin_of
from muzaic_studio.api.credentials import check_key
from muzaic_studio.api.outcomes import (
    Deadline,
    Response,
    cancel_message,
    late_message,
    network_error,
    status_error,
)
from muzaic_studio.contract.account import read_account
from muzaic_studio.contract.audio import audio_format
from muzaic_studio.contract.errors import (
    BadResponse,
    Cancelled,
    InsecureConnection,
    InvalidRequest,
    MuzaicError,
    NetworkError,
    RateLimited,
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
from muzaic_studio.model.region import strip_takes

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


class MuzaicCloud:
    """The Muzaic cloud as a Backend. Thread-safe: every call uses its own HTTP session."""

    name = "cloud"
    #: Whether regions keep their `take` on the wire: only the offline engine's child knows it.
    sends_takes = False

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
        if not self.sends_takes:
            body = strip_takes(body)  # the contract has no take: the cloud never sees one
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

    def _json(self, resp: Response, what: str) -> Any:
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
        resp: Response,
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
    ) -> Response:
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
                        raise NetworkError(late_message(url, deadline))
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
            return Response(
                resp.status_code, {k.lower(): v for k, v in resp.headers.items()}, b"".join(chunks)
            )

    def _call(self, fn: Callable[[], T], cancel: threading.Event | None, purpose: str) -> T:
        """Run *fn* on a worker thread so that *cancel* stops the wait at once."""
        if cancel is None:
            return fn()
        if cancel.is_set():
            raise Cancelled(cancel_message(purpose, sent=False))
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
                raise Cancelled(cancel_message(purpose, sent=True))
        if "error" in box:
            raise box["error"]
        return box["value"]

    def _wait(self, seconds: float, cancel: threading.Event | None, purpose: str) -> None:
        if cancel is None:
            time.sleep(seconds)
        elif cancel.wait(seconds):
            raise Cancelled(cancel_message(purpose, sent=False))

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
    ) -> Response:
        """One exchange with the bounded safe retries; non-2xx statuses become typed errors."""
        accept = "audio/mpeg, audio/*, */*" if purpose == "download" else "application/json"
        retries = 0
        while True:
            error: MuzaicError | None = None
            retry_in: float | None = None
            resp: Response | None = None
            exchange = functools.partial(self._send, method, url, body, deadline, with_key, accept)
            try:
                resp = self._call(exchange, cancel, purpose)
            except MuzaicError as exc:
                error = exc
            except (requests.RequestException, urllib3.exceptions.HTTPError) as exc:
                refused, error = network_error(exc, url, deadline, purpose, self.connect_timeout)
                if refused and retries < self.max_retries:
                    retry_in = REFUSED_BACKOFF * 2**retries
            # Raised here, outside the except block, so no requests exception (which holds
            # the prepared request and its key header) becomes the error's __context__.
            if resp is not None:
                log.debug("%s %s -> %d", method, display(url), resp.status)
                if resp.status < 300 or (purpose == "download" and resp.status < 400):
                    return resp
                error = status_error(resp, body, purpose, url, self.origin, self._redact)
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
