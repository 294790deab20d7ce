"""`render` against a busy server (429): the wait before a retry is said on stderr, and
Ctrl+C ends it at once (was: up to a minute of silence that looked like a hang)."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time

from muzaic_studio.api.cloud import MuzaicCloud
from muzaic_studio.cli import main
from tests.api.helpers import KEY, mp3_bytes, ok_payload
from tests.api.recording_server import RecordingServer, Reply
from tests.test_cli import REPO, write_project
from tests.ui.render_support import EngineServer

BUSY = re.compile(r"server busy \(429\), retrying in (\d+) s \(attempt 2 of 3\)")


def test_a_short_wait_is_said_and_the_retry_renders(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MUZAIC_API_KEY", KEY)
    song = write_project(tmp_path / "song.muzaic")
    out = tmp_path / "o.mp3"
    with RecordingServer() as srv:
        answer = ok_payload(3, audio=mp3_bytes(6.0), audioDuration=6.0)
        srv.queue(Reply(429, {"error": "slow down"}, {"Retry-After": "1"}), Reply(200, answer))
        assert main(["render", str(song), "-o", str(out), "--api-url", srv.url]) == 0
        assert len(srv.posts()) == 2
    err = capsys.readouterr().err
    assert "muzaic-studio: server busy (429), retrying in 1 s (attempt 2 of 3)" in err
    assert out.exists()


def test_without_retry_after_the_render_ends_at_once_saying_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MUZAIC_API_KEY", KEY)
    song = write_project(tmp_path / "song.muzaic")
    with RecordingServer() as srv:
        srv.queue(Reply(429, {"error": "slow down"}))
        argv = ["render", str(song), "-o", str(tmp_path / "o.mp3"), "--api-url", srv.url]
        assert main(argv) == 4
        assert len(srv.posts()) == 1  # not retried: the server did not say when
    assert "Too many requests" in capsys.readouterr().err


def test_ctrl_c_during_the_wait_of_the_real_engine_server_stops_at_once(tmp_path):
    """The offline engine's own server with a rate limit of one request a minute, spent
    before the render: its 429 asks for most of a minute."""
    song = write_project(tmp_path / "song.muzaic")
    out = tmp_path / "o.mp3"
    with EngineServer(rate_limit=1, keys=[KEY]) as server:
        MuzaicCloud(server.url, KEY).account()  # the one request of this minute
        proc = subprocess.Popen(
            [sys.executable, "-m", "muzaic_studio", "render", str(song), "-o", str(out),
             "--api-url", server.url],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO,
            env={**os.environ, "PYTHONPATH": str(REPO), "MUZAIC_API_KEY": KEY},
        )  # fmt: skip
        try:
            assert proc.stderr is not None
            line = proc.stderr.readline()  # blocks until the CLI says something
            said = BUSY.search(line)
            assert said, line
            assert 1 <= int(said.group(1)) <= 60
            sent = time.monotonic()
            proc.send_signal(signal.SIGINT)
            _out, rest = proc.communicate(timeout=30)
            assert time.monotonic() - sent < 5  # not the rest of the minute
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == 130
    assert "cancelled before the server accepted it; no tokens were spent" in rest
    assert "Traceback" not in rest and not out.exists()
