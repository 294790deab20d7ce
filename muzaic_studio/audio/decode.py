"""MP3 (or any audio ffmpeg reads) -> int16 samples, whole or as a bounded-memory stream.

Why a direct ffmpeg pipe and not pydub: ``pydub.AudioSegment.from_file`` shells out to
ffprobe for the stream layout (imageio-ffmpeg ships no ffprobe, so that path fails), writes
the input to a temp file, reads the whole PCM into one ``bytes`` and then copies it again
into an AudioSegment. For a 20-minute stereo soundtrack that is 212 MB of PCM held twice,
which alone breaks the 200 MB budget. One ffmpeg process writing ``-f s16le`` to a pipe,
read in fixed chunks with ``numpy.frombuffer``, has none of those costs: no temp file, no
ffprobe, one copy per chunk, and the reading overlaps ffmpeg's decoding (separate
process). The same binary (imageio-ffmpeg) is used, so no system ffmpeg is needed.

Bad input never hangs or crashes: the file is checked before ffmpeg runs (missing,
empty), ffmpeg's own verdict is translated into a sentence (not audio, no audio stream),
every wait has a timeout, ffmpeg is killed when a stream is closed early, and a file that
decodes shorter than its header promises, or that the decoder reports as damaged, raises
`DecodeError` instead of passing as a shorter soundtrack.
"""

from __future__ import annotations

import contextlib
import os
import queue
import re
import subprocess
import tempfile
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import numpy as np

from muzaic_studio.audio import ffmpeg_log
from muzaic_studio.audio.errors import DecodeError
from muzaic_studio.audio.ffmpeg import ffmpeg_exe, kill_process
from muzaic_studio.paths import readable_file_size

#: A file on disk or the encoded bytes themselves (e.g. the body of a render response).
Source = str | os.PathLike[str] | bytes | bytearray | memoryview

#: Frames per chunk of a stream: 2**17 frames = 512 KiB of stereo int16, 3 s at 44.1 kHz.
#: Big enough that per-chunk Python overhead vanishes next to ffmpeg's decoding, small
#: enough that a few chunks in flight cost nothing against the memory budget.
DEFAULT_CHUNK_FRAMES = 1 << 17

