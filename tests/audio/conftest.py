"""Real audio files made by ffmpeg's lavfi sources, with known length and level.

Every test file is generated here (no binary fixtures in the repo): a sine or noise of a
given amplitude written as MP3 (with its Xing/LAME frame, like our renders), WAV or FLAC.
Files are small (seconds) so the whole audio suite stays well under a minute.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from muzaic_studio.audio.ffmpeg import ffmpeg_exe


def make_audio(
    path: Path,
    *,
    seconds: float = 2.0,
    rate: int = 44100,
    channels: int = 2,
    amplitude: float = 0.5,
    freq: float = 440.0,
    noise: bool = False,
    phase: float = 0.0,
    bitrate: str = "192k",
    fade_in: float = 0.0,
) -> Path:
    """Write a sine (or white noise) of *amplitude* (linear, 1.0 = full scale) to *path*.

    aevalsrc gives exact sample values (lavfi's sine source has a fixed 1/8 amplitude, and
    channel upmixing would scale it by 0.707). Format follows the suffix.
    """
    expr = f"{amplitude}*(2*random(0)-1)" if noise else f"{amplitude}*sin(2*PI*{freq}*t+{phase})"
    if fade_in > 0:
        expr = f"min(t/{fade_in},1)*{expr}"
    exprs = "|".join([expr] * channels)
    codec = {
        ".mp3": ["-c:a", "libmp3lame", "-b:a", bitrate],
        ".wav": ["-c:a", "pcm_s16le"],
        ".flac": ["-c:a", "flac", "-sample_fmt", "s16"],
    }[path.suffix]
    cmd = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
        "-f", "lavfi", "-i", f"aevalsrc=exprs='{exprs}':s={rate}:d={seconds}",
        *codec, str(path),
    ]  # fmt: skip
    subprocess.run(cmd, check=True, capture_output=True)
    return path


def read_tags(path: Path) -> dict[str, str]:
    """Container tags as ffmpeg reads them back (ffmetadata dump), keys lower-cased."""
    out = subprocess.run(
        [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-i", str(path),
         "-f", "ffmetadata", "-"],
        check=True, capture_output=True, text=True,
    ).stdout  # fmt: skip
    tags: dict[str, str] = {}
    for line in out.splitlines():
        key, sep, value = line.partition("=")
        if sep and not line.startswith(";"):
            tags[key.lower()] = value
    return tags


@pytest.fixture(scope="session")
def audio_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audio")


@pytest.fixture(scope="session")
def sine_mp3(audio_dir: Path) -> Path:
    """2.0 s stereo 44.1 kHz 440 Hz sine at amplitude 0.5 (-6 dBFS), 320 kbps MP3.

    320 kbps because at 192 kbps lame's joint stereo lowers a pure tone's level by 0.27 dB
    (measured), which would blur what the level test checks: our decoder, not lame."""
    return make_audio(audio_dir / "sine.mp3", bitrate="320k")


@pytest.fixture(scope="session")
def noise_mp3(audio_dir: Path) -> Path:
    """3.0 s stereo white noise at amplitude 0.3: peaks everywhere, for peak checks."""
    return make_audio(audio_dir / "noise.mp3", seconds=3.0, amplitude=0.3, noise=True)


@pytest.fixture(scope="session")
def sine_wav(audio_dir: Path) -> Path:
    """3.0 s stereo 44.1 kHz sine at amplitude 0.5 as WAV (exact samples)."""
    return make_audio(audio_dir / "sine.wav", seconds=3.0)


@contextlib.contextmanager
def tmpfs(path: Path, *, size: str = "1m", read_only: bool = False) -> Iterator[Path]:
    """Mount a small tmpfs at *path* (root only) to get a real full disk or read-only fs.

    chmod cannot make a folder read-only for root, and no other way gives a genuine
    ENOSPC; where mounting is not allowed the test is skipped rather than faked.
    """
    path.mkdir(parents=True, exist_ok=True)
    if os.geteuid() != 0:
        pytest.skip("mounting a tmpfs needs root")
    options = f"size={size}" + (",ro" if read_only else "")
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "tmpfs", str(path)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False, capture_output=True)
