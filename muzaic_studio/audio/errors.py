"""Errors of the audio layer, each with a message a user can read as-is.

They live in one small module so the UI can catch the whole family (`AudioError`) from a
worker without importing decode, peaks, loudness and export separately. Export write
failures are `muzaic_studio.atomic.WriteError` (shared with project saves), not these.
"""

from __future__ import annotations


class AudioError(Exception):
    """Base of the audio layer's errors; ``str(exc)`` is meant for the user."""


class DecodeError(AudioError):
    """The audio could not be decoded: missing, empty, not audio, damaged or truncated."""


class Cancelled(AudioError):
    """The job was cancelled through its ``threading.Event``; nothing was left behind."""

    def __init__(self, message: str = "Cancelled.") -> None:
        super().__init__(message)
