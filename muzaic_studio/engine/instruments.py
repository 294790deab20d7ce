"""Small synthesized instruments: each voice turns (pitch, length, brightness) into samples.

Everything is vectorised over the note's samples (and harmonics); there is no per-sample
Python loop. Voices are cheap enough to call per note because the arranger caches
identical notes (same voice, pitch, length, brightness): a bar of arpeggio that repeats
costs one synthesis. Brightness 0..1 (from the tone param) is baked into each voice's
timbre (harmonic rolloff, FM index, filter cutoff) rather than a filter over the whole
layer, which would cost a full-length filter pass per layer.
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict

import numpy as np

from muzaic_studio.engine import dsp as signal
from muzaic_studio.engine.theory import SR, midi_hz

TAU = 2.0 * np.pi


@functools.lru_cache(maxsize=64)
def _time(n: int) -> np.ndarray:
    t = np.arange(n, dtype=np.float64) / SR
    t.flags.writeable = False
    return t


@functools.lru_cache(maxsize=64)
def _time32(n: int) -> np.ndarray:
    t = (np.arange(n, dtype=np.float64) / SR).astype(np.float32)
    t.flags.writeable = False
    return t


def _release(n_on: int, n_total: int, release_s: float) -> np.ndarray:
    """1 while the note is held, then an exponential fall to ~0 over release_s."""
    env = np.ones(n_total)
    if n_total > n_on:
        tail = np.arange(n_total - n_on) / (release_s * SR)
        env[n_on:] = np.exp(-5.0 * tail)
    return env


def _attack(n_total: int, attack_s: float) -> np.ndarray:
    n = max(1, min(n_total, int(attack_s * SR)))
    env = np.ones(n_total)
    env[:n] = np.linspace(0.0, 1.0, n, endpoint=False) ** 1.5
    return env


_BLOCK = 512


def _partials(freqs: np.ndarray, amps: np.ndarray, decays: np.ndarray, n: int) -> np.ndarray:
    """Sum of exponentially decaying sinusoids, sum_k a_k e^(-d_k t) sin(2 pi f_k t), n samples.

    Each partial is z_k(t) = a_k exp((i w_k - d_k) t). Writing t = block start + offset,
    z_k = exp((i w_k - d_k) t_block) * a_k exp((i w_k - d_k) t_offset), so the whole sum
    over partials and samples is ONE complex matrix product (blocks x K) @ (K x 512):
    no sin/exp per sample, and BLAS does the rest. Exact to float64 rounding.
    """
    if len(freqs) == 0:
        return np.zeros(n)
    blocks = -(-n // _BLOCK)
    s = (1j * TAU * np.asarray(freqs, dtype=np.float64) - np.asarray(decays, dtype=np.float64))[
        :, None
    ]
    offs = (
        np.exp(s * (np.arange(_BLOCK) / SR)[None, :]) * np.asarray(amps, dtype=np.float64)[:, None]
    )
    starts = np.exp(s.T * (np.arange(blocks) * (_BLOCK / SR))[:, None])
    # in row chunks small enough that OpenBLAS stays single-threaded (its threads would
    # only fight the engine's own region threads over a sub-millisecond product)
    rows = max(1, 50_000 // (len(freqs) * _BLOCK))
    out = np.empty((blocks, _BLOCK))
    for r0 in range(0, blocks, rows):
        out[r0 : r0 + rows] = (starts[r0 : r0 + rows] @ offs).imag
    return out.reshape(-1)[:n]


def _additive(f: float, t: np.ndarray, amps: np.ndarray, decays: np.ndarray, stretch: float = 0.0):
    """Harmonic (optionally stretched) decaying partials; those above 16 kHz are dropped."""
    k = np.arange(1, len(amps) + 1, dtype=np.float64)
    freqs = f * k * (1.0 + stretch * k * k)
    keep = freqs < 16000.0
    return _partials(freqs[keep], np.asarray(amps)[keep], np.asarray(decays)[keep], len(t))


def _saw(f: float, t: np.ndarray, phase: float = 0.0) -> np.ndarray:
    """Naive sawtooth in float32 (notes are short, so float32 phase is precise enough)."""
    ph = np.float32(f) * (t if t.dtype == np.float32 else t.astype(np.float32))
    ph += np.float32(phase)
    ph %= np.float32(1.0)
    ph *= np.float32(2.0)
    ph -= np.float32(1.0)
    return ph


@functools.lru_cache(maxsize=512)
def _butter(
    order: int, cutoff: float | tuple[float, float], btype: str
) -> tuple[np.ndarray, np.ndarray]:
    """Butterworth coefficients, designed once: designing costs more than filtering a note."""
    return signal.butter(order, cutoff, btype=btype, fs=SR)


def _lowpass(x: np.ndarray, cutoff: float, order: int = 2) -> np.ndarray:
    cutoff = round(float(min(max(cutoff, 40.0), 0.45 * SR)))  # whole Hz: cacheable
    b, a = _butter(order, cutoff, "low")
    return signal.lfilter(b, a, x)


def _highpass(x: np.ndarray, cutoff: float, order: int = 2) -> np.ndarray:
    b, a = _butter(order, cutoff, "high")
    return signal.lfilter(b, a, x)


def _bandpass(x: np.ndarray, lo: float, hi: float) -> np.ndarray:
    b, a = _butter(2, (round(lo), round(hi)), "band")
    return signal.lfilter(b, a, x)


# ---------------------------------------------------------------- melodic voices (one note)


def pluck(midi: float, n_on: int, bright: float) -> np.ndarray:
    f = float(midi_hz(midi))
    n = min(n_on + int(0.08 * SR), int(1.2 * SR))
    t = _time(n)
    h = 8
    k = np.arange(1, h + 1)
    amps = (1.0 / k) * (0.25 + 0.55 * bright) ** (k - 1)
    decays = 3.0 + 1.8 * k * (1.3 - bright)
    out = _additive(f, t, amps, decays)
    return out * _attack(n, 0.002) * _release(min(n_on, n), n, 0.05)


def guitar(midi: float, n_on: int, bright: float) -> np.ndarray:
    f = float(midi_hz(midi))
    n = min(n_on + int(0.1 * SR), int(2.0 * SR))
    t = _time(n)
    k = np.arange(1, 11)
    # plucked near the bridge: a comb-like spectrum, odd partial emphasis
    amps = (np.abs(np.sin(np.pi * k * 0.22)) / k) * (0.35 + 0.5 * bright) ** ((k - 1) / 2)
    decays = 1.5 + 1.2 * k * (1.2 - bright)
    out = _additive(f, t, amps, decays, stretch=0.0002)
    return out * _attack(n, 0.003) * _release(min(n_on, n), n, 0.08)


def piano(midi: float, n_on: int, bright: float) -> np.ndarray:
    f = float(midi_hz(midi))
    n = min(n_on + int(0.25 * SR), int(3.0 * SR))
    t = _time(n)
    k = np.arange(1, 9)
    amps = (1.0 / k**1.2) * (0.3 + 0.5 * bright) ** ((k - 1) / 1.5)
    decays = 0.9 + 0.7 * k + f / 600.0
    out = _additive(f, t, amps, decays, stretch=0.00015)
    return out * _attack(n, 0.003) * _release(min(n_on, n), n, 0.15)


def epiano(midi: float, n_on: int, bright: float) -> np.ndarray:
    """Electric piano: a warm fundamental, quickly fading upper harmonics (the 'bark', more
    of it when bright) and a faint inharmonic tine, as additive decaying partials."""
    f = float(midi_hz(midi))
    n = min(n_on + int(0.3 * SR), int(3.0 * SR))
    freqs = np.array([f, 2 * f, 3 * f, 4 * f, 5 * f, 14.0 * f])
    amps = np.array(
        [1.0, 0.45 + 0.3 * bright, 0.2 + 0.3 * bright, 0.15 * bright, 0.08 * bright, 0.1 * bright]
    )
    decays = np.array([1.1, 3.0, 5.0, 7.0, 9.0, 18.0])
    keep = freqs < 16000.0
    out = _partials(freqs[keep], amps[keep], decays[keep], n)
    return out * _attack(n, 0.002) * _release(min(n_on, n), n, 0.2)


def bell(midi: float, n_on: int, bright: float) -> np.ndarray:
    """Bell/celesta: inharmonic partials (the classic 1 : 2 : 2.76 : 5.4 : 8.93 ratios) that
    ring longer the lower they are."""
    f = float(midi_hz(midi))
    n = min(n_on + int(0.6 * SR), int(2.5 * SR))
    ratios = np.array([1.0, 2.0, 2.76, 4.07, 5.4, 8.93])
    amps = np.array(
        [1.0, 0.5, 0.35 + 0.3 * bright, 0.2 * bright + 0.05, 0.15 * bright, 0.1 * bright]
    )
    decays = np.array([2.2, 3.0, 4.0, 6.0, 8.0, 12.0])
    freqs = f * ratios
    keep = freqs < 16000.0
    out = _partials(freqs[keep], amps[keep], decays[keep], n)
    return out * _attack(n, 0.002) * _release(min(n_on, n), n, 0.4)


def marimba(midi: float, n_on: int, bright: float) -> np.ndarray:
    f = float(midi_hz(midi))
    n = int(0.7 * SR)
    freqs = np.array([f, f * 3.93, f * 9.2])
    amps = np.array([1.0, 0.25 + 0.4 * bright, 0.15 * bright])
    keep = freqs < 16000.0
    out = _partials(freqs[keep], amps[keep], np.array([6.0, 22.0, 50.0])[keep], n)
    return out * _attack(n, 0.001)


def lead(midi: float, n_on: int, bright: float) -> np.ndarray:
    """Detuned saw lead with delayed vibrato, lowpassed by brightness."""
    f = float(midi_hz(midi))
    n = n_on + int(0.12 * SR)
    t = _time(n)
    vib = 1.0 + 0.004 * np.sin(TAU * 5.5 * t) * np.clip(t / 0.4, 0.0, 1.0)
    phase = np.cumsum(f * vib) / SR
    out = 0.5 * (2.0 * (phase % 1.0) - 1.0) + 0.5 * (2.0 * ((phase * 1.006 + 0.3) % 1.0) - 1.0)
    out = _lowpass(out, 900.0 + 5000.0 * bright)
    return out * _attack(n, 0.015) * _release(n_on, n, 0.08)


def flute(
    midi: float, n_on: int, bright: float, rng: np.random.Generator | None = None
) -> np.ndarray:
    f = float(midi_hz(midi))
    n = n_on + int(0.1 * SR)
    t = _time(n)
    vib = 1.0 + 0.005 * np.sin(TAU * 5.0 * t) * np.clip((t - 0.15) / 0.3, 0.0, 1.0)
    phase = TAU * np.cumsum(f * vib) / SR
    out = np.sin(phase) + (0.15 + 0.25 * bright) * np.sin(2 * phase) + 0.05 * np.sin(3 * phase)
    noise = np.random.default_rng(int(midi * 7)).standard_normal(n)
    out += 0.04 * _bandpass(noise, f, min(4 * f, 12000.0))
    return out * _attack(n, 0.06) * _release(n_on, n, 0.08)


def brass(midi: float, n_on: int, bright: float) -> np.ndarray:
    """Harmonics open up as the note swells: the brass 'blat' without a filter sweep.

    Three harmonic groups follow the envelope with rising powers (env, env^p, env^2p), so
    upper harmonics arrive later and leave sooner; each group's steady partials are one
    `_partials` product rather than a sine per harmonic per sample.
    """
    f = float(midi_hz(midi))
    n = n_on + int(0.15 * SR)
    env = _attack(n, 0.08) * _release(n_on, n, 0.1)
    p = 1.0 + 2.0 * (1.4 - bright)
    out = np.zeros(n)
    for ks, power in (((1, 2), 1.0), ((3, 4, 5), p), ((6, 7, 8, 9), 2.0 * p)):
        k = np.array(ks, dtype=np.float64)
        keep = f * k < 14000.0
        if keep.any():
            group = _partials(f * k[keep], 1.0 / k[keep], np.zeros(int(keep.sum())), n)
            out += env**power * group
    return out


MELODIC = {
    "pluck": pluck,
    "guitar": guitar,
    "piano": piano,
    "epiano": epiano,
    "bell": bell,
    "marimba": marimba,
    "lead": lead,
    "flute": flute,
    "brass": brass,
}


# ---------------------------------------------------------------- sustained (chord) voices


def pad(midis: tuple[int, ...], n_on: int, bright: float, kind: str = "pad") -> np.ndarray:
    """A held chord: detuned saws (pad/strings) or drawbar sines (organ), slow envelope."""
    rel = 0.5 if kind != "organ" else 0.1
    n = n_on + int(rel * SR)
    t = _time(n)
    out = np.zeros(n)
    if kind == "organ":  # drawbars: steady partials, one _partials product per chord
        fs = np.array([float(midi_hz(m)) * k for m in midis for k in (1, 2, 3, 4)])
        amps = np.array([a for _ in midis for a in (1.0, 0.6, 0.35 * bright + 0.1, 0.3 * bright)])
        keep = fs < 16000.0
        out = _partials(fs[keep], amps[keep], np.zeros(int(keep.sum())), n)
        att = 0.01
    else:
        detunes = (-0.005, 0.005) if kind == "pad" else (-0.004, 0.0, 0.004)
        # vibrato as warped time: the integral of 1 + 0.003 sin(w t), so pitch wobbles
        # by a constant 0.3 % instead of drifting further the longer the note is held
        w = TAU * 5.2
        tw = (
            _time32(n)
            if kind == "pad"
            else (t + 0.003 * (1.0 - np.cos(w * t)) / w).astype(np.float32)
        )
        # sum of phases' fractional parts, scaled once at the end: 2*frac - 1 per saw
        acc = np.zeros(n, dtype=np.float32)
        ph = np.empty(n, dtype=np.float32)
        fl = np.empty(n, dtype=np.float32)
        voices = 0
        for j, m in enumerate(midis):
            f = float(midi_hz(m))
            for d_i, d in enumerate(detunes):
                np.multiply(tw, np.float32(f * (1.0 + d)), out=ph)
                ph += np.float32(0.37 * (d_i + j))
                np.floor(ph, out=fl)
                ph -= fl
                acc += ph
                voices += 1
        out = 2.0 * acc.astype(np.float64) - voices
        cutoff = (500.0 + 3500.0 * bright) if kind == "pad" else (900.0 + 4000.0 * bright)
        out = _lowpass(out, cutoff)
        att = 0.35 if kind == "pad" else 0.25
    out /= max(1.0, len(midis) * (1.5 if kind == "organ" else 2.0))
    return out * _attack(n, min(att, 0.4 * n_on / SR)) * _release(n_on, n, rel)


def bass(midi: float, n_on: int, bright: float, kind: str = "synth") -> np.ndarray:
    f = float(midi_hz(midi))
    n = n_on + int(0.06 * SR)
    t = _time(n)
    if kind == "sub":
        out = np.sin(TAU * f * t) + 0.15 * np.sin(TAU * 2 * f * t)
        out *= np.exp(-t * 1.5)
    elif kind == "upright":
        out = _additive(f, t, np.array([1.0, 0.5, 0.25, 0.12]), np.array([3.0, 5.0, 8.0, 12.0]))
    elif kind == "picked":
        out = _additive(
            f, t, np.array([1.0, 0.6, 0.35, 0.25, 0.15, 0.1]) * 0.9, 1.5 + np.arange(6) * 1.5
        )
    else:  # synth: saw + sine, lowpassed with a short filter 'pluck'
        saw = _lowpass(_saw(f, t), 300.0 + 1200.0 * bright)
        out = 0.6 * np.sin(TAU * f * t) + 0.7 * saw
        out *= np.exp(-t * 2.0) * 0.7 + 0.3
    return out * _attack(n, 0.004) * _release(n_on, n, 0.05)


# ---------------------------------------------------------------- drums (one-shots)


@functools.lru_cache(maxsize=32)
def drum_kit(kit: str, seed: int) -> dict[str, np.ndarray]:
    """One-shots for a kit from a seeded noise source; cached per (kit, theme), read-only."""
    rng = np.random.default_rng([seed, 77])

    def noise(sec: float) -> np.ndarray:
        return rng.standard_normal(int(sec * SR))

    shots: dict[str, np.ndarray] = {}
    if kit == "none":
        return shots
    # kick: pitch sweep sine + click
    t = _time(int(0.45 * SR))
    if kit == "cinematic":
        freq = 48.0 + 70.0 * np.exp(-t * 18.0)
        body = np.sin(TAU * np.cumsum(freq) / SR) * np.exp(-t * 4.0)
        boom = 0.4 * _lowpass(noise(0.45), 300.0) * np.exp(-t * 10.0)
        shots["kick"] = 1.1 * (body + boom)
    else:
        freq = 50.0 + 110.0 * np.exp(-t * 35.0)
        body = np.sin(TAU * np.cumsum(freq) / SR) * np.exp(
            -t * (7.0 if kit == "electronic" else 10.0)
        )
        click = _highpass(noise(0.45), 1500.0) * np.exp(-t * 300.0) * 0.3
        shots["kick"] = body + click
    # snare / clap
    t = _time(int(0.35 * SR))
    if kit == "brush":
        sw = _bandpass(noise(0.35), 1500.0, 8000.0)
        shots["snare"] = 0.5 * sw * np.exp(-t * 9.0) * _attack(len(t), 0.01)
    elif kit == "electronic":
        n = noise(0.35)
        env = np.exp(-t * 18.0) + 0.6 * np.exp(-((t - 0.012) % 0.011) * 400.0) * (t < 0.035)
        shots["snare"] = 0.8 * _bandpass(n, 900.0, 5000.0) * env
    else:
        tone = 0.6 * np.sin(TAU * 185.0 * t) * np.exp(-t * 25.0)
        rattle = 0.7 * _highpass(noise(0.35), 1800.0) * np.exp(-t * 14.0)
        shots["snare"] = tone + rattle
        if kit == "cinematic":
            shots["snare"] = 1.2 * (tone + _bandpass(noise(0.35), 500.0, 4000.0) * np.exp(-t * 7.0))
    # hats (cinematic: shaker; brush: ride-like)
    tc = _time(int(0.08 * SR))
    to = _time(int(0.4 * SR))
    hp = 7000.0 if kit != "cinematic" else 5000.0
    shots["hat"] = 0.35 * _highpass(noise(0.08), hp) * np.exp(-tc * 55.0)
    shots["openhat"] = 0.3 * _highpass(noise(0.4), hp) * np.exp(-to * 7.0)
    if kit == "cinematic":
        shots["hat"] = 0.3 * _bandpass(noise(0.08), 4000.0, 9000.0) * np.sin(np.pi * tc / tc[-1])
    if kit == "brush":
        ride = sum(np.sin(TAU * f * to) for f in (3100.0, 4470.0, 5210.0, 6890.0))
        shots["hat"] = 0.06 * ride * np.exp(-to * 6.0) + 0.1 * _highpass(noise(0.4), 6000) * np.exp(
            -to * 20
        )
    tcr = _time(int(1.8 * SR))
    shots["crash"] = 0.3 * _highpass(noise(1.8), 4000.0) * np.exp(-tcr * 2.2)
    out = {k: v.astype(np.float32) for k, v in shots.items()}
    for v in out.values():
        v.flags.writeable = False
    return out


# ---------------------------------------------------------------- note cache

# Voices whose sound decays on its own: rendered once at full length per (pitch,
# brightness), then cut with a release at the note's length, like a sampler. (max
# seconds, release seconds) must match the voice functions above.
_DECAYING = {
    "pluck": (1.2, 0.05),
    "guitar": (2.0, 0.08),
    "piano": (3.0, 0.15),
    "epiano": (3.0, 0.2),
    "bell": (2.5, 0.4),
    "marimba": (0.7, 0.0),
}
_CACHE_BYTES = 192 << 20
_cache: OrderedDict[tuple, np.ndarray] = OrderedDict()
_cache_size = 0
_cache_lock = threading.Lock()


def _cached(key: tuple, make) -> np.ndarray:
    """Process-wide LRU of rendered notes: voices are pure functions of their key, so a
    note made for one render is valid for every later one (and for other threads)."""
    global _cache_size
    with _cache_lock:
        hit = _cache.get(key)
        if hit is not None:
            _cache.move_to_end(key)
            return hit
    audio = np.asarray(make(), dtype=np.float32)
    audio.flags.writeable = False
    with _cache_lock:
        if key not in _cache:
            _cache[key] = audio
            _cache_size += audio.nbytes
            while _cache_size > _CACHE_BYTES and len(_cache) > 1:
                _, old = _cache.popitem(last=False)
                _cache_size -= old.nbytes
    return audio


# Voices only the sampled band plays well, and what stands in for them without
# FluidSynth (the nearest synthesized voice of the same kind: melodic, pad or bass)
STAND_INS = {
    "violin": "flute", "pizz": "pluck", "section": "strings", "mutedtp": "brass",
    "horns": "strings", "tuba": "upright", "glock": "bell", "musicbox": "bell",
    "steel": "guitar", "eguitar": "guitar", "synthpad": "pad",
}  # fmt: skip
# where a lead voice plays its tune: octaves above the lead's base register (C4 or so),
# as the instrument is written (a glockenspiel sparkles two octaves up, a trumpet sings
# in the middle, a cello would be below)
LEAD_REGISTER = {"bell": 12, "flute": 12, "marimba": 12, "violin": 24, "glock": 24}
STACCATO = {"brass": 0.35}  # comping cut to this share of its length: brass stabs
# where a voice's chords sit, in semitones from the usual centre: the string section's
# bed is its violins, the brass section's stabs are its trombones
CHORD_REGISTER = {"strings": 12, "section": 12, "brass": -7}
GUITARS = ("guitar", "steel", "eguitar")  # strummed: a few ms between strings


def comping(voice: str, steps: float) -> float:
    """How long a comping chord of `steps` sixteenths is held by this voice's players."""
    return max(0.75, steps * STACCATO[voice]) if voice in STACCATO else steps


