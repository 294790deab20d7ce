"""Playback through a real sound server: what reaches the speakers is what the playhead says.

A private PulseAudio with a null sink is started for this module (and stopped after);
a child process plays a test MP3 with the real `Player` (play, seek, loop, pause, see
SCRIPT) while `parec` records the sink's monitor. Every 0.2 s window of the recording is
located in the decoded file by cross-correlation and compared with the playhead the
player showed at that moment. On CI (CI=true) this must run: a missing PulseAudio fails.

Brief dropouts are allowed, a few tens of ms in all: Qt 6.11's PulseAudio stream keeps
only 1024 frames (23 ms) queued in the server, which PySide6 cannot change, and when this
suite shares 2 cores with a dozen busy processes Qt's audio thread is sometimes starved
that long (measured: the sink's own buffer was full at the time). The playhead accounts
for them (the heard position stops while the sound does), so the timing checks hold for
the windows located (`within`: 80 % within 50 ms, median within 25 ms; a broken mapping
is off by far more, and a stale playhead by 100 ms or more). On an idle machine every
window is within 30 ms and nothing drops out (bench_playback_drift prints the numbers).
"""

from __future__ import annotations

import numpy as np
import pytest

from muzaic_studio.audio.decode import decode
from muzaic_studio.audio.ffmpeg import encode_mp3
from tests.sound_server import (
    MAX_TAKES,
    RATE,
    analyse,
    normalised_xcorr,
    record_take,
    test_signal,
)

SECONDS = 40.0
PLAY_FROM, SEEK_TO, LOOP = 5.0, 20.0, (30.0, 31.5)
# seconds after the child's event loop starts; play runs 7 s so that 5 s are heard even
# when the sound server takes its time to start a new stream (1-2 s on a null sink)
SCRIPT = [
    [0.3, "play", PLAY_FROM],
    [7.3, "seek", SEEK_TO],
    [9.8, "loop", list(LOOP)],
    [15.3, "pause", None],
    [16.8, "quit", None],
]
TOLERANCE = 0.05


def within(found) -> bool:
    """The playhead said what was heard: 80 % of the windows within 50 ms, median 25 ms."""
    errors = np.abs([w.error for w in found])
    return bool(np.percentile(errors, 80) <= TOLERANCE and np.median(errors) <= TOLERANCE / 2)


#: Real-time audio drops out when the machine is overloaded (a 2-core CI box running
#: other jobs): the checks run on the best of up to this many recordings of the same
#: scripted playback. A player that drops out or drifts every time still fails. Takes
#: during which the whole machine stood still are not counted, and made again
#: (`record_take`; up to MAX_TAKES in all).
ATTEMPTS = 3


@pytest.fixture(scope="module")
def session(sound_server, tmp_path_factory):
    """One scripted playback, recorded: (windows, probe result, reference, recording)."""
    folder = tmp_path_factory.mktemp("playback")
    audio = folder / "test.mp3"
    audio.write_bytes(encode_mp3(test_signal(SECONDS), RATE))
    reference = decode(audio).samples.astype(np.float32).mean(axis=1)
    best, judged = None, 0
    for take in range(MAX_TAKES):
        made = record_take(sound_server, audio, SECONDS, SCRIPT, folder / f"log{take}.json")
        if made is None:
            continue
        judged += 1
        result, (recording, times) = made
        windows = analyse(recording, times, reference, result["log"])
        heard = [w for w in windows if w.heard is not None]
        found = len(located(heard))
        if best is None or found > best[0]:
            best = (found, (windows, result, reference, (recording, times)))
        if heard and found >= 0.9 * len(heard):  # a clean take (jumps are never located)
            break  # a clean take: no need for another
        if judged == ATTEMPTS:
            break
    if best is None:
        pytest.fail(f"the machine stood still during all {MAX_TAKES} takes: nothing to judge")
    return best[1]


def event_time(result, name):
    return next(t for t, n, _ in result["events"] if n == name)


def test_the_player_uses_the_sound_server(session):
    _, result, _, _ = session
    assert result["has_audio"], result["messages"]
    assert not [m for m in result["messages"] if m.startswith("error")]


def located(windows):
    """Windows whose sound was found in the file (a window straddling a jump is not)."""
    return [w for w in windows if w.heard is not None and w.corr >= 0.8]


