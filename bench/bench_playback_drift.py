"""Audio/playhead drift over 60 s of play, and the player's memory with a 20-minute file.

Issue 13's goal: what the playhead shows stays within 30 ms of what is heard over a minute
of play (goal <= 30 ms drift), and the app stays under 150 MB with a 20-minute
soundtrack. A private PulseAudio with a null sink plays; parec records its monitor; each
0.2 s window of the recording is located in the file by cross-correlation and compared
with the playhead the player showed at that moment (tests/sound_server.py). The player
runs in a child process (tests/player_probe.py) playing 60 s from the middle of a
20-minute pink-noise MP3; its peak RSS is printed next to a bare QApplication's
(the baseline measured in the same run). Numbers are noisy on a loaded machine.

Run: python bench/bench_playback_drift.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from muzaic_studio.audio.decode import decode
from muzaic_studio.audio.ffmpeg import run_ffmpeg
from tests.sound_server import Recorder, SoundServer, analyse, missing_reason, run_player

GOAL_DRIFT_MS = 30.0
GOAL_RSS_MB = 150.0
FILE_SECONDS = 1200
FROM, PLAY = 600.0, 60.0


def bare_qt_rss_mb() -> float:
    code = (
        "from PySide6.QtWidgets import QApplication; from pathlib import Path; a = QApplication([]);"
        "s = dict(l.split(':', 1) for l in Path('/proc/self/status').read_text().splitlines());"
        "print(int(s['VmHWM'].split()[0]) / 1024)"
    )
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    return float(subprocess.run([sys.executable, "-c", code], env=env, capture_output=True,
                                text=True, check=True).stdout)  # fmt: skip


def main() -> int:
    reason = missing_reason()
    if reason:
        print(f"bench_playback_drift: skipped, {reason}")
        return 0
    with tempfile.TemporaryDirectory(prefix="bench-playback-") as tmp:
        folder = Path(tmp)
        audio = folder / "twenty-minutes.mp3"
        run_ffmpeg(["-f", "lavfi", "-i", f"anoisesrc=d={FILE_SECONDS}:c=pink:r=44100:a=0.25:seed=3",
                    "-ac", "2", "-c:a", "libmp3lame", "-b:a", "192k", "-y", str(audio)])  # fmt: skip
        server = SoundServer(folder / "pulse")
        server.start()
        try:
            script = [[0.3, "play", FROM], [PLAY + 3.0, "pause", None], [PLAY + 3.5, "quit", None]]
            with Recorder(server) as recorder:
                result = run_player(server, audio, FILE_SECONDS, script, folder / "log.json")
            recording, times = recorder.result()
        finally:
            server.stop()
        origin = FROM - 2.0
        reference = decode(audio, start=origin, end=FROM + PLAY + 5).samples
        reference = reference.astype(np.float32).mean(axis=1)
        windows = analyse(recording, times, reference, result["log"], step=0.5, origin=origin)
        heard = [w for w in windows if w.playing and w.heard is not None and w.corr >= 0.8]
        if len(heard) < 20:
            print(f"bench_playback_drift: too little was heard ({len(heard)} windows)")
            return 1
        errors = np.array([w.error for w in heard]) * 1000
        span = heard[-1].t - heard[0].t
        first, last = np.median(errors[:10]), np.median(errors[-10:])
        drift = abs(last - first)
        bare = bare_qt_rss_mb()
        print(
            f"playback over {span:.0f} s ({len(heard)} windows located): playhead - heard "
            f"{first:+.1f} ms at the start, {last:+.1f} ms at the end, worst {np.abs(errors).max():.1f} ms; "
            f"drift {drift:.1f} ms (goal <= {GOAL_DRIFT_MS:.0f} ms, ratio {drift / GOAL_DRIFT_MS:.2f})"
        )
        print(
            f"player process peak RSS with a {FILE_SECONDS // 60}-minute MP3 playing: "
            f"{result['rss_peak_mb']:.0f} MB (bare QApplication {bare:.0f} MB, "
            f"ratio {result['rss_peak_mb'] / bare:.2f}; app goal < {GOAL_RSS_MB:.0f} MB)"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
