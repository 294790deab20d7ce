"""Export stems and MIDI of an offline render: the files, from stems.py and midi.py.

The request is rendered first (from the store's cache when it was rendered already), its
loudness normalisation probed, so "the mix" here is exactly the engine's answer; then
every generate region's mix pass (score and bus gain), the MIDI file, and one stem at a
time (a 20-minute soundtrack holds one stem in memory, not four). The report says how
closely the rendered stems add up to the mix; the little they miss (the mix's own 16-bit
rounding) goes into the harmony stem, so the files add up to the mix exactly.
"""

from __future__ import annotations

import contextlib
import functools
import math
import os
import tempfile
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from muzaic_studio.engine.core import Renderer
from muzaic_studio.engine.midi import MidiSummary, write_midi
from muzaic_studio.engine.stems import STEMS, SoundtrackGain, StemRender
from muzaic_studio.engine.theory import SR

Progress = Callable[[float, str], None]
# The stem that takes what the rendered stems' sum misses of the mix (the mix's rounding
# to 16 bits, boosted by the normalisation: up to about -55 dB of a very quiet region),
# so the files add up to the mix exactly: the harmony bed, which plays wherever music does.
BED = "harmony"


@dataclass(frozen=True)
class ScoreExport:
    stems: tuple[Path, ...]
    midi_path: Path | None
    midi: MidiSummary | None
    duration: float
    # the rendered stems' sum minus the mix, dB re the mix's RMS, before BED took it in
    residual_db: float | None

    def summary(self) -> str:
        """One sentence for a status line or the terminal."""
        parts = []
        if self.stems:
            folder = self.stems[0].parent
            parts.append(f"{len(self.stems)} stems ({', '.join(p.stem for p in self.stems)}) "
                         f"in {folder}")  # fmt: skip
        if self.midi is not None and self.midi_path is not None:
            parts.append(f"MIDI {self.midi_path} ({self.midi.tracks} tracks, "
                         f"{self.midi.notes} notes)")  # fmt: skip
        text = f"Exported {' and '.join(parts)}: {self.duration:.1f} s"
        if self.residual_db is not None:
            text += (
                f"; the stems add up to the mix (rendered apart: within {self.residual_db:.0f} dB)"
            )
        return text + "."


def stem_path(folder: Path, name: str) -> Path:
    return folder / f"{name}.wav"


def _write_wav(path: Path, audio: np.ndarray) -> None:
    """32-bit float WAV: a stem may exceed full scale where the others cancel it in the
    mix, and float keeps it (and the sum) exact."""
    from scipy.io import wavfile

    wavfile.write(path, SR, audio)


def export_score(
    renderer: Renderer,
    body: dict[str, Any],
    *,
    stems_dir: str | Path | None = None,
    midi_path: str | Path | None = None,
    title: str = "Soundtrack",
    progress: Progress | None = None,
    cancel: threading.Event | None = None,
) -> ScoreExport:
    """Write the stems (drums, bass, harmony, melody .wav in *stems_dir*) and/or the MIDI
    file of the request *body* as the offline engine renders it."""
    say = progress or (lambda _f, _t: None)
    canon = renderer.prepare(body)
    say(0.0, "Rendering the mix...")
    gain = SoundtrackGain()
    mix = renderer.render(canon, cancel, probe=gain).samples
    job = StemRender(renderer, canon, cancel)
    sources = job.generated()
    passes = len(sources) * (1 + (len(STEMS) if stems_dir is not None else 0))
    done = 0

    def step(text: str) -> None:
        nonlocal done
        done += 1
        say(0.1 + 0.85 * done / max(1, passes), text)

    say(0.1, "Reading the score...")
    job.each(sources, job.take, lambda: step("Reading the score..."))
    folder = Path(stems_dir) if stems_dir is not None else None
    created = folder is not None and not folder.exists()
    try:
        residual, summary = _write(job, gain, mix, folder, midi_path, title, step)
    except BaseException:
        if created and folder is not None:
            with contextlib.suppress(OSError):
                folder.rmdir()  # only if empty: what we made, nothing else
        raise
    written = [stem_path(folder, name) for name in STEMS] if folder is not None else []
    say(1.0, "Done")
    return ScoreExport(tuple(written), Path(midi_path) if midi_path else None, summary,
                       job.total_n / SR, residual)  # fmt: skip


def _write(
    job: StemRender,
    gain: SoundtrackGain,
    mix: np.ndarray,
    folder: Path | None,
    midi_path: str | Path | None,
    title: str,
    step: Any,
) -> tuple[float | None, MidiSummary | None]:
    """The files: stems (if *folder*), then MIDI; (stems' residual, MIDI summary)."""
    residual = None
    with contextlib.ExitStack() as stack:
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
            # the stems are made in a hidden folder beside their place and moved there when
            # all are done: a failed or cancelled export leaves no stem behind
            part = Path(
                stack.enter_context(tempfile.TemporaryDirectory(dir=folder, prefix=".stems-"))
            )
            residual = _write_stems(job, gain, mix, part, step)
        summary = None
        if midi_path is not None:
            summary = write_midi(midi_path, job.timeline(), job.total_n, title)
        if folder is not None:
            for name in STEMS:
                os.replace(part / f"{name}.wav", stem_path(folder, name))
    return residual, summary


def _write_stems(
    job: StemRender, gain: SoundtrackGain, mix: np.ndarray, folder: Path, step: Any
) -> float:
    """Render and write the four stems into *folder*; the rendered stems' residual (dB)."""
    total = np.zeros((job.total_n, 2), dtype=np.float32)
    residual = math.inf
    for name in sorted(STEMS, key=lambda k: k == BED):  # the bed last
        audio = job.stem(name, gain, functools.partial(step, f"Rendering the {name} stem..."))
        total += audio
        if name == BED:  # what the sum misses of the mix: its 16-bit rounding
            err = np.multiply(mix, np.float32(1 / 32767.0), dtype=np.float32)
            err -= total
            residual = residual_db(total, mix)
            audio += err
            del err
        _write_wav(folder / f"{name}.wav", audio)
        del audio
    return residual


def residual_db(stems_sum: np.ndarray, mix: np.ndarray) -> float:
    """RMS of (sum - mix) relative to the mix's RMS, in dB (mix int16 or float)."""
    ref = mix.astype(np.float64) / (32767.0 if mix.dtype == np.int16 else 1.0)
    err = float(np.sqrt(np.mean((stems_sum.astype(np.float64) - ref) ** 2)))
    rms = float(np.sqrt(np.mean(ref**2)))
    if rms == 0.0:
        return -math.inf if err == 0.0 else math.inf
    return 20.0 * math.log10(max(err, 1e-12) / rms)
