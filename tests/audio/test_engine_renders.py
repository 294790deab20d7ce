"""The audio layer on what the app really gets: renders of the offline engine."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from muzaic_studio.audio.decode import decode
from muzaic_studio.audio.export import ExportOptions, export_audio
from muzaic_studio.audio.loudness import measure_loudness
from muzaic_studio.audio.peaks import PeakPyramid, build_pyramid

backend = pytest.importorskip("muzaic_studio.engine.backend")


@pytest.fixture(scope="module")
def render(tmp_path_factory: pytest.TempPathFactory):
    body = {
        "regions": [
            {"time": 0, "duration": 3, "action": "generate", "tags": [2],
             "params": {"intensity": 7, "tempo": 6, "tone": 5, "variance": 5, "rhythm": 6}},
            {"time": 3, "duration": 2.5, "action": "generate", "tags": [11],
             "params": {"intensity": [[0, 3], [100, 9]], "tempo": 5}},
        ],
        "normalize": True,
    }  # fmt: skip
    result = backend.OfflineEngine().render(body)
    path = tmp_path_factory.mktemp("render") / "render.mp3"
    path.write_bytes(result.mp3)
    return result, path


def test_render_decodes_to_its_exact_duration(render) -> None:
    result, path = render
    decoded = decode(result.mp3)
    assert decoded.frames == round(result.audio_duration * decoded.rate)
    assert np.array_equal(decode(path).samples, decoded.samples)
    assert np.abs(decoded.samples).max() > 1000  # music, not silence


def test_render_peaks_match_samples(render) -> None:
    result, path = render
    decoded = decode(path)
    pyramid = build_pyramid(path)
    assert pyramid.duration == pytest.approx(result.audio_duration)
    in_memory = PeakPyramid.from_samples(decoded.samples, decoded.rate)
    # the file's pyramid comes from libsndfile's decode (audio/mp3_spans.py), the samples
    # here from ffmpeg's: the same to within one 16-bit step
    for a, b in zip(pyramid.levels, in_memory.levels, strict=True):
        assert np.abs(a[0].astype(np.int32) - b[0]).max() <= 1
        assert np.abs(a[1].astype(np.int32) - b[1]).max() <= 1
    whole = pyramid.query(0.0, pyramid.duration, 1)
    assert whole.maxs[0] == pytest.approx(decoded.samples.max() / 32768, abs=1.01 / 32768)
    assert len(pyramid.thumbnail()) == 96


def test_render_loudness_and_export(render, tmp_path: Path) -> None:
    _result, path = render
    report = measure_loudness(path)
    assert -40 < report.integrated_lufs < 0 and report.true_peak_dbtp <= 0.5
    target = tmp_path / "cue.wav"
    export_audio(path, target, ExportOptions(format="wav", start=1.0, end=4.0, title="Cue"))
    assert np.array_equal(decode(target).samples, decode(path, start=1.0, end=4.0).samples)


def test_the_engine_hands_over_the_waveform_of_what_it_encoded(render) -> None:
    # made from the samples on their way to the encoder: the render use case then needs
    # no decode of its own (the MP3 is lossy: its peaks differ a little, never its length)
    result, path = render
    decoded = decode(path)
    made = result.pyramid
    assert made is not None and made.complete
    assert made.frames == decoded.frames
    whole = made.query(0.0, made.duration, 1)
    assert whole.maxs[0] == pytest.approx(decoded.samples.max() / 32768, abs=0.05)
