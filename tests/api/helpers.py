"""Shared test data: real MP3/WAV bytes, request bodies, and scripted server answers."""

from __future__ import annotations

import base64
import functools
import io
import math
import struct
import traceback
import wave
from typing import Any

from tests.api.recording_server import Recorded, Reply

KEY = "mzk_live_0123456789abcdefSECRET"


@functools.cache
def mp3_bytes(seconds: float = 0.5) -> bytes:
    """A real MP3 (ffmpeg's libmp3lame, as the offline engine and exports use)."""
    import numpy as np

    from muzaic_studio.audio.ffmpeg import encode_mp3

    t = np.arange(int(44100 * seconds)) / 44100.0
    tone = 0.3 * np.sin(2 * math.pi * 440.0 * t)
    return encode_mp3(np.stack([tone, tone], axis=1))


@functools.cache
def quiet_mp3(seconds: float) -> bytes:
    """A real MP3 of exactly *seconds*, cheap to make (mono 8 kHz silence): for answers
    whose audio must have the requested length, also for minutes of soundtrack."""
    import numpy as np

    from muzaic_studio.audio.ffmpeg import encode_mp3

    return encode_mp3(np.zeros(round(8000 * seconds), dtype=np.int16), rate=8000)


@functools.cache
def wav_bytes(seconds: float = 0.25) -> bytes:
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(8000)
        n = int(8000 * seconds)
        w.writeframes(b"".join(struct.pack("<h", int(8000 * math.sin(i / 5))) for i in range(n)))
    return buf.getvalue()


@functools.lru_cache(maxsize=8)
def silent_wav(seconds: float) -> bytes:
    """A WAV of *seconds* of silence, cheap at any length (8 kHz, 8-bit mono)."""
    buf = io.BytesIO()
    with wave.open(buf, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(1)
        w.setframerate(8000)
        w.writeframes(b"\x80" * round(8000 * seconds))
    return buf.getvalue()


def region(time: float, duration: float, **kw: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"time": time, "duration": duration, "action": "generate", **kw}
    if out["action"] == "generate":
        out.setdefault("tags", [1, 2])
        out.setdefault("params", {"intensity": 5, "tempo": 4})
    return out


def body(n: int = 2, seconds: float = 5.0) -> dict[str, Any]:
    return {"regions": [region(i * seconds, seconds) for i in range(n)], "normalize": True}


def ok_payload(n_regions: int, audio: bytes | None = None, **extra: Any) -> dict[str, Any]:
    """The contract's 200 answer to body(n_regions): audio that plays the whole 5 s x n."""
    seconds = 5.0 * n_regions
    payload: dict[str, Any] = {
        "apiVersion": "1.0.0",
        "status": ["ok"],
        "regions": n_regions,
        "regionHashes": [f"h{i:04d}" for i in range(n_regions)],
        "audioDuration": seconds,
        "mp3": base64.b64encode(audio if audio is not None else mp3_bytes(seconds)).decode(),
        "tokensUsed": int(seconds),
    }
    payload.update(extra)
    return {k: v for k, v in payload.items() if v is not None}


def ok_reply(n_regions: int, **extra: Any) -> Reply:
    return Reply(200, ok_payload(n_regions, **extra))


def answer_render(rec: Recorded) -> Reply:
    """A contract-true answer to whatever soundtrack request came in."""
    regions = rec.json["regions"]
    end = max(r["time"] + r["duration"] for r in regions)
    tokens = sum(math.ceil(r["duration"]) for r in regions if r["action"] == "generate")
    audio = base64.b64encode(quiet_mp3(round(end, 3))).decode()  # as long as asked for
    return ok_reply(len(regions), audioDuration=end, tokensUsed=tokens, mp3=audio)


def assert_no_key(exc: BaseException, key: str = KEY) -> None:
    """The key is nowhere in the error: message, repr, args, or any chained exception."""
    text = "".join(traceback.format_exception(exc))
    seen: list[BaseException] = []
    e: BaseException | None = exc
    while e is not None and e not in seen:
        seen.append(e)
        text += str(e) + repr(e) + repr(e.args) + repr(getattr(e, "__dict__", {}))
        # A requests exception carries the prepared request, headers and all.
        request = getattr(e, "request", None)
        assert request is None or key not in repr(getattr(request, "headers", {}))
        e = e.__cause__ or e.__context__
    assert key not in text


def stand_in_cloud(store: Any, monkeypatch: Any, tokens: int | None = None, key: str = KEY) -> Any:
    """The real loopback `serve` server as a second backend, with its own region store (so
    it knows none of the offline engine's hashes); `.bodies` lists the render requests its
    engine got, `.engine` is that engine. Stop it with `engine.server.stop_server(s, s.thread)`.
    """
    from muzaic_studio.engine.server import start_server

    server, thread = start_server(keys=[key], tokens=tokens, store_dir=str(store))
    server.thread = thread
    server.engine = server.server.config.app.engine  # the worker's engine, after its startup
    server.bodies = []
    real = server.engine.render

    def counting(request: Any, cancel: Any = None) -> Any:
        server.bodies.append(request)
        return real(request, cancel)

    monkeypatch.setattr(server.engine, "render", counting)
    return server
