"""The gain label on a region sits clear of its fade lines (it once sat at the region's
left edge, across a fade-in's curve), below the name and inside the region."""

from __future__ import annotations

import itertools

import pytest
from PySide6.QtCore import QPointF, QRectF
from PySide6.QtWidgets import QApplication

from muzaic_studio.model import Project, Region
from muzaic_studio.model.mix import RegionMix, set_region_mix
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.timeline import mix_handles, mix_paint
from muzaic_studio.ui.timeline.view import TimelineView

MIXES = {  # what the demo's mixing screenshot has, and harder cases
    "long log fade-in": RegionMix(gain_db=-6.0, fade_in=4.0, fade_in_shape="log"),
    "fades both sides": RegionMix(gain_db=4.5, fade_in=6.0, fade_out=3.0),
    "short flat part, gain near the top": RegionMix(
        gain_db=11.0, fade_in=1.0, fade_out=6.0, fade_out_shape="equal-power"
    ),
    "deep cut, fade-out": RegionMix(gain_db=-24.0, fade_out=5.0),
}


def near_line(points: list[QPointF], box: QRectF, pad: float = 1.0) -> bool:
    """Any point of the drawn line (sampled every 0.25 px) within *pad* px of *box*."""
    grown = box.adjusted(-pad, -pad, pad, pad)
    for a, b in itertools.pairwise(points):
        steps = max(1, int(max(abs(b.x() - a.x()), abs(b.y() - a.y())) * 4))
        for k in range(steps + 1):
            if grown.contains(a + (b - a) * (k / steps)):
                return True
    return False


@pytest.mark.parametrize("lane_h", [400, 240])  # a tall lane and the smallest one
@pytest.mark.parametrize("case", list(MIXES))
def test_the_gain_label_does_not_touch_the_fade_line(qtbot, monkeypatch, case, lane_h):
    region = Region(0.0, 10.0, tags=[1])
    set_region_mix(region, MIXES[case])
    doc = ProjectDocument(Project(regions=[region]))
    view = TimelineView(doc)
    qtbot.addWidget(view)
    view.resize(1000, lane_h)
    view.show()
    qtbot.waitExposed(view)
    view.set_zoom(12.0, 0)  # a 10 s region is 120 px wide, as at 1024x700
    view.scroll_to(0)
    doc.select([region.uid])
    QApplication.processEvents()
    rect = view.region_rect(region)
    box = mix_paint.gain_label_rect(view, region, rect)
    assert box is not None, "no room found for the label"
    points = mix_paint.mix_line(view, region, rect, mix_handles.shown_mix(doc, region))[0]
    assert not near_line(points, box)
    assert rect.contains(box) and box.top() >= rect.top() + mix_handles.HEADER_H
    # what the label paints is inside that box, and only there
    labelled = view.viewport().grab().toImage()
    monkeypatch.setattr(mix_paint, "gain_text", lambda _db: "")
    view.viewport().repaint()
    bare = view.viewport().grab().toImage()
    changed = [
        (x, y)
        for x in range(int(rect.left()), int(rect.right()) + 1)
        for y in range(int(rect.top()), int(rect.bottom()) + 1)
        if labelled.pixel(x, y) != bare.pixel(x, y)
    ]
    assert len(changed) > 10
    grown = box.adjusted(-1, -1, 1, 1)
    outside = [c for c in changed if not grown.contains(QPointF(*c))]
    assert not outside, (box, outside[:20])
