"""Errors of the video layer, each with a message a user can read as-is.

Cancellation is the audio layer's `Cancelled` (re-exported here): one "the user stopped
it" type for every ffmpeg job, so a worker catches it once whatever the job was.
"""

from __future__ import annotations

from muzaic_studio.audio.errors import Cancelled


class VideoError(Exception):
    """A video that cannot be imported, analysed or exported; ``str(exc)`` is for the user."""


__all__ = ["Cancelled", "VideoError"]
