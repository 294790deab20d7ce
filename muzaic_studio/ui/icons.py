"""Icons from the SVGs in muzaic_studio/data/icons, tinted to the current palette.

The SVGs draw with `currentColor`; we substitute the palette's text colour before
rendering, so one set of files works on light and dark themes. Icons are cached per name.
Each of an icon's sizes (16, 24, 32, 48 px, the set a plain pixmap QIcon would hold) is
drawn the first time something shows the icon at that size: a toolbar needs one size of
each icon, a menu another, and ~40 icons x 4 sizes drawn up front were a tenth of the
app's start-up (issue 17).
"""

from __future__ import annotations

import functools
from importlib import resources

from PySide6.QtCore import QByteArray, QRect, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QIconEngine, QImage, QPainter, QPalette, QPixmap
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


class _LazySizes(QIconEngine):
    """A QIcon of the SVG drawn at _SIZES, each size drawn when first asked for.

    Every call is answered by a plain pixmap QIcon holding the sizes drawn so far, after
    adding the one the full set would have answered from (the smallest size at least as
    big as asked, else the biggest): the pixels, scaling and disabled look are those of a
    QIcon holding all four."""

    def __init__(self, svg: str) -> None:
        super().__init__()
        self.svg = svg
        self.drawn = QIcon()
        self.sizes: set[int] = set()

    def _ready(self, size: QSize, scale: float = 1.0) -> QIcon:
        want = max(size.width(), size.height()) * scale
        source = next((s for s in _SIZES if s >= want), _SIZES[-1])
        if source not in self.sizes:
            self.sizes.add(source)
            self.drawn.addPixmap(_render(self.svg, source))
        return self.drawn

    def paint(self, painter: QPainter, rect: QRect, mode: QIcon.Mode, state: QIcon.State) -> None:
        scale = painter.device().devicePixelRatioF() if painter.device() else 1.0
        self._ready(rect.size(), scale).paint(
            painter, rect, Qt.AlignmentFlag.AlignCenter, mode, state
        )

    def pixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QPixmap:
        return self._ready(size).pixmap(size, mode, state)

    def scaledPixmap(self, size: QSize, mode: QIcon.Mode, state: QIcon.State,
                     scale: float) -> QPixmap:  # fmt: skip
        return self._ready(size, scale).pixmap(size, scale, mode, state)

    def actualSize(self, size: QSize, mode: QIcon.Mode, state: QIcon.State) -> QSize:
        return self._ready(size).actualSize(size, mode, state)

    def availableSizes(self, mode: QIcon.Mode = QIcon.Mode.Normal,
                       state: QIcon.State = QIcon.State.Off) -> list[QSize]:  # fmt: skip
        if mode != QIcon.Mode.Normal or state != QIcon.State.Off:
            return []
        return [QSize(s, s) for s in _SIZES]

    def isNull(self) -> bool:
        return False

    def clone(self) -> QIconEngine:
        twin = _LazySizes(self.svg)
        _ENGINES.append(twin)  # owned here: Qt holds only a pointer to the copy
        return twin


_ENGINES: list[_LazySizes] = []


@functools.cache
def _icon(name: str, color: str) -> QIcon:
    engine = _LazySizes(_svg_text(name).replace("currentColor", color))
    _ENGINES.append(engine)
    return QIcon(engine)


def icon(name: str, color: str | None = None) -> QIcon:
    """The icon *name* (file stem in data/icons), drawn in *color* or the text colour."""
    return _icon(name, color or _text_color().name())


def names() -> list[str]:
    folder = resources.files("muzaic_studio.data").joinpath("icons")
    return sorted(p.name[:-4] for p in folder.iterdir() if p.name.endswith(".svg"))
