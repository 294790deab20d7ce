"""A closed window leaves nothing ticking (issue 12 item 7), and the watches that the UI
tests' guards use (leaks.py) see what they must: Qt's own timers, Python's, QThreads."""

from __future__ import annotations

from PySide6.QtCore import QObject, QThread, QTimer

from muzaic_studio.model import Project, Region
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.timeline.view import TimelineView
from muzaic_studio.ui.window.main_window import MainWindow
from tests.ui.editor_helpers import no_modal_dialogs
from tests.ui.leaks import QThreadWatch, TimerWatch, describe


def test_a_closed_window_stops_its_banner_status_hint_and_autosave(qtbot, monkeypatch):
    asked = no_modal_dialogs(monkeypatch)
    watch = TimerWatch()
    watch.start()
    try:
        window = MainWindow(ProjectDocument(Project(regions=[Region(0, 4)])), autosave=True)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        window.show_message("Saved.", "success")  # an info banner goes after a while
        window.statusBar().showMessage("Autosaved", 2500)
        window.timeline.show_hint("Regions cannot overlap")
        ticking = {describe(t) for t in watch.running()}
        assert {"messageBar", "QStatusBar", "timeline"} <= {
            part for name in ticking for part in name.split("/")
        }, ticking  # the watch sees them all, Qt's status timeout included
        assert any(window.autosave.timer is t for t in watch.running())
        assert window.close()
        assert asked == []  # nothing to save: it closed at once
        assert watch.running() == []
        assert not window.message_bar.isVisible() and window.timeline.hint == ""
    finally:
        watch.stop()


def test_dismissing_a_banner_stops_its_timeout(qtbot):
    window = MainWindow(ProjectDocument(), autosave=False)
    qtbot.addWidget(window)
    window.show()
    window.show_message("Copied 2 regions", "info")
    bar = window.message_bar
    timeout = next(t for t in bar.findChildren(QTimer) if t.isActive())
    bar.dismiss()  # the ✕ button
    assert not timeout.isActive()  # else it would cut the next message short


def test_a_timeline_closed_on_its_own_drops_its_hint(qtbot):
    view = TimelineView(ProjectDocument(Project(regions=[Region(0, 4)])))
    qtbot.addWidget(view)
    view.show()
    view.show_hint("Regions cannot overlap")
    assert view.hint
    view.close()
    assert view.hint == "" and not any(t.isActive() for t in view.findChildren(QTimer))


def test_the_watch_sees_new_timers_not_older_ones(qtbot):
    older = QTimer()
    older.start(60_000)  # started before the watch: not the test's
    watch = TimerWatch()
    watch.start()
    try:
        owner = QObject()
        loose = QTimer()  # no parent, no widget: only the start() net catches it
        loose.start(60_000)
        child = QTimer(owner)
        child.start(60_000)
        assert {id(t) for t in watch.running()} == {id(loose), id(child)}
        assert describe(child) == "QObject/QTimer (60000 ms)"
        loose.stop()
        child.stop()
        assert watch.running() == []
    finally:
        watch.stop()
        older.stop()


def test_the_watch_counts_a_pending_single_shot_until_it_fires(qtbot):
    fired = []
    watch = TimerWatch()
    watch.start()
    try:
        owner = QObject()
        QTimer.singleShot(0, lambda: fired.append("now"))
        QTimer.singleShot(60_000, owner, lambda: fired.append("later"))
        assert [describe(t) for t in watch.running()] == [
            "QObject/singleShot (single-shot 60000 ms)"
        ]
        assert fired == ["now"]
        del owner  # its context gone, the call is dropped as Qt drops it
        assert watch.running() == [] and fired == ["now"]
    finally:
        watch.stop()


def test_the_thread_watch_sees_a_qthread_left_running(qtbot):
    watch = QThreadWatch()
    watch.start()
    try:
        thread = QThread()
        thread.setObjectName("left-behind")
        thread.start()  # an event loop: runs until told to quit
        assert watch.running() == ["left-behind"]
        thread.quit()
        assert thread.wait(5000) and watch.running() == []
    finally:
        watch.stop()
