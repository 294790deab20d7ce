"""Export: the rendered soundtrack muxed into the video, the picture copied untouched.

``-c:v copy`` puts the original video packets into the new file, so the export takes
seconds, loses nothing and cannot shift a frame. Only the sound is made anew (AAC, which
all three containers and every player accept), in one of three ways:

- ``replace``: the music alone.
- ``mix``: the music plus the video's own sound, each at its own gain.
- ``duck``: like mix, but the music is pushed down wherever the original is loud (speech,
  effects): ``sidechaincompress`` compresses the music with the original as its sidechain,
  so the music dips under a voice and comes back in the pauses.

Every input is padded or trimmed to the video's duration (``apad``/``atrim``), so the new
sound is exactly as long as the picture whatever the render's length.

The file appears atomically: ffmpeg writes a hidden temp file next to the target (it must
seek back to finish an MP4/MOV, so it cannot stream into `atomic_writer`'s handle), which is
fsynced and renamed over the target only when ffmpeg succeeded; cancel or failure removes
it. Write failures are `WriteError` with the same user messages as project saves.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from muzaic_studio.atomic import WriteError, describe_os_error
from muzaic_studio.audio.ffmpeg import FFmpegError, ProgressFn, run_ffmpeg_job
from muzaic_studio.video.errors import VideoError
from muzaic_studio.video.probe import VideoInfo, probe

AUDIO_MODES = ("replace", "mix", "duck")
#: The title of the chapter before the first marker (see `chapters_metadata`).
OPENING = "Start"

#: Container -> (ffmpeg muxer, file suffix, video codecs it holds without re-encoding;
#: None = anything ffmpeg decodes). MP4 and MOV take the common delivery codecs; MKV is
#: the fallback that takes every codec.
CONTAINERS: dict[str, tuple[str, str, frozenset[str] | None]] = {
    "mp4": ("mp4", ".mp4", frozenset({"h264", "hevc", "av1", "vp9", "mpeg4", "mpeg2video", "mpeg1video"})),
    "mov": ("mov", ".mov", frozenset({"h264", "hevc", "mpeg4", "prores", "mjpeg", "mpeg2video", "dnxhd", "png", "qtrle"})),
    "mkv": ("matroska", ".mkv", None),
}  # fmt: skip

_SAMPLE_RATE = 48000
_FORMAT = f"aresample={_SAMPLE_RATE},aformat=sample_fmts=fltp:channel_layouts=stereo"
#: Ducking: compress the music by 8:1 above -30 dBFS of the original (RMS), attack 20 ms so
#: the first syllable is heard, release 400 ms so the music does not pump between words.
DUCK = "threshold=0.03:ratio=8:attack=20:release=400:makeup=1:detection=rms"


@dataclass(frozen=True)
class ExportOptions:
    container: str = "mp4"
    audio_mode: str = "replace"
    music_gain_db: float = 0.0
    original_gain_db: float = -3.0  # mix/duck: the video's own sound
    audio_bitrate: str = "192k"
    #: The project's regions: their client-side mix (gains, fades, transitions) is put
    #: into the video's music exactly as the audio export writes it (`audio.mix`).
    mix_regions: tuple[Any, ...] = ()
    #: (time s, title) chapters, e.g. the markers; replace the video's own chapters.
    chapters: tuple[tuple[float, str], ...] = ()


def containers_for(info: VideoInfo) -> list[str]:
    """Containers that can take this video's picture stream as it is, best first."""
    return [
        name
        for name, (_m, _s, codecs) in CONTAINERS.items()
        if codecs is None or info.video_codec in codecs
    ]


def default_container(info: VideoInfo) -> str:
    """The source's own container when it fits (an MOV stays MOV), else the first that does."""
    fitting = containers_for(info)
    suffix = info.path.suffix.lower().lstrip(".")
    own = {"m4v": "mp4", "webm": "mkv"}.get(suffix, suffix)
    return own if own in fitting else fitting[0]


