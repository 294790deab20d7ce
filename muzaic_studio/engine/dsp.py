"""The few scipy filters and FFTs the engine uses, without importing scipy.signal/scipy.fft.

Why: `import scipy.signal` costs about a second of CPU on this machine (scipy 1.17 parses
the docstring of every public function at import, and pulls in scipy.stats), `scipy.fft`
a few hundred ms more: that was a fifth of a whole `muzaic-studio render --offline` of a
minute of music, and ~40 MB of every engine process. The work itself is scipy's compiled
kernels (`_sosfilt`, `_sigtools._linear_filter`, pocketfft), loaded here straight from
their extension files, with the thin Python wrappers (and the Butterworth design) redone
for the cases the engine uses, so the samples are bit for bit what scipy gives
(tests/engine/test_dsp.py compares them). If scipy's private layout ever changes, the
public functions are used instead: slower to import, same results.

Use it like the modules it stands in for: `from muzaic_studio.engine import dsp as signal`
and `from muzaic_studio.engine.dsp import fft as sp_fft`; any other scipy.signal name is
looked up in scipy.signal itself (paying its import then).
"""

from __future__ import annotations

import importlib.machinery
import importlib.util
import logging
import os
import sys
import types
from typing import Any

import numpy as np

log = logging.getLogger(__name__)


def _extension(name: str) -> Any:
    """The compiled module `name` (e.g. scipy.signal._sosfilt), without running the
    __init__ of its packages. Registered in sys.modules, so a later `import scipy.signal`
    uses this very module instead of loading the extension a second time."""
    if name in sys.modules:
        return sys.modules[name]
    import scipy

    parts = name.split(".")
    folder = os.path.join(scipy.__path__[0], *parts[1:-1])
    for suffix in importlib.machinery.EXTENSION_SUFFIXES:
        path = os.path.join(folder, parts[-1] + suffix)
        if os.path.isfile(path):
            loader = importlib.machinery.ExtensionFileLoader(name, path)
            spec = importlib.util.spec_from_file_location(name, path, loader=loader)
            assert spec is not None
            module = importlib.util.module_from_spec(spec)
            sys.modules[name] = module
            try:
                loader.exec_module(module)
            except BaseException:
                del sys.modules[name]
                raise
            return module
    raise ImportError(f"no extension file for {name}")


try:
    _sosfilt_kernel = _extension("scipy.signal._sosfilt")._sosfilt
    _linear_filter = _extension("scipy.signal._sigtools")._linear_filter
    _pocketfft = _extension("scipy.fft._pocketfft.pypocketfft")
    FAST = True
except Exception as exc:  # another scipy layout: the public functions, same numbers
    log.info("scipy kernels not loadable directly (%s): importing scipy.signal", exc)
    FAST = False


def __getattr__(name: str) -> Any:
    """Anything else scipy.signal has (imported on first such use). Not dunders: the
    import system probes `__path__` and the like, which must not import scipy.signal."""
    if name.startswith("__"):
        raise AttributeError(name)
    from scipy import signal as _signal

    return getattr(_signal, name)


# ---------------------------------------------------------------- filtering


def lfilter(b: Any, a: Any, x: Any, axis: int = -1, zi: Any = None) -> Any:
    """scipy.signal.lfilter for an IIR filter (len(a) > 1)."""
    a = np.atleast_1d(a)
    if not FAST or len(a) == 1:
        from scipy import signal as _signal

        return _signal.lfilter(b, a, x, axis=axis, zi=zi)
    b = np.atleast_1d(b)
    x = np.asarray(x)
    if zi is None:
        return _linear_filter(b, a, x, axis)
    return _linear_filter(b, a, x, axis, np.asarray(zi))


