"""Self-test for a built app: start the GUI, check it, quit on a timer.

Set ``MUZAIC_STUDIO_QUIT_AFTER_MS=<ms>`` and start the app normally (the packaging smoke
test does this with ``QT_QPA_PLATFORM=offscreen``). `install(window)` is called by
`app_extras.install_app_extras`; when the variable is set it arms a single-shot timer
that, once the event loop has run that long, checks what a broken build gets wrong:

* the main window was shown (the app got past start-up without an exception dialog);
* QtMultimedia has a backend (the ffmpeg media plugin and its libav* libraries were
  bundled and load), i.e. playback can work in the packaged app;

prints one ``muzaic-studio smoke: ...`` line to stdout and quits with exit code 0 if both
hold, otherwise 3 (no window) or 4 (no multimedia backend). Without the variable nothing
happens, so the hook costs nothing in normal use.
"""

from __future__ import annotations

import json
import os
import sys

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QWidget

ENV = "MUZAIC_STUDIO_QUIT_AFTER_MS"
EXIT_NO_WINDOW = 3
EXIT_NO_MULTIMEDIA = 4


def quit_after_ms() -> int | None:
    """The delay from the environment, or None when the self-test is off or malformed."""
    raw = os.environ.get(ENV, "").strip()
    if not raw:
        return None
    try:
        value = int(raw)
    except ValueError:
        print(f"muzaic-studio smoke: ignoring {ENV}={raw!r} (not an integer)", file=sys.stderr)
        return None
    return max(0, value)


def multimedia_status() -> tuple[bool, str]:
    """(backend available, description) for QtMultimedia in this process."""
    try:
        from PySide6.QtMultimedia import QMediaFormat, QMediaPlayer
    except ImportError as exc:
        return False, f"QtMultimedia import failed: {exc}"
    player = QMediaPlayer()
    available = player.isAvailable()
    formats = QMediaFormat().supportedFileFormats(QMediaFormat.ConversionMode.Decode)
    names = ",".join(QMediaFormat.fileFormatName(f) for f in formats)
    return available, f"available={available} decodes={names or 'none'}"


def first_run_state(window: QWidget) -> str:
    """'banner', 'no-banner', 'pending' (key check not answered yet) or 'not-installed'."""
    banner = getattr(getattr(window, "app_extras", None), "first_run", None)
    if banner is None:
        return "not-installed"
    return {None: "pending", True: "banner", False: "no-banner"}[banner.shown]


def check(window: QWidget) -> int:
    """Run the checks now; print the result line and return the exit code.

    The first-run banner state is reported, not judged: whether it should show depends
    on the key, which the caller knows (packaging/smoke_test.py runs with and without).
    """
    shown = window.isVisible()
    media_ok, media = multimedia_status()
    code = 0 if shown and media_ok else (EXIT_NO_WINDOW if not shown else EXIT_NO_MULTIMEDIA)
    print(
        f"muzaic-studio smoke: window={'shown' if shown else 'NOT SHOWN'} "
        f"title={window.windowTitle()!r} first_run={first_run_state(window)} "
        f"multimedia[{media}] exit={code}",
        flush=True,
    )
    # What Help > About would show, so a packaged build that cannot find its engine or
    # ffmpeg is caught here (a test run: waiting on ffmpeg -version is fine).
    from muzaic_studio import diagnostics  # importlib.metadata & co: not at start-up

    versions = diagnostics.versions()
    print("muzaic-studio versions: " + json.dumps(versions, sort_keys=True), flush=True)
    return code


def install(window: QWidget) -> bool:
    """Arm the quit timer if MUZAIC_STUDIO_QUIT_AFTER_MS is set; True if armed."""
    delay = quit_after_ms()
    if delay is None:
        return False

    def finish() -> None:
        QApplication.exit(check(window))

    QTimer.singleShot(delay, window, finish)
    return True
