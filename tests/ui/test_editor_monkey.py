"""A random monkey: hundreds of random edits (seeded), then undo all -> the original project.

Edits go through the same paths a user takes (gestures on the timeline, window actions,
inspector controls), refused ones included; any exception fails the test.
"""

from __future__ import annotations

import random

import pytest
from PySide6.QtCore import Qt

from muzaic_studio.model.region import PARAM_NAMES
from tests.ui.editor_helpers import demo_project, drag, shown_window

STEPS = 300


@pytest.fixture
def window(qtbot, monkeypatch):
    w = shown_window(qtbot, monkeypatch, demo_project())
    yield w
    w.doc.undo_stack.setClean()


def snapshot(doc):
    return [r.to_dict() for r in doc.project.sorted_regions()], sorted(r.uid for r in doc.regions)


def test_monkey_then_undo_all_restores_the_project(window):
    rng = random.Random(20261125)
    doc, view, insp = window.doc, window.timeline, window.inspector
    original = snapshot(doc)
    mods = [Qt.KeyboardModifier.NoModifier, Qt.KeyboardModifier.ShiftModifier]

    def rand_time():
        return rng.uniform(0, max(60.0, doc.project.duration + 10))

    def select_random():
        if doc.regions:
            doc.select(
                r.uid for r in rng.sample(doc.regions, rng.randint(1, min(3, len(doc.regions))))
            )

    def gesture():
        view.tool = rng.choice(["generate", "copy", "silence", "select"])
        drag(view, rand_time(), rand_time(), modifiers=rng.choice(mods))

    def action():
        window.action_map[rng.choice(["edit.split", "edit.delete", "edit.duplicate", "edit.cut",
                                   "edit.copy", "edit.paste", "edit.select_all",
                                   "edit.nudge_right_big", "edit.nudge_left_big",
                                   "edit.select_next", "view.playhead_next"])].trigger()  # fmt: skip

    def inspector():
        select_random()
        if not doc.selection:
            return
        choice = rng.randrange(6)
        if choice == 0:
            insp.rows[rng.choice(PARAM_NAMES)].slider.setValue(rng.randint(1, 10))
        elif choice == 1:
            insp.rows[rng.choice(["intensity", "tone", "variance", "rhythm"])].toggle.click()
        elif choice == 2:
            insp.duration_spin.setValue(rng.uniform(0.1, 20))
        elif choice == 3:
            insp.start_spin.setValue(rng.uniform(0, 80))
        elif choice == 4:
            insp.action_combo.activated.emit(rng.randrange(3))
        else:
            items = list(insp.tag_picker.items_by_tag.values())
            if items:
                item = rng.choice(items)
                item.setCheckState(Qt.CheckState.Unchecked if item.checkState() == Qt.CheckState.Checked
                                   else Qt.CheckState.Checked)  # fmt: skip
        doc.end_merge()

    def undo_redo():
        stack = doc.undo_stack
        (stack.undo if rng.random() < 0.6 else stack.redo)()

    ops = [gesture, gesture, action, action, inspector, inspector, undo_redo]
    for _ in range(STEPS):
        doc.set_playhead(rand_time())
        rng.choice(ops)()
    assert doc.undo_stack.count() > 50  # the monkey really changed things
    while doc.undo_stack.canUndo():
        doc.undo_stack.undo()
    assert snapshot(doc) == original
    while doc.undo_stack.canRedo():
        doc.undo_stack.redo()
    while doc.undo_stack.canUndo():
        doc.undo_stack.undo()
    assert snapshot(doc) == original
