"""Sampled instruments: the composer's notes played by FluidSynth with a GM SoundFont.

The score (notes, velocities, drum hits) is the same as for the synthesized voices; a
voice that has a good General MIDI counterpart is sent here instead of to instruments.py.
One FluidSynth instance per region render, fed in time order and rendered block by block
(the composer's ~30 s segments, further cut at every event), so a 20-minute region never
needs one big float buffer, and the same events give the same samples (no audio driver,
no threads, no dither: float output).

The SoundFont is FluidR3_GM (MIT licence, Debian fluid-soundfont-gm), loaded with
FluidSynth's dynamic sample loading: only the presets a region uses are read, so an idle
engine holds none of its 140 MB. Without libfluidsynth or the SoundFont the engine falls
back to its synthesized voices, with one logged warning.
"""

from __future__ import annotations

import contextlib
import ctypes
import functools
import heapq
import io
import logging
import os
import threading
from pathlib import Path
from typing import Any

import numpy as np

from muzaic_studio.engine import dsp as signal
from muzaic_studio.engine.theory import SR

log = logging.getLogger(__name__)

SOUNDFONT_PATHS = (
    "/usr/share/sounds/sf2/FluidR3_GM.sf2",
    "/usr/share/soundfonts/FluidR3_GM.sf2",
    "/usr/share/sounds/sf2/default-GM.sf2",
)
# per layer: its MIDI channel (drums and hats share the GM drum channel). FluidSynth
# sends channel c to output group c % GROUPS, and the groups are the reverb sends: 0 dry
# (bass, drums), 1 wet (pad, arp), 2 in between (chords, lead)
CHANNELS = {"bass": 0, "pad": 1, "chords": 2, "arp": 4, "lead": 5, "drums": 9, "hats": 9}
GROUPS = 3
# FluidSynth's outputs: one per MIDI channel 0..9, summed here into the GROUPS (all of
# them for the mix, only a stem's channels for that stem: the stems add up to the mix)
_OUTS = max(CHANNELS.values()) + 1
SENDS = (0.04, 0.2, 0.14)  # per group: share of its (left + right) sent to the room
# per layer: channel volume (CC7), balanced by ear against each other
LEVELS = {"bass": 112, "pad": 92, "chords": 96, "arp": 84, "lead": 100, "drums": 118}
# per voice: a CC7 offset where a GM preset is much louder or softer than its neighbours
VOICE_LEVELS: dict[str, int] = {"synthpad": 8}
_BLOCK = 8192
PREROLL = round(0.5 * SR)
OPENING = SR // 20  # pad notes starting this close to the region's start open it
PANS = {"bass": 64, "pad": 50, "chords": 84, "arp": 36, "lead": 70, "drums": 64}

# voice -> GM program (0-based); a voice missing here stays synthesized (it sounds better:
# the detuned-saw lead and the pluck of electronic music, the pure sub bass)
_PROGRAMS: dict[str, int] = {
    "piano": 0,
    "epiano": 4,
    "guitar": 25,
    "bell": 8,  # celesta
    "marimba": 12,
    "flute": 73,
    "brass": 61,
    "strings": 49,
    "organ": 16,
    "pad": 89,  # warm pad
    "upright": 32,
    "picked": 34,
    "synth": 33,  # the default bass: a fingered electric bass
    # the instrument tags' ensembles (tags.py)
    "violin": 40,
    "pizz": 45,  # pizzicato strings
    "section": 48,  # string ensemble
    "mutedtp": 59,  # muted trumpet
    "horns": 60,
    "tuba": 58,
    "glock": 9,
    "musicbox": 10,
    "steel": 25,
    "eguitar": 27,  # clean electric
    "synthpad": 92,  # bowed (glass) pad
}
_PALETTE_PROGRAMS: dict[tuple[str, str], int] = {
    ("rock", "guitar"): 29,  # overdriven
    ("rock", "lead"): 30,  # distortion guitar for the rock lead
    ("rock", "organ"): 18,
    ("jazz", "guitar"): 26,  # jazz guitar
    ("folk", "guitar"): 25,
    ("cinematic", "pluck"): 46,  # harp
    ("lofi", "synth"): 38,  # synth bass
    ("ambient", "pad"): 91,  # choir pad (new age, 88, decays like a bell)
}
_KITS = {"pulse": 0, "acoustic": 0, "electronic": 24, "brush": 40, "cinematic": 48}
_PALETTE_KITS = {"rock": 16, "hiphop": 25, "jazz": 32}  # power, TR-808, jazz
# voices sounding at once (releases included): the cost of a render is about linear in
# it; past it FluidSynth ends the quietest releasing voices first
POLYPHONY = 64
# drum one-shot name -> GM key
DRUM_KEYS = {"kick": 36, "snare": 38, "ghost": 38, "hat": 42, "openhat": 46, "crash": 49,
             "ride": 51, "rim": 37, "tom": 45, "pedal": 44, "shaker": 82}  # fmt: skip


