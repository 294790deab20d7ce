"""Export applies the same mix as playback, sample for sample, and masters to a target."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from muzaic_studio.audio.decode import decode
from muzaic_studio.audio.export import ExportOptions, export_audio
from muzaic_studio.audio.loudness import measure_loudness
from muzaic_studio.audio.mix import FileWindows, MixPlan, block_mixer
from muzaic_studio.model.mix import RegionMix, set_region_mix, set_transition
from muzaic_studio.model.region import Region
from tests.audio.conftest import make_audio


def _regions() -> list[Region]:
    a, b, c = Region(0.0, 2.0), Region(2.0, 1.5), Region(3.5, 2.5)
    set_region_mix(a, RegionMix(fade_in=0.5, gain_db=-3.0))
    set_transition(a, b, 0.4)
    set_region_mix(c, RegionMix(gain_db=-9.0, fade_out=1.0, fade_out_shape="log"))
    return [a, b, c]


def test_exported_wav_equals_the_player_hook_applied_to_the_decode(tmp_path: Path) -> None:
    source = make_audio(tmp_path / "render.mp3", seconds=6.0, noise=True, amplitude=0.3)
    regions = _regions()
    target = tmp_path / "mixed.wav"
    export_audio(source, target, ExportOptions(format="wav", mix_regions=tuple(regions)))
    exported = decode(target).samples
    raw = decode(source)
    plan = MixPlan.from_regions(regions, raw.rate)
    hook = block_mixer(plan, FileWindows(source, raw.rate, raw.samples.shape[1]))
    heard = np.concatenate(
        [hook(raw.samples[i : i + 4096], i) for i in range(0, len(raw.samples), 4096)]
    )
    assert exported.shape == heard.shape
    assert np.array_equal(exported, heard)  # what is heard is what is exported, exactly
    # and the mix is really there: the start is silent, the last region is 9 dB down.
    assert np.abs(exported[:10]).max() <= 1
    mid_c = slice(int(4.0 * raw.rate), int(4.5 * raw.rate))
    ratio = np.std(exported[mid_c]) / np.std(raw.samples[mid_c])
    assert 20 * np.log10(ratio) == pytest.approx(-9.0, abs=0.1)


def test_a_selection_export_is_the_same_span_of_the_whole_mix(tmp_path: Path) -> None:
    source = make_audio(tmp_path / "render.mp3", seconds=6.0, noise=True, amplitude=0.3)
    regions = tuple(_regions())
    whole, part = tmp_path / "whole.wav", tmp_path / "part.wav"
    export_audio(source, whole, ExportOptions(format="wav", mix_regions=regions))
    export_audio(source, part, ExportOptions(format="wav", mix_regions=regions, start=1.5, end=2.5))
    w, p = decode(whole), decode(part)
    first = round(1.5 * w.rate)
    assert np.array_equal(p.samples, w.samples[first : first + len(p.samples)])


@pytest.mark.parametrize("target", [-16.0, -23.0])
def test_master_loudness_target_and_true_peak_limit(tmp_path: Path, target: float) -> None:
    source = make_audio(tmp_path / "render.mp3", seconds=8.0, noise=True, amplitude=0.2)
    out = tmp_path / "master.mp3"
    result = export_audio(
        source,
        out,
        ExportOptions(format="mp3", mix_regions=tuple(_regions()), loudness_target=target),
    )
    after = measure_loudness(out)
    assert after.integrated_lufs == pytest.approx(target, abs=1.0)
    assert after.true_peak_dbtp <= -0.9
    assert result.master is not None
    assert "Before:" in result.master.summary() and "After" in result.master.summary()
    assert result.master.after.integrated_lufs == pytest.approx(after.integrated_lufs, abs=0.05)
