"""Layout a user sees (issue 13, items 5-7, 14-15): nothing overlaps, nothing important is
hidden at 1024x700, banners do not move the timeline, the playhead's time is shown."""

from __future__ import annotations

import itertools

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QFontMetrics
from PySide6.QtWidgets import QApplication, QMessageBox, QToolButton, QWidget

from muzaic_studio.ui.dialogs.key import KeyDialog
from muzaic_studio.ui.dialogs.preferences import BackendSettings
from tests.api.recording_server import RecordingServer, Reply
from tests.ui.editor_helpers import demo_project, shown_window, wait_for_backend


def rect_in(widget: QWidget, ancestor: QWidget):
    top_left = widget.mapTo(ancestor, QPoint(0, 0))
    return widget.rect().translated(top_left)


def test_key_dialog_grows_for_a_failed_test_instead_of_overlapping(qtbot):
    long = " ".join(["The server refused this key for this origin."] * 6)
    with RecordingServer() as server:
        server.route("/accountDetails", Reply(401, {"error": long}))
        dialog = KeyDialog(BackendSettings(kind="cloud", api_url=server.url))
        qtbot.addWidget(dialog)
        dialog.show()
        qtbot.waitExposed(dialog)
        qtbot.waitSignal(dialog.statusShown, timeout=5000)
        dialog.key_edit.setText("a-key-the-server-refuses")
        with qtbot.waitSignal(dialog.tested, timeout=10_000) as answer:
            dialog.test_button.click()
    assert answer.args[0] is False and long in dialog.result_label.text()
    QApplication.processEvents()
    labels = [dialog.findChild(QWidget, "keyIntro"), dialog.key_edit, dialog.status_label,
              dialog.result_label, dialog.test_button]  # fmt: skip
    rects = [rect_in(w, dialog) for w in labels]
    for upper, lower in itertools.pairwise(rects):
        assert upper.bottom() < lower.top(), (upper, lower)
    for label in (dialog.status_label, dialog.result_label, labels[0]):
        assert label.height() >= label.heightForWidth(label.width())  # every line shows


def visible_in_toolbar(window, widget: QWidget) -> bool:
    """On screen in the toolbar itself, not pushed into the » overflow menu."""
    tb = window.toolbar
    return widget.isVisible() and tb.rect().contains(rect_in(widget, tb))


def test_at_1024x700_the_transport_stays_visible(qtbot, monkeypatch):
    w = shown_window(qtbot, monkeypatch, demo_project())
    w.resize(1024, 700)
    qtbot.waitUntil(lambda: w.width() == 1024)
    QApplication.processEvents()
    tb = w.toolbar
    for key in ("render.render", "render.changes", "render.play", "render.loop", "file.export"):
        action = w.render_workflow.actions[key]
        assert visible_in_toolbar(w, tb.widgetForAction(action)), key
    assert visible_in_toolbar(w, w.render_workflow.backend_choice.combo)
    assert visible_in_toolbar(w, w.status.playhead)
    render = tb.widgetForAction(w.render_workflow.actions["render.render"])
    assert render.toolButtonStyle() == Qt.ToolButtonStyle.ToolButtonTextBesideIcon
    # what went to the overflow is an editing/view button, reachable from the » button
    more = tb.findChild(QToolButton, "qt_toolbar_ext_button")
    assert more is not None and more.isVisible()
    w.render_workflow.shutdown()


def test_banners_hide_nothing_and_do_not_move_the_regions(qtbot, monkeypatch):
    w = shown_window(qtbot, monkeypatch, demo_project())
    w.resize(1024, 600)  # low enough that the region lane is less than its 240 px most
    qtbot.waitUntil(lambda: w.height() == 600)
    QApplication.processEvents()
    view = w.timeline
    assert view.lane_rect.height() < 240
    before = rect_in(view, w)
    lane = view.lane_rect
    w.show_message("Something to say", "warning")
    QApplication.processEvents()
    bar = w.message_bar
    shown = rect_in(bar, w)
    # the bar has its own room under the timeline: it covers no ruler, region or waveform
    assert bar.isVisible() and not shown.intersects(rect_in(view, w))
    assert shown.top() > rect_in(view.viewport(), w).bottom()
    # the ruler and the regions (and their handles) stay under the pointer
    assert rect_in(view, w).top() == before.top() and view.lane_rect == lane
    assert view.wave_rect.height() >= 80
    bar.dismiss()
    QApplication.processEvents()
    assert rect_in(view, w) == before  # the room comes back
    w.render_workflow.shutdown()


