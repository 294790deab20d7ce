"""Waveform peaks: a min/max/RMS pyramid built once per render, queried per paint.

Why a pyramid: a view of width W showing span [t0, t1) needs, per pixel, the min and max
of the samples under it. Reading samples per paint is O(samples) (52 M frames for 20
minutes) and needs them in memory; the pyramid keeps only per-block summaries:
level 0 holds min/max/mean-square per ``base_block`` frames (256 by default, 5.8 ms at
44.1 kHz), level k+1 reduces pairs of level k. A query picks the coarsest level whose
blocks are no wider than a pixel, so each pixel covers 1-3 blocks and the work is
O(pixels) at any zoom, from the whole soundtrack down to a few milliseconds.

Channels are merged (min over all channels, max over all channels, mean square over all
samples): the timeline draws one waveform lane per soundtrack, and merging halves memory
and work. For 20 minutes at 44.1 kHz the whole pyramid is about 3.3 MB.

Accuracy contract of `PeakPyramid.query`: pixel i reports exactly the min/max/RMS of the
level's blocks that overlap its frame span, so its min/max never miss a sample inside the
pixel and reach outside it by less than one block on each side. Below 256 frames per
pixel the drawing is quantised to 5.8 ms blocks; sample-level drawing at extreme zoom
would need the samples (a short `decode(start=, end=)`), which this module never keeps.
"""

from __future__ import annotations

import contextlib
import itertools
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from muzaic_studio.atomic import WriteError, atomic_writer
from muzaic_studio.audio.decode import DEFAULT_CHUNK_FRAMES, Source, check_complete, probe
from muzaic_studio.audio.errors import AudioError
from muzaic_studio.audio.segments import Span, map_spans

_FORMAT_VERSION = 1
_FULL_SCALE = 32768.0


class PeakCacheError(AudioError):
    """A cached pyramid file is missing, corrupt or from another format version."""


@dataclass(frozen=True)
class PeakSlice:
    """What a view draws for one span: arrays of length ``pixels``, float32 in [-1, 1].

    ``covered`` is False for pixels entirely before 0 s or after the end of the audio
    (their values are 0), so a view can draw "no audio" there instead of silence.
    ``block_frames`` is the block width of the level used (frames), for tests and tooltips.
    """

    mins: np.ndarray
    maxs: np.ndarray
    rms: np.ndarray
    covered: np.ndarray
    block_frames: int


class PyramidBuilder:
    """Reduce int16 chunks of any length to level-0 blocks as they stream by.

    Kept separate from decoding so the same reduction serves a file stream
    (`build_pyramid`) and samples already in memory (`PeakPyramid.from_samples`, e.g. the
    offline engine's output before it is encoded).
    """

    def __init__(self, rate: int, channels: int, base_block: int = 256) -> None:
        if base_block < 1 or rate < 1 or channels < 1:
            raise ValueError("rate, channels and base_block must be positive")
        self.rate, self.channels, self.base_block = rate, channels, base_block
        self.frames = 0
        self._mins: list[np.ndarray] = []
        self._maxs: list[np.ndarray] = []
        self._ms: list[np.ndarray] = []
        self._carry: np.ndarray | None = None

    def feed(self, chunk: np.ndarray) -> None:
        """Add (frames, channels) int16 samples; a partial trailing block is carried over."""
        chunk = np.asarray(chunk, dtype=np.int16).reshape(-1, self.channels)
        self.frames += chunk.shape[0]
        if self._carry is not None:
            chunk = np.concatenate([self._carry, chunk])
            self._carry = None
        whole = chunk.shape[0] // self.base_block
        if whole:
            self._reduce(chunk[: whole * self.base_block].reshape(whole, -1))
        rest = chunk[whole * self.base_block :]
        if rest.shape[0]:
            self._carry = rest.copy()

    def _reduce(self, flat: np.ndarray) -> None:
        # Interleaved frames of one block are one contiguous row: a single reduction over
        # axis 1 merges time and channels at once, with no per-channel copies.
        self._mins.append(flat.min(axis=1))
        self._maxs.append(flat.max(axis=1))
        values = flat.astype(np.float32)
        energy = np.einsum("ij,ij->i", values, values)
        self._ms.append((energy / (flat.shape[1] * _FULL_SCALE * _FULL_SCALE)).astype(np.float32))

    @classmethod
    def join(cls, parts: list[PyramidBuilder]) -> PyramidBuilder:
        """One builder holding *parts* back to back (consecutive spans of one file).

        Every part but the last must have ended on a block boundary (segment starts are
        aligned to ``base_block``), so the joined level 0 is the one a single stream gives.
        """
        first = parts[0]
        joined = cls(first.rate, first.channels, first.base_block)
        for part in parts:
            if joined._carry is not None:
                raise ValueError("only the last part may end inside a block")
            joined.frames += part.frames
            joined._mins += part._mins
            joined._maxs += part._maxs
            joined._ms += part._ms
            joined._carry = part._carry
        return joined

    def finish(self, source_key: str = "") -> PeakPyramid:
        """Close the last partial block and build the coarser levels."""
        if self._carry is not None:
            self._reduce(self._carry.reshape(1, -1))
            self._carry = None
        if self.frames == 0:
            raise ValueError("no samples to build peaks from")
        mins = np.concatenate(self._mins)
        maxs = np.concatenate(self._maxs)
        ms = np.concatenate(self._ms)
        self._mins, self._maxs, self._ms = [], [], []
        levels = [(mins, maxs, ms)]
        block = self.base_block
        while levels[-1][0].shape[0] > 1:
            levels.append(halve(levels[-1], block, self.frames))
            block *= 2
        return PeakPyramid(
            rate=self.rate,
            channels=self.channels,
            frames=self.frames,
            base_block=self.base_block,
            levels=levels,
            source_key=source_key,
        )


