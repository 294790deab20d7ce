"""`muzaic-studio render --stems DIR --midi FILE`: the offline engine's stems and score
beside the MP3; with the cloud, refused before anything is sent."""

from __future__ import annotations

import mido
import numpy as np
import pytest
from scipy.io import wavfile

from muzaic_studio.cli import main
from tests.api.helpers import KEY
from tests.test_cli import one_line, write_project


@pytest.fixture
def project(tmp_path):
    return write_project(tmp_path / "song.muzaic")


def test_render_offline_writes_stems_and_midi(project, tmp_path, capsys):
    out, stems, midi = tmp_path / "out.mp3", tmp_path / "stems", tmp_path / "song.mid"
    argv = ["render", str(project), "-o", str(out), "--offline", "--stems", str(stems)]
    assert main([*argv, "--midi", str(midi)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith(f"Wrote {out}: 6.0 s")
    assert lines[1].startswith("Exported 4 stems (drums, bass, harmony, melody)")
    assert "the stems add up to the mix (rendered apart: within -" in lines[1]
    assert sorted(p.name for p in stems.iterdir()) == [
        "bass.wav", "drums.wav", "harmony.wav", "melody.wav"
    ]  # fmt: skip
    rate, drums = wavfile.read(stems / "drums.wav")
    assert len(drums) / rate == pytest.approx(6.0, abs=0.001) and np.abs(drums).max() > 0.01
    score = mido.MidiFile(midi)
    assert score.length == pytest.approx(6.0, abs=0.01)
    assert sum(1 for m in score if m.type == "note_on" and m.velocity) > 10


@pytest.mark.parametrize("cloud", [["--api-url", "http://127.0.0.1:9"], []])
def test_stems_and_midi_with_the_cloud_are_refused_before_sending(
    project, tmp_path, capsys, monkeypatch, cloud
):
    monkeypatch.setenv("MUZAIC_API_KEY", KEY)  # the cloud is the automatic choice
    out, midi = tmp_path / "out.mp3", tmp_path / "song.mid"
    before = project.read_bytes()
    assert main(["render", str(project), "-o", str(out), "--midi", str(midi), *cloud]) == 2
    lines = capsys.readouterr().err.strip().splitlines()
    # the error is the last line; before it, without a flag, which backend and why
    assert "need --offline" in lines[-1]
    assert "the Muzaic cloud sends only the mixed audio" in lines[-1]
    assert len(lines) == (1 if cloud else 2) and "Muzaic cloud" in lines[0]
    assert not out.exists() and not midi.exists() and project.read_bytes() == before


def test_stems_into_a_file_is_a_usage_error(project, tmp_path, capsys):
    taken = tmp_path / "stems"
    taken.write_text("not a folder")
    argv = ["render", str(project), "-o", str(tmp_path / "o.mp3"), "--offline"]
    assert main([*argv, "--stems", str(taken)]) == 2
    assert "needs a folder" in one_line(capsys.readouterr().err)