def audio_filter(
    mode: str, duration: float, music_gain_db: float = 0.0, original_gain_db: float = 0.0
) -> str:
    """The -filter_complex graph for *mode*; input 0 is the video, 1 the soundtrack; out [aout]."""
    if mode not in AUDIO_MODES:
        raise ValueError(f"audio mode must be one of {AUDIO_MODES}, not {mode!r}")
    fit = f"apad=whole_dur={duration:.6f},atrim=end={duration:.6f}"
    music = f"[1:a:0]{_FORMAT},volume={music_gain_db:.2f}dB,{fit}"
    if mode == "replace":
        return f"{music},asetpts=N/SR/TB[aout]"
    orig = f"[0:a:0]{_FORMAT},volume={original_gain_db:.2f}dB,{fit}"
    out = "amix=inputs=2:duration=first:normalize=0,asetpts=N/SR/TB[aout]"
    if mode == "mix":
        return f"{orig}[orig];{music}[mus];[orig][mus]{out}"
    return (
        f"{orig},asplit=2[orig][key];{music}[mus];"
        f"[mus][key]sidechaincompress={DUCK}[ducked];[orig][ducked]{out}"
    )


def _check_inputs(
    video: Path, soundtrack: Path, target: Path, info: VideoInfo, opts: ExportOptions
) -> None:
    if opts.container not in CONTAINERS:
        raise ValueError(f"container must be one of {tuple(CONTAINERS)}, not {opts.container!r}")
    if opts.audio_mode not in AUDIO_MODES:
        raise ValueError(f"audio mode must be one of {AUDIO_MODES}, not {opts.audio_mode!r}")
    codecs = CONTAINERS[opts.container][2]
    if codecs is not None and info.video_codec not in codecs:
        raise VideoError(
            f"{opts.container.upper()} cannot hold this video's {info.video_codec} picture "
            f"without re-encoding it; export as {' or '.join(c.upper() for c in containers_for(info))}."
        )
    if opts.audio_mode != "replace" and not info.has_audio:
        raise VideoError(
            f"{video.name} has no sound of its own to {opts.audio_mode} with; choose Replace."
        )
    if not soundtrack.is_file() or soundtrack.stat().st_size == 0:
        raise VideoError("There is no rendered soundtrack to put into the video yet: render first.")
    with contextlib.suppress(OSError):
        if target.exists() and target.samefile(video):
            raise VideoError(
                "Choose another file name: exporting over the source video would replace the original."
            )


@functools.cache
def _file_mode() -> int:
    """What a plain new file gets here (mkstemp makes 0600, too private for a video)."""
    umask = os.umask(0o022)
    os.umask(umask)
    return 0o666 & ~umask


def _write_error(log: str, target: Path) -> WriteError | None:
    for code, needle in ((errno.ENOSPC, "No space left"), (errno.EACCES, "Permission denied")):
        if needle in log:
            return WriteError(code, describe_os_error(OSError(code, os.strerror(code)), target))
    return None


def export_video(
    video: str | os.PathLike[str],
    soundtrack: str | os.PathLike[str],
    target: str | os.PathLike[str],
    options: ExportOptions | None = None,
    *,
    info: VideoInfo | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
) -> Path:
    """Write *video* with *soundtrack* as its sound to *target*; return the target path.

    Raises VideoError (input problems, ffmpeg failures), WriteError (the target cannot be
    written; nothing was changed) or Cancelled. Call it from a worker thread.
    """
    opts = options or ExportOptions()
    src, music, out = Path(video), Path(soundtrack), Path(target)
    info = info or probe(src, max_duration=None)
    _check_inputs(src, music, out, info, opts)
    muxer = CONTAINERS[opts.container][0]
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    except OSError as exc:
        raise WriteError(exc.errno, describe_os_error(exc, out)) from exc
    os.close(fd)
    tmp = Path(tmp_name)
    music, extra_inputs, chapter_map, temps = _mix_and_chapters(
        music, out, opts, info.duration, cancel
    )
    args = [
        "-i", os.fspath(src), "-i", os.fspath(music), *extra_inputs,
        "-filter_complex", audio_filter(opts.audio_mode, info.duration, opts.music_gain_db, opts.original_gain_db),
        "-map", "0:v:0", "-map", "[aout]", "-c:v", "copy",
        "-c:a", "aac", "-b:a", opts.audio_bitrate, "-ar", str(_SAMPLE_RATE),
        "-map_metadata", "0", "-map_chapters", chapter_map,
    ]  # fmt: skip
    if muxer in ("mp4", "mov"):
        args += ["-movflags", "+faststart"]
    args += ["-f", muxer, "-y", os.fspath(tmp)]
    try:
        try:
            run_ffmpeg_job(args, duration=info.duration, progress=progress, cancel=cancel)
        except FFmpegError as exc:
            problem = _write_error(exc.log or str(exc), out)
            if problem is not None:
                raise problem from exc
            raise VideoError(f"Exporting the video failed: {exc}") from exc
        try:
            with tmp.open("rb+") as fh:
                os.fsync(fh.fileno())
            os.chmod(tmp, _file_mode())
            os.replace(tmp, out)
        except OSError as exc:
            raise WriteError(exc.errno, describe_os_error(exc, out)) from exc
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        for extra in temps:
            with contextlib.suppress(OSError):
                extra.unlink(missing_ok=True)
    return out


