"""The marker dialogs as a user meets them: double-click a flag to rename it, right-click it
for Rename / Colour / Delete, Export Markers as CSV through the save dialog, Regions from
Markers with and without markers. The real Qt dialogs open (modal) and are answered the
way a user would, from a timer, once they are on screen."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QPointF, Qt, QTimer
from PySide6.QtGui import QColor
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QApplication, QColorDialog, QFileDialog, QInputDialog, QMenu

from muzaic_studio.model import Project, Region
from muzaic_studio.ui.timeline import markers as mk
from tests.ui.editor_helpers import mouse, shown_window


def shown(widget) -> dict:
    """What the user saw in *widget* (the static dialogs delete themselves after)."""
    seen = {"kind": type(widget).__name__, "title": widget.windowTitle()}
    if isinstance(widget, QInputDialog):
        seen.update(label=widget.labelText(), text=widget.textValue())
    if isinstance(widget, QMenu):
        seen["entries"] = [a.text() for a in widget.actions()]
    return seen


def when_shown(kind: type, answer: Callable, seen: list) -> None:
    """Answer the next modal dialog (or popup menu) of *kind* once it is shown."""
    tries = [0]

    def poll() -> None:
        widget = QApplication.activePopupWidget() or QApplication.activeModalWidget()
        if isinstance(widget, kind) and widget.isVisible():
            seen.append(shown(widget))
            answer(widget)
        elif tries[0] < 250:  # 5 s
            tries[0] += 1
            QTimer.singleShot(20, poll)

    QTimer.singleShot(20, poll)


def _window(qtbot, monkeypatch):
    project = Project(regions=[Region(0.0, 10.0, tags=[1]), Region(10.0, 10.0, tags=[2])])
    w = shown_window(qtbot, monkeypatch, project)
    w.timeline.set_zoom(40.0, 0)
    w.timeline.scroll_to(0)
    return w


def flag(view, t: float) -> QPointF:
    """Where a marker's flag is drawn, in the ruler above the region lane."""
    return QPointF(view.scale.x(t) + 4, view.lane_rect.top() - 6)


def rename_to(name: str | None) -> Callable:
    def answer(dialog: QInputDialog) -> None:
        if name is None:
            dialog.reject()
        else:
            dialog.setTextValue(name)
            dialog.accept()

    return answer


def choose(text: str) -> Callable:
    """Pick the menu entry *text* with the keyboard, as a user would."""

    def press(menu: QMenu) -> None:
        menu.setActiveAction(next(a for a in menu.actions() if a.text() == text))
        QTest.keyClick(menu, Qt.Key.Key_Return)

    return press


def test_double_click_renames_through_the_dialog_and_cancel_keeps_the_name(qtbot, monkeypatch):
    w = _window(qtbot, monkeypatch)
    doc, view = w.doc, w.timeline
    mk.add_marker(doc, 4.0, "Marker 1")
    seen: list = []
    when_shown(QInputDialog, rename_to("  Door slam "), seen)
    mouse(view.viewport(), "double", flag(view, 4.0))
    assert seen == [
        {"kind": "QInputDialog", "title": "Rename Marker", "label": "Name:", "text": "Marker 1"}
    ]
    assert [(m.time, m.name) for m in mk.markers(doc)] == [(4.0, "Door slam")]
    when_shown(QInputDialog, rename_to(None), seen)  # Cancel
    mouse(view.viewport(), "double", flag(view, 4.0))
    assert len(seen) == 2 and seen[1]["text"] == "Door slam"  # offered the current name
    assert mk.markers(doc)[0].name == "Door slam"
    doc.undo_stack.undo()
    assert mk.markers(doc)[0].name == "Marker 1"


