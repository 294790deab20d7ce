"""engine/dsp.py gives scipy's samples bit for bit without importing scipy.signal/fft: the
engine's audio (and so every stored region) does not depend on which one did the work."""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest
from scipy import fft as sp_fft
from scipy import signal

from muzaic_studio.engine import dsp
from muzaic_studio.engine.theory import SR


def test_engine_render_imports_no_scipy_signal_or_fft(tmp_path):
    # a render, not only the imports: a filter design dsp lacked (the room's and the bus's
    # high-pass) once imported all of scipy.signal mid-render, a second of every CLI render
    code = (
        "import sys; from muzaic_studio.engine.backend import OfflineEngine; "
        "OfflineEngine().render({'regions': [{'time': 0, 'duration': 3, 'action': 'generate', "
        "'tags': [3]}], 'normalize': True}); "
        "print(sorted(m for m in sys.modules if m in ('scipy.signal', 'scipy.fft', 'scipy.stats')))"
    )
    env = {**os.environ, "MUZAIC_STUDIO_HOME": str(tmp_path)}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         env=env)  # fmt: skip
    assert dsp.FAST
    assert out.stdout.strip() == "[]"


@pytest.mark.parametrize("order", [1, 2, 3, 4])
@pytest.mark.parametrize("btype", ["low", "high"])
def test_butter_ba_is_scipys(order, btype):
    for cutoff in [40, 97, 300, 1234.5, 3000, 9000, 0.45 * SR]:
        ours = dsp.butter(order, cutoff, btype=btype, fs=SR)
        theirs = signal.butter(order, cutoff, btype=btype, fs=SR)
        for a, b in zip(ours, theirs, strict=True):
            assert a.dtype == b.dtype and np.array_equal(a, b)


def test_butter_band_and_sos_are_scipys():
    rng = np.random.default_rng(1)
    for lo in rng.uniform(50, 5000, 40).round():
        hi = min(lo * rng.uniform(1.5, 6), 0.45 * SR)
        for a, b in zip(dsp.butter(2, (lo, hi), btype="band", fs=SR),
                        signal.butter(2, (lo, hi), btype="band", fs=SR), strict=True):  # fmt: skip
            assert np.array_equal(a, b)
    for cutoff in [*rng.uniform(1000, 16000, 200), *rng.uniform(10, 500, 50)]:
        for btype in ("low", "high"):
            assert np.array_equal(dsp.butter(2, cutoff, btype=btype, fs=SR, output="sos"),
                                  signal.butter(2, cutoff, btype=btype, fs=SR, output="sos"))  # fmt: skip
    # the room's high-pass, designed at a quarter of the rate (mixing._reverb_ir)
    assert np.array_equal(dsp.butter(2, 120.0, btype="high", fs=SR // 4, output="sos"),
                          signal.butter(2, 120.0, btype="high", fs=SR // 4, output="sos"))  # fmt: skip


def test_filters_are_scipys():
    rng = np.random.default_rng(2)
    x32 = rng.standard_normal(5000).astype(np.float32)
    b, a = signal.butter(2, 2000, fs=SR)
    assert np.array_equal(dsp.lfilter(b, a, x32), signal.lfilter(b, a, x32))
    y1, z1 = dsp.lfilter([0.1], [1.0, -0.9], x32[:300] - 1.0, zi=[0.0])
    y2, z2 = signal.lfilter([0.1], [1.0, -0.9], x32[:300] - 1.0, zi=[0.0])
    assert np.array_equal(y1, y2) and np.array_equal(z1, z2)
    sos = signal.butter(2, 1500, fs=SR, output="sos")
    assert np.array_equal(dsp.sosfilt(sos, x32), signal.sosfilt(sos, x32))
    sos32 = sos.astype(np.float32)
    zi = np.zeros((1, 2), dtype=np.float32)
    for ours, theirs in zip(dsp.sosfilt(sos32, x32, zi=zi), signal.sosfilt(sos32, x32, zi=zi),
                            strict=True):  # fmt: skip
        assert ours.dtype == theirs.dtype and np.array_equal(ours, theirs)
    stereo = rng.standard_normal((2, 4000)).astype(np.float32)
    zi2 = rng.standard_normal((1, 2, 2))
    for ours, theirs in zip(dsp.sosfilt(sos, stereo, axis=1, zi=zi2),
                            signal.sosfilt(sos, stereo, axis=1, zi=zi2), strict=True):  # fmt: skip
        assert np.array_equal(ours, theirs)


def test_fft_is_scipys():
    rng = np.random.default_rng(3)
    for dtype in (np.float32, np.float64):
        x = rng.standard_normal(3000).astype(dtype)
        n = sp_fft.next_fast_len(3000 + 777, real=True)
        assert dsp.fft.next_fast_len(3000 + 777, real=True) == n
        spec = dsp.fft.rfft(x, n)
        assert spec.dtype == sp_fft.rfft(x, n).dtype and np.array_equal(spec, sp_fft.rfft(x, n))
        assert np.array_equal(dsp.fft.irfft(spec * spec, n), sp_fft.irfft(spec * spec, n))
