"""The library panel's rows: the sparkline thumbnail, the params in short, and a row
item that makes its texts, thumbnail and tooltip only when the view asks for them."""

from __future__ import annotations

from typing import Any, Protocol

from PySide6.QtCore import QPointF, QSize, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPen, QPixmap
from PySide6.QtWidgets import QTreeWidgetItem

from muzaic_studio.model import LibraryEntry
from muzaic_studio.model.region import PARAM_SHORT

THUMB_SIZE = QSize(72, 24)


def params_text(params: dict[str, Any]) -> str:
    parts = []
    for name, short in PARAM_SHORT.items():
        value = params.get(name)
        if isinstance(value, list):
            value = "~"  # keyframed
        parts.append(f"{short}{value if value is not None else '-'}")
    return " ".join(parts)


def params_tooltip(params: dict[str, Any]) -> str:
    return ", ".join(f"{name} {params.get(name, '-')}" for name in PARAM_SHORT)


def thumbnail_pixmap(
    values: list[float], size: QSize = THUMB_SIZE, color: QColor | None = None
) -> QPixmap:
    """A mirrored sparkline of 0..1 peak values, as drawn in the library list."""
    pixmap = QPixmap(size)
    pixmap.fill(Qt.GlobalColor.transparent)
    if not values:
        return pixmap
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    w, h = size.width(), size.height()
    mid = h / 2
    step = w / max(1, len(values) - 1)
    path = QPainterPath(QPointF(0, mid))
    for i, v in enumerate(values):
        path.lineTo(QPointF(i * step, mid - max(0.04, min(1.0, v)) * (mid - 1)))
    for i, v in reversed(list(enumerate(values))):
        path.lineTo(QPointF(i * step, mid + max(0.04, min(1.0, v)) * (mid - 1)))
    path.closeSubpath()
    fill = QColor(color or QColor("#3d7bd9"))
    painter.setPen(QPen(fill.darker(130), 0.8))
    fill.setAlpha(170)
    painter.fillPath(path, fill)
    painter.drawPath(path)
    painter.end()
    return pixmap


class RowSource(Protocol):
    """What a row asks its panel for (the panel knows the tag names and the scope)."""

    def row_texts(self, entry: LibraryEntry) -> list[str]: ...

    def row_tooltip(self, entry: LibraryEntry) -> str: ...


_DISPLAY = Qt.ItemDataRole.DisplayRole.value
_DECORATION = Qt.ItemDataRole.DecorationRole.value
_TOOLTIP = Qt.ItemDataRole.ToolTipRole.value


class LibraryRow(QTreeWidgetItem):
    """A row whose texts, thumbnail and tooltip are made when the view first asks for
    them: a project of 20,000 rendered regions lists as many sounds, a dozen of them seen
    (the tree's rows are of one height, so it asks nothing of the rows out of view)."""

    def __init__(self, entry: LibraryEntry, panel: RowSource, color: QColor,
                 texts: list[str] | None = None) -> None:  # fmt: skip
        super().__init__()
        self._entry, self._panel, self._color = entry, panel, color
        self._texts = texts
        self._icon: QIcon | None = None
        self.setData(0, Qt.ItemDataRole.UserRole, entry.hash)  # (drag-enabled by default)

    def data(self, column: int, role: int) -> Any:
        if role == _DISPLAY and 0 <= column < 3:
            if self._texts is None:
                self._texts = self._panel.row_texts(self._entry)
            return self._texts[column]
        if column == 0 and role == _DECORATION:
            if self._icon is None:
                self._icon = QIcon(thumbnail_pixmap(self._entry.thumbnail, THUMB_SIZE, self._color))
            return self._icon
        if column == 0 and role == _TOOLTIP:
            return self._panel.row_tooltip(self._entry)
        return super().data(column, role)
