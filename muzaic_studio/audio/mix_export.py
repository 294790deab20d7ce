"""Export with the client-side mix and an optional master loudness target, in blocks.

Why PCM passes through Python here (the plain export never does): the mix is applied by
`audio.mix.MixPlan.process`, the same function playback uses, so the exported PCM before
encoding equals what is heard. One ffmpeg decodes (`PcmStream`), Python mixes each block,
a second ffmpeg encodes from its stdin into the atomic temp file; memory stays one block.

Loudness target: a first pass pipes the mixed PCM to ffmpeg's ebur128 meter (the same one
`audio.loudness` uses); the export pass then applies the make-up gain in Python and a
look-ahead limiter in ffmpeg on 4x oversampled audio (so inter-sample peaks are caught:
a true-peak limiter) at -1 dBTP; the written file is measured again for the report.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import subprocess
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO

import numpy as np

from muzaic_studio.audio.decode import AudioInfo, PcmStream, probe
from muzaic_studio.audio.errors import Cancelled
from muzaic_studio.audio.ffmpeg import FFmpegError, ffmpeg_exe, kill_process
from muzaic_studio.audio.loudness import (
    TRUE_PEAK_LIMIT_DBTP,
    LoudnessReport,
    parse_ebur128_summary,
)
from muzaic_studio.audio.mix import FileWindows, MixPlan, StreamWindows, to_int16

LOUDNESS_TARGETS = (-14.0, -16.0, -23.0)
#: The limiter's sample ceiling on 4x oversampled audio, a little under -1 dBTP so the
#: resampling back and the encoder's own overshoot stay below the limit.
_LIMIT_DB = TRUE_PEAK_LIMIT_DBTP - 0.5


@dataclass(frozen=True)
class MasterReport:
    """Loudness of the mix before the master stage and of the written file after it."""

    before: LoudnessReport
    after: LoudnessReport | None
    gain_db: float

    def summary(self) -> str:
        after = self.after.summary() if self.after else "not measured"
        return f"Before: {self.before.summary()}\nAfter ({self.gain_db:+.1f} dB, limited at -1 dBTP): {after}"


def mixed_blocks(
    source: str | os.PathLike[str],
    plan: MixPlan,
    *,
    start: float | None,
    end: float | None,
    gain_db: float = 0.0,
    info: AudioInfo | None = None,
) -> Iterator[np.ndarray]:
    """Blocks of the mixed [start, end) span, in order (the stream is closed after).

    int16 without a master gain - exactly what the player hook (`block_mixer`) returns
    for the same samples, and half the bytes to pipe - float32 with one (the limiter
    after it needs the headroom). Decoding runs `lookahead` frames ahead of the mixing,
    so transitions read their mirror side from memory (`StreamWindows`).
    """
    stream = PcmStream(source, start=start, end=end, info=info)
    first = round((start or 0.0) * stream.rate)
    windows = StreamWindows(
        stream.channels, first, FileWindows(source, stream.rate, stream.channels)
    )
    lookahead = max((2 * t.half + 2 for t in plan.transitions), default=0)
    scale = np.float32(10 ** (gain_db / 20.0))
    out = first  # the next frame to mix
    with stream:
        for block in stream:
            windows.extend(block)
            while windows.end - out >= stream.chunk_frames + lookahead:
                yield _mix_span(plan, windows, out, stream.chunk_frames, gain_db, scale)
                out += stream.chunk_frames
                windows.trim(out - lookahead)
        while out < windows.end:
            n = min(stream.chunk_frames, windows.end - out)
            yield _mix_span(plan, windows, out, n, gain_db, scale)
            out += n


def _mix_span(
    plan: MixPlan, windows: StreamWindows, at: int, n: int, gain_db: float, scale: np.float32
) -> np.ndarray:
    block = windows.raw(at, at + n)
    if not gain_db and plan.is_unity(at, n):
        return block  # untouched by the mix: the decoded samples, as they are
    mixed = plan.process(block.astype(np.float32) / np.float32(32768.0), at, windows)
    return mixed * scale if gain_db else to_int16(mixed)


def _pipe_through_ffmpeg(
    blocks: Iterator[np.ndarray],
    rate: int,
    channels: int,
    args: list[str],
    *,
    stdout: IO[bytes] | None,
    total_frames: int | None,
    progress: Callable[[float], None] | None,
    cancel: threading.Event | None,
    loglevel: str = "error",
) -> str:
    """Feed float32 blocks to ffmpeg's stdin; returns its log; raises FFmpegError/Cancelled."""
    blocks = iter(blocks)
    head = next(blocks, None)
    fmt = "s16le" if head is not None and head.dtype == np.int16 else "f32le"
    cmd = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", loglevel,
        "-f", fmt, "-ar", str(rate), "-ac", str(channels), "-i", "pipe:0", *args,
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL if stdout is None else stdout,
        stderr=subprocess.PIPE,
    )
    assert proc.stdin is not None and proc.stderr is not None
    stderr = proc.stderr
    log: list[bytes] = []
    reader = threading.Thread(target=lambda: log.append(stderr.read()), daemon=True)
    reader.start()
    done = 0
    try:
        for block in itertools.chain([head] if head is not None else [], blocks):
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            proc.stdin.write(np.ascontiguousarray(block).tobytes())
            done += block.shape[0]
            if progress is not None and total_frames:
                progress(min(1.0, done / total_frames))
        proc.stdin.close()
        rc = proc.wait()
    except BrokenPipeError:
        rc = proc.wait()
    except BaseException:
        kill_process(proc)
        raise
    finally:
        with contextlib.suppress(OSError):
            proc.stdin.close()
        reader.join(timeout=5)
        proc.stderr.close()
    text = b"".join(log).decode("utf-8", "replace")
    if rc != 0:
        raise FFmpegError.exited(rc, text)
    return text


