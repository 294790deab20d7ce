"""The Muzaic cloud client: the endpoints (POST /soundtrack, /audioFromHash, GET /getTags,
/accountDetails) and how their answers are read.

How a request travels, the key kept safe, the bounded retries, the deadline and Cancel,
is api/transport.py (`KeyedTransport`, the base class). Decisions of this module:

* Generation takes ~5-7 s per minute of music, so the time allowed for a render grows
  with the soundtrack (60 s + 15 s per minute, at most 15 min); tags and account get 60 s.
* A render can be cancelled at once (the transport's worker thread); the server may still
  finish the job and charge for it, and the Cancelled message says so.
* Every documented answer shape is read by contract.reader (base64 or a link in `mp3`,
  `wav`, `url` or `audioUrl`; per-region or soundtrack hashes); this module only fetches
  links (the key sent to the API's own host alone), and a failed link download keeps
  the paid answer's hashes on the error.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
from typing import Any
from urllib.parse import quote

from muzaic_studio.api.address import display
from muzaic_studio.api.outcomes import Deadline, Response
from muzaic_studio.api.transport import KEY_HEADER, KeyedTransport
from muzaic_studio.contract.account import read_account
from muzaic_studio.contract.audio import audio_format
from muzaic_studio.contract.errors import BadResponse, InvalidRequest, MuzaicError
from muzaic_studio.contract.reader import (
    Answer,
    finish,
    read_answer,
    read_audio_field,
    server_error_text,
)
from muzaic_studio.contract.result import Account, RenderResult
from muzaic_studio.model.region import strip_takes

__all__ = ["KEY_HEADER", "MAX_READ_TIMEOUT", "MuzaicCloud"]

log = logging.getLogger(__name__)

BASE_READ_TIMEOUT = 60.0  # also the read timeout of tags/account
READ_SECONDS_PER_MINUTE = 15.0  # ~2.5x the slowest documented generation speed
MAX_READ_TIMEOUT = 900.0


class MuzaicCloud(KeyedTransport):
    """The Muzaic cloud as a Backend: the endpoints and how their answers are read.
    How a request travels (retries, deadline, cancel, the key) is KeyedTransport's."""

    name = "cloud"
    #: Whether regions keep their `take` on the wire: only the offline engine's child knows it.
    sends_takes = False

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
            result = finish(answer, local, "the offline engine's audio file")
            pyramid = self._local_pyramid(data)
            return result if pyramid is None else dataclasses.replace(result, pyramid=pyramid)
        audio, source = self._audio(answer, deadline, cancel)
        return finish(answer, audio, source)

    def _local_audio(self, data: Any) -> bytes | None:
        """Audio that came beside the answer instead of in it (the engine child's file)."""
        return None

    def _local_pyramid(self, data: Any) -> Any:
        """The audio's waveform, if it came beside the answer (the engine child's)."""
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
