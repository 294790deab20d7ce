"""The client-side mix on PCM: fades reach the level on time, transitions keep it, blocks agree."""

from __future__ import annotations

import numpy as np
import pytest

from muzaic_studio.audio.mix import MixPlan, block_mixer, fade_curve
from muzaic_studio.model.mix import RegionMix, set_region_mix, set_transition
from muzaic_studio.model.region import Region

RATE = 8000


def _noise(seconds: float, seed: int, level: float = 0.25) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((int(seconds * RATE), 2)) * level).astype(np.float32)


def _rms_db(x: np.ndarray, window: int) -> np.ndarray:
    n = len(x) // window
    power = (x[: n * window].astype(np.float64) ** 2).reshape(n, window, -1).mean(axis=(1, 2))
    return 10 * np.log10(power + 1e-20)


@pytest.mark.parametrize("shape", ["linear", "equal-power", "log"])
def test_fade_in_from_silence_reaches_the_level_at_the_fade_length(shape: str) -> None:
    r = Region(1.0, 4.0)
    set_region_mix(r, RegionMix(gain_db=-6.0, fade_in=1.5, fade_in_shape=shape))
    plan = MixPlan.from_regions([r], RATE)
    env = plan.envelope(0, 6 * RATE)
    gain = 10 ** (-6 / 20)
    reach = int(2.5 * RATE)
    assert env[int(1.0 * RATE)] == 0.0
    assert env[reach] == pytest.approx(gain, rel=1e-6)
    assert env[reach - int(0.010 * RATE)] < gain  # still fading 10 ms before
    assert np.all(np.diff(env[int(1.0 * RATE) : reach + 1]) >= 0)


def test_a_linear_fade_in_on_noise_is_at_level_within_10_ms_of_its_length() -> None:
    r = Region(0.0, 4.0)
    set_region_mix(r, RegionMix(fade_in=2.0))
    x = np.full((4 * RATE, 2), 0.5, np.float32)
    y = MixPlan.from_regions([r], RATE).process(x, 0)
    level = _rms_db(y, int(0.010 * RATE))  # 10 ms windows
    full = level[-1]
    reached = (np.argmax(level >= full - 0.05) + 1) * 0.010  # end of the first window at level
    assert abs(reached - 2.0) <= 0.010 + 1e-9


def test_an_equal_power_transition_between_uncorrelated_regions_dips_less_than_1_db() -> None:
    a, b = Region(0.0, 3.0), Region(3.0, 3.0)
    set_transition(a, b, 1.0)
    x = np.concatenate([_noise(3, 1), _noise(3, 2)])
    y = MixPlan.from_regions([a, b], RATE).process(x, 0)
    level = _rms_db(y[int(1.5 * RATE) : int(4.5 * RATE)], int(0.050 * RATE))
    steady = _rms_db(x, len(x))[0]
    assert level.min() >= steady - 1.0
    # and the whole window is really mixed: the mirror term is present
    assert not np.allclose(
        y[int(2.5 * RATE) : int(3.5 * RATE)], x[int(2.5 * RATE) : int(3.5 * RATE)]
    )


