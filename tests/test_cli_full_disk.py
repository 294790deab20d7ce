"""A full disk during `render` (a real one: a tiny tmpfs, see tests/full_disk.py): a clear
message, the previous files intact, and what a paid render bought is never lost."""

from __future__ import annotations

import json
import os
import sys

import pytest

from tests.api.helpers import KEY, mp3_bytes, ok_payload
from tests.api.recording_server import RecordingServer, Reply
from tests.full_disk import on_full_disk
from tests.test_cli import write_project


@pytest.fixture
def server():
    with RecordingServer() as srv:
        srv.queue(Reply(200, ok_payload(3, audio=mp3_bytes(6.0), audioDuration=6.0)))
        yield srv


def _env(home) -> dict[str, str]:
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    return {
        **os.environ,
        "PYTHONPATH": root,
        "MUZAIC_API_KEY": KEY,
        "MUZAIC_STUDIO_HOME": str(home),
    }


def _render(song, out, server, *extra) -> list[str]:
    return [sys.executable, "-m", "muzaic_studio", "render", str(song), "-o", str(out),
            "--api-url", server.url, *extra]  # fmt: skip


def _hashes(song) -> list[str | None]:
    return [(r.get("rendered") or {}).get("hash") for r in json.loads(song.read_text())["regions"]]


def test_an_output_on_a_full_disk_keeps_the_paid_hashes_and_the_previous_file(server, tmp_path):
    """Was: exit 1, and the hashes the tokens paid for were never stored in the project."""
    song = write_project(tmp_path / "song.muzaic")
    full = tmp_path / "full"
    out = full / "out.mp3"
    proc = on_full_disk(full, _render(song, out, server), _env(tmp_path / "home"),
                        setup=f"echo previous > {out}", after=f"cat {out}")  # fmt: skip
    assert proc.returncode == 1
    assert "Not enough disk space to write" in proc.stderr and "--changes-only" in proc.stderr
    assert "[Errno" not in proc.stderr and KEY not in proc.stderr + proc.stdout
    assert proc.stdout.strip().endswith("previous")  # the old output, whole
    assert _hashes(song) == ["h0000", None, "h0002"]


def test_a_full_cache_disk_keeps_the_paid_hashes(server, tmp_path):
    song = write_project(tmp_path / "song.muzaic")
    home = tmp_path / "home"
    proc = on_full_disk(home, _render(song, tmp_path / "out.mp3", server), _env(home))
    assert proc.returncode == 4, proc.stderr
    assert "could not be saved: Not enough disk space" in proc.stderr
    assert _hashes(song) == ["h0000", None, "h0002"]
    assert not (tmp_path / "out.mp3").exists()


def test_a_project_on_a_full_disk_is_left_whole_and_the_mp3_written(tmp_path):
    full = tmp_path / "full"
    out = tmp_path / "out.mp3"
    song = full / "song.muzaic"
    before = write_project(tmp_path / "before.muzaic").read_bytes()
    command = [sys.executable, "-m", "muzaic_studio", "render", str(song), "-o", str(out),
               "--offline"]  # fmt: skip
    proc = on_full_disk(full, command, _env(tmp_path / "home"),
                        setup=f"cp {tmp_path / 'before.muzaic'} {song}", after=f"cat {song}")  # fmt: skip
    assert proc.returncode == 1
    assert "could not store the region hashes" in proc.stderr and "Not enough disk" in proc.stderr
    assert proc.stdout.strip().endswith(before.decode().strip())  # the project, whole
    assert out.stat().st_size > 10_000


def test_a_full_disk_under_the_log_leaves_stderr_one_clear_line(tmp_path):
    """Was: a "--- Logging error ---" traceback on stderr for every line the log could not
    take, above the one line the command ends with."""
    song = write_project(tmp_path / "song.muzaic")
    home = tmp_path / "home"
    command = [sys.executable, "-m", "muzaic_studio", "render", str(song), "-o",
               str(tmp_path / "out.mp3"), "--offline"]  # fmt: skip
    proc = on_full_disk(home, command, _env(home))
    assert proc.returncode == 4
    assert "Logging error" not in proc.stderr and "Traceback" not in proc.stderr
    assert proc.stderr.count("\n") == 1 and "Not enough disk space" in proc.stderr
