"""Peak pyramid: equal to brute force at every zoom, edges, cache, progress, cancel."""

from __future__ import annotations

import itertools
import os
import threading
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from muzaic_studio.audio.decode import decode, probe
from muzaic_studio.audio.errors import Cancelled
from muzaic_studio.audio.peaks import (
    PeakCacheError,
    PeakPyramid,
    PyramidBuilder,
    build_pyramid,
)
from muzaic_studio.audio.segments import map_spans


def brute_force(samples: np.ndarray, rate: int, t0: float, t1: float, pixels: int, block: int):
    """Per pixel: min/max/RMS of all samples in the blocks (of *block* frames) that its
    frame span [s, e) overlaps - what `query` promises - straight from the samples."""
    frames = samples.shape[0]
    edges = t0 * rate + (t1 - t0) * rate * (np.arange(pixels + 1) / pixels)
    mins, maxs, rms, covered = [], [], [], []
    for s, e in itertools.pairwise(edges):
        if e <= 0 or s >= frames:
            mins.append(0.0), maxs.append(0.0), rms.append(0.0), covered.append(False)
            continue
        s, e = max(s, 0.0), min(e, frames)
        lo = int(s // block)
        hi = max(int(np.ceil(e / block)), lo + 1)
        window = samples[lo * block : min(hi * block, frames)]
        mins.append(window.min() / 32768)
        maxs.append(window.max() / 32768)
        rms.append(np.sqrt(np.mean((window.astype(np.float64) / 32768) ** 2)))
        covered.append(True)
    return np.array(mins), np.array(maxs), np.array(rms), np.array(covered)


def exact_pixel_extremes(samples: np.ndarray, rate: int, t0: float, t1: float, pixels: int):
    """min/max of exactly the samples whose frame index falls inside each pixel."""
    edges = t0 * rate + (t1 - t0) * rate * (np.arange(pixels + 1) / pixels)
    out = []
    for s, e in itertools.pairwise(edges):
        a, b = max(int(np.ceil(s)), 0), min(int(np.ceil(e)), samples.shape[0])
        out.append((samples[a:b].min() / 32768, samples[a:b].max() / 32768) if b > a else None)
    return out


@pytest.fixture(scope="module")
def noise(noise_mp3: Path) -> tuple[PeakPyramid, np.ndarray, int]:
    # the samples the pyramid is built from (an MP3 file: libsndfile's decode, which
    # test_segments compares with ffmpeg's)
    info = probe(noise_mp3)
    whole = map_spans(noise_mp3, info, lambda chunks, _advance, _span: np.concatenate(list(chunks)))
    return build_pyramid(noise_mp3), whole[0], info.rate


ZOOMS = [
    (0.0, 3.0, 1920),  # whole file, ~69 frames per pixel: level 0
    (0.0, 3.0, 7),  # whole file in 7 pixels: a coarse level
    (0.0, 3.0, 1),  # one pixel
    (0.37, 1.91, 300),  # unaligned span
    (1.0, 1.004, 500),  # 176 frames in 500 pixels: deep zoom-in
    (2.5, 3.0, 64),
    (-1.0, 4.5, 200),  # beyond both ends
]


@pytest.mark.parametrize(("t0", "t1", "pixels"), ZOOMS)
def test_query_matches_brute_force(noise, t0: float, t1: float, pixels: int) -> None:
    pyramid, samples, rate = noise
    got = pyramid.query(t0, t1, pixels)
    mins, maxs, rms, covered = brute_force(samples, rate, t0, t1, pixels, got.block_frames)
    assert got.mins.shape == got.maxs.shape == got.rms.shape == (pixels,)
    assert np.array_equal(got.covered, covered)
    assert np.array_equal(got.mins, mins.astype(np.float32))
    assert np.array_equal(got.maxs, maxs.astype(np.float32))
    np.testing.assert_allclose(got.rms, rms, rtol=2e-4, atol=1e-6)
    # The promise to a view: no sample inside a pixel is ever outside its min/max.
    for pixel, exact in enumerate(exact_pixel_extremes(samples, rate, t0, t1, pixels)):
        if exact is not None:
            assert got.mins[pixel] <= exact[0] and got.maxs[pixel] >= exact[1]


def test_level_is_no_wider_than_a_pixel(noise) -> None:
    pyramid, _, rate = noise
    for pixels in (1, 3, 50, 400, 1920, 100_000):
        got = pyramid.query(0.0, 3.0, pixels)
        per_pixel = 3.0 * rate / pixels
        assert got.block_frames <= max(per_pixel, pyramid.base_block)
        # ...and not needlessly fine (O(pixels), not O(samples)), unless at the top level.
        if got.block_frames * 2 <= per_pixel:
            assert got.block_frames >= pyramid.frames
    assert pyramid.query(1.0, 1.00001, 1920).block_frames == 256


def test_whole_span_single_pixel_is_global_extremes(noise) -> None:
    pyramid, samples, _ = noise
    got = pyramid.query(0.0, pyramid.duration, 1)
    assert got.mins[0] == samples.min() / 32768 and got.maxs[0] == samples.max() / 32768


def test_spans_outside_the_audio(noise) -> None:
    pyramid, _, _ = noise
    before = pyramid.query(-10.0, -5.0, 50)
    after = pyramid.query(3.5, 100.0, 50)
    for got in (before, after):
        assert not got.covered.any()
        assert not got.mins.any() and not got.maxs.any() and not got.rms.any()
    straddle = pyramid.query(-3.0, 3.0, 6)
    assert list(straddle.covered) == [False] * 3 + [True] * 3


def test_invalid_queries(noise) -> None:
    pyramid, _, _ = noise
    for args in ((0.0, 1.0, 0), (1.0, 1.0, 10), (2.0, 1.0, 10), (float("nan"), 1.0, 10)):
        with pytest.raises(ValueError):
            pyramid.query(*args)


def test_sine_levels_and_thumbnail(sine_mp3: Path) -> None:
    pyramid = build_pyramid(sine_mp3)
    whole = pyramid.query(0.0, 2.0, 100)
    assert whole.maxs.min() == pytest.approx(0.5, rel=0.01)
    assert whole.mins.max() == pytest.approx(-0.5, rel=0.01)
    assert np.median(whole.rms) == pytest.approx(0.5 / np.sqrt(2), rel=0.01)
    thumb = pyramid.thumbnail(64)
    assert len(thumb) == 64 and all(isinstance(v, float) for v in thumb)
    assert all(v == pytest.approx(0.5, abs=0.01) for v in thumb)


def test_file_pyramid_equals_in_memory_pyramid(sine_wav: Path) -> None:
    decoded = decode(sine_wav)
    streamed = build_pyramid(sine_wav, chunk_frames=5000)  # rounded up to 5120
    in_memory = PeakPyramid.from_samples(decoded.samples, decoded.rate)
    assert streamed.frames == in_memory.frames == 132300
    assert len(streamed.levels) == len(in_memory.levels)
    for a, b in zip(streamed.levels, in_memory.levels, strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y)


@settings(max_examples=60, deadline=None)
@given(
    frames=st.integers(1, 5000),
    channels=st.integers(1, 3),
    base_block=st.sampled_from([1, 4, 16, 256]),
    cuts=st.lists(st.integers(0, 5000), max_size=6),
    seed=st.integers(0, 2**16),
    pixels=st.integers(1, 300),
    span=st.tuples(st.floats(-0.05, 0.2), st.floats(0.0001, 0.3)),
)
def test_any_chunking_and_query_matches_brute_force(
    frames, channels, base_block, cuts, seed, pixels, span
) -> None:
    rng = np.random.default_rng(seed)
    samples = rng.integers(-32768, 32768, size=(frames, channels), dtype=np.int16)
    builder = PyramidBuilder(8000, channels, base_block)
    bounds = sorted({0, frames, *(c for c in cuts if c < frames)})
    for a, b in itertools.pairwise(bounds):
        builder.feed(samples[a:b])
    pyramid = builder.finish()
    reference = PeakPyramid.from_samples(samples, 8000, base_block)
    for a, b in zip(pyramid.levels, reference.levels, strict=True):
        for x, y in zip(a, b, strict=True):
            np.testing.assert_array_equal(x, y)
    t0, width = span
    got = pyramid.query(t0, t0 + width, pixels)
    mins, maxs, rms, covered = brute_force(samples, 8000, t0, t0 + width, pixels, got.block_frames)
    np.testing.assert_allclose(got.rms, rms, rtol=2e-4, atol=1e-6)
    assert np.array_equal(got.covered, covered)
    assert np.array_equal(got.mins, mins.astype(np.float32))
    assert np.array_equal(got.maxs, maxs.astype(np.float32))


def test_float_samples_and_mono(tmp_path: Path) -> None:
    t = np.arange(8000) / 8000
    pyramid = PeakPyramid.from_samples(0.25 * np.sin(2 * np.pi * 50 * t), 8000)
    assert pyramid.channels == 1 and pyramid.frames == 8000
    got = pyramid.query(0, 1, 1)
    assert got.maxs[0] == pytest.approx(0.25, abs=1e-3)
    with pytest.raises(ValueError):
        PeakPyramid.from_samples(np.zeros(0, np.int16), 8000)


def test_cache_round_trip(noise, tmp_path: Path) -> None:
    pyramid, _, _ = noise
    path = tmp_path / "peaks.npz"
    pyramid.source_key = "render-abc123"
    pyramid.save(path)
    loaded = PeakPyramid.load(path)
    assert (loaded.rate, loaded.channels, loaded.frames, loaded.base_block) == (
        pyramid.rate, pyramid.channels, pyramid.frames, pyramid.base_block,
    )  # fmt: skip
    assert loaded.source_key == "render-abc123"
    for span in ZOOMS:
        a, b = pyramid.query(*span), loaded.query(*span)
        assert np.array_equal(a.mins, b.mins) and np.array_equal(a.rms, b.rms)
    assert [p.name for p in tmp_path.iterdir()] == ["peaks.npz"]  # no temp left behind


def test_bad_cache_files(noise, tmp_path: Path) -> None:
    with pytest.raises(PeakCacheError, match="No waveform cache"):
        PeakPyramid.load(tmp_path / "missing.npz")
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"not a zip")
    with pytest.raises(PeakCacheError, match="unreadable"):
        PeakPyramid.load(junk)
    pyramid, _, _ = noise
    good = tmp_path / "good.npz"
    pyramid.save(good)
    with np.load(good) as data:
        parts = dict(data)
    parts["mins"] = parts["mins"][:-1]
    broken = tmp_path / "broken.npz"
    np.savez(broken, **parts)
    with pytest.raises(PeakCacheError, match="corrupt"):
        PeakPyramid.load(broken)
    parts = dict(np.load(good))
    parts["meta"] = parts["meta"].copy()
    parts["meta"][0] = 99
    np.savez(tmp_path / "future.npz", **parts)
    with pytest.raises(PeakCacheError, match="another version"):
        PeakPyramid.load(tmp_path / "future.npz")