def sosfilt(sos: Any, x: Any, axis: int = -1, zi: Any = None) -> Any:
    """scipy.signal.sosfilt: (y) or (y, zf) with zi."""
    if not FAST:
        from scipy import signal as _signal

        return _signal.sosfilt(sos, x, axis=axis, zi=zi)
    x = np.asarray(x)
    if x.ndim == 0:
        raise ValueError("x must be at least 1-D")
    sos = np.atleast_2d(np.asarray(sos))
    if sos.ndim != 2 or sos.shape[1] != 6 or not np.all(sos[:, 3] == 1):
        raise ValueError("sos must be (n_sections, 6) with sos[:, 3] == 1")
    n_sections = sos.shape[0]
    zi_shape = list(x.shape)
    zi_shape[axis] = 2
    want = (n_sections, *zi_shape)
    inputs = [sos, x] + ([np.asarray(zi)] if zi is not None else [])
    dtype = np.result_type(*inputs)
    if dtype.char not in "fdgFDGO":
        raise NotImplementedError(f"input type '{dtype}' not supported")
    if zi is not None:
        z = np.array(zi, dtype=dtype)  # a copy: the kernel works in place
        if z.shape != want:
            raise ValueError(f"zi must have shape {want}, got {z.shape}")
    else:
        z = np.zeros(want, dtype=dtype)
    axis = axis % x.ndim
    x = np.moveaxis(x, axis, -1)
    z = np.moveaxis(z, (0, axis + 1), (-2, -1))
    x_shape, z_shape = x.shape, z.shape
    y = np.array(np.reshape(x, (-1, x.shape[-1])), dtype, order="C")  # filtered in place
    z = np.ascontiguousarray(np.reshape(z, (-1, n_sections, 2)))
    _sosfilt_kernel(sos.astype(dtype, copy=False), y, z)
    y = np.moveaxis(y.reshape(x_shape), -1, axis)
    if zi is None:
        return y
    return y, np.moveaxis(z.reshape(z_shape), (-2, -1), (0, axis + 1))


# ---------------------------------------------------------------- Butterworth design


def _poly(roots: np.ndarray) -> np.ndarray:
    """np.poly: real coefficients when the roots come in conjugate pairs."""
    return np.poly(roots) if len(roots) else np.ones(1)


def _cplxreal_pair(p: np.ndarray) -> np.ndarray:
    """The conjugate pair of a second-order section's poles as scipy's zpk2sos forms it
    (the mean of the pair, then its conjugate), or the two real poles."""
    if np.all(np.isreal(p)):
        return p.real
    zp = p[p.imag > 0][0]
    zn = p[p.imag < 0][0]
    c = (zp + zn.conj()) / 2
    return np.array([c, c.conj()])


