"""What the GUI builds before its first paint (issue 17): the window with a project open,
without the libraries and widgets that only later steps need.

Run in a fresh interpreter: the test process has imported everything long ago."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

#: Built, not yet on screen: which heavy modules and inspector parts are loaded?
PROBE = """
import sys
from muzaic_studio.model import Project, Region
from muzaic_studio.ui.app import make_app, open_window

path = sys.argv[1]
Project(regions=[Region(0.0, 8.0, tags=[1, 2]), Region(8.0, 4.0, tags=[3])]).save(path)
app = make_app()
window = open_window(path)
heavy = ("numpy", "scipy", "requests", "urllib3", "keyring", "jsonschema", "PIL")
loaded = sorted({m.split(".")[0] for m in sys.modules if m.split(".")[0] in heavy}
                | {m for m in sys.modules if m.startswith(("PySide6.QtMultimedia",
                   "muzaic_studio.ui.inspector.sections", "muzaic_studio.api.cloud"))})
print("BEFORE", loaded, window.inspector.__dict__["form_built"])
window.show()
deadline = __import__("time").monotonic() + 20
while not window.inspector.__dict__["form_built"] and __import__("time").monotonic() < deadline:
    app.processEvents()
print("AFTER", window.inspector.__dict__["form_built"], window.message_bar.kind or "-")
"""


def test_a_clean_project_opens_without_heavy_imports_before_the_first_paint(tmp_path):
    env = dict(os.environ, QT_QPA_PLATFORM="offscreen", PYTHONPATH=str(REPO),
               MUZAIC_STUDIO_HOME=str(tmp_path / "home"))  # fmt: skip
    proc = subprocess.run([sys.executable, "-c", PROBE, str(tmp_path / "clean.muzaic")],
                          capture_output=True, text=True, cwd=REPO, env=env, timeout=120)  # fmt: skip
    lines = {
        ln.split()[0]: ln for ln in proc.stdout.splitlines() if ln.startswith(("BEFORE", "AFTER"))
    }
    assert "BEFORE" in lines and "AFTER" in lines, proc.stdout + proc.stderr[-3000:]
    # the schema check of the opened project, the inspector's form, the engine child, the
    # sound output and the keyring all wait until the window is on screen
    assert lines["BEFORE"] == "BEFORE [] False", lines["BEFORE"]
    # then the form is built, and the clean project gets no warning
    assert lines["AFTER"].split()[1] == "True" and "warning" not in lines["AFTER"]
