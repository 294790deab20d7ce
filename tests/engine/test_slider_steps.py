"""Every slider position counts (issue 15, item 4), for every tag combination the bench
measures: each rhythm step is a busier groove (>= 5% more onsets a second), each variance
step more change from bar to bar; rhythm and tempo stay audible for tags that push a param
far down (Ambient+Calm: rhythm -2, tempo -2) or swing (Jazz)."""

from __future__ import annotations

import concurrent.futures
import itertools
from collections.abc import Callable

import numpy as np
import pytest

from muzaic_studio.engine import theory as th
from muzaic_studio.engine.tags import resolve_style
from tests.engine import measure as M
from tests.engine.conftest import synth

AMBIENT_CALM = [4, 14]
JAZZ_ROMANTIC = [6, 17]
# bench/bench_engine_music.py's combinations (they reach the ends of every param's
# internal range: Explosive +3 rhythm, Ambient+Calm -2) and no tags
COMBOS = {
    "ambient+calm": AMBIENT_CALM,
    "rock+driving": [5, 28],
    "jazz+romantic": JAZZ_ROMANTIC,
    "electronic+explosive": [2, 29],
    "lofi+sad+chill": [8, 12, 26],
    "no-tags": [],
}
POSITIONS = range(1, 11)


def _each_position(render: Callable[[int], float]) -> np.ndarray:
    """render(position) for the ten positions, two at a time (synthesis releases the GIL)."""
    with concurrent.futures.ThreadPoolExecutor(max_workers=2) as pool:
        return np.array(list(pool.map(render, POSITIONS)))


def test_every_half_level_adds_onsets_to_the_grid():
    """Past the slider's range a step is half a level: the grid still grows >= 5% there."""
    levels = np.arange(th.LEVEL_MIN, th.LEVEL_MAX + 0.01, 0.5)
    counts = [th.onsets_per_bar(x) for x in levels]
    assert min(np.diff(counts) / counts[:-1]) >= 0.05, counts
    # the calmest groove any tags reach (Ambient+Calm, rhythm 1) still marks the beats
    assert th.onsets_per_bar(th.level(1, -2)) >= 3.5
    # the busiest (Explosive's +3, rhythm 10) is a groove with pickups, not a hat roll
    assert th.onsets_per_bar(th.level(10, 3)) <= 24.5
    # the grid of a busier level holds every step of a calmer one, on a shared bar
    calm, busy = th.grid_steps(3.0, 5), th.grid_steps(4.0, 5)
    assert set(calm) <= set(busy) and len(busy) > len(calm)
    assert th.grid_steps(9.0, 0) == list(range(16))  # every sixteenth at 9
    assert any(s % 1 for s in th.grid_steps(10.0, 0))  # 32nd pickups above it


@pytest.mark.parametrize("tags", COMBOS.values(), ids=COMBOS.keys())
def test_every_rhythm_position_is_a_busier_groove(tags):
    """Onsets a second over the whole 8 s render, from its first downbeat on."""
    rates = _each_position(lambda r: M.onset_rate(synth(8, tags, rhythm=r, intensity=8)))
    assert min(np.diff(rates) / rates[:-1]) >= 0.05, rates
    assert rates[-1] > 2.5 * rates[0], rates


@pytest.mark.parametrize("tags", COMBOS.values(), ids=COMBOS.keys())
def test_every_variance_position_changes_more_from_bar_to_bar(tags):
    """One take; the bench averages three (one tune's accidents are not the slider's)."""
    bar = 240.0 / th.bpm_for(th.level(8, resolve_style(tags).bonus["tempo"]))
    change = _each_position(
        lambda v: M.bar_change(synth(24, tags, variance=v, intensity=7, tempo=8), bar)
    )
    assert min(np.diff(change)) > 0, change
    assert change[-1] > 1.8 * change[0], change


def test_chord_changes_and_sections_are_nested_in_variance():
    """A calmer setting's chord changes and section starts are also a busier one's, so a
    variance step adds change to the music instead of reshuffling it."""
    levels = np.arange(th.LEVEL_MIN, th.LEVEL_MAX + 0.01, 0.5)
    for lo, hi in itertools.pairwise(levels):
        for half in range(96):
            assert not th.chord_change_at(half, lo) or th.chord_change_at(half, hi)
            bar = half // 2
            assert not th.section_starts_at(bar, lo) or th.section_starts_at(bar, hi)
    # a chord for 4 bars at level 1, every bar at 7, two a bar at 10
    assert [th.chord_changes(v) for v in (1.0, 7.0, 10.0)] == [4.0, 16.0, 32.0]


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
