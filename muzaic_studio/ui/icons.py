"""Icons from the SVGs in muzaic_studio/data/icons, tinted to the current palette.

The SVGs draw with `currentColor`; we substitute the palette's text colour before
rendering, so one set of files works on light and dark themes. Icons are cached per name.
"""

from __future__ import annotations

import functools
from importlib import resources

from PySide6.QtCore import QByteArray, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QImage, QPainter, QPalette, QPixmap
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import QApplication

_SIZES = (16, 24, 32, 48)


@functools.cache
def _svg_text(name: str) -> str:
    return resources.files("muzaic_studio.data").joinpath(f"icons/{name}.svg").read_text()


def _render(svg: str, size: int) -> QPixmap:
    renderer = QSvgRenderer(QByteArray(svg.encode()))
    image = QImage(size, size, QImage.Format.Format_ARGB32_Premultiplied)
    image.fill(Qt.GlobalColor.transparent)
    painter = QPainter(image)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    renderer.render(painter, QRectF(0, 0, size, size))
    painter.end()
    return QPixmap.fromImage(image)


def _text_color() -> QColor:
    app = QApplication.instance()
    if isinstance(app, QApplication):
        return app.palette().color(QPalette.ColorRole.WindowText)
    return QColor("#303030")


@functools.cache
def _icon(name: str, color: str) -> QIcon:
    svg = _svg_text(name).replace("currentColor", color)
    icon = QIcon()
    for size in _SIZES:
        icon.addPixmap(_render(svg, size))
    return icon


def icon(name: str, color: str | None = None) -> QIcon:
    """The icon *name* (file stem in data/icons), drawn in *color* or the text colour."""
    return _icon(name, color or _text_color().name())


def names() -> list[str]:
    folder = resources.files("muzaic_studio.data").joinpath("icons")
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".svg"))
