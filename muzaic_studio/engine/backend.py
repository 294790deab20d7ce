"""OfflineEngine: the Backend the app and CLI use without a key, and what `serve` wraps.

Token accounting lives here (not in the server) so the in-process engine and the HTTP
server bill the same way: tokens for a render are reserved under a lock before the
first region is made and refunded if the render fails or is cancelled, so concurrent
requests can never overdraw the balance.
"""

from __future__ import annotations

import threading
from typing import Any

from muzaic_studio.audio.ffmpeg import encode_mp3
from muzaic_studio.audio.mp3_stream import Mp3Stream
from muzaic_studio.audio.peaks import PyramidBuilder
from muzaic_studio.contract.errors import HashNotFound, InsufficientTokens, InvalidRequest
from muzaic_studio.contract.result import Account, RenderResult
from muzaic_studio.engine import pages
from muzaic_studio.engine import tags as tagmod
from muzaic_studio.engine.core import (
    API_VERSION,
    Renderer,
    soundtrack_frames,
    token_cost,
)
from muzaic_studio.engine.store import RegionStore
from muzaic_studio.engine.theory import SR

DEFAULT_BALANCE = 1_000_000_000


class OfflineEngine:
    """In-process Muzaic engine. `balance=None` means unlimited tokens.

    `ledger` (engine/state.SharedState) keeps the balance outside this process instead, so
    `serve`'s worker processes bill from one balance; `balance` is then unused.
    """

    name = "offline"

    def __init__(
        self,
        balance: int | None = DEFAULT_BALANCE,
        store: RegionStore | None = None,
        ledger: Any = None,
    ) -> None:
        self.ledger = ledger
        self._store = store
        self._renderer: Renderer | None = None
        self._lock = threading.Lock()
        self.balance = balance
        self.used = 0

    @property
    def renderer(self) -> Renderer:
        # the store (and the cache dir) is created on first use, not at construction, so
        # building an engine to list tags touches no disk
        with self._lock:
            if self._renderer is None:
                self._renderer = Renderer(self._store or RegionStore())
            return self._renderer

    @property
    def store(self) -> RegionStore:
        return self.renderer.store

    # ------------------------------------------------------------------ tokens

    def _reserve(self, cost: int) -> None:
        if self.ledger is not None:
            return self.ledger.reserve(cost)
        with self._lock:
            if self.balance is not None and cost > self.balance:
                raise InsufficientTokens(
                    f"This render needs {cost} tokens but only {self.balance} are left.",
                    needed=cost,
                    balance=self.balance,
                )
            if self.balance is not None:
                self.balance -= cost
            self.used += cost

    def _refund(self, cost: int) -> None:
        if self.ledger is not None:
            return self.ledger.refund(cost)
        with self._lock:
            if self.balance is not None:
                self.balance += cost
            self.used -= cost

    # ------------------------------------------------------------------ Backend

    def render(
        self, request: dict[str, Any], cancel: threading.Event | None = None
    ) -> RenderResult:
        renderer = self.renderer
        canon = renderer.prepare(request)
        cost = token_cost(canon.body)
        self._reserve(cost)
        # the encoders are started now (one per segment of the soundtrack, on every core)
        # and fed as the soundtrack becomes final (core.Sink); the waveform is made from
        # the same pieces while they work; a long mix's pages go once they are encoded
        total = soundtrack_frames(canon.body["regions"])
        stream = Mp3Stream(SR, 2, total=total, written=pages.release)
        peaks = PyramidBuilder(SR, 2)

        def sink(piece: Any) -> None:
            stream.write(piece)
            peaks.feed(piece)

        try:
            rendered = renderer.render(canon, cancel, sink=sink)
            mp3 = stream.finish()
        except BaseException:
            stream.abort()
            self._refund(cost)
            raise
        return RenderResult(
            mp3=mp3,
            region_hashes=rendered.hashes,
            audio_duration=round(rendered.duration, 3),
            tokens_used=rendered.tokens,
            status=rendered.status,
            api_version=API_VERSION,
            soundtrack_hash=rendered.soundtrack_hash,
            region_tempos=rendered.tempos,
            pyramid=peaks.finish(),
        )

    def tags(self) -> dict[str, Any]:
        return tagmod.catalogue()

    def account(self) -> Account:
        if self.ledger is not None:
            balance, used = self.ledger.account()
            raw = {"balance": balance, "used": used, "engine": API_VERSION}
            return Account(balance=balance, used=used, raw=raw)
        with self._lock:
            raw = {"balance": self.balance, "used": self.used, "engine": API_VERSION}
            return Account(balance=self.balance, used=self.used, raw=dict(raw))

    # ------------------------------------------------------------------ extras

    def single_file(
        self,
        duration: float,
        tags: list[int] | None = None,
        params: dict[str, Any] | None = None,
        normalize: bool | str = False,
        cancel: threading.Event | None = None,
    ) -> RenderResult:
        """POST /singleFile: one generated piece, billed like a one-region soundtrack."""
        region: dict[str, Any] = {"time": 0, "duration": duration, "action": "generate"}
        if tags is not None:
            region["tags"] = tags
        if params is not None:
            region["params"] = params
        return self.render({"regions": [region], "normalize": normalize}, cancel)

    def knows_hash(self, h: str) -> bool:
        """Whether a copy of *h* can be rendered (the render use case asks before it sends
        an unchanged region as a copy of its own hash)."""
        return self.renderer._resolvable(h) is not None

    def audio_from_hash(self, hash_: str, cancel: threading.Event | None = None) -> bytes:
        """The Backend protocol's form: MP3 bytes of an earlier region (no tokens)."""
        return self.stored_audio(hash_).mp3

    def stored_audio(self, h: Any) -> RenderResult:
        """POST /audioFromHash: the audio of an earlier region (no tokens: it exists)."""
        if not isinstance(h, str) or not h:
            raise InvalidRequest("sourceHash: a region hash string is required")
        try:
            audio, _ = self.renderer.audio_for_hash(h)
        except InvalidRequest:
            raise HashNotFound(f"Hash not found: no audio is known for hash {h!r}.") from None
        mp3 = encode_mp3(audio, SR)
        return RenderResult(
            mp3=mp3,
            region_hashes=[h],
            audio_duration=round(len(audio) / SR, 3),
            tokens_used=0,
            status=["stored"],
            api_version=API_VERSION,
        )
