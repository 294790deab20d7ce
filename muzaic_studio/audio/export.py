"""Export the rendered soundtrack (or a time range of it) as MP3, WAV or FLAC.

The rendered MP3 file is the source of truth: one ffmpeg process reads it, cuts the range
(seek with a preroll then ``atrim``, so a range holds exactly the samples a whole decode
has there - see `decode.range_args`), encodes and writes. Nothing passes through Python, so memory
is flat for any length.

Atomicity: the output goes through `muzaic_studio.atomic.atomic_writer`, the same helper
project saves use. ffmpeg writes straight into that helper's temp file, handed over as
its stdout and opened with ffmpeg's ``fd:`` protocol, which (unlike ``pipe:``) seeks when
the descriptor is a regular file - so the WAV/FLAC headers get their final sizes and the
MP3 gets its Xing/LAME frame (exact duration and gapless trim for players). On success
the temp file replaces the target; on a full disk, a read-only folder, an ffmpeg error or
a cancel, the temp file is removed and the target is untouched (an older export with that
name stays as it was). Full disk and permission problems surface as `WriteError` with the
shared user-facing wording.
"""

from __future__ import annotations

import errno
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from muzaic_studio.atomic import WriteError, atomic_writer, describe_os_error
from muzaic_studio.audio.decode import probe, range_args
from muzaic_studio.audio.errors import AudioError
from muzaic_studio.audio.ffmpeg import FFmpegError, run_ffmpeg_job
from muzaic_studio.audio.mix import MixPlan
from muzaic_studio.audio.mix_export import master_gain, measure_mixed, report_after, write_mixed

FORMATS = ("mp3", "wav", "flac")
MP3_BITRATES_KBPS = (128, 160, 192, 256, 320)


class ExportError(AudioError):
    """The export failed for a reason other than the destination (see WriteError)."""


@dataclass(frozen=True)
class ExportOptions:
    """What to write. Tags are written to MP3 (ID3v2.3), FLAC (Vorbis comments) and WAV
    (RIFF INFO: INAM/IART/ICMT); empty tags are left out."""

    format: str = "mp3"
    bitrate_kbps: int = 192
    start: float | None = None
    end: float | None = None
    title: str = ""
    artist: str = ""
    comment: str = ""
    extra_tags: dict[str, str] = field(default_factory=dict)
    #: The project's regions whose client-side mix (gain, fades, transitions) is applied
    #: (`audio.mix`); empty or all-flat exports the render untouched, through ffmpeg only.
    mix_regions: tuple[Any, ...] = ()
    #: Master loudness target in LUFS (e.g. -14), applied after the mix with a -1 dBTP
    #: true-peak limiter; None leaves the level as mixed.
    loudness_target: float | None = None

    def validate(self) -> None:
        if self.format not in FORMATS:
            raise ValueError(f"unknown export format {self.format!r}; choose one of {FORMATS}")
        if self.format == "mp3" and self.bitrate_kbps not in MP3_BITRATES_KBPS:
            raise ValueError(f"MP3 bitrate must be one of {MP3_BITRATES_KBPS} kbps")
        if self.start is not None and self.start < 0:
            raise ValueError("the export range cannot start before 0 s")
        if self.start is not None and self.end is not None and self.end <= self.start:
            raise ValueError(f"empty export range [{self.start}, {self.end})")


@dataclass(frozen=True)
class ExportResult:
    path: Path
    format: str
    duration: float
    size_bytes: int
    master: Any = None  # mix_export.MasterReport (before/after loudness) with a target


_CODEC_ARGS = {
    "mp3": ["-c:a", "libmp3lame", "-id3v2_version", "3", "-write_xing", "1"],
    "wav": ["-c:a", "pcm_s16le"],
    "flac": ["-c:a", "flac", "-sample_fmt", "s16", "-compression_level", "5"],
}


def _tags(options: ExportOptions) -> list[str]:
    tags = {"title": options.title, "artist": options.artist, "comment": options.comment}
    tags.update(options.extra_tags)
    args: list[str] = []
    for key, value in tags.items():
        if value:
            args += ["-metadata", f"{key}={value}"]
    return args