def measure_mixed(
    source: str | os.PathLike[str],
    plan: MixPlan,
    *,
    start: float | None = None,
    end: float | None = None,
    cancel: threading.Event | None = None,
) -> LoudnessReport:
    """Loudness of the mixed span (before any master gain)."""
    info = probe(source)
    log = _pipe_through_ffmpeg(
        mixed_blocks(source, plan, start=start, end=end),
        info.rate,
        info.channels,
        ["-af", "ebur128=peak=true+sample", "-f", "null", "-"],
        stdout=None,
        total_frames=None,
        progress=None,
        cancel=cancel,
        loglevel="info",
    )
    integrated, true_peak, sample_peak, lra = parse_ebur128_summary(log)
    span_end = end if end is not None else (info.duration or 0.0)
    return LoudnessReport(integrated, true_peak, sample_peak, lra, span_end - (start or 0.0))


def master_filters(rate: int) -> list[str]:
    """The true-peak limiter: oversample 4x, limit, back to the source rate."""
    limit = 10 ** (_LIMIT_DB / 20.0)
    return [
        f"aresample={rate * 4}",
        f"alimiter=limit={limit:.4f}:level=false:latency=true:attack=1:release=60",
        f"aresample={rate}",
    ]


def write_mixed(
    source: str | os.PathLike[str],
    plan: MixPlan,
    encode_args: list[str],
    fh: IO[bytes],
    *,
    start: float | None,
    end: float | None,
    span: float | None,
    gain_db: float = 0.0,
    limit: bool = False,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
    info: AudioInfo | None = None,
) -> None:
    """Mix and encode [start, end) of *source* into the open file *fh* (*info*: the
    source's probe, when the caller has it: each probe is one more ffmpeg)."""
    info = info or probe(source)
    filters = ["-af", ",".join(master_filters(info.rate))] if limit else []
    _pipe_through_ffmpeg(
        mixed_blocks(source, plan, start=start, end=end, gain_db=gain_db, info=info),
        info.rate,
        info.channels,
        [*filters, *encode_args],
        stdout=fh,
        total_frames=round(span * info.rate) if span else None,
        progress=progress,
        cancel=cancel,
    )


def master_gain(before: LoudnessReport, target: float | None) -> float:
    """Make-up gain (dB) to reach *target* LUFS; 0 for no target or a silent mix."""
    if target is None or before.is_silent:
        return 0.0
    return float(target - before.integrated_lufs)


def report_after(target: Path, gain_db: float, before: LoudnessReport) -> MasterReport:
    from muzaic_studio.audio.loudness import measure_loudness

    return MasterReport(before=before, after=measure_loudness(target), gain_db=gain_db)
