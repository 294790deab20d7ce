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


def test_a_full_cache_disk_delivers_the_paid_render_with_one_warning(server, tmp_path):
    """Was: exit 4, "the render's answer could not be saved", and no MP3 for the tokens."""
    song = write_project(tmp_path / "song.muzaic")
    home = tmp_path / "home"
    out = tmp_path / "out.mp3"
    proc = on_full_disk(home, _render(song, out, server), _env(home))
    assert proc.returncode == 0, proc.stderr
    warning = _one_line(proc.stderr)
    assert "warning: The cache folder" in warning and "is full" in warning
    assert KEY not in proc.stderr + proc.stdout
    assert _hashes(song) == ["h0000", None, "h0002"]
    assert out.stat().st_size > 10_000


def test_an_offline_render_on_a_full_region_cache_warns_once(tmp_path):
    """Only the engine's region store is full: the render is whole, and says so once."""
    song = write_project(tmp_path / "song.muzaic")
    home = tmp_path / "home"
    out = tmp_path / "out.mp3"
    command = [sys.executable, "-m", "muzaic_studio", "render", str(song), "-o", str(out),
               "--offline"]  # fmt: skip
    proc = on_full_disk(home / "cache" / "engine-regions", command, _env(home))
    assert proc.returncode == 0, proc.stderr
    warning = _one_line(proc.stderr)
    assert "warning: The region cache" in warning and "is full" in warning
    assert "Render Changes" in warning  # what the user loses: the next session's copies
    assert out.stat().st_size > 10_000 and proc.stdout.startswith(f"Wrote {out}")


def _one_line(stderr: str) -> str:
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in stderr, stderr
    return lines[0]


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
    out = tmp_path / "out.mp3"
    command = [sys.executable, "-m", "muzaic_studio", "render", str(song), "-o", str(out),
               "--offline"]  # fmt: skip
    proc = on_full_disk(home, command, _env(home))
    assert proc.returncode == 0, proc.stderr  # cache, log and data full: the render is whole
    assert "Logging error" not in proc.stderr
    assert "is full" in _one_line(proc.stderr)
    assert out.stat().st_size > 10_000
