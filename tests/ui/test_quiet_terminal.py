"""Started from a terminal, the app does not print Qt Multimedia's chatter: FFmpeg's
"Input #0, mov,mp4..." dump of the previewed video and "Couldn't load pipewire-0.3
library" read like errors to a new user (trial of `make run`)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.video.conftest import make_cut_video

SCRIPT = """
import sys
from PySide6.QtCore import QTimer, QUrl
from muzaic_studio.ui.app import make_app

app = make_app()
from PySide6.QtMultimedia import QMediaPlayer  # as the app does: after make_app
player = QMediaPlayer()
loaded = []
def status(s):
    if s == QMediaPlayer.MediaStatus.LoadedMedia:
        loaded.append(s)
        app.quit()
player.mediaStatusChanged.connect(status)
player.setSource(QUrl.fromLocalFile(sys.argv[1]))
QTimer.singleShot(20_000, app.quit)
app.exec()
print("loaded" if loaded else "not loaded")
"""


def test_previewing_a_video_prints_nothing_to_the_terminal(tmp_path: Path):
    video = make_cut_video(tmp_path / "cuts.mp4")
    env = {k: v for k, v in os.environ.items() if k != "QT_LOGGING_RULES"}
    env["QT_QPA_PLATFORM"] = "offscreen"
    env["MUZAIC_STUDIO_HOME"] = str(tmp_path / "home")
    run = subprocess.run([sys.executable, "-c", SCRIPT, str(video)], capture_output=True,
                         text=True, env=env, timeout=120, check=False)  # fmt: skip
    assert run.stdout.strip() == "loaded", run.stderr
    assert "Input #0" not in run.stderr and "pipewire" not in run.stderr, run.stderr
