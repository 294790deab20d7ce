"""`render -o OUT.mp3` against a server that answers with WAV (the shape the official
MCP client reads first): the MP3 written is the WAV's music, exactly as long."""

from __future__ import annotations

import base64

from muzaic_studio.audio.decode import decode
from muzaic_studio.cli import main
from tests.api.helpers import KEY, ok_payload, wav_bytes
from tests.api.recording_server import RecordingServer, Reply
from tests.test_cli import write_project


def test_a_wav_answer_becomes_an_mp3_of_exactly_its_length(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MUZAIC_API_KEY", KEY)
    song = write_project(tmp_path / "song.muzaic")
    out = tmp_path / "o.mp3"
    wav = wav_bytes(6.0)
    with RecordingServer() as srv:
        answer = ok_payload(3, mp3=None, wav=base64.b64encode(wav).decode(), audioDuration=6.0)
        srv.queue(Reply(200, answer))
        assert main(["render", str(song), "-o", str(out), "--api-url", srv.url]) == 0, (
            capsys.readouterr()
        )
    got = decode(out)
    # an MP3 piped out of ffmpeg has no LAME frame: players then add ~1100 samples of
    # encoder delay before the music and pad the end, and the timeline would be off
    assert (got.rate, got.frames) == (8000, 6 * 8000)
