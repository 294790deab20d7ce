"""The playback feed: the samples of the file from the playhead, through the mix hook."""

from __future__ import annotations

import time

import numpy as np
import pytest

from muzaic_studio.audio.decode import decode
from muzaic_studio.audio.pcm_feed import BLOCK_FRAMES, PcmFeed


def drain(feed: PcmFeed, limit: int | None = None, timeout: float = 20.0) -> list:
    """Every block until the end (or *limit* blocks), waiting as the sink's pump would."""
    blocks, deadline = [], time.monotonic() + timeout
    try:
        while limit is None or len(blocks) < limit:
            assert time.monotonic() < deadline, "the feed stalled"
            try:
                block = feed.next_block()
            except StopIteration:
                break
            if block is None:
                time.sleep(0.005)
            else:
                blocks.append(block)
    finally:
        feed.close()
    return blocks


def pcm(blocks: list, channels: int = 2) -> np.ndarray:
    return np.frombuffer(b"".join(b.data for b in blocks), dtype="<i2").reshape(-1, channels)


def test_from_the_playhead_to_the_end_the_samples_of_the_file(noise_mp3):
    whole = decode(noise_mp3).samples
    start = 44100 + 123
    blocks = drain(PcmFeed(noise_mp3, start))
    assert [b.start_frame for b in blocks] == list(range(start, len(whole), BLOCK_FRAMES))
    got = pcm(blocks)
    assert len(got) == len(whole) - start
    assert np.abs(got.astype(int) - whole[start:]).max() <= 1  # int16 -> float -> int16


def test_the_mix_hook_sees_float_blocks_at_soundtrack_time_and_is_heard(noise_mp3):
    whole = decode(noise_mp3).samples
    seen = []

    def half_after_two_seconds(block, start_frame):
        seen.append((block.dtype, block.shape, start_frame))
        frames = start_frame + np.arange(block.shape[0])
        block[frames >= 2 * 44100] *= 0.5
        return block

    blocks = drain(PcmFeed(noise_mp3, 44100, process=half_after_two_seconds))
    assert seen[0] == (np.float32, (BLOCK_FRAMES, 2), 44100)
    got = pcm(blocks).astype(float)
    before, after = got[: 44100 - 100], got[44100 + 100 :]  # file 1..2 s, 2..3 s
    assert np.abs(before - whole[44100 : 2 * 44100 - 100]).max() <= 1
    assert np.abs(after - whole[2 * 44100 + 100 :] * 0.5).max() <= 1.5


def test_a_loop_wraps_without_a_gap_and_an_end_stops(noise_mp3):
    whole = decode(noise_mp3).samples
    loop = (22050, 66150)  # 0.5 .. 1.5 s
    blocks = drain(PcmFeed(noise_mp3, 60000, loop=loop), limit=60)
    got = pcm(blocks)
    span = whole[loop[0] : loop[1]]
    expected = np.concatenate([whole[60000 : loop[1]], span, span, span])[: len(got)]
    assert len(got) >= len(expected) > 2 * len(span)
    assert np.abs(got.astype(int) - expected).max() <= 1
    ended = drain(PcmFeed(noise_mp3, 0, end_frame=30000))
    assert sum(b.frames for b in ended) == 30000


def test_a_broken_file_is_an_error_not_a_hang(tmp_path):
    from muzaic_studio.audio.pcm_feed import FeedError

    bad = tmp_path / "bad.mp3"
    bad.write_bytes(b"not audio at all" * 100)
    with pytest.raises(FeedError):
        drain(PcmFeed(bad, 0))
