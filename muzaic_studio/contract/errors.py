"""Typed errors every backend raises, with messages a user can act on.

The cloud client maps HTTP statuses to these; the offline engine raises the same ones, so
the GUI and CLI handle one set. Messages never contain the API key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from muzaic_studio.contract.result import RenderResult


class MuzaicError(Exception):
    """Base of every backend error. `message` is shown to the user as-is."""

    exit_code = 4
    fix: str = ""  # the action that fixes it, e.g. "Set API key..."
    # A render the server made (and charged for) whose audio could not be fetched: the
    # region hashes and tokens, with empty audio. Store the hashes; a changes-only render
    # then gets the music back as free copies.
    partial: RenderResult | None = None

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(MuzaicError):
    """400: the soundtrack request is wrong; the server's error text is kept."""

    exit_code = 2
    fix = "Fix the region"


class Unauthorized(MuzaicError):
    """401: missing, invalid, or not allowed for this origin."""

    exit_code = 3
    fix = "Set API key..."


class InsufficientTokens(MuzaicError):
    """402: not enough tokens for this render."""

    exit_code = 3
    fix = "Top up tokens"

    def __init__(self, message: str, needed: int | None = None, balance: int | None = None) -> None:
        super().__init__(message)
        self.needed = needed
        self.balance = balance


class RateLimited(MuzaicError):
    """429: too many requests; retry_after is seconds from the Retry-After header."""

    exit_code = 4

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after

    @property
    def fix(self) -> str:  # type: ignore[override]
        return f"Retry in {round(self.retry_after)} s" if self.retry_after else "Retry later"


class ServerError(MuzaicError):
    """5xx: the server failed; nothing on our side to fix."""

    fix = "Retry"


class NetworkError(MuzaicError):
    """Timeout, refused or cut connection."""

    fix = "Retry"


class BadResponse(MuzaicError):
    """The server answered 200 but the body is not a usable soundtrack."""

    fix = "Retry"


class Cancelled(MuzaicError):
    """The user cancelled; tokens may still have been spent by the server."""

    exit_code = 1


class InsecureConnection(MuzaicError):
    """The API key would travel in clear text: plain http to a host that is not this machine."""

    exit_code = 2
    fix = "Use an https:// API address"


class InvalidKey(MuzaicError):
    """The API key cannot be a Muzaic key (empty, spaces, control characters): nothing sent."""

    exit_code = 2
    fix = "Set API key..."


class KeyringUnavailable(MuzaicError):
    """No usable system keyring to keep the API key in (typical on headless Linux)."""

    exit_code = 3
    fix = "Set MUZAIC_API_KEY or install a keyring"