@functools.cache
def soundfont() -> str | None:
    """Path of the GM SoundFont, or None (then the synthesized voices play everything)."""
    env = os.environ.get("MUZAIC_SOUNDFONT")
    for p in ([env] if env else []) + list(SOUNDFONT_PATHS):
        if p and Path(p).is_file():
            return p
    return None


_LIB_LOCK = threading.Lock()
_import_lock = threading.Lock()  # the import, and the making of a synth


def _lib() -> Any:
    """pyfluidsynth's module (it loads libfluidsynth), or None with a warning, once.

    Locked: two region threads loading it at once each swapped sys.stdout for a buffer
    and restored the other's buffer, leaving the process's stdout a StringIO."""
    with _LIB_LOCK:
        return _load_lib()


@functools.cache
def _load_lib() -> Any:
    if os.environ.get("MUZAIC_NO_SAMPLES"):
        return None
    try:
        # pyfluidsynth prints "'fluidsynth' was found at ..." to stdout when CI is set:
        # stdout is `serve`'s channel to the app (the engine child announces its address
        # there) and the CLI's output, so the import may print nothing.
        with _import_lock, contextlib.redirect_stdout(io.StringIO()):
            import fluidsynth
    except (ImportError, OSError) as e:
        log.warning("libfluidsynth/pyfluidsynth unavailable (%s): synthesized voices only", e)
        return None
    if soundfont() is None:
        log.warning("no GM SoundFont (apt install fluid-soundfont-gm): synthesized voices only")
        return None
    fl = fluidsynth._fl
    fl.fluid_synth_write_float.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p,
        ctypes.c_int, ctypes.c_int, ctypes.c_void_p, ctypes.c_int, ctypes.c_int]  # fmt: skip
    fl.fluid_synth_write_float.restype = ctypes.c_int
    fl.fluid_synth_process.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
        ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]  # fmt: skip
    fl.fluid_synth_process.restype = ctypes.c_int
    fl.fluid_synth_set_interp_method.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    # FluidR3_GM makes libfluidsynth print a "Modulator with source 1 none" warning for every
    # preset it loads, dozens per render, on the app's and `serve`'s stderr. Warnings, info
    # and debug go nowhere (a NULL log function); panics and errors still print.
    fl.fluid_set_log_function.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
    for level in (2, 3, 4):  # FLUID_WARN, FLUID_INFO, FLUID_DBG
        fl.fluid_set_log_function(level, None, None)
    # libfluidsynth fills its global tables (conversions, interpolation) when the first
    # synth is made: made here, once, under the lock, so that two regions' threads never
    # race through it (they did: one render in a few gave different samples)
    fluidsynth.Synth(samplerate=float(SR)).delete()
    return fluidsynth


def available() -> bool:
    return _lib() is not None


def program_for(palette: str, voice: str | None) -> int | None:
    """GM program that plays `voice` in this palette, or None if it stays synthesized."""
    if voice is None:
        return None
    return _PALETTE_PROGRAMS.get((palette, voice), _PROGRAMS.get(voice))


def kit_for(palette: str, kit: str) -> int | None:
    if kit == "none":
        return None
    return _PALETTE_KITS.get(palette, _KITS.get(kit, 0))


def midi_velocity(amp: float) -> int:
    """Linear amplitude factor -> MIDI velocity: FluidSynth's default velocity curve makes
    level roughly (v/127)^2, so the square root keeps the score's dynamics as written."""
    return min(127, max(1, round(127.0 * float(amp) ** 0.5)))  # builtins: ~1 us, not 20


