"""View > Video Layout: the video above the timeline in a splitter, remembered per project;
the transport clock shows milliseconds and the video frame."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtWidgets import QApplication, QSplitter

from muzaic_studio.model import Project, Region
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.video.layout import frame_at
from muzaic_studio.ui.window.main_window import MainWindow
from tests.ui.editor_helpers import shown_window
from tests.video.conftest import make_cut_video


@pytest.fixture(scope="module")
def video_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_cut_video(tmp_path_factory.mktemp("layout") / "cuts.mp4")


def test_video_layout_splitter_is_remembered_per_project(qtbot, monkeypatch, tmp_path, video_file):
    w = shown_window(qtbot, monkeypatch, Project(regions=[Region(0.0, 4.0)]))
    w.files.maybe_save = lambda: True
    wf, layout = w.video_workflow, w.video_layout
    wf.load_video(video_file, new_import=True)
    qtbot.waitUntil(lambda: wf.info is not None, timeout=30_000)
    first = tmp_path / "a.muzaic"
    w.doc.save(first)
    w.set_document(ProjectDocument(Project.load(first), first))
    assert not layout.action.isChecked()
    layout.action.trigger()  # View > Video Layout
    splitter = w.centralWidget()
    assert isinstance(splitter, QSplitter)
    assert splitter.widget(0) is wf.dock_widget and splitter.widget(1).isAncestorOf(w.timeline)
    assert not wf.dock.isVisible()
    splitter.setSizes([420, 180])
    wanted = splitter.sizes()
    # another project: its own (default) layout, the dock comes back
    other = tmp_path / "b.muzaic"
    ProjectDocument(Project()).save(other)
    w.set_document(ProjectDocument(Project.load(other), other))
    assert not layout.action.isChecked() and not isinstance(w.centralWidget(), QSplitter)
    assert wf.dock.widget() is wf.dock_widget
    assert w.centralWidget().isAncestorOf(w.timeline)
    # back to the first: the layout and its sizes return (settings, not the project file)
    w.set_document(ProjectDocument(Project.load(first), first))
    assert layout.action.isChecked() and layout.sizes() == wanted
    assert "videoLayout" not in first.read_text()
    wf.shutdown()
    w.render_workflow.shutdown()


def test_the_transport_clock_shows_milliseconds_and_the_frame(qtbot, monkeypatch, video_file):
    w = shown_window(qtbot, monkeypatch, Project(regions=[Region(0.0, 4.0)]))
    wf = w.video_workflow
    w.doc.set_playhead(1.5)
    assert w.video_layout.clock.text() == "0:01.500"
    wf.load_video(video_file, new_import=True)
    qtbot.waitUntil(lambda: wf.info is not None, timeout=30_000)
    w.doc.set_playhead(2.345)
    fps = wf.info.fps
    assert w.video_layout.clock.text() == f"0:02.345  ·  frame {frame_at(2.345, fps)}"
    assert frame_at(1.0, 25.0) == 25 and frame_at(0.999, 25.0) == 24
    wf.shutdown()
    w.render_workflow.shutdown()


def test_the_video_layout_of_an_unsaved_project_is_kept_when_it_is_saved(
    qtbot, monkeypatch, tmp_path, video_file
):
    """Layout on while untitled, then Save As: reopening the file shows the layout again."""
    w = shown_window(qtbot, monkeypatch, Project(regions=[Region(0.0, 4.0)]))
    w.files.maybe_save = lambda: True
    wf = w.video_workflow
    wf.load_video(video_file, new_import=True)
    qtbot.waitUntil(lambda: wf.info is not None, timeout=30_000)
    w.video_layout.action.trigger()  # on, for the untitled project
    saved = tmp_path / "scored.muzaic"
    w.doc.save(saved)
    # the app started again on the saved file (the first window never switched projects,
    # as when the user quits)
    again = MainWindow(ProjectDocument(Project.load(saved), saved), autosave=False)
    qtbot.addWidget(again)
    assert again.video_layout.action.isChecked()
    assert isinstance(again.centralWidget(), QSplitter)
    for window in (w, again):
        window.video_workflow.shutdown()
        window.render_workflow.shutdown()


def test_quitting_in_the_video_layout_does_not_lose_the_video_panel(
    qtbot, monkeypatch, tmp_path, video_file
):
    """Quit with the layout on (the saved dock state has the Video panel hidden), then
    start on a project without the layout: the Video panel is back, not nowhere."""
    w = shown_window(qtbot, monkeypatch, Project(regions=[Region(0.0, 4.0)]))
    w.files.maybe_save = lambda: True
    w.video_workflow.load_video(video_file, new_import=True)
    qtbot.waitUntil(lambda: w.video_workflow.info is not None, timeout=30_000)
    scored = tmp_path / "scored.muzaic"
    w.doc.save(scored)
    w.video_layout.action.trigger()  # on for scored.muzaic
    w.window_layout.save()  # what quitting does
    other = tmp_path / "other.muzaic"
    ProjectDocument(Project(regions=[Region(0.0, 4.0)])).save(other)
    again = MainWindow(ProjectDocument(Project.load(other), other), autosave=False)
    qtbot.addWidget(again)
    again.show()
    qtbot.waitUntil(lambda: again.video_workflow.dock.isVisible(), timeout=5000)
    assert not again.video_layout.action.isChecked()
    for window in (w, again):
        window.video_workflow.shutdown()
        window.render_workflow.shutdown()


@pytest.mark.parametrize("size", [(1024, 700), (1920, 1080)])
def test_the_video_layout_keeps_the_timeline_readable_and_banners_cover_nothing(
    qtbot, monkeypatch, video_file, size
):
    """At 1024x700 the timeline once got ~60 px and a banner covered its waveform: now the
    region lane and the waveform keep a readable height, the video shrinks instead, and a
    banner takes its own room under the timeline."""
    from PySide6.QtCore import QPoint
    from PySide6.QtWidgets import QApplication

    w = shown_window(qtbot, monkeypatch, Project(regions=[Region(0.0, 4.0)]))
    wf = w.video_workflow
    wf.load_video(video_file, new_import=True)
    qtbot.waitUntil(lambda: wf.info is not None, timeout=30_000)
    w.resize(*size)
    qtbot.waitUntil(lambda: (w.width(), w.height()) == size)
    w.video_layout.action.trigger()
    view = w.timeline
    QApplication.processEvents()
    if size == (1920, 1080):  # room to spare: the timeline gets more than its minimum
        assert view.wave_rect.height() > 120
    w.video_layout.splitter.setSizes([10_000, 1])  # the divider dragged down all the way

    def rect(widget):
        return widget.rect().translated(widget.mapTo(w, QPoint(0, 0)))

    for message in (None, "Rendered 5 regions. " * 8):  # a banner of two lines
        if message:
            w.show_message(message, "warning")
        QApplication.processEvents()
        QApplication.processEvents()
        assert view.lane_rect.height() >= 80 and view.wave_rect.height() >= 80
        assert rect(view).bottom() < rect(w.statusBar()).top()  # on screen, whole
        video_h = w.video_layout.sizes()[0]
        assert video_h >= 112  # the video shrank, but is still there
        if message:
            bar = w.message_bar
            assert bar.isVisible() and not rect(bar).intersects(rect(view))
    wf.shutdown()
    w.render_workflow.shutdown()


def test_untitled_projects_do_not_share_a_remembered_layout(qtbot, monkeypatch, video_file):
    """The layout chosen for one unsaved project is not how the next one (New, the demo, a
    later start) opens: untitled projects start in the default layout."""
    w = shown_window(qtbot, monkeypatch, Project(regions=[Region(0.0, 4.0)]))
    w.files.maybe_save = lambda: True
    wf, layout = w.video_workflow, w.video_layout
    wf.load_video(video_file, new_import=True)
    qtbot.waitUntil(lambda: wf.info is not None, timeout=30_000)
    layout.action.trigger()  # on, for this untitled project
    assert isinstance(w.centralWidget(), QSplitter)
    w.action_map["file.new"].trigger()  # another, unrelated untitled project
    assert not layout.action.isChecked() and not isinstance(w.centralWidget(), QSplitter)
    assert wf.dock.widget() is wf.dock_widget
    w.window_layout.save()  # quit
    again = MainWindow(ProjectDocument(Project()), autosave=False)  # a later start
    qtbot.addWidget(again)
    assert not again.video_layout.action.isChecked()
    for window in (w, again):
        window.video_workflow.shutdown()
        window.render_workflow.shutdown()


def test_the_timeline_keeps_the_keyboard_after_a_video_import_and_layout_switches(
    qtbot, monkeypatch, video_file
):
    """Space, the arrows and Delete act on the focused timeline. Importing a video gave
    the keyboard to the picture's native window, and View > Video Layout (on or off) to
    the library's filter, where Space typed a space instead of playing."""
    from PySide6.QtWidgets import QApplication

    w = shown_window(qtbot, monkeypatch, Project(regions=[Region(0.0, 4.0)]))
    w.activateWindow()
    qtbot.waitActive(w)
    w.timeline.setFocus()
    wf = w.video_workflow
    wf.load_video(video_file, new_import=True)
    qtbot.waitUntil(lambda: wf.info is not None and wf.dock_widget.video_widget.isVisible())
    qtbot.wait(50)
    assert QApplication.focusWidget() is w.timeline
    for _ in ("on", "off", "on"):
        w.video_layout.action.trigger()
        qtbot.waitUntil(lambda: QApplication.focusWidget() is w.timeline, timeout=2_000)
        qtbot.wait(50)  # and it stays there
        assert QApplication.focusWidget() is w.timeline
    wf.shutdown()
    w.render_workflow.shutdown()


def test_the_toolbar_stands_still_while_the_clock_runs(qtbot, monkeypatch, video_file):
    """The tools after the clock moved under the pointer in playback each time the frame
    number gained a digit (new-user trial: frame 78 -> 107 shifted Generate by 5 px)."""
    w = shown_window(qtbot, monkeypatch, Project(regions=[Region(0.0, 400.0)]))
    wf = w.video_workflow
    wf.load_video(video_file, new_import=True)
    qtbot.waitUntil(lambda: wf.info is not None, timeout=30_000)
    assert "frame 0" in w.video_layout.clock.text()  # at once, not at the next move
    after = w.toolbar.widgetForAction(w.action_map["tool.select"])

    def place(seconds: float) -> tuple[int, int]:
        w.doc.set_playhead(seconds)
        QApplication.processEvents()
        return w.video_layout.clock.width(), after.x()

    first = place(0.2)  # frame 5
    assert "frame" in w.video_layout.clock.text()
    for seconds in (4.0, 40.0, 399.0):  # frames 100, 1000, 9975; 6:39
        assert place(seconds) == first, seconds
    assert w.video_layout.clock.width() >= w.video_layout.clock.sizeHint().width()
    wf.shutdown()
    w.render_workflow.shutdown()
