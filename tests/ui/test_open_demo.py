"""Help > Open Demo and the first start's offer of it: the demo shipped in the package opens
as an untitled copy (Save asks where; the package's file is never written), after the
same "save changes?" as Open."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import QFileDialog, QMessageBox

from muzaic_studio.data import DEMO_PROJECT
from muzaic_studio.model import Project, Region
from muzaic_studio.ui.window.demo import OFFER_TEXT
from tests.ui.editor_helpers import read_and_wait, shown_window

DEMO_NAME = "Demo: a one-minute score"


def answer_save_changes(monkeypatch, answer) -> list[str]:
    asked: list[str] = []

    def question(*args, **_kwargs):
        asked.append(args[2])
        return answer

    monkeypatch.setattr("muzaic_studio.ui.window.project_files.QMessageBox.question", question)
    return asked


def help_menu_action(window, text: str):
    return next(a for a in window.menus["help"].actions() if a.text().replace("&", "") == text)


def test_help_open_demo_opens_an_untitled_copy_that_saves_elsewhere(qtbot, monkeypatch, tmp_path):
    w = shown_window(qtbot, monkeypatch, Project(regions=[Region(0.0, 4.0, name="Mine")]))
    w.files.maybe_save = lambda: True
    shipped = DEMO_PROJECT.read_bytes()
    assert read_and_wait(qtbot, w, help_menu_action(w, "Open Demo").trigger)
    doc = w.doc
    assert doc.path is None and doc.display_name == DEMO_NAME
    assert len(doc.regions) == len(Project.load(DEMO_PROJECT).regions)
    assert w.message_bar.isVisible() and w.message_bar.text.startswith("Try:")  # its tips
    assert DEMO_NAME in w.windowTitle()
    # Save asks where (the user's folder, not the package's) and writes there
    target = tmp_path / "my score.muzaic"
    offered: list[str] = []

    def save_dialog(_parent, _title, suggestion, _filter):
        offered.append(suggestion)
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    w.action_map["file.save"].trigger()
    assert offered and not Path(offered[0]).resolve().is_relative_to(DEMO_PROJECT.parent)
    assert w.doc.path == target and Project.load(target).name == DEMO_NAME
    assert DEMO_PROJECT.read_bytes() == shipped
    w.render_workflow.shutdown()


def test_open_demo_asks_to_save_unsaved_changes_first(qtbot, monkeypatch):
    w = shown_window(qtbot, monkeypatch, Project(regions=[Region(0.0, 4.0, name="Mine")]))
    w.doc.edit("add", lambda rs: rs.append(Region(10.0, 2.0, name="Unsaved")))
    asked = answer_save_changes(monkeypatch, QMessageBox.StandardButton.Cancel)
    action = w.app_extras.demo_action
    action.trigger()
    assert asked and "unsaved changes" in asked[0]
    assert not w.files.loader.busy  # asked before reading: cancelled, nothing is read
    assert {r.name for r in w.doc.regions} == {"Mine", "Unsaved"}  # cancelled: kept
    answer_save_changes(monkeypatch, QMessageBox.StandardButton.Discard)
    assert read_and_wait(qtbot, w, action.trigger)
    assert w.doc.display_name == DEMO_NAME and not w.doc.dirty
    w.render_workflow.shutdown()


def test_a_first_start_offers_the_demo_once(qtbot):
    from muzaic_studio.ui.app import open_window

    w = open_window(None)
    qtbot.addWidget(w)
    w.show()
    qtbot.waitExposed(w)
    bar = w.message_bar
    assert bar.isVisible() and bar.text == OFFER_TEXT
    assert bar.action_button.isVisible() and bar.action_button.text() == "Open Demo"
    assert read_and_wait(qtbot, w, bar.action_button.click)
    assert w.doc.display_name == DEMO_NAME and w.doc.path is None
    assert bar.text.startswith("Try:")  # the demo's own note follows the offer
    w.render_workflow.shutdown()
    # the next start without a project: offered already, an empty project as asked
    again = open_window(None)
    qtbot.addWidget(again)
    assert again.message_bar.text != OFFER_TEXT and not again.doc.regions
    again.render_workflow.shutdown()