def chapters_metadata(chapters: tuple[tuple[float, str], ...], duration: float) -> str:
    """An ffmetadata text with one chapter per (start, title), each until the next.

    Before a first marker later than 0:00 comes an `OPENING` chapter: MP4 stretches its
    first chapter back to 0:00, which moved the first marker's chapter there."""

    def esc(text: str) -> str:
        return "".join("\\" + c if c in "=;#\\\n" else c for c in text)

    points = sorted((max(0.0, t), name) for t, name in chapters if t < duration)
    if points and points[0][0] >= 0.0005:  # a chapter starts on the millisecond
        points.insert(0, (0.0, OPENING))
    lines = [";FFMETADATA1"]
    for i, (t, name) in enumerate(points):
        end = points[i + 1][0] if i + 1 < len(points) else duration
        if end <= t:
            continue
        lines += ["[CHAPTER]", "TIMEBASE=1/1000", f"START={round(t * 1000)}",
                  f"END={round(end * 1000)}", f"title={esc(name)}"]  # fmt: skip
    return "\n".join(lines) + "\n"


def _mix_and_chapters(
    music: Path, out: Path, opts: ExportOptions, duration: float, cancel: Any
) -> tuple[Path, list[str], str, list[Path]]:
    """(music to use, extra ffmpeg inputs, the -map_chapters input, temp files to delete).

    With a non-flat mix the music is first written mixed to a temp WAV next to the target
    (the audio export's own code path); chapters go in as an ffmetadata input.
    """
    from muzaic_studio.audio.export import ExportOptions as AudioOptions
    from muzaic_studio.audio.export import export_audio

    temps: list[Path] = []
    if any(r.extra.get("mix") for r in opts.mix_regions):
        mixed = out.with_name(f".{out.name}.mix.wav")
        temps.append(mixed)
        export_audio(music, mixed, AudioOptions(format="wav", mix_regions=opts.mix_regions),
                     cancel=cancel)  # fmt: skip
        music = mixed
    if not opts.chapters:
        return music, [], "0", temps
    meta = out.with_name(f".{out.name}.chapters.txt")
    temps.append(meta)
    meta.write_text(chapters_metadata(opts.chapters, duration), "utf-8")
    return music, ["-f", "ffmetadata", "-i", os.fspath(meta)], "2", temps


def length_note(music_seconds: float | None, video_seconds: float) -> str | None:
    """What the export does to a soundtrack that is not as long as the picture, in the
    user's words, or None when they match (within a frame at 25 fps) or are unknown.

    Why: the export fits the sound to the video (``apad``/``atrim``), which silently cut an
    81 s score to a 40 s video; the dialog shows this before the user presses Export.
    """
    if music_seconds is None or video_seconds <= 0 or music_seconds <= 0:
        return None
    diff = music_seconds - video_seconds
    if abs(diff) < 0.04:
        return None
    music, video = _clock(music_seconds), _clock(video_seconds)
    if diff > 0:
        return (
            f"The soundtrack ({music}) is longer than the video ({video}): the export cuts "
            f"the music at the video's end, so the last {_clock(diff)} of music is not heard."
        )
    return (
        f"The soundtrack ({music}) is shorter than the video ({video}): the last "
        f"{_clock(-diff)} of the video has no music (silence, or only the video's own sound)."
    )


def _clock(seconds: float) -> str:
    """1:21 for 81 s; 40.5 s under a minute."""
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    return f"{whole // 60}:{whole % 60:02d}"
