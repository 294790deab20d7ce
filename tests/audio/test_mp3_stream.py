"""Mp3Stream: the MP3 encoder fed piece by piece, in segments on every core, gives
`encode_mp3`'s bytes; mp3_frames joins segment encodes with ffmpeg's own Info frame."""

from __future__ import annotations

import os

import numpy as np
import pytest

from muzaic_studio.audio import mp3_frames
from muzaic_studio.audio.decode import decode
from muzaic_studio.audio.ffmpeg import FFmpegError, encode_mp3
from muzaic_studio.audio.mp3_stream import Mp3Stream, plan
from tests import processes

RATE = 44100


def _music(seconds: float, seed: int = 0) -> np.ndarray:
    """Chords with drum-like bursts: transients make the encoder switch block types,
    which is where a badly joined segment would differ."""
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    tone = sum(np.sin(2 * np.pi * f * t) for f in (110.0, 220.0 * 1.26, 330.0, 440.0 * 1.5))
    hits = np.zeros_like(t)
    for start in rng.integers(0, len(t) - 4000, size=int(seconds * 3)):
        hits[start : start + 4000] += rng.standard_normal(4000) * np.exp(-np.arange(4000) / 600)
    left = 0.12 * tone + 0.5 * hits
    right = 0.12 * np.roll(tone, 37) + 0.4 * hits
    return (np.stack([left, right], axis=1) * 12000).clip(-32767, 32767).astype(np.int16)


def _stream(pcm: np.ndarray, step: int, **kwargs: object) -> bytes:
    stream = Mp3Stream(RATE, 2, **kwargs)  # type: ignore[arg-type]
    for s in range(0, len(pcm), step):
        stream.write(pcm[s : s + step])
    return stream.finish()


def test_pieces_of_any_size_give_the_whole_encode_byte_for_byte():
    pcm = (np.random.default_rng(0).standard_normal((RATE * 3 + 123, 2)) * 3000).astype(np.int16)
    # not a multiple of the 1152-sample frame
    assert _stream(pcm, 10007) == encode_mp3(pcm, RATE)


@pytest.mark.parametrize("parts", [2, 3])
def test_a_soundtrack_encoded_in_segments_is_the_single_encode_byte_for_byte(parts):
    pcm = _music(50.3)
    assert len(plan(len(pcm), RATE, parts)) == parts
    # pieces that cross the segments' edges, as the engine's 30 s pieces do
    joined = _stream(pcm, RATE * 7 + 11, total=len(pcm), parts=parts)
    assert joined == encode_mp3(pcm, RATE)
    assert len(decode(joined).samples) == len(pcm)


def test_without_its_preroll_a_segment_would_be_heard_at_the_join():
    """Why each segment's encoder starts early: encode the second half cold, and the
    frames around the join carry an error far above the codec's own."""
    pcm = _music(40.0, seed=1)
    frames = mp3_frames.SAMPLES_PER_FRAME
    cut = 781 * frames
    whole = mp3_frames.split(encode_mp3(pcm, RATE))
    first = mp3_frames.split(encode_mp3(pcm[: cut + 4 * frames], RATE))
    cold = mp3_frames.split(encode_mp3(pcm[cut:], RATE))
    k = cut // frames
    spliced = first.frame_bytes(0, k) + cold.frame_bytes(0)
    bad = decode(mp3_frames.join(whole, spliced, whole.padding)).samples.astype(np.float32)
    good = decode(whole.data).samples.astype(np.float32)
    source = pcm.astype(np.float32)
    n = min(len(bad), len(good), len(source))
    near = slice(cut - frames, cut)  # the last frame before the cut: overlapped by both
    err_bad = float(np.mean((bad[:n][near] - source[near]) ** 2))
    err_good = float(np.mean((good[:n][near] - source[near]) ** 2))
    assert err_bad > 5 * err_good  # measured 9-52 dB above the codec's own error


def test_the_joined_info_frame_is_the_one_ffmpeg_writes():
    """Frame count, size, seek table, end padding and both CRCs: a file split into its
    frames and joined again is the same file, for a short and a long (> 400 frame) one."""
    for seconds in (2.5, 30.0):
        data = encode_mp3(_music(seconds, seed=2), RATE)
        parts = mp3_frames.split(data)
        assert mp3_frames.join(parts, parts.frame_bytes(0), parts.padding) == data


def test_damaged_mp3_data_is_refused_with_a_reason():
    data = encode_mp3(_music(2.0), RATE)
    with pytest.raises(mp3_frames.Mp3FormatError, match="cut short"):
        mp3_frames.split(data[:-100])
    with pytest.raises(mp3_frames.Mp3FormatError, match="frame header"):
        mp3_frames.split(data[:-2100] + b"\x00" * 2100)  # > 2 frames of 320 kbit/s


def test_a_stream_shorter_than_announced_is_an_error_not_a_wrong_file():
    stream = Mp3Stream(RATE, 2, total=RATE * 40, parts=2)
    stream.write(np.zeros((RATE * 30, 2), dtype=np.int16))
    with pytest.raises(ValueError, match="announced"):
        stream.finish()


def test_a_failed_encoder_says_why():
    stream = Mp3Stream(RATE, 9)  # nine channels: no layout ffmpeg can mix down to stereo
    stream.write(np.zeros((RATE, 9), dtype=np.int16))
    with pytest.raises(FFmpegError):
        stream.finish()


def test_abort_ends_every_encoder():
    before = set(processes.children(os.getpid()))
    stream = Mp3Stream(RATE, 2, total=RATE * 40, parts=2)
    stream.write(np.zeros((4410, 2), dtype=np.int16))
    started = set(processes.children(os.getpid())) - before
    assert len(started) == 2, "one encoder per segment, each a child process"
    stream.abort()
    assert not any(processes.exists(pid) for pid in started)


def test_an_error_while_feeding_is_raised_by_finish_not_a_hang():
    def written(_pcm: np.ndarray) -> None:
        raise RuntimeError("the pages could not be let go")

    stream = Mp3Stream(RATE, 2, total=RATE * 40, parts=2, written=written)
    for _ in range(4):
        stream.write(np.zeros((RATE * 10, 2), dtype=np.int16))
    with pytest.raises(RuntimeError, match="let go"):
        stream.finish()
