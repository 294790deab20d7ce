"""What audio bytes are and how long they play, read from their headers in plain Python.

The answer reader must know whether a server's bytes are MP3 or WAV and whether they hold
the whole soundtrack (a truncated MP3 still decodes) before it calls a render a success.
Walking MPEG frame headers needs no decoder and takes milliseconds for 20 minutes of audio.
"""

from __future__ import annotations

import struct

# kbps by (MPEG-1?, layer 1..3)[bitrate index]
_BITRATES = {
    (True, 1): (0, 32, 64, 96, 128, 160, 192, 224, 256, 288, 320, 352, 384, 416, 448),
    (True, 2): (0, 32, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320, 384),
    (True, 3): (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320),
    (False, 1): (0, 32, 48, 56, 64, 80, 96, 112, 128, 144, 160, 176, 192, 224, 256),
    (False, 2): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
    (False, 3): (0, 8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 112, 128, 144, 160),
}
_RATES = {3: (44100, 48000, 32000), 2: (22050, 24000, 16000), 0: (11025, 12000, 8000)}


def _mp3_frame_at(data: bytes, i: int) -> bool:
    if i + 4 > len(data) or data[i] != 0xFF or data[i + 1] & 0xE0 != 0xE0:
        return False
    version = (data[i + 1] >> 3) & 3
    layer = (data[i + 1] >> 1) & 3
    bitrate = data[i + 2] >> 4
    rate = (data[i + 2] >> 2) & 3
    return version != 1 and layer != 0 and bitrate != 0xF and rate != 3


def _id3_end(data: bytes) -> int | None:
    """Offset after a leading ID3v2 tag (0 without one); None for a broken tag."""
    if data[:3] != b"ID3" or len(data) < 10:
        return 0
    size = 0
    for b in data[6:10]:
        if b & 0x80:
            return None  # an ID3 size is syncsafe: the high bit is never set
        size = (size << 7) | b
    return 10 + size + (10 if data[5] & 0x10 else 0)  # optional footer


def _first_frame(data: bytes) -> int | None:
    start = _id3_end(data)
    if start is None:
        return None
    # Encoders may pad between the tag and the first frame; look a little way in.
    for i in range(start, min(start + 4096, len(data) - 3)):
        if _mp3_frame_at(data, i):
            return i
        if data[i] != 0:
            break
    return None


def audio_format(data: bytes) -> str | None:
    """'mp3' or 'wav' when *data* starts like that format (MPEG frame sync, ID3, RIFF/WAVE)."""
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WAVE":
        return "wav"
    return "mp3" if _first_frame(data) is not None else None


def _mp3_seconds(data: bytes) -> float | None:
    i = _first_frame(data)
    if i is None:
        return None
    seconds = 0.0
    n = len(data)
    while i + 4 <= n and _mp3_frame_at(data, i):
        b1, b2 = data[i + 1], data[i + 2]
        version = (b1 >> 3) & 3  # 3 = MPEG1, 2 = MPEG2, 0 = MPEG2.5
        layer = 4 - ((b1 >> 1) & 3)  # 1, 2 or 3
        kbps = _BITRATES[(version == 3, layer)][b2 >> 4]
        rate = _RATES[version][(b2 >> 2) & 3]
        pad = (b2 >> 1) & 1
        if kbps == 0:
            return None  # free-format bitrate: the frame length is not in the header
        if layer == 1:
            size, samples = (12 * kbps * 1000 // rate + pad) * 4, 384
        elif layer == 3 and version != 3:
            size, samples = 72 * kbps * 1000 // rate + pad, 576
        else:
            size, samples = 144 * kbps * 1000 // rate + pad, 1152
        if i + size > n:
            break  # a cut last frame does not play
        seconds += samples / rate
        i += size
    return seconds


def _wav_seconds(data: bytes) -> float | None:
    pos, byte_rate = 12, 0
    while pos + 8 <= len(data):
        chunk, size = data[pos : pos + 4], struct.unpack("<I", data[pos + 4 : pos + 8])[0]
        if chunk == b"fmt " and pos + 16 <= len(data):
            byte_rate = struct.unpack("<I", data[pos + 16 : pos + 20])[0]
        elif chunk == b"data":
            if not byte_rate:
                return None
            present = min(size, len(data) - pos - 8)  # a header may promise more than came
            return present / byte_rate
        pos += 8 + size + (size & 1)
    return None


def audio_seconds(data: bytes) -> float | None:
    """How long *data* plays (MP3 frames or WAV data actually present); None if unknown."""
    fmt = audio_format(data)
    if fmt == "wav":
        return _wav_seconds(data)
    if fmt == "mp3":
        return _mp3_seconds(data)
    return None
