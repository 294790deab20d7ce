"""Mp3Stream: the MP3 encoder fed piece by piece gives `encode_mp3`'s bytes."""

from __future__ import annotations

import os

import numpy as np
import pytest

from muzaic_studio.audio.ffmpeg import FFmpegError, Mp3Stream, encode_mp3
from tests import processes


def test_pieces_of_any_size_give_the_whole_encode_byte_for_byte():
    pcm = (np.random.default_rng(0).standard_normal((44100 * 3 + 123, 2)) * 3000).astype(np.int16)
    stream = Mp3Stream(44100, 2, "192k")
    for s in range(0, len(pcm), 10007):  # not a multiple of the 1152-sample frame
        stream.write(pcm[s : s + 10007])
    assert stream.finish() == encode_mp3(pcm, 44100, "192k")


def test_a_failed_encoder_says_why():
    stream = Mp3Stream(44100, 2, "not-a-bitrate")
    stream.write(np.zeros((44100, 2), dtype=np.int16))
    with pytest.raises(FFmpegError):
        stream.finish()


def test_abort_ends_the_encoder():
    before = set(processes.children(os.getpid()))
    stream = Mp3Stream(44100, 2, "192k")
    stream.write(np.zeros((4410, 2), dtype=np.int16))
    started = set(processes.children(os.getpid())) - before
    assert started, "the encoder runs as a child process"
    stream.abort()
    assert not any(processes.exists(pid) for pid in started)
