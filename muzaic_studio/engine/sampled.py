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
# per layer: its MIDI channel (drums and hats share the GM drum channel)
CHANNELS = {"bass": 0, "pad": 1, "chords": 2, "arp": 3, "lead": 4, "drums": 9, "hats": 9}
# per layer: channel volume (CC7) and reverb send (CC91), balanced by ear against each other
LEVELS = {"bass": (112, 10), "pad": (92, 70), "chords": (96, 40), "arp": (84, 60),
          "lead": (100, 45), "drums": (118, 18)}  # fmt: skip
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

    Under a lock: a render's regions start in parallel threads, and two concurrent first
    imports each swapped sys.stdout (redirect_stdout is process-wide), the second one
    restoring the first one's StringIO: every later print of the process vanished."""
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
        # (one thread at a time: two region threads swapping sys.stdout at once left it
        # swapped for good, and the CLI's last line went nowhere)
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
    fl.fluid_synth_set_interp_method.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int]
    fl.fluid_synth_process.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_int,
        ctypes.c_void_p, ctypes.c_int, ctypes.c_void_p]  # fmt: skip
    # FluidR3_GM makes libfluidsynth print a "Modulator with source 1 none" warning for every
    # preset it loads, dozens per render, on the app's and `serve`'s stderr. Warnings, info
    # and debug go nowhere (a NULL log function); panics and errors still print.
    fl.fluid_set_log_function.argtypes = [ctypes.c_int, ctypes.c_void_p, ctypes.c_void_p]
    for level in (2, 3, 4):  # FLUID_WARN, FLUID_INFO, FLUID_DBG
        fl.fluid_set_log_function(level, None, None)
    # The first synth of a process fills libfluidsynth's global tables (pitch, attenuation,
    # interpolation); a second synth created meanwhile, in the other region's thread, did
    # not wait for them and rendered that region wrong: the first two regions of a cold
    # process came out different in about one run of three. One throwaway synth, here
    # under the lock, fills them before any region starts.
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
    return int(np.clip(round(127.0 * float(amp) ** 0.5), 1, 127))


# stems: every MIDI channel (0..9) gets its own output and reverb unit
_GROUPS = max(CHANNELS.values()) + 1
_SOLO_BLOCK = 8192


