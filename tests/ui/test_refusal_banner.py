"""A "can't render" banner lasts exactly as long as what the render refused: the edit or
undo that removes the reason drops it, any other edit leaves it up. The refusal here is
the demo's: a library hash dropped on "Opening" makes the copy "Reprise of the opening"
a copy of a copy, which Render Changes refuses before anything is sent. A refused timeline
gesture's warning goes with the next edit that goes through: it stayed up naming a region
the user had since deleted (new-user trial)."""

from __future__ import annotations

import pytest
from PySide6.QtCore import Qt

from muzaic_studio.engine.backend import OfflineEngine
from muzaic_studio.engine.store import RegionStore
from muzaic_studio.model import Region
from muzaic_studio.model.project import Project
from muzaic_studio.ui.render import precheck
from muzaic_studio.ui.render.precheck import RECHECK_MS
from muzaic_studio.ui.window.demo import DEMO_PROJECT
from tests.ui.editor_helpers import drag, shown_window

LIBRARY_HASH = "ffee00112233aabb"


@pytest.fixture
def window(qtbot, monkeypatch, tmp_path):
    w = shown_window(qtbot, monkeypatch, Project.load(DEMO_PROJECT))
    w.files.maybe_save = lambda: True
    wf = w.render_workflow
    wf.ask_before_spending = False
    wf.use_backend(OfflineEngine(store=RegionStore(tmp_path / "store")))
    yield w
    wf.shutdown()


def refuse_copy_of_a_copy(window, qtbot) -> None:
    """Drop a library hash on "Opening", then Render Changes (Ctrl+Shift+R): refused."""
    wf, doc = window.render_workflow, window.doc
    opening = next(r for r in doc.regions if r.name.startswith("Opening"))
    assert wf.hash_library.drop_hash(LIBRARY_HASH, 6.0, opening.time + 1.0)
    assert next(r for r in doc.regions if r.uid == opening.uid).action == "copy"
    wf.actions["render.changes"].trigger()
    bar = window.message_bar
    qtbot.waitUntil(lambda: bar.isVisible() and "Nothing was sent." in bar.text, timeout=20_000)
    assert "copy region" in bar.text and bar.kind == "error"
    assert not wf.controller.busy


def gone(qtbot, bar) -> None:
    """The banner goes once the edits pause (precheck.BannerRecheck)."""
    qtbot.waitUntil(lambda: not bar.isVisible(), timeout=5_000)


def still_up(qtbot, bar, words: str) -> None:
    qtbot.wait(RECHECK_MS + 250)  # past the check after the edit
    assert bar.isVisible() and words in bar.text


def test_undo_of_the_drop_drops_the_banner(window, qtbot):
    refuse_copy_of_a_copy(window, qtbot)
    window.action_map["edit.undo"].trigger()  # Ctrl+Z: Opening generates again
    gone(qtbot, window.message_bar)


def test_a_run_of_edits_is_checked_once_when_it_pauses(window, qtbot, monkeypatch):
    """A slider drag under a refusal's banner: one check after the last step, not one
    per step (the check is the render's whole preparation)."""
    refuse_copy_of_a_copy(window, qtbot)
    calls = []
    monkeypatch.setattr(precheck, "refused_now", lambda c: calls.append(c) or True)
    doc = window.doc
    theme = next(r for r in doc.regions if r.name == "Theme").uid
    for value in (3, 4, 5, 6, 7, 8):
        doc.edit("Intensity", lambda rs, v=value: next(r for r in rs if r.uid == theme)
                 .params.update(intensity=v), merge_key="theme")  # fmt: skip
    assert calls == []
    still_up(qtbot, window.message_bar, "Nothing was sent.")
    assert len(calls) == 1


def test_an_edit_that_leaves_the_refusal_keeps_the_banner(window, qtbot):
    refuse_copy_of_a_copy(window, qtbot)
    doc, bar = window.doc, window.message_bar
    theme = next(r for r in doc.regions if r.name == "Theme")
    doc.edit("Rename", lambda rs: setattr(next(r for r in rs if r.uid == theme.uid), "name", "T"))
    still_up(qtbot, bar, "Nothing was sent.")
    window.action_map["edit.undo"].trigger()  # the rename: Opening is still a copy
    still_up(qtbot, bar, "Nothing was sent.")
    window.action_map["edit.undo"].trigger()  # the drop
    gone(qtbot, bar)
    window.action_map["edit.redo"].trigger()  # the drop again: the banner stays gone, and
    qtbot.wait(RECHECK_MS + 250)
    assert not bar.isVisible()  # the next Render Changes says it again
    wf = window.render_workflow
    wf.actions["render.changes"].trigger()
    qtbot.waitUntil(lambda: bar.isVisible() and "Nothing was sent." in bar.text, timeout=20_000)


def test_a_contract_problem_fixed_by_an_edit_drops_its_banner(window, qtbot):
    """The request-level refusal ("Cannot render: ...") goes the same way."""
    wf, doc, bar = window.render_workflow, window.doc, window.message_bar
    opening = next(r for r in doc.regions if r.name.startswith("Opening"))

    def edit(text, change):
        doc.edit(text, lambda rs: change(next(r for r in rs if r.uid == opening.uid)))

    edit("Tempo", lambda r: r.params.update(tempo=11))  # past the contract's 1..10
    wf.actions["render.render"].trigger()
    qtbot.waitUntil(
        lambda: bar.isVisible() and bar.text.startswith("Cannot render:"), timeout=20_000
    )
    assert "tempo" in bar.text
    edit("Rename", lambda r: setattr(r, "name", "Intro"))
    still_up(qtbot, bar, "Cannot render:")
    edit("Tempo", lambda r: r.params.update(tempo=4))  # fixed by an edit, not an undo
    gone(qtbot, bar)


def test_the_refusal_warning_goes_with_the_next_edit(qtbot, monkeypatch):
    w = shown_window(
        qtbot, monkeypatch, Project(regions=[Region(0.0, 10.0, tags=[1]), Region(30.0, 10.0)])
    )
    view, bar, doc = w.timeline, w.message_bar, w.doc
    view.set_zoom(20.0, 0)
    view.scroll_to(0)
    drag(view, 35.0, 8.0, modifiers=Qt.KeyboardModifier.ShiftModifier)  # onto the first
    assert bar.isVisible() and "overlap" in bar.text and bar.kind == "warning"
    doc.edit("delete", lambda rs: rs.pop(0))  # the region it named is gone
    assert not bar.isVisible()
    w.doc.undo_stack.setClean()
    w.render_workflow.shutdown()