# Lines ffmpeg prints (at warning level) when the MP3 data is cut or corrupt. A rendered
# soundtrack is written by ffmpeg itself, so on our files any of these means damage.
_DAMAGE_PATTERNS = re.compile(
    r"filesize and duration do not match|invalid new backstep|Header missing|"
    r"incomplete frame|Error while decoding|Invalid data found|overread|"
    r"big_values too big|invalid block type|Truncat",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class AudioInfo:
    """What ffmpeg says about a file before decoding it."""

    rate: int
    channels: int
    #: Seconds according to the container/header; None when ffmpeg cannot tell (a pipe).
    duration: float | None
    #: True when *duration* comes from a header (Xing/Info frame count), False when ffmpeg
    #: estimated it from bitrate and file size (then it cannot reveal a truncated file).
    duration_exact: bool
    codec: str


@dataclass(frozen=True)
class Decoded:
    """A whole decoded clip: ``samples`` is (frames, channels) int16, C-contiguous."""

    samples: np.ndarray
    rate: int

    @property
    def channels(self) -> int:
        return int(self.samples.shape[1])

    @property
    def frames(self) -> int:
        return int(self.samples.shape[0])

    @property
    def duration(self) -> float:
        return self.frames / self.rate


def _is_bytes(source: Source) -> bool:
    return isinstance(source, bytes | bytearray | memoryview)


def _check_file(source: Source) -> Path | None:
    """Fail early and in words on a missing, unreadable or empty file; None for bytes."""
    if _is_bytes(source):
        if len(memoryview(source)) == 0:  # type: ignore[arg-type]
            raise DecodeError("The audio data is empty (0 bytes); the render returned nothing.")
        return None
    path = Path(source)  # type: ignore[arg-type]
    readable_file_size(path, "audio file", DecodeError)
    return path


def _name(source: Source) -> str:
    return "The audio data" if _is_bytes(source) else f"The audio file {Path(source)}"  # type: ignore[arg-type]


def _explain(source: Source, log: str) -> str:
    """Turn ffmpeg's stderr into one sentence a user can act on."""
    name = _name(source)
    if "No such file" in log:
        return f"{name} does not exist."
    if "Permission denied" in log:
        return f"{name} cannot be read: permission denied."
    if (
        "Invalid data found" in log
        or "Failed to find two consecutive" in log
        or "could not find codec" in log.lower()
    ):
        return f"{name} is not audio ffmpeg can read (damaged, or not an MP3)."
    tail = " | ".join(line.strip() for line in log.strip().splitlines()[-2:])
    return f"{name} could not be decoded ({tail or 'ffmpeg gave no reason'})."


def _input_args(source: Source) -> list[str]:
    return ["-i", "fd:"] if _is_bytes(source) else ["-i", os.fspath(source)]  # type: ignore[arg-type]


def _spool(data: Source) -> IO[bytes]:
    """Bytes -> an anonymous temp file, given to ffmpeg as stdin and read with ``fd:``.

    Why not ``pipe:0``: ffmpeg can only trim an MP3's end padding (from the LAME frame)
    and read its header duration when the input seeks; from a pipe, decoded bytes come
    out up to a frame longer than the same file decoded from disk. The copy costs ~1 ms
    per MB and needs no feeder thread.
    """
    spool = tempfile.TemporaryFile()  # noqa: SIM115 - the caller owns and closes it
    spool.write(memoryview(data))  # type: ignore[arg-type]
    spool.seek(0)
    return spool


def probe(source: Source, timeout: float = 20.0) -> AudioInfo:
    """Read rate, channels and duration of the first audio stream (``ffmpeg -i`` parse).

    ffprobe is not shipped by imageio-ffmpeg, so this parses the input summary ffmpeg
    prints before it complains that no output was given. Costs one short process (~30 ms).
    """
    _check_file(source)
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", *_input_args(source)]
    with contextlib.ExitStack() as stack:
        stdin: IO[bytes] | int = subprocess.DEVNULL
        if _is_bytes(source):
            stdin = stack.enter_context(_spool(source))
        try:
            proc = subprocess.run(
                cmd, stdin=stdin, capture_output=True, timeout=timeout, check=False
            )
        except subprocess.TimeoutExpired as exc:
            raise DecodeError(
                f"{_name(source)}: ffmpeg did not answer within {timeout:.0f} s."
            ) from exc
    log = proc.stderr.decode("utf-8", "replace")
    return _parse_info(source, log)


def _parse_info(source: Source, log: str) -> AudioInfo:
    stream = ffmpeg_log.audio_stream(log)
    if stream is None or not stream.rate:
        if "Stream #" in log:
            raise DecodeError(f"{_name(source)} contains no audio stream.")
        raise DecodeError(_explain(source, log))
    duration = ffmpeg_log.duration(log)
    exact = duration is not None and "Estimating duration from bitrate" not in log
    return AudioInfo(
        rate=stream.rate,
        channels=stream.channels or 2,
        duration=duration,
        duration_exact=exact,
        codec=stream.codec,
    )


def probe_duration(source: Source) -> float:
    """Seconds of audio per the file header (estimated from bitrate for a plain CBR MP3)."""
    info = probe(source)
    if info.duration is None:
        raise DecodeError(f"{_name(source)}: ffmpeg cannot tell its duration.")
    return info.duration


#: Frames decoded and dropped before a range start (0.19 s at 44.1 kHz).
PREROLL_FRAMES = 8192


def range_args(start: float | None, end: float | None, rate: int) -> tuple[list[str], list[str]]:
    """ffmpeg input options and audio filters that cut [start, end) sample-exactly.

    Why not a bare ``-ss start``: ffmpeg's seek is sample-accurate in position, but the
    first MP3 frames decoded after a seek lack the bit reservoir and the MDCT overlap of
    the frames before them, so about 1800 samples (40 ms) at the start of the range come
    out wrong (measured: errors up to half scale against a whole-file decode). So we seek
    ``PREROLL_FRAMES`` earlier and drop exactly that many samples with ``atrim``: the
    range then equals the same span of a whole-file decode bit for bit. ``-to`` stays
    an input option (absolute file time), so the end is exact too.
    Returns (options to put before ``-i``, filters to put first in ``-af``).
    """
    before: list[str] = []
    filters: list[str] = []
    if start is not None and start > 0:
        first = round(start * rate)
        seek_frame = max(0, first - PREROLL_FRAMES)
        if seek_frame > 0:
            before += ["-ss", f"{seek_frame / rate:.9f}"]
        if first > seek_frame:
            filters.append(f"atrim=start_sample={first - seek_frame}")
    if end is not None:
        before += ["-to", f"{end:.9f}"]
    return before, filters


def put_unless_stopped(into: queue.Queue[Any], item: Any, stop: threading.Event) -> bool:
    """Put *item* into a bounded queue, waiting while it is full; False once *stop* is set.

    A producer thread (a decoder) must never block forever on a full queue whose consumer
    has gone: it looks at *stop* every 0.1 s.
    """
    while not stop.is_set():
        try:
            into.put(item, timeout=0.1)
            return True
        except queue.Full:
            continue
    return False


class PcmStream:
    """Decode in chunks: iterate to get (frames, channels) int16 blocks, in order.

    One ffmpeg process decodes to ``s16le`` on a pipe; a reader thread pulls exactly
    ``chunk_frames`` frames at a time (the last chunk may be shorter) into a queue of at
    most ``max_chunks_ahead`` chunks, so memory stays a few MB however long the file is,
    and ffmpeg keeps decoding while the consumer reduces the previous chunk. Every wait
    has a timeout (*stall_timeout*): a wedged ffmpeg is killed and reported, never waited
    on forever. Use as a context manager (or call `close`) to stop early: ffmpeg is killed.

    *start*/*end* (seconds) decode only that span, seeking in the file first (exactly
    the samples a whole decode has there, see `range_args`). With
    *strict* (default), a file the decoder reports as damaged, or one that decodes more
    than 1 % shorter than its header says, raises `DecodeError` when the stream ends, so
    a truncated render is never shown as a shorter soundtrack.
    """

    def __init__(
        self,
        source: Source,
        *,
        chunk_frames: int = DEFAULT_CHUNK_FRAMES,
        start: float | None = None,
        end: float | None = None,
        stall_timeout: float = 30.0,
        strict: bool = True,
        info: AudioInfo | None = None,
        max_chunks_ahead: int = 4,
    ) -> None:
        if chunk_frames <= 0:
            raise ValueError("chunk_frames must be positive")
        if start is not None and end is not None and end <= start:
            raise ValueError(f"empty time range [{start}, {end})")
        self.source = source
        self.info = info if info is not None else probe(source)
        self.rate = self.info.rate
        self.channels = self.info.channels
        self.chunk_frames = chunk_frames
        self.frames_read = 0
        self._start, self._end = start, end
        self._stall = stall_timeout
        self._strict = strict
        self._queue: queue.Queue[bytes | BaseException | None] = queue.Queue(max_chunks_ahead)
        self._stop = threading.Event()
        self._log: list[str] = []
        self._threads: list[threading.Thread] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._spool: IO[bytes] | None = None
        self._done = False

    # -- lifecycle -------------------------------------------------------------------
    def _launch(self) -> None:
        seek, filters = range_args(self._start, self._end, self.rate)
        if filters:
            filters = ["-af", ",".join(filters)]
        cmd = [
            ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "warning",
            *seek, *_input_args(self.source),
            "-map", "0:a:0", "-vn", *filters, "-ac", str(self.channels), "-f", "s16le",
            "-acodec", "pcm_s16le", "pipe:1",
        ]  # fmt: skip
        stdin: IO[bytes] | int = subprocess.DEVNULL
        if _is_bytes(self.source):
            self._spool = _spool(self.source)
            stdin = self._spool
        self._proc = subprocess.Popen(
            cmd, stdin=stdin, stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        proc = self._proc
        assert proc.stdout is not None and proc.stderr is not None
        _grow_pipe(proc.stdout)
        threads = [
            threading.Thread(target=self._read_stdout, args=(proc.stdout,), daemon=True),
            threading.Thread(target=self._read_stderr, args=(proc.stderr,), daemon=True),
        ]
        for thread in threads:
            thread.start()
        self._threads = threads

    def _put(self, item: bytes | BaseException | None) -> bool:
        return put_unless_stopped(self._queue, item, self._stop)

    def _read_stdout(self, stream: IO[bytes]) -> None:
        want = self.chunk_frames * self.channels * 2
        try:
            while not self._stop.is_set():
                data = stream.read(want)
                if not data:
                    break
                if not self._put(data):
                    return
        except BaseException as exc:  # delivered to the consumer, never lost in a thread
            self._put(exc)
            return
        self._put(None)

    def _read_stderr(self, stream: IO[bytes]) -> None:
        for raw in iter(stream.readline, b""):
            if len(self._log) < 200:
                self._log.append(raw.decode("utf-8", "replace").rstrip())

    def close(self) -> None:
        """Stop decoding now: kill ffmpeg and release its pipes. Idempotent."""
        self._stop.set()
        proc = self._proc
        if proc is not None:
            kill_process(proc)
            for thread in self._threads:
                thread.join(timeout=5)
            for pipe in (proc.stdout, proc.stderr):
                if pipe is not None:
                    with contextlib.suppress(OSError):
                        pipe.close()
        if self._spool is not None:
            self._spool.close()
        self._done = True

    def __enter__(self) -> PcmStream:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):
            self.close()

    # -- iteration -------------------------------------------------------------------
    def __iter__(self) -> Iterator[np.ndarray]:
        if self._done or self._proc is not None:
            raise RuntimeError("a PcmStream can be iterated only once")
        self._launch()
        try:
            yield from self._chunks()
        finally:
            self.close()

    def _chunks(self) -> Iterator[np.ndarray]:
        frame_bytes = self.channels * 2
        carry = b""
        while True:
            try:
                item = self._queue.get(timeout=self._stall)
            except queue.Empty:
                raise DecodeError(
                    f"{_name(self.source)}: ffmpeg produced nothing for {self._stall:.0f} s; stopped."
                ) from None
            if item is None:
                break
            if isinstance(item, BaseException):
                raise DecodeError(f"{_name(self.source)}: reading the decoder failed ({item}).")
            if carry:
                item, carry = carry + item, b""
            usable = len(item) - len(item) % frame_bytes
            if usable < len(item):
                carry = item[usable:]
            if usable == 0:
                continue
            block = np.frombuffer(item, dtype=np.int16, count=usable // 2)
            block = block.reshape(-1, self.channels)
            self.frames_read += block.shape[0]
            yield block
        self._finish()

    def _finish(self) -> None:
        """After EOF: ffmpeg's exit status and the damage/truncation checks."""
        assert self._proc is not None
        try:
            rc = self._proc.wait(timeout=self._stall)
        except subprocess.TimeoutExpired:
            raise DecodeError(f"{_name(self.source)}: ffmpeg did not exit; stopped.") from None
        for thread in self._threads:
            thread.join(timeout=5)
        log = "\n".join(self._log)
        if rc != 0:
            raise DecodeError(_explain(self.source, log))
        if self.frames_read == 0:
            raise DecodeError(f"{_name(self.source)} holds no audio samples.")
        if not self._strict:
            return
        if self._start is None and self._end is None:
            check_complete(self.source, self.info, self.frames_read)
        damage = [line for line in self._log if _DAMAGE_PATTERNS.search(line)]
        if damage:
            raise DecodeError(
                f"{_name(self.source)} is damaged or truncated (ffmpeg: {damage[0].strip()})."
            )


def check_complete(source: Source, info: AudioInfo, frames: int) -> None:
    """Raise `DecodeError` when a whole decode gave clearly less than the header's length."""
    if info.duration_exact and info.duration:
        got = frames / info.rate
        if got < info.duration * 0.99 - 0.05:
            raise DecodeError(
                f"{_name(source)} is incomplete: it holds {got:.1f} s of audio "
                f"but its header says {info.duration:.1f} s (truncated download or copy?)."
            )


def _grow_pipe(stream: IO[bytes]) -> None:
    """Let ffmpeg run up to 1 MiB ahead of us (Linux F_SETPIPE_SZ; 64 KiB by default).

    With the default pipe, ffmpeg blocks after 64 KiB whenever the consumer is busy with
    a chunk, so decoding and reducing would take turns instead of overlapping.
    """
    try:
        import fcntl

        fcntl.fcntl(stream.fileno(), getattr(fcntl, "F_SETPIPE_SZ", 1031), 1 << 20)
    except (ImportError, OSError, ValueError):
        pass


def iter_pcm(source: Source, **kwargs: Any) -> Iterator[np.ndarray]:
    """Generator form of `PcmStream` (same keyword arguments); closing it kills ffmpeg."""
    with PcmStream(source, **kwargs) as stream:
        yield from stream


def decode(
    source: Source,
    *,
    start: float | None = None,
    end: float | None = None,
    strict: bool = True,
    stall_timeout: float = 30.0,
) -> Decoded:
    """Decode all of *source* (or [start, end) seconds) into memory as int16 samples.

    Meant for clips and tests: a 20-minute stereo soundtrack is 212 MB this way, so long
    files go through `PcmStream` (peaks, loudness and exports all stream). Chunks are
    copied into one preallocated array grown by doubling, never held twice as a list.
    """
    stream = PcmStream(source, start=start, end=end, strict=strict, stall_timeout=stall_timeout)
    expected = 0
    if stream.info.duration:
        span_end = min(end, stream.info.duration) if end is not None else stream.info.duration
        expected = int((span_end - (start or 0.0)) * stream.rate) + stream.rate // 10
    out = np.empty((max(expected, stream.chunk_frames), stream.channels), dtype=np.int16)
    used = 0
    with stream:
        for block in stream:
            need = used + block.shape[0]
            if need > out.shape[0]:
                grown = np.empty((max(need, out.shape[0] * 2), stream.channels), dtype=np.int16)
                grown[:used] = out[:used]
                out = grown
            out[used:need] = block
            used = need
    return Decoded(samples=np.ascontiguousarray(out[:used]), rate=stream.rate)
