"""The one reader of a /soundtrack answer, whatever documented shape the server speaks.

The public Muzaic documentation shows three answer shapes (../shared/muzaic-api/README.md):
the OpenAPI 1.0.0 contract (base64 `mp3`, `regionHashes`, `status` list, `audioDuration`),
the older prose pages (`mp3` as an https link, `regions: [{number, hash}]`, `status` string,
no `audioDuration`, `{"Error": ...}`), and what the official MCP client reads (a link in
`wav`/`mp3`/`url`/`audioUrl`, `soundtrackHash` only, `duration`). Which one the live server
sends is unknown, so every one becomes the same RenderResult here.

Rules, because the server has already charged for the answer:
* Nothing that can be kept is dropped. The response schema is a log warning, not a reason
  to refuse; hashes are read before the audio, and when the audio fails the error carries
  them (`MuzaicError.partial`), so a changes-only render gets the music back as copies.
* A number that cannot be true (NaN, infinite, negative, a duration or token count far from
  what was asked) is never stored: it is named in a warning and replaced by what the audio
  or the request says. The audio and the hashes are kept.
* Audio counts only when it is MP3 or WAV and plays for the soundtrack's requested length
  (max(time + duration), within 0.5 s); a truncated file is an error, never a success.

No HTTP here: the client fetches a link (`Answer.link`) and hands the bytes to `finish`.
"""

from __future__ import annotations

import base64
import binascii
import logging
import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from muzaic_studio.contract.audio import audio_format, audio_seconds
from muzaic_studio.contract.errors import BadResponse
from muzaic_studio.contract.result import RenderResult

log = logging.getLogger(__name__)

AUDIO_FIELDS = ("mp3", "wav", "url", "audioUrl")
ERROR_FIELDS = ("Error", "error", "message")
LENGTH_TOLERANCE = 0.5  # seconds the audio may differ from the requested soundtrack
_PATH_LINK = re.compile(r"/(?!/)\S*\.(?:mp3|wav)(?:\?\S*)?", re.IGNORECASE)


def is_link(value: str) -> bool:
    """An http(s) URL, or a path on the API host (one leading '/', ending .mp3/.wav).

    Anything else is base64, which may itself start with '/' (an MPEG frame sync 0xFFFB
    encodes as '//s'), but never holds a '.'.
    """
    text = value.strip()
    return text[:8].lower().startswith(("http://", "https://")) or bool(_PATH_LINK.fullmatch(text))


def requested_seconds(request: dict[str, Any] | None) -> float | None:
    """The soundtrack's length: max(time + duration) over the request's regions."""
    end = None
    for r in (request or {}).get("regions") or []:
        try:
            value = float(r["time"]) + float(r["duration"])
        except (KeyError, TypeError, ValueError):
            continue
        if math.isfinite(value):
            end = value if end is None else max(end, value)
    return end


def estimated_tokens(request: dict[str, Any] | None) -> int:
    """The documented rule, 1 token per generated second (a copy may be charged too)."""
    total = 0
    for r in (request or {}).get("regions") or []:
        if isinstance(r, dict) and r.get("action", "generate") == "generate":
            try:
                total += math.ceil(float(r.get("duration", 0)))
            except (TypeError, ValueError, OverflowError):
                continue
    return total


def server_error_text(data: Any) -> str:
    """The server's own reason from `Error`, `error` or `message` (any documented spelling)."""
    if isinstance(data, dict):
        for name in ERROR_FIELDS:
            value = data.get(name)
            if isinstance(value, str) and value.strip():
                return value.strip()
    return ""


@dataclass(frozen=True)
class Answer:
    """A 200 answer read before its audio is fetched: what was paid for, and where the audio is."""

    region_hashes: list[str]
    soundtrack_hash: str | None
    status: list[str]
    api_version: str
    audio_duration: float
    tokens_used: int
    tokens_reported: bool
    requested: float | None
    audio: bytes | None = field(default=None, repr=False)  # decoded base64
    link: str | None = None
    field: str = ""
    warnings: tuple[str, ...] = ()

    def partial(self) -> RenderResult:
        """The paid part without audio, carried by an error so the hashes are kept."""
        return RenderResult(
            mp3=b"",
            region_hashes=list(self.region_hashes),
            audio_duration=self.audio_duration,
            tokens_used=self.tokens_used,
            status=list(self.status),
            api_version=self.api_version,
            soundtrack_hash=self.soundtrack_hash,
            audio_format="",
            tokens_reported=self.tokens_reported,
            warnings=self.warnings,
        )

    def fail(self, message: str) -> BadResponse:
        """A BadResponse that keeps this answer's hashes and tokens (`partial`)."""
        err = BadResponse(message)
        err.partial = self.partial()
        return err


