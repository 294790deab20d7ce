"""Whole-app memory with a 20-minute soundtrack loaded and its waveform on screen.

Goals: the running app (one process: Qt, the window, the player with the MP3, the peak
pyramid) with the soundtrack shown <= 150 MB RSS (issue 17), and its peak on the way
(the response body, the decode) <= 200 MB (issue 4). The render itself is not what is measured: a
backend that answers with a prepared 1200 s MP3 stands in for the server (the cloud's
generation runs elsewhere), so the numbers are those of the editor holding the result.
Baseline in the same run: a bare PySide6 window.

Run: python bench/bench_app_memory.py
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

GOAL_MB = 150.0  # RSS with the soundtrack shown (issue 17)
PEAK_GOAL_MB = 200.0  # the peak while rendering and decoding (issue 4)
SECONDS = 1200

CHILD = textwrap.dedent(
    """
    import os, sys, time
    from pathlib import Path

    def rss_mb():
        fields = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines())
        return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024

    from PySide6.QtCore import QEventLoop
    if sys.argv[1] == "bare":
        from PySide6.QtWidgets import QApplication, QMainWindow
        app = QApplication([]); w = QMainWindow(); w.resize(1400, 860); w.show()
        app.processEvents()
        print("RSS %.1f %.1f" % rss_mb()); sys.exit(0)

    from muzaic_studio.contract.result import Account, RenderResult
    from muzaic_studio.model import Project, Region
    from muzaic_studio.ui.app import make_app, open_window

    mp3_path = Path(sys.argv[2])
    seconds = float(sys.argv[3])

    class PreparedBackend:
        name = "offline"
        def render(self, request, cancel=None):
            # Read per call, as a response body would be: nothing else keeps the bytes alive.
            return RenderResult(mp3=mp3_path.read_bytes(), region_hashes=["%032x" % i for i, _ in enumerate(request["regions"])],
                                audio_duration=seconds, tokens_used=0)
        def tags(self):
            return {"tags": [], "tagsRelations": {}}
        def account(self):
            return Account(balance=None, used=None)

    project = Project(regions=[Region(t, 60.0, tags=[1]) for t in range(0, int(seconds), 60)])
    path = Path(sys.argv[4]); project.save(path)
    app = make_app()
    w = open_window(str(path)); w.resize(1400, 860); w.show()
    flow = w.render_workflow
    flow.use_backend(PreparedBackend(), "bench")
    def spin(until, limit=120):
        end = time.time() + limit
        while not until() and time.time() < end:
            app.processEvents(QEventLoop.AllEvents, 50)
        return until()
    spin(lambda: flow.controller.backend is not None)
    spin(lambda: bool(w.doc.regions))  # the project is read off the GUI thread
    flow.render(False)
    assert spin(lambda: w.doc.waveform is not None), "no waveform"
    w.timeline.zoom_to_fit()
    spin(lambda: False, 2.0)  # paint, player loaded
    w.grab()
    print("RSS %.1f %.1f" % rss_mb())
    """
)


def ffmpeg() -> str:
    import imageio_ffmpeg

    return imageio_ffmpeg.get_ffmpeg_exe()


def child(args: list[str]) -> tuple[float, float]:
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen")
    env.setdefault("MUZAIC_STUDIO_HOME", tempfile.mkdtemp(prefix="muzaic-bench-mem-"))
    out = subprocess.run(
        [sys.executable, "-c", CHILD, *args], capture_output=True, text=True, env=env, timeout=600
    )
    line = next((ln for ln in out.stdout.splitlines() if ln.startswith("RSS ")), None)
    if line is None:
        raise SystemExit(f"memory child failed:\n{out.stdout}\n{out.stderr[-2000:]}")
    _, now, peak = line.split()
    return float(now), float(peak)


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="muzaic-bench-mem-"))
    mp3 = work / "long.mp3"
    subprocess.run(
        [ffmpeg(), "-loglevel", "error", "-y", "-f", "lavfi", "-i",
         f"sine=f=220:d={SECONDS}:r=44100", "-f", "lavfi", "-i", f"anoisesrc=d={SECONDS}:a=0.1:r=44100",
         "-filter_complex", "[0][1]amix=2,aformat=channel_layouts=stereo", "-b:a", "192k", str(mp3)],
        check=True,
    )  # fmt: skip
    _, bare_peak = child(["bare"])
    now, peak = child(["app", str(mp3), str(SECONDS), str(work / "long.muzaic")])
    ok = now <= GOAL_MB and peak <= PEAK_GOAL_MB
    print(
        f"app.rss_20min_shown: {now:.0f} MB = {now / bare_peak:.1f}x a bare PySide6 window "
        f"({bare_peak:.0f} MB) goal <={GOAL_MB:.0f} MB: {'PASS' if now <= GOAL_MB else 'FAIL'}; "
        f"peak {peak:.0f} MB goal <={PEAK_GOAL_MB:.0f} MB: {'PASS' if peak <= PEAK_GOAL_MB else 'FAIL'}"
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