def test_block_by_block_equals_whole_and_transitions_have_no_step() -> None:
    a, b, c = Region(0.0, 2.0), Region(2.0, 2.0), Region(4.5, 1.0)
    set_region_mix(a, RegionMix(gain_db=3.0, fade_in=0.3, fade_in_shape="log"))
    set_transition(a, b, 0.5)
    set_region_mix(c, RegionMix(gain_db=-12.0, fade_out=0.4, fade_out_shape="equal-power"))
    x = np.concatenate([_noise(4.5, 3), np.zeros((RATE // 2 * 3, 2), np.float32)])
    x[int(4.5 * RATE) :] = _noise(1.5, 4)
    plan = MixPlan.from_regions([a, b, c], RATE)
    whole = plan.process(x, 0)
    mirror = lambda first, last: x[first:last]  # noqa: E731 - a window source over memory
    process = block_mixer(plan, mirror)
    pieces, at = [], 0
    for size in [1, 777, 4096, 333, 12000] * 20:
        if at >= len(x):
            break
        pieces.append(process(x[at : at + size], at))
        at += size
    assert np.array_equal(np.concatenate(pieces), whole)
    # A constant signal through the transition moves smoothly (no click at B or the edges).
    ones = np.full((6 * RATE, 1), 0.5, np.float32)
    smooth = plan.process(ones, 0)[int(1.5 * RATE) : int(2.5 * RATE), 0]
    assert np.abs(np.diff(smooth)).max() < 0.001


def test_gain_outside_regions_is_unity_and_int16_blocks_round_trip() -> None:
    r = Region(1.0, 1.0)
    set_region_mix(r, RegionMix(gain_db=-6.0206))
    plan = MixPlan.from_regions([r], RATE)
    block = np.full((3 * RATE, 2), 10000, np.int16)
    out = block_mixer(plan, None)(block, 0)
    assert out.dtype == np.int16
    assert out[0, 0] == 10000 and out[int(1.5 * RATE), 0] == 5000
    assert MixPlan.from_regions([Region(0, 1)], RATE).is_flat


def test_display_gain_follows_the_envelope_and_shows_a_transition_at_full_power() -> None:
    a, b = Region(0.0, 2.0), Region(2.0, 2.0)
    set_transition(a, b, 0.5)
    set_region_mix(b, RegionMix(fade_in=0.5, fade_in_shape="equal-power", fade_out=1.0))
    plan = MixPlan.from_regions([a, b], RATE)
    shown = plan.display_gain(np.array([1.0, 1.8, 2.0, 2.2, 3.5]))
    assert shown[:4] == pytest.approx([1.0, 1.0, 1.0, 1.0], abs=1e-6)
    assert shown[4] == pytest.approx(0.5, abs=1e-3)


def test_fade_curves_run_from_zero_to_one() -> None:
    u = np.array([0.0, 1.0])
    for shape in ("linear", "equal-power", "log"):
        assert fade_curve(shape, u) == pytest.approx([0.0, 1.0])


def test_live_mix_ramps_a_plan_change_instead_of_stepping() -> None:
    from muzaic_studio.audio.mix import LiveMix

    r = Region(0.0, 10.0)
    flat = MixPlan.from_regions([r], RATE)
    set_region_mix(r, RegionMix(gain_db=-12.0))
    quiet = MixPlan.from_regions([r], RATE)
    live = LiveMix(flat)
    ones = np.full((800, 1), 0.5, np.float32)
    first = live(ones, 0)
    assert np.allclose(first, 0.5)
    live.set_plan(quiet)  # the handle moved while playing
    second = live(ones, 800)
    third = live(ones, 1600)
    out = np.concatenate([first, second, third])[:, 0]
    target = 0.5 * 10 ** (-12 / 20)
    assert out[-1] == pytest.approx(target, rel=1e-5)  # heard within one ramp
    ramp = round(LiveMix.RAMP_SECONDS * RATE)
    assert np.abs(np.diff(out)).max() <= (0.5 - target) / ramp * 1.01  # no step, a slope


def test_live_mix_follows_a_fast_drag_without_a_step() -> None:
    """A drag sends a new plan every few ms, faster than one ramp: each change starts from
    what is heard at that moment, so the level never jumps back to an old target."""
    from muzaic_studio.audio.mix import LiveMix

    def plan(gain_db: float) -> MixPlan:
        r = Region(0.0, 10.0)
        set_region_mix(r, RegionMix(gain_db=gain_db))
        return MixPlan.from_regions([r], RATE)

    gains = [0.0, -12.0, 6.0, -30.0, 0.0, -6.0]
    live = LiveMix(plan(gains[0]))
    chunk = np.full((100, 1), 0.5, np.float32)  # each change lands mid-ramp (ramp: 160)
    out = [live(chunk, 0)]
    for k, gain in enumerate(gains[1:], start=1):
        live.set_plan(plan(gain))
        out += [live(chunk, 100 * k)]
    out += [live(chunk, 100 * (len(gains) + k)) for k in range(4)]
    level = np.concatenate(out)[:, 0]
    amplitudes = [0.5 * 10 ** (g / 20) for g in gains]
    slope = (max(amplitudes) - min(amplitudes)) / round(LiveMix.RAMP_SECONDS * RATE)
    assert np.abs(np.diff(level)).max() <= slope * 1.01  # a slope, never a step
    assert level[-1] == pytest.approx(amplitudes[-1], rel=1e-4)  # and it arrives
