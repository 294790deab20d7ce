"""Drag the mix handles on the timeline: the model, the waveform and the exported audio follow."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from PySide6.QtGui import QColor

from muzaic_studio.audio.decode import decode
from muzaic_studio.audio.export import ExportOptions, export_audio
from muzaic_studio.audio.peaks import PeakPyramid
from muzaic_studio.model import Project, Region
from muzaic_studio.model.mix import region_mix
from muzaic_studio.ui.document import ProjectDocument
from muzaic_studio.ui.timeline import mix_handles, mix_paint
from muzaic_studio.ui.timeline.paint import waveform_image
from muzaic_studio.ui.timeline.view import TimelineView
from tests.audio.conftest import make_audio
from tests.ui.editor_helpers import mouse


@pytest.fixture(scope="module")
def render(tmp_path_factory):
    path = make_audio(
        tmp_path_factory.mktemp("mix") / "render.mp3", seconds=20.0, noise=True, amplitude=0.3
    )
    pcm = decode(path)
    return path, pcm, PeakPyramid.from_samples(pcm.samples, pcm.rate)


@pytest.fixture
def view(qtbot, render):
    a, b = Region(0.0, 10.0, tags=[1]), Region(10.0, 10.0, tags=[2])
    for r in (a, b):
        r.rendered = {"hash": "0" * 16, "spec": r.spec_digest()}
    doc = ProjectDocument(Project(regions=[a, b]))
    doc.set_waveform(render[2], render[0])
    v = TimelineView(doc)
    qtbot.addWidget(v)
    v.resize(1000, 400)
    v.show()
    qtbot.waitExposed(v)
    v.set_zoom(40.0, 0)  # 1 s = 40 px
    v.scroll_to(0)
    return v


def _drag(view, start: QPointF, end: QPointF, steps: int = 5) -> None:
    vp = view.viewport()
    mouse(vp, "press", start)
    for k in range(1, steps + 1):
        mouse(vp, "move", start + (end - start) * (k / steps))
    mouse(vp, "release", end)


def _rms_db(x: np.ndarray, window: int) -> np.ndarray:
    n = len(x) // window
    power = (x[: n * window].astype(np.float64) ** 2).reshape(n, window, -1).mean(axis=(1, 2))
    return 10 * np.log10(power + 1e-12)


def _column_height(image, x: int) -> int:
    return sum(1 for y in range(image.height()) if image.pixelColor(x, y).alpha() > 0)


def test_gain_and_fade_handles_edit_the_model_waveform_and_export(view, render, tmp_path):
    doc = view.doc
    first = doc.project.sorted_regions()[0]
    doc.select([first.uid])
    rect = view.region_rect(first)
    # the gain line: from 0 dB down to -12 dB
    x = view.scale.x(5.0)
    _drag(
        view, QPointF(x, mix_handles.gain_y(rect, 0.0)), QPointF(x, mix_handles.gain_y(rect, -12.0))
    )
    first = doc.region(first.uid)
    assert region_mix(first).gain_db == pytest.approx(-12.0, abs=0.3)
    # the fade-in corner: from the region's start to 2 s
    corner = mix_handles.handle_points(view, first)["fade_in"]
    _drag(view, corner, QPointF(view.scale.x(2.0), corner.y()))
    first = doc.region(first.uid)
    assert region_mix(first).fade_in == pytest.approx(2.0, abs=0.03)
    assert not first.changed_since_render  # the mix never costs a render
    assert doc.undo_stack.count() == 2  # one step per drag
    # the waveform is drawn from the same pyramid, scaled by the mix
    pyramid, width = render[2], 800
    gains, _ = mix_paint.waveform_gain(doc, pyramid, 0.0, 20.0, width)
    axis = QColor(0, 0, 0, 0)
    mixed = waveform_image(pyramid, 0.0, 20.0, width, 200, axis, gains)
    plain = waveform_image(pyramid, 0.0, 20.0, width, 200, axis)
    col = int(5.0 / 20.0 * width)
    assert _column_height(mixed, col) / _column_height(plain, col) == pytest.approx(0.25, abs=0.05)
    assert _column_height(mixed, 1) < 8  # the start of the fade is near silence
    # the exported audio: the fade-in reaches the region's level at 2 s, within 10 ms
    fade = region_mix(first).fade_in
    out = tmp_path / "mix.wav"
    export_audio(render[0], out, ExportOptions(format="wav", mix_regions=tuple(doc.regions)))
    mixed_pcm, raw = decode(out).samples, render[1].samples
    win = int(0.010 * render[1].rate)
    # The mix's gain over time (10 ms windows): mixed level minus the render's own level.
    gain_db = _rms_db(mixed_pcm[: 4 * win * 100], win) - _rms_db(raw[: 4 * win * 100], win)
    at_level = gain_db >= region_mix(first).gain_db - 0.05
    reached = (np.argmax(at_level) + 1) * 0.010  # the end of the first window at level
    assert abs(reached - fade) <= 0.010 + 1e-9
    assert at_level[round(fade / 0.010) :].all()  # and it stays there
    doc.undo_stack.undo()
    doc.undo_stack.undo()
    assert region_mix(doc.region(first.uid)).is_flat


def test_transition_handle_sets_both_fades_and_the_export_does_not_dip(view, render, tmp_path):
    doc = view.doc
    a, b = doc.project.sorted_regions()
    diamond = mix_handles.transition_point(view, 10.0)
    _drag(view, diamond, QPointF(view.scale.x(11.5), diamond.y()))
    a, b = doc.region(a.uid), doc.region(b.uid)
    assert region_mix(a).fade_out == pytest.approx(1.5, abs=0.03) and region_mix(a).xfade
    assert region_mix(b).fade_in == region_mix(a).fade_out
    assert region_mix(b).fade_in_shape == "equal-power"
    assert doc.undo_stack.count() == 1
    # the waveform shows the crossfade at full level (the mirrored side's peaks included)
    plan = mix_handles.plan_for(doc, render[2].rate)
    peaks = mix_paint.mixed_peaks(plan, render[2], 0.0, 20.0, 400)
    column = lambda t: float(peaks.maxs[int(t / 20.0 * 400)])  # noqa: E731
    for t in (9.0, 9.9, 10.1, 11.0):
        assert column(t) == pytest.approx(column(5.0), rel=0.2)
    out = tmp_path / "xfade.wav"
    export_audio(render[0], out, ExportOptions(format="wav", mix_regions=tuple(doc.regions)))
    pcm = decode(out).samples
    rate = 44100
    window = pcm[int(8.0 * rate) : int(12.0 * rate)]
    level = _rms_db(window, int(0.050 * rate))
    steady = _rms_db(pcm[int(2 * rate) : int(7 * rate)], int(5 * rate))[0]
    assert level.min() >= steady - 1.0
    assert level.max() <= steady + 1.0


def test_the_player_hook_follows_a_handle_moved_during_playback(view, render):
    from muzaic_studio.ui.playback.mix_playback import MixFeed

    doc = view.doc
    path, pcm, _ = render
    feed = MixFeed(doc, path, pcm.rate, pcm.samples.shape[1])
    block = 2048
    heard = [feed.live(pcm.samples[i : i + block], i) for i in range(0, 20 * block, block)]
    assert np.array_equal(np.concatenate(heard), pcm.samples[: 20 * block])  # flat: untouched
    first = doc.project.sorted_regions()[0]
    doc.select([first.uid])
    rect = view.region_rect(first)
    x = view.scale.x(5.0)
    _drag(
        view, QPointF(x, mix_handles.gain_y(rect, 0.0)), QPointF(x, mix_handles.gain_y(rect, -20.0))
    )
    start = 20 * block
    after = [
        feed.live(pcm.samples[i : i + block], i) for i in range(start, start + 4 * block, block)
    ]
    got = np.concatenate(after).astype(float)
    raw = pcm.samples[start : start + 4 * block].astype(float)
    # heard from the next block on, at the new gain once the 30 ms ramp is over
    ramp = round(0.03 * pcm.rate)
    ratio = np.std(got[ramp + 10 :]) / np.std(raw[ramp + 10 :])
    assert 20 * np.log10(ratio) == pytest.approx(-20.0, abs=0.3)
    feed.close()
