"""Start the GUI: `run(project_path)` is what `muzaic-studio` calls.

Start-up is kept short by showing the window first and doing everything else after it
is on screen (the tag catalogue, the crash-recovery check; the render workflow imports
the engine, requests and the audio pipeline on first use).
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from importlib import resources
from pathlib import Path
from typing import Any

from PySide6.QtCore import QEvent, QLoggingCategory, QObject, Qt, QTimer
from PySide6.QtGui import QIcon, QPixmap
from PySide6.QtWidgets import QApplication, QMessageBox

from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.settings import APPLICATION, ORGANIZATION

log = logging.getLogger(__name__)
EXIT_AFTER_SHOW = "MUZAIC_STUDIO_EXIT_AFTER_SHOW"  # bench: print the time shown, then quit
#: Qt Multimedia's chatter that a user starting the app from a terminal took for errors:
#: "Couldn't load pipewire-0.3 library" (PulseAudio or ALSA plays instead) and FFmpeg's
#: whole "Input #0, mov,mp4..." dump of every video previewed (info level). Real
#: warnings stay; QT_LOGGING_RULES in the environment still overrides these.
QUIET_QT_LOGS = "qt.multimedia.*.info=false\nqt.multimedia.symbolsresolver.warning=false"


def app_icon() -> QIcon:
    data = resources.files("muzaic_studio.data").joinpath("muzaic-studio.svg").read_bytes()
    pixmap = QPixmap()
    pixmap.loadFromData(data, "SVG")
    return QIcon(pixmap)


def make_app(argv: list[str] | None = None) -> QApplication:
    from muzaic_studio.malloc_tune import tune_malloc

    tune_malloc()  # big freed buffers go back to the system (RSS, issue 17)
    QLoggingCategory.setFilterRules(QUIET_QT_LOGS)
    app = QApplication.instance()
    created = not isinstance(app, QApplication)
    if not isinstance(app, QApplication):
        # Fusion from the first moment: setStyle() afterwards returns the QStyle, and
        # PySide building that object's enums took 7 ms of the start-up (issue 17).
        app = QApplication([*(argv if argv is not None else sys.argv[:1]), "-style", "Fusion"])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    app.setApplicationDisplayName(APPLICATION)
    app.setDesktopFileName("muzaic-studio")
    from muzaic_studio.ui.gui_gc import collect_on_gui_thread
    from muzaic_studio.ui.style import apply_style

    apply_style(app, set_style=not created)
    collect_on_gui_thread(app)  # Qt objects in garbage cycles die on the GUI thread
    return app


def open_window(project_path: str | None = None):  # -> MainWindow
    """The main window showing *project_path* (or a new project); not shown yet.

    A project that cannot be opened (missing, not valid) is said in a dialog once the
    window is up, as well as in the banner: started from a desktop launcher, there is no
    terminal to read, and the banner alone can be pushed aside by the backend's news."""
    from muzaic_studio.ui.window.main_window import MainWindow

    window = MainWindow(ProjectDocument())  # sets up the log
    window.setWindowIcon(app_icon())
    if project_path:  # read off the GUI thread once the window is painted (issue 17): the
        # window is up at once and stays usable while a big file loads
        window.files.open_when_shown(Path(project_path), lambda text: _error_dialog(window, text))
    else:  # started without a project: a first start offers the demo
        from muzaic_studio.ui.window.demo import offer_demo

        offer_demo(window)
    return window


def _error_dialog(window, text: str) -> QMessageBox:
    """A window-modal box (non-blocking: `open`, not `exec`) that says *text*."""
    box = QMessageBox(QMessageBox.Icon.Warning, "Could not open the project", text,
                      QMessageBox.StandardButton.Ok, window)  # fmt: skip
    box.setObjectName("openErrorDialog")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box


class _FirstPaint(QObject):
    """Bench hook: print the time the timeline is first painted, then quit."""

    def __init__(self, window, app: QApplication) -> None:
        super().__init__(window)
        self.window, self.app, self.done = window, app, False

    def eventFilter(self, obj: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Paint and not self.done:
            self.done = True
            print(f"shown {time.time():.6f}", flush=True)
            self.window.autosave.clean_exit()
            QTimer.singleShot(0, self.app.quit)
        return False


def _report_first_paint(window, app: QApplication) -> None:
    window.timeline.viewport().installEventFilter(_FirstPaint(window, app))


def run(project_path: str | None = None) -> int:
    from muzaic_studio.ui.term_signal import TermHandler

    app = make_app()
    windows: list[Any] = []

    def terminated() -> None:  # `kill`, a logout: a quit with nobody to ask
        log.info("SIGTERM: closing")
        for w in windows:
            w.close_unattended()
        app.quit()  # also ends a modal dialog's nested loop

    # Before the window writes its autosave marker: a SIGTERM from then on is handled.
    TermHandler(terminated, app)
    window = open_window(project_path)
    windows.append(window)
    window.show()
    window.timeline.zoom_to_fit()
    if os.environ.get(EXIT_AFTER_SHOW):
        _report_first_paint(window, app)
    QTimer.singleShot(0, window.after_show)
    try:
        code = app.exec()
    finally:
        # the offline engine's child process, if one was started (one still starting ends
        # by itself: it exits when this process's end closes its stdin)
        stop = getattr(sys.modules.get("muzaic_studio.api.engine_child"), "stop_shared", None)
        if stop is not None:
            stop(at_once=True)  # quitting: a render in flight is thrown away, not awaited
    exit_now(code)
    return code  # not reached


def exit_now(code: int) -> None:
    """End the process without tearing down every Qt and Python object one by one.

    By now the window has saved its layout and autosave, the workers are stopped and the
    engine child is gone; the interpreter's finalization (Qt multimedia, thread pools,
    thousands of objects) took 0.3-0.7 s more of "quit" for nothing (issue 17: <= 0.5 s).
    atexit handlers and the log's flush still run."""
    import atexit

    atexit._run_exitfuncs()
    logging.shutdown()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)