def butter(N: int, Wn: Any, btype: str = "low", fs: float | None = None, output: str = "ba") -> Any:
    """scipy.signal.butter for digital filters: same algorithm (analog prototype,
    pre-warp, band transform, bilinear transform), same floating-point steps."""
    btype = {"low": "lowpass", "high": "highpass", "band": "bandpass"}.get(btype, btype)
    simple = btype in ("lowpass", "highpass", "bandpass") and output in ("ba", "sos")
    if not FAST or not simple or (output == "sos" and (btype == "bandpass" or N != 2)):
        from scipy import signal as _signal

        return _signal.butter(N, Wn, btype=btype, fs=fs, output=output)
    wn = np.asarray(Wn, dtype=np.float64)
    if fs is not None:
        wn = wn / (fs / 2)
    if np.any(wn <= 0) or np.any(wn >= 1):
        raise ValueError("Digital filter critical frequencies must be 0 < Wn < fs/2")
    m = np.arange(-N + 1, N, 2, dtype=np.float64)
    p = -np.exp(1j * np.pi * m / (2 * N))
    z = np.asarray([], dtype=np.float64)
    k = 1.0
    warped = 2 * 2.0 * np.tan(np.pi * wn / 2.0)
    degree = len(p)
    if btype == "lowpass":
        wo = float(warped)
        z, p, k = wo * z, wo * p, k * wo**degree
    elif btype == "highpass":
        wo = float(warped)
        z = np.concatenate((wo / z, np.zeros(degree)))
        k = k * np.real(np.prod(-np.asarray([], dtype=np.float64)) / np.prod(-p))
        p = wo / p
    else:
        bw, wo = float(warped[1] - warped[0]), float(np.sqrt(warped[0] * warped[1]))
        z_lp = (z * bw / 2).astype(np.complex128)
        p_lp = (p * bw / 2).astype(np.complex128)
        z = np.concatenate((z_lp + np.sqrt(z_lp**2 - wo**2), z_lp - np.sqrt(z_lp**2 - wo**2)))
        p = np.concatenate((p_lp + np.sqrt(p_lp**2 - wo**2), p_lp - np.sqrt(p_lp**2 - wo**2)))
        z = np.concatenate((z, np.zeros(degree)))
        k = k * bw**degree
    fs2 = 4.0
    degree = len(p) - len(z)
    k = k * np.real(np.prod(fs2 - z) / np.prod(fs2 - p))
    z = np.concatenate(((fs2 + z) / (fs2 - z), -np.ones(degree)))
    p = (fs2 + p) / (fs2 - p)
    if output == "sos":
        sos = np.zeros((1, 6))
        sos[0, :3] = _poly(z.real)
        sos[0, 3:] = _poly(_cplxreal_pair(p))
        sos[0][:3] *= k
        return sos
    k_arr = np.atleast_1d(np.asarray(k, dtype=np.result_type(np.real(z), np.real(p), k)))
    return np.multiply(k_arr, _poly(z)), np.atleast_1d(_poly(p))


# ---------------------------------------------------------------- FFT


def _rfft(x: Any, n: int | None = None) -> np.ndarray:
    """scipy.fft.rfft(x, n) along the last axis (one thread, like scipy's default)."""
    if not FAST:
        from scipy import fft as _fft

        return _fft.rfft(x, n)
    tmp = _farray(x)
    if n is not None and n != tmp.shape[-1]:
        tmp = _fit(tmp, n)
    return _pocketfft.r2c(tmp, (tmp.ndim - 1,), True, 0, None, 1)


def _irfft(x: Any, n: int | None = None) -> np.ndarray:
    """scipy.fft.irfft(x, n) along the last axis."""
    if not FAST:
        from scipy import fft as _fft

        return _fft.irfft(x, n)
    tmp = _farray(x)
    if np.isrealobj(tmp):
        tmp = tmp + 0.0j
    if n is None:
        n = (tmp.shape[-1] - 1) * 2
    elif tmp.shape[-1] != n // 2 + 1:
        tmp = _fit(tmp, n // 2 + 1)
    return _pocketfft.c2r(tmp, (tmp.ndim - 1,), n, False, 2, None, 1)


def _next_fast_len(target: int, real: bool = False) -> int:
    if not FAST:
        from scipy import fft as _fft

        return int(_fft.next_fast_len(target, real=real))
    return int(_pocketfft.good_size(target, real))


def _farray(x: Any) -> np.ndarray:
    x = np.asarray(x)
    if x.dtype == np.float16:
        return np.asarray(x, np.float32)
    if x.dtype.kind not in "fc":
        return np.asarray(x, np.float64)
    return np.array(x, dtype=x.dtype.newbyteorder("="), copy=None if x.flags.aligned else True)


def _fit(x: np.ndarray, n: int) -> np.ndarray:
    """Zero-pad or trim the last axis to n (scipy.fft's _fix_shape)."""
    if x.shape[-1] >= n:
        return x[..., :n]
    out = np.zeros((*x.shape[:-1], n), dtype=x.dtype)
    out[..., : x.shape[-1]] = x
    return out


fft = types.SimpleNamespace(rfft=_rfft, irfft=_irfft, next_fast_len=_next_fast_len)
