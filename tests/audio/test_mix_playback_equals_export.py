"""What is heard is what is exported: the player's feed through the live mix gives the same
int16 samples as the export's mixed stream, sample for sample, fades and transitions included."""

from __future__ import annotations

import time

import numpy as np
import pytest

from muzaic_studio.audio.decode import decode
from muzaic_studio.audio.mix import FileWindows, LiveMix, MixPlan
from muzaic_studio.audio.mix_export import mixed_blocks
from muzaic_studio.audio.pcm_feed import PcmFeed
from muzaic_studio.model.mix import RegionMix, set_region_mix, set_transition
from muzaic_studio.model.region import Region

from .conftest import make_audio
from .test_pcm_feed import drain, pcm


def _played(path, plan: MixPlan, rate: int) -> np.ndarray:
    """Every block the player's feed hands to the sink, from frame 0 to the end."""
    live = LiveMix(plan, FileWindows(path, rate, 2))
    return pcm(drain(PcmFeed(path, 0, process=live.process), timeout=60.0))


def test_playback_pcm_equals_the_exported_mix(tmp_path) -> None:
    path = make_audio(tmp_path / "render.mp3", seconds=9.0, noise=True, amplitude=0.4)
    a, b, c = Region(0.0, 3.0), Region(3.0, 3.0), Region(6.0, 3.0)
    set_region_mix(a, RegionMix(gain_db=-6.0, fade_in=1.0, fade_in_shape="equal-power"))
    set_transition(a, b, 0.8)
    set_region_mix(c, RegionMix(gain_db=3.0, fade_out=2.0, fade_out_shape="log"))
    plan = MixPlan.from_regions([a, b, c], 44100)
    exported = np.concatenate(list(mixed_blocks(path, plan, start=None, end=None)))
    played = _played(path, plan, 44100)
    assert played.shape == exported.shape
    assert np.array_equal(played, exported)
    # and the mix is really applied: the first second fades in from silence
    assert np.abs(played[:441].astype(np.int32)).max() < 2000


def test_a_mix_change_reaches_the_next_block_the_sink_takes(tmp_path) -> None:
    """The mix runs when the sink takes a block, not when it was decoded (a second ahead):
    a gain moved during playback is heard after the sink's buffer, not after the queue."""
    path = make_audio(tmp_path / "steady.mp3", seconds=6.0, amplitude=0.5)
    region = Region(0.0, 6.0)
    live = LiveMix(MixPlan.from_regions([region], 44100), FileWindows(path, 44100, 2))
    feed = PcmFeed(path, 0, process=live.process)
    try:
        deadline = time.monotonic() + 30
        while not feed.primed(8) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert feed.primed(8)  # several blocks are decoded ahead already

        def take() -> np.ndarray:
            while (block := feed.next_block()) is None:
                time.sleep(0.005)
            return np.frombuffer(block.data, np.int16).astype(np.float64)

        before = np.sqrt(np.mean(take() ** 2))
        quieter = Region(0.0, 6.0)
        set_region_mix(quieter, RegionMix(gain_db=-30.0))
        live.set_plan(MixPlan.from_regions([quieter], 44100))
        take()  # the 30 ms ramp (no click) lies inside this block
        after = np.sqrt(np.mean(take() ** 2))
    finally:
        feed.close()
    assert 20 * np.log10(after / before) == pytest.approx(-30.0, abs=0.5)


def test_a_gain_change_while_playing_moves_along_the_ramp_without_a_step(tmp_path) -> None:
    """The sink takes a few ms at a time (as the player does) and the gain handle moves
    three times while it plays, twice mid-ramp: the level heard per sample never steps by
    more than the ramp's own slope (a click), and ends at the new gain."""
    path = make_audio(tmp_path / "tone.wav", seconds=3.0, amplitude=0.5, freq=441.0)
    source = decode(path).samples[:, 0].astype(np.float64)

    def plan(gain_db: float) -> MixPlan:
        region = Region(0.0, 3.0)
        set_region_mix(region, RegionMix(gain_db=gain_db))
        return MixPlan.from_regions([region], 44100)

    live = LiveMix(plan(0.0), FileWindows(path, 44100, 2))
    feed = PcmFeed(path, 0, process=live.process)
    changes = {20: -12.0, 22: 6.0, 23: -20.0}  # at these slices of <= 441 frames (10 ms)
    played = []
    try:
        for k in range(60):
            if k in changes:
                live.set_plan(plan(changes[k]))
            while (block := feed.next_block(441)) is None:
                time.sleep(0.005)
            played.append(np.frombuffer(block.data, np.int16).reshape(-1, 2)[:, 0])
    finally:
        feed.close()
    out = np.concatenate(played).astype(np.float64)
    loud = np.abs(source[: len(out)]) > 0.4 * 32768  # where the gain can be read finely
    gain = out[loud] / source[: len(out)][loud]
    neighbours = np.diff(np.flatnonzero(loud)) == 1
    steps = np.abs(np.diff(gain))[neighbours]
    amplitudes = [10 ** (g / 20) for g in (0.0, *changes.values())]
    slope = (max(amplitudes) - min(amplitudes)) / round(LiveMix.RAMP_SECONDS * 44100)
    assert steps.max() <= slope + 1e-4  # + the int16 rounding of a 0.4..0.5 sample
    assert gain[-50:] == pytest.approx(10 ** (-20 / 20), abs=1e-3)
