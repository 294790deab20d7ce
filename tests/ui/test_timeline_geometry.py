"""Pure timeline math (no Qt): ticks, labels, grid steps, snapping, free gaps."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from muzaic_studio.ui.timeline import geometry as geo


def test_time_scale_round_trip():
    s = geo.TimeScale(px_per_sec=40, scroll=100, left=12)
    assert s.x(10) == 400 - 100 + 12
    assert s.time(s.x(12.345)) == pytest.approx(12.345)
    assert s.seconds(8) == 0.2


@given(st.floats(min_value=geo.MIN_PX_PER_SEC, max_value=geo.MAX_PX_PER_SEC))
def test_major_ticks_are_readable_and_minor_divide_them(pps):
    major, minor = geo.tick_steps(pps)
    assert major * pps >= 90 or major == 600.0
    ratio = major / minor
    assert minor <= major and abs(ratio - round(ratio)) < 1e-6


def test_ticks_do_not_drift():
    t = geo.ticks(0.0, 3.0, 0.1)
    assert len(t) == 31 and t[-1] == pytest.approx(3.0) and t[7] == pytest.approx(0.7)
    assert geo.ticks(9.99, 20.0, 5.0) == [10.0, 15.0, 20.0]


@pytest.mark.parametrize(
    ("seconds", "step", "label"),
    [(65, 5, "1:05"), (3723, 60, "1:02:03"), (65.5, 0.5, "1:05.50"), (3.5, 1 / 24, "0:03+12f"),
     (3.0, 1 / 24, "0:03"), (0, 1, "0:00")],
)  # fmt: skip
def test_format_time(seconds, step, label):
    assert geo.format_time(seconds, step) == label


def test_format_precise():
    assert geo.format_precise(61.2345) == "1:01.234" or geo.format_precise(61.2345) == "1:01.235"
    assert geo.format_precise(59.9999) == "1:00.000"


def test_grid_steps():
    assert geo.grid_step("off", 40, 120) is None
    assert geo.grid_step("bars", 40, 120) == 0.5  # a beat at 120 BPM is 20 px: shown
    assert geo.grid_step("bars", 2, 120) == 8.0  # far out: bars (2 s) doubled until >= 12 px
    assert geo.grid_step("seconds", 20, 120) == geo.tick_steps(20)[1]


def test_snap_prefers_targets_within_tolerance():
    assert geo.snap(10.3, [10.0, 11.0], 0.4) == (10.0, 10.0)
    assert geo.snap(10.3, [10.0], 0.2) == (10.3, None)
    assert geo.snap(10.3, [], 0.4, grid=0.25) == (0.25 * 41, 0.25 * 41)
    assert geo.snap(10.05, [10.0], 0.4, grid=0.1) == (10.0, 10.0)  # target wins a tie


def test_snap_delta_moves_the_group_by_the_nearest_edge():
    shift, hit = geo.snap_delta([5.2, 9.9], [10.0, 5.0], 0.3)
    assert hit == 10.0 and shift == pytest.approx(0.1)
    assert geo.snap_delta([5.2], [7.0], 0.3) == (0.0, None)


def test_free_span():
    starts, ends = [0.0, 10.0, 30.0], [5.0, 15.0, 40.0]
    assert geo.free_span(starts, ends, 20.0) == (15.0, 30.0)
    assert geo.free_span(starts, ends, 50.0) == (40.0, math.inf)
    assert geo.clamp_zoom(1e9) == geo.MAX_PX_PER_SEC and geo.clamp_zoom(0) == geo.MIN_PX_PER_SEC


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.0, "0:00.0"), (5.0, "0:05.0"), (44.96, "0:45.0"), (59.96, "1:00.0"), (3600.0, "1:00:00.0")],
)
def test_length_format_is_m_ss_tenths_rounded(seconds, text):
    assert geo.format_length(seconds) == text
