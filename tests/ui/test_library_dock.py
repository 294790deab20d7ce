"""The hash library: filled by renders, dragged onto the timeline, kept across projects."""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QDragEnterEvent, QDropEvent
from PySide6.QtWidgets import QApplication

from muzaic_studio.model import HashLibrary
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.library.dock import MIME_TYPE, LibraryStore
from tests.ui.render_support import render_and_wait, render_window


@pytest.fixture
def window(qtbot, engine_url):
    w = render_window(qtbot, engine_url, resize=True)
    render_and_wait(w, qtbot)
    w.timeline.zoom_to_fit()
    yield w
    w.render_workflow.shutdown()


def drop_on_timeline(window, hash_: str, seconds: float) -> bool:
    """Drag the library row of *hash_* and drop it at *seconds* in the region lane."""
    panel = window.render_workflow.library_dock
    assert panel.select_hash(hash_)
    mime = panel.tree.mimeData([panel.tree.currentItem()])
    assert mime.hasFormat(MIME_TYPE)
    view = window.timeline
    target = view.viewport()
    pos = QPointF(view.scale.x(seconds), view.lane_rect.center().y())
    actions = Qt.DropAction.CopyAction
    enter = QDragEnterEvent(pos.toPoint(), actions, mime, Qt.MouseButton.LeftButton,
                            Qt.KeyboardModifier.NoModifier)  # fmt: skip
    QApplication.sendEvent(target, enter)
    if not enter.isAccepted():
        return False
    drop = QDropEvent(pos, actions, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)
    QApplication.sendEvent(target, drop)
    return drop.isAccepted()


def test_rendered_hashes_are_listed_with_details(window):
    panel = window.render_workflow.library_dock
    doc = window.doc
    intro = doc.project.sorted_regions()[0]
    rows = panel.rows()
    assert intro.last_hash in rows
    panel.select_hash(intro.last_hash)
    item = panel.tree.currentItem()
    assert item.text(0).splitlines()[1] == "I5 T5 To5 V5 R5"
    assert item.text(1) == "6.0 s"
    assert item.text(2)  # date
    assert not item.icon(0).isNull()  # the waveform thumbnail
    names = panel.tag_names
    assert all(names.get(t, f"#{t}") in item.text(0) for t in intro.tags)
    assert item.text(0).startswith("Intro")  # the region's name travels with its hash


def test_drag_a_hash_onto_a_region_makes_it_a_copy(window, qtbot):
    doc = window.doc
    intro, second = doc.project.sorted_regions()
    source = intro.last_hash
    assert drop_on_timeline(window, source, second.time + second.duration / 2)
    changed = doc.region(second.uid)
    assert changed.action == "copy" and changed.source_hash == source
    assert doc.selection == {second.uid}
    doc.undo_stack.undo()  # one undo step
    assert doc.region(second.uid).action == "generate"
    doc.undo_stack.redo()
    # the copy renders for free: render changes sends no generate at all
    wf = window.render_workflow
    plan = wf.controller.plan(True)
    assert plan.tokens == 0
    with qtbot.waitSignal(wf.controller.finished, timeout=30_000) as blocker:
        assert wf.render(True)
    assert blocker.args == [True]
    assert doc.project.last_render["tokensUsed"] == 0


def test_drag_onto_empty_timeline_adds_a_copy_region(window):
    doc = window.doc
    source = doc.project.sorted_regions()[1].last_hash
    count = len(doc.regions)
    assert drop_on_timeline(window, source, 20.0)
    assert len(doc.regions) == count + 1
    added = doc.project.sorted_regions()[-1]
    assert added.action == "copy" and added.source_hash == source
    assert added.time == pytest.approx(20.0, abs=0.1) and added.duration == pytest.approx(8.0)
    assert doc.selection == {added.uid}


def test_drop_into_a_short_gap_is_shortened_to_fit(window):
    doc = window.doc
    second = doc.project.sorted_regions()[1]
    doc.edit("move", lambda rs: setattr(next(r for r in rs if r.uid == second.uid), "time", 10.0))
    assert drop_on_timeline(window, second.last_hash, 6.5)  # 3.5 s gap before 10.0
    added = next(r for r in doc.regions if r.action == "copy")
    assert added.time == pytest.approx(6.5, abs=0.1) and added.end <= 10.0 + 1e-6


