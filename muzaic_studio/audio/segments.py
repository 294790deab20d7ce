"""Decode one file as several sample-exact segments at once, one ffmpeg per core.

Why: a single ffmpeg MP3 decode uses one core, and on the 2-core machines this app targets
the waveform of a 20-minute soundtrack then takes as long as that one decode. Splitting
the file into N spans and decoding them in N ffmpeg processes uses every core; each span's
summaries (peak blocks, loudness sums) are joined afterwards.

Sample-exact joins: each span starts at a frame that is a multiple of *align* (the peak
pyramid's block, so no block straddles two spans) and is decoded with `PcmStream`'s
pre-roll (`range_args`), which gives bit for bit the samples a whole-file decode has
there. Each span but the last stops after exactly its frame count (its ffmpeg is killed),
so no end-time rounding is involved. A test compares the joined spans with a
single-stream decode sample for sample.

Only files whose header gives the exact length (an MP3 Xing/Info frame, WAV, FLAC) are
split: without an exact frame count a span boundary could fall past the end.
"""

from __future__ import annotations

import contextlib
import os
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TypeVar

import numpy as np

from muzaic_studio.audio import mp3_spans
from muzaic_studio.audio.decode import (
    DEFAULT_CHUNK_FRAMES,
    AudioInfo,
    DecodeError,
    PcmStream,
    Source,
    _is_bytes,
    _name,
)
from muzaic_studio.audio.errors import Cancelled

#: Below this length one stream wins: two ffmpeg start-ups and probes cost more than half
#: of a short decode.
MIN_SPLIT_SECONDS = 30.0

T = TypeVar("T")


@dataclass(frozen=True)
class Span:
    """Frames [first, first + count) of the file; count None = to the end."""

    first: int
    count: int | None


def plan_spans(info: AudioInfo, parts: int, align: int, focus: float = 0.0) -> list[Span]:
    """Cut the file into *parts* spans whose starts are multiples of *align* frames.

    *focus* (seconds): one more cut there, so a span starts where the view looks and its
    waveform can be decoded first (`map_spans` starts that span first).
    """
    if parts < 2 or not info.duration_exact or not info.duration:
        return [Span(0, None)]
    if info.duration < MIN_SPLIT_SECONDS:
        return [Span(0, None)]
    total = int(info.duration * info.rate)
    step = max(align, (total // parts) // align * align)
    cuts = {k * step for k in range(parts)}
    cut = int(focus * info.rate) // align * align
    if 0 < cut < total - align:
        cuts.add(cut)
    starts = sorted(cuts)
    return [
        Span(start, starts[k + 1] - start if k + 1 < len(starts) else None)
        for k, start in enumerate(starts)
    ]


def default_parts() -> int:
    """One segment per core this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def iter_span(
    source: Source,
    info: AudioInfo,
    span: Span,
    *,
    chunk_frames: int,
    strict: bool,
    in_process: bool,
) -> Generator[np.ndarray, None, None]:
    """The int16 chunks of one span, exactly its frames (the last span: to the end).
    *in_process* (`mp3_spans.usable`, asked once per file): decoded in this process by
    libsndfile (mp3_spans: why), else by ffmpeg."""
    start = span.first / info.rate if span.first else None
    left = span.count
    reader: contextlib.AbstractContextManager[Iterable[np.ndarray]]
    if in_process:
        assert not isinstance(source, bytes | bytearray | memoryview)
        reader = contextlib.closing(
            mp3_spans.iter_mp3_span(source, info, span.first, span.count, chunk_frames)
        )
    else:
        reader = PcmStream(source, chunk_frames=chunk_frames, start=start, strict=strict,
                           info=info)  # fmt: skip
    with reader as stream:
        for chunk in stream:
            if left is not None:
                if chunk.shape[0] >= left:
                    if left:
                        yield chunk[:left]
                    return
                left -= chunk.shape[0]
            yield chunk
    if left:
        raise DecodeError(
            f"{_name(source)} is incomplete: it ends {left / info.rate:.1f} s before the "
            "length its header gives (truncated download or copy?)."
        )


def map_spans(
    source: Source,
    info: AudioInfo,
    consume: Callable[[Iterator[np.ndarray], Callable[[int], None], Span], T],
    *,
    parts: int | None = None,
    align: int = 1,
    focus: float = 0.0,
    chunk_frames: int = DEFAULT_CHUNK_FRAMES,
    strict: bool = True,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
) -> list[T]:
    """Run ``consume(chunks, advance, span)`` on every span in parallel; results in file order.

    At most *parts* spans run at once; the span starting at *focus* (seconds) runs first,
    then the longest ones.
    *consume* reads its span's chunks and calls ``advance(frames)`` as it goes, which
    drives *progress* (fractions of the whole file) and raises `Cancelled` once *cancel*
    is set, so every segment's ffmpeg stops within one chunk. A file given as bytes, or
    one without an exact length, is one span (a plain single-stream decode).
    """
    parts = default_parts() if parts is None else parts
    spans = [Span(0, None)] if _is_bytes(source) else plan_spans(info, parts, align, focus)
    in_process = mp3_spans.usable(source, info)  # opens the file: once, not per span
    expected = (info.duration or 0.0) * info.rate
    done = [0]
    lock = threading.Lock()
    stop = threading.Event()  # set when one span fails: the others stop too

    def advance(frames: int) -> None:
        if stop.is_set() or (cancel is not None and cancel.is_set()):
            raise Cancelled("Decoding cancelled.")
        with lock:  # one caller at a time: the fractions a view gets only grow
            done[0] += frames
            if progress is not None and expected > 0 and frames:
                progress(min(0.99, done[0] / expected))

    def run(span: Span) -> T:
        chunks = iter_span(source, info, span, chunk_frames=chunk_frames, strict=strict,
                           in_process=in_process)  # fmt: skip
        try:
            return consume(chunks, advance, span)
        except BaseException:
            stop.set()
            raise
        finally:
            chunks.close()

    if len(spans) == 1:
        results = [run(spans[0])]
    else:
        first = int(focus * info.rate) // align * align
        total = int((info.duration or 0.0) * info.rate)

        def priority(span: Span) -> tuple[bool, int]:
            """The span in view first, then the longest first: both cores end together."""
            length = span.count if span.count is not None else total - span.first
            return span.first != first, -length

        order = sorted(spans, key=priority)
        with ThreadPoolExecutor(min(parts, len(spans)), thread_name_prefix="decode-span") as pool:
            submitted = {span.first: pool.submit(run, span) for span in order}
        futures = [submitted[span.first] for span in spans]
        errors = [e for e in (f.exception() for f in futures) if e is not None]
        if errors:
            # The first real failure, not the Cancelled it caused in the other spans.
            raise next((e for e in errors if not isinstance(e, Cancelled)), errors[0])
        results = [future.result() for future in futures]
    if cancel is not None and cancel.is_set():
        raise Cancelled("Decoding cancelled.")
    return results
