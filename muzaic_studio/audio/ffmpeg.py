"""The one ffmpeg binary every audio and video job uses (from imageio-ffmpeg, no system install).

Also the MP3 encoder shared by the offline engine and exports: PCM goes in on a pipe and
MP3 bytes come back (through an anonymous temp file, see `encode_mp3` for why), and
`run_ffmpeg_job`, the runner for long jobs with progress, cancel and a watchdog.
"""

from __future__ import annotations

import contextlib
import functools
import queue
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Sequence
from typing import IO, TYPE_CHECKING

if TYPE_CHECKING:  # numpy is imported where PCM is touched: the GUI's start-up never needs it
    import numpy as np

#: Progress callbacks get a fraction in [0, 1]; they run on the worker thread that called us.
ProgressFn = Callable[[float], None]


class FFmpegError(RuntimeError):
    """ffmpeg failed; the message carries the last lines it printed, ``log`` all of them."""

    def __init__(self, message: str, log: str = "") -> None:
        super().__init__(message)
        self.log = log

    @classmethod
    def exited(cls, code: int, log: str) -> FFmpegError:
        """The error of an ffmpeg run that exited with *code*, having printed *log*."""
        tail = [ln for ln in log.strip().splitlines() if ln.strip()][-3:]
        return cls("ffmpeg failed: " + (" | ".join(tail) or f"exit {code}"), log)


@functools.cache
def ffmpeg_exe() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def run_ffmpeg(
    args: list[str], input_bytes: bytes | None = None, timeout: float | None = None
) -> bytes:
    """Run ffmpeg quietly with *args*; return stdout or raise FFmpegError with its stderr tail."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", *args]
    try:
        proc = subprocess.run(
            cmd, input=input_bytes, capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise FFmpegError(f"ffmpeg took longer than {timeout} s") from exc
    if proc.returncode != 0:
        raise FFmpegError.exited(proc.returncode, proc.stderr.decode("utf-8", "replace"))
    return proc.stdout


#: LAME's VBR quality ("V2") of every MP3 the offline engine makes. Measured on a 120 s
#: engine render against the 192 kbit/s CBR it replaced (both with the reservoir off):
#: 0.70x the encoding time (1.04 s vs 1.49 s on one core), 28.2 vs 26.4 dB SNR against
#: the source and 34.7 vs 28.1 dB segmental SNR (quiet passages get the bits they need,
#: loud ones up to 320 kbit/s), at 194 vs 192 kbit/s on average. The encode is the
#: larger part of "Render changes" (issue 17), so this is its largest single saving.
MP3_VBR_QUALITY = 2


def to_int16(samples: np.ndarray) -> np.ndarray:
    """Float samples in [-1, 1] (frames x channels) to interleavable int16, clipped."""
    import numpy as np

    if samples.dtype == np.int16:
        return samples
    return (np.clip(samples, -1.0, 1.0) * 32767.0).astype(np.int16)


def encode_mp3(
    samples: np.ndarray, rate: int = 44100, metadata: dict[str, str] | None = None
) -> bytes:
    """Encode (frames, channels) float or int16 samples to MP3 bytes via libmp3lame.

    PCM goes in on a pipe; the MP3 comes out into an anonymous temp file handed to ffmpeg
    as stdout and opened with the ``fd:`` protocol. Why not ``pipe:1``: on a pipe the mp3
    muxer cannot seek back to fill in its Xing/LAME frame, so the file carries no encoder
    delay/padding and every decoder plays ~1100 samples (25 ms) of extra silence before
    the music and up to a frame after it - the timeline would be off by 25 ms and a
    decoded render longer than requested. With the frame, a file decodes to exactly the
    frames that went in. The temp file costs ~1 ms (it lives in the page cache).
    """
    import numpy as np

    pcm = np.ascontiguousarray(to_int16(samples))
    channels = 1 if pcm.ndim == 1 else pcm.shape[1]
    cmd = mp3_command(rate, channels, metadata)
    with tempfile.TemporaryFile() as out:
        # a view of the samples, not pcm.tobytes(): a 20-minute stereo mix is 212 MB, and
        # a copy of it would double the encoder's peak memory
        proc = subprocess.run(
            # numpy's stubs give ndarray __buffer__ only for Python >= 3.12; it has one on 3.11
            cmd, input=memoryview(pcm).cast("B") if pcm.size else b"",  # type: ignore[arg-type]
            stdout=out, stderr=subprocess.PIPE, check=False,
        )  # fmt: skip
        if proc.returncode != 0:
            raise FFmpegError.exited(proc.returncode, proc.stderr.decode("utf-8", "replace"))
        out.seek(0)
        return out.read()


def mp3_command(rate: int, channels: int, metadata: dict[str, str] | None = None) -> list[str]:
    """The one MP3 encode command (`encode_mp3` and mp3_stream.Mp3Stream: the same bytes).

    LAME's variable bitrate at quality MP3_VBR_QUALITY, with the bit reservoir off: every
    frame then holds its own bits, so the frames of encoders that each did a segment can
    be joined (mp3_stream.py) into exactly what one encoder makes."""
    meta: list[str] = []
    for key, value in (metadata or {}).items():
        meta += ["-metadata", f"{key}={value}"]
    return [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error",
        "-f", "s16le", "-ar", str(rate), "-ac", str(channels), "-i", "pipe:0",
        "-c:a", "libmp3lame", "-q:a", str(MP3_VBR_QUALITY), "-reservoir", "0", "-write_xing", "1", *meta, "-f", "mp3", "fd:",
    ]  # fmt: skip


def _stderr_pump(stream: IO[bytes], lines: queue.Queue[str | None]) -> None:
    """Move ffmpeg's stderr into a queue line by line, so the caller can poll with timeouts."""
    try:
        for raw in iter(stream.readline, b""):
            lines.put(raw.decode("utf-8", "replace").rstrip("\r\n"))
    finally:
        lines.put(None)


