"""`StallWatch` (tests/sound_server.py) tells a take during which nothing could run from
one that ran: a stalled take is made again instead of judged (the playback tests)."""

from __future__ import annotations

import sys
import time

from tests.sound_server import STALL, StallWatch


def test_a_stall_is_seen_and_a_quiet_wait_is_not():
    with StallWatch() as quiet:
        time.sleep(0.3)
    assert quiet.longest < STALL
    interval = sys.getswitchinterval()
    sys.setswitchinterval(5.0)  # this thread keeps the GIL: the watch cannot run
    try:
        with StallWatch() as stalled:
            time.sleep(0.05)  # the watch is asleep in its wait
            end = time.monotonic() + 1.0
            while time.monotonic() < end:
                pass
    finally:
        sys.setswitchinterval(interval)
    assert stalled.longest > STALL
