"""Every slider position counts (issue 15, item 4): rhythm and tempo stay audible for
tags that push a param far down (Ambient+Calm: rhythm -2, tempo -2) or swing (Jazz)."""

from __future__ import annotations

import numpy as np

from muzaic_studio.engine import theory as th
from muzaic_studio.engine.theory import SR
from tests.engine import measure as M
from tests.engine.conftest import synth

AMBIENT_CALM = [4, 14]
JAZZ_ROMANTIC = [6, 17]


def test_every_half_level_adds_onsets_to_the_grid():
    """Past the slider's range a step is half a level: the grid still grows >= 5% there."""
    levels = np.arange(th.LEVEL_MIN, th.LEVEL_MAX + 0.01, 0.5)
    counts = [th.onsets_per_bar(x) for x in levels]
    assert min(np.diff(counts) / counts[:-1]) >= 0.05, counts
    assert counts[0] >= 3.5  # the calmest groove still marks the beats
    # the grid of a busier level holds every step of a calmer one, on a shared bar
    calm, busy = th.grid_steps(3.0, 5), th.grid_steps(4.0, 5)
    assert set(calm) <= set(busy) and len(busy) > len(calm)
    assert th.grid_steps(8.0, 0) == list(range(16))  # every sixteenth at 8
    assert any(s % 1 for s in th.grid_steps(10.0, 0))  # 32nd pickups above it


def test_ambient_calm_rhythm_slider_changes_the_onset_rate():
    """Ambient has no drums, only a pulse; with Calm its rhythm levels reach 0..8."""
    # the lowest three are levels 0, 0.5 and 1 (Calm's -2 below the slider's range)
    # from 0.25 s on: the opening (a pad bloomed by its pre-roll, at every level) is no rhythm
    rates = [
        M.onset_rate(synth(8, AMBIENT_CALM, rhythm=r, intensity=8)[SR // 4 :])
        for r in (1, 2, 3, 10)
    ]
    assert min(np.diff(rates) / rates[:-1]) >= 0.05, rates
    assert rates[-1] > 2.5 * rates[0], rates


def test_ambient_calm_tempo_is_heard_as_a_beat_at_the_slowest_setting():
    """Tempo 1 with Ambient+Calm is level 0 (54 BPM): the pulse carries it."""
    x = synth(12, AMBIENT_CALM, tempo=1, rhythm=10, tone=9, intensity=6)
    stated = th.bpm_for(th.level(1, -2))  # Calm and Ambient's tempo bonuses combine to -2
    bpm = M.bpm(x)
    while bpm < stated / 1.45:  # the onset tracker's octave errors are not the music's
        bpm *= 2
    np.testing.assert_allclose(bpm, stated, rtol=0.03)


def test_swing_straightens_when_every_sixteenth_is_played():
    """A swung slow groove at the busiest rhythm keeps a steady sixteenth pulse (a shuffle
    of sixteenths read as 4/3 of the tempo before), and swings at the default rhythm."""
    assert th.swing_for(0.33, 5.0) == 0.33 and th.swing_for(0.33, 9.0) == 0.0
    x = synth(12, JAZZ_ROMANTIC, tempo=3, rhythm=10, tone=9, intensity=6)
    stated = th.bpm_for(th.level(3, -1))  # Romantic's tempo bonus
    bpm = M.bpm(x)
    while bpm < stated / 1.45:
        bpm *= 2
    while bpm > stated * 1.45:
        bpm /= 2
    np.testing.assert_allclose(bpm, stated, rtol=0.03)