def kill_process(proc: subprocess.Popen[bytes]) -> None:
    """Kill *proc* and reap it; safe to call twice or on a process that already exited."""
    if proc.poll() is None:
        proc.kill()
    with contextlib.suppress(subprocess.TimeoutExpired):  # a killed process exits at once
        proc.wait(timeout=5)


def run_ffmpeg_job(
    args: Sequence[str],
    *,
    duration: float | None = None,
    progress: ProgressFn | None = None,
    cancel: threading.Event | None = None,
    stdout: IO[bytes] | int | None = None,
    loglevel: str = "error",
    stall_timeout: float = 60.0,
) -> str:
    """Run a long ffmpeg job (export, loudness scan) with progress, cancel and a watchdog.

    Why not `run_ffmpeg`: that one blocks until ffmpeg ends, which is right for a 1 s
    encode but not for a 20-minute export the user watches and may cancel. Here ffmpeg
    reports ``-progress`` key=value lines on stderr (mixed with its log, which we keep);
    a pump thread queues them so this loop wakes every 0.1 s to honour *cancel* even when
    ffmpeg is silent, and kills ffmpeg if it prints nothing for *stall_timeout* seconds
    (progress comes every 0.2 s, so silence means a hang). *duration* (seconds of output)
    turns ``out_time_us`` into a fraction. Returns the log (without progress lines);
    raises FFmpegError on a non-zero exit and ``Cancelled`` (audio.errors) on cancel.
    """
    from muzaic_studio.audio.errors import Cancelled

    cmd = [
        ffmpeg_exe(), "-hide_banner", "-nostdin", "-nostats", "-loglevel", loglevel,
        "-progress", "pipe:2", "-stats_period", "0.2", *args,
    ]  # fmt: skip
    proc = subprocess.Popen(
        cmd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL if stdout is None else stdout,
        stderr=subprocess.PIPE,
    )
    assert proc.stderr is not None
    lines: queue.Queue[str | None] = queue.Queue()
    pump = threading.Thread(target=_stderr_pump, args=(proc.stderr, lines), daemon=True)
    pump.start()
    log: list[str] = []
    last_heard = time.monotonic()
    try:
        while True:
            if cancel is not None and cancel.is_set():
                raise Cancelled()
            try:
                line = lines.get(timeout=0.1)
            except queue.Empty:
                if time.monotonic() - last_heard > stall_timeout:
                    raise FFmpegError(
                        f"ffmpeg stopped responding for {stall_timeout:.0f} s", "\n".join(log)
                    ) from None
                continue
            last_heard = time.monotonic()
            if line is None:
                break
            key, sep, value = line.partition("=")
            if sep and key in _PROGRESS_KEYS:
                if key == "out_time_us" and progress is not None and duration:
                    try:
                        done = int(value) / 1e6
                    except ValueError:
                        continue
                    progress(min(1.0, max(0.0, done / duration)))
                continue
            log.append(line)
        rc = proc.wait()
    except BaseException:
        kill_process(proc)
        raise
    finally:
        pump.join(timeout=5)
        proc.stderr.close()
    text = "\n".join(log)
    if rc != 0:
        raise FFmpegError.exited(rc, text)
    if progress is not None:
        progress(1.0)
    return text


# Keys of ffmpeg's -progress report; every other stderr line is log.
_PROGRESS_KEYS = frozenset(
    {
        "bitrate", "total_size", "out_time_us", "out_time_ms", "out_time", "dup_frames",
        "drop_frames", "speed", "progress", "frame", "fps", "stream_0_0_q",
    }
)  # fmt: skip
