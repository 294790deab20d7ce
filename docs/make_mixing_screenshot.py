"""Regenerate docs/video_layout.png: the video layout with fades, a transition and markers.

    Xvfb :99 -screen 0 1920x1080x24 &  DISPLAY=:99 .venv/bin/python docs/make_mixing_screenshot.py

(with a display the video frame is captured; offscreen, the video area stays empty).

Runs the real app in a throw-away home folder: the demo project gets a test-card video
(made here with ffmpeg), region gains and fades, a transition, two markers; it is
rendered with the offline engine and shown in View > Video Layout.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "xcb" if os.environ.get("DISPLAY") else "offscreen")
HOME = tempfile.mkdtemp(prefix="muzaic-shot-")
os.environ["MUZAIC_STUDIO_HOME"] = HOME
os.environ.pop("MUZAIC_API_KEY", None)
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"

from PySide6.QtCore import QEventLoop, QTimer

from muzaic_studio.audio.ffmpeg import run_ffmpeg
from muzaic_studio.model.mix import RegionMix
from muzaic_studio.ui.timeline import markers
from muzaic_studio.ui.app import make_app, open_window
from muzaic_studio.ui.mix_edits import edit_mix, edit_transition

ROOT = Path(__file__).resolve().parent.parent


def wait(signal=None, ms: int = 30_000) -> None:
    loop = QEventLoop()
    if signal is not None:
        signal.connect(lambda *_: loop.quit())
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main() -> int:
    video = Path(HOME) / "scene.mp4"
    run_ffmpeg(["-f", "lavfi", "-i", "testsrc2=size=960x540:rate=25:duration=60",
                "-c:v", "libx264", "-pix_fmt", "yuv420p", "-y", str(video)], timeout=300)  # fmt: skip
    app = make_app(sys.argv[:1])
    window = open_window(str(ROOT / "muzaic_studio" / "data" / "demo.muzaic"))
    window.files.maybe_save = lambda: True
    window.resize(1600, 940)
    window.move(0, 0)
    window.show()
    window.after_show()
    wf = window.render_workflow
    if wf.backends.backend is None:
        wait(wf.backends.backendChanged)
    vw = window.video_workflow
    vw.load_video(video, new_import=True)
    wait(ms=3000)
    doc = window.doc
    opening, build, _breath, theme, reprise = doc.project.sorted_regions()
    edit_mix(doc, [opening.uid], "mix", lambda m, r: RegionMix(fade_in=4.0, fade_in_shape="log"))
    edit_transition(doc, opening.uid, build.uid, 2.5)
    edit_mix(doc, [theme.uid], "mix", lambda m, r: RegionMix(gain_db=-6.0, fade_out=3.0))
    edit_mix(doc, [reprise.uid], "mix",
             lambda m, r: RegionMix(gain_db=3.0, fade_out=6.0, fade_out_shape="equal-power"))  # fmt: skip
    markers.add_marker(doc, 21.0, "Door slam")
    markers.add_marker(doc, 41.5, "Chase")
    if not wf.render(False):
        print(f"render did not start: {window.message_bar.text}", file=sys.stderr)
        return 1
    wait(wf.controller.finished)
    window.video_layout.action.trigger()
    window.message_bar.hide()
    doc.select([theme.uid])
    doc.set_playhead(12.0)
    window.timeline.zoom_to_fit()
    media = vw.dock_widget.media
    if media is not None:  # show a frame: a paused player paints only after it played
        media.play()
        wait(ms=700)
        media.pause()
    doc.set_playhead(11.0)
    wait(ms=300)
    doc.set_playhead(12.0)  # a change, so the paused picture seeks to it
    wait(ms=1500)
    target = ROOT / "docs" / "video_layout.png"
    # From the screen, not window.grab(): the video is drawn by a native child surface.
    shot = window.screen().grabWindow(0, window.x(), window.y(), window.width(), window.height())
    if shot.isNull() or os.environ.get("QT_QPA_PLATFORM") == "offscreen":
        shot = window.grab()
    shot.save(str(target))
    print(f"wrote {target}")
    wf.shutdown()
    vw.shutdown()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
