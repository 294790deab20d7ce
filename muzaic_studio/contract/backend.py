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