def _destination_error(exc: FFmpegError, target: Path) -> WriteError | None:
    """Map ffmpeg's words for a failing write to the shared WriteError wording."""
    text = f"{exc}\n{exc.log}"
    for needle, code in (
        ("No space left on device", errno.ENOSPC),
        ("Disk quota exceeded", errno.ENOSPC),
        ("Read-only file system", errno.EROFS),
        ("Permission denied", errno.EACCES),
        ("File too large", errno.EFBIG),
    ):
        if needle in text:
            err = OSError(code, os.strerror(code))
            return WriteError(code, describe_os_error(err, target))
    return None


def export_audio(
    source: str | os.PathLike[str],
    target: str | os.PathLike[str],
    options: ExportOptions | None = None,
    *,
    progress: Callable[[float], None] | None = None,
    cancel: threading.Event | None = None,
) -> ExportResult:
    """Write *source* (the rendered MP3) to *target* per *options*; atomic; on a worker.

    Raises DecodeError (unreadable source), WriteError (full disk, read-only folder,
    missing folder), ``Cancelled`` (cancel was set; nothing written) or ExportError.
    *progress* receives fractions in [0, 1] about five times a second.
    """
    options = options or ExportOptions()
    options.validate()
    target = Path(target)
    info = probe(source)
    total = info.duration
    start = options.start or 0.0
    end = options.end
    if total is not None:
        if start >= total:
            raise ValueError(
                f"the export range starts at {start:.2f} s, after the end ({total:.2f} s)"
            )
        end = min(end, total) if end is not None else total
    span = (end - start) if end is not None else None

    mixed = _mixed_export(source, options, info.rate, cancel)
    seek, filters = range_args(options.start, options.end, info.rate)
    if filters:
        filters = ["-af", ",".join(filters)]
    bitrate = ["-b:a", f"{options.bitrate_kbps}k"] if options.format == "mp3" else []
    encode = [*_CODEC_ARGS[options.format], *bitrate, *_tags(options), "-f", options.format, "fd:"]
    args = [
        *seek, "-i", os.fspath(source), "-map", "0:a:0", "-vn", "-map_metadata", "-1", *filters,
        *encode,
    ]  # fmt: skip
    with atomic_writer(target) as fh:  # a new file gets 0666 minus umask, an old keeps its mode
        try:
            if mixed is None:
                run_ffmpeg_job(args, duration=span, progress=progress, cancel=cancel, stdout=fh)
            else:
                write_mixed(
                    source, mixed[0], encode, fh, start=options.start, end=options.end,
                    span=span, gain_db=mixed[1], limit=mixed[2], progress=progress, cancel=cancel,
                    info=info,
                )  # fmt: skip
        except FFmpegError as exc:
            mapped = _destination_error(exc, target)
            if mapped is not None:
                raise mapped from exc
            raise ExportError(f"Export to {target} failed: {exc}") from exc
    master = None
    if mixed is not None and mixed[3] is not None:
        master = report_after(target, mixed[1], mixed[3])
    return ExportResult(
        path=target,
        format=options.format,
        duration=span if span is not None else 0.0,
        size_bytes=target.stat().st_size,
        master=master,
    )


def _mixed_export(
    source: str | os.PathLike[str],
    options: ExportOptions,
    rate: int,
    cancel: threading.Event | None,
) -> tuple[Any, float, bool, Any] | None:
    """(plan, master gain dB, limit?, loudness before) when the export needs the mix path.

    None keeps the plain ffmpeg path: no mix and no loudness target change nothing.
    """
    plan = MixPlan.from_regions(options.mix_regions, rate)
    if plan.is_flat and options.loudness_target is None:
        return None
    if options.loudness_target is None:
        return plan, 0.0, False, None
    before = measure_mixed(source, plan, start=options.start, end=options.end, cancel=cancel)
    return plan, master_gain(before, options.loudness_target), True, before
