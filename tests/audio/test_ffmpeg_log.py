"""The one reader of `ffmpeg -i` logs that the audio probe and the video probe share."""

from __future__ import annotations

import pytest

from muzaic_studio.audio import ffmpeg_log

MP3 = """Input #0, mp3, from 'a.mp3':
  Duration: 00:01:02.50, start: 0.025057, bitrate: 192 kb/s
  Stream #0:0: Audio: mp3 (mp3float), 44100 Hz, stereo, fltp, 192 kb/s"""
MOV = """Input #0, mov,mp4,m4a,3gp,3g2,mj2, from 'v.mov':
  Duration: 01:00:00.00, start: 0.000000, bitrate: 900 kb/s
  Stream #0:0[0x1](und): Video: h264 (High) (avc1 / 0x31637661), yuv420p, 1280x720, 25 fps
  Stream #0:1[0x2](und): Audio: aac (LC) (mp4a / 0x6134706D), 48000 Hz, 5.1(side), fltp"""


@pytest.mark.parametrize(
    ("log", "seconds", "stream"),
    [
        (MP3, 62.5, ("mp3", 44100, 2)),
        (MOV, 3600.0, ("aac", 48000, 6)),
        ("Duration: N/A\n  Stream #0:0: Audio: pcm_s16le, 8000 Hz, 6 channels, s16", None,
         ("pcm_s16le", 8000, 6)),
        ("Duration: 00:00:01.00\n  Stream #0:0: Video: png, rgb24, 64x64", 1.0, None),
    ],
)  # fmt: skip
def test_duration_and_audio_stream(log, seconds, stream):
    assert ffmpeg_log.duration(log) == seconds
    found = ffmpeg_log.audio_stream(log)
    assert (None if found is None else (found.codec, found.rate, found.channels)) == stream


def test_channel_layouts_share_one_table():
    assert ffmpeg_log.channels_of("3.0(back)") == 3
    assert ffmpeg_log.channels_of("quad(side)") == 4
    assert ffmpeg_log.channels_of("8 channels") == 8
    assert ffmpeg_log.channels_of("ambisonic") is None
