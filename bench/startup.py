"""Shared by the benches that start the app: a real X display, bytecode, the bare window.

Not a bench itself (`make bench` runs bench_*.py only). Start-up is measured the way a
user meets it:

* on a real X server (Xvfb started here when DISPLAY is unset; offscreen only without
  Xvfb), since the offscreen platform skips the window system's part of a first paint;
* with the package's bytecode compiled, as an installed app has it (pip and PyInstaller
  compile it; a source checkout run with PYTHONDONTWRITEBYTECODE=1 would otherwise
  compile ~150 modules at every start);
* against a bare PySide6 window started the same way, to its first paint: the baseline
  of the ratio, measured in the same run with the runs interleaved.
"""

from __future__ import annotations

import compileall
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: A bare PySide6 main window, printing ``shown <time>`` at its first paint.
BARE = r"""
import sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QApplication, QMainWindow
app = QApplication(sys.argv[:1])
w = QMainWindow()
w.resize(1280, 780)
class Paint(QObject):
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            print(f"shown {time.time():.6f}", flush=True)
            QTimer.singleShot(0, app.quit)
        return False
w.installEventFilter(Paint(w))
w.show()
app.exec()
"""


def compile_bytecode() -> None:
    """Compile muzaic_studio's bytecode (once; later calls find it up to date)."""
    compileall.compile_dir(str(ROOT / "muzaic_studio"), quiet=1)


def display_env(prefix: str) -> tuple[dict[str, str], subprocess.Popen[bytes] | None, str]:
    """(environment with a real X display and a fresh app home, Xvfb to stop or None,
    where it runs): Xvfb is started here if DISPLAY is unset."""
    env = dict(os.environ, MUZAIC_STUDIO_HOME=tempfile.mkdtemp(prefix=prefix))
    env["PYTHONPATH"] = str(ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    if env.get("DISPLAY"):
        env["QT_QPA_PLATFORM"] = "xcb"
        return env, None, f"X display {env['DISPLAY']}"
    xvfb = shutil.which("Xvfb")
    if xvfb is None:
        env["QT_QPA_PLATFORM"] = "offscreen"
        return env, None, "offscreen (no Xvfb)"
    read, write = os.pipe()
    server = subprocess.Popen([xvfb, "-displayfd", str(write), "-screen", "0", "1920x1080x24"],
                              pass_fds=(write,), stderr=subprocess.DEVNULL)  # fmt: skip
    os.close(write)
    number = b""
    while not number.endswith(b"\n"):
        chunk = os.read(read, 16)
        if not chunk:
            break
        number += chunk
    os.close(read)
    env["DISPLAY"] = ":" + number.decode().strip()
    env["QT_QPA_PLATFORM"] = "xcb"
    return env, server, f"Xvfb {env['DISPLAY']} (started by the bench)"


def stop(server: subprocess.Popen[bytes] | None, env: dict[str, str]) -> None:
    """Stop the Xvfb `display_env` started (if any) and remove the app home."""
    if server is not None:
        server.terminate()
        server.wait()
    shutil.rmtree(env["MUZAIC_STUDIO_HOME"], ignore_errors=True)


def time_to_paint(env: dict[str, str], code: str, *args: str) -> float:
    """Seconds from starting ``python -c code args`` to the ``shown <time>`` it prints."""
    began = time.time()
    out = subprocess.run([sys.executable, "-c", code, *args], env=env, cwd=ROOT,
                         capture_output=True, text=True, timeout=120)  # fmt: skip
    shown = [line for line in out.stdout.splitlines() if line.startswith("shown ")]
    if not shown:
        raise RuntimeError(f"no window shown: {out.stderr[-2000:]}")
    return float(shown[-1].split()[1]) - began


def start_bare(env: dict[str, str]) -> float:
    """Seconds from starting a bare PySide6 window to its first paint."""
    return time_to_paint(env, BARE)
