"""Each param audibly and measurably changes the music (issue 3, point 3).

For every param, levels 1..10 are rendered with everything else fixed, and a feature a
listener would notice must rise with the level (Spearman rho >= 0.9). The features are
textbook estimators in measure.py, independent of the engine's code.
"""

from __future__ import annotations

import numpy as np
import pytest

from muzaic_studio.engine.theory import bpm_for, level
from tests.engine import measure as M
from tests.engine.conftest import synth

LEVELS = range(1, 11)


@pytest.mark.parametrize(
    ("tags", "spread"),
    # levels 1..10 span about 18-22 dB (theory.ENTRY, intensity_gain_db); Rock's int_bonus
    # of 3 maps them to levels 4..11.5 (unclamped: past 10 a step is half a level),
    # Ambient's -3 to -0.5..7
    [([], (15.0, 24.0)), ([5], (12.0, 20.0)), ([4], (12.0, 22.0))],
    ids=["default", "rock", "ambient"],
)
def test_intensity_raises_loudness(tags, spread):
    loud = [M.lufs(synth(8, tags, intensity=lvl)) for lvl in LEVELS]
    assert M.spearman(loud) >= 0.95, loud
    assert min(np.diff(loud)) >= 0.8, loud  # every position counts (issue 15: >= 1 dB)
    # not a subtle trim (a quiet bed vs a full band), nor a volume knob that makes the
    # quiet levels inaudible next to the loud ones
    assert spread[0] <= loud[-1] - loud[0] <= spread[1], loud


@pytest.mark.parametrize("tags", [[], [2]], ids=["default", "electronic"])
def test_tempo_sets_bpm(tags):
    # bright hats (tone 9: not low-passed) on every sixteenth (rhythm 10) give an
    # unambiguous grid to measure
    measured = [M.bpm(synth(12, tags, tempo=lvl, intensity=6, rhythm=10, tone=9)) for lvl in LEVELS]
    assert M.spearman(measured) >= 0.9, measured
    bonus = 1 if tags else 0  # Electronic's tem_bonus
    expected = [bpm_for(level(lvl, bonus)) for lvl in LEVELS]
    np.testing.assert_allclose(measured, expected, rtol=0.03)
    assert min(measured) >= 55 and max(measured) <= 185


@pytest.mark.parametrize("tags", [[], [6]], ids=["default", "jazz"])
def test_tone_raises_spectral_centroid(tags):
    cents = [M.centroid(synth(8, tags, tone=lvl, intensity=7)) for lvl in LEVELS]
    assert M.spearman(cents) >= 0.9, cents
    assert cents[-1] > 2.5 * cents[0], cents


# rhythm and variance: every position, every bench tag combination in test_slider_steps.py


def test_keyframes_move_a_param_across_the_region():
    """intensity [[0,1],[100,10]]: the last quarter is far louder than the first."""
    x = synth(16, intensity=[[0, 1], [100, 10]])
    q = len(x) // 4
    # the quarters sit around levels 2 and 9: about three quarters of the 12-16 dB range
    assert M.lufs(x[-q:]) - M.lufs(x[:q]) > 9.0
    y = synth(16, tone=[[0, 1], [100, 10]], intensity=7)
    assert M.centroid(y[-q:]) > 2.0 * M.centroid(y[:q])
    flat = synth(16, intensity=5)
    assert abs(M.lufs(flat[-q:]) - M.lufs(flat[:q])) < 4.0
