"""What the user is told when a render fails, with the button that fixes it.

Kept out of controller.py: one rule per kind of failure (a typed error from either
backend, an audio that could not be read, anything else), and the button must do what it
says, so only fixes the app can perform get one (Set API key..., Preferences..., Retry,
Render changes only). A server's 400 that names a region selects it and scrolls to it.
"""

from __future__ import annotations

import logging
import re
from typing import TYPE_CHECKING

from muzaic_studio.audio.errors import AudioError
from muzaic_studio.contract.errors import (
    InsufficientTokens,
    InvalidRequest,
    MuzaicError,
    RateLimited,
    Unauthorized,
)
from muzaic_studio.model import RenderPlan
from muzaic_studio.model.validation import field_label

if TYPE_CHECKING:
    from muzaic_studio.ui.render.controller import RenderController

log = logging.getLogger(__name__)


def region_of_server_message(message: str, count: int) -> int | None:
    """The region index a server's 400 text points at ("regions[2]" or "Region 3"), or None."""
    match = re.search(r"regions\[(\d+)\]", message) or re.search(r"[Rr]egion (\d+)", message)
    if not match:
        return None
    index = int(match.group(1)) - (0 if "[" in match.group(0) else 1)
    return index if 0 <= index < count else None


def server_refusal_text(message: str, name: str = "") -> str:
    """A server's 400 in the editor's words: said once ("The server refused" is not
    repeated), the region by its *name*, "copy source" for sourceHash."""
    text = message if message.lower().startswith("the server refused") else (
        f"The server refused the request: {message}")  # fmt: skip
    if name:
        text = re.sub(r"\b[Rr]egion \d+\b|\bregions\[\d+\]", f"'{name}'", text, count=1)
    return text.replace("sourceHash", field_label("sourceHash"))


def notify_failure(controller: RenderController, plan: RenderPlan, exc: BaseException) -> None:
    """The notice for *exc*, the failure of a render of *plan*, on *controller*."""
    c = controller
    retry = c.retry_action()
    if isinstance(exc, Unauthorized):
        c.notify(exc.message, "error", "Set API key...", c.open_key_dialog)
    elif isinstance(exc, InsufficientTokens):
        needed = exc.needed if exc.needed is not None else plan.tokens
        if exc.balance is not None:
            text = f"Not enough tokens: {needed} needed, {exc.balance} left."
            c.balance = exc.balance
        else:
            text = f"Not enough tokens: {needed} needed. {exc.message}"
        if plan.tokens_saved == 0 and c.doc and any(r.last_hash for r in c.doc.regions):
            c.notify(text, "error", "Render changes only", lambda: c.render(True))
        else:
            c.notify(text, "error", "Retry", retry)
    elif isinstance(exc, RateLimited):
        wait = exc.retry_after
        if wait:
            c.notify(exc.message, "warning", f"Retry in {round(wait)} s",
                     lambda: c.retry_later(wait))  # fmt: skip
        else:
            c.notify(exc.message, "warning", "Retry", retry)
    elif isinstance(exc, InvalidRequest):
        index = region_of_server_message(exc.message, len(plan.regions))
        if index is not None and c.doc is not None:
            c.doc.select([plan.regions[index].uid])
            c.problemAt.emit(plan.regions[index].time)
        name = plan.regions[index].name if index is not None else ""
        c.notify(server_refusal_text(exc.message, name), "error")
    elif isinstance(exc, MuzaicError):
        # The button must do what it says: only fixes the app can perform get one.
        fix = exc.fix or "Retry"
        if fix == "Set API key...":
            c.notify(exc.message, "error", fix, c.open_key_dialog)
        elif fix.startswith("Use an https"):
            c.notify(exc.message, "error", "Preferences...", c.open_preferences)
        elif fix == "Retry":
            c.notify(exc.message, "error", fix, retry)
        else:
            c.notify(f"{exc.message} ({fix})", "error")
    elif isinstance(exc, AudioError):
        c.notify(
            f"The render arrived but its audio could not be read: {exc}", "error", "Retry", retry
        )
    else:
        log.error("render failed: %s", getattr(exc, "__traceback_text__", exc))
        c.notify(f"Render failed: {type(exc).__name__}: {exc}", "error", "Retry", retry)
