"""A screenshot of the main window on the demo project, to look at (path printed), and
the "done" check from the issue: five regions drawn by hand, saved, reopened unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from PySide6.QtCore import Qt

from muzaic_studio.model import Project
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.inspector.tag_catalogue import TagCatalogue
from muzaic_studio.ui.window.main_window import MainWindow
from tests.ui.editor_helpers import demo_project, drag, no_modal_dialogs, read_and_wait

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"


def fake_waveform(project: Project):
    """A waveform shaped by each region's intensity (the real one needs a render)."""
    np = pytest.importorskip("numpy")
    from muzaic_studio.audio.peaks import PeakPyramid
    from muzaic_studio.model.region import param_at

    rate = 4000
    n = int(project.duration * rate) + 1
    t = np.arange(n) / rate
    env = np.zeros(n)
    for r in project.regions:
        if r.action == "silence":
            continue
        a, b = int(r.time * rate), int(r.end * rate)
        pos = np.linspace(0, 1, b - a)
        level = np.array([param_at(r.params.get("intensity", 5), float(p)) for p in pos[::200]])
        env[a:b] = np.interp(pos, pos[::200], level) / 10.0
    beat = 0.6 + 0.4 * np.abs(np.sin(np.pi * t * 2))
    noise = np.random.default_rng(1).normal(0, 0.25, n)
    signal = env * beat * (0.55 * np.sin(2 * np.pi * 110 * t) + noise)
    return PeakPyramid.from_samples(np.clip(signal, -1, 1), rate)


def test_screenshot_of_the_main_window(qtbot, monkeypatch, app_style):
    no_modal_dialogs(monkeypatch)
    demo = ROOT / "muzaic_studio" / "data" / "demo.muzaic"
    project = Project.load(demo) if demo.exists() else demo_project()
    window = MainWindow(ProjectDocument(project, demo if demo.exists() else None), autosave=False)
    qtbot.addWidget(window)
    window.resize(1440, 860)
    window.show()
    qtbot.waitExposed(window)
    window.after_show()
    window.message_bar.hide()
    window.doc.set_waveform(fake_waveform(window.doc.project))
    window.doc.set_markers([window.doc.project.duration * 0.62])
    regions = window.doc.project.sorted_regions()
    window.doc.select([regions[1].uid])
    window.doc.set_playhead(regions[1].time + regions[1].duration * 0.4)
    window.timeline.zoom_to_fit()
    qtbot.wait(50)
    ARTIFACTS.mkdir(exist_ok=True)
    path = ARTIFACTS / "main_window.png"
    assert window.grab().save(str(path))
    print(f"\nscreenshot: {path}")
    assert path.stat().st_size > 20_000


def test_five_regions_by_hand_saved_and_reopened_exactly(qtbot, monkeypatch, tmp_path):
    from PySide6.QtWidgets import QFileDialog

    no_modal_dialogs(monkeypatch)
    window = MainWindow(ProjectDocument(), autosave=False)
    qtbot.addWidget(window)
    window.resize(1300, 800)
    window.show()
    qtbot.waitExposed(window)
    window.set_tag_catalogue(TagCatalogue.offline())
    view, insp = window.timeline, window.inspector
    view.set_zoom(20.0, 0)
    shift = Qt.KeyboardModifier.ShiftModifier
    plan = [("generate", 0, 8), ("silence", 8, 10), ("generate", 10, 20), ("copy", 20, 26),
            ("generate", 26, 36)]  # fmt: skip
    for i, (tool, t0, t1) in enumerate(plan):
        window.action_map[f"tool.{tool}"].trigger()
        drag(view, t1, t0 - 1, modifiers=shift)  # right to left: clamped at the neighbour
        if tool == "generate":
            insp.rows["tempo"].slider.setValue(2 + i)
            insp.rows["intensity"].slider.setValue(9 - i)
            insp.tag_picker.items_by_tag[[1, 3, 5][i // 2]].setCheckState(Qt.CheckState.Checked)
        if tool == "copy":
            insp.source_combo.setEditText("0123456789abcdef")
            insp.source_combo.lineEdit().editingFinished.emit()
    regions = window.doc.project.sorted_regions()
    assert [r.action for r in regions] == [p[0] for p in plan]
    assert len({r.params["tempo"] for r in regions if r.action == "generate"}) == 3
    target = tmp_path / "five.muzaic"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(target), ""))
    window.action_map["file.save"].trigger()
    saved = [r.to_dict() for r in regions]
    window.action_map["file.new"].trigger()
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(target), ""))
    assert read_and_wait(qtbot, window, window.action_map["file.open"].trigger)
    assert [r.to_dict() for r in window.doc.project.sorted_regions()] == saved
    assert not window.doc.dirty