def test_right_click_menu_renames_recolours_and_deletes(qtbot, monkeypatch):
    w = _window(qtbot, monkeypatch)
    doc, view = w.doc, w.timeline
    mk.add_marker(doc, 4.0, "Marker 1")
    mk.add_marker(doc, 12.0, "Marker 2")
    vp = view.viewport()
    seen: list = []

    when_shown(QMenu, choose("Rename..."), seen)
    when_shown(QInputDialog, rename_to("Chase"), seen)
    mouse(vp, "press", flag(view, 12.0), Qt.MouseButton.RightButton)
    assert seen[0]["entries"] == ["Rename...", "Colour...", "Delete"]
    assert [m.name for m in mk.markers(doc)] == ["Marker 1", "Chase"]

    def pick_green(dialog: QColorDialog) -> None:
        dialog.setCurrentColor(QColor("#00aa55"))
        dialog.accept()

    when_shown(QMenu, choose("Colour..."), seen)
    when_shown(QColorDialog, pick_green, seen)
    mouse(vp, "press", flag(view, 4.0), Qt.MouseButton.RightButton)
    assert seen[-1] == {"kind": "QColorDialog", "title": "Marker Colour"}
    assert mk.markers(doc)[0].color == "#00aa55"
    before = mk.markers(doc)[1].color

    when_shown(QMenu, choose("Colour..."), seen)
    when_shown(QColorDialog, lambda dialog: dialog.reject(), seen)  # Cancel: no change
    mouse(vp, "press", flag(view, 12.0), Qt.MouseButton.RightButton)
    assert mk.markers(doc)[1].color == before

    when_shown(QMenu, choose("Delete"), seen)
    mouse(vp, "press", flag(view, 4.0), Qt.MouseButton.RightButton)
    assert [(m.time, m.name) for m in mk.markers(doc)] == [(12.0, "Chase")]
    assert 4.0 not in doc.markers  # no longer a snap target
    doc.undo_stack.undo()
    assert [m.time for m in mk.markers(doc)] == [4.0, 12.0]
    assert mk.markers(doc)[0].color == "#00aa55"


def test_csv_export_through_the_save_dialog(qtbot, monkeypatch, tmp_path):
    w = _window(qtbot, monkeypatch)
    doc = w.doc
    mk.add_marker(doc, 6.0, "Chase, part 1")
    doc.save(tmp_path / "scene 4.muzaic")
    seen: list = []

    def save(dialog: QFileDialog) -> None:
        seen[-1]["proposed"] = dialog.selectedFiles()
        dialog.accept()  # Save, with the name proposed

    when_shown(QFileDialog, save, seen)
    w.marker_workflow.actions["markers.csv"].trigger()
    out = tmp_path / "scene 4.csv"
    assert seen and seen[0]["title"] == "Export Markers"
    assert seen[0]["proposed"] == [str(out)]  # beside the project, named after it
    assert out.exists(), w.message_bar.text
    lines = out.read_text().splitlines()
    assert lines[0] == "time,name"
    assert '6.000,"Chase, part 1"' in lines  # a comma in a name is quoted
    assert "10.000,Region 2 start" in lines
    assert "Wrote" in w.message_bar.text and str(out) in w.message_bar.text
    out.unlink()
    when_shown(QFileDialog, lambda dialog: dialog.reject(), seen)  # Cancel writes nothing
    w.marker_workflow.actions["markers.csv"].trigger()
    assert len(seen) == 2 and not out.exists()


def test_regions_from_markers_without_markers_says_what_to_do(qtbot, monkeypatch):
    w = _window(qtbot, monkeypatch)
    before = [(r.time, r.duration) for r in w.doc.project.sorted_regions()]
    w.marker_workflow.actions["markers.regions"].trigger()
    assert "Add markers first" in w.message_bar.text
    assert [(r.time, r.duration) for r in w.doc.project.sorted_regions()] == before
    mk.add_marker(w.doc, 5.0, "Hit")
    w.marker_workflow.actions["markers.regions"].trigger()
    assert [(r.time, r.name) for r in w.doc.project.sorted_regions()] == [
        (0.0, "Start"),
        (5.0, "Hit"),
    ]
    assert "2 regions from the markers" in w.message_bar.text
