"""The one ffmpeg binary every audio and video job uses (from imageio-ffmpeg, no system install).

Also the in-memory MP3 encoder shared by the offline engine and exports: PCM goes in on a
pipe and MP3 comes out on a pipe, with no temp files, which is what keeps a render fast.
"""

from __future__ import annotations

import functools
import subprocess

import numpy as np


class FFmpegError(RuntimeError):
    """ffmpeg failed; the message carries the last lines it printed."""


@functools.cache
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(
    args: list[str], input_bytes: bytes | None = None, timeout: float | None = None
) -> bytes:
    """Run ffmpeg quietly with *args*; return stdout or raise FFmpegError with its stderr tail."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *args]
    try:
        proc = subprocess.run(
            cmd, input=input_bytes, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise FFmpegError(f"ffmpeg took longer than {timeout} s") from exc
    if proc.returncode != 0:
        tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise FFmpegError("ffmpeg failed: " + (" | ".join(tail) or f"exit {proc.returncode}"))
    return proc.stdout


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] (frames x channels) to interleavable int16, clipped."""
    if samples.dtype == np.int16:
        return samples
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)


def encode_mp3(
    samples: np.ndarray,
    rate: int = 44100,
    bitrate: str = "192k",
    metadata: dict[str, str] | None = None,
) -> bytes:
    """Encode (frames, channels) float or int16 samples to MP3 bytes via libmp3lame."""
    pcm = np.ascontiguousarray(to_int16(samples))
    channels = 1 if pcm.ndim == 1 else pcm.shape[1]
    meta: list[str] = []
    for key, value in (metadata or {}).items():
        meta += ["-metadata", f"{key}={value}"]
    args = [
        "-f", "s16le", "-ar", str(rate), "-ac", str(channels), "-i", "pipe:0",
        "-c:a", "libmp3lame", "-b:a", bitrate, *meta, "-f", "mp3", "pipe:1",
    ]  # fmt: skip
    return run_ffmpeg(args, input_bytes=pcm.tobytes())
