"""Timeline gestures with real mouse events: draw, move, resize, snap, select, seek, zoom."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from muzaic_studio.model import Project, Region
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.timeline.view import RULER_H, TimelineView
from tests.ui.editor_helpers import click, drag, mouse

SHIFT = Qt.KeyboardModifier.ShiftModifier
CTRL = Qt.KeyboardModifier.ControlModifier


@pytest.fixture
def view(qtbot):
    doc = ProjectDocument(
        Project(
            regions=[
                Region(0.0, 10.0, tags=[1]),
                Region(10.0, 5.0, "silence"),
                Region(30.0, 10.0, tags=[2]),
            ]
        )
    )
    v = TimelineView(doc)
    qtbot.addWidget(v)
    v.resize(1000, 400)
    v.show()
    qtbot.waitExposed(v)
    v.set_zoom(20.0, 0)  # 1 s = 20 px
    v.scroll_to(0)
    v.grid_mode = "off"
    return v


def times(doc):
    return [
        (round(r.time, 3), round(r.duration, 3), r.action) for r in doc.project.sorted_regions()
    ]


def test_draw_region_with_current_tool_then_undo_redo(view):
    doc = view.doc
    before = times(doc)
    drag(view, 16.3, 24.6, modifiers=SHIFT)  # Shift: no snapping
    assert times(doc) == [*before[:2], (16.3, 8.3, "generate"), before[2]]
    new = doc.region(next(iter(doc.selection)))
    assert new.time == pytest.approx(16.3)
    assert doc.undo_stack.count() == 1 and doc.undo_stack.undoText() == "Draw generate region"
    doc.undo_stack.undo()
    assert times(doc) == before
    doc.undo_stack.redo()
    assert len(doc.regions) == 4


@pytest.mark.parametrize("tool", ["copy", "silence"])
def test_draw_uses_toolbar_action(view, tool):
    view.tool = tool
    drag(view, 45, 50)
    assert times(view.doc)[-1][2] == tool


def test_draw_is_clamped_to_the_free_gap(view):
    drag(view, 20, 35, modifiers=SHIFT)  # would run into the region at 30 s
    assert times(view.doc)[2] == (20.0, 10.0, "generate")


def test_draw_snaps_to_neighbour_edge_and_playhead(view):
    view.doc.set_playhead(22.0)
    drag(view, 15.35, 21.8)  # within 8 px (0.4 s) of 15 and 22, outside the edge grip
    assert times(view.doc)[2] == (15.0, 7.0, "generate")


def test_draw_snaps_to_grid(view):
    view.grid_mode = "seconds"  # at 20 px/s ticks are 5 s apart, the grid is 1 s
    drag(view, 16.12, 21.38)
    assert times(view.doc)[2][:2] == (16.0, 5.0)


def test_click_on_empty_space_deselects_and_seeks(view):
    view.doc.select([view.doc.regions[0].uid])
    click(view, 25.0)
    assert view.doc.selection == set()
    assert view.doc.playhead == pytest.approx(25.0)
    assert len(view.doc.regions) == 3


def test_move_region_one_undo_step(view):
    doc = view.doc
    drag(view, 33.0, 48.3, modifiers=SHIFT)
    assert times(doc)[-1] == (45.3, 10.0, "generate")
    assert doc.undo_stack.count() == 1
    doc.undo_stack.undo()
    assert times(doc)[-1] == (30.0, 10.0, "generate")


def test_move_snaps_to_neighbour_edge(view):
    drag(view, 33.0, 28.2)  # start would be 25.2; the left edge snaps to 15 only if near
    assert times(view.doc)[-1][0] == pytest.approx(25.2)
    view.doc.undo_stack.undo()
    drag(view, 33.0, 18.3)  # start 15.3 -> snaps to the silence's end at 15
    assert times(view.doc)[-1][0] == 15.0


def test_move_onto_neighbour_is_refused_with_reason(view, qtbot):
    doc = view.doc
    before = times(doc)
    with qtbot.waitSignal(view.message) as sig:
        drag(view, 35.0, 12.0, modifiers=SHIFT)
    assert "overlap" in sig.args[0] and sig.args[1] == "warning"
    assert times(doc) == before and doc.undo_stack.count() == 0
    assert "overlap" in view.hint


def test_move_group_keeps_spacing(view):
    doc = view.doc
    doc.select([r.uid for r in doc.regions])
    drag(view, 5.0, 7.0, modifiers=SHIFT)
    assert [t for t, _d, _a in times(doc)] == [2.0, 12.0, 32.0]
    assert doc.undo_stack.undoText() == "Move 3 regions"


def test_resize_right_and_left_edges(view):
    doc = view.doc
    drag(view, 40.0, 44.3, modifiers=SHIFT)
    assert times(doc)[-1] == (30.0, 14.3, "generate")
    drag(view, 30.0, 27.0, modifiers=SHIFT)
    assert times(doc)[-1] == (27.0, 17.3, "generate")
    assert doc.undo_stack.count() == 2
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert times(doc)[-1] == (30.0, 10.0, "generate")


def test_resize_into_neighbour_is_refused(view):
    before = times(view.doc)
    drag(view, 30.0, 12.0, modifiers=SHIFT)
    assert times(view.doc) == before


def test_resize_keeps_a_minimum_length(view):
    drag(view, 40.0, 20.0, modifiers=SHIFT)  # drag the right edge far past the left one
    assert times(view.doc)[-1][1] == pytest.approx(0.1)


def test_ctrl_click_toggles_and_shift_click_extends(view):
    doc = view.doc
    a, b, c = doc.project.sorted_regions()
    click(view, 5.0)
    assert doc.selection == {a.uid}
    click(view, 35.0, modifiers=CTRL)
    assert doc.selection == {a.uid, c.uid}
    click(view, 35.0, modifiers=CTRL)
    assert doc.selection == {a.uid}
    click(view, 5.0)
    click(view, 35.0, modifiers=SHIFT)
    assert doc.selection == {a.uid, b.uid, c.uid}


def test_rubber_band_selects_what_it_touches(view):
    view.tool = "select"
    drag(view, 20.0, 8.0)
    a, b, _c = view.doc.project.sorted_regions()
    assert view.doc.selection == {a.uid, b.uid}
    assert len(view.doc.regions) == 3  # the select tool never draws


def test_ctrl_drag_on_empty_space_is_a_rubber_band_even_when_drawing(view):
    drag(view, 20.0, 31.0, modifiers=CTRL)
    assert len(view.doc.regions) == 3
    assert view.doc.selection == {view.doc.project.sorted_regions()[2].uid}


def test_ruler_click_and_drag_seek(view):
    drag(view, 3.0, 12.5, y=RULER_H / 2, modifiers=SHIFT)
    assert view.doc.playhead == pytest.approx(12.5)
    assert len(view.doc.regions) == 3 and view.doc.undo_stack.count() == 0


def test_ctrl_wheel_zooms_around_the_pointer(view):
    x = view.scale.x(20.0)
    pos = QPointF(x, 100)
    event = QWheelEvent(pos, QPointF(view.viewport().mapToGlobal(QPoint(int(x), 100))), QPoint(),
                        QPoint(0, 120), Qt.MouseButton.NoButton, CTRL,
                        Qt.ScrollPhase.NoScrollPhase, False)  # fmt: skip
    QApplication.sendEvent(view.viewport(), event)
    assert view.scale.px_per_sec == pytest.approx(25.0)
    assert view.scale.time(x) == pytest.approx(20.0, abs=0.05)


def test_zoom_to_fit_shows_everything(view):
    view.zoom_to_fit()
    assert view.scale.x(0) >= 0
    assert view.scale.x(40.0) <= view.viewport().width()


def test_empty_project_shows_a_minute_and_a_short_one_fits_its_content(view, qtbot):
    def seconds_shown():
        return view.scale.time(view.viewport().width())

    view.set_document(ProjectDocument())  # File > New
    assert 55.0 <= seconds_shown() <= 70.0  # room to draw a normal-length soundtrack
    view.zoom_to_fit()
    assert 55.0 <= seconds_shown() <= 70.0
    view.set_document(ProjectDocument(Project(regions=[Region(0.0, 12.0)])))
    assert 12.0 <= seconds_shown() <= 14.0  # content still fills the view


def test_tooltip_and_hit_test(view):
    kind, region = view.interaction.hit(QPointF(view.scale.x(5), view.lane_rect.center().y()))
    assert kind == "body" and region.time == 0.0
    html = view.tooltip_html(region)
    assert "intensity 5" in html and "changed since the last render" in html
    kind, _ = view.interaction.hit(QPointF(view.scale.x(10) + 1, view.lane_rect.center().y()))
    assert kind in ("left", "right")


def test_escape_cancels_a_drag(view, qtbot):
    vp = view.viewport()
    y = view.lane_rect.center().y()
    mouse(vp, "press", QPointF(view.scale.x(33), y))
    mouse(vp, "move", QPointF(view.scale.x(45), y))
    qtbot.keyClick(view, Qt.Key.Key_Escape)
    mouse(vp, "release", QPointF(view.scale.x(45), y))
    assert times(view.doc)[-1][0] == 30.0


def test_paints_waveform_markers_and_1000_regions(view, qtbot):
    np = pytest.importorskip("numpy")
    from muzaic_studio.audio.peaks import PeakPyramid

    rate = 8000
    t = np.arange(rate * 60) / rate
    pyramid = PeakPyramid.from_samples(0.5 * np.sin(2 * np.pi * 220 * t) * np.sin(t), rate)
    doc = view.doc
    doc.set_waveform(pyramid)
    doc.set_markers([12.0, 25.0])
    image = view.viewport().grab().toImage()
    wave_y = int(view.wave_rect.center().y() - view.wave_rect.height() * 0.2)
    colours = {image.pixelColor(x, wave_y).name() for x in range(0, 800, 7)}
    assert len(colours) > 1  # the waveform drew something in its lane
    many = ProjectDocument(Project(regions=[Region(i * 1.0, 0.9) for i in range(1000)]))
    view.set_document(many)
    view.grab()
    assert [r.time for r in view.regions_between(10.0, 12.0)] == [10.0, 11.0]


def test_dragging_past_the_edge_scrolls_and_the_move_follows(view, qtbot):
    vp = view.viewport()
    y = view.lane_rect.center().y()
    width = vp.width()
    press_x = view.scale.x(35.0)
    mouse(vp, "press", QPointF(press_x, y))
    mouse(vp, "move", QPointF(width - 5, y), modifiers=SHIFT)
    before = view.horizontalScrollBar().value()
    qtbot.waitUntil(lambda: view.horizontalScrollBar().value() > before + 40, timeout=3000)
    mouse(vp, "release", QPointF(width - 5, y), modifiers=SHIFT)
    assert not view.interaction.autoscroll.isActive()
    moved = view.doc.project.sorted_regions()[-1]
    # The region moved by what the pointer travelled in time, scrolling included.
    assert moved.time == pytest.approx(30.0 + view.scale.time(width - 5) - 35.0, abs=0.06)
    assert moved.time > 30.0 + (width - 5 - press_x) / 20.0 + 2.0  # more than without scrolling
