"""An export timed against ffmpeg converting the same file: interleaved runs, best of N,
and the CPU both spent (used by bench_audio.py and bench_mix.py; not a bench itself).

Why best of N and interleaved: on a shared machine (2 cores, a load of 10) one 1200 s
FLAC conversion took 18 s and then 45 s; noise only ever adds time, so the fastest of a
few runs of each, taken in turn, is the estimate. Why CPU too: the CPU seconds (ours:
this process plus its ffmpeg children) hardly move with the load, so their ratio says
whether an export does more work than the baseline, even when the wall clock can't.
"""

from __future__ import annotations

import resource
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

#: ffmpeg's codec arguments per format: the same encoder and settings the export uses
#: (FLAC at ffmpeg's default compression level 5, which the export sets explicitly).
CODECS = {
    "mp3": ["-c:a", "libmp3lame", "-b:a", "192k"],
    "wav": ["-c:a", "pcm_s16le"],
    "flac": ["-c:a", "flac", "-sample_fmt", "s16", "-compression_level", "5"],
}


@dataclass(frozen=True)
class Timing:
    ours: float  # best wall seconds
    base: float
    ours_cpu: float  # CPU seconds of the best-timed run of each
    base_cpu: float

    @property
    def ratio(self) -> float:
        return self.ours / self.base

    @property
    def cpu_ratio(self) -> float:
        return self.ours_cpu / self.base_cpu

    def line(self, label: str, goal: float) -> str:
        verdict = "PASS" if self.ratio <= goal else "FAIL"
        return (
            f"{label}: {self.ours:.2f} s vs ffmpeg converting the same file {self.base:.2f} s "
            f"= {self.ratio:.2f}x (goal <= {goal}x) {verdict}; CPU {self.ours_cpu:.1f} s vs "
            f"{self.base_cpu:.1f} s = {self.cpu_ratio:.2f}x"
        )


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def _timed(run: Callable[[], object]) -> tuple[float, float]:
    cpu, began = _cpu(), time.perf_counter()
    run()
    return time.perf_counter() - began, _cpu() - cpu


def convert(source: Path, target: Path, fmt: str) -> None:
    """The baseline: one ffmpeg decoding *source* and encoding it as *fmt*."""
    from muzaic_studio.audio.ffmpeg import ffmpeg_exe

    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y",
           "-i", str(source), *CODECS[fmt], str(target)]  # fmt: skip
    subprocess.run(cmd, check=True)


def time_export(source: Path, folder: Path, fmt: str, export: Callable[[Path], object],
                runs: int = 3) -> Timing:  # fmt: skip
    """Best of *runs* of ffmpeg's conversion and of ``export(target)``, taken in turn."""
    base: list[tuple[float, float]] = []
    ours: list[tuple[float, float]] = []
    for _ in range(runs):
        base.append(_timed(lambda: convert(source, folder / f"baseline.{fmt}", fmt)))
        ours.append(_timed(lambda: export(folder / f"export.{fmt}")))
    (b_wall, b_cpu), (o_wall, o_cpu) = min(base), min(ours)
    for name in (f"baseline.{fmt}", f"export.{fmt}"):
        (folder / name).unlink(missing_ok=True)
    return Timing(o_wall, b_wall, o_cpu, b_cpu)
