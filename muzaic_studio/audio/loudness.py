"""Loudness report shown before export: integrated LUFS, true peak (dBTP), range (LU).

Why our own streaming meter (`loudness_meter`) and not pyloudnorm or ffmpeg's ``ebur128``:
pyloudnorm needs the whole signal as a float64 array (a 20-minute stereo soundtrack is
847 MB that way) and has no true-peak meter; ``ebur128`` resamples every sample to
192 kHz for its true peak, 4-6x as long as the decode of a long soundtrack. The meter
measures the same ITU-R BS.1770-4 / EBU R128 numbers on the decoded stream, one segment
per core, in constant memory. ffmpeg's ``ebur128`` summary is still parsed here for the
mix export, which measures while it encodes; pyloudnorm and ``ebur128`` stay in the test
suite as independent cross-checks.
"""

from __future__ import annotations

import math
import os
import re
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from muzaic_studio.audio.decode import PcmStream, _check_file, probe
from muzaic_studio.audio.errors import AudioError, Cancelled
from muzaic_studio.audio.loudness_meter import LoudnessMeter, SpanLoudness, combine
from muzaic_studio.audio.segments import Span, map_spans

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

    One decode, in segments on every core (`segments`), measured as it streams by
    `loudness_meter` (K-weighted hop sums and true peak): bounded memory for any length.
    Runs on a worker thread; *progress* gets fractions, *cancel* stops every ffmpeg and
    raises ``Cancelled``.
    """
    _check_file(path)
    info = probe(path)
    if start is None and end is None:

        def measure(
            chunks: Iterator[np.ndarray], advance: Callable[[int], None], span: Span
        ) -> tuple[SpanLoudness, int]:
            meter = LoudnessMeter(info.rate, info.channels, span.first)
            for chunk in chunks:
                advance(0)  # cancelled? stop before the work, not after it
                meter.feed(chunk)
                advance(chunk.shape[0])
            return meter.out, meter.pos - span.first

        spans = map_spans(path, info, measure, progress=progress, cancel=cancel)
        frames = sum(count for _, count in spans)
        result = combine([out for out, _ in spans], round(info.rate / 10))
    else:
        meter = LoudnessMeter(info.rate, info.channels)
        expected = ((end or info.duration or 0.0) - (start or 0.0)) * info.rate
        with PcmStream(path, start=start, end=end, info=info) as stream:
            for chunk in stream:
                if cancel is not None and cancel.is_set():
                    raise Cancelled("Loudness scan cancelled.")
                meter.feed(chunk)
                if progress is not None and expected > 0:
                    progress(min(0.99, meter.pos / expected))
        frames = meter.pos
        result = combine([meter.out], meter.hop)
    if progress is not None:
        progress(1.0)
    return LoudnessReport(
        integrated_lufs=result.integrated_lufs,
        true_peak_dbtp=result.true_peak_dbtp,
        sample_peak_dbfs=result.sample_peak_dbfs,
        loudness_range_lu=result.range_lu,
        duration=frames / info.rate,
    )
