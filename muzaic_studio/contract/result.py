"""What every backend returns from a render, independent of transport."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class RenderResult:
    mp3: bytes = field(repr=False)  # megabytes: never in a repr or a log line
    region_hashes: list[str]
    audio_duration: float
    tokens_used: int
    status: list[str] = field(default_factory=list)
    api_version: str = ""
    soundtrack_hash: str | None = None
    # What `mp3` really holds: "mp3" per the contract, "wav" when a server sent WAV audio.
    audio_format: str = "mp3"


@dataclass(frozen=True)
class Account:
    balance: int | None
    used: int | None
    raw: dict = field(default_factory=dict)
