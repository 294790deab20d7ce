"""The one interface the GUI and CLI talk to: the cloud client and the offline engine both fit it."""

from __future__ import annotations

import threading
from typing import Any, Protocol

from muzaic_studio.contract.result import Account, RenderResult


class Backend(Protocol):
    """`request` is the JSON body of POST /soundtrack ({"regions": [...], "normalize": ...})."""

    name: str

    def render(
        self, request: dict[str, Any], cancel: threading.Event | None = None
    ) -> RenderResult: ...

    def tags(self) -> dict[str, Any]: ...

    def account(self) -> Account: ...

    def audio_from_hash(self, hash_: str, cancel: threading.Event | None = None) -> bytes:
        """The audio (MP3 or WAV bytes) of an earlier region hash; HashNotFound if unknown.

        On the protocol so callers need no isinstance switch per backend. The cloud may
        charge tokens for it (the docs' example does); the offline engine does not."""
        ...
