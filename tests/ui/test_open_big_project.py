"""Opening a big project reads it off the GUI thread: the window keeps working while the
file is read, the status bar says so, a second open replaces the first, and a damaged file
is still refused with its region and field named."""

from __future__ import annotations

import json
import threading

import pytest
from PySide6.QtCore import QTimer

from muzaic_studio.model import Project, Region
from tests.ui.editor_helpers import demo_project, open_and_wait, shown_window

BIG = 20_000


@pytest.fixture(scope="module")
def big_file(tmp_path_factory):
    """A 20,000-region project, about a second to read on a busy machine."""
    regions = [
        Region(i * 2.0, 1.5, tags=[1 + i % 20, 21], name=f"Cue {i}" if i % 3 == 0 else "",
               params={"intensity": [[0, 2], [60, 9], [100, 4]]} if i % 4 == 0 else {})
        for i in range(BIG)
    ]  # fmt: skip
    path = tmp_path_factory.mktemp("big") / "big.muzaic"
    Project(regions=regions, name="Big").save(path)
    return path


@pytest.fixture
def window(qtbot, monkeypatch):
    w = shown_window(qtbot, monkeypatch, demo_project())
    w.files.maybe_save = lambda: True
    yield w
    w.doc.undo_stack.setClean()


def test_the_event_loop_keeps_running_while_a_big_project_is_read(
    window, qtbot, big_file, monkeypatch
):
    ticks: list[int] = []
    five_ticks = threading.Event()

    def tick() -> None:
        ticks.append(1)
        if len(ticks) >= 5:
            five_ticks.set()

    real_load = Project.load

    def load(path, progress=None):
        """The read pauses halfway until the GUI thread's timer ticked five times: on the
        GUI thread itself it would wait in vain (and the test fail), not hang."""

        def step(fraction: float) -> None:
            if fraction >= 0.5:
                five_ticks.wait(20)
            if progress is not None:
                progress(fraction)

        return real_load(path, step)

    monkeypatch.setattr(Project, "load", load)
    timer = QTimer(window, interval=0)  # fires whenever the event loop is free
    timer.timeout.connect(tick)
    timer.start()
    with qtbot.waitSignal(window.files.loader.done, timeout=60_000) as shown:
        assert window.files.open(big_file)
        assert window.doc.project.name == "Demo"  # still the old project, still usable
        indicator = window.files.loader.indicator
        assert indicator.isVisible() and "big.muzaic" in indicator.label.text()
    timer.stop()
    assert shown.args == [True] and five_ticks.is_set()  # ticked while the file was read
    assert len(window.doc.regions) == BIG and window.doc.path == big_file
    assert window.status.length.text().endswith(f"{BIG} regions")
    assert not indicator.isVisible()


def test_a_second_open_while_reading_replaces_the_first(window, qtbot, big_file, tmp_path):
    small = tmp_path / "small.muzaic"
    Project(regions=[Region(0, 4, name="Small")], name="Small").save(small)
    shown: list[object] = []
    window.documentChanged.connect(shown.append)
    assert window.files.open(big_file)
    assert open_and_wait(qtbot, window, small)
    qtbot.waitUntil(lambda: not window.files.loader.busy, timeout=60_000)
    qtbot.wait(100)  # the first read's result, had it been kept, would have arrived by now
    assert [d.project.name for d in shown] == ["Small"]  # the big one never showed
    assert window.doc.path == small and not window.files.loader.indicator.isVisible()


def test_cancel_in_the_status_bar_keeps_the_open_project(window, qtbot, big_file):
    outcomes: list[bool] = []
    window.files.loader.done.connect(outcomes.append)
    assert window.files.open(big_file)
    window.files.loader.indicator.cancel_button.click()
    assert not window.files.loader.indicator.isVisible()
    qtbot.waitUntil(lambda: window.files.loader.runner.active_threads() == 0, timeout=60_000)
    qtbot.wait(50)
    assert outcomes == [] and window.doc.project.name == "Demo"


