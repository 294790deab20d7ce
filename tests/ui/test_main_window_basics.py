"""The main window's public surface (used by the render workflow) and its file commands."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QFileDialog, QLabel, QMenu, QMessageBox, QToolBar, QWidget

from muzaic_studio.model import Project, Region
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.window.main_window import MainWindow
from tests.ui.editor_helpers import (
    demo_project,
    no_modal_dialogs,
    open_and_wait,
    read_and_wait,
    shown_window,
)


@pytest.fixture
def window(qtbot, monkeypatch):
    w = shown_window(qtbot, monkeypatch, demo_project())
    yield w
    w.doc.mark_clean()


def test_public_surface(window, qtbot):
    assert set(window.menus) >= {"file", "edit", "view", "render", "help"}
    assert all(isinstance(m, QMenu) for m in window.menus.values())
    assert isinstance(window.toolbar, QToolBar)
    assert window.timeline.doc is window.doc
    seen = []
    window.documentChanged.connect(seen.append)
    doc = ProjectDocument()
    window.set_document(doc)
    assert seen == [doc] and window.doc is doc and window.timeline.doc is doc
    dock = window.add_dock(QLabel("hello"), "Test Panel")
    assert dock.widget().text() == "hello"
    assert dock.toggleViewAction() in window.menus["panels"].actions()
    window.set_backend_label("Muzaic cloud")
    assert window.status.backend.text() == "Muzaic cloud"


def test_message_bar_is_non_blocking_with_action(window, qtbot):
    pressed = []
    window.show_message("Render failed", "error", "Retry", lambda: pressed.append(1))
    bar = window.message_bar
    assert bar.isVisible() and bar.kind == "error" and "Render failed" in bar.text
    qtbot.mouseClick(bar.action_button, qtbot_button())
    assert pressed == [1] and not bar.isVisible()


def qtbot_button():
    from PySide6.QtCore import Qt

    return Qt.MouseButton.LeftButton


def test_title_shows_dirty_mark_and_undo_text(window):
    window.doc.edit("Rename region", lambda rs: setattr(rs[0], "name", "X"))
    assert window.isWindowModified() and "[*]" in window.windowTitle()
    assert window.action_map["edit.undo"].text() == "&Undo Rename region"
    window.action_map["edit.undo"].trigger()
    assert not window.isWindowModified()
    assert window.action_map["edit.redo"].text() == "&Redo Rename region"


def test_status_bar_shows_length_and_tokens(window):
    assert "0:44" in window.status.length.text()
    assert f"{window.doc.project.estimated_tokens} tokens" in window.status.tokens.text()


def test_status_bar_length_reads_m_ss_tenths_also_when_empty(window):
    window.set_document(ProjectDocument())
    assert window.status.length.text().startswith("Length 0:00.0  ·  0 regions")
    window.set_document(ProjectDocument(Project(regions=[Region(0.0, 59.96)])))
    assert window.status.length.text().startswith("Length 1:00.0  ·  1 region")


def test_save_as_suggests_a_file_name_every_disk_takes(window, monkeypatch):
    """Found by a new user: the demo ("Demo: a one-minute score") suggested the file name
    "Demo: a one-minute score.muzaic"; a colon breaks FAT, SMB and Windows disks (the
    audio export already suggested "Demo - a one-minute score.mp3")."""
    suggested = []

    def ask(_parent, _title, suggestion, _filter):
        suggested.append(Path(suggestion).name)
        return "", ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", ask)
    window.set_document(ProjectDocument(Project(name="Demo: a one-minute score")))
    window.action_map["file.save_as"].trigger()
    assert suggested == ["Demo - a one-minute score.muzaic"]


def test_save_and_reopen_through_the_ui(window, tmp_path, monkeypatch, qtbot):
    target = tmp_path / "song"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.doc.edit("Rename region", lambda rs: setattr(rs[0], "name", "Intro"))
    before = window.doc.project.to_dict()
    window.action_map["file.save_as"].trigger()
    saved = Path(str(target) + ".muzaic")
    assert saved.exists() and not window.doc.dirty
    assert "song" in window.windowTitle()
    window.action_map["file.new"].trigger()
    assert window.doc.regions == []
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(saved), ""))
    assert read_and_wait(qtbot, window, window.action_map["file.open"].trigger)
    assert window.doc.path == saved
    assert window.doc.project.to_dict() == before
    assert str(saved.resolve()) in window.files.recent()


def test_save_changes_prompt_cancel_keeps_document(window, monkeypatch):
    window.doc.edit("Rename region", lambda rs: setattr(rs[0], "name", "X"))
    asked = []

    def answer(*args, **kwargs):
        asked.append(args[1])
        return QMessageBox.StandardButton.Cancel

    monkeypatch.setattr(QMessageBox, "question", answer)
    old = window.doc
    window.action_map["file.new"].trigger()
    assert asked == ["Save changes?"] and window.doc is old
    monkeypatch.setattr(QMessageBox, "question", lambda *a, **k: QMessageBox.StandardButton.Discard)
    window.action_map["file.new"].trigger()
    assert window.doc is not old and window.doc.regions == []


def test_broken_project_shows_why_and_changes_nothing(window, tmp_path, qtbot):
    bad = tmp_path / "broken.muzaic"
    bad.write_text('{"format": "muzaic-studio/1", "regions": [{"time": "x"}]}')
    before = bad.read_bytes()
    old = window.doc
    assert not open_and_wait(qtbot, window, bad)
    assert window.doc is old
    assert window.message_bar.kind == "error" and "time must be a number" in window.message_bar.text
    assert bad.read_bytes() == before and list(tmp_path.iterdir()) == [bad]


def test_shortcuts_dialog_lists_every_action(window, qtbot):
    from muzaic_studio.ui.dialogs.shortcuts import ShortcutsDialog
    from muzaic_studio.ui.window.actions import SPECS

    dialog = ShortcutsDialog(window.findChildren(type(window.action_map["file.new"])), window)
    qtbot.addWidget(dialog)
    names = {row[0] for row in dialog.rows}
    for spec in SPECS:
        assert (
            window.action_map[spec.key].text().replace("&", "") in names
            or spec.key.startswith("edit.undo")
            or spec.key.startswith("edit.redo")
            or not spec.shortcuts  # a menu command without keys (Restore Unsaved Work...)
        )
    dialog.search.setText("split")
    visible = [i for i in range(dialog.table.rowCount()) if not dialog.table.isRowHidden(i)]
    assert visible and all("split" in " ".join(dialog.rows[i]).lower() for i in visible)


def test_every_toolbar_control_has_a_tooltip(window):
    for action in window.toolbar.actions():
        if not action.isSeparator():
            assert action.toolTip(), action.text()


def test_project_roundtrip_of_demo_is_exact(tmp_path):
    p = demo_project()
    p.save(tmp_path / "d.muzaic")
    assert Project.load(tmp_path / "d.muzaic").to_dict() == p.to_dict()


def test_no_two_actions_share_a_shortcut(window):
    from collections import Counter

    from PySide6.QtGui import QAction

    keys = Counter(k.toString() for a in window.findChildren(QAction) for k in a.shortcuts())
    assert [k for k, n in keys.items() if n > 1] == []


def test_every_inspector_control_has_a_tooltip(window, qtbot):
    from PySide6.QtWidgets import (
        QAbstractButton,
        QAbstractSlider,
        QAbstractSpinBox,
        QComboBox,
        QLineEdit,
        QListWidget,
        QScrollBar,
    )

    # the form is built after the window's first paint, before any region is selected
    qtbot.waitUntil(lambda: window.inspector.form_built)
    kinds = (QAbstractButton, QAbstractSlider, QAbstractSpinBox, QComboBox, QListWidget)
    controls = [w for w in window.inspector.findChildren(QWidget)
                if isinstance(w, kinds) and not isinstance(w, QScrollBar)
                and not isinstance(w.parent(), QLineEdit)]  # Qt's own clear button  # fmt: skip
    controls += [e for e in window.inspector.findChildren(QLineEdit) if e.parent() is not None
                 and not isinstance(e.parent(), (QComboBox, QAbstractSpinBox))]  # fmt: skip
    assert len(controls) > 15
    assert [c.objectName() or type(c).__name__ for c in controls if not c.toolTip()] == []


def test_drop_a_project_file_opens_it(window, tmp_path, qtbot):
    from PySide6.QtCore import QMimeData, QPoint, QUrl
    from PySide6.QtGui import QDragEnterEvent, QDropEvent

    path = tmp_path / "dropped.muzaic"
    Project(regions=demo_project().regions[:2]).save(path)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    window.dragEnterEvent(enter)
    assert enter.isAccepted()
    drop = QDropEvent(QPointF(10, 10), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton,
                      Qt.KeyboardModifier.NoModifier)  # fmt: skip
    window.dropEvent(drop)
    qtbot.waitUntil(lambda: window.doc.path == path)
    assert len(window.doc.regions) == 2
    other = QMimeData()
    other.setUrls([QUrl.fromLocalFile(str(tmp_path / "song.mp3"))])
    enter = QDragEnterEvent(QPoint(10, 10), Qt.DropAction.CopyAction, other,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    enter.setAccepted(False)
    window.dragEnterEvent(enter)
    assert not enter.isAccepted()


def test_geometry_and_docks_are_remembered(qtbot, monkeypatch):
    no_modal_dialogs(monkeypatch)
    first = MainWindow(ProjectDocument(), autosave=False)
    qtbot.addWidget(first)
    first.resize(701, 455)  # inside the offscreen screen (800x600), or Qt clamps it
    first.show()
    qtbot.waitExposed(first)
    first.docks["Inspector"].hide()
    first.close()
    second = MainWindow(ProjectDocument(), autosave=False)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    assert (second.width(), second.height()) == (701, 455)
    assert not second.docks["Inspector"].isVisible()
    second.docks["Inspector"].show()
    second.window_layout.save()


def test_recent_files_menu(window, tmp_path, qtbot):
    paths = []
    for name in ("a", "b"):
        p = tmp_path / f"{name}.muzaic"
        Project().save(p)
        window.files.add_recent(p)
        paths.append(p)
    texts = [a.text() for a in window.menus["recent"].actions() if a.text()]
    assert texts[:2] == ["&1 b.muzaic", "&2 a.muzaic"]
    assert read_and_wait(qtbot, window, window.menus["recent"].actions()[1].trigger)
    assert window.doc.path == paths[0]


def test_open_window_with_a_broken_project_starts_empty_and_says_why(qtbot, tmp_path, monkeypatch):
    from muzaic_studio.ui.app import open_window

    no_modal_dialogs(monkeypatch)
    bad = tmp_path / "bad.muzaic"
    bad.write_text('{"format": "muzaic-studio/9"}')
    window = open_window(str(bad))
    qtbot.addWidget(window)
    window.autosave.clean_exit()
    qtbot.waitSignal(window.files.loader.done, timeout=20_000).wait()
    assert window.doc.regions == [] and window.doc.path is None
    assert window.message_bar.kind == "error" and "newer Muzaic Studio" in window.message_bar.text
    assert bad.read_text() == '{"format": "muzaic-studio/9"}'
    good = tmp_path / "good.muzaic"
    demo_project().save(good)
    second = open_window(str(good))
    qtbot.addWidget(second)
    second.autosave.clean_exit()
    qtbot.waitSignal(second.files.loader.done, timeout=20_000).wait()
    assert second.doc.path == good and len(second.doc.regions) == 5
    qtbot.waitUntil(lambda: str(good.resolve()) in second.files.recent())
