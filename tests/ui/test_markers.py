"""User markers: M at the playhead, drag, rename, colour, delete, undo, save/reopen, CSV,
Regions from Markers, and the timeline snaps to them."""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt

from muzaic_studio.model import Project, Region
from muzaic_studio.model.mix import project_markers
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.timeline import markers as mk
from tests.ui.editor_helpers import mouse, shown_window


def _window(qtbot, monkeypatch):
    project = Project(regions=[Region(0.0, 10.0, tags=[1]), Region(10.0, 10.0, tags=[2])])
    return shown_window(qtbot, monkeypatch, project)


def test_markers_add_move_rename_colour_delete_undo_and_survive_reopen(
    qtbot, monkeypatch, tmp_path
):
    w = _window(qtbot, monkeypatch)
    doc, view = w.doc, w.timeline
    assert w.findChild(object, "markers.add").shortcuts()[0].toString() == "M"
    doc.set_playhead(4.0)
    w.activateWindow()
    qtbot.waitUntil(w.isActiveWindow, timeout=3000)
    view.setFocus()
    qtbot.keyClick(view, Qt.Key.Key_M)
    assert [m.time for m in mk.markers(doc)] == [4.0]
    assert 4.0 in doc.markers  # a snap target like a scene cut
    view.set_zoom(40.0, 0)
    view.scroll_to(0)
    # drag the flag in the ruler from 4 s to 7 s
    y = view.lane_rect.top() - 6
    vp = view.viewport()
    mouse(vp, "press", QPointF(view.scale.x(4.0), y))
    mouse(vp, "move", QPointF(view.scale.x(5.5), y))
    mouse(vp, "move", QPointF(view.scale.x(7.0), y))
    mouse(vp, "release", QPointF(view.scale.x(7.0), y))
    assert [m.time for m in mk.markers(doc)] == [7.0]
    assert 7.0 in doc.markers and 4.0 not in doc.markers
    # dragged near a region edge, a marker snaps to it (like every other edge)
    mouse(vp, "press", QPointF(view.scale.x(7.0), y))
    mouse(vp, "move", QPointF(view.scale.x(10.1), y))
    mouse(vp, "release", QPointF(view.scale.x(10.1), y))
    assert [m.time for m in mk.markers(doc)] == [10.0]
    doc.undo_stack.undo()
    w.marker_workflow.drag.ask = lambda title, current: "Door slam"
    w.marker_workflow.drag.rename(0)
    mk.recolor_marker(doc, 0, "#ff0000")
    assert mk.markers(doc)[0].name == "Door slam" and mk.markers(doc)[0].color == "#ff0000"
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    doc.undo_stack.undo()  # the move
    assert [(m.time, m.name) for m in mk.markers(doc)] == [(4.0, "Marker 1")]
    assert 4.0 in doc.markers and 7.0 not in doc.markers
    doc.undo_stack.redo()
    doc.undo_stack.redo()
    assert doc.dirty
    path = tmp_path / "song.muzaic"
    doc.save(path)
    again = ProjectDocument(Project.load(path), path)
    w.set_document(again)
    assert [(m.time, m.name) for m in mk.markers(again)] == [(7.0, "Door slam")]
    assert 7.0 in again.markers
    mk.delete_marker(again, 0)
    assert not project_markers(again.project.extra) and 7.0 not in again.markers


def test_regions_from_markers_and_csv_export(qtbot, monkeypatch, tmp_path):
    w = _window(qtbot, monkeypatch)
    doc = w.doc
    mk.add_marker(doc, 6.0, "Chase")
    mk.add_marker(doc, 15.0, "Calm")
    w.marker_workflow.actions["markers.regions"].trigger()
    spans = [(r.time, r.duration, r.name) for r in doc.project.sorted_regions()]
    assert spans == [(0.0, 6.0, "Start"), (6.0, 9.0, "Chase"), (15.0, 5.0, "Calm")]
    doc.undo_stack.undo()
    assert len(doc.regions) == 2
    out = tmp_path / "markers.csv"
    w.marker_workflow.export_csv(str(out))
    lines = out.read_text().splitlines()
    assert lines[0] == "time,name"
    assert "6.000,Chase" in lines and "15.000,Calm" in lines and "10.000,Region 2 start" in lines
    times = [float(line.split(",")[0]) for line in lines[1:]]
    assert times == sorted(times)