def test_other_drops_are_left_to_the_timeline(window):
    from PySide6.QtCore import QMimeData

    mime = QMimeData()
    mime.setText("hello")
    target = window.timeline.viewport()
    event = QDragEnterEvent(QPointF(50, 50).toPoint(), Qt.DropAction.CopyAction, mime,
                            Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier)  # fmt: skip
    event.ignore()
    assert not window.render_workflow.drop_filter.eventFilter(target, event)


def test_use_on_selection_and_insert_at_playhead_buttons(window):
    wf = window.render_workflow
    doc = window.doc
    intro, second = doc.project.sorted_regions()
    wf.library_dock.select_hash(intro.last_hash)
    doc.select([second.uid])
    wf.library_dock.use_button.click()
    assert doc.region(second.uid).source_hash == intro.last_hash
    doc.set_playhead(30.0)
    wf.library_dock.insert_button.click()
    assert any(r.time == pytest.approx(30.0) and r.action == "copy" for r in doc.regions)


def test_library_is_kept_across_projects(window, qtbot):
    hashes = {r.last_hash for r in window.doc.regions}
    # the user's library file holds them ...
    assert hashes <= {e.hash for e in HashLibrary.load_file(LibraryStore().path).entries()}
    # ... so a new, empty project still lists them, marked as from another project
    window.set_document(ProjectDocument())
    panel = window.render_workflow.library_dock
    assert hashes <= set(panel.rows())
    assert not window.render_workflow.library.in_project(next(iter(hashes)))
    # its audio is not in this project's renders: preview fetches it from the backend
    # (POST /audioFromHash on the engine's server), off the GUI thread
    some = next(iter(hashes))
    wf = window.render_workflow
    assert wf.hash_library.hash_audio(some) is None
    wf.hash_library.preview_hash(some)
    qtbot.waitUntil(lambda: wf.preview_player.playing, timeout=10_000)
    assert wf.preview_player.source.name.startswith(some[:40])
    assert window.doc.playhead == 0.0
    # using one copies its entry into the new project's own library
    wf.hash_library.drop_hash(some, 6.0, 0.0)
    assert some in window.doc.project.library


def test_preview_plays_the_hash_without_moving_the_playhead(window, qtbot):
    wf = window.render_workflow
    doc = window.doc
    second = doc.project.sorted_regions()[1]
    doc.set_playhead(1.0)
    wf.hash_library.preview_hash(second.last_hash)
    player = wf.preview_player
    assert player.playing and player.position == pytest.approx(second.time, abs=0.05)
    player.advance(0.5)
    assert player.position > second.time + 0.4
    assert doc.playhead == pytest.approx(1.0)  # the preview leaves the timeline alone
    assert wf.library_dock.preview_button.text() == "Stop"
    player.advance(second.duration)  # past the hash's end: it stops there
    assert not player.playing
    assert player.position == pytest.approx(second.end, abs=0.01)


def test_a_preview_that_may_cost_tokens_asks_first(window, qtbot, monkeypatch):
    from muzaic_studio.ui.render import library_preview as rl

    asked: list[float] = []
    monkeypatch.setattr(rl, "confirm_paid_preview", lambda _parent, s: asked.append(s) or False)
    some = next(r.last_hash for r in window.doc.regions)
    length = next(r.duration for r in window.doc.regions if r.last_hash == some)
    window.set_document(ProjectDocument())  # its audio is not in this project's renders
    wf = window.render_workflow
    wf.ask_before_spending = True
    from muzaic_studio import paths

    # not fetched before (a fetched preview is on disk and costs nothing again)
    (paths.cache_dir() / "previews" / f"{some[:40]}.mp3").unlink(missing_ok=True)
    wf.hash_library.preview_hash(some)
    assert asked == [length]  # asked, with what it may cost, before anything is sent
    assert not wf.preview_player.playing
    from muzaic_studio.ui.library.dock import paid_preview_question

    assert "may charge tokens" in paid_preview_question(length)
