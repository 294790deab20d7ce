"""The Inspector's Mix group edits gain and fades of the selection as undo steps."""

from __future__ import annotations

from muzaic_studio.model import Project, Region
from muzaic_studio.model.mix import region_mix
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.inspector.panel import Inspector


def test_mix_panel_edits_the_selection_and_follows_undo(qtbot):
    regions = [Region(0.0, 10.0, tags=[1]), Region(10.0, 5.0, tags=[2])]
    for r in regions:
        r.rendered = {"hash": "1" * 16, "spec": r.spec_digest()}
    doc = ProjectDocument(Project(regions=regions))
    insp = Inspector(doc)
    qtbot.addWidget(insp)
    panel = insp.mix_box
    assert not panel.isEnabled()
    doc.select([r.uid for r in regions])
    assert panel.isEnabled()
    panel.gain_spin.setValue(-6.0)
    panel.fade_spins["in"].setValue(1.5)
    combo = panel.shape_combos["in"]
    combo.setCurrentIndex(combo.findData("log"))
    combo.activated.emit(combo.currentIndex())
    for r in doc.regions:
        mix = region_mix(r)
        assert (mix.gain_db, mix.fade_in, mix.fade_in_shape) == (-6.0, 1.5, "log")
        assert not r.changed_since_render
    doc.undo_stack.undo()  # the shape
    assert region_mix(doc.regions[0]).fade_in_shape == "linear"
    assert panel.shape_combos["in"].currentData() == "linear"
    doc.select([doc.project.sorted_regions()[1].uid])
    panel.fade_spins["out"].setValue(20.0)  # clamped to the region (fade-in 1.5 s + out)
    mix = region_mix(doc.project.sorted_regions()[1])
    assert (mix.fade_in, mix.fade_out) == (1.5, 3.5)
    assert panel.fade_spins["out"].value() == 3.5


def test_a_split_keeps_the_fade_in_left_and_the_fade_out_right() -> None:
    from muzaic_studio.model.mix import RegionMix, set_region_mix
    from muzaic_studio.ui.editing import split_region

    r = Region(0.0, 10.0)
    set_region_mix(r, RegionMix(gain_db=-3.0, fade_in=2.0, fade_out=3.0, xfade=True))
    left, right = split_region(r, 5.0)
    assert region_mix(left) == RegionMix(gain_db=-3.0, fade_in=2.0)
    assert region_mix(right) == RegionMix(gain_db=-3.0, fade_out=3.0, xfade=True)
