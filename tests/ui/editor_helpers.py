"""Shared helpers for the editor's UI tests: a demo-like project, a shown window, mouse gestures."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QPoint, QPointF, Qt
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import QApplication

from muzaic_studio.api.engine_child import START_TIMEOUT
from muzaic_studio.model import Project, Region
from muzaic_studio.model.library import LibraryEntry

#: How long a test waits for a window's backend: as long as the app itself waits for the
#: offline engine's child (START_TIMEOUT), and half a minute more for the rest of the
#: build. A 20 s wait failed tests whose child was on its way: under load this 2-core VM
#: is throttled as a whole (a sleeping process saw 7.9 s pass at once, tests/sound_server
#: `StallWatch`), a few times a minute.
BACKEND_WAIT_MS = int((START_TIMEOUT + 30) * 1000)


def wait_for_backend(qtbot, workflow) -> None:
    """Until the window's render workflow has its backend (the event a render needs)."""
    qtbot.waitUntil(
        lambda: workflow.backends.backend is not None and workflow.controller.backend is not None,
        timeout=BACKEND_WAIT_MS,
    )


def demo_project() -> Project:
    """Six regions of every action, tags, keyframes, one rendered and one copy."""
    regions = [
        Region(0.0, 8.0, "generate", tags=[3, 17, 19], name="Opening",
               params={"intensity": [[0, 2], [100, 6]], "tempo": 4, "tone": 6, "variance": 3, "rhythm": 3}),
        Region(8.0, 12.0, "generate", method="smart", tags=[1, 27],
               params={"intensity": 8, "tempo": 7, "tone": 5, "variance": 6, "rhythm": 8}),
        Region(20.0, 2.0, "silence"),
        Region(22.0, 12.0, "copy", source_hash="a1b2c3d4e5f60718", name="Theme again"),
        Region(34.0, 10.0, "generate", tags=[2, 14, 24], name="Finale",
               params={"intensity": [[0, 6], [60, 10], [100, 4]], "tempo": 6, "tone": 4,
                       "variance": [[0, 3], [100, 8]], "rhythm": 6}),
    ]  # fmt: skip
    regions[3].rendered = {"hash": "a1b2c3d4e5f60718", "spec": regions[3].spec_digest()}
    project = Project(regions=regions, name="Demo", tempo_bpm=96)
    project.library.add(LibraryEntry("a1b2c3d4e5f60718", 12.0, tags=[5, 18], name="Main theme"))
    project.library.add(LibraryEntry("ffee00112233aabb", 6.0, tags=[7], name="Lo-fi loop"))
    return project


def mouse(widget, kind: str, pos: QPointF, button=Qt.MouseButton.LeftButton,
          modifiers=Qt.KeyboardModifier.NoModifier) -> None:  # fmt: skip
    """Send one mouse event with float position and modifiers (qtbot can't move+hold)."""
    types = {
        "press": QEvent.Type.MouseButtonPress,
        "move": QEvent.Type.MouseMove,
        "release": QEvent.Type.MouseButtonRelease,
        "double": QEvent.Type.MouseButtonDblClick,
    }
    buttons = Qt.MouseButton.NoButton if kind == "release" else button
    if kind == "move":
        button = Qt.MouseButton.NoButton
    global_pos = QPointF(widget.mapToGlobal(QPoint(int(pos.x()), int(pos.y()))))
    event = QMouseEvent(types[kind], QPointF(pos), global_pos, button, buttons, modifiers)
    QApplication.sendEvent(widget, event)


def drag(view, t0: float, t1: float, y: float | None = None, steps: int = 4,
         modifiers=Qt.KeyboardModifier.NoModifier) -> None:  # fmt: skip
    """Drag on the timeline's viewport from time t0 to t1 (in the region lane by default)."""
    vp = view.viewport()
    y = view.lane_rect.center().y() if y is None else y
    x0, x1 = view.scale.x(t0), view.scale.x(t1)
    mouse(vp, "press", QPointF(x0, y), modifiers=modifiers)
    for k in range(1, steps + 1):
        mouse(vp, "move", QPointF(x0 + (x1 - x0) * k / steps, y), modifiers=modifiers)
    mouse(vp, "release", QPointF(x1, y), modifiers=modifiers)


def click(view, t: float, y: float | None = None, modifiers=Qt.KeyboardModifier.NoModifier) -> None:
    vp = view.viewport()
    y = view.lane_rect.center().y() if y is None else y
    pos = QPointF(view.scale.x(t), y)
    mouse(vp, "press", pos, modifiers=modifiers)
    mouse(vp, "release", pos, modifiers=modifiers)


def no_modal_dialogs(monkeypatch, answer=None) -> list[str]:
    """Make QMessageBox's static dialogs answer at once (and record their titles).

    A modal box in an offscreen test would wait forever; with this a test that reaches
    one unexpectedly still ends, and can assert on what was asked.
    """
    from PySide6.QtWidgets import QMessageBox

    asked: list[str] = []
    reply = answer or QMessageBox.StandardButton.Discard

    def fake(*args, **kwargs):
        asked.append(str(args[1]) if len(args) > 1 else "")
        return reply

    for name in ("question", "warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, name, fake)
    return asked


def shown_window(qtbot, monkeypatch, project: Project):
    """A MainWindow on *project*, 1200x700, shown and exposed; modal dialogs don't block."""
    from muzaic_studio.ui.document import ProjectDocument
    from muzaic_studio.ui.window.main_window import MainWindow

    no_modal_dialogs(monkeypatch)
    w = MainWindow(ProjectDocument(project), autosave=False)
    qtbot.addWidget(w)
    w.resize(1200, 700)
    w.show()
    qtbot.waitExposed(w)
    return w


def read_and_wait(qtbot, window, start, timeout: int = 20_000) -> bool:
    """Call *start* (Open, Open Demo, a restore, a menu action) and wait until the file it
    reads off the GUI thread has been shown or refused; True when it is shown."""
    with qtbot.waitSignal(window.files.loader.done, timeout=timeout) as blocker:
        start()
    return bool(blocker.args[0])


def open_and_wait(qtbot, window, path) -> bool:
    """window.files.open(path), waited for: True when the project is shown."""
    return read_and_wait(qtbot, window, lambda: window.files.open(path))