def test_progress_rises_to_one(noise_mp3: Path) -> None:
    seen: list[float] = []
    build_pyramid(noise_mp3, chunk_frames=4096, progress=seen.append)
    assert len(seen) > 10
    assert seen == sorted(seen) and seen[-1] == 1.0 and all(0 <= f <= 1 for f in seen)


def test_cancel_stops_and_raises(noise_mp3: Path) -> None:
    cancel = threading.Event()
    calls: list[float] = []

    def progress(fraction: float) -> None:
        calls.append(fraction)
        if fraction > 0.2:
            cancel.set()

    with pytest.raises(Cancelled):
        build_pyramid(noise_mp3, chunk_frames=4096, progress=progress, cancel=cancel)
    assert max(calls) < 0.5


def test_load_or_build_uses_cache_only_when_it_matches(noise_mp3: Path, tmp_path: Path) -> None:
    import shutil

    from muzaic_studio.audio import peaks

    source = tmp_path / "render.mp3"
    shutil.copy(noise_mp3, source)
    cache = tmp_path / "render.peaks.npz"
    built = []
    real_build = peaks.build_pyramid

    def counting_build(*args, **kwargs):
        built.append(args[0])
        return real_build(*args, **kwargs)

    peaks.build_pyramid = counting_build
    try:
        first = peaks.load_or_build_pyramid(source, cache)
        assert cache.exists() and len(built) == 1
        again = peaks.load_or_build_pyramid(source, cache, progress=built.append)
        assert len(built) == 2 and built[-1] == 1.0  # progress only: no rebuild
        assert np.array_equal(again.levels[0][0], first.levels[0][0])
        # A new render rewrites the file: the stale cache is ignored and replaced.
        shutil.copy(noise_mp3, source)
        os.utime(source, ns=(1, 1))
        peaks.load_or_build_pyramid(source, cache)
        assert built[-1] == source
        cache.write_bytes(b"garbage")
        peaks.load_or_build_pyramid(source, cache)
        assert built[-1] == source and PeakPyramid.load(cache).frames == first.frames
    finally:
        peaks.build_pyramid = real_build


def test_load_or_build_without_writable_cache(noise_mp3: Path, tmp_path: Path) -> None:
    from muzaic_studio.audio.peaks import load_or_build_pyramid

    pyramid = load_or_build_pyramid(noise_mp3, tmp_path / "no" / "dir" / "p.npz")
    assert pyramid.frames == 132300
