"""Export stems and MIDI (issue 15.8): four stems that add up to the engine's mix, and a
MIDI file of the score with the regions' tempos, instruments and notes where they play."""

from __future__ import annotations

import math
import os
import subprocess
import sys
import threading
from pathlib import Path

import mido
import numpy as np
import pytest
from scipy.io import wavfile

from muzaic_studio.contract.errors import Cancelled
from muzaic_studio.engine import sampled
from muzaic_studio.engine.backend import OfflineEngine
from muzaic_studio.engine.score import Note, Score, fit_score
from muzaic_studio.engine.score_export import export_score, residual_db
from muzaic_studio.engine.stems import STEMS, StemRender
from muzaic_studio.engine.theory import SR
from tests.engine.conftest import region


def read_stems(folder) -> dict[str, np.ndarray]:
    out = {}
    for name in STEMS:
        rate, data = wavfile.read(folder / f"{name}.wav")
        assert rate == SR and data.dtype == np.float32 and data.shape[1] == 2
        out[name] = data
    return out


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """An explosive rock region (its limiter works), an electronic one, silence and a copy of
    the first, normalised: rendered, then its stems and MIDI exported."""
    home = tmp_path_factory.mktemp("stems-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MUZAIC_STUDIO_HOME", str(home / "home"))
        engine = OfflineEngine()
        first = region(8.0, tags=[5, 29], params={"intensity": 10})
        second = region(6.0, time=8.0, tags=[2, 21], params={"tempo": 8})
        body = {"normalize": True, "regions": [first, second,
                                               region(2.0, time=14.0, action="silence")]}  # fmt: skip
        answer = engine.render(body)
        copy = region(8.0, time=16.0, action="copy", sourceHash=answer.region_hashes[0])
        body["regions"].append(copy)
        answer = engine.render(body)
        canon = engine.renderer.prepare(body)
        mix = engine.renderer.render(canon).samples
        out = home / "out"
        out.mkdir()
        report = export_score(
            engine.renderer, body, stems_dir=out / "stems", midi_path=out / "song.mid"
        )
        # the loud region's bus (its limiter) changed the gain: a gain curve, not 1.0
        gains = StemRender(engine.renderer, canon).take(answer.region_hashes[0]).gains
        engine.store.flush()
        yield {"report": report, "mix": mix, "out": out, "answer": answer, "gains": gains}


def test_the_four_stems_add_up_to_the_mix_within_minus_60_db(exported):
    mix = exported["mix"].astype(np.float64) / 32767.0
    assert any(isinstance(g, np.ndarray) for g in exported["gains"].values())  # limited
    stems = read_stems(exported["out"] / "stems")
    total = sum(stems.values())
    assert len(total) == len(mix) == round(24.0 * SR)
    error_db = 20 * math.log10(rms(total - mix) / rms(mix))
    assert error_db <= -100.0, error_db  # the files: exactly (float32 rounding)
    # rendered apart, before the harmony stem took in the mix's 16-bit rounding
    assert exported["report"].residual_db <= -60.0
    for name, stem in stems.items():  # each stem holds its part, none the whole mix
        share = 20 * math.log10(rms(stem) / rms(mix))
        assert -30.0 < share < -0.5, (name, share)
    silence = slice(round(14.0 * SR) + 4410, round(16.0 * SR))  # after the tails
    assert max(float(np.abs(s[silence]).max()) for s in stems.values()) < 1e-3


def test_midi_has_a_track_per_voice_the_regions_tempos_and_their_notes(exported):
    report, answer = exported["report"], exported["answer"]
    mid = mido.MidiFile(exported["out"] / "song.mid")
    assert mid.type == 1 and len(mid.tracks) == 1 + report.midi.tracks
    names = [t.name for t in mid.tracks[1:]]
    assert names[:2] == ["Drums", "Bass"] and "Melody" in names
    assert mid.length == pytest.approx(24.0, abs=0.01)
    # every note, with absolute seconds, from the merged file (mido applies the tempo map)
    now, notes, programs = 0.0, [], []
    for msg in mid:
        now += msg.time
        if msg.type == "note_on" and msg.velocity > 0:
            notes.append((now, msg.channel, msg.note))
        elif msg.type == "program_change":
            programs.append((now, msg.channel, msg.program))
    assert len(notes) == report.midi.notes > 100
    assert {c for _, c, _ in notes if c == 9} == {9}  # the drums, on channel 10
    tempos = [m.tempo for m in mid.tracks[0] if m.type == "set_tempo"]
    bpm_a, bpm_b = answer.region_tempos[0], answer.region_tempos[1]
    assert mido.tempo2bpm(tempos[0]) == pytest.approx(bpm_a, abs=0.01)
    assert any(mido.tempo2bpm(t) == pytest.approx(bpm_b, abs=0.01) for t in tempos)
    assert not [n for n in notes if 14.0 <= n[0] < 15.999]  # silence holds nothing
    # the copy plays its source's notes, 16 s later
    eps = 1e-3  # a tick is ~1 ms: a note on a region's first sample may read 15.999996 s
    source = [n for n in notes if n[0] < 8.0 - eps]
    copied = [n for n in notes if 16.0 - eps <= n[0] < 24.0 - eps]

    def relative(window):  # times from the window's first note, to a tenth of a tick
        t0 = min(t for t, _, _ in window)
        return sorted((round(t - t0, 4), c, k) for t, c, k in window)

    assert copied[0][0] == pytest.approx(16.0, abs=eps)
    assert relative(copied) == relative(source)
    # a GM program per voice, changed where the electronic region brings other instruments
    assert {c for _, c, _ in programs} >= {0, 9}
    assert any(7.99 < t < 8.01 for t, _, _ in programs)


