"""Baselines shared by the engine benches.

`bare_mp3_encode`: the reference issues 3 and 15 set their render-speed goals against, a
bare ffmpeg MP3 encode at 192 kbit/s CBR (the engine's own encode when the goals were
set). The engine now encodes VBR (audio/ffmpeg.py MP3_VBR_QUALITY), 0.7-0.8x that time;
a baseline that followed the product's encoder would move whenever the encoder does, so
it stays fixed, and the benches print the ratio to the engine's own encode beside it.
"""

from __future__ import annotations

from typing import Any


def bare_mp3_encode(samples: Any, rate: int) -> bytes:
    """*samples*: (frames, 2) int16. Plain `ffmpeg -b:a 192k`, stdin to stdout."""
    from muzaic_studio.audio.ffmpeg import run_ffmpeg

    return run_ffmpeg(["-f", "s16le", "-ar", str(rate), "-ac", "2", "-i", "pipe:0",
                       "-c:a", "libmp3lame", "-b:a", "192k", "-f", "mp3", "pipe:1"],
                      input_bytes=samples.tobytes())  # fmt: skip
