"""The mix painted on the timeline: each region's gain line and fade curves with its
handles and gain label, the transition diamonds, and the waveform with the mix applied
(its peaks scaled by the mix's gain, cached per zoom). The handles themselves, hit-testing
and dragging, live in mix_handles.py; a dragged handle's preview is painted here.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QFontMetricsF, QPainter, QPen, QPolygonF

from muzaic_studio.model.mix import RegionMix, touching_pairs
from muzaic_studio.model.region import Region
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.timeline import gain_label
from muzaic_studio.ui.timeline.mix_handles import (
    HANDLE_PX,
    HEADER_H,
    INSET,
    gain_y,
    plan_for,
    shown_mix,
    transition_point,
)

if TYPE_CHECKING:  # numpy and the audio mix load on first use, not at start-up
    from muzaic_studio.audio.mix import MixPlan
    from muzaic_studio.audio.peaks import PeakSlice
    from muzaic_studio.ui.timeline.view import TimelineView

LINE_COLOR = QColor(255, 255, 255, 210)
HANDLE_COLOR = QColor("#ffd54a")
XFADE_COLOR = QColor("#7cf2a0")


def _curve(rect: QRectF, x0: float, x1: float, y_top: float, shape: str, rising: bool) -> list:
    import numpy as np

    from muzaic_studio.audio.mix import fade_curve

    n = max(2, min(24, int(abs(x1 - x0) / 3)))
    u = np.linspace(0.0, 1.0, n)
    g = fade_curve(shape, u if rising else 1.0 - u)
    base = rect.bottom() - INSET
    return [
        QPointF(x0 + (x1 - x0) * ui, base - (base - y_top) * gi)
        for ui, gi in zip(u, g, strict=True)
    ]


def mix_line(view: TimelineView, r: Region, rect: QRectF, mix: RegionMix):
    """The gain line with its fade curves (x-ascending points), the fades' own points,
    the line's y and where the fades meet it."""
    y = gain_y(rect, mix.gain_db)
    x_in, x_out = view.scale.x(r.time + mix.fade_in), view.scale.x(r.end - mix.fade_out)
    rising = _curve(rect, rect.left(), x_in, y, mix.fade_in_shape, True) if mix.fade_in else []
    falling = (
        _curve(rect, x_out, rect.right(), y, mix.fade_out_shape, False) if mix.fade_out else []
    )
    points = (rising or [QPointF(rect.left(), y)]) + (falling or [QPointF(rect.right(), y)])
    return points, rising, falling, y, x_in, x_out


def gain_label_box(points: list[QPointF], rect: QRectF, y: float, x_in: float, x_out: float,
                   width: float, height: float) -> QRectF | None:  # fmt: skip
    """The gain label's box in *rect* (see gain_label.place): clear of the region's name
    bar and of the transition diamonds at its bottom corners."""
    inner = rect.adjusted(INSET, HEADER_H, -INSET, -(8.0 + HANDLE_PX + 1))
    flat = (max(x_in, rect.left()) + min(x_out, rect.right())) / 2
    return gain_label.place(points, inner, y, flat, width, height)


def gain_label_rect(view: TimelineView, r: Region, rect: QRectF) -> QRectF | None:
    """The box the gain label of *r* is drawn in (None: no label, or no room for it)."""
    mix = shown_mix(view.doc, r)
    if not mix.gain_db:
        return None
    points, _rising, _falling, y, x_in, x_out = mix_line(view, r, rect, mix)
    text = gain_text(mix.gain_db)
    return gain_label_box(points, rect, y, x_in, x_out, *_label_size(view, text))


def _label_size(view: TimelineView, text: str) -> tuple[float, float]:
    """The label's box: the text in the timeline's small font with 2 px all round, which
    the glyphs' antialiased edges stay inside."""
    metrics = QFontMetricsF(view._small)
    return metrics.horizontalAdvance(text) + 4, metrics.height() + 4


def gain_text(db: float) -> str:
    return f"{db:+.1f} dB"