class Band:
    """One region's sampled players; events are (sample, on, seq, channel, key, velocity).

    `solo` (a stem's layers): every note is still played, so the voices and FluidSynth's
    voice stealing are the mix's, but only those layers' channels (dry and reverb) are
    heard; the stems of one score then add up to the band's mix (reverb is linear)."""

    def __init__(
        self,
        palette: str,
        voices: dict[str, str | None],
        kit: str,
        reverb: float,
        solo: frozenset[str] | None = None,
    ):
        fs = _lib()
        assert fs is not None
        self._fs = fs
        groups = {} if solo is None else {"synth.audio-channels": _GROUPS,
            "synth.audio-groups": _GROUPS, "synth.effects-groups": _GROUPS}  # fmt: skip
        # one at a time: the first new_fluid_synth of a process fills FluidSynth's global
        # tables after flagging them done, and a synth made meanwhile in another region's
        # thread played with half-made tables (that region's audio differed, run to run)
        with _import_lock:
            self.synth = fs.Synth(gain=0.5, samplerate=float(SR), channels=16, **{
                "synth.dynamic-sample-loading": 1, "synth.cpu-cores": 1,
                "synth.chorus.active": 0, "synth.reverb.active": 1,
                "synth.polyphony": POLYPHONY}, **groups)  # fmt: skip
        self._solo: list[int] | None = None
        if solo is not None:  # rows of _scratch: dry L/R per channel, then reverb and chorus
            chans = sorted({CHANNELS[layer] for layer in solo})
            self._solo = [
                r for c in chans for r in (2 * c, 2 * _GROUPS + 4 * c, 2 * _GROUPS + 4 * c + 2)
            ]
            self._scratch = np.zeros((6 * _GROUPS, _SOLO_BLOCK), dtype=np.float32)
            self._ptrs = np.array([row.ctypes.data for row in self._scratch], dtype=np.uint64)
        # linear interpolation: FluidSynth's cost is per sounding voice, and the samples
        # are recorded at 44.1 kHz near their pitch, where 4th-order gains little
        fs._fl.fluid_synth_set_interp_method(self.synth.synth, -1, 1)
        sf = self.synth.sfload(soundfont())
        self.layers: set[str] = set()
        for layer, voice in voices.items():
            prog = program_for(palette, voice)
            if prog is None:
                continue
            self._setup(layer, sf, 0, prog)
        drum = kit_for(palette, kit)
        if drum is not None:
            self._setup("drums", sf, 128, drum)
            self.layers.add("hats")
        self.synth.set_reverb(roomsize=0.45 + 0.5 * reverb, damping=0.4, width=0.9, level=0.5)
        self._events: list[tuple[int, int, int, int, int, int]] = []
        self._seq = 0
        self._last_off: dict[tuple[int, int], int] = {}
        self.cursor = 0

    def _setup(self, layer: str, sf: int, bank: int, prog: int) -> None:
        ch = CHANNELS[layer]
        self.synth.program_select(ch, sf, bank, prog)
        vol, rev = LEVELS[layer]
        self.synth.cc(ch, 7, vol)
        self.synth.cc(ch, 91, rev)
        self.synth.cc(ch, 10, PANS[layer])
        self.layers.add(layer)

    def note(self, layer: str, key: int, start: int, length: int, amp: float) -> None:
        """Play a note; on the pad, a tone the last chord still holds is tied over, not
        struck again (a pad's slow attack would dip at every chord change)."""
        ch, key = CHANNELS[layer], int(np.clip(key, 0, 127))
        start = max(start, self.cursor)
        off = start + max(64, length)
        held = self._last_off.get((ch, key), -1) >= start
        if not (held and layer == "pad"):
            self._push(start, 1, ch, key, midi_velocity(amp))
        self._push(off, 0, ch, key, 0)
        # a new note on a sounding key takes over (FluidSynth releases the old voice):
        # only the newest note's note-off may end it
        self._last_off[(ch, key)] = max(off, self._last_off.get((ch, key), 0))

    def _push(self, t: int, on: int, ch: int, key: int, vel: int) -> None:
        self._seq += 1  # ties keep insertion order: deterministic
        heapq.heappush(self._events, (t, on, self._seq, ch, key, vel))

    def render(self, n: int) -> tuple[np.ndarray, np.ndarray]:
        """The next n samples (left, right float32), playing every event that falls in them."""
        left = np.zeros(n, dtype=np.float32)
        right = np.zeros(n, dtype=np.float32)
        end, pos = self.cursor + n, self.cursor
        write = self._fs._fl.fluid_synth_write_float
        ev = self._events
        while True:
            t = ev[0][0] if ev and ev[0][0] < end else end
            if t > pos:
                k, m = pos - self.cursor, t - pos
                if self._solo is None:
                    write(self.synth.synth, m, left[k:].ctypes.data, 0, 1,
                          right[k:].ctypes.data, 0, 1)  # fmt: skip
                else:
                    self._write_solo(left[k : k + m], right[k : k + m])
                pos = t
            if t >= end:
                break
            _, on, _, ch, key, vel = heapq.heappop(ev)
            if on:
                self.synth.noteon(ch, key, vel)
            elif self._last_off.get((ch, key), 0) <= t:
                self.synth.noteoff(ch, key)
        self.cursor = end
        return left, right

    def _write_solo(self, left: np.ndarray, right: np.ndarray) -> None:
        """Add the solo channels' next len(left) samples (dry and effects) to left/right."""
        rows, buf, ptrs = self._solo, self._scratch, self._ptrs
        assert rows is not None
        process = self._fs._fl.fluid_synth_process
        for a in range(0, len(left), _SOLO_BLOCK):
            m = min(_SOLO_BLOCK, len(left) - a)
            buf[:, :m] = 0.0
            dry, fx = ptrs[: 2 * _GROUPS], ptrs[2 * _GROUPS :]
            process(self.synth.synth, m, len(fx), fx.ctypes.data, len(dry), dry.ctypes.data)
            left[a : a + m] += buf[rows, :m].sum(axis=0)
            right[a : a + m] += buf[[r + 1 for r in rows], :m].sum(axis=0)

    def close(self) -> None:
        self.synth.delete()


class Tilt:
    """A high shelf at 1.5 kHz whose gain follows tone, with its state carried across
    segments: tone keeps brightening past the ends of the 1..10 range instead of
    saturating like a low-pass cutoff at Nyquist."""

    def __init__(self) -> None:
        self.zi: np.ndarray | None = None

    def __call__(self, left: np.ndarray, right: np.ndarray, gain_db: float) -> None:
        sos = _shelf(round(gain_db * 4) / 4)
        if self.zi is None:
            self.zi = np.zeros((sos.shape[0], 2, 2))
        y, self.zi = signal.sosfilt(sos, np.stack([left, right]), axis=1, zi=self.zi)
        left[:] = y[0]
        right[:] = y[1]


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