def halve(
    level: tuple[np.ndarray, np.ndarray, np.ndarray], block: int, frames: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Next level: reduce pairs of blocks of width *block*.

    An odd last block is kept alone for min/max and the mean square. Mean squares are
    weighted by frames: only the file's last block can be short, so every pair but the
    last is a plain average and the last pair is weighted by its frames; every level's
    RMS is exact, not an approximation. Even and odd slices, not
    ``reshape(-1, 2).min(axis=1)``: numpy reduces a 2-wide axis element by element,
    about 10x slower (it dominated the snapshots drawn while a decode runs).
    """
    mins, maxs, ms = level
    count = mins.shape[0]
    pairs = count // 2 * 2
    mn = np.minimum(mins[0:pairs:2], mins[1:pairs:2])
    mx = np.maximum(maxs[0:pairs:2], maxs[1:pairs:2])
    energy = (ms[0:pairs:2] + ms[1:pairs:2]) * np.float32(0.5)
    last = frames - (count - 1) * block  # frames in the last block
    if count % 2:
        mn = np.concatenate([mn, mins[-1:]])
        mx = np.concatenate([mx, maxs[-1:]])
        energy = np.concatenate([energy, ms[-1:]])
    elif count:
        a, b = float(ms[-2]), float(ms[-1])
        energy[-1] = (a * block + b * last) / (block + last)
    return mn, mx, energy.astype(np.float32, copy=False)


class PeakPyramid:
    """Multi-resolution min/max/mean-square summaries of one soundtrack. Immutable."""

    def __init__(
        self,
        *,
        rate: int,
        channels: int,
        frames: int,
        base_block: int,
        levels: list[tuple[np.ndarray, np.ndarray, np.ndarray]],
        source_key: str = "",
        known: list[np.ndarray] | None = None,
    ) -> None:
        self.rate = rate
        self.channels = channels
        self.frames = frames
        self.base_block = base_block
        self.levels = levels
        #: Free text identifying what this was built from (render hash, file size+mtime),
        #: stored in the cache so a stale cache can be recognised.
        self.source_key = source_key
        #: Per level, which blocks are decoded yet: set only on the snapshots drawn while
        #: a decode runs (`peaks_partial`); None means every block is known.
        self.known = known

    @property
    def complete(self) -> bool:
        """False for a snapshot taken while decoding (some blocks not known yet)."""
        return self.known is None

    @property
    def duration(self) -> float:
        return self.frames / self.rate

    @property
    def nbytes(self) -> int:
        return sum(a.nbytes for level in self.levels for a in level)

    @classmethod
    def from_samples(
        cls, samples: np.ndarray, rate: int, base_block: int = 256, source_key: str = ""
    ) -> PeakPyramid:
        """Build from samples in memory: (frames, channels) or (frames,) int16 or float."""
        data = np.asarray(samples)
        if data.dtype != np.int16:
            data = (np.clip(data, -1.0, 1.0) * 32767.0).astype(np.int16)
        if data.ndim == 1:
            data = data[:, None]
        builder = PyramidBuilder(rate, data.shape[1], base_block)
        builder.feed(np.ascontiguousarray(data))
        return builder.finish(source_key)

    # -- drawing -----------------------------------------------------------------------
    def query(self, t0: float, t1: float, pixels: int) -> PeakSlice:
        """Min/max/RMS per pixel for the span [t0, t1) seconds drawn *pixels* wide.

        O(pixels) whatever the span: never touches samples. Spans may reach beyond the
        audio on either side (those pixels are zero and not ``covered``).
        """
        pixels = int(pixels)
        if pixels < 1:
            raise ValueError("pixels must be at least 1")
        if not (np.isfinite(t0) and np.isfinite(t1)) or t1 <= t0:
            raise ValueError(f"need t0 < t1, got [{t0}, {t1})")
        f0, f1 = float(t0) * self.rate, float(t1) * self.rate
        per_pixel = (f1 - f0) / pixels
        level = int(np.floor(np.log2(max(per_pixel / self.base_block, 1.0))))
        level = min(level, len(self.levels) - 1)
        block = self.base_block << level
        mins_l, maxs_l, ms_l = self.levels[level]

        edges = f0 + (f1 - f0) * (np.arange(pixels + 1, dtype=np.float64) / pixels)
        starts, ends = edges[:-1], edges[1:]
        covered = (ends > 0) & (starts < self.frames)
        out_min = np.zeros(pixels, np.float32)
        out_max = np.zeros(pixels, np.float32)
        out_rms = np.zeros(pixels, np.float32)
        if covered.any():
            s = np.clip(starts[covered], 0, self.frames)
            e = np.clip(ends[covered], 0, self.frames)
            lo = (s // block).astype(np.int64)
            hi = np.maximum(np.ceil(e / block).astype(np.int64), lo + 1)
            hi = np.minimum(hi, mins_l.shape[0])
            width = int((hi - lo).max())
            idx = lo[:, None] + np.arange(width)[None, :]
            inside = idx < hi[:, None]
            idx = np.minimum(idx, mins_l.shape[0] - 1)
            mn = np.where(inside, mins_l[idx], np.int16(32767)).min(axis=1)
            mx = np.where(inside, maxs_l[idx], np.int16(-32768)).max(axis=1)
            # Mean square weighted by frames: the file's last block may be short.
            weight = np.where(idx == mins_l.shape[0] - 1, self.frames - idx * block, block)
            weight = np.where(inside, weight, 0)
            energy = (ms_l[idx] * weight).sum(axis=1)
            out_min[covered] = mn / _FULL_SCALE
            out_max[covered] = mx / _FULL_SCALE
            out_rms[covered] = np.sqrt(energy / weight.sum(axis=1))
            if self.known is not None:  # not decoded yet: blank, not silence
                covered[covered] = (self.known[level][idx] & inside).any(axis=1)
        return PeakSlice(out_min, out_max, out_rms, covered, block)

    def thumbnail(self, points: int = 96) -> list[float]:
        """Peak level (0..1, 3 decimals) at *points* even steps: a sparkline for the hash
        library, small enough to store in the project file as plain JSON numbers."""
        peaks = self.query(0.0, self.duration, points)
        level = np.maximum(np.abs(peaks.mins), np.abs(peaks.maxs))
        return [round(float(v), 3) for v in level]

    # -- cache -------------------------------------------------------------------------
    def save(self, path: str | Path) -> None:
        """Write an .npz cache atomically (a crash never leaves a half cache)."""
        counts = np.array([level[0].shape[0] for level in self.levels], np.int64)
        meta = np.array(
            [_FORMAT_VERSION, self.rate, self.channels, self.frames, self.base_block], np.int64
        )
        with atomic_writer(path) as fh:
            np.savez(
                fh,
                meta=meta,
                counts=counts,
                mins=np.concatenate([lv[0] for lv in self.levels]),
                maxs=np.concatenate([lv[1] for lv in self.levels]),
                ms=np.concatenate([lv[2] for lv in self.levels]),
                source_key=np.array(self.source_key),
            )

    @classmethod
    def load(cls, path: str | Path) -> PeakPyramid:
        """Read a cache written by `save`; PeakCacheError if it is unusable."""
        try:
            with np.load(path, allow_pickle=False) as data:
                meta = data["meta"]
                counts = data["counts"]
                mins, maxs, ms = data["mins"], data["maxs"], data["ms"]
                source_key = str(data["source_key"])
        except FileNotFoundError as exc:
            raise PeakCacheError(f"No waveform cache at {path}.") from exc
        except (OSError, ValueError, KeyError, EOFError) as exc:
            raise PeakCacheError(f"The waveform cache {path} is unreadable ({exc}).") from exc
        if meta.shape != (5,) or int(meta[0]) != _FORMAT_VERSION:
            raise PeakCacheError(f"The waveform cache {path} is from another version.")
        _, rate, channels, frames, base_block = (int(v) for v in meta)
        total = int(counts.sum())
        valid = (
            mins.dtype == np.int16
            and maxs.dtype == np.int16
            and ms.dtype == np.float32
            and mins.shape == maxs.shape == ms.shape == (total,)
            and counts.size > 0
            and rate > 0
            and channels > 0
            and base_block > 0
            and int(counts[0]) == -(-frames // base_block)
        )
        if not valid:
            raise PeakCacheError(f"The waveform cache {path} is corrupt.")
        bounds = np.concatenate([[0], np.cumsum(counts)])
        levels = [
            (mins[a:b].copy(), maxs[a:b].copy(), ms[a:b].copy())
            for a, b in itertools.pairwise(bounds)
        ]
        return cls(
            rate=rate,
            channels=channels,
            frames=frames,
            base_block=base_block,
            levels=levels,
            source_key=source_key,
        )


def build_pyramid(
    source: Source,
    *,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
    base_block: int = 256,
    chunk_frames: int = DEFAULT_CHUNK_FRAMES,
    strict: bool = True,
    source_key: str = "",
    parts: int | None = None,
    focus: tuple[float, float] | None = None,
    on_partial: Callable[[PeakPyramid], None] | None = None,
) -> PeakPyramid:
    """Decode *source* as a stream and build its pyramid; the PCM is never held whole.

    *on_partial* (called on a decode thread) gets snapshots while decoding, see
    `peaks_partial`: the span *focus* (seconds, what the view shows) is decoded first
    and its snapshot sent as soon as it is covered.

    A long file is decoded as *parts* segments at once (one per core by default, see
    `segments`): the pyramid is the same as a single stream's, block for block. Runs on a
    worker: *progress* gets fractions in [0, 1] (about one call per 3 s of audio),
    *cancel* stops every ffmpeg within one chunk and raises `Cancelled`. Decoding
    problems raise `DecodeError` (see `PcmStream` for *strict*).
    """
    if chunk_frames % base_block:
        chunk_frames += base_block - chunk_frames % base_block
    info = probe(source)
    partial = None
    if on_partial is not None:
        from muzaic_studio.audio.peaks_partial import PartialPeaks

        exact = info.duration_exact and info.duration
        partial = PartialPeaks(
            rate=info.rate, channels=info.channels, base_block=base_block, emit=on_partial,
            total_frames=int(info.duration * info.rate) if exact and info.duration else None,
            focus=focus,
        )  # fmt: skip

    def reduce_span(
        chunks: Iterator[np.ndarray], advance: Callable[[int], None], span: Span
    ) -> PyramidBuilder:
        builder = PyramidBuilder(info.rate, info.channels, base_block)
        if partial is not None:
            partial.add(span.first, builder)
        for chunk in chunks:
            advance(0)  # cancelled? stop before the work, not after it
            builder.feed(chunk)
            advance(chunk.shape[0])
            if partial is not None:
                partial.fed()
        return builder

    builders = map_spans(
        source, info, reduce_span, parts=parts, align=base_block, chunk_frames=chunk_frames,
        strict=strict, progress=progress, cancel=cancel, focus=focus[0] if focus else 0.0,
    )  # fmt: skip
    builder = PyramidBuilder.join(builders)
    if strict and len(builders) > 1:
        check_complete(source, info, builder.frames)
    pyramid = builder.finish(source_key)
    if progress is not None:
        progress(1.0)
    return pyramid


def source_fingerprint(path: str | Path) -> str:
    """Size and mtime (ns) of a file: changes whenever a render rewrites it."""
    info = Path(path).stat()
    return f"{info.st_size}:{info.st_mtime_ns}"


def load_or_build_pyramid(
    source: str | Path,
    cache: str | Path,
    *,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
    focus: tuple[float, float] | None = None,
    on_partial: Callable[[PeakPyramid], None] | None = None,
) -> PeakPyramid:
    """The pyramid of the file *source*, from the *cache* .npz when it matches, else built
    (and cached; *focus* and *on_partial* as in `build_pyramid`). Reopening a project then shows its waveform without decoding.

    The cache is trusted only if it was built from a file of the same size and mtime;
    a cache that cannot be read is rebuilt, and one that cannot be written (read-only or
    full cache folder) is skipped: a waveform cache is never worth failing the view for.
    """
    key = source_fingerprint(source)
    try:
        cached = PeakPyramid.load(cache)
    except PeakCacheError:
        cached = None
    if cached is not None and cached.source_key == key:
        if progress is not None:
            progress(1.0)
        return cached
    pyramid = build_pyramid(
        source, progress=progress, cancel=cancel, source_key=key, focus=focus, on_partial=on_partial
    )
    with contextlib.suppress(WriteError):
        pyramid.save(cache)
    return pyramid