class Band:
    """One region's sampled players; events are (sample, on, seq, channel, key, velocity).

    FluidSynth's own reverb is off: the band's three output groups (dry, wet, middle:
    channel % 3, see CHANNELS) come back separately, so every layer feeds the engine's
    room (mixing.reverb, early reflections and all) at its own send level, the same room
    the synthesized voices play in. Notes never sound past `end` (the region's boundary):
    what rings on after it is the release, rendered as the region's tail.

    `solo` (a stem's layers): every note is still played, so the voices and FluidSynth's
    voice stealing are the mix's, but only those layers' channels are summed into the
    groups; the stems of one score then add up to the band's mix (the room is linear).
    """

    def __init__(
        self,
        palette: str,
        voices: dict[str, str | None],
        kit: str,
        end: int | None = None,
        solo: frozenset[str] | None = None,
    ):
        fs = _lib()
        assert fs is not None
        self._fs = fs
        # one at a time: the first new_fluid_synth of a process fills FluidSynth's global
        # tables after flagging them done, and a synth made meanwhile in another region's
        # thread played with half-made tables (that region's audio differed, run to run)
        with _import_lock:
            self.synth = fs.Synth(gain=0.5, samplerate=float(SR), channels=16, **{
                "synth.dynamic-sample-loading": 1, "synth.cpu-cores": 1,
                "synth.chorus.active": 0, "synth.reverb.active": 0,
                "synth.polyphony": POLYPHONY, "synth.audio-groups": _OUTS,
                "synth.audio-channels": _OUTS})  # fmt: skip
        chans = set(CHANNELS.values()) if solo is None else {CHANNELS[x] for x in solo}
        self._heard = sorted(chans)  # the channels summed into the send groups
        # linear interpolation: FluidSynth's cost is per sounding voice, and the samples
        # are recorded at 44.1 kHz near their pitch, where 4th-order gains little
        fs._fl.fluid_synth_set_interp_method(self.synth.synth, -1, 1)
        sf = self.synth.sfload(soundfont())
        self.layers: set[str] = set()
        for layer, voice in voices.items():
            prog = program_for(palette, voice)
            if prog is None:
                continue
            self._setup(layer, sf, 0, prog, voice)
        drum = kit_for(palette, kit)
        if drum is not None:
            self._setup("drums", sf, 128, drum, None)
            self.layers.add("hats")
        self.end = end
        # the opening pad chord is struck this long before the region starts (render()
        # discards it): a region opens on a bloomed pad, not on its slow swell, which
        # would dip where it follows another region
        self.preroll = PREROLL if "pad" in self.layers else 0
        self._events: list[tuple[int, int, int, int, int, int]] = []
        self._seq = 0
        self._last_off: dict[tuple[int, int], int] = {}
        self.cursor = -self.preroll
        self._scratch = [np.zeros(_BLOCK, dtype=np.float32) for _ in range(2 * _OUTS)]
        self._bases = [a.ctypes.data for a in self._scratch]

    def _setup(self, layer: str, sf: int, bank: int, prog: int, voice: str | None) -> None:
        ch = CHANNELS[layer]
        self.synth.program_select(ch, sf, bank, prog)
        self.synth.cc(ch, 7, max(1, min(127, LEVELS[layer] + VOICE_LEVELS.get(voice or "", 0))))
        self.synth.cc(ch, 10, PANS[layer])
        self.layers.add(layer)

    def note(self, layer: str, key: int, start: int, length: int, amp: float) -> None:
        """Play a note; on the pad, a tone the last chord still holds is tied over, not
        struck again (a pad's slow attack would dip at every chord change)."""
        ch, key = CHANNELS[layer], int(min(127, max(0, key)))
        off = max(start, self.cursor) + max(64, length)
        if layer == "pad" and 0 <= start < OPENING:
            start = -self.preroll  # struck earlier, released when it was meant to be
        start = max(start, self.cursor)
        if self.end is not None:
            if start >= self.end - 64:
                return
            off = min(off, self.end)
        held = self._last_off.get((ch, key), -(1 << 40)) >= start
        if not (held and layer == "pad"):
            self._push(start, 1, ch, key, midi_velocity(amp))
        self._push(off, 0, ch, key, 0)
        # a new note on a sounding key takes over (FluidSynth releases the old voice):
        # only the newest note's note-off may end it
        self._last_off[(ch, key)] = max(off, self._last_off.get((ch, key), 0))

    def _push(self, t: int, on: int, ch: int, key: int, vel: int) -> None:
        self._seq += 1  # ties keep insertion order: deterministic
        heapq.heappush(self._events, (t, on, self._seq, ch, key, vel))

    def render(self, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The next n samples: (left, right, reverb send), float32, playing every event
        that falls in them. Worked in blocks of _BLOCK samples (the group buffers stay
        small), each cut further at every event."""
        left = np.zeros(n, dtype=np.float32)
        right = np.zeros(n, dtype=np.float32)
        send = np.zeros(n, dtype=np.float32)
        process = self._fs._fl.fluid_synth_process
        ev, scratch, bases, synth = self._events, self._scratch, self._bases, self.synth.synth
        ptrs = ctypes.c_void_p * (2 * _OUTS)
        for b0 in range(0, n, _BLOCK):
            bn = min(_BLOCK, n - b0)
            end, pos = self.cursor + bn, self.cursor
            for a in scratch:
                a[:bn] = 0.0
            while True:
                t = ev[0][0] if ev and ev[0][0] < end else end
                if t > pos:
                    k = 4 * (pos - self.cursor)
                    process(synth, t - pos, 0, None, 2 * _OUTS, ptrs(*[b + k for b in bases]))
                    pos = t
                if t >= end:
                    break
                _, on, _, ch, key, vel = heapq.heappop(ev)
                if on:
                    self.synth.noteon(ch, key, vel)
                elif self._last_off.get((ch, key), 0) <= t:
                    self.synth.noteoff(ch, key)
            self.cursor = end
            dl, dr, ds = left[b0 : b0 + bn], right[b0 : b0 + bn], send[b0 : b0 + bn]
            for c in self._heard:
                gl, gr = scratch[2 * c][:bn], scratch[2 * c + 1][:bn]
                dl += gl
                dr += gr
                ds += np.float32(SENDS[c % GROUPS]) * (gl + gr)
        return left, right, send

    def start(self) -> None:
        """Play the pre-roll (before the region's first sample) and drop it."""
        if self.cursor < 0:
            self.render(-self.cursor)

    def close(self) -> None:
        self.synth.delete()


class Tilt:
    """A high shelf at 1.5 kHz whose gain follows tone, with its state carried across
    segments: tone keeps brightening past the ends of the 1..10 range instead of
    saturating like a low-pass cutoff at Nyquist."""

    def __init__(self) -> None:
        self.zi: np.ndarray | None = None

    def __call__(self, chans: tuple[np.ndarray, ...], gain_db: float) -> None:
        """Filter equal-length channels (left, right, reverb send) in place."""
        sos = _shelf(round(gain_db * 4) / 4)
        if self.zi is None:
            self.zi = np.zeros((sos.shape[0], len(chans), 2))
        y, self.zi = signal.sosfilt(sos, np.stack(chans), axis=1, zi=self.zi)
        for c, yc in zip(chans, y, strict=True):
            c[:] = yc


@functools.lru_cache(maxsize=128)
def _shelf(gain_db: float, f0: float = 1500.0) -> np.ndarray:
    """RBJ cookbook high shelf (slope 1) as one second-order section."""
    a = 10 ** (gain_db / 40.0)
    w0 = 2 * np.pi * f0 / SR
    cw, alpha = np.cos(w0), np.sin(w0) / 2 * np.sqrt(2.0)
    sa = 2 * np.sqrt(a) * alpha
    b = [a * ((a + 1) + (a - 1) * cw + sa), -2 * a * ((a - 1) + (a + 1) * cw),
         a * ((a + 1) + (a - 1) * cw - sa)]  # fmt: skip
    d = [(a + 1) - (a - 1) * cw + sa, 2 * ((a - 1) - (a + 1) * cw), (a + 1) - (a - 1) * cw - sa]
    return np.array([[*(np.array(b) / d[0]), 1.0, d[1] / d[0], d[2] / d[0]]])