def test_five_seconds_of_play_are_the_render_from_the_playhead(session):
    windows, result, reference, (recording, times) = session
    played = [w for w in windows if w.t < event_time(result, "seek") and w.heard is not None]
    assert played, "nothing was heard after play"
    first = next(w for w in played if w.corr >= 0.9)
    assert abs(first.heard - PLAY_FROM) < 0.5, "play started elsewhere than the playhead"
    # where the file's PLAY_FROM second was played in the recording (the monitor may only
    # deliver from the moment the sink plays, so that can be just before the recording)
    start = int(np.searchsorted(times, first.t)) - round((first.heard - PLAY_FROM) * RATE)
    skip = max(0, -start) + 100
    start += skip
    origin = int(PLAY_FROM * RATE) + skip
    # 5 s from the playhead, in ten 0.5 s pieces, each found by cross-correlation where
    # the one before it ended: each piece is the render (>= 0.8; two may straddle a
    # dropout), and all together they came at most 250 ms late (dropouts shift what follows)
    piece, slack = RATE // 2, int(0.1 * RATE)
    correlations, late = [], 0
    for i in range(10):
        want = reference[origin + i * piece : origin + (i + 1) * piece]
        at = start + i * piece + late
        around = recording[max(0, at - slack) : at + piece + slack]
        assert len(around) >= piece + slack, "less than 5 s were heard before the seek"
        norm = normalised_xcorr(around, want)
        late += int(np.argmax(norm)) - min(slack, at)
        correlations.append(float(norm.max()))
    assert sorted(correlations)[2] >= 0.8 and np.mean(correlations) >= 0.8, correlations
    assert abs(late) <= 5 * TOLERANCE * RATE, f"the 5 s came {late / RATE * 1000:.0f} ms late"
    # no silence: every 50 ms of those 5 s carries sound, but for brief dropouts
    heard = recording[start : start + 5 * RATE]
    blocks = heard[: len(heard) // 2205 * 2205].reshape(-1, 2205)
    assert (np.sqrt((blocks**2).mean(axis=1)) < 100).sum() <= 5  # <= 250 ms of dropouts
    # and the playhead said what was heard, all along
    found = located(played)
    assert len(found) >= 0.9 * len(played) - 3
    assert len(found) >= 40 and within(found)


def test_seek_lands_where_the_playhead_says(session):
    windows, result, _, _ = session
    seek, loop = event_time(result, "seek"), event_time(result, "loop")
    # from the moment the new audio is heard (the sink holds 60 ms of the old one, and
    # ffmpeg must start): the playhead waited for it, then says what is heard
    start = next(w.t for w in located(windows) if w.t > seek and w.heard >= SEEK_TO - 0.1)
    assert start - seek < 1.0, "the seek took a second to be heard"
    after = [w for w in windows if start + 0.1 <= w.t < loop - 0.1]
    found = located(after)
    assert len(after) >= 15 and len(found) >= 0.8 * len(after), "dropouts after the seek"
    assert within(found)
    # nothing of the old position is heard once the sink's short buffer has played out
    assert min(w.heard for w in found) >= SEEK_TO - TOLERANCE


def test_loop_wraps_where_the_playhead_says(session):
    windows, result, _, _ = session
    loop, pause = event_time(result, "loop"), event_time(result, "pause")
    start = next(w.t for w in located(windows) if w.t > loop and w.heard >= LOOP[0] - 0.1)
    looped = [w for w in windows if start + 0.1 <= w.t < pause - 0.1]
    wraps = [
        a for a, b in zip(result["log"], result["log"][1:], strict=False)
        if loop < a[0] < pause and b[1] < a[1] - 0.5
    ]  # fmt: skip
    assert len(wraps) >= 2, "the loop did not wrap twice"
    clean = [w for w in looped if w.heard is not None and w.heard + 0.2 <= LOOP[1] - 0.01]
    found = located(clean)
    assert len(clean) >= 20 and len(found) >= 0.8 * len(clean)
    assert within(found)
    assert all(LOOP[0] - TOLERANCE <= w.heard <= LOOP[1] for w in located(looped))


def test_pause_stops_the_sound(session):
    windows, result, _, _ = session
    pause = event_time(result, "pause")
    after = [w for w in windows if w.t >= pause + 0.1]  # corked at once
    assert after and all(w.rms < 1.0 for w in after)
    assert not result["log"][-1][2]
