"""What every backend returns, independent of transport and of the server's answer shape."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class RenderResult:
    mp3: bytes = field(repr=False)  # megabytes: never in a repr or a log line
    # One per request region, in order; "" where the server gave none (silence regions in
    # the prose shape, every region in the MCP shape, which has only `soundtrack_hash`).
    region_hashes: list[str]
    audio_duration: float
    tokens_used: int
    status: list[str] = field(default_factory=list)
    api_version: str = ""
    soundtrack_hash: str | None = None
    # What `mp3` really holds: "mp3" per the contract, "wav" when a server sent WAV audio.
    audio_format: str = "mp3"
    # Offline engine only: each region's tempo in BPM (None: silence, or unknown).
    region_tempos: list[float | None] = field(default_factory=list)
    # False when the server did not say (or said something absurd) and `tokens_used` is
    # the documented estimate, 1 token per generated second.
    tokens_reported: bool = True
    # What was odd about the answer and was not stored (absurd numbers, ...): for the user.
    warnings: tuple[str, ...] = ()
    # In-process offline engine only: the waveform (audio.peaks.PeakPyramid) of the very
    # samples it encoded, made while the encoder ran, so the MP3 need not be decoded again.
    pyramid: Any = field(default=None, repr=False)


@dataclass(frozen=True)
class Account:
    """Token balance in either documented /accountDetails shape (see contract.account).

    `balance` is tokens remaining (`tokensRemaining`), the only number a render may be
    refused on; `free_tokens` (`freeTokensAvailable`) alone only warns. `raw` is the answer
    with every secret masked.
    """

    balance: int | None
    used: int | None
    raw: dict[str, Any] = field(default_factory=dict)
    free_tokens: int | None = None
    plan: str | None = None
    expires_at: str | None = None
    current_balance: float | None = None  # prose shape: for the next billing estimate

    def describe(self) -> str:
        """One line for the status bar, the key dialog and `muzaic-studio account`."""
        parts = []
        if self.balance is not None:
            parts.append(f"{self.balance:,} tokens left")
        if self.free_tokens is not None:
            parts.append(f"{self.free_tokens:,} free tokens")
        if self.used is not None:
            parts.append(f"{self.used:,} used")
        if self.plan:
            parts.append(f"plan {self.plan}")
        if self.expires_at:
            parts.append(f"expires {self.expires_at}")
        if self.current_balance is not None:
            parts.append(f"current balance {self.current_balance:g}")
        return "; ".join(parts) if parts else "balance unknown"