def paint_region_mix(
    view: TimelineView, p: QPainter, r: Region, rect: QRectF, selected: bool
) -> None:
    """The gain line and fade curves over a region; handles when it is selected."""
    mix = shown_mix(view.doc, r)
    if mix.is_flat and not selected:
        return
    points, rising, falling, y, x_in, x_out = mix_line(view, r, rect, mix)
    p.save()
    # Only the fades' area above the curve is shaded: polygon fills are the costliest
    # thing a handle drag repaints, so no blend over the whole region.
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(QColor(0, 0, 0, 70))
    if rising:
        p.drawPolygon(
            QPolygonF([QPointF(rect.left(), rect.top()), *rising, QPointF(x_in, rect.top())])
        )
    if falling:
        p.drawPolygon(
            QPolygonF([QPointF(x_out, rect.top()), *falling, QPointF(rect.right(), rect.top())])
        )
    p.setPen(QPen(LINE_COLOR, 0))  # cosmetic, not antialiased: the raster fast path
    p.drawPolyline(QPolygonF(points))
    if selected and rect.width() >= 24:
        p.setPen(QPen(QColor(0, 0, 0, 160), 1))
        p.setBrush(HANDLE_COLOR)
        for pt in (QPointF(x_in, y), QPointF(x_out, y)):
            p.drawRect(QRectF(pt.x() - 3.5, pt.y() - 3.5, 7, 7))
    if mix.gain_db:
        text = gain_text(mix.gain_db)
        box = gain_label_box(points, rect, y, x_in, x_out, *_label_size(view, text))
        if box is not None:
            p.setFont(view._small)
            p.setPen(LINE_COLOR)
            p.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
    p.restore()


def paint_transitions(view: TimelineView, p: QPainter, visible: list[Region]) -> None:
    """A diamond at every touching boundary; an X over the window of a set transition."""
    p.save()
    p.setRenderHint(QPainter.RenderHint.Antialiasing, True)
    lane = view.lane_rect
    for a, b in touching_pairs(visible):
        pt = transition_point(view, b.time)
        ma, mb = shown_mix(view.doc, a), shown_mix(view.doc, b)
        half = min(ma.fade_out, mb.fade_in) if ma.xfade else 0.0
        if half > 0:
            x0, x1 = view.scale.x(b.time - half), view.scale.x(b.time + half)
            p.setPen(QPen(XFADE_COLOR, 1.5))
            p.drawLine(QPointF(x0, lane.top() + INSET), QPointF(x1, lane.bottom() - INSET))
            p.drawLine(QPointF(x0, lane.bottom() - INSET), QPointF(x1, lane.top() + INSET))
        p.setPen(QPen(QColor(0, 0, 0, 170), 1))
        p.setBrush(XFADE_COLOR if half > 0 else QColor(220, 220, 220))
        r = HANDLE_PX
        p.drawPolygon(QPolygonF([QPointF(pt.x(), pt.y() - r), QPointF(pt.x() + r, pt.y()),
                                 QPointF(pt.x(), pt.y() + r), QPointF(pt.x() - r, pt.y())]))  # fmt: skip
    p.restore()


# -- the waveform ------------------------------------------------------------------------
def waveform_gain(doc: ProjectDocument, pyramid: Any, t0: float, t1: float, width: int):
    """(per-pixel amplitude factors, a cache key) for the waveform lane, or (None, None)."""
    import numpy as np

    rate = getattr(pyramid, "rate", 0)
    if not rate or width < 1:
        return None, None
    plan = plan_for(doc, int(rate))
    if plan.is_flat:
        return None, None
    centres = t0 + (np.arange(width) + 0.5) * ((t1 - t0) / width)
    gains = plan.display_gain(centres)
    return gains, hash(gains.tobytes())


