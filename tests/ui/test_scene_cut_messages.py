"""What Detect Scene Cuts says when a video has no cut.

Found by a new user: a one-shot video answered, in green, "Found 0 scene cuts in
test.mp4; the timeline snaps to them." with a Regions from Scenes... button.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from muzaic_studio.audio.ffmpeg import run_ffmpeg
from tests.ui.test_video_workflow import WAIT, load, window  # noqa: F401  (fixture)


@pytest.fixture(scope="module")
def one_shot(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("oneshot") / "one shot.mp4"
    run_ffmpeg(["-y", "-f", "lavfi", "-i", "testsrc=size=160x120:rate=25:duration=2",
                "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", str(path)])  # fmt: skip
    return path


def test_no_cut_is_said_plainly_with_a_more_sensitive_try(window, qtbot, one_shot):  # noqa: F811
    wf = load(window, qtbot, one_shot)
    wf.scenes.set_threshold(0.3)  # Normal
    wf.scenes.detect_scenes()
    qtbot.waitUntil(lambda: wf.scenes.cuts is not None, timeout=WAIT)
    assert wf.scenes.cuts == []
    bar = window.message_bar
    assert "No scene cuts found in one shot.mp4" in bar.text
    assert bar.kind != "success" and "Found 0" not in bar.text
    assert bar.action_button.text() == "Try High Sensitivity"
    bar.action_button.click()
    qtbot.waitUntil(lambda: "even at high sensitivity" in bar.text, timeout=WAIT)
    assert wf.scenes.threshold == pytest.approx(0.18)
