"""Reading what ``ffmpeg -i`` prints about an input: its duration and its audio stream.

One parser for the audio layer's probe (decode.py) and the video probe (video/probe.py),
with one table of channel layouts, so a file reads the same in the timeline and the video
dock.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_DURATION_RE = re.compile(r"Duration: (?:(\d+):(\d+):(\d+(?:\.\d+)?)|N/A)")
# "Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, stereo, fltp"
_AUDIO_RE = re.compile(r"Stream #\d+:\d+[^:\n]*: Audio: ([^\s,]+)[^,\n]*(?:, (\d+) Hz)?, ([^,\n]+)")
_CHANNELS_BY_LAYOUT = {
    "mono": 1, "stereo": 2, "2.1": 3, "3.0": 3, "quad": 4, "4.0": 4, "5.0": 5, "5.1": 6,
    "6.1": 7, "7.1": 8,
}  # fmt: skip


@dataclass(frozen=True)
class AudioStream:
    codec: str
    rate: int  # 0 when ffmpeg did not say
    layout: str
    channels: int | None  # None for a layout this table does not know


def seconds(h: str, m: str, s: str) -> float:
    return int(h) * 3600 + int(m) * 60 + float(s)


def duration(log: str) -> float | None:
    """The input's duration in seconds, or None ("N/A", or not printed)."""
    match = _DURATION_RE.search(log)
    if match is None or match.group(1) is None:
        return None
    return seconds(*match.groups())


def channels_of(layout: str) -> int | None:
    """Channels of a layout name: "stereo", "5.1(side)", "3.0(back)", "6 channels"."""
    name = layout.strip()
    known = _CHANNELS_BY_LAYOUT.get(name.split("(")[0])
    if known is not None:
        return known
    match = re.match(r"(\d+) channels", name)
    return int(match.group(1)) if match else None


def audio_stream(log: str) -> AudioStream | None:
    """The first audio stream ffmpeg lists, or None."""
    match = _AUDIO_RE.search(log)
    if match is None:
        return None
    layout = match.group(3).strip()
    return AudioStream(match.group(1), int(match.group(2) or 0), layout, channels_of(layout))
