"""Regenerate docs/screenshot.png: the demo project rendered with the offline engine.

    QT_QPA_PLATFORM=offscreen .venv/bin/python docs/make_screenshot.py

Runs the real app (window, render workflow, offline engine, audio pipeline) in a
throw-away home folder, renders the demo, selects a region and grabs the window.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ["MUZAIC_STUDIO_HOME"] = tempfile.mkdtemp(prefix="muzaic-shot-")
os.environ.pop("MUZAIC_API_KEY", None)
os.environ["PYTHON_KEYRING_BACKEND"] = "keyring.backends.fail.Keyring"

from PySide6.QtCore import QEventLoop, QTimer

from muzaic_studio.ui.app import make_app, open_window

ROOT = Path(__file__).resolve().parent.parent


def wait(signal=None, ms: int = 30_000) -> None:
    loop = QEventLoop()
    if signal is not None:
        signal.connect(lambda *_: loop.quit())
    QTimer.singleShot(ms, loop.quit)
    loop.exec()


def main() -> int:
    app = make_app(sys.argv[:1])
    window = open_window(str(ROOT / "resources" / "demo.muzaic"))
    window.files.maybe_save = lambda: True
    window.resize(1440, 860)
    window.show()
    window.after_show()
    wf = window.render_workflow
    if wf.backends.backend is None:
        wait(wf.backends.backendChanged)
    if not wf.render(False):
        print(f"render did not start: {window.message_bar.text}", file=sys.stderr)
        return 1
    wait(wf.controller.finished)
    doc = window.doc
    regions = doc.project.sorted_regions()
    doc.select([regions[min(1, len(regions) - 1)].uid])
    doc.set_playhead(regions[min(1, len(regions) - 1)].time + 2.0)
    window.timeline.zoom_to_fit()
    wait(ms=400)
    target = ROOT / "docs" / "screenshot.png"
    window.grab().save(str(target))
    print(f"wrote {target}")
    wf.shutdown()
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