def test_the_playhead_time_is_shown_near_the_transport(qtbot, monkeypatch):
    w = shown_window(qtbot, monkeypatch, demo_project())
    w.doc.set_playhead(72.5)
    assert w.status.playhead.text() == "1:12.500"
    tb = w.toolbar
    play = tb.widgetForAction(w.render_workflow.actions["render.play"])
    assert abs(rect_in(w.status.playhead, tb).left() - rect_in(play, tb).right()) < 120
    w.render_workflow.shutdown()


def test_the_inspector_keeps_its_form_in_place_across_region_kinds(qtbot, monkeypatch):
    w = shown_window(qtbot, monkeypatch, demo_project())
    insp = w.inspector
    tops = set()
    for region in w.doc.project.sorted_regions():
        w.doc.select([region.uid])
        QApplication.processEvents()
        tops.add(rect_in(insp.name_edit, insp).top())
    assert len(tops) == 1  # generate, silence and copy: the Name row does not jump
    w.render_workflow.shutdown()


def test_render_history_rows_fit_the_panel(qtbot, app_style):
    from muzaic_studio.ui.render.history import HistoryPanel, RenderRecord

    panel = HistoryPanel()
    qtbot.addWidget(panel)
    panel.resize(340, 300)  # the panel's width in the default layout
    panel.show()
    records = [
        RenderRecord("b.mp3", 1e9, 75.0, 40, 35, "offline"),
        RenderRecord("a.mp3", 1e9, 1200.0, 1200, 0, "cloud"),
    ]
    panel.show_records(records, "b.mp3")
    room = panel.list.viewport().width()
    for i in range(panel.list.count()):
        item = panel.list.item(i)
        metrics = QFontMetrics(item.font())  # the shown render's row is bold
        assert all(
            metrics.horizontalAdvance(line) + 12 <= room for line in item.text().splitlines()
        )
    assert "offline" in panel.list.item(0).text() and "cloud" in panel.list.item(1).text()


def test_render_progress_text_is_not_cut_at_1024(qtbot, monkeypatch):
    from tests.ui.render_support import render_window

    w = render_window(qtbot)
    w.resize(1024, 700)
    wf = w.render_workflow
    wait_for_backend(qtbot, wf)
    # the longest text: a render slower than the estimate (a loaded machine)
    monkeypatch.setattr(wf.controller.speed, "estimate", lambda *_a: 0.0)
    wf.autoplay = False
    label = wf.progress.label
    texts, fits = [], []

    def check(_fraction, text):
        if text.startswith("Rendering on"):
            texts.append(text)
            # each text once laid out (a growing text is re-laid out on the next pass)
            QApplication.processEvents()
            QApplication.processEvents()
            fits.append(label.width() >= label.fontMetrics().horizontalAdvance(label.text()))

    wf.controller.progress.connect(check)
    with qtbot.waitSignal(wf.controller.finished, timeout=60_000):
        assert wf.render(False)
    assert any("usually" in t for t in texts)
    assert len(fits) > 1 and sum(fits) >= len(fits) - 1  # at most one frame still laying out
    assert w.status.cursor.isVisible()  # back after the render
    w.render_workflow.shutdown()


def test_a_tall_window_lists_more_tags(qtbot, monkeypatch):
    w = shown_window(qtbot, monkeypatch, demo_project())
    from muzaic_studio.ui.inspector.tag_catalogue import TagCatalogue

    w.set_tag_catalogue(TagCatalogue.offline())
    w.resize(1920, 1080)
    qtbot.waitUntil(lambda: w.height() == 1080)
    w.doc.select([w.doc.project.sorted_regions()[0].uid])
    QApplication.processEvents()
    tags = w.inspector.tag_picker.list
    row = max(tags.visualItemRect(tags.item(i)).height() for i in range(3))
    rows = tags.viewport().height() / row
    assert rows >= 16  # a tall inspector gives the tag list a share of its height
    w.render_workflow.shutdown()


def test_status_texts_keep_apart_and_new_asks_in_plain_words(qtbot, monkeypatch):
    from tests.ui.editor_helpers import no_modal_dialogs

    w = shown_window(qtbot, monkeypatch, demo_project())
    wf = w.render_workflow
    for label in (wf.play_label, wf.balance_label):
        assert label.contentsMargins().left() >= 6 and label.contentsMargins().right() >= 6
    asked = no_modal_dialogs(monkeypatch)
    w.doc.mark_dirty()
    texts = []
    monkeypatch.setattr(
        "muzaic_studio.ui.window.project_files.QMessageBox.question",
        lambda *a, **_k: (texts.append(a[2]), QMessageBox.StandardButton.Cancel)[1],
    )
    w.action_map["file.new"].trigger()
    assert texts and "closing" not in texts[0] and "unsaved changes" in texts[0]
    assert not asked
    w.doc.undo_stack.setClean()
    w.render_workflow.shutdown()