def test_stems_of_the_synthesized_voices_add_up_too(tmp_path, engine, monkeypatch):
    """Without FluidSynth every voice is synthesized: the other path through the mixer."""
    monkeypatch.setattr(sampled, "available", lambda: False)  # as without FluidSynth
    body = {"regions": [region(5.0, tags=[10], params={"intensity": 9})]}
    engine.render(body)
    report = export_score(engine.renderer, body, stems_dir=tmp_path)
    mix = engine.renderer.render(engine.renderer.prepare(body)).samples
    total = sum(read_stems(tmp_path).values())
    assert residual_db(total, mix) <= -100.0 and report.residual_db <= -60.0
    assert report.midi is None and len(report.stems) == 4


def test_the_stems_of_a_quiet_normalised_region_add_up_too(tmp_path, engine):
    """Ambient+Calm at intensity 1 is boosted ~20 dB by the normalisation, and with it the
    mix's rounding to 16 bits: the harmony stem carries it, so the sum still holds."""
    body = {"normalize": True, "regions": [region(5.0, tags=[4, 14], params={"intensity": 1})]}
    engine.render(body)
    report = export_score(engine.renderer, body, stems_dir=tmp_path)
    mix = engine.renderer.render(engine.renderer.prepare(body)).samples
    stems = read_stems(tmp_path)
    assert residual_db(sum(stems.values()), mix) <= -100.0
    assert report.residual_db < -45.0  # rendered apart: the rounding, nothing else
    bed = rms(stems["harmony"]) / rms(mix.astype(np.float64) / 32767.0)
    assert bed > 0.5  # ambient: the harmony is most of the music


def test_a_cancelled_export_leaves_no_file(tmp_path, engine):
    body = {"regions": [region(3.0, tags=[5]), region(3.0, time=3.0, tags=[6])]}
    engine.render(body)
    cancel = threading.Event()

    def progress(fraction: float, _text: str) -> None:
        if fraction > 0.3:  # rendering the stems
            cancel.set()

    stems, midi = tmp_path / "stems", tmp_path / "song.mid"
    with pytest.raises(Cancelled):
        export_score(engine.renderer, body, stems_dir=stems, midi_path=midi,
                     progress=progress, cancel=cancel)  # fmt: skip
    assert not stems.exists() and not midi.exists()


def test_a_longer_copy_loops_its_sources_notes_like_its_audio():
    bar = SR  # 1 s bars; a source of 2 bars and a tail, looping after bar 2, made 5 bars long
    src = Score(120.0, {"lead": 81}, [Note("lead", 60, 0, 100, 90), Note("lead", 62, bar, 100, 90)])
    m = round(2.1 * SR)
    looped = fit_score(src, m, 5 * bar, 1.0, loop_s=2.0)
    assert [(n.start, n.key) for n in looped.notes] == [
        (0, 60), (bar, 62), (2 * bar, 60), (3 * bar, 62), (4 * bar, 60)
    ]  # fmt: skip
    assert fit_score(src, m, bar // 2, 1.0).notes == [src.notes[0]]  # cut short
    assert looped.bpm == 120.0 and looped.programs == {"lead": 81}


def test_the_first_render_of_a_process_is_the_same_as_any_other(tmp_path):
    """Two regions make their FluidSynth synths in two threads at once; the first synth of
    a process used to let the other play with FluidSynth's tables half made."""
    script = """
import hashlib, sys, tempfile
from muzaic_studio.engine.backend import OfflineEngine
from muzaic_studio.engine.store import RegionStore
from tests.engine.conftest import region
body = {"regions": [region(4.0, tags=[5]), region(4.0, time=4.0, tags=[2, 21])]}
for _ in range(2):
    eng = OfflineEngine(store=RegionStore(tempfile.mkdtemp()))
    x = eng.renderer.render(eng.renderer.prepare(body)).samples
    print(hashlib.sha256(x.tobytes()).hexdigest())
"""
    repo = Path(__file__).resolve().parents[2]
    env = {**os.environ, "PYTHONPATH": str(repo), "MUZAIC_STUDIO_HOME": str(tmp_path)}
    for _ in range(2):
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                              timeout=240, cwd=repo, env=env, check=True)  # fmt: skip
        first, again = done.stdout.split()
        assert first == again
