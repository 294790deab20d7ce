"""Where a region's gain label goes: clear of its gain line, fade curves and handles.

Pure geometry on the line's points (x-ascending, as mix_paint draws them), so the rule
is tested as it paints. The label once sat at the region's left edge, right across a
fade-in's curve.
"""

from __future__ import annotations

import itertools

from PySide6.QtCore import QPointF, QRectF

LABEL_GAP = 4.0  # between the gain line (and its 7 px handles) and the label's box
LABEL_PAD = 2.0  # the least room between the label and a fade line
STEP = 3.0  # how far each try moves the box down


def crosses(points: list[QPointF], box: QRectF) -> bool:
    """Whether the x-ascending polyline *points* passes through *box*."""
    for a, b in itertools.pairwise(points):
        lo, hi = max(box.left(), a.x()), min(box.right(), b.x())
        if lo > hi:
            continue
        if b.x() == a.x():
            ys = (a.y(), b.y())
        else:
            slope = (b.y() - a.y()) / (b.x() - a.x())
            ys = (a.y() + slope * (lo - a.x()), a.y() + slope * (hi - a.x()))
        if min(ys) <= box.bottom() and max(ys) >= box.top():
            return True
    return False


def place(points: list[QPointF], inner: QRectF, y: float, flat: float, width: float,
          height: float) -> QRectF | None:  # fmt: skip
    """A *width* x *height* box inside *inner*: under the gain line at *y*, centred
    between the fades and moved down where they leave it more room, else above the line
    (centred on *flat*, the middle of the line's flat part); never across the line. None
    when there is no such room (the Inspector and the tooltip still say the gain)."""
    if width > inner.width():
        return None
    tops: list[float] = []
    top = max(y + LABEL_GAP, inner.top())
    while top + height <= inner.bottom():
        tops.append(top)
        top += STEP
    if y - LABEL_GAP - height >= inner.top():
        tops.append(y - LABEL_GAP - height)
    for top in tops:
        # Under the line the room lies between the fades where they rise above the
        # box's top: centre the box in it.
        above = [pt.x() for pt in points if pt.y() < top - LABEL_PAD]
        middle = (above[0] + above[-1]) / 2 if above else flat
        left = min(max(middle - width / 2, inner.left()), inner.right() - width)
        box = QRectF(left, top, width, height)
        if not crosses(points, box.adjusted(-LABEL_PAD, -LABEL_PAD, LABEL_PAD, LABEL_PAD)):
            return box
    return None