def _shown(value: Any) -> str:
    """A server's value quoted in a warning: short, whatever it holds."""
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _number(value: Any) -> float | None:
    """A JSON number, or a string holding one (some pages send numbers as strings)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return float(value)
    if isinstance(value, str):
        try:
            return float(value.strip())
        except ValueError:
            return None
    return None


def _hashes(data: dict[str, Any], n: int, warn: Callable[[str], None]) -> list[str]:
    """One hash per request region ('' where the server gave none, e.g. silence)."""
    out = [""] * n
    listed = data.get("regionHashes")
    regions = data.get("regions")
    if isinstance(listed, list):
        if len(listed) != n:
            warn(
                f"the server returned {len(listed)} region hashes for {n} regions; "
                "they cannot be matched to the timeline and were not stored"
            )
            return out
        return [h.strip() if isinstance(h, str) else "" for h in listed]
    if isinstance(regions, list):
        for item in regions:
            if not isinstance(item, dict):
                continue
            number, hash_ = _number(item.get("number")), item.get("hash")
            if number is None or not number.is_integer() or not 0 <= number < n:
                warn(f"the server named region {_shown(item.get('number'))}, which was not sent")
                continue
            if isinstance(hash_, str) and hash_.strip():
                out[int(number)] = hash_.strip()
    return out


def _status(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(s) for s in value if s is not None]
    if isinstance(value, str) and value.strip():
        return [part.strip() for part in value.split("|") if part.strip()]
    return []


def _duration(
    data: dict[str, Any], requested: float | None, warn: Callable[[str], None]
) -> float | None:
    for name in ("audioDuration", "duration"):
        if name not in data:
            continue
        value = _number(data[name])
        if value is None or not math.isfinite(value) or value < 0:
            warn(f"the server's {name} {_shown(data[name])} is not a length; it was not stored")
        elif requested is not None and abs(value - requested) > LENGTH_TOLERANCE:
            warn(
                f"the server's {name} says {value:.6g} s for a {requested:g} s soundtrack; "
                "the audio's own length was stored instead"
            )
        else:
            return value
        return None
    return None


def _tokens(
    data: dict[str, Any], request: dict[str, Any] | None, warn: Callable[[str], None]
) -> tuple[int, bool]:
    """(tokens, reported by the server). An absurd count becomes the documented estimate."""
    estimate = estimated_tokens(request)
    if "tokensUsed" not in data:
        return estimate, False
    raw = data["tokensUsed"]
    value = _number(raw)
    all_seconds = sum(
        _number(r.get("duration")) or 0.0
        for r in (request or {}).get("regions") or []
        if isinstance(r, dict)
    )
    ceiling = 2 * math.ceil(all_seconds) + 60  # copies may be charged, rounding per region
    if value is None or not math.isfinite(value) or value < 0 or not value.is_integer():
        warn(f"the server's tokensUsed {_shown(raw)} is not a token count; it was not stored")
    elif request is not None and value > ceiling:
        warn(
            f"the server says it charged {value:.6g} tokens for {all_seconds:g} s of regions; "
            f"that count was not stored (estimate: {estimate})"
        )
    else:
        return int(value), True
    return estimate, False


def read_audio_field(data: dict[str, Any]) -> tuple[str, bytes | None, str | None]:
    """(field, decoded base64, link) of the first audio field that holds something."""
    for name in AUDIO_FIELDS:
        value = data.get(name)
        if value in (None, ""):
            continue
        if not isinstance(value, str):
            raise BadResponse(f"The server's '{name}' audio is neither base64 nor a link.")
        if is_link(value):
            return name, None, value.strip()
        return name, b64decode(value, name), None
    return "", None, None


def read_answer(
    data: Any,
    request: dict[str, Any] | None,
    redact: Callable[[str], str] = str,
    *,
    audio_elsewhere: bool = False,
) -> Answer:
    """Read a 200 body of POST /soundtrack (any documented shape) for *request*.

    Raises BadResponse when there is nothing paid to keep (not an object, or an error
    said with a 200); when hashes exist but the audio field is unusable, the error carries
    them as `partial`. *redact* hides the API key in any server text that is quoted.
    *audio_elsewhere*: the audio came beside the body (the engine child's file).
    """
    if not isinstance(data, dict):
        raise BadResponse("The server's soundtrack answer is not a JSON object.")
    warnings: list[str] = []
    warn = warnings.append
    _schema_warning(data, redact)
    n = len((request or {}).get("regions") or [])
    hashes = _hashes(data, n, warn)
    whole = data.get("soundtrackHash", data.get("hash"))
    whole = whole.strip() if isinstance(whole, str) and whole.strip() else None
    said = server_error_text(data)
    has_audio = audio_elsewhere or any(data.get(name) not in (None, "") for name in AUDIO_FIELDS)
    if not has_audio and not whole and not any(hashes):
        if said:  # some servers say "no" with a 200
            raise BadResponse(f"The server answered without a soundtrack: {redact(said)[:300]}")
        raise BadResponse("The server's answer has no audio and no region hashes.")
    if said:
        warn(f"the server also said: {redact(said)[:200]}")
    requested = requested_seconds(request)
    duration = _duration(data, requested, warn)
    tokens, reported = _tokens(data, request, warn)
    answer = Answer(
        region_hashes=hashes,
        soundtrack_hash=whole,
        status=_status(data.get("status")),
        api_version=str(data.get("apiVersion") or ""),
        audio_duration=duration if duration is not None else (requested or 0.0),
        tokens_used=tokens,
        tokens_reported=reported,
        requested=requested,
        warnings=tuple(redact(w) for w in warnings),
    )
    if audio_elsewhere:
        return answer
    try:
        name, audio, link = read_audio_field(data)
    except BadResponse as exc:
        raise answer.fail(exc.message) from None
    if not name:
        raise answer.fail("The server's answer has no audio (no mp3, wav, url or audioUrl).")
    return replace(answer, field=name, audio=audio, link=link)


def finish(answer: Answer, audio: bytes, source: str = "") -> RenderResult:
    """The RenderResult of *answer* with its fetched or decoded *audio*, after checking that
    the bytes are MP3/WAV and play for the requested length (else BadResponse + partial)."""
    where = source or f"the server's '{answer.field}' field"
    fmt = audio_format(audio)
    if fmt is None:
        raise answer.fail(f"The audio from {where} is not MP3 or WAV ({len(audio)} bytes).")
    seconds = audio_seconds(audio)
    warnings = list(answer.warnings)
    duration = answer.audio_duration
    if seconds is not None and answer.requested is not None:
        if abs(seconds - answer.requested) > LENGTH_TOLERANCE:
            raise answer.fail(
                f"The server sent {seconds:.1f} s of a {answer.requested:.1f} s soundtrack "
                f"(from {where}); the output was not replaced."
            )
        if abs(duration - seconds) > LENGTH_TOLERANCE:
            duration = round(seconds, 3)
    elif seconds is None:
        warnings.append(f"the length of the {fmt.upper()} audio could not be checked")
    for text in warnings:
        log.warning("soundtrack answer: %s", text)
    return RenderResult(
        mp3=audio,
        region_hashes=list(answer.region_hashes),
        audio_duration=duration,
        tokens_used=answer.tokens_used,
        status=list(answer.status),
        api_version=answer.api_version,
        soundtrack_hash=answer.soundtrack_hash,
        audio_format=fmt,
        tokens_reported=answer.tokens_reported,
        warnings=tuple(warnings),
    )


def _schema_warning(data: dict[str, Any], redact: Callable[[str], str]) -> None:
    """The contract's response schema, as a log line only: other documented shapes exist."""
    from muzaic_studio.model.schema import schema_errors

    errors = schema_errors(data, "200")
    if errors:
        err = errors[0]
        where = ".".join(str(p) for p in err.absolute_path) or "body"
        log.warning(
            "soundtrack answer differs from the OpenAPI 1.0.0 shape at %s (%s); read anyway",
            where,
            redact(err.message)[:120],
        )


def b64decode(value: str, field: str) -> bytes:
    """Base64 audio (standard or URL-safe alphabet, or a data: URI)."""
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