def note(voice: str, pitch, n_on: int, bright: float, drive: float = 0.0) -> np.ndarray:
    """Samples of one note (or chord, for pad voices) held for n_on samples (read-only)."""
    voice = STAND_INS.get(voice, voice)

    def shaped(x: np.ndarray) -> np.ndarray:
        if drive:
            x = np.tanh(x * (1.0 + 4.0 * drive)) / (1.0 + drive)
        return x

    if voice in _DECAYING:
        max_s, rel_s = _DECAYING[voice]
        full = _cached(
            ("full", voice, pitch, bright, drive),
            lambda: shaped(MELODIC[voice](pitch, int(max_s * SR) + 1, bright)),
        )
        if rel_s == 0.0 or n_on >= len(full):
            return full
        rel_n = int(rel_s * SR)
        end = min(len(full), n_on + rel_n)
        out = full[:end].copy()
        out[n_on:end] *= np.exp(-5.0 * np.arange(end - n_on, dtype=np.float32) / rel_n)
        return out
    if voice in MELODIC:
        return _cached(
            (voice, pitch, n_on, bright, drive), lambda: shaped(MELODIC[voice](pitch, n_on, bright))
        )
    if voice in ("pad", "strings", "organ"):
        return _cached(
            (voice, pitch, n_on, bright, drive), lambda: shaped(pad(pitch, n_on, bright, voice))
        )
    return _cached(
        (voice, pitch, n_on, bright, drive), lambda: shaped(bass(pitch, n_on, bright, voice))
    )
