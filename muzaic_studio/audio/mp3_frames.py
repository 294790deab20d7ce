"""MPEG-1 Layer III files as frames: split an ffmpeg-made MP3 into its parts, and join the
frames of several encodes into one file with a correct Info/LAME frame.

Why: the offline engine encodes a long soundtrack in segments on every core (audio/
mp3_stream.py) and joins them here. The Info frame ffmpeg writes first carries what a
player needs to play the joined file exactly: the frame count and byte size (duration and
seeking), the encoder delay and end padding (gapless: the file decodes to exactly the
samples that went in) and two CRCs. `join` writes it the way ffmpeg's mp3 muxer does
(libavformat/mp3enc.c), so frames joined here give the same bytes as one ffmpeg run.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

SAMPLES_PER_FRAME = 1152  # MPEG-1 Layer III
_BITRATES = (0, 32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
_RATES = (44100, 48000, 32000)
_TOC_SIZE = 100
_BAGS = 400  # the muxer's seek table before it is cut to 100 entries
_XING_SIZE = 156  # tag, flags, frames, size, TOC, quality, the 36-byte LAME extension
_TAG_CRC_SPAN = 190  # the LAME tag's CRC covers the frame's first 190 bytes


class Mp3FormatError(ValueError):
    """Not an MPEG-1 Layer III stream as ffmpeg writes it."""


@dataclass
class Mp3Parts:
    """One MP3 file: its ID3v2 tag, its Info frame (if any) and its audio frames."""

    data: bytes
    tag: int  # bytes of ID3v2 tag before the first frame
    info: int  # bytes of the Info frame after the tag (0: none)
    xing: int  # offset of "Info"/"Xing" within the Info frame
    frames: list[tuple[int, int]]  # (offset, length) of each audio frame in data

    @property
    def padding(self) -> int:
        """The LAME tag's end padding: samples after the music in the last frame."""
        if not self.info:
            raise Mp3FormatError("the file has no Info frame")
        at = self.tag + self.xing + 141
        return int.from_bytes(self.data[at : at + 3], "big") & 0xFFF

    def frame_bytes(self, start: int, stop: int | None = None) -> list[bytes]:
        return [self.data[o : o + n] for o, n in self.frames[start:stop]]


def frame_length(header: int) -> int:
    """Bytes in the MPEG-1 Layer III frame whose 4-byte header is *header*."""
    if header >> 21 != 0x7FF or (header >> 19) & 3 != 3 or (header >> 17) & 3 != 1:
        raise Mp3FormatError(f"not an MPEG-1 Layer III frame header: {header:08x}")
    bitrate = _BITRATES[(header >> 12) & 15] if (header >> 12) & 15 < 15 else 0
    rate_index = (header >> 10) & 3
    if not bitrate or rate_index == 3:
        raise Mp3FormatError(f"free or bad bitrate/sample rate in frame header {header:08x}")
    return 144_000 * bitrate // _RATES[rate_index] + ((header >> 9) & 1)


def split(data: bytes) -> Mp3Parts:
    """The parts of an MP3 file: ID3v2 tag and Info frame (if any), then audio frames."""
    tag = 0
    if data[:3] == b"ID3" and len(data) >= 10:
        size = data[6:10]
        tag = 10 + (size[0] << 21 | size[1] << 14 | size[2] << 7 | size[3])
    frames: list[tuple[int, int]] = []
    pos = tag
    while pos + 4 <= len(data):
        n = frame_length(int.from_bytes(data[pos : pos + 4], "big"))
        if pos + n > len(data):
            raise Mp3FormatError(f"the last frame is cut short at byte {pos}")
        frames.append((pos, n))
        pos += n
    if pos != len(data):
        raise Mp3FormatError(f"{len(data) - pos} stray bytes after the last frame")
    info = xing = 0
    if frames:
        n = frames[0][1]
        xing = 4 + (17 if data[tag + 3] >> 6 == 3 else 32)  # mono: side info is shorter
        if data[tag + xing : tag + xing + 4] in (b"Info", b"Xing") and n >= xing + _XING_SIZE:
            info = n
            frames = frames[1:]
    return Mp3Parts(data, tag, info, xing, frames)


def join(template: Mp3Parts, frames: Sequence[bytes], padding: int) -> bytes:
    """One MP3 file of *frames*, headed like *template* (an ffmpeg encode with an Info
    frame: its ID3v2 tag and encoder delay are kept) with the count, size, seek table,
    end *padding* and CRCs of these frames, computed as ffmpeg's muxer computes them."""
    from fastcrc import crc16

    if not template.info:
        raise Mp3FormatError("the template has no Info frame")
    tag = template.data[: template.tag]
    info = bytearray(template.data[template.tag : template.tag + template.info])
    x = template.xing
    size, bags, want, seen = template.info, [0] * _BAGS, 1, 0
    pos = 0
    for f in frames:  # the muxer's seek table (mp3_xing_add_frame): every want-th size
        size += len(f)
        seen += 1
        if seen == want:
            bags[pos] = size
            pos += 1
            if pos == _BAGS:
                bags[: _BAGS // 2] = bags[1:_BAGS:2]
                want *= 2
                pos = _BAGS // 2
            seen = 0
    # the muxer's verdict: "Xing" if any frame's bitrate differs from the first one's
    rates = {f[2] >> 4 for f in frames}
    info[x : x + 4] = b"Xing" if len(rates) > 1 else b"Info"
    info[x + 8 : x + 12] = len(frames).to_bytes(4, "big")
    info[x + 12 : x + 16] = size.to_bytes(4, "big")
    toc = [0] + [min(256 * bags[i * pos // _TOC_SIZE] // size, 255) for i in range(1, _TOC_SIZE)]
    info[x + 16 : x + 16 + _TOC_SIZE] = bytes(toc)
    delay = int.from_bytes(info[x + 141 : x + 144], "big") >> 12
    info[x + 141 : x + 144] = ((delay << 12) + min(padding, 0xFFF)).to_bytes(3, "big")
    audio = b"".join(frames)
    info[x + _XING_SIZE - 8 : x + _XING_SIZE - 4] = size.to_bytes(4, "big")
    info[x + _XING_SIZE - 4 : x + _XING_SIZE - 2] = crc16.arc(audio).to_bytes(2, "big")
    tag_crc = crc16.arc(bytes(info[:_TAG_CRC_SPAN]))
    info[x + _XING_SIZE - 2 : x + _XING_SIZE] = tag_crc.to_bytes(2, "big")
    return tag + bytes(info) + audio
