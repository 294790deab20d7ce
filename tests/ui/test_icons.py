"""Icons are drawn lazily, one size at a time (start-up, issue 17), yet look exactly as a
QIcon holding all four drawn sizes does: at any size asked for, enabled or disabled."""

from __future__ import annotations

from PySide6.QtCore import QRect, QSize
from PySide6.QtGui import QIcon, QImage, QPainter

from muzaic_studio.ui import icons


def all_sizes_drawn(name: str) -> QIcon:
    svg = icons._svg_text(name).replace("currentColor", icons._text_color().name())
    icon = QIcon()
    for size in icons._SIZES:
        icon.addPixmap(icons._render(svg, size))
    return icon


def painted(icon: QIcon, size: int) -> QImage:
    image = QImage(64, 64, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(0)
    painter = QPainter(image)
    icon.paint(painter, QRect(2, 2, size, size))
    painter.end()
    return image


def test_a_lazily_drawn_icon_matches_all_four_sizes_drawn_up_front(qapp):
    for name in ("save", "generate", "zoom-fit"):
        eager, lazy = all_sizes_drawn(name), icons.icon(name)
        assert not lazy.isNull() and lazy.availableSizes() == eager.availableSizes()
        for size in (12, 16, 20, 24, 32, 40, 48, 60):
            for mode in (QIcon.Mode.Normal, QIcon.Mode.Disabled):
                asked = QSize(size, size)
                assert lazy.actualSize(asked, mode) == eager.actualSize(asked, mode)
                for ratio in (1.0, 2.0):
                    want = eager.pixmap(asked, ratio, mode).toImage()
                    assert lazy.pixmap(asked, ratio, mode).toImage() == want, (name, size, mode)
            assert painted(lazy, size) == painted(eager, size), (name, size)
