""" "Save changes?" comes before a project is read, not after: a big file takes seconds to
read, and the question then came at the end, out of the blue. Cancel reads nothing."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QMessageBox

from muzaic_studio.model import Project, Region
from muzaic_studio.ui.window.demo import open_demo
from tests.ui.editor_helpers import demo_project, read_and_wait, shown_window


@pytest.fixture
def other_file(tmp_path):
    path = tmp_path / "other.muzaic"
    Project(regions=[Region(0.0, 5.0, name="Other")], name="Other").save(path)
    return path


@pytest.fixture
def window(qtbot, monkeypatch):
    w = shown_window(qtbot, monkeypatch, demo_project())
    w.doc.edit("Rename region", lambda rs: setattr(rs[0], "name", "Edited"))
    yield w
    w.doc.mark_clean()  # closing at teardown must not ask


def answering(monkeypatch, window, answer):
    """QMessageBox.question answers *answer*; each question is recorded with whether a
    read was under way when it was asked."""
    asked: list[tuple[str, bool]] = []

    def question(*args, **kwargs):
        asked.append((args[1], window.files.loader.busy))
        return answer

    monkeypatch.setattr(QMessageBox, "question", question)
    return asked


def test_cancel_reads_nothing(window, monkeypatch, other_file):
    asked = answering(monkeypatch, window, QMessageBox.StandardButton.Cancel)
    doc = window.doc
    assert not window.files.open(other_file)
    assert asked == [("Save changes?", False)]
    assert not window.files.loader.busy and not window.files.loader.indicator.isVisible()
    assert window.doc is doc and doc.regions[0].name == "Edited" and doc.dirty


def test_asked_before_the_read_and_not_again_when_it_is_shown(
    window, monkeypatch, qtbot, other_file
):
    asked = answering(monkeypatch, window, QMessageBox.StandardButton.Discard)
    assert read_and_wait(qtbot, window, lambda: window.files.open(other_file))
    assert asked == [("Save changes?", False)]  # once, before the read started
    assert window.doc.path == other_file and window.doc.regions[0].name == "Other"


def test_edits_made_while_the_file_is_read_are_asked_about_when_it_is_shown(
    window, monkeypatch, qtbot, other_file
):
    asked: list[tuple[str, bool]] = []
    buttons = iter([QMessageBox.StandardButton.Discard, QMessageBox.StandardButton.Cancel])

    def question(*args, **kwargs):
        asked.append((args[1], window.files.loader.busy))
        return next(buttons, QMessageBox.StandardButton.Discard)

    monkeypatch.setattr(QMessageBox, "question", question)
    old = window.doc

    def open_then_edit():
        assert window.files.open(other_file)
        # the read's result arrives through the event loop: this edit comes first
        old.edit("Rename region", lambda rs: setattr(rs[0], "name", "Edited again"))

    assert not read_and_wait(qtbot, window, open_then_edit)  # Cancel: the edit is kept
    assert [busy for _title, busy in asked] == [False, True]  # before, then at the end
    assert window.doc is old and old.regions[0].name == "Edited again"


def test_a_second_open_while_reading_does_not_ask_again(window, monkeypatch, qtbot, other_file):
    asked = answering(monkeypatch, window, QMessageBox.StandardButton.Discard)
    assert read_and_wait(
        qtbot, window, lambda: (window.files.open(other_file), window.files.open(other_file))
    )
    assert asked == [("Save changes?", False)]


def test_open_demo_asks_first_too(window, monkeypatch):
    asked = answering(monkeypatch, window, QMessageBox.StandardButton.Cancel)
    doc = window.doc
    assert not open_demo(window)
    assert asked == [("Save changes?", False)] and not window.files.loader.busy
    assert window.doc is doc
