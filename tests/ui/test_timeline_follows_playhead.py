"""The timeline keeps a running playhead in view.

Found by a new user at 1024x700, zoomed in on the demo: playback ran off the right edge
of the timeline at 0:18 and the view stayed on 0:00-0:18 while the music played on to
1:00; the moving playhead, the point of watching, was gone.
"""

from __future__ import annotations

import pytest
from PySide6.QtCore import QPointF

from muzaic_studio.model import Project, Region
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.timeline.view import RULER_H, TimelineView
from tests.ui.editor_helpers import mouse


@pytest.fixture
def view(qtbot):
    doc = ProjectDocument(Project(regions=[Region(0.0, 120.0, tags=[1])]))
    v = TimelineView(doc)
    qtbot.addWidget(v)
    v.resize(1000, 400)
    v.show()
    qtbot.waitExposed(v)
    v.set_zoom(20.0, 0)  # about 49 s in view
    v.scroll_to(0)
    return v


def shown(view, seconds: float) -> bool:
    return 0 <= view.scale.x(seconds) <= view.viewport().width()


def play(view, start: float, end: float, step: float = 0.033) -> None:
    t = start
    while t < end:
        t = min(end, t + step)
        view.doc.set_playhead(t)


def test_a_playhead_running_off_the_right_edge_is_followed(view):
    view.doc.set_playhead(40.0)
    assert shown(view, 40.0)
    play(view, 40.0, 75.0)
    assert shown(view, 75.0)
    play(view, 75.0, 118.0)
    assert shown(view, 118.0)


def test_a_loop_wrapping_back_out_of_view_is_followed(view):
    view.doc.set_playhead(45.0)
    play(view, 45.0, 70.0)
    assert shown(view, 70.0)
    view.doc.set_playhead(5.0)  # the loop starts again at 0:05, left of the view
    assert shown(view, 5.0)


def test_a_playhead_the_user_scrolled_away_from_is_left_alone(view):
    view.doc.set_playhead(10.0)
    view.scroll_to(80 * 20.0)  # the user looks at 1:20-2:00 while 0:10 plays
    scroll = view.horizontalScrollBar().value()
    play(view, 10.0, 20.0)
    assert view.horizontalScrollBar().value() == scroll


def test_scrubbing_past_the_edge_is_left_to_the_drag_autoscroll(view):
    """Dragging the playhead in the ruler past the right edge: the drag's own autoscroll
    moves the view; the playhead follow must not page it away under the mouse too."""
    vp, y = view.viewport(), RULER_H / 2
    mouse(vp, "press", QPointF(view.scale.x(10.0), y))
    mouse(vp, "move", QPointF(vp.width() + 60, y))  # past the right edge
    assert view.horizontalScrollBar().value() == 0  # no page jump: autoscroll takes over
    mouse(vp, "release", QPointF(vp.width() + 60, y))
