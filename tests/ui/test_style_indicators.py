"""Check boxes and radio buttons are readable on the dark theme.

Found by a new user: in Preferences the chosen backend's radio button was a small grey
dot in a circle hardly darker than the window, the other one all but invisible; the
export dialogs' Stems / MIDI check boxes looked like dark holes. Fusion draws these
indicators in the base colour, as it did the tag list's check boxes.
"""

from __future__ import annotations

import pytest
from PySide6.QtGui import QColor, QImage
from PySide6.QtWidgets import QCheckBox, QRadioButton, QWidget

ACCENT = QColor("#3d7fe0")


def indicator_pixels(qtbot, button: QWidget) -> list[QColor]:
    """The colours of the button's indicator (left square of its height), as painted."""
    qtbot.addWidget(button)
    button.show()
    qtbot.waitExposed(button)
    image: QImage = button.grab().toImage()
    side = min(button.height(), 20)
    top = (button.height() - side) // 2
    return [image.pixelColor(x, y) for x in range(side) for y in range(top, top + side)]


def near(a: QColor, b: QColor, tolerance: int = 40) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a.getRgb()[:3], b.getRgb()[:3], strict=True))


@pytest.mark.parametrize("kind", [QCheckBox, QRadioButton])
def test_the_chosen_one_shows_the_accent_colour(qtbot, app_style, kind):
    on = kind("Offline engine")
    on.setChecked(True)
    assert any(near(c, ACCENT) for c in indicator_pixels(qtbot, on))


@pytest.mark.parametrize("kind", [QCheckBox, QRadioButton])
def test_an_unchosen_one_has_a_visible_outline(qtbot, app_style, kind):
    off = kind("Muzaic cloud")
    pixels = indicator_pixels(qtbot, off)
    window = off.palette().window().color()
    contrast = max(abs(c.lightness() - window.lightness()) for c in pixels)
    assert contrast >= 60  # an outline, not a shade of the window's grey