def test_a_damaged_big_file_is_refused_naming_the_region_and_field(window, qtbot, big_file):
    data = json.loads(big_file.read_text("utf-8"))
    data["regions"][15_000]["duration"] = "long"
    broken = big_file.with_name("broken.muzaic")
    broken.write_text(json.dumps(data), "utf-8")
    assert not open_and_wait(qtbot, window, broken)
    bar = window.message_bar
    assert bar.kind == "error" and "broken.muzaic: Region 15001" in bar.text
    assert "duration must be a number" in bar.text
    assert window.doc.project.name == "Demo"


def test_new_while_reading_drops_the_read(window, qtbot, big_file):
    shown: list[object] = []
    assert window.files.open(big_file)
    window.documentChanged.connect(shown.append)
    window.action_map["file.new"].trigger()
    qtbot.waitUntil(lambda: window.files.loader.runner.active_threads() == 0, timeout=60_000)
    qtbot.wait(50)
    assert len(shown) == 1 and window.doc.regions == [] and window.doc.path is None


def test_an_autosave_left_behind_waits_in_the_banner_while_the_start_file_is_read(
    window, qtbot, monkeypatch, big_file
):
    """after_show() offers a crash's autosave while the file given at start-up may still
    be read: as with a file already open, the offer must not take its place."""
    from muzaic_studio.ui.window.autosave import autosave_dir
    from tests.ui.editor_helpers import no_modal_dialogs
    from tests.ui.test_editor_autosave import clear_autosaves, dead_pid

    clear_autosaves()
    pid = dead_pid()
    (autosave_dir() / f"session-{pid}.muzaic").write_text(demo_project().to_json())
    (autosave_dir() / f"session-{pid}.json").write_text(json.dumps({"pid": pid}))
    asked = no_modal_dialogs(monkeypatch)
    with qtbot.waitSignal(window.files.loader.done, timeout=60_000):
        assert window.files.open(big_file)
        assert not window.files.offer_restore()
    assert asked == [] and "Untitled" in window.message_bar.text
    assert window.doc.path == big_file
    clear_autosaves()


def test_an_empty_timeline_says_the_file_is_being_read_not_how_to_draw(
    qtbot, monkeypatch, big_file
):
    """The start-up's first frame is an empty timeline while its file is read: it invited
    "Drag here to draw a region" (work the file then replaced) instead of saying so."""
    from muzaic_studio.ui.document import ProjectDocument
    from muzaic_studio.ui.window.main_window import MainWindow

    first = MainWindow(ProjectDocument(), autosave=False)  # as `muzaic-studio FILE` starts
    qtbot.addWidget(first)
    with qtbot.waitSignal(first.files.loader.done, timeout=60_000):
        first.files.open_when_shown(big_file, lambda _text: None)  # read after first paint
        assert first.timeline.empty_text == "Opening big.muzaic…"  # what that frame says
    assert first.timeline.empty_text == "" and len(first.doc.regions) == BIG
    first.doc.undo_stack.setClean()
    w = shown_window(qtbot, monkeypatch, Project())
    view = w.timeline
    assert view.empty_text == ""  # the drawing hint
    assert w.files.open(big_file)
    assert view.empty_text == "Opening big.muzaic…"
    w.files.loader.indicator.cancel_button.click()  # Cancel: the empty project again
    assert view.empty_text == ""
    assert open_and_wait(qtbot, w, big_file)
    assert view.empty_text == "" and len(w.doc.regions) == BIG


def test_at_1024_px_the_status_bar_says_which_file_is_opening_in_full(window, qtbot, big_file):
    """The readouts (mouse time, length, tokens, zoom) squeezed the progress's label to
    "Opening big200" at 1024 px; they step aside while a file is read, as for a render."""
    from PySide6.QtWidgets import QApplication

    window.resize(1024, 700)
    qtbot.waitUntil(lambda: window.width() == 1024)
    label = window.files.loader.indicator.label
    with qtbot.waitSignal(window.files.loader.done, timeout=60_000):
        assert window.files.open(big_file)
        QApplication.processEvents()
        assert label.text() == "Opening big.muzaic…"
        assert label.width() >= label.sizeHint().width()  # not cut
        assert not window.status.cursor.isVisible()
    assert window.status.cursor.isVisible() and window.status.length.isVisible()
