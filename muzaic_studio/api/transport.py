"""One HTTP exchange with the Muzaic API, the key kept safe: the cloud client's transport.

`MuzaicCloud` (api/cloud.py) says what each endpoint sends and how its answer is read;
this base class says how any request travels:

* A POST that may have reached the server is never sent again, whatever happened to the
  answer (timeout, cut connection, 5xx): a render spends tokens. Only two failures are
  retried, both bounded: a refused connection (nothing was sent) and a 429 carrying a
  Retry-After of at most a minute (the server refused to start). A wait for a 429 is
  told to `on_retry` (the CLI prints it): a minute of silence looks like a hang;
  `retry_now` ends it early (the editor's "Try now").
* A deadline covers the whole exchange, the body and any audio link it names, not just
  each read; connecting fails after 10 s. The body is read in pieces so a server that
  drips is noticed, and an answer over 512 MB is refused.
* A call can be cancelled: the exchange runs on a worker thread and the caller waits on
  its threading.Event, so Cancel returns at once.
* The key goes in the MuzaicAPI-Secret-Key header only: never in a URL, a log line, a repr
  or an exception (errors are raised outside the `except` block that saw a requests error,
  because a requests exception carries the prepared request and so the header). It is
  refused over plain http unless the host is this machine, and it is not sent to another
  host (audio links on a CDN, redirects).
"""

from __future__ import annotations

import functools
import json
import logging
import math
import threading
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urljoin, urlsplit

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
from muzaic_studio.threads import Outcome

log = logging.getLogger(__name__)

KEY_HEADER = "MuzaicAPI-Secret-Key"

CONNECT_TIMEOUT = 10.0
MAX_RETRIES = 2
MAX_RETRY_WAIT = 60.0
REFUSED_BACKOFF = 0.5  # seconds, doubled per retry
MAX_BODY_BYTES = 512 * 1024 * 1024  # 20 min of WAV is ~210 MB; base64 adds a third
MAX_REDIRECTS = 5
POLL_INTERVAL = 0.05

T = TypeVar("T")


class KeyedTransport:
    """Where the API is, the key, and one exchange with bounded safe retries.
    Thread-safe: every exchange uses its own HTTP session."""

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
        """*timeout* fixes the read timeout of every call; None leaves it to each endpoint."""
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
        #: Told each wait before a 429 is retried: (words for the user, seconds of the
        #: wait); the CLI prints the words, the editor counts the seconds down.
        self.on_retry: Callable[[str, float], None] | None = None
        #: The waits before a retry, by the thread that waits: `retry_now` ends one.
        self._waits: dict[int, threading.Event] = {}

    def __repr__(self) -> str:
        return f"MuzaicCloud(base_url={self.base_url!r}, origin={self.origin!r}, key=<hidden>)"

    __str__ = __repr__

    # -- answers ------------------------------------------------------------------------------
    def _json(self, resp: Response, what: str) -> Any:
        try:
            return json.loads(resp.content.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            snippet = self._redact(resp.content[:80].decode("utf-8", "replace")).strip()
            raise BadResponse(
                f"The server's {what} is not JSON (it starts with {snippet!r}); "
                "check the API address, or retry later."
            ) from None

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
        outcome = Outcome(fn, f"muzaic-cloud-{purpose}")
        while not outcome.done.wait(POLL_INTERVAL):
            if cancel.is_set():
                # The worker is abandoned: it ends at the server's answer or the timeout.
                raise Cancelled(cancel_message(purpose, sent=True))
        return outcome.result()

    def retry_now(self, thread: int) -> None:
        """End the wait before a retry of the request thread *thread* (its
        threading.get_ident()) sends, if it waits: the request goes again at once (the
        editor's "Try now" while a busy server's wait is counted down). Any thread; the
        other requests of this client (balance, tag list) keep waiting."""
        wait = self._waits.get(thread)
        if wait is not None:
            wait.set()

    def _wait(self, seconds: float, cancel: threading.Event | None, purpose: str) -> None:
        now = self._waits[threading.get_ident()]  # made before on_retry was told
        try:
            end = time.monotonic() + seconds
            while (left := end - time.monotonic()) > 0:
                if now.wait(min(left, POLL_INTERVAL)):
                    return
                if cancel is not None and cancel.is_set():
                    raise Cancelled(cancel_message(purpose, sent=False))
        finally:
            del self._waits[threading.get_ident()]

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
            self._waits[threading.get_ident()] = threading.Event()  # for `retry_now`
            if isinstance(error, RateLimited) and self.on_retry is not None:
                self.on_retry(
                    f"server busy (429), retrying in {math.ceil(retry_in)} s "
                    f"(attempt {retries + 1} of {self.max_retries + 1})",
                    retry_in,
                )
            self._wait(retry_in, cancel, purpose)
            deadline = Deadline.after(deadline.budget)  # the wait is not the server's time
