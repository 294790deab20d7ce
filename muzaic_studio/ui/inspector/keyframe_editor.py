"""A small curve editor for one param's keyframes ([[position %, value 1..10], ...]).

Click on empty space adds a point, drag moves one (the end points stay at 0 % and 100 %,
only their value moves), double-click or right-click removes one (never below two).
`pointsChanged(points, final)` fires while dragging (final=False) and once on release
(final=True), so the inspector can merge a drag into one undo step.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QColor, QMouseEvent, QPainter, QPaintEvent, QPalette, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

VMIN, VMAX = 1, 10
HIT_PX = 8.0
PAD = 6.0


def normalized(points: list[list[float]]) -> list[list[float]]:
    """Sorted, clamped, integer-valued keyframes that always span 0..100 %."""
    pts = sorted([min(100.0, max(0.0, float(p))), int(min(VMAX, max(VMIN, round(v))))]
                 for p, v in points)  # fmt: skip
    if not pts:
        return [[0.0, 5], [100.0, 5]]
    if pts[0][0] > 0:
        pts.insert(0, [0.0, pts[0][1]])
    if pts[-1][0] < 100:
        pts.append([100.0, pts[-1][1]])
    return [[round(p, 1), v] for p, v in pts]


class KeyframeEditor(QWidget):
    pointsChanged = Signal(list, bool)

    def __init__(self, color: str = "#ff8a65", parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.color = QColor(color)
        self.points: list[list[float]] = [[0.0, 5], [100.0, 5]]
        self._drag: int | None = None
        self.setMinimumHeight(64)
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setMouseTracking(True)
        self.setToolTip(
            "Keyframes across the region: click to add a point, drag to move it, "
            "double-click or right-click to remove it"
        )

    def sizeHint(self) -> QSize:
        return QSize(220, 64)

    def set_points(self, points: list[list[float]]) -> None:
        if self._drag is None:
            self.points = normalized(points)
            self.update()

    # -- geometry --------------------------------------------------------------------
    def _area(self) -> QRectF:
        return QRectF(self.rect()).adjusted(PAD, PAD, -PAD, -PAD)

    def to_pos(self, pct: float, value: float) -> QPointF:
        a = self._area()
        return QPointF(a.left() + a.width() * pct / 100.0,
                       a.bottom() - a.height() * (value - VMIN) / (VMAX - VMIN))  # fmt: skip

    def from_pos(self, pos: QPointF) -> tuple[float, int]:
        a = self._area()
        pct = (pos.x() - a.left()) / max(1.0, a.width()) * 100.0
        value = VMIN + (a.bottom() - pos.y()) / max(1.0, a.height()) * (VMAX - VMIN)
        return min(100.0, max(0.0, pct)), int(min(VMAX, max(VMIN, round(value))))

    def point_at(self, pos: QPointF) -> int | None:
        for i, (p, v) in enumerate(self.points):
            q = self.to_pos(p, v)
            if abs(q.x() - pos.x()) <= HIT_PX and abs(q.y() - pos.y()) <= HIT_PX:
                return i
        return None

    # -- editing ---------------------------------------------------------------------
    def mousePressEvent(self, event: QMouseEvent) -> None:
        pos = event.position()
        hit = self.point_at(pos)
        if event.button() == Qt.MouseButton.RightButton:
            if hit is not None:
                self.remove_point(hit)
            return
        if event.button() != Qt.MouseButton.LeftButton:
            return
        if hit is None:
            pct, value = self.from_pos(pos)
            self.points.append([round(pct, 1), value])
            self.points.sort()
            hit = next(i for i, pt in enumerate(self.points) if pt == [round(pct, 1), value])
            self.pointsChanged.emit(self._copy(), False)
        self._drag = hit
        self.update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._drag is None:
            over = self.point_at(event.position()) is not None
            self.setCursor(Qt.CursorShape.SizeAllCursor if over else Qt.CursorShape.CrossCursor)
            return
        pct, value = self.from_pos(event.position())
        i = self._drag
        if i == 0:
            pct = 0.0
        elif i == len(self.points) - 1:
            pct = 100.0
        else:  # keep order: a point cannot pass its neighbours
            pct = min(max(pct, self.points[i - 1][0] + 0.5), self.points[i + 1][0] - 0.5)
        new = [round(pct, 1), value]
        if new != self.points[i]:
            self.points[i] = new
            self.pointsChanged.emit(self._copy(), False)
            self.update()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        if self._drag is not None:
            self._drag = None
            self.points = normalized(self.points)
            self.pointsChanged.emit(self._copy(), True)
            self.update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        hit = self.point_at(event.position())
        if hit is not None:
            self.remove_point(hit)

    def remove_point(self, index: int) -> None:
        if len(self.points) <= 2 or index in (0, len(self.points) - 1):
            return
        del self.points[index]
        self._drag = None
        self.pointsChanged.emit(self._copy(), True)
        self.update()

    def _copy(self) -> list[list[float]]:
        return [list(pt) for pt in self.points]

    # -- painting --------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        p = QPainter(self)
        pal = self.palette()
        p.fillRect(self.rect(), pal.color(QPalette.ColorRole.Base))
        a = self._area()
        grid = QColor(pal.color(QPalette.ColorRole.Text))
        grid.setAlpha(28)
        p.setPen(QPen(grid, 1))
        for v in (1, 5.5, 10):
            y = self.to_pos(0, v).y()
            p.drawLine(QPointF(a.left(), y), QPointF(a.right(), y))
        for pct in (25, 50, 75):
            x = self.to_pos(pct, 1).x()
            p.drawLine(QPointF(x, a.top()), QPointF(x, a.bottom()))
        p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
        poly = QPolygonF([self.to_pos(pt[0], pt[1]) for pt in self.points])
        fill = QPolygonF(poly)
        fill.append(QPointF(a.right(), a.bottom()))
        fill.append(QPointF(a.left(), a.bottom()))
        shade = QColor(self.color)
        shade.setAlpha(45)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(shade)
        p.drawPolygon(fill)
        p.setPen(QPen(self.color, 2))
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawPolyline(poly)
        p.setPen(QPen(pal.color(QPalette.ColorRole.Base), 1.5))
        p.setBrush(self.color)
        for pt in self.points:
            p.drawEllipse(self.to_pos(pt[0], pt[1]), 4.5, 4.5)
        p.end()
