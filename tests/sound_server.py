"""A private PulseAudio with a null sink, a timestamped recorder of what it plays, and the
analysis that says which part of a file is heard when (playback tests and bench).

Why a child process plays (`tests/player_probe.py`): Qt connects to the sound server
once per process, when QtMultimedia is first used, and the rest of the suite has by then
run without any server. A child started with this server's environment sees it from
its first line, and the suite's own process stays without audio output.

Like a desktop's (through rtkit), the server asks for real-time priority; here that works
as root (CI) and is ignored otherwise.

Timing: parec is read on a thread and every chunk is stamped with time.monotonic() on
arrival (CLOCK_MONOTONIC is shared by all processes), so "the sound server played file
second S at monotonic time t" can be compared with the child's log of "the playhead said
P at monotonic time t". A recorded window is located in the file by normalised
cross-correlation around where the playhead says it should be.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

RATE = 44100
SINK = "studio"
ROOT = Path(__file__).resolve().parent.parent


def missing_reason() -> str | None:
    """Why this machine cannot run a private sound server (None: it can)."""
    for tool in ("pulseaudio", "pactl", "parec"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed (Debian: pulseaudio pulseaudio-utils)"
    return None


class SoundServer:
    """PulseAudio in *runtime_dir* with one null sink; started and stopped by its own pid."""

    def __init__(self, runtime_dir: Path) -> None:
        self.dir = Path(runtime_dir)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.dir.chmod(0o700)
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def env(self) -> dict[str, str]:
        """Environment for a client of this server (and no other)."""
        env = dict(os.environ)
        env["XDG_RUNTIME_DIR"] = str(self.dir)
        env["PULSE_SERVER"] = f"unix:{self.dir / 'pulse' / 'native'}"
        env.pop("PULSE_SINK", None)
        return env

    def start(self, timeout: float = 15.0) -> None:
        env = self.env
        env["HOME"] = str(self.dir)  # its cookie and state stay in the private dir
        env.pop("PULSE_SERVER")
        self.proc = subprocess.Popen(
            [
                "pulseaudio", "--daemonize=no", "-n", "--exit-idle-time=-1",
                "--high-priority=yes", "--realtime=yes",
                "--disallow-exit", "--use-pid-file=no", "--log-target=stderr",
                f"--load=module-null-sink sink_name={SINK}",
                "--load=module-native-protocol-unix auth-anonymous=1",
            ],
            env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
            stderr=open(self.dir / "pulseaudio.log", "wb"),  # noqa: SIM115 (closed with the child)
        )  # fmt: skip
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                log = (self.dir / "pulseaudio.log").read_text(errors="replace")
                raise RuntimeError(f"pulseaudio exited at start: {log[-800:]}")
            ok = subprocess.run(["pactl", "info"], env=self.env, capture_output=True, check=False)
            if ok.returncode == 0:
                return
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"pulseaudio did not answer within {timeout:.0f} s")

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=5)
        self.proc = None


class Recorder:
    """Records the null sink's monitor (what is played) with arrival timestamps."""

    def __init__(self, server: SoundServer) -> None:
        self.server = server
        self._chunks: list[tuple[float, bytes]] = []
        self._proc: subprocess.Popen[bytes] | None = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Recorder:
        self._proc = subprocess.Popen(
            ["parec", "-d", f"{SINK}.monitor", "--format=s16le", f"--rate={RATE}",
             "--channels=2", "--latency-msec=10"],
            env=self.server.env, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        self._thread = threading.Thread(target=self._read, daemon=True)
        self._thread.start()
        return self

    def _read(self) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        while True:
            data = self._proc.stdout.read(1764)  # 10 ms
            if not data:
                return
            self._chunks.append((time.monotonic(), data))

    def __exit__(self, *exc: object) -> None:
        assert self._proc is not None and self._thread is not None
        self._proc.terminate()
        self._proc.wait(timeout=5)
        self._thread.join(timeout=5)

    def result(self) -> tuple[np.ndarray, np.ndarray]:
        """(mono float samples, monotonic time each sample was played).

        A monitor delivers in bursts and may deliver nothing while its sink is idle, so
        the stream is cut into runs without gaps, and each run is timed by its least
        delayed chunk (arrival time minus the frames received up to it).
        """
        data = b"".join(chunk for _, chunk in self._chunks)
        pcm = np.frombuffer(data[: len(data) // 4 * 4], dtype=np.int16).reshape(-1, 2)
        sizes = np.array([len(chunk) // 4 for _, chunk in self._chunks])
        ends = np.cumsum(sizes)
        delay = np.array([t for t, _ in self._chunks]) - ends / RATE
        times = np.empty(len(pcm))
        run_start, low = 0, delay[0] if len(delay) else 0.0
        for i in range(len(delay) + 1):
            gap = i == len(delay) or delay[i] > low + 0.05
            if gap:
                first = ends[run_start] - sizes[run_start]
                last = ends[i - 1] if i else 0
                times[first:last] = low + np.arange(first, last) / RATE
                if i < len(delay):
                    run_start, low = i, delay[i]
            else:
                low = min(low, delay[i])
        return pcm.astype(np.float32).mean(axis=1), times


#: A thread asleep for 10 ms woken this late (seconds) means the whole machine stood still.
STALL = 0.5
#: Takes made at most when the machine stalls during some (each is ~20 s of playback).
MAX_TAKES = 8


class StallWatch:
    """The longest the machine stood still while it watched: a thread sleeping 10 ms at a
    time notes the longest gap between its wake-ups.

    Under load the suite's 2-core VM is throttled as a whole: two sleeping processes, at
    nice -15 and 0, both saw 7.9 s pass at once. The sound server, parec and the player
    stop together, the player's queued commands (seek, loop, pause) then fire at once,
    and such a take says nothing about the player. A player that stalls on its own (gaps
    in its log) while the machine runs is still recorded and judged."""

    def __init__(self, tick: float = 0.01) -> None:
        self.tick = tick
        self.longest = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._watch, daemon=True, name="stall-watch")

    def _watch(self) -> None:
        last = time.monotonic()
        while not self._stop.wait(self.tick):
            now = time.monotonic()
            self.longest = max(self.longest, now - last - self.tick)
            last = now

    def __enter__(self) -> StallWatch:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)


def record_take(
    server: SoundServer, audio: Path, duration: float, script: list[Any], out: Path
) -> tuple[dict[str, Any], tuple[np.ndarray, np.ndarray]] | None:
    """One scripted playback (`run_player`) and its recording (`Recorder.result`); None
    when the machine stalled during it (`StallWatch`): make another take."""
    with StallWatch() as watch, Recorder(server) as recorder:
        result = run_player(server, audio, duration, script, out)
    if watch.longest > STALL:
        print(f"the machine stood still for {watch.longest:.1f} s during a take: retaken")
        return None
    return result, recorder.result()


def run_player(
    server: SoundServer, audio: Path, duration: float, script: list[Any], out: Path
) -> dict[str, Any]:
    """Run `tests/player_probe.py` against *server*; its JSON log (see that file)."""
    env = server.env
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["PYTHONPATH"] = os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")])
    cmd = [sys.executable, str(ROOT / "tests" / "player_probe.py"), str(audio), str(duration),
           json.dumps(script), str(out)]  # fmt: skip
    proc = subprocess.run(
        cmd, env=env, capture_output=True, timeout=240, check=False, preexec_fn=_foreground
    )
    if proc.returncode != 0:
        raise RuntimeError(f"player probe failed: {proc.stderr.decode(errors='replace')[-1500:]}")
    return json.loads(out.read_text())


def _foreground() -> None:
    """Give the player the priority a desktop gives the app in front (root only; else
    it runs as is): the suite often shares 2 cores with a dozen busy processes, where
    Qt's PulseAudio thread, which keeps only 23 ms queued in the server, is starved
    long enough for the sound to drop out whatever the player does."""
    with contextlib.suppress(OSError):
        os.nice(-15)


@dataclass(frozen=True)
class Window:
    t: float  # monotonic time of the window's start
    playhead: float  # what the player said then (seconds of the file)
    playing: bool
    heard: float | None  # file second found in the recording (None: silent)
    corr: float
    rms: float

    @property
    def error(self) -> float:
        """Playhead minus what was heard, seconds."""
        return self.playhead - (self.heard if self.heard is not None else np.nan)


def analyse(
    recording: np.ndarray, times: np.ndarray, reference: np.ndarray, log: list[list[Any]],
    *, window: float = 0.2, step: float = 0.1, search: float = 1.0, origin: float = 0.0,
) -> list[Window]:  # fmt: skip
    """Locate every *window* s of the recording in *reference* (mono, same rate, starting
    at file second *origin*)."""
    stamps = np.array([row[0] for row in log])
    heads = np.array([row[1] for row in log])
    playing = [bool(row[2]) for row in log]
    n = int(window * RATE)
    out: list[Window] = []
    for k in range(0, len(recording) - n, int(step * RATE)):
        t = float(times[k])
        if t < stamps[0] or t > stamps[-1]:
            continue
        # between the two samples of the playhead around t; across a jump (seek, wrap)
        # the earlier one, run on while playing
        i = max(0, int(np.searchsorted(stamps, t, side="right")) - 1)
        j = min(i + 1, len(stamps) - 1)
        span, moved = stamps[j] - stamps[i], heads[j] - heads[i]
        if j > i and span > 0 and abs(moved - (span if playing[i] else 0.0)) < 0.03:
            head = float(heads[i] + moved * (t - stamps[i]) / span)
        else:
            head = float(heads[i]) + (min(t - stamps[i], 0.05) if playing[i] else 0.0)
        seg = recording[k : k + n]
        rms = float(np.sqrt(np.mean(seg**2)))
        a = max(0, int((head - origin - search) * RATE))
        ref = reference[a : int((head - origin + search) * RATE) + n]
        if rms < 1.0 or len(ref) < n:
            out.append(Window(t, head, playing[i], None, 0.0, rms))
            continue
        norm = normalised_xcorr(ref, seg)
        j = int(np.argmax(norm))
        out.append(Window(t, head, playing[i], origin + (a + j) / RATE, float(norm[j]), rms))
    return out


def normalised_xcorr(ref: np.ndarray, seg: np.ndarray) -> np.ndarray:
    """Correlation of *seg* with every same-length slice of *ref*, in [-1, 1] (FFT)."""
    n, size = len(seg), 1 << int(np.ceil(np.log2(len(ref) + len(seg))))
    spec = np.fft.rfft(ref, size) * np.conj(np.fft.rfft(seg, size))
    corr = np.fft.irfft(spec, size)[: len(ref) - n + 1]
    power = np.concatenate([[0.0], np.cumsum(ref.astype(np.float64) ** 2)])
    energy = np.sqrt(np.maximum(power[n:] - power[:-n], 0.0) * float(np.sum(seg**2))) + 1e-9
    return corr / energy


def locate(recording: np.ndarray, piece: np.ndarray, lo: int, hi: int) -> tuple[int, float]:
    """(index in *recording*, normalised correlation) of where *piece* best matches,
    searching starts in [lo, hi). Near-silent stretches of the recording (a stream not
    started yet, a dropout) never match: their correlation is 0, not noise divided by 0."""
    lo, hi = max(0, lo), min(len(recording), hi + len(piece))
    ref = recording[lo:hi].astype(np.float64)
    if len(ref) < len(piece):
        return lo, 0.0
    norm = normalised_xcorr(ref, piece.astype(np.float64))
    power = np.concatenate([[0.0], np.cumsum(ref**2)])
    energy = power[len(piece) :] - power[: -len(piece)]
    norm[energy < 1e-4 * float(np.sum(piece.astype(np.float64) ** 2))] = 0.0
    best = int(np.argmax(norm))
    return lo + best, float(norm[best])


def test_signal(seconds: float, seed: int = 7) -> np.ndarray:
    """Stereo float samples no window of which looks like another: random notes over a
    quiet noise floor (never silent, so every window can be located)."""
    rng = np.random.default_rng(seed)
    total = int(seconds * RATE)
    out = 0.02 * rng.standard_normal(total)
    pos = 0
    while pos < total:
        length = int(rng.uniform(0.08, 0.3) * RATE)
        t = np.arange(min(length, total - pos)) / RATE
        freq = rng.uniform(150, 1500)
        out[pos : pos + len(t)] += 0.25 * np.sin(2 * np.pi * freq * t) * np.hanning(len(t))
        pos += length
    return np.stack([out, out * 0.8], axis=1)


test_signal.__test__ = False  # type: ignore[attr-defined]  # not a pytest test
