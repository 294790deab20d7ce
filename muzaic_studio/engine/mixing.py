"""Mixing and mastering: panning, a room reverb, fades, true-peak limiter and loudness.

Budget: a 60 s render including MP3 encoding must stay under about a second, and MP3
encoding alone takes most of that. So the reverb runs at a quarter of the sample rate
(a dark room sound loses nothing), the limiter works on 256-sample blocks, and loudness is
a vectorised ITU-R BS.1770 meter (the tests check it against pyloudnorm, which is ~5x
slower because it loops over gating blocks in Python).
"""

from __future__ import annotations

import functools
import threading
from typing import Any

import numpy as np

from muzaic_studio.engine import dsp as signal
from muzaic_studio.engine import pages
from muzaic_studio.engine.dsp import fft as sp_fft
from muzaic_studio.engine.theory import SR

# -2 dBTP: the engine's MP3 must stay under -1 dBTP (EBU R128, and the export dialog's
# "may clip" check, ffmpeg's ebur128 meter) after the encoder's own overshoot, a few
# tenths of a dB at 192 kbps, and the meters' disagreement near Nyquist (~0.2 dB)
CEILING = 10 ** (-2.0 / 20.0)
TARGET_LUFS = -14.0


@functools.cache
def _libc_trim() -> Any:
    try:
        import ctypes

        return ctypes.CDLL("libc.so.6").malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to trim
        return None


def release_memory() -> None:
    """Hand freed heap memory back to the OS (glibc). A region's 30 s segment buffers are
    freed into its thread's malloc arena, which glibc keeps: after a long render that is
    a few hundred MB of resident memory nobody uses, on top of the soundtrack itself."""
    trim = _libc_trim()
    if trim is not None:
        trim(0)


_scratch = threading.local()


def axpy(x: np.ndarray, y: np.ndarray, offset: int, count: int, a: float) -> None:
    """y[offset:offset+count] += a * x[:count], in place.

    `y[...] += a * x` allocates a temporary per call; temporaries over 128 KB are fresh
    mmaps that page-fault on first touch, and mixing a minute of music adds thousands of
    notes. A reused per-thread scratch buffer avoids both. (BLAS saxpy was tried: its
    threads fight the engine's region threads and it was several times slower.)
    """
    count = min(count, len(x), len(y) - offset)
    if count <= 0:
        return
    buf = getattr(_scratch, "buf", None)
    if buf is None or len(buf) < count:
        buf = _scratch.buf = np.empty(max(count, 1 << 18), dtype=np.float32)
    tmp = buf[:count]
    np.multiply(x[:count], np.float32(a), out=tmp)
    dst = y[offset : offset + count]
    np.add(dst, tmp, out=dst)


def pan_gains(pan: float) -> tuple[float, float]:
    """Constant-power pan, pan in -1 (left) .. 1 (right)."""
    ang = (pan + 1.0) * np.pi / 4.0
    return float(np.cos(ang)), float(np.sin(ang))


def add_panned(
    left: np.ndarray,
    right: np.ndarray,
    mono: np.ndarray,
    pan: float,
    gain: float,
    haas_ms: float = 0.0,
) -> None:
    """Mix a mono layer into contiguous left/right buses; haas_ms delays the right for width.

    Separate contiguous channel arrays: writing into one column of an (n, 2) array is a
    strided write and about twice as slow.
    """
    gl, gr = pan_gains(pan)
    n = min(len(left), len(mono))
    axpy(mono, left, 0, n, gain * gl)
    d = int(haas_ms * SR / 1000.0)
    if d and n > d:
        axpy(mono, right, d, n - d, gain * gr)
    else:
        axpy(mono, right, 0, n, gain * gr)


