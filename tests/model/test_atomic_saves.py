"""Saves (atomic.py) under kill -9, through symlinks, keeping modes, cleaning crash debris."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

from muzaic_studio.atomic import STALE_TEMP_SECONDS, atomic_write_bytes, atomic_write_text

SAVER = """
import sys
from muzaic_studio.model import Project, Region
path, n = sys.argv[1], 0
while True:  # versions alternate in size, so a torn write could not look complete
    n += 1
    Project(regions=[Region(i, 1, name="v%d" % n) for i in range(1 + 400 * (n % 2))]).save(path)
    print(n, flush=True)
"""


def test_kill_9_during_saves_never_leaves_a_corrupt_project(tmp_path):
    """0 corrupt files under kill -9 (as 120 trials found), and the debris is cleaned."""
    path = tmp_path / "song.muzaic"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    for trial in range(12):
        proc = subprocess.Popen([sys.executable, "-c", SAVER, str(path)],
                                stdout=subprocess.PIPE, env=env)  # fmt: skip
        assert proc.stdout is not None
        for _ in range(2 + trial % 5):  # let a few saves land, then kill at a varying point
            proc.stdout.readline()
        time.sleep(0.003 * trial)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = json.loads(path.read_text("utf-8"))  # whole: one version or the previous
        names = {r.get("name") for r in data["regions"]}
        assert len(names) == 1 and next(iter(names)).startswith("v")
    # temp files of killed saves are removed by the next save once they are old enough
    for leftover in tmp_path.glob(".song.muzaic.*.tmp"):
        old = time.time() - STALE_TEMP_SECONDS - 10
        os.utime(leftover, (old, old))
    fresh = tmp_path / ".song.muzaic.abcd1234.tmp"
    fresh.write_text("a save in progress elsewhere")
    atomic_write_text(path, "{}")
    assert [p.name for p in tmp_path.glob(".song.muzaic.*.tmp")] == [fresh.name]


def test_a_save_through_a_symlink_replaces_the_target_and_keeps_the_link(tmp_path):
    real = tmp_path / "real.muzaic"
    real.write_text("old")
    link = tmp_path / "link.muzaic"
    link.symlink_to(real)
    atomic_write_text(link, "new")
    assert link.is_symlink() and real.read_text() == "new"


def test_a_save_keeps_the_file_mode(tmp_path):
    for mode in (0o664, 0o644, 0o600, 0o640):
        path = tmp_path / f"p{mode:o}.muzaic"
        path.write_text("old")
        path.chmod(mode)
        atomic_write_bytes(path, b"new")
        assert stat.S_IMODE(path.stat().st_mode) == mode


def test_a_new_file_gets_the_umask(tmp_path):
    old = os.umask(0o027)
    try:
        atomic_write_bytes(tmp_path / "new.mp3", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "new.mp3").stat().st_mode) == 0o640


def test_a_hard_link_keeps_the_old_content(tmp_path):
    """Documented: the rename gives the saved file a new inode (README, "Saving")."""
    path = tmp_path / "a.muzaic"
    path.write_text("old")
    os.link(path, tmp_path / "b.muzaic")
    atomic_write_text(path, "new")
    assert Path(tmp_path / "b.muzaic").read_text() == "old"