def paint_mixed_waveform(
    view: TimelineView, p: QPainter, pyramid: Any, wave: QRectF, exposed: QRectF
) -> bool:
    """Draw the exposed columns of the waveform with the mix applied; False when the mix
    is flat (then the timeline's cached plain image is right).

    A partial repaint (a handle drag) queries and builds only the exposed columns, so it
    costs O(the region's width); a full repaint (playhead ticks while playing) reuses the
    whole lane's image while the plan, span and size stay the same."""

    rate = getattr(pyramid, "rate", 0)
    plan = plan_for(view.doc, int(rate)) if rate else None
    if plan is None or plan.is_flat:
        return False
    width = view.viewport().width()
    area = exposed.intersected(wave)
    x0, x1 = int(max(0.0, area.left())), int(min(width, area.right() + 1))
    if x1 <= x0:
        return True
    whole = x0 == 0 and x1 >= width
    # The plan's own cache key (regions, mixes, preview), not id(plan): ids are reused.
    plan_key = view.doc._mix_plan_cache[0]  # type: ignore[attr-defined]
    key = (plan_key, id(pyramid), view.scale.time(0), view.scale.time(width), width, wave.height())
    cached = getattr(view, "_mix_wave", None)
    if whole or (cached is not None and cached[0] == key):
        if cached is None or cached[0] != key:
            cached = (key, _mixed_image(view, plan, pyramid, 0, width, wave))
            view._mix_wave = cached
        if cached[1] is not None:
            src = QRectF(x0, 0, x1 - x0, wave.height())
            p.drawImage(QRectF(x0, wave.top(), x1 - x0, wave.height()), cached[1], src)
        return True
    image = _mixed_image(view, plan, pyramid, x0, x1, wave)
    if image is not None:
        p.drawImage(QPointF(x0, wave.top()), image)
    return True


def _mixed_image(view: TimelineView, plan: MixPlan, pyramid: Any, x0: int, x1: int, wave: QRectF):
    from muzaic_studio.ui.timeline.paint import waveform_image

    t0, t1 = view.scale.time(x0), view.scale.time(x1)
    peaks = mixed_peaks(plan, pyramid, t0, t1, x1 - x0)
    axis = QColor(view.palette().color(view.palette().ColorRole.Text))
    axis.setAlpha(40)
    return waveform_image(pyramid, t0, t1, x1 - x0, int(wave.height()), axis, peaks=peaks)


def mixed_peaks(plan: MixPlan, pyramid: Any, t0: float, t1: float, width: int) -> PeakSlice:
    """The pyramid's peaks of [t0, t1) as the mix plays them: scaled by each column's
    gain, and inside a transition combined (power sum) with the mirrored side's peaks,
    queried from the same pyramid at the mirrored time - what the crossfade sounds like."""
    import numpy as np

    from muzaic_studio.audio.peaks import PeakSlice

    base = pyramid.query(t0, t1, width)
    step = (t1 - t0) / width
    centres = t0 + (np.arange(width) + 0.5) * step
    own = plan.display_gain(centres, power_sum=False)
    mins, maxs, rms = base.mins * own, base.maxs * own, base.rms * own
    for t in plan.transitions:
        b, h = t.boundary / plan.rate, t.half / plan.rate
        lo, hi = np.searchsorted(centres, [b - h, b + h])
        if hi <= lo:
            continue
        # Columns [lo, hi) mirrored around b: the same column width, in reverse order.
        m0, m1 = 2 * b - (t0 + hi * step), 2 * b - (t0 + lo * step)
        mirror = pyramid.query(m0, m1, int(hi - lo))
        other = plan.mirror_gain(t, centres[lo:hi])
        mm, mx, mr = (a[::-1] * other for a in (mirror.mins, mirror.maxs, mirror.rms))
        maxs[lo:hi] = np.sqrt(maxs[lo:hi] ** 2 + mx**2)
        mins[lo:hi] = -np.sqrt(mins[lo:hi] ** 2 + mm**2)
        rms[lo:hi] = np.sqrt(rms[lo:hi] ** 2 + mr**2)
    return PeakSlice(mins, maxs, rms, base.covered, base.block_frames)