@functools.lru_cache(maxsize=8)
def _reverb_ir(seconds: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """A stereo room at SR/4: early reflections, then a diffuse tail that builds up.

    Early reflections: a dozen sparse taps per ear between ~7 and ~80 ms (later and
    further apart in a bigger room, `seconds` being its decay time), each softer and
    duller than the last, at different times left and right: they give the room its
    size and place the band in it. The late tail: darkening noise that fades in over
    the reflections and decays by 60 dB over `seconds`. About a third of the energy is
    early. Each ear's IR has unit energy.
    """
    rate = SR // 4
    n = int(seconds * rate)
    t = np.arange(n) / rate
    rng = np.random.default_rng(seed)
    size = min(1.0, seconds / 3.0)  # 0.4 .. 1: a small room .. a hall
    b, a = signal.butter(1, 3000.0, fs=rate)
    hp = signal.butter(2, 120.0, btype="high", fs=rate, output="sos")
    irs = []
    for _ in range(2):
        late = rng.standard_normal(n) * np.exp(-t * 6.9 / seconds)
        late = signal.lfilter(b, a, late)
        onset = 0.012 + 0.02 * size
        late *= np.clip((t - onset) / (0.05 + 0.05 * size), 0.0, 1.0) ** 2  # build-up
        late /= np.sqrt(np.sum(late**2))
        early = np.zeros(n)
        taps = np.sort(rng.uniform(0.006, 0.03 + 0.05 * size, 12))
        for d in taps:
            k = min(n - 2, int(d * rate))
            g = rng.choice([-1.0, 1.0]) * (0.006 / d) ** 0.8
            early[k] += 0.7 * g  # a reflection loses its top: spread over two samples
            early[k + 1] += 0.3 * g
        early /= np.sqrt(np.sum(early**2))
        x = 0.58 * early + 0.81 * late  # a third of the energy early
        x = signal.sosfilt(hp, x)  # a room without boom (and without DC)
        irs.append((x / np.sqrt(np.sum(x**2))).astype(np.float32))
    return irs[0], irs[1]


@functools.lru_cache(maxsize=16)
def _ir_spectra(seconds: float, nfft: int) -> tuple[np.ndarray, np.ndarray]:
    irl, irr = _reverb_ir(seconds, 5)
    return sp_fft.rfft(irl, nfft), sp_fft.rfft(irr, nfft)


def reverb(send: np.ndarray, seconds: float = 1.6) -> tuple[np.ndarray, np.ndarray]:
    """Stereo reverb of a mono send (len n) -> (left, right), each of length n.

    Runs at SR/4 (the send is averaged over 4 samples, the wet signal interpolated back):
    16x less work than a full-rate convolution, and a hall's tail has little above 5 kHz.
    One forward FFT of the send serves both channels; IR spectra are cached per size.
    """
    n = len(send)
    m = n // 4
    if m < 16:
        return np.zeros(n, dtype=np.float32), np.zeros(n, dtype=np.float32)
    low = (
        send[0 : 4 * m : 4] + send[1 : 4 * m : 4] + send[2 : 4 * m : 4] + send[3 : 4 * m : 4]
    ) * 0.25
    ir_len = int(seconds * (SR // 4))
    nfft = sp_fft.next_fast_len(m + ir_len, real=True)
    spec = sp_fft.rfft(low, nfft)
    outs = []
    for h in _ir_spectra(seconds, nfft):
        wet = sp_fft.irfft(spec * h, nfft)[: m + 1].astype(np.float32)
        out = np.zeros(n, dtype=np.float32)
        a, b = wet[:m], wet[1 : m + 1]
        # linear interpolation back to SR: cheap and without the imaging of a plain repeat
        out[0 : 4 * m : 4] = a
        out[1 : 4 * m : 4] = 0.75 * a + 0.25 * b
        out[2 : 4 * m : 4] = 0.5 * (a + b)
        out[3 : 4 * m : 4] = 0.25 * a + 0.75 * b
        outs.append(out)
    return outs[0], outs[1]


def fade(x: np.ndarray, fade_in_s: float, fade_out_s: float) -> None:
    """In-place raised-cosine fades at both ends (a click-free start and end)."""
    n = len(x)
    for length, rising in ((int(fade_in_s * SR), True), (int(fade_out_s * SR), False)):
        length = min(length, n)
        if length <= 0:
            continue
        ramp = 0.5 - 0.5 * np.cos(np.linspace(0.0, np.pi, length))
        if rising:
            x[:length] *= ramp[:, None] if x.ndim == 2 else ramp
        else:
            x[n - length :] *= ramp[::-1, None] if x.ndim == 2 else ramp[::-1]


@functools.cache
def _phases() -> np.ndarray:
    """(3, 8) FIR taps giving the points 1/4, 1/2 and 3/4 of a sample after each sample:
    the odd phases of a 4x windowed-sinc interpolator (33 taps, Kaiser beta 6)."""
    # scipy.signal.firwin(33, 0.25, window=("kaiser", 6.0)), bit for bit, in numpy: the
    # one name engine.dsp lacks would import all of scipy.signal (1 s, under the import
    # lock that the render's other threads wait on)
    m = np.arange(33) - 16.0
    h = 0.25 * np.sinc(0.25 * m) * np.kaiser(33, 6.0)
    h = h / h.sum() * 4.0
    return np.array([h[4 - p :: 4][:8][::-1] for p in (1, 2, 3)], dtype=np.float32)


def _isp_peaks(flat: np.ndarray, block: int, rows: np.ndarray) -> np.ndarray:
    """Inter-sample peaks of interleaved stereo blocks `rows` (4x oversampled), plus
    0.2 dB for what the 8-tap interpolator misses on the brightest material.

    The true peak (what a DAC, a resampler or an MP3 decoder reconstructs between the
    samples, ITU-R BS.1770's dBTP) exceeds the sample peak by up to a dB on bright
    material. Computed only for the blocks near the ceiling; each block is read with 4
    frames on either side, so no point between two blocks is missed.
    """
    w = 2 * block
    nfull = len(flat) // w
    out = np.zeros(len(rows), dtype=np.float32)
    rows = rows[rows < nfull]
    if not len(rows):
        return out
    taps, span = _phases(), np.arange(-8, w + 8)
    for c0 in range(0, len(rows), 128):  # half a MB at a time, no copy of the signal
        idx = rows[c0 : c0 + 128, None] * w + span  # the signal's edges are held
        seg = flat[np.clip(idx, 0, nfull * w - 1)]
        peak = np.zeros(len(seg), dtype=np.float32)
        for h in taps:  # y[i]: between frames i - 1 and i of the block, per channel
            y = h[0] * seg[:, 0:w]
            for k in range(1, 8):
                y += h[k] * seg[:, 2 * k : 2 * k + w]
            np.maximum(peak, np.abs(y).max(axis=1), out=peak)
        out[c0 : c0 + len(seg)] = peak * np.float32(1.023)
    return out


def limit(x: np.ndarray, ceiling: float = CEILING, block: int = 256) -> np.ndarray:
    """Look-ahead true-peak limiter on (n, 2) float audio, IN PLACE; returns x, whose
    sample and inter-sample peaks (estimated, _isp_peaks) stay <= ceiling.

    Gain is computed per block from the block peak, starts falling one block early
    (look-ahead), recovers slowly (one-pole release), and is interpolated per sample only
    in the blocks it touches: music that never reaches the ceiling costs one peak scan.
    Each sample's gain is at most its own block's need, so the ceiling is exact; the
    touched blocks are clipped too, against float rounding.
    """
    x = np.ascontiguousarray(x)  # no-op for the engine's buffers; views need a real array
    n = len(x)
    if n == 0:
        return x
    nfull = n // block
    full = nfull * block
    # block peaks straight from the interleaved buffer: a reduce over the 2-wide channel
    # axis is slow in numpy, one over 2*block contiguous values is fast
    flat = x.reshape(-1)
    peaks = np.abs(flat[: full * 2]).reshape(nfull, 2 * block).max(axis=1)
    near = np.flatnonzero(peaks > 0.85 * ceiling)  # a true peak is rarely 1.4 dB higher
    if len(near):
        peaks[near] = np.maximum(peaks[near], _isp_peaks(flat[: full * 2], block, near))
    if full < n:
        peaks = np.append(peaks, np.abs(flat[full * 2 :]).max())
    need = np.minimum(1.0, ceiling / np.maximum(peaks, 1e-12))
    if need.min() >= 1.0:
        return x
    # a block's gain may not exceed its neighbours' needs: look-ahead and hold of one block,
    # which also makes the per-sample interpolation below stay under every block's need
    g = np.minimum(need, np.minimum(np.r_[need[1:], 1.0], np.r_[1.0, need[:-1]]))
    # instant attack, slow release: a one-pole smoothed copy only ever lowers the gain
    smooth = signal.lfilter([0.1], [1.0, -0.9], g - 1.0, zi=[0.0])[0] + 1.0
    g = np.minimum(g, smooth).astype(np.float32)
    nxt = np.r_[g[1:], g[-1]]
    prv = np.r_[g[0], g[:-1]]
    touched = np.flatnonzero((g < 1.0) | (nxt < 1.0) | (prv < 1.0))
    rows = touched[touched < nfull]
    if len(rows):
        # linear from each block's centre to its neighbours' centres
        w = (np.arange(block, dtype=np.float32) + 0.5) / block
        lo = w < 0.5
        gains = np.where(
            lo,
            prv[rows, None] + (g[rows] - prv[rows])[:, None] * (w + 0.5),
            g[rows, None] + (nxt[rows] - g[rows])[:, None] * (w - 0.5),
        )
        xb = x[:full].reshape(nfull, block, -1)
        if 2 * len(rows) > nfull:  # mostly limited (loud music): in place, no gather/scatter
            allg = np.ones((nfull, block), dtype=np.float32)
            allg[rows] = gains
            xb *= allg[:, :, None]
            np.clip(xb, -ceiling, ceiling, out=xb)
        else:
            sel = xb[rows] * gains[:, :, None]
            np.clip(sel, -ceiling, ceiling, out=sel)
            xb[rows] = sel
    if full < n and g[-1] < 1.0:
        x[full:] *= g[-1]
        np.clip(x[full:], -ceiling, ceiling, out=x[full:])
    return x


@functools.lru_cache(maxsize=2)
def _k_weighting(rate: int):
    # BS.1770-4 pre-filter (high shelf) and RLB high-pass, designed for `rate`
    # (coefficients as in pyloudnorm / libebur128).
    import math

    g, q, fc = 3.999843853973347, 0.7071752369554196, 1681.974450955533
    k = math.tan(math.pi * fc / rate)
    vh = 10 ** (g / 20.0)
    vb = vh**0.4996667741545416
    a0 = 1.0 + k / q + k * k
    b1 = [(vh + vb * k / q + k * k) / a0, 2.0 * (k * k - vh) / a0, (vh - vb * k / q + k * k) / a0]
    a1 = [1.0, 2.0 * (k * k - 1.0) / a0, (1.0 - k / q + k * k) / a0]
    q2, fc2 = 0.5003270373238773, 38.13547087602444
    k2 = math.tan(math.pi * fc2 / rate)
    a02 = 1.0 + k2 / q2 + k2 * k2
    b2 = [1.0, -2.0, 1.0]
    a2 = [1.0, 2.0 * (k2 * k2 - 1.0) / a02, (1.0 - k2 / q2 + k2 * k2) / a02]
    return np.array([b1 + a1, b2 + a2])


HOP = SR // 10  # BS.1770 gating blocks are 4 hops of 100 ms


def hop_energies(x: np.ndarray, rate: int = SR, parallel: bool = True) -> np.ndarray:
    """K-weighted energy of each 100 ms hop of (n, channels) float or int16 audio.

    The sufficient statistic of BS.1770 integrated loudness: the energies of a soundtrack
    are its regions' energies placed at their hops, so regions can be measured in their
    worker threads as they finish, and the mix never needs a separate loudness pass.
    Streams over 30 s chunks with the filter state carried (no float copy of a long mix).
    """
    if x.ndim == 1:
        x = x[:, None]
    n, chans = x.shape
    hop = rate // 10
    sos = _k_weighting(rate).astype(np.float32)
    scale = np.float32(1.0 / 32767.0) if x.dtype == np.int16 else np.float32(1.0)
    zi = [np.zeros((sos.shape[0], 2), dtype=np.float32) for _ in range(chans)]
    chunk = hop * 300
    subs = [np.zeros(n // hop, dtype=np.float64) for _ in range(chans)]

    starts = range(0, (n // hop) * hop, chunk)

    def channel(ch: int, s0: int) -> None:
        s1 = min(s0 + chunk, (n // hop) * hop)
        part = np.ascontiguousarray(x[s0:s1, ch], dtype=np.float32) * scale
        y, zi[ch] = signal.sosfilt(sos, part, zi=zi[ch])
        y = y.reshape(-1, hop)
        subs[ch][s0 // hop : s1 // hop] = np.einsum("ij,ij->i", y, y, dtype=np.float64)

    def channel_all(ch: int) -> None:
        for s0 in starts:
            channel(ch, s0)
            pages.release(x[s0 : s0 + chunk])

    # sosfilt releases the GIL: with parallel=True the channels are filtered concurrently
    if parallel:
        helpers = [threading.Thread(target=channel_all, args=(ch,)) for ch in range(1, chans)]
        for t in helpers:
            t.start()
        channel_all(0)
        for t in helpers:
            t.join()
    else:  # chunk by chunk, every channel: a long mix's pages are read once, then let go
        for s0 in starts:
            for ch in range(chans):
                channel(ch, s0)
            pages.release(x[s0 : s0 + chunk])
    return np.sum(subs, axis=0)  # channel weights are 1 for L/R


def gated_loudness(sub: np.ndarray, rate: int = SR) -> float:
    """Integrated loudness (LUFS) from 100 ms hop energies: absolute and relative gates."""
    hop = rate // 10
    block = 4 * hop
    if len(sub) < 4:
        return float("-inf")
    # 400 ms gating blocks with 75 % overlap are sums of 4 consecutive hops
    k = len(sub) - 3
    z = (sub[0:k] + sub[1 : 1 + k] + sub[2 : 2 + k] + sub[3 : 3 + k]) / block
    with np.errstate(divide="ignore"):
        lk = -0.691 + 10.0 * np.log10(z)
    abs_gate = z[lk >= -70.0]
    if len(abs_gate) == 0:
        return float("-inf")
    rel = -0.691 + 10.0 * np.log10(abs_gate.mean()) - 10.0
    gated = z[(lk >= -70.0) & (lk >= rel)]
    return float(-0.691 + 10.0 * np.log10(gated.mean()))


def integrated_loudness(x: np.ndarray, rate: int = SR) -> float:
    """BS.1770 integrated loudness (LUFS) of (n, channels) float or int16 audio; -inf for
    silence or under 400 ms."""
    return gated_loudness(hop_energies(x, rate), rate)
