"""The main toolbar on the app's own dark style: short labels that last, nothing lost."""

from __future__ import annotations

import pytest
from PySide6.QtWidgets import QToolButton

from tests.ui.render_support import render_window

TOOLS = {"tool.generate": "Generate", "tool.copy": "Copy", "tool.silence": "Silence"}
TEXTS = {**TOOLS, "render.render": "Render", "render.changes": "Changes"}


@pytest.fixture
def window(qtbot, app_style):
    w = render_window(qtbot)
    yield w
    w.render_workflow.shutdown()


def button_texts(window) -> dict[str, str]:
    actions = {**window.action_map, **window.render_workflow.actions}
    return {k: window.toolbar.widgetForAction(actions[k]).text() for k in TEXTS}


def test_tool_buttons_keep_their_short_labels_after_choosing_tools(window, qtbot):
    window.resize(1440, 860)
    qtbot.waitExposed(window)
    assert button_texts(window) == TEXTS
    for key in (*TOOLS, "tool.select", "tool.copy"):
        window.action_map[key].trigger()
        qtbot.wait(10)
        assert button_texts(window) == TEXTS, key
    tb = window.toolbar
    more = tb.findChild(QToolButton, "qt_toolbar_ext_button")
    assert not more.isVisible()  # everything fits at 1440 px
    for action in tb.actions():
        button = tb.widgetForAction(action)
        if button is not None and action.isVisible():
            assert button.isVisible(), action.iconText()
            assert button.geometry().right() <= tb.width(), action.iconText()


def test_narrow_window_shows_a_visible_overflow_button(window, qtbot):
    window.resize(900, 700)
    qtbot.waitExposed(window)
    window.action_map["tool.generate"].trigger()
    qtbot.wait(20)
    tb = window.toolbar
    hidden = [
        a for a in tb.actions() if tb.widgetForAction(a) and not tb.widgetForAction(a).isVisible()
    ]
    assert hidden  # some actions don't fit ...
    more = tb.findChild(QToolButton, "qt_toolbar_ext_button")
    assert more.isVisible()  # ... and the overflow button reaches them
    # It must be seen on the dark palette: some of its pixels are far lighter than the bar.
    image = tb.grab(more.geometry()).toImage()
    lightness = [
        image.pixelColor(x, y).lightness()
        for x in range(image.width())
        for y in range(image.height())
    ]
    background = tb.palette().color(tb.backgroundRole()).lightness()
    assert max(lightness) - background > 100
