"""The status bar's zoom readout says something on long projects too: zoomed out to fit
twenty minutes, it read "0 px/s"."""

from __future__ import annotations

import pytest

from muzaic_studio.model import Project, Region
from muzaic_studio.ui.timeline.geometry import format_zoom
from tests.ui.editor_helpers import shown_window


@pytest.mark.parametrize(
    ("px_per_sec", "text"),
    [(0.5, "0.5 px/s"), (0.7345, "0.73 px/s"), (2.46, "2.5 px/s"), (9.4, "9.4 px/s"),
     (9.6, "10 px/s"), (40.0, "40 px/s"), (2400.0, "2400 px/s")],
)  # fmt: skip
def test_two_significant_digits_below_ten_whole_numbers_above(px_per_sec, text):
    assert format_zoom(px_per_sec) == text


def test_a_twenty_minute_project_zoomed_to_fit_reads_its_real_zoom(qtbot, monkeypatch):
    project = Project(regions=[Region(0.0, 600.0), Region(600.0, 600.0)], name="Long")
    window = shown_window(qtbot, monkeypatch, project)
    window.files.maybe_save = lambda: True
    window.timeline.zoom_to_fit()
    pps = window.timeline.scale.px_per_sec
    assert 0.5 <= pps < 1.0  # 1200 s in about 1100 px
    label = window.status.zoom
    assert label.isVisible()
    assert label.text() == format_zoom(pps)
    assert label.text() != "0 px/s" and float(label.text().split()[0]) == pytest.approx(pps, 0.02)
    window.timeline.set_zoom(pps * 1.3)  # zooming in a step changes what it says
    assert label.text() == format_zoom(window.timeline.scale.px_per_sec) != format_zoom(pps)
