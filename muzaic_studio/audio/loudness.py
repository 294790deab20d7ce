"""Loudness report shown before export: integrated LUFS, true peak (dBTP), range (LU).

Why ffmpeg's ``ebur128`` filter and not pyloudnorm: pyloudnorm needs the whole signal as a
float64 array (a 20-minute stereo soundtrack is 847 MB that way), has no true-peak meter,
and runs its gating in Python. ``ebur128`` implements the same ITU-R BS.1770-4 / EBU
R128 measure (K-weighting, 400 ms blocks, absolute and relative gates) in C on a stream,
in constant memory, and measures true peak by oversampling to 192 kHz (4x at 48 kHz,
about 4.35x at 44.1 kHz) - one pass at a few hundred times real time, no PCM in Python.
pyloudnorm stays in the test suite as an independent cross-check of the numbers.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Callable
from dataclasses import dataclass

from muzaic_studio.audio.decode import _check_file, probe, range_args
from muzaic_studio.audio.errors import AudioError, DecodeError
from muzaic_studio.audio.ffmpeg import FFmpegError, run_ffmpeg_job

#: True peak above this risks audible clipping once the audio is decoded or re-encoded
#: (EBU R128 / streaming platforms ask for at most -1 dBTP).
TRUE_PEAK_LIMIT_DBTP = -1.0
#: Where most streaming platforms normalise playback; a soundtrack far above gets turned
#: down (and its peaks were wasted), far below gets turned up (and sounds weak next to others).
STREAMING_TARGET_LUFS = -14.0


class LoudnessError(AudioError):
    """The loudness scan failed for a reason other than unreadable audio."""


@dataclass(frozen=True)
class LoudnessReport:
    """One soundtrack's loudness. ``-inf`` values mean digital silence."""

    integrated_lufs: float
    true_peak_dbtp: float
    sample_peak_dbfs: float
    loudness_range_lu: float
    duration: float

    @property
    def clipping_risk(self) -> bool:
        return self.true_peak_dbtp > TRUE_PEAK_LIMIT_DBTP

    @property
    def is_silent(self) -> bool:
        return not math.isfinite(self.integrated_lufs) or self.integrated_lufs <= -70.0

    def summary(self) -> str:
        """One line for the export dialog, e.g.
        ``-16.2 LUFS integrated · true peak -1.4 dBTP · range 5.3 LU``, plus a warning."""
        if self.is_silent:
            return "Silent: no audio above the -70 LUFS gate."
        text = (
            f"{self.integrated_lufs:.1f} LUFS integrated · true peak "
            f"{self.true_peak_dbtp:.1f} dBTP · range {self.loudness_range_lu:.1f} LU"
        )
        if self.clipping_risk:
            text += f" - true peak above {TRUE_PEAK_LIMIT_DBTP:.0f} dBTP: may clip after encoding"
        elif self.integrated_lufs > STREAMING_TARGET_LUFS + 1:
            text += " - louder than streaming level (-14 LUFS): players will turn it down"
        return text


_NUM = r"(-?(?:\d+(?:\.\d+)?|inf))"


def _value(pattern: str, text: str) -> float:
    match = re.search(pattern, text)
    if match is None:
        raise LoudnessError("ffmpeg's loudness summary is missing a value; cannot report loudness.")
    return float(match.group(1))


def parse_ebur128_summary(log: str) -> tuple[float, float, float, float]:
    """(integrated LUFS, true peak dBTP, sample peak dBFS, LRA LU) from ebur128's summary."""
    _, found, summary = log.rpartition("Summary:")
    if not found:
        raise LoudnessError("ffmpeg printed no loudness summary; cannot report loudness.")
    integrated = _value(rf"I:\s+{_NUM} LUFS", summary)
    lra = _value(rf"LRA:\s+{_NUM} LU", summary)
    sample_peak = _value(rf"Sample peak:\s+Peak:\s+{_NUM} dBFS", summary)
    true_peak = _value(rf"True peak:\s+Peak:\s+{_NUM} dBFS", summary)
    return integrated, true_peak, sample_peak, lra


def measure_loudness(
    path: str | os.PathLike[str],
    *,
    start: float | None = None,
    end: float | None = None,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
) -> LoudnessReport:
    """Scan the file (or [start, end) seconds of it) and return its loudness report.

    Streams through ffmpeg: bounded memory for any length. Runs on a worker thread;
    *progress* gets fractions, *cancel* kills ffmpeg and raises ``Cancelled``.
    """
    _check_file(path)
    info = probe(path)
    span_end = end if end is not None else info.duration
    span = (span_end - (start or 0.0)) if span_end is not None else None
    seek, filters = range_args(start, end, info.rate)
    chain = ",".join([*filters, "ebur128=peak=true+sample:framelog=verbose"])
    args = [
        *seek, "-i", os.fspath(path), "-map", "0:a:0", "-vn", "-af", chain, "-f", "null", "-",
    ]  # fmt: skip
    try:
        log = run_ffmpeg_job(args, duration=span, progress=progress, cancel=cancel, loglevel="info")
    except FFmpegError as exc:
        raise DecodeError(f"Cannot measure the loudness of {path}: {exc}") from exc
    integrated, true_peak, sample_peak, lra = parse_ebur128_summary(log)
    return LoudnessReport(
        integrated_lufs=integrated,
        true_peak_dbtp=true_peak,
        sample_peak_dbfs=sample_peak,
        loudness_range_lu=lra,
        duration=span if span is not None else 0.0,
    )
