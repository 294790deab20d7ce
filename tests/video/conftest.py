"""Small videos made by ffmpeg for the video tests: known cuts, known sound.

`cut_video`: 4 s at 25 fps, 160x120, four shots with hard cuts at CUTS (testsrc, red,
SMPTE bars, blue), H.264 in MP4, with a sound track that is a loud 1 kHz tone for the
first two seconds and silence after (so ducking has a loud and a quiet part to compare).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from muzaic_studio.audio.ffmpeg import run_ffmpeg

FPS = 25
DURATION = 4.0
CUTS = [1.2, 2.0, 3.0]
LOUD_UNTIL = 2.0
MUSIC_HZ = 220.0
SPEECH_HZ = 1000.0


def make_cut_video(
    path: Path, *, audio: bool = True, seconds_per_shot: tuple[float, ...] = (1.2, 0.8, 1.0, 1.0)
) -> Path:
    sources = ["testsrc", "color=c=red", "smptebars", "color=c=blue"]
    args: list[str] = []
    for src, dur in zip(sources, seconds_per_shot, strict=True):
        sep = ":" if "=" in src else "="
        args += ["-f", "lavfi", "-i", f"{src}{sep}size=160x120:rate={FPS}:duration={dur}"]
    graph = "".join(f"[{i}:v]" for i in range(len(sources))) + f"concat=n={len(sources)}:v=1:a=0[v]"
    maps = ["-map", "[v]"]
    total = sum(seconds_per_shot)
    if audio:
        expr = f"if(lt(t\\,{LOUD_UNTIL})\\,0.5*sin(2*PI*{SPEECH_HZ}*t)\\,0)"
        args += ["-f", "lavfi", "-i", f"aevalsrc={expr}:s=44100:d={total}"]
        maps += ["-map", f"{len(sources)}:a", "-c:a", "aac"]
    run_ffmpeg([
        "-y", *args, "-filter_complex", graph, *maps,
        "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-g", "50",
        "-t", str(total), str(path),
    ])  # fmt: skip
    return path


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("video-media")


@pytest.fixture(scope="session")
def cut_video(media_dir: Path) -> Path:
    return make_cut_video(media_dir / "cuts.mp4")


@pytest.fixture(scope="session")
def silent_video(media_dir: Path) -> Path:
    return make_cut_video(media_dir / "silent.mp4", audio=False)


@pytest.fixture(scope="session")
def music_mp3(media_dir: Path) -> Path:
    """A 3 s 220 Hz tone of amplitude 0.5 standing in for a render (shorter than the video)."""
    path = media_dir / "music.mp3"
    run_ffmpeg([
        "-y", "-f", "lavfi", "-i", f"aevalsrc=0.5*sin(2*PI*{MUSIC_HZ}*t):s=44100:d=3",
        "-c:a", "libmp3lame", str(path),
    ])  # fmt: skip
    return path


@pytest.fixture(scope="session")
def audio_only(media_dir: Path) -> Path:
    path = media_dir / "voice.m4a"
    run_ffmpeg(["-y", "-f", "lavfi", "-i", "sine=duration=1", "-c:a", "aac", str(path)])
    return path


def decode_mono(path: Path, rate: int = 48000) -> np.ndarray:
    raw = run_ffmpeg(
        ["-i", str(path), "-map", "0:a:0", "-ac", "1", "-ar", str(rate), "-f", "f32le", "pipe:1"]
    )
    return np.frombuffer(raw, dtype="<f4")


def picture_md5(path: Path) -> str:
    return (
        run_ffmpeg(["-i", str(path), "-map", "0:v:0", "-c", "copy", "-f", "md5", "-"])
        .decode()
        .strip()
    )


def tone_level(samples: np.ndarray, hz: float, t0: float, t1: float, rate: int = 48000) -> float:
    """Amplitude of the *hz* component in [t0, t1) (a single-bin DFT)."""
    seg = samples[int(t0 * rate) : int(t1 * rate)].astype(np.float64)
    t = np.arange(seg.size) / rate
    return float(2 * abs(np.dot(seg, np.exp(-2j * np.pi * hz * t))) / max(1, seg.size))
