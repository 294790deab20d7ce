"""MP3 spans decoded in this process by libsndfile (mpg123 inside), for the waveform and
the loudness scan (segments.map_spans).

Why not ffmpeg here: ffmpeg 9's command-line tool runs demuxing, decoding and output on
threads of their own. One 1200 s MP3 decode costs it 1.9 CPU-seconds for 1.2-1.4 s of
wall time (measured), so two segment decodes at once could not halve it: 1.0-1.27 s,
0.8-0.9x a single decode, against issue 17's goal of 0.7x. libsndfile decodes the same
file to int16 in 1.2-1.3 CPU-seconds with no pipe, and releases the GIL while it does, so
one thread per span on 2 cores took 0.68 s (measured, 0.56x the single ffmpeg decode).

It honours the LAME frame (the same 52,920,000 frames as ffmpeg for 1200 s) and, after a
pre-roll, a seek gives exactly the samples a whole decode has there (tests compare them).
Its samples differ from ffmpeg's by at most one step of 16 bits (0.1 % of them), which no
waveform or loudness figure shows. Everything else (other formats, bytes, playback,
export) stays with ffmpeg, and so does any MP3 whose length libsndfile reads differently
from ffmpeg's header.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Generator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from muzaic_studio.audio.errors import DecodeError

if TYPE_CHECKING:
    import numpy as np

    from muzaic_studio.audio.decode import AudioInfo, Source

#: Frames decoded and dropped before a span's first frame: the bit reservoir and the
#: MDCT overlap of the frames before it (as decode.PREROLL_FRAMES for ffmpeg).
PREROLL_FRAMES = 8192


@functools.cache
def _soundfile() -> Any:
    """The soundfile module if its libsndfile reads MP3 (1.1 and later), else None."""
    try:
        import soundfile
    except (ImportError, OSError):  # OSError: the library itself failed to load
        return None
    return soundfile if "MP3" in soundfile.available_formats() else None


def usable(source: Source, info: AudioInfo) -> bool:
    """Whether *source* is an MP3 file whose length libsndfile reads as ffmpeg's header
    gives it (to its 10 ms: an encoder delay left in would be 25 ms or more), so its
    waveform lines up with what ffmpeg plays."""
    if not isinstance(source, str | os.PathLike) or info.codec != "mp3":
        return False
    if not info.duration_exact or not info.duration:
        return False
    sf = _soundfile()
    if sf is None:
        return False
    try:
        frames = sf.info(str(source)).frames
    except (RuntimeError, OSError):  # LibsndfileError is a RuntimeError
        return False
    return abs(frames - info.duration * info.rate) <= 0.005 * info.rate + 1


def iter_mp3_span(
    source: str | os.PathLike[str], info: AudioInfo, first: int, count: int | None, chunk: int
) -> Generator[np.ndarray, None, None]:
    """The int16 (frames, channels) chunks of frames [first, first + count) of *source*
    (count None: to the end); fewer frames only if the file ends sooner (the caller
    says so)."""
    sf = _soundfile()
    start = max(0, first - PREROLL_FRAMES)
    try:
        with sf.SoundFile(str(source)) as f:
            if info.channels != f.channels:
                raise DecodeError(
                    f"{Path(source).name}: {f.channels} channels, not {info.channels}"
                )
            f.seek(start)
            drop = first - start
            while drop:
                got = len(f.read(min(drop, chunk), dtype="int16", always_2d=True))
                if not got:
                    return
                drop -= got
            left = count
            while left is None or left > 0:
                want = chunk if left is None else min(chunk, left)
                block = f.read(want, dtype="int16", always_2d=True)
                if not len(block):
                    return
                if left is not None:
                    left -= len(block)
                yield block
    except RuntimeError as exc:  # soundfile.LibsndfileError
        raise DecodeError(f"{Path(source).name} could not be decoded: {exc}") from None
